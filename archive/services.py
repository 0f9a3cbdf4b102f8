"""The application's engines, built once per app from its configuration: the database (one
session per request or command), the search backend (kept in step after every commit) and the
media store. The web and the command line both reach them here."""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy.orm import Session

from archive.documents.media import MediaStore
from archive.search.backend import SearchBackend
from archive.search.indexing import Indexer, make_backend
from archive.storage.db import Database
from archive.storage.sealing import Sealer
from archive.storage.vault import parse_key


def init_app(app: Flask) -> None:
    key = app.config["VAULT_KEY"]
    database = Database(app.config["DATABASE_URL"], Sealer(parse_key(key) if key else None))
    backend = make_backend(app.config, database)
    indexer = Indexer(database, backend)
    database.on_documents_committed(indexer)
    app.extensions["archive.db"] = database
    app.extensions["archive.search"] = backend
    app.extensions["archive.indexer"] = indexer
    app.extensions["archive.media"] = MediaStore.from_config(app.config)
    app.teardown_appcontext(_close_session)


def get_db(app: Flask | None = None) -> Database:
    return (app or current_app).extensions["archive.db"]


def search_backend(app: Flask | None = None) -> SearchBackend:
    return (app or current_app).extensions["archive.search"]


def indexer(app: Flask | None = None) -> Indexer:
    """What keeps the search index in step, and finishes the work left in its outbox."""
    return (app or current_app).extensions["archive.indexer"]


def media_store(app: Flask | None = None) -> MediaStore:
    return (app or current_app).extensions["archive.media"]


def get_session() -> Session:
    """Return this request's (or command's) session, opening it on first use."""
    if "db_session" not in g:
        g.db_session = get_db().session()
    return g.db_session


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.rollback()  # anything not committed by a use case is discarded
        session.close()
