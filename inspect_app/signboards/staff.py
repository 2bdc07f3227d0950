"""Use cases for what a station's plaque names: its staff (add, change, remove, reorder, portraits), the officer it
names instead of its 监管所's (set, clear), and the 监管所 officer's portrait. Each change is audited and walled to
the station's 旗区."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from sqlalchemy.orm import Session

from inspect_app.adapters.filestore import FileStore
from inspect_app.adapters.imaging import ACCEPTED, MAX_BYTES, PhotoRejected, portrait
from inspect_app.audit import trail as audit
from inspect_app.directory.operations import get_station
from inspect_app.domain.directory.signboards import STAFF_LIMIT
from inspect_app.domain.directory.staff import moved, parse_officer, parse_staff, portrait_stays
from inspect_app.domain.identity.permissions import Action, Actor
from inspect_app.housekeeping import stored_files
from inspect_app.models import Office, Station, StationStaff
from inspect_app.shared.errors import Invalid, NotFound
from inspect_app.signboards.plaques import plaque_facts

# What a file input offers to choose: the photo types the content checks accept (HEIC by name too, since some
# browsers know no type for it).
PHOTO_ACCEPT = ",".join([*ACCEPTED, ".heic", ".heif"])


@dataclass(frozen=True)
class Portrait:
    """What a form says of a portrait: new photo bytes (as uploaded), or that the current one goes, or neither."""

    data: bytes | None = None
    remove: bool = False
    max_bytes: int = MAX_BYTES

    @property
    def given(self) -> bool:
        return bool(self.data)


NO_PORTRAIT = Portrait()


def _framed(session: Session, store: FileStore, photo: Portrait) -> str | None:
    """The stored key of the uploaded photo cropped to the plaque's frame (the key's lock held until the commit);
    None when no photo was uploaded. Invalid, in Chinese, when the upload is no usable photo."""
    if not photo.given:
        return None
    try:
        framed = portrait(photo.data or b"", max_bytes=photo.max_bytes)
    except PhotoRejected as error:
        raise Invalid({"photo": f"照片未保存：{error}"}) from None
    return stored_files.put(session, store, framed, "jpg")


def _commit(session: Session, store: FileStore, written: str | None, replaced: str | None = None) -> None:
    """Commit the change, then remove the portrait it replaced unless some row still names it; on a failure take
    back the file just stored instead (again unless named elsewhere)."""
    try:
        session.commit()
    except BaseException:
        session.rollback()
        if written:
            stored_files.collect(session, store, [written])
        raise
    if replaced and replaced != written:
        stored_files.collect(session, store, [replaced])


def _station(session: Session, actor: Actor, station_id: int) -> Station:
    return get_station(session, actor, station_id, Action.EDIT_STATION)


def _member(station: Station, staff_id: int) -> StationStaff:
    found = next((s for s in station.staff if s.id == staff_id), None)
    if found is None:
        raise NotFound()
    return found


def _renumber(station: Station) -> None:
    for position, member in enumerate(station.staff):
        member.position = position


def _record(session: Session, actor: Actor, action: str, station: Station, details: dict[str, Any]) -> None:
    audit.record(session, actor, action, "station", station.id, station.district_id, details)


def add_staff(
    session: Session, actor: Actor, store: FileStore, station_id: int, raw: Mapping[str, Any], photo: Portrait
) -> StationStaff:
    """Add a member to the end of the station's staff (at most STAFF_LIMIT, what the plaque's frame holds)."""
    station = _station(session, actor, station_id)
    fields, errors = parse_staff(raw)
    if len(station.staff) >= STAFF_LIMIT:
        errors[""] = f"牌匾最多列出 {STAFF_LIMIT} 名工作人员，请先删除一人再添加"
    if fields is None or errors:
        raise Invalid(errors)
    key = _framed(session, store, photo)
    member = StationStaff(
        name=fields.name, duty=fields.duty, phone=fields.phone, photo_key=key, position=len(station.staff)
    )
    station.staff.append(member)
    session.flush()
    details = {"staff": member.id, "name": fields.name, "duty": fields.duty, "phone": fields.phone, "photo": key}
    _record(session, actor, "add_station_staff", station, details)
    _commit(session, store, key)
    return member


def update_staff(
    session: Session,
    actor: Actor,
    store: FileStore,
    station_id: int,
    staff_id: int,
    raw: Mapping[str, Any],
    photo: Portrait,
) -> StationStaff:
    """Change a member's name, duty or phone, and replace or remove the portrait."""
    station = _station(session, actor, station_id)
    member = _member(station, staff_id)
    fields, errors = parse_staff(raw)
    if fields is None:
        raise Invalid(errors)
    key = _framed(session, store, photo)
    changed: dict[str, Any] = {
        name: value
        for name, value in (("name", fields.name), ("duty", fields.duty), ("phone", fields.phone))
        if getattr(member, name) != value
    }
    renamed = not portrait_stays(member.name, fields.name)
    member.name, member.duty, member.phone = fields.name, fields.duty, fields.phone
    old = member.photo_key
    if key is not None or ((photo.remove or renamed) and old):
        changed["photo"] = key
        member.photo_key = key
    if changed:
        _record(session, actor, "update_station_staff", station, {"staff": member.id, **changed})
    _commit(session, store, key, old if "photo" in changed else None)
    return member


def remove_staff(session: Session, actor: Actor, store: FileStore, station_id: int, staff_id: int) -> str:
    """Take a member off the station's staff; the name removed. The portrait's file goes unless named elsewhere."""
    station = _station(session, actor, station_id)
    member = _member(station, staff_id)
    name = member.name
    station.staff.remove(member)
    _renumber(station)
    _record(session, actor, "remove_station_staff", station, {"staff": staff_id, "name": name})
    _commit(session, store, None, member.photo_key)
    return name


def move_staff(session: Session, actor: Actor, station_id: int, staff_id: int, step: int) -> None:
    """Move a member one place up (step -1) or down (+1) in the plaque's order."""
    station = _station(session, actor, station_id)
    _member(station, staff_id)
    if step not in (-1, 1):
        raise Invalid("请选择上移或下移")
    order = moved([s.id for s in station.staff], staff_id, step)
    if order == [s.id for s in station.staff]:
        return  # already first (or last): nothing to record
    by_id = {s.id: s for s in station.staff}
    for position, member_id in enumerate(order):
        by_id[member_id].position = position
    _record(session, actor, "move_station_staff", station, {"staff": staff_id, "order": order})
    session.commit()
    session.expire(station, ["staff"])  # the relationship's order follows the new positions


def set_officer(
    session: Session, actor: Actor, store: FileStore, station_id: int, raw: Mapping[str, Any], photo: Portrait
) -> Station:
    """Name the station's own responsible officer (instead of its 监管所's), with phone and portrait."""
    station = _station(session, actor, station_id)
    fields, errors = parse_officer(raw)
    if fields is None:
        raise Invalid(errors or {"name": "请填写责任监管人员姓名；不另行指定的，使用所属监管所的人员"})
    key = _framed(session, store, photo)
    changed: dict[str, Any] = {
        name: value
        for name, value in (("name", fields.name), ("phone", fields.phone))
        if getattr(station, f"officer_{name}") != value
    }
    renamed = not portrait_stays(station.officer_name, fields.name)
    station.officer_name, station.officer_phone = fields.name, fields.phone
    old = station.officer_photo_key
    if key is not None or ((photo.remove or renamed) and old):
        changed["photo"] = key
        station.officer_photo_key = key
    if changed:
        _record(session, actor, "set_station_officer", station, changed)
    _commit(session, store, key, old if "photo" in changed else None)
    return station


def clear_officer(session: Session, actor: Actor, store: FileStore, station_id: int) -> Station:
    """Stop naming an officer of the station's own: its plaque names its 监管所's officer again."""
    station = _station(session, actor, station_id)
    if not station.officer_name and not station.officer_photo_key:
        return station
    key, name = station.officer_photo_key, station.officer_name
    station.officer_name = station.officer_phone = station.officer_photo_key = None
    _record(session, actor, "clear_station_officer", station, {"name": name})
    _commit(session, store, None, key)
    return station


def office_portrait(session: Session, store: FileStore, office: Office, photo: Portrait) -> dict[str, Any]:
    """Put a new portrait on the office's officer, or take it off, in the caller's transaction (the office's edit,
    which audits and commits); what changed, for its audit entry. Invalid when the upload is no usable photo."""
    if photo.given and not (office.officer_name or "").strip():
        raise Invalid({"photo": "请先填写负责人姓名，再上传其照片"})
    key = _framed(session, store, photo)
    if key is None and not (photo.remove and office.officer_photo_key):
        return {}
    office.officer_photo_key = key
    return {"officer_photo": key}


def station_with_staff(session: Session, actor: Actor, station_id: int) -> Station:
    """The station whose plaque information is read (VIEW_DIRECTORY in its 旗区)."""
    return get_station(session, actor, station_id)


def officer_portrait_key(session: Session, actor: Actor, station_id: int) -> str:
    """The stored key of the portrait of the officer the station's plaque names (its own, else its 监管所's)."""
    officer = plaque_facts(station_with_staff(session, actor, station_id)).officer
    if officer is None or not officer.photo_key:
        raise NotFound()
    return officer.photo_key


def staff_portrait_key(session: Session, actor: Actor, station_id: int, staff_id: int) -> str:
    """The stored key of a staff member's portrait, for those who may see the station; NotFound without one."""
    member = _member(station_with_staff(session, actor, station_id), staff_id)
    if not member.photo_key:
        raise NotFound()
    return member.photo_key
