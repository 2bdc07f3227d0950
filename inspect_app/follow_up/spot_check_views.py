"""The city's spot-check pages: draw the sample, show how it was drawn, assign it, compare the results."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required
from flask_wtf import FlaskForm

from inspect_app.domain.checklists.checklist import OUTCOME_LABELS
from inspect_app.domain.follow_up import spot_checks as rules
from inspect_app.domain.identity.permissions import Action
from inspect_app.domain.numbers import whole_number
from inspect_app.follow_up import order_queries, spot_check_results, spot_checks
from inspect_app.shared.errors import Invalid
from inspect_app.web.context import actor, allow, chosen_campaign, get_session

bp = Blueprint("spot_checks", __name__, url_prefix="/city/spot-checks")
DEFAULT_PERCENT = 10


@bp.route("/")
@login_required
def sample():
    allow(Action.MANAGE_SPOT_CHECKS)
    session = get_session()
    choice = chosen_campaign(required=True)
    campaign = choice.campaign
    drawn = spot_checks.sample_of(session, campaign.id)
    return render_template(
        "follow_up/spot_checks.html",
        **choice.context(),
        form=FlaskForm(),
        sample=drawn,
        strata=spot_checks.strata_of(session, actor(), drawn) if drawn else [],
        results=spot_check_results.comparisons(session, actor(), campaign),
        inspectors=spot_checks.city_inspectors(session, actor()),
        started=spot_checks.has_started(session, campaign.id),
        candidates=len(spot_checks.candidates(session, campaign)),
        percent=drawn.percent if drawn else DEFAULT_PERCENT,
        rules=rules,
    )


@bp.route("/draw", methods=["POST"])
@login_required
def draw():
    allow(Action.MANAGE_SPOT_CHECKS)
    campaign = chosen_campaign(required=True).campaign
    try:
        drawn = spot_checks.draw_sample(
            get_session(), actor(), campaign, whole_number(request.form.get("percent", "").strip())
        )
    except Invalid as error:
        flash(str(error), "error")
    else:
        flash(f"已按 {drawn.percent}% 抽取 {len(drawn.stations)} 个服务站，随机种子 {drawn.seed}。", "success")
    return redirect(url_for(".sample", campaign=campaign.id))


@bp.route("/stations/<id:sampled_station_id>/assign", methods=["POST"])
@login_required
def assign(sampled_station_id: int):
    allow(Action.MANAGE_SPOT_CHECKS)
    try:
        sampled = spot_checks.assign(
            get_session(), actor(), sampled_station_id, whole_number(request.form.get("inspector", ""))
        )
    except Invalid as error:
        flash(str(error), "error")
        return redirect(url_for(".sample") + "#assign")
    flash(f"已将{sampled.station.name}指派给{sampled.inspector.display_name}。", "success")
    return redirect(url_for(".sample", campaign=sampled.sample.campaign_id) + f"#s{sampled.id}")


@bp.route("/comparisons")
@login_required
def comparisons():
    allow(Action.MANAGE_SPOT_CHECKS)
    choice = chosen_campaign(required=True)
    results = spot_check_results.comparisons(get_session(), actor(), choice.campaign)
    spots = [r.spot.id for r in results.rows if r.spot is not None]
    return render_template(
        "follow_up/spot_check_comparisons.html",
        **choice.context(),
        results=results,
        rules=rules,
        outcome_labels=OUTCOME_LABELS,
        orders=order_queries.orders_by_inspection(get_session(), spots),
    )
