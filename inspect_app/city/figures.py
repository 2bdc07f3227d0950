"""The city's view of a campaign: every station's result, figures per district and city-wide, what goes wrong."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from inspect_app.campaigns.operations import template_of
from inspect_app.city.demonstrations import confirmed_station_ids
from inspect_app.city.year_over_year import previous_campaigns
from inspect_app.domain.checklists.checklist import OUTCOME_LABELS, Outcome
from inspect_app.domain.checklists.scoring import Verdict
from inspect_app.domain.clock import BEIJING
from inspect_app.domain.directory.stations import StationStatus
from inspect_app.domain.evidence.figures import DONE, Figures, StationFact, figures, most_frequent
from inspect_app.domain.evidence.submissions import CITY_NAME
from inspect_app.domain.evidence.year_over_year import Comparison, compare
from inspect_app.domain.findings import FINDING_LABELS
from inspect_app.domain.follow_up.orders import OrderCounts, combined
from inspect_app.domain.identity.permissions import Action, Actor
from inspect_app.domain.inspections import NOT_STARTED_LABEL, InspectionStatus
from inspect_app.follow_up import order_queries
from inspect_app.follow_up.spot_check_results import Reliabilities, reliability_of
from inspect_app.models import Campaign, District, Inspection, InspectionAnswer, Photo, Station
from inspect_app.shared.access import require

MIXED = "各旗区的上一批次"  # the city's comparison when its districts' previous campaigns differ


@dataclass(frozen=True)
class StationResult:
    """One station's line in the city's directory, exports and map."""

    district_code: str
    district_name: str
    number: str
    name: str
    host: str
    host_type: str
    office: str
    address: str
    phone: str
    latitude: float | None
    longitude: float | None
    is_odr: bool
    retired: bool
    status: InspectionStatus | None  # None: not inspected in the campaign
    state: str  # the outcome once submitted, else the inspection's state (进行中, 未检查...)
    score: float | None
    outcome: str | None  # Outcome value once submitted
    recommended: bool
    confirmed: bool


@dataclass(frozen=True)
class Dashboard:
    campaign: Campaign
    district: District | None  # None: the whole city
    districts: list[Figures]  # one per district shown, in code order
    total: Figures
    findings: list[tuple[str, int]]  # most frequent photo findings
    failed_items: list[tuple[str, int]]  # most often failed checklist items
    results: list[StationResult]
    previous: list[Figures | None] = field(default_factory=list)  # each district's previous campaign, if any
    changes: list[Comparison] = field(default_factory=list)  # 比上一批次, one per district shown
    total_change: Comparison = Comparison(None, None, None, None)
    reliability: Reliabilities | None = None  # the city's spot checks: each district's self-inspection reliability
    orders: list[OrderCounts] = field(default_factory=list)  # rectification orders, one per district shown
    orders_total: OrderCounts = OrderCounts()

    @property
    def order_rows(self) -> list[tuple[str, OrderCounts]]:
        """Each district shown with its order counts, then the whole (the city's, or the one district's)."""
        rows = list(zip([f.name for f in self.districts], self.orders)) if self.district is None else []
        return rows + [(self.total.name, self.orders_total)]

    @property
    def compared(self) -> bool:
        """True when some district had a campaign before this one."""
        return any(f is not None for f in self.previous)


def dashboard(session: Session, actor: Actor, campaign: Campaign, district_id: int | None = None) -> Dashboard:
    """Figures of every district the campaign covers (or of one), with the most frequent findings and failed
    items, and each district compared with its previous campaign."""
    require(actor, Action.VIEW_CITY)
    districts = list(session.scalars(select(District).order_by(District.code)))
    shown = [d for d in districts if campaign.covers(d.id) and (district_id is None or d.id == district_id)]
    ids = [d.id for d in shown]
    results = station_results(session, campaign, ids)
    facts = _facts(results)
    per_district = [figures(d.name, [f for f in facts if f.district_code == d.code]) for d in shown]
    name = shown[0].name if district_id is not None and shown else CITY_NAME
    total = figures(name, facts)
    before = previous_campaigns(session, campaign, ids)
    earlier = _previous_facts(session, before, shown)
    previous = [figures(d.name, earlier[d.code]) if d.id in before else None for d in shown]
    names = {c.name for c in before.values()}
    orders = order_queries.counts_by_district(session, campaign.id, ids, datetime.now(BEIJING).date())
    return Dashboard(
        campaign,
        shown[0] if district_id is not None and shown else None,
        per_district,
        total,
        _findings(session, campaign, ids),
        _failed_items(session, campaign, ids),
        results,
        previous,
        [
            compare(now, then, before[d.id].name if then else None)
            for d, now, then in zip(shown, per_district, previous)
        ],
        compare(
            total,
            figures(name, [f for found in earlier.values() for f in found]) if before else None,
            names.pop() if len(names) == 1 else MIXED,
        ),
        reliability_of(session, campaign, shown, name),
        [orders[d] for d in ids],
        combined(orders.values()),
    )


def _facts(results: list[StationResult]) -> list[StationFact]:
    return [
        StationFact(
            r.district_code,
            r.retired,
            r.is_odr,
            r.status,
            Outcome(r.outcome) if r.outcome else None,
            r.score,
            r.recommended,
            r.confirmed,
        )
        for r in results
    ]


def _previous_facts(
    session: Session, before: dict[int, Campaign], shown: list[District]
) -> dict[str, list[StationFact]]:
    """District code → its stations' facts in its previous campaign (one query per distinct campaign)."""
    found: dict[str, list[StationFact]] = {d.code: [] for d in shown}
    for campaign in {c.id: c for c in before.values()}.values():
        for fact in _facts(station_results(session, campaign, [d for d, c in before.items() if c.id == campaign.id])):
            found[fact.district_code].append(fact)
    return found


def station_results(session: Session, campaign: Campaign, district_ids: list[int]) -> list[StationResult]:
    """Every station of the districts that is in the directory or was inspected in the campaign."""
    inspections = {
        i.station_id: i
        for i in session.scalars(
            select(Inspection)
            .join(Station)
            .where(Inspection.is_own, Inspection.campaign_id == campaign.id, Station.district_id.in_(district_ids))
        )
    }
    confirmed = confirmed_station_ids(session, campaign.id)
    stations = session.scalars(
        select(Station)
        .where(
            Station.district_id.in_(district_ids),
            or_(Station.status != StationStatus.RETIRED, Station.id.in_(list(inspections))),
        )
        .options(selectinload(Station.district), selectinload(Station.office))
        .order_by(Station.number)
    )
    results = []
    for station in stations:
        inspection = inspections.get(station.id)
        done = inspection if inspection is not None and inspection.status in DONE else None
        outcome = (done.outcome or Outcome.RECTIFY) if done is not None else None
        state = OUTCOME_LABELS[outcome] if outcome else (inspection.status.label if inspection else NOT_STARTED_LABEL)
        results.append(
            StationResult(
                station.district.code,
                station.district.name,
                station.number,
                station.name,
                station.host_organisation,
                station.host_type.label,
                station.office.name if station.office else "",
                station.address,
                station.phone or "",
                station.latitude,
                station.longitude,
                station.is_odr,
                station.status is StationStatus.RETIRED,
                inspection.status if inspection else None,
                state,
                done.score if done is not None else None,
                outcome.value if outcome else None,
                bool(done is not None and done.recommended_demonstration),
                station.id in confirmed,
            )
        )
    return results


def _findings(session: Session, campaign: Campaign, district_ids: list[int]) -> list[tuple[str, int]]:
    rows = session.scalars(
        select(Photo.findings)
        .join(Inspection, Photo.inspection_id == Inspection.id)
        .join(Station, Inspection.station_id == Station.id)
        .where(
            Inspection.is_own,
            Inspection.campaign_id == campaign.id,
            Inspection.status.in_(DONE),
            Station.district_id.in_(district_ids),
        )
    )
    return most_frequent(FINDING_LABELS.get(f.get("code"), str(f.get("code"))) for found in rows for f in found or [])


def _failed_items(session: Session, campaign: Campaign, district_ids: list[int]) -> list[tuple[str, int]]:
    texts = {item.code: f"{item.code} {item.text}" for item in template_of(campaign.checklist_version).items}
    codes = session.scalars(
        select(InspectionAnswer.item_code)
        .join(Inspection, InspectionAnswer.inspection_id == Inspection.id)
        .join(Station, Inspection.station_id == Station.id)
        .where(
            Inspection.is_own,
            Inspection.campaign_id == campaign.id,
            Inspection.status.in_(DONE),
            InspectionAnswer.verdict == Verdict.FAIL,
            Station.district_id.in_(district_ids),
        )
    )
    return most_frequent(texts.get(code, code) for code in codes)
