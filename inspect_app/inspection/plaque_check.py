"""The inspector's plaque check: the plaque on the station's wall, scanned (its QR code) or typed (the short code
printed under it), recorded on the inspection as evidence for the signboard items B1–B4."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from inspect_app.domain.clock import BEIJING
from inspect_app.domain.directory.signboards import (
    UNREADABLE_PLAQUE_CODE,
    PlaqueFinding,
    plaque_check_text,
    plaque_code_of,
    plaque_finding,
    shown_plaque_code,
)
from inspect_app.domain.identity.permissions import Actor
from inspect_app.inspection import operations as inspections
from inspect_app.models import Inspection
from inspect_app.models.types import utcnow
from inspect_app.shared.errors import Invalid
from inspect_app.signboards.plaques import find_plaque

CODE_LIMIT = 80  # the column's size; a QR code's whole address is longer than any token needs


@dataclass(frozen=True)
class PlaqueCheck:
    """A recorded plaque check as every reader shows it."""

    code: str
    shown_code: str
    finding: PlaqueFinding
    checked_at: datetime

    @property
    def text(self) -> str:
        local = self.checked_at.astimezone(BEIJING)
        return plaque_check_text(self.finding, self.code, f"{local.month}月{local.day}日 {local:%H:%M}")


def plaque_check_of(inspection: Inspection) -> PlaqueCheck | None:
    """The inspection's plaque check, if one is recorded."""
    if inspection.plaque_code is None or inspection.plaque_finding is None or inspection.plaque_checked_at is None:
        return None
    return PlaqueCheck(
        inspection.plaque_code,
        shown_plaque_code(inspection.plaque_code),
        inspection.plaque_finding,
        inspection.plaque_checked_at,
    )


def record_plaque_check(session: Session, actor: Actor, inspection_id: int, text: str) -> PlaqueCheck | None:
    """Record what the plaque scanned or typed on site turned out to be; empty text clears the check. Refused
    (nothing changes) for what is neither a QR code's token nor a short code, or an inspection that may not change."""
    inspection = inspections.editable_inspection(session, actor, inspection_id)
    text = (text or "").strip()
    if not text:
        if inspection.plaque_code is not None:
            inspection.plaque_code = inspection.plaque_finding = inspection.plaque_checked_at = None
            inspections.audit_inspection(session, actor, "clear_plaque_check", inspection)
            session.commit()
        return None
    code = plaque_code_of(text[:1000])
    if code is None or len(code) > CODE_LIMIT:
        raise Invalid({"plaque_code": UNREADABLE_PLAQUE_CODE})
    plaque = find_plaque(session, code)
    finding = plaque_finding(
        plaque.station_id if plaque is not None else None,
        plaque is not None and not plaque.is_current,
        inspection.station_id,
    )
    # A plaque found by its QR code is named by its short code, the one a reader can compare with the wall.
    inspection.plaque_code = plaque.short_code if plaque is not None else code
    inspection.plaque_finding = finding
    inspection.plaque_checked_at = utcnow()
    inspections.audit_inspection(
        session, actor, "check_plaque", inspection, code=inspection.plaque_code, finding=finding.value
    )
    session.commit()
    return plaque_check_of(inspection)
