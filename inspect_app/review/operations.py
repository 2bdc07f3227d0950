"""The leader's review of the district's inspections: overview, accept, return, recommend 示范站."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from inspect_app.bundles import operations as bundles
from inspect_app.campaigns.operations import require_changeable, template_of
from inspect_app.domain.checklists.checklist import Outcome
from inspect_app.domain.directory.stations import StationStatus
from inspect_app.domain.evidence.submissions import lock_message
from inspect_app.domain.findings import Finding
from inspect_app.domain.identity.permissions import Action, Actor
from inspect_app.domain.inspections import InspectionStatus, ReviewError, check_review, is_locked, may_recommend
from inspect_app.inspection.operations import audit_inspection, get_inspection
from inspect_app.inspection.photos import findings_of
from inspect_app.models import Campaign, Inspection, Photo, Station
from inspect_app.models.types import utcnow
from inspect_app.shared.access import require
from inspect_app.shared.errors import Invalid

SEVERITY_ORDER = {"error": 0, "warning": 1}


@dataclass(frozen=True)
class FlaggedPhoto:
    inspection: Inspection
    photo: Photo
    finding: Finding


@dataclass
class Overview:
    """The district's campaign at a glance."""

    stations: int
    inspections: list[Inspection]
    by_status: dict[str, int] = field(default_factory=dict)
    by_outcome: dict[str, int] = field(default_factory=dict)
    average_score: float | None = None
    flagged: list[FlaggedPhoto] = field(default_factory=list)

    @property
    def inspected(self) -> int:
        return len(self.inspections)


def district_overview(session: Session, actor: Actor, district_id: int, campaign: Campaign) -> Overview:
    """Counts, scores, outcomes and the photo findings of one district's campaign, worst findings first."""
    require(actor, Action.REVIEW, district_id)
    stations = (
        session.scalar(
            select(func.count())
            .select_from(Station)
            .where(Station.district_id == district_id, Station.status != StationStatus.RETIRED)
        )
        or 0
    )
    inspections = list(
        session.scalars(
            select(Inspection)
            .join(Station)
            .where(Station.district_id == district_id, Inspection.is_own, Inspection.campaign_id == campaign.id)
            .options(selectinload(Inspection.photos), selectinload(Inspection.station))
            .order_by(Station.number)
        )
    )
    overview = Overview(stations, inspections)
    done = [i for i in inspections if i.status in (InspectionStatus.SUBMITTED, InspectionStatus.ACCEPTED)]
    for inspection in inspections:
        overview.by_status[inspection.status.value] = overview.by_status.get(inspection.status.value, 0) + 1
    for inspection in done:
        key = inspection.outcome.value if inspection.outcome else Outcome.RECTIFY.value
        overview.by_outcome[key] = overview.by_outcome.get(key, 0) + 1
    if done:
        overview.average_score = round(sum(i.score for i in done) / len(done), 1)
    flagged = [FlaggedPhoto(i, p, f) for i in inspections for p in i.photos for f in findings_of(p)]
    overview.flagged = sorted(
        flagged, key=lambda x: (SEVERITY_ORDER.get(x.finding.severity, 2), x.inspection.station.number)
    )
    return overview


def review(session: Session, actor: Actor, inspection_id: int, decision: str, comment: str = "") -> Inspection:
    """Accept a submitted inspection, or return it to the inspector with what to correct."""
    inspection = get_inspection(session, actor, inspection_id, Action.REVIEW)
    _refuse_if_locked(session, inspection, "comment")
    comment = (comment or "").strip()
    try:
        check_review(inspection.status, decision, comment)
    except ReviewError as error:
        raise Invalid({"comment": str(error)}) from None
    inspection.reviewed_by_id, inspection.reviewed_at = actor.user_id, utcnow()
    if decision == "accept":
        inspection.status = InspectionStatus.ACCEPTED
        inspection.return_comment = None
    else:
        inspection.status = InspectionStatus.RETURNED
        inspection.return_comment = comment
        inspection.recommended_demonstration = False
    audit_inspection(session, actor, f"{decision}_inspection", inspection, comment=comment or None)
    session.commit()
    return inspection


def recommend(session: Session, actor: Actor, inspection_id: int, recommended: bool) -> Inspection:
    """Recommend (or stop recommending) the station as a 示范站 on the strength of this inspection."""
    inspection = get_inspection(session, actor, inspection_id, Action.REVIEW)
    _refuse_if_locked(session, inspection, "recommend")
    if recommended:
        bands = template_of(inspection.checklist_version).outcome_bands
        problem = may_recommend(inspection.status, inspection.outcome, bands)
        if problem:
            raise Invalid({"recommend": problem})
    inspection.recommended_demonstration = recommended
    audit_inspection(session, actor, "recommend_demonstration", inspection, recommended=recommended)
    session.commit()
    return inspection


def _refuse_if_locked(session: Session, inspection: Inspection, field: str) -> None:
    if not inspection.is_own:  # a re-check settles its order itself; a spot check is the city's
        raise Invalid({field: f"{inspection.kind.label}不经分管领导审核"})
    require_changeable(session, inspection.campaign_id, inspection.station.district_id)
    signed = bundles.signed_newest(session, inspection.station.district_id, inspection.campaign_id)
    if signed is not None and is_locked(inspection.status, inspection.reviewed_at, signed.signed_at):
        raise Invalid({field: lock_message(signed.version)})
