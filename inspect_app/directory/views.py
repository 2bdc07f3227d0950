"""The station directory (名录): list, search, view, create, edit, retire."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice

from inspect_app.audit import trail as audit
from inspect_app.city import demonstrations, year_over_year
from inspect_app.directory import operations as directory
from inspect_app.domain.checklists.checklist import OUTCOME_LABELS
from inspect_app.domain.directory.signboards import SignboardKind, plaque_gaps, printed_short_code
from inspect_app.domain.directory.stations import HostType, StationStatus
from inspect_app.domain.identity.permissions import Action, district_scope, may
from inspect_app.domain.numbers import whole_number
from inspect_app.shared.errors import Invalid
from inspect_app.signboards.plaques import current_plaque, plaque_facts
from inspect_app.web.context import actor, allow, get_session, today
from inspect_app.web.forms import StationForm

bp = Blueprint("directory", __name__, url_prefix="/directory")


def _flag(value: str | None) -> bool | None:
    return {"1": True, "0": False}.get(value or "")


def query_from_args(args: Any) -> tuple[directory.StationQuery, dict[str, str]]:
    """The directory query in the URL; unknown values are ignored rather than failing."""
    kept = {
        k: args.get(k, "").strip()
        for k in ("q", "district", "host_type", "status", "odr", "demonstration", "recommended")
    }
    kept = {k: v for k, v in kept.items() if v}
    district_id = whole_number(kept.get("district"))
    host_type = kept.get("host_type") if kept.get("host_type") in set(HostType) else None
    status = kept.get("status") if kept.get("status") in set(StationStatus) else None
    query = directory.StationQuery(
        text=kept.get("q", "")[:100],
        district_id=district_id,
        host_type=HostType(host_type) if host_type else None,
        status=StationStatus(status) if status else None,
        is_odr=_flag(kept.get("odr")),
        is_demonstration=_flag(kept.get("demonstration")),
        is_recommended=_flag(kept.get("recommended")),
    )
    return query, kept


@bp.route("/")
@login_required
def index():
    allow(Action.VIEW_DIRECTORY)
    query, kept = query_from_args(request.args)
    session = get_session()
    result = directory.search_stations(
        session, actor(), query, whole_number(request.args.get("page")) or 1, current_app.config["DIRECTORY_PAGE_SIZE"]
    )
    return render_template(
        "directory/index.html",
        page=result,
        args=kept,
        filtered=bool(kept.keys() - {"q"}),
        districts=directory.districts_for(session, actor()),
        single_district=district_scope(actor()) is not None,
    )


@bp.route("/<id:station_id>")
@login_required
def show(station_id: int):
    session = get_session()
    station = directory.get_station(session, actor(), station_id)
    history = (
        year_over_year.station_years(session, actor(), station)
        if may(actor(), Action.VIEW_INSPECTION, station.district_id)
        else []
    )
    events = (
        audit.history(session, actor(), station.district_id, station_id=station.id)
        if audit.may_see_history(actor(), station.district_id)
        else None
    )
    facts = plaque_facts(station)
    on_wall = current_plaque(station)
    return render_template(
        "directory/show.html",
        station=station,
        retire_form=FlaskForm(),
        history=history,
        outcomes=OUTCOME_LABELS,
        events=events,
        standing=demonstrations.standing(session, actor(), station),
        plaque=facts,
        signboard_gaps=plaque_gaps(facts, SignboardKind.STATION),
        on_wall=on_wall,
        on_wall_code=printed_short_code(on_wall.short_code) if on_wall else None,
    )


def _station_form(values: dict[str, Any] | None = None) -> StationForm:
    session = get_session()
    form = StationForm(data=values) if values is not None and request.method == "GET" else StationForm()
    districts = directory.districts_for(session, actor())
    form.district.choices = [SelectChoice(d.code, d.name) for d in districts]
    if len(districts) > 1:
        form.district.choices.insert(0, SelectChoice("", "请选择"))
    offices = directory.offices_by_district(session, actor())
    form.office.choices = [SelectChoice("", "（未指定）")] + [
        SelectChoice(office.name, office.name, optgroup=d.name if len(districts) > 1 else None)
        for d in districts
        for office in offices.get(d.id, [])
    ]
    return form


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    allow(Action.EDIT_STATION)
    form = _station_form({"status": StationStatus.REGISTERED.value})
    if form.validate_on_submit():
        try:
            station = directory.create_station(get_session(), actor(), form.raw(), today())
        except Invalid as error:
            form.show(error)
        else:
            flash(f"已新增服务站：{station.name}", "success")
            return redirect(url_for(".show", station_id=station.id))
    return render_template("directory/form.html", form=form, station=None)


@bp.route("/<id:station_id>/edit", methods=["GET", "POST"])
@login_required
def edit(station_id: int):
    session = get_session()
    station = directory.get_station(session, actor(), station_id, Action.EDIT_STATION)
    form = _station_form(directory.station_form_values(station))
    if form.validate_on_submit():
        try:
            directory.update_station(session, actor(), station.id, form.raw(), today())
        except Invalid as error:
            session.rollback()
            form.show(error)
        else:
            flash("已保存修改。", "success")
            return redirect(url_for(".show", station_id=station.id))
    return render_template("directory/form.html", form=form, station=station)


@bp.route("/<id:station_id>/retire", methods=["POST"])
@login_required
def retire(station_id: int):
    try:
        station = directory.retire_station(get_session(), actor(), station_id)
    except Invalid as error:
        flash(str(error), "error")
    else:
        flash(f"已撤销服务站：{station.name}", "success")
    return redirect(url_for(".show", station_id=station_id))
