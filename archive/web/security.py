"""Security headers, cookie flags, CSRF and request size.

Threats: cross-site request forgery against a signed-in custodian, script injected through a
document reaching a browser, framing, MIME sniffing of served files, and referrers leaking
archive URLs to other sites. CSRF follows Flask-WTF's CSRFProtect (every unsafe method, no
exemptions); the Content-Security-Policy allows this origin only, and no inline script.

Framing (clickjacking): every page refuses it (`frame-ancestors 'none'`, X-Frame-Options DENY)
but the routes in EMBEDDABLE, read-only views as an anonymous visitor sees them, which the
sites named in ARCHIVE_EMBED_FRAME_ANCESTORS may frame (none, by default). X-Frame-Options
cannot name origins, so those routes carry the CSP directive alone, as OWASP's clickjacking
cheat sheet advises.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, request
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

_POLICY = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
)
CONTENT_SECURITY_POLICY = "; ".join((*_POLICY, "frame-ancestors 'none'"))
EMBEDDABLE = frozenset({"timeline.embed"})  # endpoints other sites may frame
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}

csrf = CSRFProtect()


def init_app(app: Flask) -> None:
    production = app.config["ENV"] == "production"
    app.config.update(
        MAX_CONTENT_LENGTH=app.config["MAX_UPLOAD_BYTES"],
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=production,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=production,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
        WTF_CSRF_CHECK_DEFAULT=False,  # checked in _check_csrf below, the same way
    )
    proxies = app.config["TRUSTED_PROXIES"]
    if proxies:
        # the client's address, scheme and host as the trusted front servers saw them: without
        # this, every reader behind the proxy shares one rate-limit bucket (the proxy's address)
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    csrf.init_app(app)
    app.before_request(_check_csrf)
    app.after_request(_set_headers)


def _embed_headers(ancestors: str) -> dict[str, str]:
    """The headers of an embeddable route: framing allowed to `ancestors` (a setting checked
    by archive/config.py), and no X-Frame-Options, which cannot name the sites allowed."""
    headers = {name: value for name, value in HEADERS.items() if name != "X-Frame-Options"}
    headers["Content-Security-Policy"] = "; ".join((*_POLICY, f"frame-ancestors {ancestors}"))
    return headers


def bearer_token() -> str | None:
    """The API token a request carries (`Authorization: Bearer …`): on /api/, and on reading
    /media/ so a script can fetch the files the API lists; never on pages."""
    header = request.headers.get("Authorization", "")
    api = request.path.startswith("/api/")
    media = request.path.startswith("/media/") and request.method in ("GET", "HEAD")
    if (api or media) and header[:7].lower() == "bearer ":
        return header[7:].strip()
    return None


def _check_csrf() -> None:
    """Every unsafe request needs the CSRF token, except an API call carrying a bearer token:
    a forged request rides on the browser's cookies, and a bearer header is never sent by a
    browser on its own (a page on another site cannot add it without CORS, which is off)."""
    if request.endpoint is None:  # no such route or method: the 404 or 405 comes next
        return
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and bearer_token() is None:
        csrf.protect()


def _set_headers(response: Response) -> Response:
    headers = HEADERS
    if request.endpoint in EMBEDDABLE:
        headers = _embed_headers(current_app.config["EMBED_FRAME_ANCESTORS"])
    for name, value in headers.items():
        response.headers.setdefault(name, value)
    if response.mimetype == "text/html":
        response.headers.setdefault("Cache-Control", "no-store")
    return response
