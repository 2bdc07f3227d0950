"""The landing page after sign-in, shaped by the user's role."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required

from inspect_app.directory import operations as directory
from inspect_app.web.context import actor, chosen_campaign, get_session

bp = Blueprint("home", __name__)


@bp.route("/")
@login_required
def index():
    session = get_session()
    return render_template(
        "home.html",
        summary=directory.summary(session, actor()),
        **chosen_campaign().context(),
    )
