"""What every view needs: the session, the password hasher, the signed-in actor, access checks, the campaign."""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import abort, current_app, make_response, render_template, request
from flask import session as cookie_session
from flask_login import current_user

from inspect_app.adapters.passwords import Passwords
from inspect_app.adapters.pki import SigningPin
from inspect_app.campaigns import operations as campaigns
from inspect_app.db import get_session
from inspect_app.directory.operations import districts_for
from inspect_app.domain.clock import BEIJING
from inspect_app.domain.identity.permissions import Action, Actor, district_scope
from inspect_app.domain.numbers import whole_number
from inspect_app.models import Campaign
from inspect_app.shared.access import require
from inspect_app.signing import keys

__all__ = ["get_session", "passwords", "actor", "allow", "chosen_campaign", "png_from_data_url", "today"]
CHOICE = "campaign_choice"  # where the chosen campaign is kept in the session cookie


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


@dataclass(frozen=True)
class CampaignChoice:
    """The campaign a page shows and the ones the reader may switch to (newest first)."""

    campaign: Campaign | None
    choices: list[Campaign]
    notice: str | None = None  # why nothing of it may change for the reader now (closed, not yet open, ...)

    def context(self) -> dict[str, Any]:
        return {"campaign": self.campaign, "campaign_choices": self.choices, "campaign_notice": self.notice}


def chosen_campaign(required: bool = False) -> CampaignChoice:
    """The campaign a page is about: `campaign=<id>` when asked (kept for the rest of this sign-in), else the one
    kept, else the newest open one (else the newest ever opened). A campaign the reader may not see is 404; with
    `required`, no campaign at all answers a page saying so."""
    choices = campaigns.visible_campaigns(get_session(), actor())
    asked = request.values.get("campaign")
    if asked is not None:
        found = next((c for c in choices if c.id == whole_number(asked)), None)
        if found is None:
            abort(404)
        cookie_session[CHOICE] = [_sign_in(), found.id]
    else:
        found = _kept(choices) or campaigns.default_campaign(choices)
    if found is None:
        if required:
            abort(make_response(render_template("campaigns/none.html", campaign_choices=choices), 404))
        return CampaignChoice(None, choices)
    return CampaignChoice(found, choices, campaigns.refusal(get_session(), found, district_scope(actor())))


def _kept(choices: list[Campaign]) -> Campaign | None:
    kept = cookie_session.get(CHOICE)
    if isinstance(kept, list) and len(kept) == 2 and kept[0] == _sign_in():
        return next((c for c in choices if c.id == kept[1]), None)
    return None


def _sign_in() -> str:
    # The choice lasts one sign-in: signing in again starts on the newest open campaign, where the work is.
    return hashlib.sha256((current_user.get_id() or "").encode()).hexdigest()[:16]


def signing_pin() -> SigningPin:
    """The signing PIN posted with a sign-off form."""
    return keys.signing_pin(request.form.get("pin", ""), current_app.config["PKI_CA_PASSPHRASE"])


def png_from_data_url(value: str) -> bytes:
    """The PNG bytes of a canvas's `data:image/png;base64,...` URL; empty when it is anything else."""
    prefix = "data:image/png;base64,"
    if not value.startswith(prefix):
        return b""
    try:
        return base64.b64decode(value[len(prefix) :], validate=True)
    except (binascii.Error, ValueError):
        return b""


def today() -> date:
    """Today where the users are: deadlines and dates in 鄂尔多斯 follow Beijing time, not the server's clock."""
    return datetime.now(BEIJING).date()
