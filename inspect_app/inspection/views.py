"""The field inspector's pages: the station board, the checklist, photos, signatures, submission."""

from __future__ import annotations

from datetime import datetime, timezone

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import login_required
from flask_wtf import FlaskForm

from inspect_app.bundles import jobs
from inspect_app.campaigns import operations as campaigns
from inspect_app.domain.checklists.checklist import OUTCOME_LABELS
from inspect_app.domain.directory.signboards import PLAQUE_CHECK_ITEMS
from inspect_app.domain.geo import LatLon, amap_url
from inspect_app.domain.identity.permissions import Action
from inspect_app.domain.inspections import SignatureRole
from inspect_app.domain.numbers import whole_number
from inspect_app.inspection import follow_ups, photo_jobs, photos, plaque_check, pwa
from inspect_app.inspection import operations as inspections
from inspect_app.inspection.api_json import inspection_json
from inspect_app.inspection.api_models import plain
from inspect_app.inspection.checklist_page import checklist_page
from inspect_app.shared.errors import Invalid
from inspect_app.web.context import actor, allow, chosen_campaign, get_session, png_from_data_url

bp = Blueprint("inspect", __name__, url_prefix="/inspect")


def store():
    return current_app.extensions["filestore"]


def _float(name: str, low: float, high: float) -> float | None:
    try:
        value = float(request.values.get(name, ""))
    except ValueError:
        return None
    return value if low <= value <= high else None


def _here() -> LatLon | None:
    lat, lon = _float("lat", -90, 90), _float("lon", -180, 180)
    return LatLon(lat, lon) if lat is not None and lon is not None else None


@bp.route("/")
@login_required
def board():
    allow(Action.INSPECT)
    session = get_session()
    choice = chosen_campaign()
    here = _here()
    rows = (
        inspections.station_board(session, actor(), choice.campaign, request.args.get("q", "")[:100], here)
        if choice.campaign
        else []
    )
    return render_template(
        "inspect/board.html",
        **choice.context(),
        rows=rows,
        here=here,
        q=request.args.get("q", ""),
        outcomes=OUTCOME_LABELS,
        form=FlaskForm(),
    )


@bp.route("/follow-ups")
@login_required
def follow_up_board():
    """The user's follow-up work: re-checks of the district's orders, or the city's sampled stations."""
    allow(Action.FIELD_WORK)
    choice = chosen_campaign()
    work = follow_ups.follow_ups(get_session(), actor(), choice.campaign) if choice.campaign else []
    return render_template("inspect/follow_ups.html", **choice.context(), work=work, form=FlaskForm())


@bp.route("/orders/<id:order_id>/recheck", methods=["POST"])
@login_required
def open_recheck(order_id: int):
    try:
        inspection = follow_ups.open_recheck(get_session(), actor(), order_id)
    except Invalid as error:
        flash(str(error), "error")
        return redirect(url_for(".follow_up_board"))
    return redirect(url_for(".checklist", inspection_id=inspection.id))


@bp.route("/spot-checks/<id:station_id>/open", methods=["POST"])
@login_required
def open_spot_check(station_id: int):
    campaign = chosen_campaign(required=True).campaign
    try:
        inspection = follow_ups.open_spot_check(get_session(), actor(), station_id, campaign)
    except Invalid as error:
        flash(str(error), "error")
        return redirect(url_for(".follow_up_board"))
    return redirect(url_for(".checklist", inspection_id=inspection.id))


@bp.route("/stations/<id:station_id>/open", methods=["POST"])
@login_required
def open_station(station_id: int):
    session = get_session()
    campaign = chosen_campaign(required=True).campaign  # the one the board showed (its form says which)
    try:
        inspection = inspections.open_inspection(session, actor(), station_id, campaign)
    except Invalid as error:
        flash(str(error), "error")
        return redirect(url_for(".board"))
    return redirect(url_for(".checklist", inspection_id=inspection.id))


@bp.route("/inspections/<id:inspection_id>")
@login_required
def checklist(inspection_id: int):
    page = checklist_page(get_session(), actor(), inspection_id)
    return render_template(
        "inspect/checklist.html",
        inspection=page.inspection,
        template=page.template,
        editable=page.editable,
        answers=page.answers,
        outcomes=OUTCOME_LABELS,
        missing=page.missing,
        form=FlaskForm(),
        roles=list(SignatureRole),
        signatures=page.signatures,
        findings_of=photos.findings_of,
        amap_url=amap_url,
        score=page.score,
        required_slots=page.required_slots,
        reviewable=page.reviewable,
        frozen=page.frozen,
        recommendable=page.recommendable,
        conflicts=page.conflicts,
        names=page.names,
        **_outbox(page.inspection, page.editable, page.waiting, page.names),
        events=page.events,
        plaque=plaque_check.plaque_check_of(page.inspection),
        plaque_items=PLAQUE_CHECK_ITEMS,
    )


def _outbox(inspection, editable: bool, waiting: list, names: dict[int, str]) -> dict:
    """What the checklist page needs to write through the phone's outbox, as the offline app does.

    The outbox holds the inspections of the campaign the offline app shows (the chosen one), one per station:
    another campaign's inspection is changed with the page's plain forms (outbox=False), and so, until the
    offline app files follow-ups under their own names, is a re-check or a spot check (under the station's id
    the outbox would write into the district's own inspection).
    """
    current = chosen_campaign().campaign if editable else None
    if current is None or current.id != inspection.campaign_id or not inspection.is_own:
        return {"outbox": False}
    return {
        "outbox": True,
        **pwa.outbox_context(request.path),
        "checklist_content": inspection.checklist_version.content,
        "snapshot": plain(inspection_json(inspection, waiting, names)),
    }


@bp.route("/inspections/<id:inspection_id>/answers", methods=["POST"])
@login_required
def save_answers(inspection_id: int):
    """The checklist form without scripts: every answer on the page at once."""
    session = get_session()
    inspection = inspections.get_inspection(session, actor(), inspection_id, Action.INSPECT)
    given = {}
    for item in campaigns.template_of(inspection.checklist_version).items:
        verdict, points = inspections.parse_choice(request.form.get(f"answer-{item.code}", ""))
        given[item.code] = (verdict, points, request.form.get(f"note-{item.code}"))
    try:
        inspections.save_answers(session, actor(), inspection_id, given)
    except Invalid as error:
        flash(str(error), "error")
    else:
        flash("已保存。", "success")
    return redirect(url_for(".checklist", inspection_id=inspection_id))


@bp.route("/inspections/<id:inspection_id>/plaque", methods=["POST"])
@login_required
def check_plaque(inspection_id: int):
    """The plaque check without the outbox: the code scanned or typed, recorded at once."""
    try:
        check = plaque_check.record_plaque_check(
            get_session(), actor(), inspection_id, request.form.get("plaque_code", "")
        )
    except Invalid as error:
        flash(str(error), "error")
    else:
        flash(
            check.text if check else "已清除牌匾核验。",
            "success" if check is None or check.finding.is_current else "warning",
        )
    return redirect(url_for(".checklist", inspection_id=inspection_id, _anchor="plaque-check"))


@bp.route("/inspections/<id:inspection_id>/photos", methods=["POST"])
@login_required
def add_photo(inspection_id: int):
    inspections.get_inspection(get_session(), actor(), inspection_id, Action.INSPECT)  # who may, before what
    upload = next((f for f in request.files.getlist("photo") if f and f.filename), None)
    if upload is None:
        flash("请选择或拍摄一张照片。", "error")
        return redirect(url_for(".checklist", inspection_id=inspection_id, _anchor="photos"))
    browser = None
    lat, lon = _float("lat", -90, 90), _float("lon", -180, 180)
    if lat is not None and lon is not None:
        taken = _float("position_time", 0, 1e13)
        browser = photos.BrowserPosition(
            lat, lon, _float("accuracy", 0, 1e6), datetime.fromtimestamp(taken / 1000, timezone.utc) if taken else None
        )
    try:
        photo = photos.store_photo(
            get_session(),
            actor(),
            store(),
            inspection_id,
            request.form.get("slot", ""),
            upload.read(current_app.config["PHOTO_MAX_BYTES"] + 1),
            browser,
            current_app.config["PHOTO_MAX_BYTES"],
            whole_number(request.form.get("replaces")),
        )
    except Invalid as error:
        flash("照片未保存：" + str(error), "error")
        return redirect(url_for(".checklist", inspection_id=inspection_id, _anchor="photos"))
    photo_id, sha256 = photo.id, photo.sha256
    photo_jobs.enqueue_photo(current_app._get_current_object(), photo_id)
    flash(f"照片已保存（{sha256[:12]}），正在处理。", "success")
    return redirect(url_for(".checklist", inspection_id=inspection_id, _anchor=f"photo-{photo_id}"))


@bp.route("/photos/<id:photo_id>/remove", methods=["POST"])
@login_required
def remove_photo(photo_id: int):
    try:
        inspection_id = photos.remove_photo(get_session(), actor(), store(), photo_id)
    except Invalid as error:
        flash(str(error), "error")
        return redirect(url_for(".board"))
    flash("照片已删除。", "success")
    return redirect(url_for(".checklist", inspection_id=inspection_id, _anchor="photos"))


@bp.route("/inspections/<id:inspection_id>/signatures/<role>", methods=["POST"])
@login_required
def sign(inspection_id: int, role: str):
    png = png_from_data_url(request.form.get("signature", ""))
    try:
        inspections.sign(get_session(), actor(), store(), inspection_id, role, request.form.get("name", ""), png)
    except Invalid as error:
        flash("签名未保存：" + str(error), "error")
    else:
        flash("签名已保存。", "success")
    return redirect(url_for(".checklist", inspection_id=inspection_id, _anchor="signatures"))


@bp.route("/inspections/<id:inspection_id>/submit", methods=["POST"])
@login_required
def submit(inspection_id: int):
    try:
        inspections.submit(get_session(), actor(), inspection_id)
    except inspections.PhotosProcessing as error:
        flash(str(error), "error")
        return redirect(url_for(".checklist", inspection_id=inspection_id, _anchor="photos"))
    except Invalid as error:
        flash("还不能提交：" + str(error), "error")
        return redirect(url_for(".checklist", inspection_id=inspection_id, _anchor="submit"))
    jobs.enqueue_station_part(current_app._get_current_object(), inspection_id)
    flash("检查已提交。", "success")
    return redirect(url_for(".checklist", inspection_id=inspection_id))
