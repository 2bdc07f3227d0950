"""Use cases for the 市场监管所 of each 旗区: list with their stations, create, edit, retire an unused one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from inspect_app.adapters.filestore import FileStore
from inspect_app.audit import trail as audit
from inspect_app.domain.directory.offices import OfficeFields, parse_office
from inspect_app.domain.directory.staff import portrait_stays
from inspect_app.domain.identity.permissions import Action, Actor
from inspect_app.housekeeping import stored_files
from inspect_app.models import District, Office, Station
from inspect_app.shared.access import require
from inspect_app.shared.errors import Invalid, NotFound
from inspect_app.signboards.staff import NO_PORTRAIT, Portrait, office_portrait


@dataclass(frozen=True)
class OfficeRow:
    office: Office
    stations: int  # stations of the directory that name it, retired ones too


def list_offices(session: Session, actor: Actor, district_id: int | None = None) -> list[OfficeRow]:
    """Every office (of one 旗区), by 旗区 and name, with how many stations name it."""
    require(actor, Action.MANAGE_OFFICES)
    counts = (
        select(Station.office_id, func.count().label("n"))
        .where(Station.office_id.is_not(None))
        .group_by(Station.office_id)
        .subquery()
    )
    statement = (
        select(Office, func.coalesce(counts.c.n, 0))
        .join(District)
        .outerjoin(counts, counts.c.office_id == Office.id)
        .order_by(District.code, Office.name)
    )
    if district_id is not None:
        statement = statement.where(Office.district_id == district_id)
    return [OfficeRow(office, stations) for office, stations in session.execute(statement).all()]


def get_office(session: Session, actor: Actor, office_id: int) -> Office:
    require(actor, Action.MANAGE_OFFICES)
    office = session.get(Office, office_id)
    if office is None:
        raise NotFound()
    return office


def _checked(session: Session, district_id: int, raw: Mapping[str, Any], office_id: int | None) -> OfficeFields:
    fields, errors = parse_office(raw)
    if fields is not None:
        clash = session.scalar(select(Office.id).where(Office.district_id == district_id, Office.name == fields.name))
        if clash is not None and clash != office_id:
            errors["name"] = f"本旗区已有名为“{fields.name}”的监管所"
    if errors or fields is None:
        raise Invalid(errors)
    return fields


def _apply(office: Office, fields: OfficeFields) -> dict[str, Any]:
    changed = {}
    for name in ("name", "address", "officer_name", "officer_phone"):
        value = getattr(fields, name)
        if getattr(office, name) != value:
            changed[name] = value
            setattr(office, name, value)
    return changed


def _commit(session: Session) -> None:
    try:
        session.commit()
    except IntegrityError as error:
        session.rollback()  # the same name saved meanwhile (by the directory import, or another admin)
        raise Invalid({"name": "本旗区刚刚新建了同名的监管所，请刷新后重试"}) from error


def create_office(session: Session, actor: Actor, district_code: str, raw: Mapping[str, Any]) -> Office:
    """Add an office to a 旗区."""
    require(actor, Action.MANAGE_OFFICES)
    district = session.scalar(select(District).where(District.code == (district_code or "")))
    if district is None:
        raise Invalid({"district": "请选择所属旗区", **parse_office(raw)[1]})
    fields = _checked(session, district.id, raw, None)
    office = Office(district=district)
    _apply(office, fields)
    session.add(office)
    session.flush()
    audit.record(session, actor, "create_office", "office", office.id, district.id, {"name": office.name})
    _commit(session)
    return office


def update_office(
    session: Session,
    actor: Actor,
    office_id: int,
    raw: Mapping[str, Any],
    store: FileStore | None = None,
    photo: Portrait = NO_PORTRAIT,
) -> Office:
    """Change an office's name, address or responsible officer and the officer's portrait (the one the plaques of
    its stations show); the stations naming it follow a new name. No officer left, no portrait either."""
    office = get_office(session, actor, office_id)
    fields = _checked(session, office.district_id, raw, office.id)
    replaced, before = office.officer_photo_key, office.officer_name
    changed = _apply(office, fields)
    if replaced and not photo.given and not portrait_stays(before, fields.officer_name):
        photo = Portrait(remove=True)  # no officer any more, or another one: the portrait was of the one before
    if store is not None:
        changed |= office_portrait(session, store, office, photo)
    if changed:
        audit.record(session, actor, "update_office", "office", office.id, office.district_id, changed)
        written = changed.get("officer_photo")
        try:
            _commit(session)
        except BaseException:
            session.rollback()
            if written and store is not None:
                stored_files.collect(session, store, [written])  # a portrait no row came to name
            raise
        if "officer_photo" in changed and replaced and store is not None:
            stored_files.collect(session, store, [replaced])
    return office


def retire_office(session: Session, actor: Actor, office_id: int) -> str:
    """Remove an office no station names (one that stations name stays: their records would lose it); its name."""
    office = get_office(session, actor, office_id)
    used = session.scalar(select(func.count()).select_from(Station).where(Station.office_id == office.id))
    if used:
        raise Invalid(f"名录中有{used}个服务站属于{office.name}，不能撤销；请先把这些服务站改到其他监管所")
    name, district_id = office.name, office.district_id
    audit.record(session, actor, "retire_office", "office", office.id, district_id, {"name": name})
    session.delete(office)
    try:
        session.commit()
    except IntegrityError as error:
        session.rollback()  # a station was given this office meanwhile
        raise Invalid(f"{name}刚刚被服务站使用，不能撤销") from error
    return name
