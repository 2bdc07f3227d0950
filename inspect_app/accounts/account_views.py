"""One's own account: change the password (first of all, after a one-time password), the e-mail address the to-do
reminders go to, and 我的签名证书 where a leader or the city signer chooses and changes the signing PIN."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField

from inspect_app.accounts import operations as users_service
from inspect_app.domain.identity.password_policy import HINT as PASSWORD_HINT
from inspect_app.domain.identity.permissions import Action
from inspect_app.shared.errors import Invalid
from inspect_app.signing import enrolments, keys, pin_attempts
from inspect_app.web.context import allow, get_session, passwords
from inspect_app.web.forms import show_errors

bp = Blueprint("account", __name__, url_prefix="/account")

MUST_CHANGE = "首次登录（或密码被管理员重置后）须先修改密码，修改后才能继续使用。"
# What a signed-in user may still reach before choosing a password: the page to choose it, signing out, and what
# needs no account at all.
OPEN_BEFORE_CHANGE = {
    "static",
    "account.password",
    "auth.logout",
    "auth.login",
    "pwa.service_worker",
    "pwa.manifest",
    "pwa.offline",
}
_PIN = {"inputmode": "numeric", "autocomplete": "new-password", "maxlength": 12}


class PasswordForm(FlaskForm):
    current = PasswordField("当前密码", render_kw={"autocomplete": "current-password"})
    password = PasswordField("新密码", description=PASSWORD_HINT, render_kw={"autocomplete": "new-password"})
    password_again = PasswordField("再次输入新密码", render_kw={"autocomplete": "new-password"})


class EmailForm(FlaskForm):
    email = EmailField("邮箱", render_kw={"autocomplete": "email"})


class NewPinForm(FlaskForm):
    pin = PasswordField("签名PIN（6至12位数字）", render_kw=_PIN)
    pin_again = PasswordField("再次输入签名PIN", render_kw=_PIN)


class ChangePinForm(FlaskForm):
    old_pin = PasswordField("原签名PIN", render_kw={**_PIN, "autocomplete": "current-password"})
    new_pin = PasswordField("新签名PIN（6至12位数字）", render_kw=_PIN)
    new_pin_again = PasswordField("再次输入新签名PIN", render_kw=_PIN)


def _show(form: FlaskForm, error: Invalid) -> None:
    """Field errors beside their fields; the rest on top of the page (the form may no longer be shown)."""
    show_errors(form, error, lambda message: flash(message, "error"))


@bp.before_app_request
def _password_first():
    """Until a one-time password is replaced, every page leads to the change and the API refuses in Chinese."""
    if request.endpoint in OPEN_BEFORE_CHANGE or not current_user.is_authenticated:
        return None
    if not current_user.must_change_password:
        return None
    if request.path.startswith("/api/"):
        return jsonify({"error": {"code": "password_change_required", "message": MUST_CHANGE}}), 403
    return redirect(url_for("account.password"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password():
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            users_service.change_password(
                get_session(),
                passwords(),
                current_user,
                form.current.data or "",
                form.password.data or "",
                form.password_again.data or "",
            )
        except Invalid as error:
            _show(form, error)
        else:
            flash("密码已修改，其他设备上的登录已退出。", "success")
            return redirect(url_for("home.index"))
    return render_template("auth/change_password.html", form=form, forced=current_user.must_change_password)


@bp.route("/email", methods=["GET", "POST"])
@login_required
def email():
    form = EmailForm(data={"email": current_user.email or ""})
    if form.validate_on_submit():
        try:
            user = users_service.set_email(get_session(), current_user.actor, current_user.id, form.email.data or "")
        except Invalid as error:
            _show(form, error)
        else:
            flash(f"邮箱已设为 {user.email}。" if user.email else "已清除邮箱，不再发送邮件提醒。", "success")
            return redirect(url_for("home.index"))
    return render_template("auth/email.html", form=form, mail_configured=bool(current_app.config.get("SMTP_HOST")))


def _certificate_page(new_pin: NewPinForm | None = None, change: ChangePinForm | None = None):
    session = get_session()
    rows = keys.certificates(session, current_user.id)
    usable = keys.usable_certificate(session, current_user)
    return render_template(
        "auth/certificate.html",
        standing=keys.standing(session, current_user),
        usable=usable,
        lock=pin_attempts.lock_in(session, usable.id) if usable else None,
        waiting=enrolments.waiting_enrolment(session, current_user.id),
        certificates=[(c, keys.state_of(c)) for c in rows],
        new_pin=new_pin or NewPinForm(),
        change=change or ChangePinForm(),
    )


@bp.route("/certificate")
@login_required
def certificate():
    allow(Action.HOLD_CERTIFICATE)
    return _certificate_page()


@bp.route("/certificate/pin", methods=["POST"])
@login_required
def set_pin():
    allow(Action.HOLD_CERTIFICATE)
    form = NewPinForm()
    if form.validate_on_submit():
        try:
            row = enrolments.complete(
                get_session(),
                current_app.config["PKI_CA_PASSPHRASE"],
                current_user,
                form.pin.data or "",
                form.pin_again.data or "",
            )
        except Invalid as error:
            _show(form, error)
        else:
            flash(
                f"签名PIN已设置，签名证书已生成（序列号 {row.serial}），现在可以签字。"
                "请牢记签名PIN：系统和管理员都无法找回。",
                "success",
            )
            return redirect(request.form.get("back") if _local(request.form.get("back")) else url_for(".certificate"))
    return _certificate_page(new_pin=form)


@bp.route("/certificate/pin/change", methods=["POST"])
@login_required
def change_pin():
    allow(Action.HOLD_CERTIFICATE)
    form = ChangePinForm()
    if form.validate_on_submit():
        try:
            enrolments.change_pin(
                get_session(),
                current_app.config["PKI_CA_PASSPHRASE"],
                current_user,
                form.old_pin.data or "",
                form.new_pin.data or "",
                form.new_pin_again.data or "",
            )
        except Invalid as error:
            _show(form, error)
        else:
            flash("签名PIN已修改，下次签字请使用新的签名PIN。", "success")
            return redirect(url_for(".certificate"))
    return _certificate_page(change=form)


def _local(target: str | None) -> bool:
    # Back to the page the form was on (a bundle or the city report), never to another site.
    return bool(target) and target.startswith("/") and not target.startswith("//") and "\\" not in target
