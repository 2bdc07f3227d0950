"""The public station page behind a plaque's QR code: what anyone who scans it may read, found by the plaque's
token alone. Nothing here names a row id, a finding, a score or an evidence photo; a token that is not a plaque's
is simply not found."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from inspect_app.domain.clock import BEIJING
from inspect_app.domain.directory.public_page import (
    ACCEPTED,
    NO_ACCEPTANCE,
    PUBLIC_OUTCOME_LABELS,
    RETIRED_NOTICE,
    WITHDRAWN_NOTICE,
    PageKind,
    page_kind,
)
from inspect_app.domain.directory.signboards import HOTLINE, TOKEN_PATTERN, Person, PlaqueWithdrawal
from inspect_app.domain.directory.stations import StationStatus
from inspect_app.domain.inspections import InspectionStatus
from inspect_app.models import Inspection, Plaque, Station
from inspect_app.signboards.plaques import plaque_facts


@dataclass(frozen=True)
class PublicPerson:
    """Someone the plaque names, as the public page shows them."""

    name: str
    duty: str | None
    phone: str | None
    # Names the portrait's content (a piece of its content-addressed key), so that its address changes with it and
    # a phone's cached copy never puts one face beside another's name after a reorder or a new photo; None: none.
    portrait_version: str | None

    @property
    def has_portrait(self) -> bool:
        return self.portrait_version is not None


@dataclass(frozen=True)
class Acceptance:
    """The district's last accepted inspection of the station: when, and with what outcome."""

    on: date
    outcome: str


@dataclass(frozen=True)
class PublicStation:
    """Everything the public page shows for one token; what a form of the page does not show is left empty."""

    kind: PageKind
    name: str
    status: str  # 在册, 整改中 or 已撤销
    status_key: str  # the same as a word for the stylesheet: registered, rectifying or retired
    notice: str | None = None
    host_organisation: str | None = None
    address: str | None = None
    demonstration: bool = False
    staff: tuple[PublicPerson, ...] = ()
    officer: PublicPerson | None = None
    last_acceptance: Acceptance | None = None
    no_acceptance: str = NO_ACCEPTANCE
    retired_on: date | None = None
    hotline: str = HOTLINE


def _plaque(session: Session, token: str) -> tuple[Plaque, Station] | None:
    if not TOKEN_PATTERN.match(token or ""):
        return None
    plaque = session.scalar(select(Plaque).where(Plaque.token == token))
    if plaque is None:
        return None
    station = session.get(Station, plaque.station_id)
    return (plaque, station) if station is not None else None


def _beijing_date(moment: datetime | None) -> date | None:
    return moment.astimezone(BEIJING).date() if moment is not None else None


def _retired_on(station: Station) -> date | None:
    # The day its plaque was withdrawn for the retirement; a station retired before any plaque has no such day.
    moments = [p.withdrawn_at for p in station.plaques if p.withdrawn_reason is PlaqueWithdrawal.RETIRED]
    return _beijing_date(max((m for m in moments if m is not None), default=None))


def _last_acceptance(session: Session, station: Station) -> Acceptance | None:
    # The district's own inspection, once its leader accepted it (review.review): re-checks and the city's spot
    # checks are not the station's acceptance.
    inspection = session.scalar(
        select(Inspection)
        .where(
            Inspection.station_id == station.id,
            Inspection.is_own,
            Inspection.status == InspectionStatus.ACCEPTED,
        )
        .order_by(Inspection.reviewed_at.desc().nulls_last(), Inspection.id.desc())
        .limit(1)
    )
    if inspection is None:
        return None
    on = _beijing_date(inspection.reviewed_at or inspection.submitted_at or inspection.started_at)
    assert on is not None
    return Acceptance(on, PUBLIC_OUTCOME_LABELS[inspection.outcome] if inspection.outcome else ACCEPTED)


def _public(person: Person) -> PublicPerson:
    version = person.photo_key.rsplit("/", 1)[-1][:12] if person.photo_key else None
    return PublicPerson(person.name, person.duty, person.phone, version)


def public_station(session: Session, token: str) -> PublicStation | None:
    """What the page at a plaque's address shows (None when no plaque has this token)."""
    found = _plaque(session, token)
    if found is None:
        return None
    plaque, station = found
    kind = page_kind(plaque.is_current, station.status is StationStatus.RETIRED)
    if kind is PageKind.RETIRED:
        retired = StationStatus.RETIRED
        return PublicStation(
            kind, station.name, retired.label, retired.value, RETIRED_NOTICE, retired_on=_retired_on(station)
        )
    if kind is PageKind.WITHDRAWN:
        return PublicStation(kind, station.name, station.status.label, station.status.value, WITHDRAWN_NOTICE)
    facts = plaque_facts(station)
    return PublicStation(
        kind,
        station.name,
        station.status.label,
        station.status.value,
        host_organisation=station.host_organisation,
        address=station.address,
        demonstration=station.is_demonstration,
        staff=tuple(_public(p) for p in facts.staff),
        officer=_public(facts.officer) if facts.officer else None,
        last_acceptance=_last_acceptance(session, station),
    )


def portrait_key(session: Session, token: str, staff_number: int | None) -> str | None:
    """The stored portrait of the n-th staff member (from 1, in the plaque's order), or of the officer when
    `staff_number` is None, that the current plaque of a live station names; None for anything else."""
    found = _plaque(session, token)
    if found is None:
        return None
    plaque, station = found
    if page_kind(plaque.is_current, station.status is StationStatus.RETIRED) is not PageKind.CURRENT:
        return None
    facts = plaque_facts(station)
    if staff_number is None:
        return facts.officer.photo_key if facts.officer else None
    if not 1 <= staff_number <= len(facts.staff):
        return None
    return facts.staff[staff_number - 1].photo_key
