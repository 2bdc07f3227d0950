"""Admin pages: accounts (create, reset password, deactivate and reactivate)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice

from ..domain.numbers import whole_number
from ..domain.password_policy import HINT as PASSWORD_HINT
from ..domain.permissions import ROLE_LABELS, Action
from ..services import Invalid, NotFound, keys
from ..services import users as users_service
from ..services.directory import districts_for
from .context import actor, allow, get_session, passwords

bp = Blueprint("admin", __name__, url_prefix="/admin")


class UserForm(FlaskForm):
    username = StringField("登录名", render_kw={"autocapitalize": "none", "placeholder": "如 inspector.dongsheng"})
    display_name = StringField("姓名")
    role = SelectField("角色", validate_choice=False,
                       choices=[SelectChoice(r.value, label) for r, label in ROLE_LABELS.items()])
    district = SelectField("所属旗区", choices=[], validate_choice=False)
    password = PasswordField("初始密码", description=PASSWORD_HINT, render_kw={"autocomplete": "new-password"})


class PasswordForm(FlaskForm):
    password = PasswordField("新密码", description=PASSWORD_HINT, render_kw={"autocomplete": "new-password"})


@bp.before_request
@login_required
def _admins_only():
    allow(Action.MANAGE_USERS)


@bp.route("/users", methods=["GET", "POST"])
def users():
    form = UserForm()
    form.district.choices = [SelectChoice("", "（市级角色不选）")] + [
        SelectChoice(d.code, d.name) for d in districts_for(get_session(), actor())]
    if form.validate_on_submit():
        new = users_service.NewUser(form.username.data or "", form.display_name.data or "", form.role.data or "",
                                    form.district.data or None, form.password.data or "")
        try:
            user = users_service.create_user(get_session(), passwords(), new)
        except Invalid as error:
            for name, message in error.errors.items():
                form[name].errors = [*form[name].errors, message]
        else:
            flash(f"已创建账号 {user.username}。", "success")
            return redirect(url_for(".users"))
    return render_template("admin/users.html", form=form, users=users_service.list_users(get_session()),
                           action_form=FlaskForm())


@bp.route("/users/<id:user_id>/password", methods=["GET", "POST"])
def reset_password(user_id: int):
    session = get_session()
    user = users_service.get_user(session, user_id)
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            users_service.reset_password(session, passwords(), user_id, form.password.data or "")
        except Invalid as error:
            form.password.errors = [*form.password.errors, *error.errors.values()]
        else:
            flash(f"已重置 {user.username} 的密码，其已登录的设备需重新登录。", "success")
            return redirect(url_for(".users"))
    return render_template("admin/password.html", form=form, user=user)


@bp.route("/users/<id:user_id>/active", methods=["POST"])
def set_active(user_id: int):
    active = request.form.get("active") == "1"
    try:
        user = users_service.set_active(get_session(), user_id, active, current_user.id)
    except Invalid as error:
        flash(str(error), "error")
    else:
        flash(f"已{'启用' if active else '停用'}账号 {user.username}。", "success")
    return redirect(url_for(".users"))


class CertificateForm(FlaskForm):
    user = SelectField("分管领导", choices=[], validate_choice=False)
    pin = PasswordField("签名PIN（6至12位数字）", render_kw={"inputmode": "numeric", "autocomplete": "new-password"})
    pin_again = PasswordField("再次输入签名PIN", render_kw={"inputmode": "numeric", "autocomplete": "new-password"})


@bp.route("/certificates", methods=["GET", "POST"])
def certificates():
    session = get_session()
    form = CertificateForm()
    signers = [u for u in users_service.list_users(session) if u.role.value in ("leader", "city") and u.active]
    form.user.choices = [SelectChoice(str(u.id), f"{u.display_name}（{u.district.name if u.district else '市中心'}，"
                                                 f"{u.username}）") for u in signers]
    authority = keys.authority(session)
    if form.validate_on_submit():
        if (form.pin.data or "") != (form.pin_again.data or ""):
            form.pin_again.errors = [*form.pin_again.errors, "两次输入的签名PIN不一致"]
        else:
            try:
                row = keys.issue_certificate(session, current_app.config["PKI_CA_PASSPHRASE"],
                                             whole_number(form.user.data) or 0, form.pin.data or "")
            except Invalid as error:
                form.pin.errors = [*form.pin.errors, *error.errors.values()]
            except NotFound:
                abort(404)
            else:
                flash(f"已为 {row.user.display_name} 签发签名证书（序列号 {row.serial}）。请当面告知其签名PIN。",
                      "success")
                return redirect(url_for(".certificates"))
    return render_template("admin/certificates.html", form=form, authority=authority,
                           certificates=keys.certificates(session), action_form=FlaskForm())


@bp.route("/certificates/<id:certificate_id>/revoke", methods=["POST"])
def revoke_certificate(certificate_id: int):
    row = keys.revoke(get_session(), certificate_id)
    flash(f"已吊销证书 {row.serial}：此后它不能再签字，吊销后签的证据包验证不通过。", "success")
    return redirect(url_for(".certificates"))


@bp.route("/certificates/city-ca.pem")
def city_ca():
    authority = keys.authority(get_session())
    if authority is None:
        abort(404)
    return Response(authority.certificate_pem, mimetype="application/x-pem-file",
                    headers={"Content-Disposition": "attachment; filename=city-ca.pem"})
