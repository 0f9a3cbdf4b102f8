"""Configuration: defaults in code, ARCHIVE_* environment variables override them.

Every key is documented in README ("Configuration"); tests/test_docs.py keeps the two in step.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from archive.errors import ConfigError

DEV_SECRET = "dev-secret-not-for-production"  # noqa: S105 - the one value production refuses

# Each entry: name -> (default, parser, one-line meaning). The default may be a callable of the
# already-resolved settings so that derived paths follow ARCHIVE_DATA_DIR.
_SETTINGS = {
    # "development" or "production"; production refuses the dev secret, sets Secure cookies
    "ENV": ("development", str),
    # where the SQLite database, the search index and media live
    "DATA_DIR": (lambda s: str(Path.cwd() / "instance"), str),
    # where media live (media/ for the clean files, vault/ for sealed originals): a folder all
    # web servers share in a multi-server deployment; DATA_DIR by default
    "MEDIA_DIR": (lambda s: s["DATA_DIR"], str),
    # any SQLAlchemy URL; SQLite under DATA_DIR by default
    "DATABASE_URL": (lambda s: f"sqlite:///{Path(s['DATA_DIR']) / 'archive.sqlite3'}", str),
    # signs sessions and CSRF tokens; must be set to a long random value in production
    "SECRET_KEY": (DEV_SECRET, str),
    # the folder `archive load-corpus` reads when no path is given
    "CORPUS_DIR": (lambda s: str(Path.cwd() / "corpus"), str),
    # comma-separated document kinds accepted at ingest (extend to add your own)
    "DOCUMENT_KINDS": ("testimony,news_report,official_statement", str),
    # largest request body or ingested file, in bytes
    "MAX_UPLOAD_BYTES": (50 * 1024 * 1024, int),
    # largest image accepted, in pixels per frame (checked before decoding: bombs are refused)
    "MAX_IMAGE_PIXELS": (80_000_000, int),
    # most bytes one compressed stream inside a file may inflate to (a PDF's streams): beyond,
    # the file is refused as a decompression bomb; what cleaning holds in memory follows from it
    "MAX_INFLATED_BYTES": (256 * 1024 * 1024, int),
    # longest recording accepted (seconds), and largest video frame (pixels)
    "MAX_MEDIA_SECONDS": (4 * 3600, int),
    "MAX_VIDEO_PIXELS": (8192 * 4320, int),
    # what one ffmpeg process may use while reading or rebuilding a recording: address space
    # (bytes) and wall-clock seconds; beyond either the file is refused, nothing is kept
    "MEDIA_MEMORY_BYTES": (2 * 1024**3, int),
    "MEDIA_SECONDS": (900, int),
    # URL-safe base64 of 32 random bytes; originals are kept encrypted for custodians under it.
    # When unset, the key is read from VAULT_KEY_FILE, which `archive init` creates (mode 0600)
    "VAULT_KEY": ("", str),
    "VAULT_KEY_FILE": (lambda s: str(Path(s["DATA_DIR"]) / "keys" / "vault.key"), str),
    # the Ed25519 key that signs the audit log's heads (`archive audit anchor`); `archive init`
    # creates it (mode 0600) beside the vault key
    "AUDIT_KEY_FILE": (lambda s: str(Path(s["DATA_DIR"]) / "keys" / "audit.key"), str),
    # an RFC 3161 time-stamping authority that countersigns each signed head (empty: none), and
    # the PEM file of its CA certificate, to verify its tokens
    "TSA_URL": ("", str),
    "TSA_CA_FILE": ("", str),
    # items per page in lists and the API when the client does not say
    "PER_PAGE": (20, int),
    # the most items per page a client may ask for
    "MAX_PER_PAGE": (100, int),
    # "whoosh" (an index under DATA_DIR/index), "postgres" (in the PostgreSQL database) or "none"
    "SEARCH_BACKEND": ("whoosh", str),
    # searches whose results each process keeps for the index's current version (0: none)
    "SEARCH_CACHE": (500, int),
    # seconds between each server's retries of index work left in the outbox (0: none; the
    # commands and `archive init` still finish it)
    "INDEX_RETRY_SECONDS": (15.0, float),
    # a signed-in session ends after this many minutes without a request, and this many hours
    # after signing in, whatever happens meanwhile
    "SESSION_IDLE_MINUTES": (60, int),
    "SESSION_MAX_HOURS": (12, int),
    # failed sign-ins in a row before an account is locked, and for how many minutes
    "LOGIN_MAX_FAILURES": (5, int),
    "LOGIN_LOCKOUT_MINUTES": (15, int),
    # sign-in attempts allowed per client address (Flask-Limiter syntax)
    "LOGIN_RATE_LIMIT": ("10 per minute;100 per hour", str),
    # where rate-limit counters live: memory:// (one process) or a shared store (redis://…)
    "RATELIMIT_STORAGE": ("memory://", str),
    # log level for the archive's own logger (DEBUG, INFO, WARNING…)
    "LOG_LEVEL": ("INFO", str),
    # worker processes of `archive serve`
    "WORKERS": (4, int),
    # threads of each worker of `archive serve` (1: sync workers)
    "THREADS": (1, int),
    # front servers (reverse proxies) in front of the archive whose X-Forwarded-For, -Proto and
    # -Host headers are believed: 0 (none: the headers are ignored, a client cannot choose its
    # address) or the number of proxies in the chain (1 for one nginx)
    "TRUSTED_PROXIES": (0, int),
    # the sites that may frame /embed/timeline (CSP frame-ancestors): 'none' or origins, spaces between
    "EMBED_FRAME_ANCESTORS": ("'none'", str),
    # address and port of `archive run` and `archive serve`
    "HOST": ("127.0.0.1", str),
    "PORT": (5000, int),
}

SETTING_NAMES = tuple(_SETTINGS)


def load_config(overrides: dict | None = None, environ: dict | None = None) -> dict:
    """Resolve every setting from overrides, then ARCHIVE_* variables, then defaults."""
    environ = os.environ if environ is None else environ
    overrides = dict(overrides or {})
    resolved: dict = {}
    for name, (default, parse) in _SETTINGS.items():
        if name in overrides:
            value = overrides.pop(name)
        elif f"ARCHIVE_{name}" in environ:
            raw = environ[f"ARCHIVE_{name}"]
            try:
                value = parse(raw)
            except ValueError as exc:
                raise ConfigError(f"ARCHIVE_{name} must be {parse.__name__}, got {raw!r}") from exc
        else:
            value = default(resolved) if callable(default) else default
        resolved[name] = value
    resolved.update(overrides)  # Flask's own keys (TESTING, WTF_CSRF_ENABLED…) pass through
    if not resolved["VAULT_KEY"]:
        resolved["VAULT_KEY"] = read_key_file(resolved["VAULT_KEY_FILE"])
    _validate(resolved)
    return resolved


def read_key_file(path: str) -> str:
    """The vault key kept in a file (`archive init` writes it), or "" where there is none."""
    try:
        return Path(path).read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return ""
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the vault key file {path}: {exc.__class__.__name__}") from exc


def private_files() -> None:
    """Make every file and folder this process creates readable by its own user only: the
    database, the index, media, sealed originals, keys, bundles and logs (0600 and 0700)."""
    os.umask(0o077)


def document_kinds(config: dict) -> tuple[str, ...]:
    """Return the configured document kinds."""
    return tuple(k.strip() for k in config["DOCUMENT_KINDS"].split(",") if k.strip())


# An origin a page may be framed by: a scheme, a host (its leftmost label may be *) and a port;
# no path, quote, comma or semicolon, which would end the directive or add another
_ORIGIN = re.compile(
    r"https?://(?:\*\.)?[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*(?::\d{1,5})?"
)


def frame_ancestors(value: str) -> str:
    """The CSP frame-ancestors sources of ARCHIVE_EMBED_FRAME_ANCESTORS: 'none' (also written
    none or left empty), or 'self' and origins (https://news.example.org) separated by spaces."""
    tokens = [t.lower().removesuffix("/") for t in value.replace(",", " ").split()]
    tokens = ["'none'" if t == "none" else "'self'" if t == "self" else t for t in tokens]
    if tokens in ([], ["'none'"]):
        return "'none'"
    bad = [t for t in tokens if t != "'self'" and not _ORIGIN.fullmatch(t)]
    if bad or "'none'" in tokens:
        raise ConfigError(
            "ARCHIVE_EMBED_FRAME_ANCESTORS is 'none', or 'self' and origins such as https://news.example.org "
            f"separated by spaces (no paths), got {value!r}"
        )
    return " ".join(dict.fromkeys(tokens))


def _validate(config: dict) -> None:
    if config["ENV"] not in ("development", "production"):
        raise ConfigError(f"ARCHIVE_ENV must be development or production, got {config['ENV']!r}")
    weak = config["SECRET_KEY"] == DEV_SECRET or len(config["SECRET_KEY"]) < 32
    if config["ENV"] == "production" and weak:
        raise ConfigError(
            "refusing to start in production with the development secret: "
            "set ARCHIVE_SECRET_KEY to a random value of at least 32 characters"
        )
    if config["SEARCH_BACKEND"] not in ("whoosh", "postgres", "none"):
        raise ConfigError("ARCHIVE_SEARCH_BACKEND must be whoosh, postgres or none")
    on_postgres = config["DATABASE_URL"].startswith(("postgresql", "postgres:"))
    if config["SEARCH_BACKEND"] == "postgres" and not on_postgres:
        raise ConfigError(
            "ARCHIVE_SEARCH_BACKEND=postgres keeps the index in the archive's database: "
            "set ARCHIVE_DATABASE_URL=postgresql://…"
        )
    if not document_kinds(config):
        raise ConfigError("ARCHIVE_DOCUMENT_KINDS names no kind")
    if not 0 < config["PORT"] < 65536:
        raise ConfigError("ARCHIVE_PORT must be between 1 and 65535")
    for name in (
        "MAX_UPLOAD_BYTES",
        "MAX_IMAGE_PIXELS",
        "MAX_INFLATED_BYTES",
        "MAX_MEDIA_SECONDS",
        "MAX_VIDEO_PIXELS",
        "MEDIA_MEMORY_BYTES",
        "MEDIA_SECONDS",
    ):
        if config[name] < 1:
            raise ConfigError(f"ARCHIVE_{name} must be a positive number")
    if not 0 <= config["TRUSTED_PROXIES"] <= 5:
        raise ConfigError("ARCHIVE_TRUSTED_PROXIES must be between 0 and 5 (the proxies in front)")
    config["EMBED_FRAME_ANCESTORS"] = frame_ancestors(config["EMBED_FRAME_ANCESTORS"])
    if config["PER_PAGE"] < 1 or config["MAX_PER_PAGE"] < config["PER_PAGE"]:
        raise ConfigError("ARCHIVE_PER_PAGE must be at least 1 and at most ARCHIVE_MAX_PER_PAGE")
