"""Sign in and sign out."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, make_response, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from ..extensions import login_manager
from ..services import users
from . import login_throttle
from .context import get_session, passwords

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    username = StringField("用户名", validators=[DataRequired("请输入用户名"), Length(max=40)])
    password = PasswordField("密码", validators=[DataRequired("请输入密码"), Length(max=128)])
    remember = BooleanField("在本机保持登录")


@login_manager.user_loader
def load_user(token: str):
    return users.load_session_user(get_session(), token)


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
    if form.validate_on_submit():
        user = users.authenticate(get_session(), passwords(), form.username.data, form.password.data)
        if user is not None:
            login_throttle.forget_account_failures()
            # Not Flask-Login's remember cookie: it would sign the user back in with a new session and so
            # escape the idle timeout (web/idle_timeout.py). A permanent session outlives closing the browser
            # instead, and still carries the last-seen time that ends it after IDLE_TIMEOUT_MINUTES.
            session.permanent = bool(form.remember.data)
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
        login_throttle.record_failure()
        flash("用户名或密码错误，或账号已停用。", "error")
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    flash("您已安全退出。", "info")
    return redirect(url_for("auth.login"))
