"""The admin's area under /admin: one blueprint, whose pages live beside their features.

Accounts (accounts/admin_views.py, accounts/import_views.py), certificates (signing/views.py) and the 市场监管所
(directory/office_views.py) each add their routes here; the factory imports them before registering it.
"""

from __future__ import annotations

from flask import Blueprint
from flask_login import login_required

from inspect_app.domain.identity.permissions import Action
from inspect_app.web.context import allow

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def _admins_only():
    allow(Action.MANAGE_USERS)
