"""The leader's review pages: the district's campaign at a glance, accept, return, recommend."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import login_required

from inspect_app.bundles import jobs
from inspect_app.campaigns import operations as campaigns
from inspect_app.city import submissions
from inspect_app.domain.checklists.checklist import OUTCOME_LABELS
from inspect_app.domain.identity.permissions import Action
from inspect_app.review import operations as review
from inspect_app.shared.errors import Invalid
from inspect_app.web.context import actor, allow, chosen_campaign, chosen_district, get_session

bp = Blueprint("review", __name__, url_prefix="/review")


@bp.route("/")
@login_required
def overview():
    allow(Action.REVIEW)
    session = get_session()
    district, districts = chosen_district()
    choice = chosen_campaign()
    campaign = choice.campaign
    data = review.district_overview(session, actor(), district.id, campaign) if campaign else None
    slots = {s.code: s.label for s in campaigns.template_of(campaign.checklist_version).photo_slots} if campaign else {}
    return render_template(
        "review/overview.html",
        district=district,
        districts=districts,
        **choice.context(),
        data=data,
        outcomes=OUTCOME_LABELS,
        slot_labels=slots,
        city_reasons=submissions.returned_reasons(session, district.id, campaign.id) if campaign else {},
    )


@bp.route("/inspections/<id:inspection_id>/decision", methods=["POST"])
@login_required
def decide(inspection_id: int):
    decision = request.form.get("decision", "")
    try:
        inspection = review.review(get_session(), actor(), inspection_id, decision, request.form.get("comment", ""))
    except Invalid as error:
        flash(str(error), "error")
        return redirect(url_for("inspect.checklist", inspection_id=inspection_id, _anchor="review"))
    flash("已审核通过。" if decision == "accept" else "已退回检查员补正。", "success")
    return redirect(url_for(".overview", district=inspection.station.district_id))


@bp.route("/inspections/<id:inspection_id>/recommend", methods=["POST"])
@login_required
def recommend(inspection_id: int):
    wanted = request.form.get("recommended") == "1"
    try:
        review.recommend(get_session(), actor(), inspection_id, wanted)
    except Invalid as error:
        flash(str(error), "error")
    else:
        jobs.enqueue_station_part(current_app._get_current_object(), inspection_id)  # the part shows it
        flash("已推荐为示范站。" if wanted else "已取消示范站推荐。", "success")
    return redirect(url_for("inspect.checklist", inspection_id=inspection_id, _anchor="review"))
