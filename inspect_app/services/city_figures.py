"""The city's view of a campaign: every station's result, figures per district and city-wide, what goes wrong."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from ..domain.checklist import OUTCOME_LABELS, Outcome
from ..domain.figures import DONE, Figures, StationFact, figures, most_frequent
from ..domain.findings import FINDING_LABELS
from ..domain.inspections import NOT_STARTED_LABEL, InspectionStatus
from ..domain.permissions import Action, Actor
from ..domain.scoring import Verdict
from ..domain.stations import StationStatus
from ..domain.submissions import CITY_NAME
from ..models import Campaign, District, Inspection, InspectionAnswer, Photo, Station
from .access import require
from .campaigns import template_of
from .demonstrations import confirmed_station_ids


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


def dashboard(session: Session, actor: Actor, campaign: Campaign, district_id: int | None = None) -> Dashboard:
    """Figures of every district (or of one), with the most frequent findings and failed items."""
    require(actor, Action.VIEW_CITY)
    districts = list(session.scalars(select(District).order_by(District.code)))
    shown = [d for d in districts if district_id is None or d.id == district_id]
    ids = [d.id for d in shown]
    results = station_results(session, campaign, ids)
    facts = [StationFact(r.district_code, r.retired, r.is_odr, r.status, Outcome(r.outcome) if r.outcome else None,
                         r.score, r.recommended, r.confirmed) for r in results]
    per_district = [figures(d.name, [f for f in facts if f.district_code == d.code]) for d in shown]
    name = shown[0].name if district_id is not None and shown else CITY_NAME
    return Dashboard(campaign, shown[0] if district_id is not None and shown else None, per_district,
                     figures(name, facts), _findings(session, campaign, ids), _failed_items(session, campaign, ids),
                     results)


def station_results(session: Session, campaign: Campaign, district_ids: list[int]) -> list[StationResult]:
    """Every station of the districts that is in the directory or was inspected in the campaign."""
    inspections = {i.station_id: i for i in session.scalars(
        select(Inspection).join(Station).where(Inspection.campaign_id == campaign.id,
                                               Station.district_id.in_(district_ids)))}
    confirmed = confirmed_station_ids(session, campaign.id)
    stations = session.scalars(
        select(Station).where(Station.district_id.in_(district_ids),
                              or_(Station.status != StationStatus.RETIRED, Station.id.in_(list(inspections))))
        .options(selectinload(Station.district), selectinload(Station.office)).order_by(Station.number))
    results = []
    for station in stations:
        inspection = inspections.get(station.id)
        done = inspection is not None and inspection.status in DONE
        outcome = (inspection.outcome or Outcome.RECTIFY) if done else None
        state = OUTCOME_LABELS[outcome] if outcome else (inspection.status.label if inspection else NOT_STARTED_LABEL)
        results.append(StationResult(
            station.district.code, station.district.name, station.number, station.name, station.host_organisation,
            station.host_type.label, station.office.name if station.office else "", station.address,
            station.phone or "", station.latitude, station.longitude, station.is_odr,
            station.status is StationStatus.RETIRED, inspection.status if inspection else None, state,
            inspection.score if done else None, outcome.value if outcome else None,
            bool(done and inspection.recommended_demonstration), station.id in confirmed))
    return results


def _findings(session: Session, campaign: Campaign, district_ids: list[int]) -> list[tuple[str, int]]:
    rows = session.scalars(select(Photo.findings).join(Inspection, Photo.inspection_id == Inspection.id)
                           .join(Station, Inspection.station_id == Station.id)
                           .where(Inspection.campaign_id == campaign.id, Inspection.status.in_(DONE),
                                  Station.district_id.in_(district_ids)))
    return most_frequent(FINDING_LABELS.get(f.get("code"), str(f.get("code"))) for found in rows for f in found or [])


def _failed_items(session: Session, campaign: Campaign, district_ids: list[int]) -> list[tuple[str, int]]:
    texts = {item.code: f"{item.code} {item.text}" for item in template_of(campaign.checklist_version).items}
    codes = session.scalars(select(InspectionAnswer.item_code)
                            .join(Inspection, InspectionAnswer.inspection_id == Inspection.id)
                            .join(Station, Inspection.station_id == Station.id)
                            .where(Inspection.campaign_id == campaign.id, Inspection.status.in_(DONE),
                                   InspectionAnswer.verdict == Verdict.FAIL, Station.district_id.in_(district_ids)))
    return most_frequent(texts.get(code, code) for code in codes)
