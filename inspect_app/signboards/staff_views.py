"""A station's 牌匾信息: its staff and its responsible officer as the plaque will name them, edited by the 旗区's
leader, and their portraits shown to whoever may see the station."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, StringField

from inspect_app.directory import operations as directory
from inspect_app.domain.directory.signboards import STAFF_LIMIT, SignboardKind, plaque_gaps
from inspect_app.domain.identity.permissions import Action
from inspect_app.shared.errors import Invalid, NotFound
from inspect_app.signboards import staff as staffing
from inspect_app.signboards.plaques import plaque_facts
from inspect_app.web.context import actor, get_session
from inspect_app.web.forms import FALSE_VALUES, show_errors, uploaded
from inspect_app.web.stored import send_stored

bp = Blueprint("signboard_staff", __name__, url_prefix="/directory")


class PersonForm(FlaskForm):
    """A person the plaque names: the fields of a staff member, or of the officer (who has no duty)."""

    name = StringField("姓名")
    duty = StringField("职务", render_kw={"placeholder": "如 站长、调解员"})
    phone = StringField("电话", render_kw={"inputmode": "tel"})
    photo = FileField("照片", render_kw={"accept": staffing.PHOTO_ACCEPT})
    remove_photo = BooleanField("删除现有照片", false_values=FALSE_VALUES)

    def raw(self) -> dict[str, str]:
        return {name: self[name].data or "" for name in ("name", "duty", "phone")}

    def portrait(self) -> staffing.Portrait:
        """The uploaded photo, or that the current one goes."""
        limit = current_app.config["PHOTO_MAX_BYTES"]
        return staffing.Portrait(uploaded(self.photo, limit), bool(self.remove_photo.data), limit)

    def show(self, error: Invalid) -> None:
        show_errors(self, error)


def _page(station_id: int, add_form: PersonForm | None = None, officer_form: PersonForm | None = None):
    session = get_session()
    station = directory.get_station(session, actor(), station_id, Action.EDIT_STATION)
    facts = plaque_facts(station)
    if officer_form is None:
        officer_form = PersonForm(
            formdata=None, data={"name": station.officer_name or "", "phone": station.officer_phone or ""}
        )
    return render_template(
        "directory/signboard.html",
        station=station,
        facts=facts,
        gaps=plaque_gaps(facts, SignboardKind.STATION),
        own_officer=bool(station.officer_name),
        add_form=add_form or PersonForm(formdata=None),
        officer_form=officer_form,
        action_form=FlaskForm(),
        limit=STAFF_LIMIT,
    )


def _back(station_id: int, anchor: str = "staff"):
    return redirect(url_for(".signboard", station_id=station_id, _anchor=anchor))


@bp.route("/<id:station_id>/signboard")
@login_required
def signboard(station_id: int):
    return _page(station_id)


@bp.route("/<id:station_id>/signboard/staff", methods=["POST"])
@login_required
def add_staff(station_id: int):
    directory.get_station(get_session(), actor(), station_id, Action.EDIT_STATION)  # who may, before what
    form = PersonForm()
    if form.validate_on_submit():
        try:
            member = staffing.add_staff(
                get_session(), actor(), current_app.extensions["filestore"], station_id, form.raw(), form.portrait()
            )
        except Invalid as error:
            get_session().rollback()
            form.show(error)
        else:
            flash(f"已添加工作人员：{member.name}", "success")
            return _back(station_id)
    return _page(station_id, add_form=form)


@bp.route("/<id:station_id>/signboard/staff/<id:staff_id>", methods=["GET", "POST"])
@login_required
def edit_staff(station_id: int, staff_id: int):
    session = get_session()
    station = directory.get_station(session, actor(), station_id, Action.EDIT_STATION)
    member = next((s for s in station.staff if s.id == staff_id), None)
    if member is None:
        raise NotFound()
    form = PersonForm(data={"name": member.name, "duty": member.duty or "", "phone": member.phone or ""})
    if form.validate_on_submit():
        try:
            staffing.update_staff(
                session, actor(), current_app.extensions["filestore"], station_id, staff_id, form.raw(), form.portrait()
            )
        except Invalid as error:
            session.rollback()
            form.show(error)
        else:
            flash("已保存工作人员信息。", "success")
            return _back(station_id)
    return render_template("directory/staff_form.html", station=station, member=member, form=form)


@bp.route("/<id:station_id>/signboard/staff/<id:staff_id>/remove", methods=["POST"])
@login_required
def remove_staff(station_id: int, staff_id: int):
    session = get_session()
    directory.get_station(session, actor(), station_id, Action.EDIT_STATION)
    # The button's form says which member it removes: a stray post (a double tap on a stale page) removes nobody.
    if FlaskForm().validate_on_submit() and request.form.get("staff") == str(staff_id):
        name = staffing.remove_staff(session, actor(), current_app.extensions["filestore"], station_id, staff_id)
        flash(f"已删除工作人员：{name}", "success")
    else:
        flash("未删除：请在牌匾信息页点“删除”按钮。", "error")
    return _back(station_id)


@bp.route("/<id:station_id>/signboard/staff/<id:staff_id>/move", methods=["POST"])
@login_required
def move_staff(station_id: int, staff_id: int):
    directory.get_station(get_session(), actor(), station_id, Action.EDIT_STATION)
    step = {"up": -1, "down": 1}.get(request.form.get("direction", ""), 0)
    if FlaskForm().validate_on_submit():
        try:
            staffing.move_staff(get_session(), actor(), station_id, staff_id, step)
        except Invalid as error:
            flash(str(error), "error")
    return _back(station_id)


@bp.route("/<id:station_id>/signboard/officer", methods=["POST"])
@login_required
def set_officer(station_id: int):
    directory.get_station(get_session(), actor(), station_id, Action.EDIT_STATION)
    form = PersonForm()
    if form.validate_on_submit():
        try:
            staffing.set_officer(
                get_session(), actor(), current_app.extensions["filestore"], station_id, form.raw(), form.portrait()
            )
        except Invalid as error:
            get_session().rollback()
            form.show(error)
        else:
            flash("已保存本站指定的责任监管人员。", "success")
            return _back(station_id, "officer")
    return _page(station_id, officer_form=form)


@bp.route("/<id:station_id>/signboard/officer/clear", methods=["POST"])
@login_required
def clear_officer(station_id: int):
    directory.get_station(get_session(), actor(), station_id, Action.EDIT_STATION)
    if FlaskForm().validate_on_submit():
        staffing.clear_officer(get_session(), actor(), current_app.extensions["filestore"], station_id)
        flash("已恢复使用所属监管所的责任监管人员。", "success")
    return _back(station_id, "officer")


@bp.route("/<id:station_id>/signboard/staff/<id:staff_id>/portrait.jpg")
@login_required
def staff_portrait(station_id: int, staff_id: int):
    return send_stored(staffing.staff_portrait_key(get_session(), actor(), station_id, staff_id), "image/jpeg")


@bp.route("/<id:station_id>/signboard/officer.jpg")
@login_required
def officer_portrait(station_id: int):
    return send_stored(staffing.officer_portrait_key(get_session(), actor(), station_id), "image/jpeg")
