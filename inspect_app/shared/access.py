"""Turn a permission decision into the service errors the web layer maps to 403 and 404."""

from __future__ import annotations

from inspect_app.domain.identity.permissions import Action, Actor, Decision, decide
from inspect_app.shared.errors import Forbidden, NotFound


def require(actor: Actor, action: Action, district_id: int | None = None) -> None:
    """Raise unless the actor may do `action` (on a thing of `district_id`)."""
    decision = decide(actor, action, district_id)
    if decision is Decision.NOT_FOUND:
        raise NotFound()
    if decision is Decision.FORBIDDEN:
        raise Forbidden()
