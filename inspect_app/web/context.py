"""What every view needs: the session, the password hasher, the signed-in actor, and access checks."""

from __future__ import annotations

import base64
import binascii
from datetime import date, datetime

from flask import abort, current_app, request
from flask_login import current_user

from ..db import get_session
from ..domain.findings import BEIJING
from ..domain.permissions import Action, Actor, district_scope
from ..passwords import Passwords
from ..pki import SigningPin
from ..services import keys
from ..services.access import require
from ..services.directory import districts_for

__all__ = ["get_session", "passwords", "actor", "allow", "png_from_data_url", "today"]


def passwords() -> Passwords:
    return current_app.extensions["passwords"]


def actor() -> Actor:
    return current_user.actor


def allow(action: Action, district_id: int | None = None) -> None:
    """Raise NotFound or Forbidden (answered 404 or 403) unless the signed-in user may do this."""
    require(actor(), action, district_id)


def chosen_district():
    """The district a page is about: a district role's own, or the one asked for (404 when not visible)."""
    districts = districts_for(get_session(), actor())
    wanted = district_scope(actor()) or request.values.get("district", type=int) or districts[0].id
    district = next((d for d in districts if d.id == wanted), None)
    if district is None:
        abort(404)
    return district, districts


def signing_pin() -> SigningPin:
    """The signing PIN posted with a sign-off form."""
    return keys.signing_pin(request.form.get("pin", ""), current_app.config["PKI_CA_PASSPHRASE"])


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
    """Today where the users are: deadlines and dates in 鄂尔多斯 follow Beijing time, not the server's clock."""
    return datetime.now(BEIJING).date()
