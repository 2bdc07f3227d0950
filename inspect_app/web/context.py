"""What every view needs: the session, the password hasher, the signed-in actor, and access checks."""

from __future__ import annotations

import base64
import binascii
from datetime import date

from flask import current_app
from flask_login import current_user

from ..db import get_session
from ..domain.permissions import Action, Actor
from ..passwords import Passwords
from ..services.access import require

__all__ = ["get_session", "passwords", "actor", "allow", "png_from_data_url", "today"]


def passwords() -> Passwords:
    return current_app.extensions["passwords"]


def actor() -> Actor:
    return current_user.actor


def allow(action: Action, district_id: int | None = None) -> None:
    """Raise NotFound or Forbidden (answered 404 or 403) unless the signed-in user may do this."""
    require(actor(), action, district_id)


def png_from_data_url(value: str) -> bytes:
    """The PNG bytes of a canvas's `data:image/png;base64,...` URL; empty when it is anything else."""
    prefix = "data:image/png;base64,"
    if not value.startswith(prefix):
        return b""
    try:
        return base64.b64decode(value[len(prefix):], validate=True)
    except (binascii.Error, ValueError):
        return b""


def today() -> date:
    return date.today()
