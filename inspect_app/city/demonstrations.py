"""The city's word on the 示范站 the districts recommended: candidates, confirm or decline."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from inspect_app.audit import trail as audit
from inspect_app.campaigns.operations import current_campaign, require_changeable
from inspect_app.domain.directory.stations import recommendation_text
from inspect_app.domain.evidence.submissions import SubmissionStatus
from inspect_app.domain.identity.permissions import Action, Actor
from inspect_app.domain.inspections import InspectionStatus
from inspect_app.models import DemonstrationDecision, Inspection, Station, Submission
from inspect_app.models.types import utcnow
from inspect_app.shared.access import require
from inspect_app.shared.errors import Invalid, NotFound

RECEIVED = (SubmissionStatus.SUBMITTED, SubmissionStatus.ACCEPTED)


@dataclass(frozen=True)
class Candidate:
    station: Station
    inspection: Inspection
    decision: DemonstrationDecision | None

    @property
    def confirmed(self) -> bool:
        return self.decision is not None and self.decision.confirmed


def _received_districts(session: Session, campaign_id: int) -> set[int]:
    """Districts whose newest submission is with the city or accepted: their recommendations have arrived."""
    newest: dict[int, Submission] = {}
    for row in session.scalars(
        select(Submission).where(Submission.campaign_id == campaign_id).order_by(Submission.version)
    ):
        newest[row.district_id] = row
    return {district for district, row in newest.items() if row.status in RECEIVED}


def candidates(session: Session, actor: Actor, campaign_id: int, district_id: int | None = None) -> list[Candidate]:
    """Stations recommended by their district in a bundle the city received, with the city's decision."""
    require(actor, Action.VIEW_CITY)
    districts = _received_districts(session, campaign_id)
    if district_id is not None:
        districts &= {district_id}
    if not districts:
        return []
    rows = session.execute(
        select(Station, Inspection)
        .join(Inspection, Inspection.station_id == Station.id)
        .where(
            Inspection.is_own,
            Inspection.campaign_id == campaign_id,
            Inspection.recommended_demonstration.is_(True),
            Inspection.status == InspectionStatus.ACCEPTED,
            Station.district_id.in_(districts),
        )
        .options(selectinload(Station.district))
        .order_by(Station.number)
    ).all()
    decisions = {
        d.station_id: d
        for d in session.scalars(select(DemonstrationDecision).where(DemonstrationDecision.campaign_id == campaign_id))
    }
    return [Candidate(station, inspection, decisions.get(station.id)) for station, inspection in rows]


def decide_demonstration(
    session: Session, actor: Actor, campaign_id: int, station_id: int, confirmed: bool
) -> DemonstrationDecision:
    """Confirm (or decline) a recommended station as 示范站; a confirmed station is marked so in the directory."""
    require(actor, Action.RECEIVE_BUNDLES)
    station = session.get(Station, station_id)
    if station is None:
        raise NotFound()
    require_changeable(session, campaign_id, station.district_id)
    if not any(c.station.id == station_id for c in candidates(session, actor, campaign_id, station.district_id)):
        raise Invalid("该服务站不在旗区报送的示范站推荐名单中")
    decision = session.scalar(
        select(DemonstrationDecision).where(
            DemonstrationDecision.campaign_id == campaign_id, DemonstrationDecision.station_id == station_id
        )
    )
    assert actor.user_id is not None  # decided_by_id is NOT NULL: the commit would refuse a decision by nobody
    if decision is None:
        decision = DemonstrationDecision(
            campaign_id=campaign_id, station_id=station_id, confirmed=confirmed, decided_by_id=actor.user_id
        )
        session.add(decision)
    decision.confirmed, decision.decided_by_id, decision.decided_at = confirmed, actor.user_id, utcnow()
    station.is_demonstration = confirmed
    audit.record(
        session,
        actor,
        "confirm_demonstration",
        "station",
        station.id,
        station.district_id,
        {"campaign": campaign_id, "confirmed": confirmed},
    )
    session.commit()
    return decision


def confirmed_station_ids(session: Session, campaign_id: int) -> set[int]:
    """Stations the city confirmed as 示范站 in the campaign."""
    return set(
        session.scalars(
            select(DemonstrationDecision.station_id).where(
                DemonstrationDecision.campaign_id == campaign_id, DemonstrationDecision.confirmed.is_(True)
            )
        )
    )


@dataclass(frozen=True)
class Standing:
    """A station as 示范站: the city's confirmation, and apart from it the current campaign's recommendation."""

    confirmed: bool  # Station.is_demonstration, which only decide_demonstration sets
    campaign_name: str | None
    recommended: bool  # by the district's leader in the current campaign
    decision: bool | None  # the city's word on that recommendation; None while it waits

    @property
    def recommendation(self) -> str | None:
        """The recommendation in words, e.g. 2026年度自查验收：旗区已推荐，待市中心确认."""
        return recommendation_text(self.campaign_name, self.recommended, self.decision)


def standing(session: Session, actor: Actor, station: Station) -> Standing:
    """Where the station stands as 示范站, for its directory page."""
    require(actor, Action.VIEW_DIRECTORY, station.district_id)
    campaign = current_campaign(session)
    if campaign is None:
        return Standing(station.is_demonstration, None, False, None)
    recommended = bool(
        session.scalar(
            select(Inspection.recommended_demonstration).where(
                Inspection.is_own, Inspection.campaign_id == campaign.id, Inspection.station_id == station.id
            )
        )
    )
    decision = session.scalar(
        select(DemonstrationDecision.confirmed).where(
            DemonstrationDecision.campaign_id == campaign.id, DemonstrationDecision.station_id == station.id
        )
    )
    return Standing(station.is_demonstration, campaign.name, recommended, decision)
