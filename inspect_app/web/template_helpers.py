"""Names and helpers every template may use."""

from __future__ import annotations

from flask import Flask
from flask_login import current_user

from inspect_app.domain.clock import BEIJING
from inspect_app.domain.directory.stations import HOST_TYPE_LABELS, STATUS_LABELS, HostType, StationStatus
from inspect_app.domain.identity.permissions import Action, Role, may
from inspect_app.domain.offline import offline_rules
from inspect_app.domain.todo import kinds_for


def _can(action: str, district_id: int | None = None) -> bool:
    if not current_user.is_authenticated:
        return False
    return may(current_user.actor, Action(action), district_id)


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        can=_can,
        HostType=HostType,
        StationStatus=StationStatus,
        HOST_TYPE_LABELS=HOST_TYPE_LABELS,
        STATUS_LABELS=STATUS_LABELS,
        Role=Role,
        offline_rules=offline_rules,  # the labels rules.js shows, for the pages that score with it
        APP_TITLE="12315服务站验收",
        china=BEIJING,
        todo_kinds=kinds_for,  # whether the role has a to-do list (the navigation's 待办)
    )
