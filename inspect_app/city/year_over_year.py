"""Year over year: which campaign came before, and what became of each station in the campaigns it was part of."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from typing import Iterable

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, selectinload

from inspect_app.domain.campaigns import CampaignState
from inspect_app.domain.evidence.year_over_year import FollowUpResult, PastResult
from inspect_app.domain.identity.permissions import Action, Actor
from inspect_app.models import Campaign, Inspection, Station
from inspect_app.shared.access import require


def _earlier(session: Session, campaign: Campaign) -> list[Campaign]:
    """Campaigns ever opened that started before this one (by start date, then by id), newest first."""
    return list(
        session.scalars(
            select(Campaign)
            .where(
                Campaign.state != CampaignState.DRAFT,
                or_(
                    Campaign.starts_on < campaign.starts_on,
                    and_(Campaign.starts_on == campaign.starts_on, Campaign.id < campaign.id),
                ),
            )
            .options(selectinload(Campaign.districts))
            .order_by(Campaign.starts_on.desc(), Campaign.id.desc())
        )
    )


def previous_campaigns(session: Session, campaign: Campaign, district_ids: Iterable[int]) -> dict[int, Campaign]:
    """District id → the newest earlier campaign that covered it, for the districts that had one."""
    earlier = _earlier(session, campaign)
    found = {d: next((c for c in earlier if c.covers(d)), None) for d in set(district_ids)}
    return {d: c for d, c in found.items() if c is not None}


def result_of(campaign: Campaign, inspection: Inspection | None) -> PastResult:
    if inspection is None:
        return PastResult(campaign.id, campaign.name, None, None, None, None)
    return PastResult(
        campaign.id,
        campaign.name,
        inspection.id,
        inspection.status,
        inspection.score,
        inspection.outcome,
        plaque_finding=inspection.plaque_finding,
    )


def previous_results(session: Session, campaign: Campaign, stations: list[Station]) -> dict[int, PastResult]:
    """Station id → its result in its district's previous campaign (未检查 when it was not inspected there)."""
    before = previous_campaigns(session, campaign, (s.district_id for s in stations))
    wanted: dict[int, list[int]] = defaultdict(list)  # previous campaign id → station ids
    for station in stations:
        if station.district_id in before:
            wanted[before[station.district_id].id].append(station.id)
    found = {}
    for campaign_id, ids in wanted.items():
        found.update(
            {
                (campaign_id, i.station_id): i
                for i in session.scalars(
                    select(Inspection).where(
                        Inspection.is_own, Inspection.campaign_id == campaign_id, Inspection.station_id.in_(ids)
                    )
                )
            }
        )
    return {
        s.id: result_of(before[s.district_id], found.get((before[s.district_id].id, s.id)))
        for s in stations
        if s.district_id in before
    }


def station_years(session: Session, actor: Actor, station: Station) -> list[PastResult]:
    """The station's result in every campaign it was inspected in, newest campaign first, each with the re-checks
    and spot checks that followed it (so a rectified station shows both scores)."""
    require(actor, Action.VIEW_INSPECTION, station.district_id)
    rows = session.execute(
        select(Campaign, Inspection)
        .join(Inspection, Inspection.campaign_id == Campaign.id)
        .where(Inspection.is_own, Inspection.station_id == station.id)
        .order_by(Campaign.starts_on.desc(), Campaign.id.desc())
    )
    later: dict[int, list[FollowUpResult]] = defaultdict(list)
    for f in session.scalars(
        select(Inspection)
        .where(~Inspection.is_own, Inspection.station_id == station.id)
        .order_by(Inspection.started_at, Inspection.id)
    ):
        later[f.campaign_id].append(FollowUpResult(f.id, f.kind, f.recheck_round, f.status, f.score, f.outcome))
    return [
        replace(result_of(campaign, inspection), follow_ups=tuple(later[campaign.id])) for campaign, inspection in rows
    ]
