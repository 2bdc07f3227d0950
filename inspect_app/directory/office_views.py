"""The admin's 监管所 pages: each 旗区's market supervision offices, with address and responsible officer."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, StringField
from wtforms.fields.choices import SelectChoice

from inspect_app.directory import offices
from inspect_app.directory.operations import districts_for
from inspect_app.domain.numbers import whole_number
from inspect_app.shared.errors import Invalid
from inspect_app.signboards.staff import PHOTO_ACCEPT, Portrait
from inspect_app.web.admin_area import bp
from inspect_app.web.context import actor, get_session
from inspect_app.web.forms import FALSE_VALUES, show_errors, uploaded
from inspect_app.web.stored import send_stored


class OfficeForm(FlaskForm):
    district = SelectField("所属旗区", choices=[], validate_choice=False)
    name = StringField("监管所名称", render_kw={"placeholder": "如 林荫市场监管所"})
    address = StringField("地址")
    officer_name = StringField("负责人姓名")
    officer_phone = StringField("负责人电话", render_kw={"inputmode": "tel"})
    photo = FileField("负责人照片", render_kw={"accept": PHOTO_ACCEPT})
    remove_photo = BooleanField("删除现有照片", false_values=FALSE_VALUES)

    def portrait(self) -> Portrait:
        limit = current_app.config["PHOTO_MAX_BYTES"]
        return Portrait(uploaded(self.photo, limit), bool(self.remove_photo.data), limit)

    def raw(self) -> dict[str, str]:
        return {name: self[name].data or "" for name in ("name", "address", "officer_name", "officer_phone")}

    def show(self, error: Invalid) -> None:
        show_errors(self, error)


def _district_choices(form: OfficeForm) -> list:
    districts = districts_for(get_session(), actor())
    form.district.choices = [SelectChoice("", "请选择")] + [SelectChoice(d.code, d.name) for d in districts]
    return districts


@bp.route("/offices", methods=["GET", "POST"])
def offices_page():
    session = get_session()
    form = OfficeForm()
    districts = _district_choices(form)
    wanted = whole_number(request.args.get("district"))
    shown = next((d for d in districts if d.id == wanted), None)
    if request.method == "GET" and shown is not None:
        form.district.data = shown.code
    if form.validate_on_submit():
        try:
            office = offices.create_office(session, actor(), form.district.data or "", form.raw())
        except Invalid as error:
            form.show(error)
        else:
            flash(f"已新增{office.district.name}{office.name}。", "success")
            return redirect(url_for(".offices_page", district=office.district_id))
    return render_template(
        "admin/offices.html",
        form=form,
        districts=districts,
        shown=shown,
        rows=offices.list_offices(session, actor(), shown.id if shown else None),
        action_form=FlaskForm(),
    )


@bp.route("/offices/<id:office_id>/edit", methods=["GET", "POST"])
def edit_office(office_id: int):
    session = get_session()
    office = offices.get_office(session, actor(), office_id)
    form = OfficeForm(obj=office)
    if form.validate_on_submit():
        try:
            offices.update_office(
                session, actor(), office.id, form.raw(), current_app.extensions["filestore"], form.portrait()
            )
        except Invalid as error:
            session.rollback()
            form.show(error)
        else:
            flash(f"已保存{office.district.name}{office.name}。", "success")
            return redirect(url_for(".offices_page", district=office.district_id))
    return render_template("admin/office_form.html", form=form, office=office)


@bp.route("/offices/<id:office_id>/portrait.jpg")
def office_portrait(office_id: int):
    office = offices.get_office(get_session(), actor(), office_id)
    if not office.officer_photo_key:
        abort(404)
    return send_stored(office.officer_photo_key, "image/jpeg")


@bp.route("/offices/<id:office_id>/retire", methods=["POST"])
def retire_office(office_id: int):
    session = get_session()
    district_id = offices.get_office(session, actor(), office_id).district_id
    try:
        name = offices.retire_office(session, actor(), office_id)
    except Invalid as error:
        flash(str(error), "error")
    else:
        flash(f"已撤销{name}。", "success")
    return redirect(url_for(".offices_page", district=district_id))
