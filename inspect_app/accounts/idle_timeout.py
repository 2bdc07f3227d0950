"""Requests holding a sign-in the server no longer honours: the idle timeout's message, the dead token forgotten.

Whether a session holds is decided on the server (services/user_sessions.py, through the user loader in
web/auth.py); this hook only answers for it.
"""

from __future__ import annotations

from flask import Flask, current_app, flash, g, jsonify, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, logout_user

MESSAGE = "长时间未操作，已自动退出，请重新登录。"
_TIMED_OUT = "sign_in_timed_out"


def note_timed_out() -> None:
    """Mark this request as the one that found its session idle for too long (the user loader calls this)."""
    g.setdefault(_TIMED_OUT, True)


def _ignore_remember_cookie() -> None:
    # Sign-in no longer sets Flask-Login's remember cookie (see auth.login), but one set before would make
    # Flask-Login try it. "clear" makes Flask-Login skip the cookie and delete it from the browser.
    name = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    if name in request.cookies and "_user_id" not in session:
        session["_remember"] = "clear"


def _check() -> ResponseReturnValue | None:
    if request.endpoint == "static" or request.blueprint == "public":
        # Public files and the public station pages: no need to load the user, and nothing may write the
        # session cookie on a response a shared cache keeps (web/cookieless.py).
        return None
    _ignore_remember_cookie()
    if current_user.is_authenticated or "_user_id" not in session:
        return None
    # The cookie names a session that was signed out, timed out, ended by a password reset or a deactivation,
    # or never existed: forget it, so that later requests need not look it up again.
    logout_user()
    if not g.pop(_TIMED_OUT, False):
        return None  # anonymous like anyone: pages send to sign-in, the API answers 401
    if request.path.startswith("/api/"):
        # The offline app keeps its outbox and asks the inspector to sign in again on a 401.
        return jsonify({"error": {"code": "session_expired", "message": MESSAGE}}), 401
    flash(MESSAGE, "warning")
    back = request.full_path.rstrip("?") if request.method == "GET" and request.blueprint != "auth" else None
    return redirect(url_for("auth.login", next=back))


def init_app(app: Flask) -> None:
    """Answer every request whose session has ended."""
    app.before_request(_check)
