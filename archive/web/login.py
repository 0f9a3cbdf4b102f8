"""Sign-in and sign-out (Flask-Login sessions)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from datetime import timedelta
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, login_user, logout_user
from itsdangerous import BadSignature, URLSafeSerializer

from archive.auth.tokens import create_token, revoke_token, tokens_of, user_for_token
from archive.auth.users import Client, LockoutPolicy, authenticate, change_password, end_sessions
from archive.errors import NotFound, NotPermitted, ValidationError
from archive.services import get_session
from archive.storage.models import ROLES, ApiToken, User
from archive.web.forms import LoginForm, PasswordForm, flash_not_saved, show_field_error
from archive.web.helpers import actor, whole_number
from archive.web.security import bearer_token

bp = Blueprint("login", __name__)
manager = LoginManager()
# Guessing is slowed twice: per client address here, per account and client by the lock-out
# in authenticate(). Counters live in ARCHIVE_RATELIMIT_STORAGE (memory: one process).
limiter = Limiter(key_func=get_remote_address, default_limits=[])
# A device cookie, set at each successful sign-in: the browser an account signed in from
# before is not locked out by strangers guessing its password (auth/users.py, Client).
DEVICE_COOKIE = "wa_device"
_DEVICE_SALT = "witness-archive device"
_DEVICE_DAYS = 365


def init_app(app: Flask) -> None:
    manager.init_app(app)
    manager.login_view = "login.login"
    manager.session_protection = "strong"
    manager.user_loader(_load_user)
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["RATELIMIT_STORAGE"])
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter.init_app(app)
    # the cookie itself expires with the absolute lifetime (Flask's default is 31 days)
    app.permanent_session_lifetime = timedelta(hours=app.config["SESSION_MAX_HOURS"])
    app.before_request(_token_user)
    app.before_request(_session_lifetimes)


def _session_lifetimes():
    """End a signed-in session idle for SESSION_IDLE_MINUTES or older than SESSION_MAX_HOURS,
    whatever its cookie says; the times live in the signed session, set at sign-in."""
    if "_user_id" not in session or g.get("_login_user") is not None:
        return None
    now = time.time()
    config = current_app.config
    started, seen = session.get("signed_in_at", 0), session.get("seen_at", 0)
    if now - started > config["SESSION_MAX_HOURS"] * 3600 or now - seen > config["SESSION_IDLE_MINUTES"] * 60:
        logout_user()
        session.clear()
        flash(_("Your session has ended; sign in again."), "info")
        return None
    if now - seen > 30:  # not every request: the cookie is rewritten when it changes
        session["seen_at"] = now
    return None


def _sign_in(user: User) -> None:
    login_user(user)
    session.permanent = True
    session["signed_in_at"] = session["seen_at"] = time.time()


def _client() -> Client:
    """This request's client for lock-outs: a keyed hash of its address (the address itself
    is never stored), and the device its cookie names, if the signature holds."""
    key = current_app.config["SECRET_KEY"].encode()
    address = hmac.new(key, (request.remote_addr or "").encode(), hashlib.sha256).hexdigest()[:32]
    device = None
    try:
        claims = _devices().loads(request.cookies.get(DEVICE_COOKIE, ""))
    except BadSignature:
        claims = None
    if isinstance(claims, list) and len(claims) == 2 and isinstance(claims[0], int) and isinstance(claims[1], str):
        device = (claims[0], claims[1][:40])
    return Client(address, device)


def _devices() -> URLSafeSerializer:
    """Signs and reads device cookies: [user id, a random nonce]."""
    return URLSafeSerializer(current_app.config["SECRET_KEY"], _DEVICE_SALT)


def _set_device_cookie(response, user: User) -> None:
    value = _devices().dumps([user.id, secrets.token_hex(16)])
    response.set_cookie(
        DEVICE_COOKIE,
        value,
        max_age=_DEVICE_DAYS * 86400,
        httponly=True,
        samesite="Lax",
        secure=current_app.config["ENV"] == "production",
    )


def _token_user():
    """An API call with a bearer token acts as the token's user, capped to its role; a token
    that is unknown or revoked is refused outright (never a fall back on the session)."""
    secret = bearer_token()
    if secret is None:
        return None
    user = user_for_token(get_session(), secret)
    if user is None:
        return jsonify({"error": "the API token is unknown or revoked"}), 401
    g._login_user = user  # what current_user reads; the session is not touched
    return None


def _load_user(session_id: str) -> User | None:
    """The user a session names, if the session was made with the current password."""
    user_id, _dot, token = session_id.partition(".")
    number = whole_number(user_id)
    if number is None:
        return None
    user = get_session().get(User, number)
    if user is None or not user.active or token != user.session_token:
        return None
    return user


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        config = current_app.config
        policy = LockoutPolicy(config["LOGIN_MAX_FAILURES"], config["LOGIN_LOCKOUT_MINUTES"])
        client = _client()
        user = authenticate(get_session(), form.username.data, form.password.data, "web", policy, client)
        if user is not None:
            _sign_in(user)
            response = redirect(_safe_next(request.args.get("next")))
            if client.device is None or client.device[0] != user.id:
                _set_device_cookie(response, user)
            return response
        # one message for every failure: a locked account is not told apart from a wrong
        # password, so the page does not confirm which names exist
        flash(_("Wrong user name or password, or too many failed attempts: wait, then try again."), "error")
    return render_template("login.html", form=form), 200 if request.method == "GET" else 400


@bp.route("/account/password", methods=["GET", "POST"])
def password():
    """Change one's password; every other session of the account ends with the old one."""
    who = actor()
    if who is None:
        raise NotPermitted("sign in to change your password")
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            change_password(get_session(), who, form.current.data, form.password.data, who, "web")
        except ValidationError as exc:
            show_field_error(form, exc.field or "password", exc)
        else:
            _sign_in(who)  # this session goes on, bound to the new password
            flash(_("Password changed. Other sessions of this account are signed out."), "info")
            return redirect(url_for("pages.home"))
    return render_template("password.html", form=form), 200 if request.method == "GET" else 400


@bp.route("/account/tokens", methods=["GET", "POST"])
def tokens():
    """List one's API tokens; create one (its secret is shown once, here)."""
    who = actor()
    if who is None:
        raise NotPermitted("sign in to manage API tokens")
    session, secret, status = get_session(), None, 200
    if request.method == "POST":
        try:
            made, secret = create_token(
                session, who, request.form.get("name", ""), request.form.get("role", ""), who, "web"
            )
        except ValidationError as exc:
            flash_not_saved(exc)
            status = 400
        else:
            flash(_("Token “%(name)s” created. Copy it now: it is not shown again.", name=made.name), "info")
    roles = ROLES[: ROLES.index(who.role) + 1]
    return render_template("tokens.html", tokens=tokens_of(session, who), secret=secret, roles=roles), status


@bp.post("/account/tokens/<int:token_id>/revoke")
def revoke(token_id: int):
    who = actor()
    token = get_session().get(ApiToken, token_id)
    if who is None or token is None or token.user_id != who.id:
        raise NotFound(f"no token {token_id}")
    revoke_token(get_session(), token, who, "web")
    flash(_("Token revoked."), "info")
    return redirect(url_for("login.tokens"))


@bp.post("/logout")
def logout():
    """Sign out: every session of the account ends on the server, so a copy of this cookie
    (or one on another device) opens nothing any more."""
    who = actor()
    if isinstance(who, User):
        end_sessions(get_session(), who, who, "web")
    logout_user()
    session.clear()
    flash(_("You are signed out."), "info")
    return redirect(url_for("pages.home"))


def _safe_next(target: str | None) -> str:
    # Only a path on this site: an open redirect would let a phishing link borrow our name.
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and "\\" not in target:
            return target
    return url_for("pages.home")
