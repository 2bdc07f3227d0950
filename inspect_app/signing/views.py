"""The admin's 证书 page: create the city CA, enrol leaders and the city signer (they choose their own PINs),
withdraw an enrolment, revoke a certificate, unlock a certificate locked by wrong PINs, download the CA certificate."""

from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice

from inspect_app.accounts import operations as users_service
from inspect_app.domain.numbers import whole_number
from inspect_app.shared.errors import Invalid
from inspect_app.signing import enrolments, keys, pin_attempts
from inspect_app.web.admin_area import bp
from inspect_app.web.context import actor, get_session


class EnrolmentForm(FlaskForm):
    user = SelectField("证书持有人（分管领导或市12315中心）", choices=[], validate_choice=False)


@bp.route("/certificates", methods=["GET", "POST"])
def certificates():
    session = get_session()
    form = EnrolmentForm()
    signers = [u for u in users_service.list_users(session) if u.role in keys.SIGNER_ROLES and u.active]
    form.user.choices = [SelectChoice("", "请选择")] + [
        SelectChoice(str(u.id), f"{u.display_name}（{u.district.name if u.district else '市中心'}，{u.username}）")
        for u in signers
    ]
    if form.validate_on_submit():
        try:
            row = enrolments.enrol(session, actor(), whole_number(form.user.data) or 0)
        except Invalid as error:
            if "user" in error.errors:
                form.user.errors = [*form.user.errors, error.errors["user"]]
            else:
                flash(str(error), "error")  # no CA yet: the form is not on the page
        except LookupError:
            form.user.errors = [*form.user.errors, "请选择证书持有人"]
        else:
            flash(
                f"已为 {row.user.display_name} 签发证书：请通知其本人登录后在“我的签名证书”页设置签名PIN，"
                "设置后证书即生成。",
                "success",
            )
            return redirect(url_for(".certificates"))
    rows = keys.certificates(session)
    return render_template(
        "admin/certificates.html",
        form=form,
        authority=keys.authority(session),
        passphrase_set=bool(current_app.config["PKI_CA_PASSPHRASE"]),
        certificates=[(c, keys.state_of(c)) for c in rows],
        locks={c.id: pin_attempts.lock_in(session, c.id) for c in rows if not c.revoked_at},
        waiting=keys.open_enrolments(session),
        action_form=FlaskForm(),
    )


@bp.route("/certificates/authority", methods=["POST"])
def create_authority():
    if FlaskForm().validate_on_submit():
        try:
            row = keys.init_authority(get_session(), current_app.config["PKI_CA_PASSPHRASE"], actor())
        except Invalid as error:
            flash(str(error), "error")
        else:
            flash(f"已创建市中心根证书（SHA-256 指纹 {row.fingerprint_sha256[:16]}…），现在可以签发证书。", "success")
    return redirect(url_for(".certificates"))


@bp.route("/certificates/enrolments/<id:enrolment_id>/cancel", methods=["POST"])
def cancel_enrolment(enrolment_id: int):
    try:
        row = enrolments.cancel(get_session(), actor(), enrolment_id)
    except Invalid as error:
        flash(str(error), "error")
    else:
        flash(f"已取消为 {row.user.display_name} 的签发。", "success")
    return redirect(url_for(".certificates"))


@bp.route("/certificates/<id:certificate_id>/revoke", methods=["POST"])
def revoke_certificate(certificate_id: int):
    row = keys.revoke(get_session(), certificate_id, actor=actor())
    flash(f"已撤销证书 {row.serial}：此后它不能再签字，撤销后签的证据包验证不通过。", "success")
    return redirect(url_for(".certificates"))


@bp.route("/certificates/<id:certificate_id>/unlock", methods=["POST"])
def unlock_signing(certificate_id: int):
    if FlaskForm().validate_on_submit():
        try:
            row = pin_attempts.unlock_signing(get_session(), actor(), certificate_id)
        except Invalid as error:
            flash(str(error), "error")
        else:
            flash(
                f"已解除证书 {row.serial} 的签名锁定：{row.user.display_name} 现在可以重新输入签名PIN签字。", "success"
            )
    return redirect(url_for(".certificates"))


@bp.route("/certificates/city-ca.pem")
def city_ca():
    authority = keys.authority(get_session())
    if authority is None:
        abort(404)
    return Response(
        authority.certificate_pem,
        mimetype="application/x-pem-file",
        headers={"Content-Disposition": "attachment; filename=city-ca.pem"},
    )
