"""What the district's evidence report (report.pdf) shows, gathered from the database as plain view-models."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from inspect_app.adapters.filestore import FileStore, MissingFile
from inspect_app.campaigns.operations import template_of
from inspect_app.domain.checklists.checklist import OUTCOME_LABELS, ChecklistTemplate, Outcome
from inspect_app.domain.checklists.scoring import Answer, Verdict, earned
from inspect_app.domain.directory.stations import StationStatus
from inspect_app.domain.findings import Finding
from inspect_app.domain.follow_up.orders import OrderLine
from inspect_app.domain.geo import LatLon, distance_m
from inspect_app.domain.inspections import NOT_STARTED_LABEL, SignatureRole, is_editable
from inspect_app.follow_up import order_queries
from inspect_app.models import Campaign, District, Inspection, Station
from inspect_app.models.types import utcnow
from inspect_app.shared.errors import NotFound

CITY = "鄂尔多斯市"
# Best first, as the cover lists them.
OUTCOME_ORDER = (Outcome.DEMONSTRATION_ELIGIBLE, Outcome.PASS, Outcome.RECTIFY)


@dataclass(frozen=True)
class OutcomeCount:
    outcome: str  # Outcome value, for colouring
    label: str
    count: int


@dataclass(frozen=True)
class Totals:
    stations: int  # in the directory (retired ones left out)
    inspected: int  # with an inspection in the campaign, whatever its state
    submitted: int
    average_score: float | None  # over submitted inspections, one decimal
    outcomes: tuple[OutcomeCount, ...]
    demonstration_candidates: tuple[str, ...]  # names of submitted stations eligible as 示范站
    recommended: tuple[str, ...]  # names of those the leader recommended


@dataclass(frozen=True)
class DirectoryRow:
    number: str
    name: str
    host: str
    host_type: str
    office: str
    address: str
    phone: str
    score: float | None  # None unless submitted
    outcome: str | None  # Outcome value, None unless submitted
    outcome_label: str  # the outcome, or the inspection's state (进行中, 未检查...)


@dataclass(frozen=True)
class ChecklistRow:
    code: str
    text: str
    critical: bool
    verdict: str | None  # Verdict value; None when unanswered
    verdict_label: str
    points: int | None  # given; None for 不适用 or unanswered
    maximum: int
    note: str | None


@dataclass(frozen=True)
class ChecklistSection:
    title: str
    rows: tuple[ChecklistRow, ...]


@dataclass(frozen=True)
class PhotoView:
    number: int  # within the station, to refer to from the findings list
    slot_label: str
    path: Path  # the display copy in the file store
    taken_at: datetime | None
    time_label: str  # what taken_at is (domain.findings.capture_time): the camera's, the phone's or the upload
    latitude: float | None
    longitude: float | None
    position_source: str | None  # where the position comes from, labelled by domain.findings.photo_position
    accuracy_m: float | None
    distance_m: int | None  # from the position to the station's registered one
    sha256_prefix: str
    findings: tuple[Finding, ...]


@dataclass(frozen=True)
class SignatureView:
    role_label: str
    signer_name: str
    signed_at: datetime
    path: Path  # the PNG in the file store


@dataclass(frozen=True)
class StationReport:
    number: str
    name: str
    host: str
    host_type: str
    office: str
    address: str
    phone: str
    head_name: str
    staff: str
    latitude: float | None
    longitude: float | None
    is_odr: bool
    inspector: str
    started_at: datetime
    submitted_at: datetime | None
    status_label: str
    checklist_name: str
    sections: tuple[ChecklistSection, ...]
    points: int
    maximum: int
    score: float
    outcome: str
    outcome_label: str
    failed_critical: tuple[str, ...]  # "A2 标识标志牌……"
    recommended: bool
    photos: tuple[PhotoView, ...]
    signatures: tuple[SignatureView, ...]

    @property
    def findings(self) -> tuple[tuple[PhotoView, Finding], ...]:
        """Every photo finding of the station, errors first, each with its photo."""
        pairs = [(photo, finding) for photo in self.photos for finding in photo.findings]
        return tuple(sorted(pairs, key=lambda pair: (pair[1].severity != "error", pair[0].number)))


@dataclass(frozen=True)
class ReportData:
    district: str
    district_code: str
    bureau: str  # the district bureau's full name, for the seal and the last page
    campaign: str
    starts_on: date
    deadline: date
    leader_name: str
    narrative: str
    generated_at: datetime
    signed_at: datetime | None
    totals: Totals
    directory: tuple[DirectoryRow, ...]
    stations: tuple[StationReport, ...]
    # Display copy → its print copy (bundles/report/print_copies.py), for the photos that have one. Not part of
    # what the version shows (contents.parts): the same photo, only smaller.
    print_copies: dict[Path, Path] = field(default_factory=dict)
    orders: tuple[OrderLine, ...] = ()  # the issued rectification orders (整改通知) of the campaign

    def printed(self, photo: PhotoView) -> Path:
        """The file the report embeds for the photo: its print copy, or the display copy while it has none."""
        return self.print_copies.get(photo.path, photo.path)

    @property
    def title(self) -> str:
        return f"{self.district}{self.campaign}证据材料"

    @property
    def narrative_paragraphs(self) -> tuple[str, ...]:
        """The narrative's non-empty lines, each a paragraph as typed."""
        return tuple(line.strip() for line in self.narrative.splitlines() if line.strip())


def bureau_name(district: str) -> str:
    """The name a district bureau signs and seals with."""
    return f"{CITY}{district}市场监督管理局"


def gather_report(
    session: Session,
    district_id: int,
    campaign_id: int,
    *,
    leader_name: str,
    narrative: str,
    store: FileStore,
    signed_at: datetime | None,
    generated_at: datetime | None = None,
    fetch: bool = True,
) -> ReportData:
    """Everything the district's report shows for the campaign; the caller has checked who may see it.
    `generated_at`: when the materials were gathered for the preview being signed (default: now). `fetch=False`
    gathers what the report would show without laying it out (bundles/contents.py): its files are named by their
    keys and only checked to be in the store, none copied to this server.

    Raises NotFound for an unknown district or campaign, FileNotFoundError when a photo or signature file
    is missing from the store (a report must not silently leave evidence out).
    """
    district = session.get(District, district_id)
    campaign = session.get(Campaign, campaign_id)
    if district is None or campaign is None:
        raise NotFound()
    inspections = {
        i.station_id: i
        for i in session.scalars(
            select(Inspection)
            .join(Station)
            .where(Station.district_id == district_id, Inspection.is_own, Inspection.campaign_id == campaign_id)
            .options(
                selectinload(Inspection.answers),
                selectinload(Inspection.photos),
                selectinload(Inspection.signatures),
                selectinload(Inspection.checklist_version),
                selectinload(Inspection.inspector),
            )
        )
    }
    # A station retired after its inspection still belongs in this campaign's record.
    stations = list(
        session.scalars(
            select(Station)
            .where(
                Station.district_id == district_id,
                or_(Station.status != StationStatus.RETIRED, Station.id.in_(list(inspections))),
            )
            .options(selectinload(Station.office))
            .order_by(Station.number)
        )
    )
    submitted = [
        (s, inspections[s.id]) for s in stations if s.id in inspections and not is_editable(inspections[s.id].status)
    ]
    return ReportData(
        district=district.name,
        district_code=district.code,
        bureau=bureau_name(district.name),
        campaign=campaign.name,
        starts_on=campaign.starts_on,
        deadline=campaign.deadline,
        leader_name=leader_name,
        narrative=narrative,
        generated_at=generated_at or utcnow(),
        signed_at=signed_at,
        totals=_totals(stations, inspections, submitted),
        directory=tuple(_directory_row(s, inspections.get(s.id)) for s in stations),
        stations=tuple(station_report(s, i, store, fetch=fetch) for s, i in submitted),
        print_copies=print_copies_of(store, [i for _, i in submitted]) if fetch else {},
        orders=order_queries.report_lines(session, district_id, campaign_id),
    )


def print_copies_of(store: FileStore, inspections: list[Inspection]) -> dict[Path, Path]:
    """Each display copy of the inspections' photos → its print copy, for the photos that have one."""
    copies = {}
    for inspection in inspections:
        for photo in inspection.ready_photos:
            display = photo.ready_key("display")
            if photo.print_key is not None and display is not None:
                try:
                    copies[store.local_path(display)] = store.local_path(photo.print_key)
                except MissingFile:  # a copy lost is made again by the next preview; the display copy will do
                    continue
    return copies


def _totals(
    stations: list[Station], inspections: dict[int, Inspection], submitted: list[tuple[Station, Inspection]]
) -> Totals:
    done = [i for _, i in submitted]
    counts = {o: sum(1 for i in done if (i.outcome or Outcome.RECTIFY) is o) for o in OUTCOME_ORDER}
    return Totals(
        stations=sum(1 for s in stations if s.status is not StationStatus.RETIRED),
        inspected=len(inspections),
        submitted=len(done),
        average_score=round(sum(i.score for i in done) / len(done), 1) if done else None,
        outcomes=tuple(OutcomeCount(o.value, OUTCOME_LABELS[o], counts[o]) for o in OUTCOME_ORDER),
        demonstration_candidates=tuple(s.name for s, i in submitted if i.outcome is Outcome.DEMONSTRATION_ELIGIBLE),
        recommended=tuple(s.name for s, i in submitted if i.recommended_demonstration),
    )


def _directory_row(station: Station, inspection: Inspection | None) -> DirectoryRow:
    done = inspection if inspection is not None and not is_editable(inspection.status) else None
    outcome = (done.outcome or Outcome.RECTIFY) if done is not None else None
    if outcome is not None:
        state = OUTCOME_LABELS[outcome]
    else:
        state = inspection.status.label if inspection is not None else NOT_STARTED_LABEL
    return DirectoryRow(
        number=station.number,
        name=station.name,
        host=station.host_organisation,
        host_type=station.host_type.label,
        office=station.office.name if station.office else "",
        address=station.address,
        phone=station.phone or "",
        score=done.score if done is not None else None,
        outcome=outcome.value if outcome else None,
        outcome_label=state,
    )


def station_report(station: Station, inspection: Inspection, store: FileStore, *, fetch: bool = True) -> StationReport:
    """What the report shows of a station's submitted inspection (its files as local copies, or with
    `fetch=False` by key, as gather_report says)."""
    template = template_of(inspection.checklist_version)
    items = {item.code: item for item in template.items}
    outcome = inspection.outcome or Outcome.RECTIFY
    return StationReport(
        number=station.number,
        name=station.name,
        host=station.host_organisation,
        host_type=station.host_type.label,
        office=station.office.name if station.office else "",
        address=station.address,
        phone=station.phone or "",
        head_name=station.head_name or "",
        staff=f"专职 {station.staff_full_time} 人，兼职 {station.staff_part_time} 人",
        latitude=station.latitude,
        longitude=station.longitude,
        is_odr=station.is_odr,
        inspector=inspection.inspector.display_name,
        started_at=inspection.started_at,
        submitted_at=inspection.submitted_at,
        status_label=inspection.status.label,
        checklist_name=f"{template.name}（{template.version}版）",
        sections=_checklist(template, inspection),
        points=inspection.points,
        maximum=inspection.maximum,
        score=inspection.score,
        outcome=outcome.value,
        outcome_label=OUTCOME_LABELS[outcome],
        failed_critical=tuple(
            f"{code} {items[code].text}" if code in items else code for code in inspection.failed_critical or []
        ),
        recommended=inspection.recommended_demonstration,
        photos=_photos(template, station, inspection, store, fetch),
        signatures=tuple(
            SignatureView(s.role.label, s.signer_name, s.signed_at, _stored(store, s.image_key, "签名", fetch))
            for s in sorted(inspection.signatures, key=lambda s: list(SignatureRole).index(s.role))
        ),
    )


def _checklist(template: ChecklistTemplate, inspection: Inspection) -> tuple[ChecklistSection, ...]:
    given = {a.item_code: a for a in inspection.answers}
    sections = []
    for section in template.sections:
        rows = []
        for item in section.items:
            row = given.get(item.code)
            if row is None:
                rows.append(ChecklistRow(item.code, item.text, item.critical, None, "未作答", None, item.points, None))
                continue
            answer = Answer(row.verdict, row.points)
            points = None if row.verdict is Verdict.NA else earned(item, answer)
            rows.append(
                ChecklistRow(
                    item.code,
                    item.text,
                    item.critical,
                    row.verdict.value,
                    row.verdict.label,
                    points,
                    item.points,
                    row.note,
                )
            )
        sections.append(ChecklistSection(section.title, tuple(rows)))
    return tuple(sections)


def _photos(
    template: ChecklistTemplate, station: Station, inspection: Inspection, store: FileStore, fetch: bool
) -> tuple[PhotoView, ...]:
    slot_order = {slot.code: n for n, slot in enumerate(template.photo_slots)}
    labels = {slot.code: slot.label for slot in template.photo_slots}
    ordered = sorted(inspection.ready_photos, key=lambda p: (slot_order.get(p.slot, len(slot_order)), p.id))
    home = None
    if station.latitude is not None and station.longitude is not None:
        home = LatLon(station.latitude, station.longitude)
    views = []
    for number, photo in enumerate(ordered, start=1):
        position = photo.position
        taken = photo.capture_time
        distance = round(distance_m(position.point, home)) if position is not None and home is not None else None
        views.append(
            PhotoView(
                number=number,
                slot_label=labels.get(photo.slot, photo.slot),
                path=_stored(store, photo.ready_key("display") or "", "照片", fetch),
                taken_at=taken.at,
                time_label=taken.label,
                latitude=position.lat if position else None,
                longitude=position.lon if position else None,
                position_source=position.label if position else None,
                accuracy_m=position.accuracy_m if position else None,
                distance_m=distance,
                sha256_prefix=photo.sha256[:12],
                findings=tuple(Finding.from_dict(f) for f in photo.findings or []),
            )
        )
    return tuple(views)


def _stored(store: FileStore, key: str, what: str, fetch: bool) -> Path:
    """A local copy of the stored file to lay out; without `fetch`, a path named as its key, the file only checked
    to be there (a bucket's copy of every photo of a district is not fetched to compare what a report holds)."""
    try:
        if fetch:
            return store.local_path(key)
        if store.exists(key):
            return Path(key)
    except MissingFile:
        pass
    raise FileNotFoundError(f"{what}文件缺失：{key}")
