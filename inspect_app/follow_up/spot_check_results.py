"""What became of the sample: each city inspector's stations, each spot check compared with the district's own
inspection, and each district's self-inspection reliability."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from inspect_app.campaigns.checklists import template_of
from inspect_app.domain.checklists.checklist import OUTCOME_LABELS, Outcome
from inspect_app.domain.checklists.scoring import score
from inspect_app.domain.evidence.figures import DONE, share_text
from inspect_app.domain.follow_up import spot_checks as rules
from inspect_app.domain.identity.permissions import Action, Actor
from inspect_app.domain.inspections import NOT_STARTED_LABEL, InspectionKind, InspectionStatus
from inspect_app.inspection.operations import answers_of
from inspect_app.models import Campaign, District, Inspection, Station
from inspect_app.models.follow_up import SampledStation, SpotCheckSample
from inspect_app.shared.access import require

NOT_ASSIGNED_LABEL = "未指派"


@dataclass(frozen=True)
class Assignment:
    """A sampled station on a city inspector's list, with the state of its spot check."""

    sampled_station_id: int
    station: Station
    district_name: str
    district_outcome: str  # the district's outcome the station was drawn under, as a label
    inspection_id: int | None  # the spot check, once opened
    status: InspectionStatus | None

    @property
    def state(self) -> str:
        return self.status.label if self.status else NOT_STARTED_LABEL


def assigned_to(session: Session, actor: Actor, campaign: Campaign) -> list[Assignment]:
    """The signed-in city inspector's sampled stations in the campaign, by district and station number."""
    require(actor, Action.SPOT_CHECK)
    rows = session.scalars(
        select(SampledStation)
        .join(SpotCheckSample)
        .join(Station, SampledStation.station_id == Station.id)
        .join(District, SampledStation.district_id == District.id)
        .where(SpotCheckSample.campaign_id == campaign.id, SampledStation.inspector_id == actor.user_id)
        .options(selectinload(SampledStation.station).selectinload(Station.district))
        .order_by(District.code, Station.number)
    ).all()
    checks = _spot_checks(session, campaign.id, [r.station_id for r in rows])
    return [
        Assignment(
            r.id,
            r.station,
            r.station.district.name,
            OUTCOME_LABELS[Outcome(r.outcome)],
            checks[r.station_id].id if r.station_id in checks else None,
            checks[r.station_id].status if r.station_id in checks else None,
        )
        for r in rows
    ]


def _spot_checks(session: Session, campaign_id: int, station_ids: Sequence[int]) -> dict[int, Inspection]:
    found = session.scalars(
        select(Inspection)
        .where(
            Inspection.kind == InspectionKind.SPOT_CHECK,
            Inspection.campaign_id == campaign_id,
            Inspection.station_id.in_(list(station_ids)),
        )
        .options(
            selectinload(Inspection.answers),
            selectinload(Inspection.inspector),
            selectinload(Inspection.follows).selectinload(Inspection.answers),
        )
    )
    return {i.station_id: i for i in found}


def _own_inspections(session: Session, campaign_id: int, station_ids: Sequence[int]) -> dict[int, Inspection]:
    found = session.scalars(
        select(Inspection)
        .where(Inspection.is_own, Inspection.campaign_id == campaign_id, Inspection.station_id.in_(list(station_ids)))
        .options(selectinload(Inspection.answers))
    )
    return {i.station_id: i for i in found}


def compare_inspections(own: Inspection, spot: Inspection) -> rules.Comparison:
    """The spot check against the district's own inspection, both scored exactly from their answers."""
    template = template_of(own.checklist_version)
    mine, theirs = answers_of(own), answers_of(spot)
    d, c = score(template, mine), score(template_of(spot.checklist_version), theirs)
    return rules.compare(template, (d.score, d.outcome, mine), (c.score, c.outcome, theirs))


@dataclass(frozen=True)
class SampledResult:
    """A sampled station: who checks it, how far its spot check got, and once submitted its comparison."""

    sampled: SampledStation
    station: Station
    district: District
    own: Inspection | None
    spot: Inspection | None
    comparison: rules.Comparison | None

    @property
    def drawn_outcome_label(self) -> str:
        """The district's outcome the station was drawn under."""
        return OUTCOME_LABELS[Outcome(self.sampled.outcome)]

    @property
    def state(self) -> str:
        if self.spot is not None:
            return self.spot.status.label
        return NOT_STARTED_LABEL if self.sampled.inspector_id else NOT_ASSIGNED_LABEL


@dataclass(frozen=True)
class DistrictReliability:
    """A district's reliability figure: stations sampled, and over the spot checks submitted the domain figure."""

    district_id: int
    name: str
    sampled: int
    figure: rules.Reliability

    @property
    def share_text(self) -> str:
        return share_text(float(self.figure.share_matched)) if self.figure.checked else "—"

    @property
    def difference_text(self) -> str:
        return rules.points_text(self.figure.mean_absolute_difference) if self.figure.checked else "—"


@dataclass(frozen=True)
class SpotCheckResults:
    rows: list[SampledResult]
    districts: list[DistrictReliability]  # the districts with sampled stations, in code order
    total: DistrictReliability  # the whole city


def results(session: Session, campaign: Campaign) -> SpotCheckResults:
    """Every sampled station with its spot check and comparison, and the reliability per district and city-wide
    (no access check: for the use cases and figures that made theirs)."""
    rows = session.scalars(
        select(SampledStation)
        .join(SpotCheckSample)
        .join(Station, SampledStation.station_id == Station.id)
        .join(District, SampledStation.district_id == District.id)
        .where(SpotCheckSample.campaign_id == campaign.id)
        .options(
            selectinload(SampledStation.station).selectinload(Station.district), selectinload(SampledStation.inspector)
        )
        .order_by(District.code, Station.number)
    ).all()
    ids = [r.station_id for r in rows]
    spots, owns = _spot_checks(session, campaign.id, ids), _own_inspections(session, campaign.id, ids)
    found = []
    for r in rows:
        spot = spots.get(r.station_id)
        # The spot check names the inspection it follows; the district's own of the station is the same one.
        own = owns.get(r.station_id) if spot is None or spot.follows is None else spot.follows
        done = own is not None and spot is not None and spot.status in DONE
        comparison = compare_inspections(own, spot) if done and own is not None and spot is not None else None
        found.append(SampledResult(r, r.station, r.station.district, own, spot, comparison))
    districts: dict[int, list[SampledResult]] = {}
    for result in found:
        districts.setdefault(result.district.id, []).append(result)
    figures = [_reliability(group[0].district.id, group[0].district.name, group) for group in districts.values()]
    return SpotCheckResults(found, figures, _reliability(0, "全市", found))


def _reliability(district_id: int, name: str, group: Sequence[SampledResult]) -> DistrictReliability:
    compared = [r.comparison for r in group if r.comparison is not None]
    return DistrictReliability(district_id, name, len(group), rules.reliability(compared))


def comparisons(session: Session, actor: Actor, campaign: Campaign) -> SpotCheckResults:
    """For the city: every submitted spot check compared with the district's own inspection, and per district the
    reliability figure."""
    require(actor, Action.MANAGE_SPOT_CHECKS)
    return results(session, campaign)


@dataclass(frozen=True)
class Reliabilities:
    """The reliability figures of some districts (in the order asked, sampled or not) and of them together."""

    districts: list[DistrictReliability]
    total: DistrictReliability

    @property
    def sampled(self) -> bool:
        return self.total.sampled > 0


def reliability_of(session: Session, campaign: Campaign, districts: Sequence[District], name: str) -> Reliabilities:
    """The figures of `districts` and of them together as `name`, for the city's dashboard and report (which
    checked access)."""
    found = results(session, campaign)
    shown = {d.id for d in districts}
    rows = [r for r in found.rows if r.district.id in shown]
    return Reliabilities(
        [_reliability(d.id, d.name, [r for r in rows if r.district.id == d.id]) for d in districts],
        _reliability(0, name, rows),
    )
