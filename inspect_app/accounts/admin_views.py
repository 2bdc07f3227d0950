"""Admin pages: accounts (create, reset to a one-time password, set the e-mail address, deactivate and
reactivate)."""

from __future__ import annotations

from flask import flash, make_response, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField
from wtforms.fields.choices import SelectChoice

from inspect_app.accounts import operations as users_service
from inspect_app.accounts.operations import OneTimeLogin
from inspect_app.directory.operations import districts_for
from inspect_app.domain.identity.permissions import ROLE_LABELS
from inspect_app.shared.errors import Invalid
from inspect_app.web.admin_area import bp
from inspect_app.web.context import actor, get_session, passwords


class UserForm(FlaskForm):
    username = StringField("登录名", render_kw={"autocapitalize": "none", "placeholder": "如 inspector.dongsheng"})
    display_name = StringField("姓名")
    role = SelectField(
        "角色", validate_choice=False, choices=[SelectChoice(r.value, label) for r, label in ROLE_LABELS.items()]
    )
    district = SelectField("所属旗区", choices=[], validate_choice=False)
    phone = StringField("手机号", render_kw={"inputmode": "tel", "autocomplete": "off"})
    email = EmailField("邮箱", render_kw={"autocomplete": "off"})


def shown_once(logins: list[OneTimeLogin], heading: str, note: str):
    """The page that shows one-time passwords: this answer is the only place they ever appear, so no cache keeps
    it."""
    response = make_response(render_template("admin/one_time.html", logins=logins, heading=heading, note=note))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/users", methods=["GET", "POST"])
def users():
    form = UserForm()
    form.district.choices = [SelectChoice("", "（市级角色不选）")] + [
        SelectChoice(d.code, d.name) for d in districts_for(get_session(), actor())
    ]
    if form.validate_on_submit():
        new = users_service.NewUser(
            form.username.data or "",
            form.display_name.data or "",
            form.role.data or "",
            form.district.data or None,
            phone=form.phone.data or "",
            email=form.email.data or "",
        )
        try:
            login = users_service.create_account(get_session(), passwords(), new, actor())
        except Invalid as error:
            for name, message in error.errors.items():
                form[name].errors = [*form[name].errors, message]
        else:
            return shown_once(
                [login],
                f"已创建账号 {login.user.username}",
                "请把登录名和一次性密码交给本人；本人首次登录时须修改密码。",
            )
    return render_template(
        "admin/users.html", form=form, users=users_service.list_users(get_session()), action_form=FlaskForm()
    )


@bp.route("/users/<id:user_id>/password", methods=["GET", "POST"])
def reset_password(user_id: int):
    session = get_session()
    user = users_service.get_user(session, user_id)
    form = FlaskForm()
    if form.validate_on_submit():
        login = users_service.reset_password(session, passwords(), user_id, actor())
        return shown_once(
            [login],
            f"已重置 {login.user.username} 的密码",
            "该账号在其他设备上已退出登录。请把一次性密码交给本人；本人登录时须修改密码。",
        )
    return render_template("admin/password.html", form=form, user=user)


@bp.route("/users/<id:user_id>/email", methods=["POST"])
def set_email(user_id: int):
    try:
        user = users_service.set_email(get_session(), actor(), user_id, request.form.get("email", ""))
    except Invalid as error:
        flash(str(error), "error")
    else:
        flash(
            f"已{'将 ' + user.username + ' 的邮箱设为 ' + user.email if user.email else '清除 ' + user.username + ' 的邮箱'}。",
            "success",
        )
    return redirect(url_for(".users"))


@bp.route("/users/<id:user_id>/active", methods=["POST"])
def set_active(user_id: int):
    active = request.form.get("active") == "1"
    try:
        user = users_service.set_active(get_session(), user_id, active, actor())
    except Invalid as error:
        flash(str(error), "error")
    else:
        flash(f"已{'启用' if active else '停用'}账号 {user.username}。", "success")
    return redirect(url_for(".users"))
