"""The city's spot-check sample (抽查): draw it from the districts' own inspections, show how it was drawn, assign
its stations to city inspectors."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, selectinload

from inspect_app.audit import trail as audit
from inspect_app.campaigns.operations import require_changeable
from inspect_app.domain.checklists.checklist import OUTCOME_LABELS, Outcome
from inspect_app.domain.evidence.figures import DONE
from inspect_app.domain.follow_up import spot_checks as rules
from inspect_app.domain.identity.permissions import Action, Actor, Role
from inspect_app.domain.inspections import InspectionKind
from inspect_app.models import Campaign, District, Inspection, Station, User
from inspect_app.models.follow_up import SampledStation, SpotCheckSample
from inspect_app.models.types import utcnow
from inspect_app.shared.access import require
from inspect_app.shared.errors import Invalid, NotFound

SEED_BITS = 48  # a seed of up to 15 digits: short enough to copy by hand, far too many to choose one's sample by
STARTED = "本批次已有服务站开始市级抽查，样本不能再重新抽取"
NO_CANDIDATES = "本批次还没有已提交或已审核通过的旗区检查，无法抽取样本"
NOT_A_CITY_INSPECTOR = "请选择一名在用的市级检查员"


def candidates(session: Session, campaign: Campaign) -> list[rules.Candidate]:
    """The stations a sample is drawn from: the districts' own inspections submitted or accepted, each with the
    district's outcome (a submitted inspection without one counts as 需整改, as the figures count it)."""
    rows = session.execute(
        select(Inspection.station_id, District.code, Inspection.outcome)
        .join(Station, Inspection.station_id == Station.id)
        .join(District, Station.district_id == District.id)
        .where(Inspection.is_own, Inspection.campaign_id == campaign.id, Inspection.status.in_(DONE))
    )
    return [rules.Candidate(station_id, code, outcome or Outcome.RECTIFY) for station_id, code, outcome in rows]


def sample_of(session: Session, campaign_id: int) -> SpotCheckSample | None:
    """The campaign's sample with its stations, or None before the first draw."""
    return session.scalar(
        select(SpotCheckSample)
        .where(SpotCheckSample.campaign_id == campaign_id)
        .options(selectinload(SpotCheckSample.stations).selectinload(SampledStation.station))
    )


def has_started(session: Session, campaign_id: int) -> bool:
    """True once any station's spot check in the campaign was opened."""
    return bool(
        session.scalar(
            select(exists().where(Inspection.kind == InspectionKind.SPOT_CHECK, Inspection.campaign_id == campaign_id))
        )
    )


def draw_sample(session: Session, actor: Actor, campaign: Campaign, percent: int | None) -> SpotCheckSample:
    """Draw (or, while no spot check of it has started, draw again) the campaign's stratified sample under a new
    seed from `secrets`; the seed, the percentage and the strata are kept so anyone can redo the draw."""
    require(actor, Action.MANAGE_SPOT_CHECKS)
    require_changeable(session, campaign.id)
    if percent is None:
        raise Invalid({"percent": f"请填写抽查比例（{rules.MIN_PERCENT}至{rules.MAX_PERCENT}的整数）"})
    try:
        rules.check_percent(percent)
    except rules.SampleError as error:
        raise Invalid({"percent": str(error)}) from None
    # Locking the sample row (PostgreSQL; SQLite's writer lock is taken by the first write) keeps two draws apart.
    sample = session.scalar(select(SpotCheckSample).where(SpotCheckSample.campaign_id == campaign.id).with_for_update())
    if sample is not None and has_started(session, campaign.id):
        session.rollback()
        raise Invalid({"percent": STARTED})
    found = candidates(session, campaign)
    if not found:
        session.rollback()
        raise Invalid({"percent": NO_CANDIDATES})
    seed = secrets.randbits(SEED_BITS)
    drawn = rules.draw_sample(found, percent, seed)
    district_ids = {code: id_ for code, id_ in session.execute(select(District.code, District.id))}
    pools: dict[tuple[str, Outcome], list[int]] = {}
    for candidate in found:
        pools.setdefault((candidate.district, candidate.outcome), []).append(candidate.station_id)
    redraw = sample is not None
    if sample is None:
        sample = SpotCheckSample(campaign_id=campaign.id)
        session.add(sample)
    else:
        sample.stations.clear()
        session.flush()  # the old rows go before the new ones, which may name the same stations
    assert actor.user_id is not None  # a signed-in person draws, never the system
    sample.seed, sample.percent = str(seed), percent
    sample.drawn_at, sample.drawn_by_id = utcnow(), actor.user_id
    sample.strata = [_stratum_json(s, district_ids[s.district], pools[(s.district, s.outcome)]) for s in drawn.strata]
    for stratum in drawn.strata:
        for station_id in stratum.drawn:
            sample.stations.append(
                SampledStation(
                    station_id=station_id,
                    district_id=district_ids[stratum.district],
                    outcome=stratum.outcome.value,
                    rank=rules.draw_rank(seed, stratum.district, stratum.outcome, station_id),
                )
            )
    session.flush()
    audit.record(
        session,
        actor,
        "draw_spot_check_sample",
        "spot_check_sample",
        sample.id,
        None,
        {
            "campaign": campaign.name,
            "seed": sample.seed,
            "percent": percent,
            "stations": len(drawn.station_ids),
            "redraw": redraw,
        },
    )
    session.commit()
    return sample


def _stratum_json(stratum: rules.Stratum, district_id: int, pool: list[int]) -> dict[str, Any]:
    return {
        "district": stratum.district,
        "district_id": district_id,
        "outcome": stratum.outcome.value,
        "available": stratum.available,
        "drawn": list(stratum.drawn),
        "pool": sorted(set(pool)),  # every station it was drawn from, so the draw can be redone later
    }


@dataclass(frozen=True)
class Ranked:
    """A station of a stratum's pool with its rank (the SHA-256 that orders the draw)."""

    station_id: int
    number: str
    name: str
    rank: str
    drawn: bool


@dataclass(frozen=True)
class StratumView:
    """One district × outcome stratum as the sample page shows it."""

    district: str
    district_name: str
    outcome: Outcome
    available: int
    drawn: int
    pool: list[Ranked]  # lowest rank first: the first `drawn` of them are the ones drawn

    @property
    def outcome_label(self) -> str:
        return OUTCOME_LABELS[self.outcome]


def strata_of(session: Session, actor: Actor, sample: SpotCheckSample) -> list[StratumView]:
    """How the sample was drawn: each stratum with its stations ranked as the draw ranked them."""
    require(actor, Action.MANAGE_SPOT_CHECKS)
    seed = int(sample.seed)
    ids = {i for s in sample.strata for i in s.get("pool", s["drawn"])}
    stations = {s.id: s for s in session.scalars(select(Station).where(Station.id.in_(ids)))}
    names = {code: name for code, name in session.execute(select(District.code, District.name))}
    views = []
    for s in sample.strata:
        outcome, drawn = Outcome(s["outcome"]), set(s["drawn"])
        ranked = sorted(
            (
                Ranked(
                    i,
                    stations[i].number,
                    stations[i].name,
                    rules.draw_rank(seed, s["district"], outcome, i),
                    i in drawn,
                )
                for i in s.get("pool", s["drawn"])
                if i in stations
            ),
            key=lambda r: r.rank,
        )
        views.append(
            StratumView(
                s["district"], names.get(s["district"], s["district"]), outcome, s["available"], len(drawn), ranked
            )
        )
    return views


def city_inspectors(session: Session, actor: Actor) -> list[User]:
    """The active city inspectors a sampled station may be assigned to."""
    require(actor, Action.MANAGE_SPOT_CHECKS)
    return list(
        session.scalars(
            select(User).where(User.role == Role.CITY_INSPECTOR, User.active.is_(True)).order_by(User.username)
        )
    )


def spot_check_of(session: Session, campaign_id: int, station_id: int) -> Inspection | None:
    """The station's spot check in the campaign, if one was opened."""
    return session.scalar(
        select(Inspection).where(
            Inspection.kind == InspectionKind.SPOT_CHECK,
            Inspection.campaign_id == campaign_id,
            Inspection.station_id == station_id,
        )
    )


def assignment_of(session: Session, actor: Actor, campaign_id: int, station_id: int) -> SampledStation:
    """The signed-in city inspector's sampled station in the campaign, the one a spot check may be opened for; NotFound
    for a station not sampled or given to someone else. (Opening the spot check should lock the sample's row, as
    draw_sample does, so that a redraw and a first spot check cannot cross.)"""
    require(actor, Action.SPOT_CHECK)
    sampled = session.scalar(
        select(SampledStation)
        .join(SpotCheckSample)
        .where(
            SpotCheckSample.campaign_id == campaign_id,
            SampledStation.station_id == station_id,
            SampledStation.inspector_id == actor.user_id,
        )
    )
    if sampled is None:
        raise NotFound()
    return sampled


def assign(session: Session, actor: Actor, sampled_station_id: int, inspector_id: int | None) -> SampledStation:
    """Give a sampled station to a city inspector; once its spot check has started it stays with whoever started it."""
    require(actor, Action.MANAGE_SPOT_CHECKS)
    sampled = session.get(SampledStation, sampled_station_id)
    if sampled is None:
        raise NotFound()
    require_changeable(session, sampled.sample.campaign_id)
    inspector = session.get(User, inspector_id) if inspector_id is not None else None
    if inspector is None or inspector.role is not Role.CITY_INSPECTOR or not inspector.active:
        raise Invalid({"inspector": NOT_A_CITY_INSPECTOR})
    started = spot_check_of(session, sampled.sample.campaign_id, sampled.station_id)
    if started is not None and started.inspector_id != inspector.id:
        raise Invalid({"inspector": f"{sampled.station.name}的抽查已由{started.inspector.display_name}开始，不能改派"})
    sampled.inspector_id = inspector.id
    audit.record(
        session,
        actor,
        "assign_spot_check",
        "sampled_station",
        sampled.id,
        sampled.district_id,
        {"station": sampled.station.number, "inspector": inspector.username},
    )
    session.commit()
    return sampled
