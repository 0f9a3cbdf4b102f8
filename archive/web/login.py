"""Sign-in and sign-out (Flask-Login sessions)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Flask, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import LoginManager, login_user, logout_user

from archive.auth.users import authenticate, record_login
from archive.storage.models import User
from archive.web.database import get_session
from archive.web.forms import LoginForm

bp = Blueprint("login", __name__)
manager = LoginManager()


def init_app(app: Flask) -> None:
    manager.init_app(app)
    manager.login_view = "login.login"
    manager.session_protection = "strong"
    manager.user_loader(_load_user)


def _load_user(user_id: str) -> User | None:
    if not user_id.isdigit():
        return None
    user = get_session().get(User, int(user_id))
    return user if user is not None and user.active else None


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        session = get_session()
        user = authenticate(session, form.username.data, form.password.data)
        if user is not None:
            login_user(user)
            record_login(session, user, "web")
            return redirect(_safe_next(request.args.get("next")))
        flash(_("Wrong user name or password."), "error")
    return render_template("login.html", form=form), 200 if request.method == "GET" else 400


@bp.post("/logout")
def logout():
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("pages.home"))


def _safe_next(target: str | None) -> str:
    # Only a path on this site: an open redirect would let a phishing link borrow our name.
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and "\\" not in target:
            return target
    return url_for("pages.home")
