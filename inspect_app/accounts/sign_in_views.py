"""Sign in and sign out."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, make_response, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from inspect_app.accounts import idle_timeout, login_throttle, user_sessions
from inspect_app.accounts import operations as users
from inspect_app.extensions import login_manager
from inspect_app.signing import pin_attempts
from inspect_app.web.context import get_session, passwords

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    username = StringField("用户名", validators=[DataRequired("请输入用户名"), Length(max=40)])
    password = PasswordField("密码", validators=[DataRequired("请输入密码"), Length(max=128)])
    remember = BooleanField("在本机保持登录")


@login_manager.user_loader
def load_user(token: str):
    # The cookie holds only the session's token; the server decides whether it still signs anybody in.
    timeout = timedelta(minutes=current_app.config["IDLE_TIMEOUT_MINUTES"])
    resumed = user_sessions.resume_session(get_session(), token, timeout)
    if resumed.timed_out:
        idle_timeout.note_timed_out()
    return resumed.user


def _safe_next(target: str | None) -> str:
    # Only local paths: an open redirect would let a phishing link reuse our sign-in page.
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("home.index")


def _throttled(message: str):
    # The page as it was, with the reason: no flash, so a refused attempt writes no session cookie.
    return make_response(render_template("auth/login.html", form=LoginForm(), notice=message))


@bp.route("/login", methods=["GET", "POST"])
@login_throttle.limited(_throttled)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    warning = None
    if form.validate_on_submit():
        user = users.sign_in(get_session(), passwords(), form.username.data, form.password.data)
        if user is not None:
            login_throttle.forget_account_failures()
            # Not Flask-Login's remember cookie: it would sign the user back in with a new session and so
            # escape the idle timeout. A permanent session outlives closing the browser instead, and its
            # server-side row still ends after IDLE_TIMEOUT_MINUTES without a request.
            session.permanent = bool(form.remember.data)
            login_user(user)  # the cookie gets the new session's token (User.get_id)
            # Someone typing the signing PIN in the holder's name is told to the holder, who alone can tell.
            notice = pin_attempts.failures_since_last_sign_in(get_session(), user)
            if notice:
                flash(notice, "warning")
            return redirect(_safe_next(request.args.get("next")))
        login_throttle.record_failure()
        flash("用户名或密码错误，或账号已停用。", "error")
        warning = login_throttle.failure_warning()
    return render_template("auth/login.html", form=form, warning=warning)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    user_sessions.end_session(get_session(), current_user.get_id(), "signed_out")
    logout_user()
    flash("您已安全退出。", "info")
    return redirect(url_for("auth.login"))
