"""Logging for the archive: ids and hashes only, never text, names or filenames."""

from __future__ import annotations

import logging

from flask import Flask


def init_app(app: Flask) -> None:
    logger = logging.getLogger("archive")
    logger.setLevel(app.config["LOG_LEVEL"].upper())
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)
    # werkzeug's access log prints full URLs, whose query strings can carry searched names.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
