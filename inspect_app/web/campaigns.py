"""Campaigns and the checklist each one is scored on (read-only for every role)."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import login_required

from ..domain.checklist import OUTCOME_LABELS
from ..domain.permissions import Action
from ..services import campaigns
from .context import allow, get_session

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns")


@bp.route("/")
@login_required
def index():
    allow(Action.VIEW_CAMPAIGNS)
    return render_template("campaigns/index.html", campaigns=campaigns.list_campaigns(get_session()))


@bp.route("/<id:campaign_id>/checklist")
@login_required
def checklist(campaign_id: int):
    allow(Action.VIEW_CAMPAIGNS)
    campaign = campaigns.get_campaign(get_session(), campaign_id)
    if campaign is None:
        abort(404)
    return render_template("campaigns/checklist.html", campaign=campaign,
                           template=campaigns.template_of(campaign.checklist_version), outcomes=OUTCOME_LABELS)
