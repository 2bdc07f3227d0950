"""Print-ready signboards: which of a district's stations can have their plaque printed (and what the others still
lack), one station's plaque as a PDF, and a district's batch in one PDF for the print shop. Printing issues the
station's plaque (its QR code's token and short code) the first time, and records who printed what."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from inspect_app.adapters.filestore import FileStore
from inspect_app.adapters.pdf.report import create_pdf
from inspect_app.adapters.pdf.report_html import file_url, signboards_html
from inspect_app.adapters.qr import qr_data_uri
from inspect_app.audit import trail as audit
from inspect_app.bundles.report.data import bureau_name
from inspect_app.domain.directory.signboards import (
    PaperSize,
    Person,
    PlaqueFacts,
    SignboardKind,
    plaque_gaps,
    printed_short_code,
)
from inspect_app.domain.directory.stations import StationStatus
from inspect_app.domain.identity.permissions import Action, Actor
from inspect_app.models import District, Plaque, Station
from inspect_app.shared.access import require
from inspect_app.shared.errors import Invalid, NotFound
from inspect_app.signboards.plaques import (
    current_plaque,
    plaque_facts,
    plaque_for_printing,
    public_address,
    reissue_plaque,
)

# The paper, in mm, and the root font size the plaque's lengths are counted in: A4 is A3 scaled by 1/√2.
PAGE_HEIGHT_MM = {PaperSize.A3: 420, PaperSize.A4: 297}
ROOT_PT = {PaperSize.A3: 10.0, PaperSize.A4: 10.0 / 2**0.5}
# A name longer than this takes three lines at 64 pt: it is set at 60 pt (13 characters a line), and under it six
# portraits are made a little smaller, so that the plaque keeps to one page.
LONG_NAME = 24


@dataclass(frozen=True)
class Readiness:
    """A station of the district and what its plaques still lack, per kind (empty: ready to print)."""

    station: Station
    gaps: dict[SignboardKind, list[str]]
    plaque: Plaque | None

    @property
    def ready(self) -> bool:
        return not self.gaps[SignboardKind.STATION]

    @property
    def printed_code(self) -> str | None:
        """The current plaque's short code as printed under its QR code."""
        return printed_short_code(self.plaque.short_code) if self.plaque else None


@dataclass(frozen=True)
class Batch:
    """A district's signboards in one PDF, and the stations left out with what they lack."""

    pdf: bytes
    printed: list[Station]
    skipped: list[tuple[Station, list[str]]]


@dataclass(frozen=True)
class PrintedPerson:
    name: str
    duty: str | None
    phone: str | None
    photo_url: str


@dataclass(frozen=True)
class Board:
    """One plaque as the template prints it."""

    kind: SignboardKind
    name: str
    host: str
    address: str
    staff: tuple[PrintedPerson, ...]
    officer: PrintedPerson
    office: str
    qr: str
    short_code: str
    bureau: str
    issued_on: datetime

    @property
    def long_name(self) -> bool:
        return len(self.name) > LONG_NAME

    @property
    def crowded(self) -> bool:
        return self.long_name and len(self.staff) > 4

    @property
    def roomy(self) -> bool:
        return not self.long_name and len(self.staff) <= 4


def gaps_of(store: FileStore, facts: PlaqueFacts, kind: SignboardKind) -> list[str]:
    """plaque_gaps, and a portrait whose file the store no longer holds (it would print as a blank frame)."""
    gaps = plaque_gaps(facts, kind)
    people = [("工作人员", person) for person in facts.staff]
    if facts.officer is not None:
        people.append(("责任监管人员", facts.officer))
    for role, person in people:
        if person.photo_key and not store.exists(person.photo_key):
            gaps.append(f"{role}{person.name}的照片文件已丢失，请重新上传")
    return gaps


def readiness(session: Session, actor: Actor, store: FileStore, district_id: int) -> list[Readiness]:
    """The district's stations in the directory (retired ones left out), each with what its plaques still lack."""
    require(actor, Action.PRINT_SIGNBOARDS, district_id)
    return [
        Readiness(
            station,
            {kind: gaps_of(store, plaque_facts(station), kind) for kind in SignboardKind},
            current_plaque(station),
        )
        for station in _stations(session, district_id)
    ]


def station_pdf(
    session: Session,
    actor: Actor,
    store: FileStore,
    station_id: int,
    kind: SignboardKind,
    size: PaperSize,
    base_url: str,
) -> tuple[Station, bytes]:
    """One station's plaque as a one-page PDF; refused, with what it lacks, when it cannot be printed yet."""
    station = session.get(Station, station_id)
    if station is None:
        raise NotFound()
    require(actor, Action.PRINT_SIGNBOARDS, station.district_id)
    gaps = gaps_of(store, plaque_facts(station), kind)
    if gaps:
        raise Invalid({str(number): gap for number, gap in enumerate(gaps)})
    pdf = _print(session, actor, store, [station], kind, size, base_url)
    return station, pdf


def district_batch(
    session: Session,
    actor: Actor,
    store: FileStore,
    district_id: int,
    kind: SignboardKind,
    size: PaperSize,
    base_url: str,
) -> Batch:
    """The plaques of the district's stations that can be printed, one a page in one PDF for the print shop; the
    stations left out are listed with what they lack (a retired station is not listed: it has no plaque)."""
    require(actor, Action.PRINT_SIGNBOARDS, district_id)
    ready: list[Station] = []
    skipped: list[tuple[Station, list[str]]] = []
    for station in _stations(session, district_id):
        facts = plaque_facts(station)
        if kind is SignboardKind.DEMONSTRATION and not facts.demonstration:
            continue  # 附件2 is for confirmed 示范站 only: the others are not missing anything for it
        gaps = gaps_of(store, facts, kind)
        if gaps:
            skipped.append((station, gaps))
        else:
            ready.append(station)
    if not ready:
        raise Invalid(f"没有可以制作{kind.label}牌匾（{kind.attachment}）的服务站")
    return Batch(_print(session, actor, store, ready, kind, size, base_url), ready, skipped)


def reissue(session: Session, actor: Actor, station_id: int) -> Plaque:
    """A new plaque for a station whose plaque was printed before (lost, damaged or outdated); the old one's page
    then says it is no longer current."""
    station = session.get(Station, station_id)
    if station is None:
        raise NotFound()
    require(actor, Action.EDIT_STATION, station.district_id)
    if current_plaque(station) is None:
        raise Invalid("本站还没有打印过牌匾，直接打印即可，无需重新制作")
    return reissue_plaque(session, actor, station)


def _stations(session: Session, district_id: int) -> list[Station]:
    if session.get(District, district_id) is None:
        raise NotFound()
    statement = (
        select(Station)
        .where(Station.district_id == district_id, Station.status != StationStatus.RETIRED)
        .options(selectinload(Station.staff), selectinload(Station.plaques), selectinload(Station.office))
        .order_by(Station.number)
    )
    return list(session.scalars(statement))


def _print(
    session: Session,
    actor: Actor,
    store: FileStore,
    stations: list[Station],
    kind: SignboardKind,
    size: PaperSize,
    base_url: str,
) -> bytes:
    """Issue each station's plaque when it has none yet, lay the plaques out, and commit the plaques with the
    printing's audit entry (a layout that fails leaves no plaque issued)."""
    try:
        boards = [
            _board(store, station, plaque_for_printing(session, actor, station), kind, base_url) for station in stations
        ]
        title = f"{kind.attachment} 12315{kind.label}标识标志牌（{size.value}）"
        html = signboards_html(
            boards=boards,
            size=size.value,
            title=title,
            page_height_mm=PAGE_HEIGHT_MM[size],
            root_pt=f"{ROOT_PT[size]:.3f}",
        )
        pdf = create_pdf(html)
    except Exception:
        session.rollback()
        raise
    district_id = stations[0].district_id
    details = {"kind": kind.value, "size": size.value, "stations": [s.number for s in stations]}
    target = stations[0].id if len(stations) == 1 else None
    audit.record(
        session,
        actor,
        "print_signboards",
        "station" if target else "district",
        target or district_id,
        district_id,
        details,
    )
    session.commit()
    return pdf


def _board(store: FileStore, station: Station, plaque: Plaque, kind: SignboardKind, base_url: str) -> Board:
    facts = plaque_facts(station)
    assert facts.officer is not None  # refused before, by plaque_gaps
    return Board(
        kind=kind,
        name=station.name,
        host=station.host_organisation,
        address=station.address or "",
        staff=tuple(_person(store, person) for person in facts.staff),
        officer=_person(store, facts.officer),
        office=station.office.name if station.office else "",
        qr=qr_data_uri(public_address(base_url, plaque)),
        short_code=printed_short_code(plaque.short_code),
        bureau=bureau_name(station.district.name),
        issued_on=plaque.issued_at,
    )


def _person(store: FileStore, person: Person) -> PrintedPerson:
    assert person.photo_key is not None  # refused before, by plaque_gaps
    return PrintedPerson(person.name, person.duty, person.phone, file_url(Path(store.local_path(person.photo_key))))
