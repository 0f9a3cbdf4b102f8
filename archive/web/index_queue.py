"""Index work left in the outbox, finished by every running server.

A change whose index update failed (the writer busy past its timeout, the disk full) stays in
the outbox (search/indexing.py); each server process retries it every INDEX_RETRY_SECONDS in
a background thread, and a custodian whose change is queued is told so on the next page.
"""

from __future__ import annotations

import logging
import os
import threading

from flask import Flask, flash
from flask_babel import gettext as _

from archive.search.indexing import index_lags
from archive.services import get_session, indexer

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    interval = float(app.config["INDEX_RETRY_SECONDS"])
    if interval <= 0:
        return
    started: dict[int, threading.Thread] = {}
    lock = threading.Lock()
    stop = app.extensions["archive.index_retry_stop"] = threading.Event()  # set: the thread ends

    @app.before_request
    def _start_retrying() -> None:
        # one thread per process, started in the process that serves (after a server forks)
        pid = os.getpid()
        if pid in started:
            return
        with lock:
            if pid not in started:
                started[pid] = threading.Thread(
                    target=_retry_forever, args=(app, interval, stop), name="index-outbox", daemon=True
                )
                started[pid].start()


def _retry_forever(app: Flask, interval: float, stop: threading.Event) -> None:
    while not stop.wait(interval):
        with app.app_context():
            try:
                indexer().drain()
            except Exception:  # noqa: BLE001 - stays queued; tried again next time
                log.warning("queued index work could not be done yet; it stays queued", exc_info=True)


def tell_if_queued(document_ids: list[int] | None = None) -> bool:
    """Tell the custodian, after a change, when its index work is queued rather than done
    (search leaves the changed documents out until it is); return whether it is."""
    queued = index_lags(get_session(), document_ids)
    if queued:
        flash(
            _(
                "Saved. The search index could not take the change yet: it is queued and will be "
                "applied automatically; until then search leaves the document out."
            ),
            "error",
        )
    return queued
