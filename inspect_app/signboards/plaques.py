"""A station's plaques: the current one issued when its signboard is first printed, reissued on demand (the old
one's page then says it is no longer current), withdrawn when the station is retired; and a plaque found by the
token in its QR code or the short code printed under it."""

from __future__ import annotations

import secrets

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from inspect_app.audit import trail as audit
from inspect_app.domain.directory.signboards import (
    PUBLIC_PATH,
    SHORT_CODE_ALPHABET,
    SHORT_CODE_LENGTH,
    Person,
    PlaqueFacts,
    PlaqueWithdrawal,
    normalise_short_code,
    responsible_officer,
    token_in,
)
from inspect_app.domain.directory.stations import StationStatus
from inspect_app.domain.identity.permissions import Action, Actor
from inspect_app.models import Plaque, Station
from inspect_app.models.types import utcnow
from inspect_app.shared.access import require
from inspect_app.shared.errors import Invalid


def _new_code() -> str:
    return "".join(secrets.choice(SHORT_CODE_ALPHABET) for _ in range(SHORT_CODE_LENGTH))


def current_plaque(station: Station) -> Plaque | None:
    """The station's plaque now on its wall (as far as the directory knows), if one was ever issued."""
    return next((p for p in station.plaques if p.is_current), None)


ISSUED_MEANWHILE = "牌匾刚由另一请求生成或更换，未做改动：请刷新后重试"


def _issue(session: Session, station: Station, actor: Actor | None) -> Plaque:
    # No savepoint: on SQLite, releasing one that opened the transaction commits it, and a layout that failed
    # afterwards would leave the plaque issued. A clash (another request issued the station's current plaque a
    # moment ago; a new token or code taken, about never) undoes the caller's transaction and is refused: the
    # caller has laid out nothing with this plaque yet, and a second try finds the other one.
    plaque = Plaque(
        token=secrets.token_urlsafe(18),
        short_code=_new_code(),
        issued_by_id=actor.user_id if actor else None,
    )
    station.plaques.append(plaque)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise Invalid(ISSUED_MEANWHILE) from None
    return plaque


def plaque_for_printing(session: Session, actor: Actor | None, station: Station) -> Plaque:
    """The station's current plaque, issued now when it has none yet (in the caller's transaction)."""
    if station.status is StationStatus.RETIRED:
        raise Invalid("服务站已撤销，不再制作牌匾")
    plaque = current_plaque(station)
    if plaque is not None:
        return plaque
    plaque = _issue(session, station, actor)
    audit.record(
        session, actor, "issue_plaque", "station", station.id, station.district_id, {"code": plaque.short_code}
    )
    return plaque


def withdraw(station: Station, reason: PlaqueWithdrawal) -> Plaque | None:
    """Take the station's current plaque out of use (in the caller's transaction); the plaque withdrawn, if any."""
    plaque = current_plaque(station)
    if plaque is not None:
        plaque.withdrawn_at = utcnow()
        plaque.withdrawn_reason = reason
    return plaque


def reissue_plaque(session: Session, actor: Actor, station: Station) -> Plaque:
    """A new plaque for the station (lost, damaged or outdated): the old one's QR code and short code stop naming
    the current plaque, and the new one is printed next."""
    require(actor, Action.EDIT_STATION, station.district_id)
    if station.status is StationStatus.RETIRED:
        raise Invalid("服务站已撤销，不再制作牌匾")
    old = withdraw(station, PlaqueWithdrawal.REISSUED)
    session.flush()
    plaque = _issue(session, station, actor)
    details = {"code": plaque.short_code, "replaces": old.short_code if old else None}
    audit.record(session, actor, "reissue_plaque", "station", station.id, station.district_id, details)
    session.commit()
    return plaque


def find_plaque(session: Session, text: str) -> Plaque | None:
    """The plaque a scanned QR code (the public page's address, or its token) or a typed short code names."""
    token, code = token_in(text), normalise_short_code(text)
    if token is None and code is None:
        return None
    conditions = []
    if token is not None:
        conditions.append(Plaque.token == token)
    if code is not None:
        conditions.append(Plaque.short_code == code)
    return session.scalar(select(Plaque).where(or_(*conditions)))


def plaque_facts(station: Station) -> PlaqueFacts:
    """What the station's plaque would show: its staff and the officer responsible (the station's, else its
    监管所's)."""
    office = station.office
    own = (
        Person(station.officer_name, station.officer_phone, station.officer_photo_key) if station.officer_name else None
    )
    of_office = (
        Person(office.officer_name, office.officer_phone, office.officer_photo_key)
        if office is not None and office.officer_name
        else None
    )
    return PlaqueFacts(
        name=station.name,
        retired=station.status is StationStatus.RETIRED,
        demonstration=station.is_demonstration,
        staff=tuple(Person(s.name, s.phone, s.photo_key, s.duty) for s in station.staff),
        officer=responsible_officer(own, of_office),
    )


def public_address(base_url: str, plaque: Plaque) -> str:
    """The address of the plaque's public page (what its QR code holds): the site's base address and the token."""
    return base_url.rstrip("/") + PUBLIC_PATH + plaque.token
