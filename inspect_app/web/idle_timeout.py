"""Signing out idle sessions: a last-seen time kept in the session and checked on every request."""

from __future__ import annotations

import time

from flask import Flask, current_app, flash, jsonify, redirect, request, session, url_for
from flask_login import current_user, logout_user, user_logged_in, user_logged_out

LAST_SEEN = "last_seen_at"  # seconds since the epoch, UTC
MESSAGE = "长时间未操作，已自动退出，请重新登录。"


def is_idle(last_seen_at: float | None, now: float, timeout_minutes: int) -> bool:
    """True when more than the timeout has passed since the session was last used."""
    return last_seen_at is not None and now - last_seen_at > timeout_minutes * 60


def _ignore_remember_cookie() -> None:
    # Sign-in no longer sets Flask-Login's remember cookie (see auth.login), but one set before would log its
    # holder back in with a new session and no last-seen time, undoing the idle sign-out. "clear" makes
    # Flask-Login skip the cookie and delete it from the browser.
    name = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    if name in request.cookies and "_user_id" not in session:
        session["_remember"] = "clear"


def _check() -> object:
    if request.endpoint == "static":
        return None  # public files: no need to load the user
    _ignore_remember_cookie()
    if not current_user.is_authenticated:
        return None
    now = time.time()
    last_seen_at = session.get(LAST_SEEN)
    if not isinstance(last_seen_at, (int, float)):
        last_seen_at = None
    if not is_idle(last_seen_at, now, current_app.config["IDLE_TIMEOUT_MINUTES"]):
        session[LAST_SEEN] = int(now)
        return None
    logout_user()
    if request.path.startswith("/api/"):
        # The offline app keeps its outbox and asks the inspector to sign in again on a 401.
        return jsonify({"error": {"code": "session_expired", "message": MESSAGE}}), 401
    flash(MESSAGE, "warning")
    back = request.full_path.rstrip("?") if request.method == "GET" and request.blueprint != "auth" else None
    return redirect(url_for("auth.login", next=back))


def _started(_sender: object, **_extra: object) -> None:
    # A fresh sign-in starts the clock again, whatever an earlier account left in this browser's session.
    session[LAST_SEEN] = int(time.time())


def _ended(_sender: object, **_extra: object) -> None:
    session.pop(LAST_SEEN, None)


def init_app(app: Flask) -> None:
    """Check every request for an idle session; start and stop the clock with sign-in and sign-out."""
    app.before_request(_check)
    user_logged_in.connect(_started, app)
    user_logged_out.connect(_ended, app)
