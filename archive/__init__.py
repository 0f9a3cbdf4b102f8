"""Witness Archive: a human-rights documentation archive."""

from __future__ import annotations

from flask import Flask

from archive.config import load_config
from archive.resources import resource_dir


def create_app(config: dict | None = None, web: bool = True) -> Flask:
    """Build the application: load config, call each init_app, register blueprints.

    `web=False` stops after the settings, the log and the engines: the command line's data
    commands need no pages, and start a second sooner without them."""
    # Imported here, not above: every `import archive.<anything>` runs this file first, and
    # the pure packages (redaction, media) must load without the web stack and the engines.
    from archive import services
    from archive.config import private_files
    from archive.web import logs

    private_files()

    app = Flask(
        __name__,
        template_folder=str(resource_dir("templates")),
        static_folder=str(resource_dir("static")),
    )
    app.config.update(load_config(config))
    logs.init_app(app)
    services.init_app(app)
    if not web:
        return app
    from pathlib import Path

    from archive.errors import ConfigError

    if app.config["VAULT_KEY_FILE"] and Path(app.config["VAULT_KEY_FILE"] + ".new").exists():
        raise ConfigError(
            "a vault key rotation stopped half-way: run `archive vault rotate` to finish it before serving"
        )
    from archive.web import (
        acts,
        api,
        audit,
        briefs,
        briefs_api,
        derivations,
        editing,
        errors,
        i18n,
        index_queue,
        keeping,
        login,
        media,
        pages,
        permalinks,
        pictures,
        review,
        search,
        security,
        timeline,
        timeline_editing,
    )

    security.init_app(app)
    i18n.init_app(app)
    login.init_app(app)
    errors.init_app(app)
    index_queue.init_app(app)
    app.register_blueprint(pages.bp)
    app.register_blueprint(editing.bp)
    app.register_blueprint(login.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(media.bp)
    app.register_blueprint(pictures.bp)
    app.register_blueprint(review.bp)
    app.register_blueprint(search.bp)
    app.register_blueprint(timeline.bp)
    app.register_blueprint(timeline_editing.bp)
    app.register_blueprint(briefs.bp)
    app.register_blueprint(briefs_api.bp)
    app.register_blueprint(audit.bp)
    app.register_blueprint(keeping.bp)
    app.register_blueprint(derivations.bp)
    app.register_blueprint(acts.bp)
    app.register_blueprint(permalinks.bp)
    return app
