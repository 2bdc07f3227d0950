"""Campaigns (验收批次): the list and each one's checklist for every role; create, edit, open, close for the city."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import login_required
from flask_wtf import FlaskForm
from sqlalchemy import select

from inspect_app.campaigns import operations as campaigns
from inspect_app.city import submissions
from inspect_app.domain.campaigns import CampaignState, settings_refusal
from inspect_app.domain.checklists.checklist import OUTCOME_LABELS
from inspect_app.domain.identity.permissions import Action
from inspect_app.models import Campaign, District
from inspect_app.shared.errors import Invalid
from inspect_app.web.context import actor, allow, get_session, today

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns")
FIELDS = ("name", "starts_on", "deadline", "checklist_version")


@bp.route("/")
@login_required
def index():
    allow(Action.VIEW_CAMPAIGNS)
    return render_template(
        "campaigns/index.html",
        campaigns=campaigns.visible_campaigns(get_session(), actor()),
        district_count=len(_districts()),
    )


@bp.route("/<id:campaign_id>/checklist")
@login_required
def checklist(campaign_id: int):
    allow(Action.VIEW_CAMPAIGNS)
    campaign = _visible(campaign_id)
    return render_template(
        "campaigns/checklist.html",
        campaign=campaign,
        template=campaigns.template_of(campaign.checklist_version),
        outcomes=OUTCOME_LABELS,
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    allow(Action.MANAGE_CAMPAIGNS)
    session = get_session()
    form, errors = FlaskForm(), {}
    values = _posted() if request.method == "POST" else _suggested()
    if form.validate_on_submit():
        try:
            campaign = campaigns.prepare_campaign(session, actor(), values)
        except Invalid as error:
            session.rollback()
            errors = error.errors
        else:
            flash(f"已创建验收批次“{campaign.name}”（{campaign.state.label}）。检查员在开放后才能看到。", "success")
            return redirect(url_for(".edit", campaign_id=campaign.id))
    return _form_page(None, values, errors, form)


@bp.route("/<id:campaign_id>/edit", methods=["GET", "POST"])
@login_required
def edit(campaign_id: int):
    allow(Action.MANAGE_CAMPAIGNS)
    session = get_session()
    campaign = _visible(campaign_id)
    form, errors = FlaskForm(), {}
    values = _posted() if request.method == "POST" else _values_of(campaign)
    if form.validate_on_submit():
        try:
            campaigns.update_campaign(session, actor(), campaign.id, values)
        except Invalid as error:
            session.rollback()
            errors = error.errors
        else:
            flash("已保存。", "success")
            return redirect(url_for(".edit", campaign_id=campaign.id))
    return _form_page(campaign, values, errors, form)


@bp.route("/<id:campaign_id>/open", methods=["GET", "POST"])
@login_required
def open_campaign(campaign_id: int):
    return _move(campaign_id, "open")


@bp.route("/<id:campaign_id>/close", methods=["GET", "POST"])
@login_required
def close_campaign(campaign_id: int):
    return _move(campaign_id, "close")


def _move(campaign_id: int, step: str):
    """A page that says what opening (or closing) means, and its button; the post does it."""
    allow(Action.MANAGE_CAMPAIGNS)
    session = get_session()
    campaign = _visible(campaign_id)
    form = FlaskForm()
    if form.validate_on_submit():
        change = campaigns.open_campaign if step == "open" else campaigns.close_campaign
        try:
            change(session, actor(), campaign.id)
        except Invalid as error:
            session.rollback()
            flash(str(error), "error")
        else:
            flash(f"“{campaign.name}”已{'开放' if step == 'open' else '结束'}。", "success")
        return redirect(url_for(".edit", campaign_id=campaign.id))
    inbox = submissions.inbox(session, actor(), campaign, today()) if step == "close" else []
    return render_template("campaigns/confirm.html", campaign=campaign, step=step, form=form, inbox=inbox)


def _visible(campaign_id: int) -> Campaign:
    """The campaign, if the reader may see it (a draft only those who manage campaigns); 404 otherwise."""
    found = next((c for c in campaigns.visible_campaigns(get_session(), actor()) if c.id == campaign_id), None)
    if found is None:
        abort(404)
    return found


def _posted() -> dict[str, Any]:
    return {**{name: request.form.get(name, "") for name in FIELDS}, "districts": request.form.getlist("districts")}


def _suggested() -> dict[str, Any]:
    """A new campaign's form: the year after the newest campaign (this year at the earliest, next year once this
    year's deadline of 1 November has passed), inspected in September with the bundles due on 1 November as the
    city's notice has it, the newest published checklist, all nine districts."""
    session = get_session()
    versions = campaigns.published_versions(session)
    now = today()
    newest = max((c.starts_on.year for c in session.scalars(select(Campaign))), default=now.year - 1)
    year = max(now.year if now < date(now.year, 11, 1) else now.year + 1, newest + 1)
    return {
        "name": f"{year}年度自查验收",
        "starts_on": f"{year}-09-01",
        "deadline": f"{year}-11-01",
        "checklist_version": str(versions[0].id) if versions else "",
        "districts": [str(d.id) for d in _districts()],
    }


def _values_of(campaign: Campaign) -> dict[str, Any]:
    return {
        "name": campaign.name,
        "starts_on": campaign.starts_on.isoformat(),
        "deadline": campaign.deadline.isoformat(),
        "checklist_version": str(campaign.checklist_version_id),
        "districts": [str(d.id) for d in campaign.districts],
    }


def _districts() -> list[District]:
    return list(get_session().scalars(select(District).order_by(District.code)))


def _form_page(campaign: Campaign | None, values: dict[str, Any], errors: dict[str, str], form: FlaskForm):
    session = get_session()
    versions = campaigns.published_versions(session)
    if campaign is not None and all(v.id != campaign.checklist_version_id for v in versions):
        versions.append(campaign.checklist_version)  # the version it is scored on, published or not
    return render_template(
        "campaigns/form.html",
        campaign=campaign,
        values=values,
        errors=errors,
        form=form,
        versions=versions,
        districts=_districts(),
        draft=campaign is None or campaign.state is CampaignState.DRAFT,
        frozen=settings_refusal(campaign.state) if campaign else None,
        history=campaigns.campaign_history(session, actor(), campaign.id) if campaign else [],
    )
