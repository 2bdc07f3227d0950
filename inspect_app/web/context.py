"""What every view needs: the session, the password hasher, the signed-in actor, and access checks."""

from __future__ import annotations

from datetime import date

from flask import current_app
from flask_login import current_user

from ..db import get_session
from ..domain.permissions import Action, Actor
from ..passwords import Passwords
from ..services.access import require

__all__ = ["get_session", "passwords", "actor", "allow", "today"]


def passwords() -> Passwords:
    return current_app.extensions["passwords"]


def actor() -> Actor:
    return current_user.actor


def allow(action: Action, district_id: int | None = None) -> None:
    """Raise NotFound or Forbidden (answered 404 or 403) unless the signed-in user may do this."""
    require(actor(), action, district_id)


def today() -> date:
    return date.today()
