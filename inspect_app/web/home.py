"""The landing page after sign-in, shaped by the user's role: what waits for the user (待办) comes first."""

from __future__ import annotations

from flask import Blueprint, current_app, g, render_template
from flask_login import current_user, login_required
from sqlalchemy.exc import SQLAlchemyError

from inspect_app.directory import operations as directory
from inspect_app.domain.todo import Count, Item, count
from inspect_app.todo import items as todo
from inspect_app.web.context import actor, chosen_campaign, get_session, today

bp = Blueprint("home", __name__)


def todo_items() -> list[Item]:
    """The signed-in user's to-do items, collected once per request (the home page and the badge share them)."""
    if "todo_items" not in g:
        g.todo_items = todo.items_for(get_session(), current_user, today())
    return g.todo_items


def _todo_count() -> Count | None:
    # Only pages rendered from templates ask, and only when base.html shows the badge: JSON answers never do.
    if not current_user.is_authenticated:
        return None
    try:
        return count(todo_items())
    except SQLAlchemyError:  # an error page after a failed statement still renders, without the badge
        current_app.logger.exception("to-do count failed")
        get_session().rollback()
        return None


@bp.app_context_processor
def _badge() -> dict[str, object]:
    return {"todo_count": _todo_count}


@bp.route("/")
@login_required
def index():
    session = get_session()
    return render_template(
        "home.html",
        summary=directory.summary(session, actor()),
        todo_items=todo_items(),
        **chosen_campaign().context(),
    )
