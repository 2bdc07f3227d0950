"""Use cases for the station directory (名录): search, view, create, edit, retire."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Mapping

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from inspect_app.campaigns.operations import current_campaign
from inspect_app.domain.directory.signboards import PlaqueWithdrawal
from inspect_app.domain.directory.stations import HostType, StationFields, StationStatus, parse_station
from inspect_app.domain.identity.permissions import Action, Actor, district_scope
from inspect_app.models import District, Inspection, Office, Station
from inspect_app.shared.access import require
from inspect_app.shared.errors import Invalid, NotFound
from inspect_app.signboards.plaques import withdraw

# The columns a station's fields map onto, in directory order. is_demonstration is not among them: only the
# city's confirmation sets it (demonstrations.decide_demonstration), never a form or an import.
STATION_COLUMNS = (
    "number",
    "name",
    "host_organisation",
    "credit_code",
    "host_type",
    "address",
    "latitude",
    "longitude",
    "head_name",
    "phone",
    "staff_full_time",
    "staff_part_time",
    "established_on",
    "is_odr",
    "status",
    "notes",
)


@dataclass(frozen=True)
class StationQuery:
    """Search text and filters of the directory list; empty values mean 'any'."""

    text: str = ""
    district_id: int | None = None
    host_type: HostType | None = None
    status: StationStatus | None = None
    is_odr: bool | None = None
    is_demonstration: bool | None = None  # confirmed by the city
    is_recommended: bool | None = None  # recommended by the district's leader in the current campaign
    include_retired: bool = False


@dataclass
class Page:
    items: list[Station]
    total: int
    number: int
    size: int
    recommended: set[int] = field(default_factory=set)  # ids of the items recommended in the current campaign
    pages: int = field(init=False)

    def __post_init__(self) -> None:
        self.pages = max(1, -(-self.total // self.size))


def _recommended(campaign_id: int | None) -> Select[int]:
    """The stations the leaders recommended as 示范站 in the campaign (none without a campaign)."""
    return select(Inspection.station_id).where(
        Inspection.is_own, Inspection.campaign_id == campaign_id, Inspection.recommended_demonstration.is_(True)
    )


def _current_campaign_id(session: Session) -> int | None:
    campaign = current_campaign(session)
    return campaign.id if campaign is not None else None


def _filtered(actor: Actor, query: StationQuery, campaign_id: int | None) -> Select[Station]:
    statement = select(Station)
    scope = district_scope(actor)
    if scope is not None:
        statement = statement.where(Station.district_id == scope)
    elif query.district_id:
        statement = statement.where(Station.district_id == query.district_id)
    text = query.text.strip()
    if text:
        statement = statement.where(
            or_(
                Station.name.icontains(text, autoescape=True),
                Station.number.icontains(text, autoescape=True),
                Station.host_organisation.icontains(text, autoescape=True),
                Station.credit_code.icontains(text, autoescape=True),
            )
        )
    if query.host_type:
        statement = statement.where(Station.host_type == query.host_type)
    if query.status:
        statement = statement.where(Station.status == query.status)
    elif not query.include_retired:
        statement = statement.where(Station.status != StationStatus.RETIRED)
    if query.is_odr is not None:
        statement = statement.where(Station.is_odr == query.is_odr)
    if query.is_demonstration is not None:
        statement = statement.where(Station.is_demonstration == query.is_demonstration)
    if query.is_recommended is not None:
        recommended = _recommended(campaign_id)
        statement = statement.where(
            Station.id.in_(recommended) if query.is_recommended else Station.id.not_in(recommended)
        )
    return statement


def search_stations(session: Session, actor: Actor, query: StationQuery, page: int = 1, size: int = 20) -> Page:
    """One page of the stations the actor may see that match the query."""
    require(actor, Action.VIEW_DIRECTORY)
    campaign_id = _current_campaign_id(session)
    statement = _filtered(actor, query, campaign_id)
    total = session.scalar(select(func.count()).select_from(statement.order_by(None).subquery())) or 0
    pages = max(1, -(-total // size))
    page = min(max(page, 1), pages)
    items = list(
        session.scalars(
            statement.options(joinedload(Station.district), joinedload(Station.office))
            .order_by(Station.district_id, Station.number)
            .limit(size)
            .offset((page - 1) * size)
        )
    )
    recommended = (
        set(session.scalars(_recommended(campaign_id).where(Inspection.station_id.in_([s.id for s in items]))))
        if items
        else set()
    )
    return Page(items, total, page, size, recommended)


def all_matching_stations(session: Session, actor: Actor, query: StationQuery) -> list[Station]:
    """Every station matching the query, for export."""
    require(actor, Action.EXPORT_DIRECTORY)
    statement = _filtered(actor, query, _current_campaign_id(session)).options(
        joinedload(Station.district), joinedload(Station.office), selectinload(Station.staff)
    )
    return list(session.scalars(statement.order_by(Station.district_id, Station.number)))


def get_station(session: Session, actor: Actor, station_id: int, action: Action = Action.VIEW_DIRECTORY) -> Station:
    """The station, if it exists and the actor may act on it; NotFound across 旗区."""
    station = session.get(Station, station_id)
    if station is None:
        raise NotFound()
    require(actor, action, station.district_id)
    return station


def districts_for(session: Session, actor: Actor) -> list[District]:
    """The districts the actor may choose from."""
    statement = select(District).order_by(District.code)
    scope = district_scope(actor)
    if scope is not None:
        statement = statement.where(District.id == scope)
    return list(session.scalars(statement))


def offices_by_district(session: Session, actor: Actor) -> dict[int, list[Office]]:
    result: dict[int, list[Office]] = {}
    district_ids = [d.id for d in districts_for(session, actor)]
    for office in session.scalars(select(Office).where(Office.district_id.in_(district_ids)).order_by(Office.name)):
        result.setdefault(office.district_id, []).append(office)
    return result


def resolve_district(session: Session, text: str) -> District | None:
    """A district by its code or its name (东胜区 or 150602)."""
    return session.scalar(select(District).where(or_(District.code == text, District.name == text)))


def apply_fields(station: Station, fields: StationFields, district: District, office: Office | None) -> bool:
    """Copy validated fields onto a station; True when anything changed."""
    changed = False
    for column in STATION_COLUMNS:
        value = getattr(fields, column)
        if getattr(station, column) != value:
            setattr(station, column, value)
            changed = True
    if station.status is StationStatus.RETIRED:
        withdraw(station, PlaqueWithdrawal.RETIRED)  # retired by a form or an import row: its plaque goes too
    if station.district_id != district.id:
        station.district = district
        station.district_id = district.id
        changed = True
    office_id = office.id if office is not None and office.id is not None else None
    if station.office_id != office_id or (office is not None and office.id is None):
        station.office = office
        changed = True
    return changed


def _validated(
    session: Session, actor: Actor, raw: Mapping[str, Any], today: date, station: Station | None
) -> tuple[StationFields, District, Office | None]:
    station_id = station.id if station is not None else None
    fields, errors = parse_station(raw, today, demonstration=station is not None and station.is_demonstration)
    if fields is None:
        raise Invalid(errors.messages)
    district = resolve_district(session, fields.district)
    if district is None:
        raise Invalid({"district": f"旗区“{fields.district}”不存在"})
    require(actor, Action.EDIT_STATION, district.id)
    office = None
    if fields.office:
        office = session.scalar(select(Office).where(Office.district_id == district.id, Office.name == fields.office))
        if office is None:
            raise Invalid({"office": f"{district.name}没有名为“{fields.office}”的监管所"})
    clash = session.scalar(select(Station.id).where(Station.number == fields.number))
    if clash is not None and clash != station_id:
        raise Invalid({"number": f"站点编号 {fields.number} 已被其他服务站使用"})
    return fields, district, office


def create_station(session: Session, actor: Actor, raw: Mapping[str, Any], today: date) -> Station:
    """Add a station to the directory after validating every field."""
    require(actor, Action.EDIT_STATION)
    fields, district, office = _validated(session, actor, raw, today, None)
    station = Station()
    apply_fields(station, fields, district, office)
    session.add(station)
    session.commit()
    return station


def update_station(session: Session, actor: Actor, station_id: int, raw: Mapping[str, Any], today: date) -> Station:
    """Change a station's fields; moving it to another 旗区 needs rights in both."""
    station = get_station(session, actor, station_id, Action.EDIT_STATION)
    fields, district, office = _validated(session, actor, raw, today, station)
    apply_fields(station, fields, district, office)
    session.commit()
    return station


def retire_station(session: Session, actor: Actor, station_id: int) -> Station:
    """Mark a station 已撤销; it stays in the directory's history but leaves the working lists."""
    station = get_station(session, actor, station_id, Action.EDIT_STATION)
    mark_retired(station)
    session.commit()
    return station


def mark_retired(station: Station) -> None:
    """Mark a station 已撤销 in the caller's transaction (Invalid when it already is)."""
    if station.status is StationStatus.RETIRED:
        raise Invalid("该服务站已撤销")
    station.status = StationStatus.RETIRED
    withdraw(station, PlaqueWithdrawal.RETIRED)


def station_form_values(station: Station) -> dict[str, Any]:
    """A station's fields as the raw values a form or import row would carry."""
    values = {column: getattr(station, column) for column in STATION_COLUMNS}
    values["district"] = station.district.code
    values["office"] = station.office.name if station.office else ""
    return values


def summary(session: Session, actor: Actor) -> dict[str, int]:
    """Counts for the home page: stations by status, ODR and demonstration, within the actor's scope."""
    statement = select(Station.status, Station.is_odr, Station.is_demonstration, func.count()).group_by(
        Station.status, Station.is_odr, Station.is_demonstration
    )
    scope = district_scope(actor)
    if scope is not None:
        statement = statement.where(Station.district_id == scope)
    counts = {"total": 0, "retired": 0, "rectifying": 0, "odr": 0, "demonstration": 0}
    for status, odr, demo, count in session.execute(statement):
        if status is StationStatus.RETIRED:
            counts["retired"] += count
            continue
        counts["total"] += count
        counts["rectifying"] += count if status is StationStatus.RECTIFYING else 0
        counts["odr"] += count if odr else 0
        counts["demonstration"] += count if demo else 0
    return counts
