"""Use cases of the field inspection: open, answer, sign and submit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from inspect_app.adapters.filestore import FileStore
from inspect_app.adapters.imaging import PhotoRejected, check_signature_png
from inspect_app.audit import trail as audit
from inspect_app.campaigns.operations import refusal as campaigns_refusal
from inspect_app.campaigns.operations import require_changeable, template_of
from inspect_app.city import year_over_year
from inspect_app.domain.checklists.checklist import ChecklistTemplate
from inspect_app.domain.checklists.scoring import Answer, AnswerError, Score, Verdict, check_answer, score
from inspect_app.domain.directory.stations import StationStatus
from inspect_app.domain.evidence.year_over_year import PastResult
from inspect_app.domain.geo import LatLon, distance_m
from inspect_app.domain.identity.permissions import Action, Actor, district_scope, is_whoever
from inspect_app.domain.inspections import (
    PHOTOS_PROCESSING_MESSAGE,
    InspectionKind,
    InspectionStatus,
    PhotoState,
    ScopeError,
    SignatureRole,
    change_action,
    check_in_scope,
    counted_photo_slots,
    is_editable,
    missing_for_submit,
    scored_answers,
)
from inspect_app.domain.numbers import whole_number
from inspect_app.housekeeping import stored_files
from inspect_app.inspection import conflicts
from inspect_app.models import Campaign, Inspection, InspectionAnswer, Signature, Station
from inspect_app.models.types import utcnow
from inspect_app.shared.access import require
from inspect_app.shared.errors import Conflict, Invalid, NotFound

NOTE_LIMIT = 500
NAME_LIMIT = 30


@dataclass
class BoardRow:
    """A station on the inspector's board: its inspection in this campaign and its distance from here."""

    station: Station
    inspection: Inspection | None
    distance_m: float | None
    last_result: PastResult | None  # its result in its district's previous campaign; None when there was none

    @property
    def status_label(self) -> str:
        return self.inspection.status.label if self.inspection else "未检查"

    @property
    def status_code(self) -> str:
        return self.inspection.status.value if self.inspection else "not_started"


def station_board(
    session: Session, actor: Actor, campaign: Campaign, text: str = "", here: LatLon | None = None
) -> list[BoardRow]:
    """The stations of the inspector's 旗区 (of those the campaign covers), nearest first when a position is given."""
    stations = board_stations(session, actor, campaign, text)
    ids = [s.id for s in stations]
    current = (
        {
            i.station_id: i
            for i in session.scalars(
                select(Inspection).where(
                    Inspection.is_own, Inspection.campaign_id == campaign.id, Inspection.station_id.in_(ids)
                )
            )
        }
        if ids
        else {}
    )
    last = year_over_year.previous_results(session, campaign, list(stations))
    rows = []
    for station in stations:
        distance = None
        if here is not None and station.latitude is not None and station.longitude is not None:
            distance = distance_m(here, LatLon(station.latitude, station.longitude))
        rows.append(BoardRow(station, current.get(station.id), distance, last.get(station.id)))
    if here is not None:
        rows.sort(key=lambda r: (r.distance_m is None, r.distance_m or 0))
    return rows


def board_stations(session: Session, actor: Actor, campaign: Campaign, text: str = "") -> Sequence[Station]:
    """The stations on the inspector's board (not retired, in the campaign's 旗区 within the actor's), by number."""
    return session.scalars(board_statement(actor, campaign, text)).all()


def board_statement(actor: Actor, campaign: Campaign, text: str = "") -> Select[Station]:
    """The query behind board_stations, for loaders that select what hangs on those stations in the same go."""
    require(actor, Action.INSPECT)
    statement = select(Station).where(
        Station.status != StationStatus.RETIRED, Station.district_id.in_([d.id for d in campaign.districts])
    )
    scope = district_scope(actor)
    if scope is not None:
        statement = statement.where(Station.district_id == scope)
    text = text.strip()
    if text:
        statement = statement.where(
            Station.name.icontains(text, autoescape=True) | Station.number.icontains(text, autoescape=True)
        )
    return statement.order_by(Station.number)


def open_inspection(session: Session, actor: Actor, station_id: int, campaign: Campaign) -> Inspection:
    """The station's inspection in the campaign, started now if there is none: starting twice opens the same one."""
    station = session.get(Station, station_id)
    if station is None:
        raise NotFound()
    require(actor, Action.INSPECT, station.district_id)
    if station.status is StationStatus.RETIRED:
        raise Invalid("该服务站已撤销，不能开始检查")
    found = _existing(session, station_id, campaign.id)
    if found is not None:
        return found
    require_changeable(session, campaign.id, station.district_id)  # only an open campaign covering the 旗区
    inspection = Inspection(
        station=station,
        campaign=campaign,
        checklist_version_id=campaign.checklist_version_id,
        inspector_id=actor.user_id,
        failed_critical=[],
    )
    session.add(inspection)
    try:
        recompute(inspection, template_of(campaign.checklist_version))
        session.commit()
    except IntegrityError:
        session.rollback()  # another device started it a moment ago: open that one
        found = _existing(session, station_id, campaign.id)
        if found is None:
            raise
        return found
    return inspection


def _existing(session: Session, station_id: int, campaign_id: int) -> Inspection | None:
    return session.scalar(
        select(Inspection).where(
            Inspection.is_own, Inspection.station_id == station_id, Inspection.campaign_id == campaign_id
        )
    )


def get_inspection(
    session: Session, actor: Actor, inspection_id: int, action: Action = Action.VIEW_INSPECTION
) -> Inspection:
    """The inspection, if the actor may act on it; NotFound across 旗区. Asked for INSPECT (to change it), a spot
    check takes SPOT_CHECK instead: the city's inspectors change only those, the district's never."""
    inspection = session.get(
        Inspection,
        inspection_id,
        options=[
            selectinload(Inspection.answers),
            selectinload(Inspection.photos),
            selectinload(Inspection.signatures),
        ],
    )
    if inspection is None:
        raise NotFound()
    if action is Action.INSPECT:
        action = change_action(inspection.kind)
    require(actor, action, inspection.station.district_id)
    return inspection


def frozen(session: Session, inspection: Inspection) -> str | None:
    """Why nothing of the inspection may change now, whoever asks, or None: the district's own follows its
    campaign, a re-check its order (a follow-up comes after the campaign and is not held by its closing)."""
    if inspection.kind is InspectionKind.OWN:
        return campaigns_refusal(session, inspection.campaign, inspection.station.district_id)
    if inspection.kind is InspectionKind.RECHECK:
        from inspect_app.follow_up import rechecks

        try:
            rechecks.require_waiting(inspection)
        except Invalid as error:
            return str(error)
    return None


def editable_inspection(session: Session, actor: Actor, inspection_id: int) -> Inspection:
    """The inspection for a change: only by an inspector of its 旗区 (a city inspector for a spot check), while it
    is editable; the district's own only in an open campaign, a re-check only while its order waits for it."""
    inspection = get_inspection(session, actor, inspection_id, Action.INSPECT)
    if not inspection.is_own and not is_whoever(actor, inspection.inspector_id):
        raise NotFound()  # a re-check or a spot check stays with whoever was given it and began it
    if inspection.kind is InspectionKind.OWN:
        require_changeable(session, inspection.campaign_id, inspection.station.district_id)
    elif inspection.kind is InspectionKind.RECHECK:
        from inspect_app.follow_up import rechecks  # the follow-up builds on inspections, not the reverse

        rechecks.require_waiting(inspection)
    if not is_editable(inspection.status):
        raise Invalid("检查已提交，不能再修改；如需修改，请分管领导退回")
    return inspection


def answers_of(inspection: Inspection) -> dict[str, Answer]:
    return {a.item_code: Answer(a.verdict, a.points) for a in inspection.answers}


def recompute(inspection: Inspection, template: ChecklistTemplate) -> Score:
    """Score the inspection from its answers and keep the result on it (a re-check: the station's score with the
    order's items answered again)."""
    followed = answers_of(inspection.follows) if inspection.follows is not None else {}
    result = score(template, scored_answers(inspection.kind, answers_of(inspection), followed))
    inspection.points, inspection.maximum = result.points, result.maximum
    inspection.score, inspection.outcome = result.rounded, result.outcome
    inspection.failed_critical = list(result.failed_critical)
    return result


def _checked(
    template: ChecklistTemplate, code: str, verdict: str, points: Any, note: str | None
) -> tuple[Answer, str | None]:
    """Validate one answer against its item; the canonical answer and the cleaned note."""
    item = next((i for i in template.items if i.code == code), None)
    if item is None:
        raise Invalid(f"核查表中没有项目 {code}")
    if points not in (None, ""):
        points = _whole_points(points)
        if points is None:  # 4.9 is not read as 4, nor true as 1, nor Infinity as anything
            raise Invalid({code: f"{code}：得分应为整数"})
    else:
        points = None
    try:
        answer = check_answer(item, verdict, points)
    except AnswerError as error:
        raise Invalid({code: str(error)}) from None
    note = (note or "").strip() or None
    if note and len(note) > NOTE_LIMIT:
        raise Invalid({code: f"{code}：备注不能超过{NOTE_LIMIT}个字"})
    return answer, note


def _whole_points(value: Any) -> int | None:
    """Points as the form (a string) or the API (a JSON number) gives them, when they are a whole number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    return whole_number(value) if isinstance(value, str) else None


def _store(inspection: Inspection, user_id: int, code: str, answer: Answer, note: str | None) -> InspectionAnswer:
    row = _row(inspection, code)
    if row is None:
        row = InspectionAnswer(
            item_code=code, verdict=answer.verdict, points=answer.points, note=note, updated_by_id=user_id
        )
        inspection.answers.append(row)
    elif (row.verdict, row.points, row.note) != (answer.verdict, answer.points, note):
        row.verdict, row.points, row.note = answer.verdict, answer.points, note
        row.version += 1
        row.updated_by_id = user_id
    return row


def _row(inspection: Inspection, code: str) -> InspectionAnswer | None:
    return next((a for a in inspection.answers if a.item_code == code), None)


def _apply_answer(
    inspection: Inspection,
    template: ChecklistTemplate,
    user_id: int,
    code: str,
    verdict: str,
    points: Any,
    note: str | None,
) -> InspectionAnswer:
    _in_scope(inspection, code)
    answer, note = _checked(template, code, verdict, points, note)
    return _store(inspection, user_id, code, answer, note)


def _in_scope(inspection: Inspection, code: str) -> None:
    try:
        check_in_scope(inspection.item_scope, code)
    except ScopeError as error:
        raise Invalid({code: str(error)}) from None


NOT_GIVEN: Any = object()


def answer_item(
    session: Session,
    actor: Actor,
    inspection_id: int,
    code: str,
    verdict: str,
    points: Any = None,
    note: str | None = None,
    base_version: Any = NOT_GIVEN,
    resolves: int | None = None,
) -> tuple[InspectionAnswer, Score]:
    """Record one item's answer and return it with the recomputed score.

    With `base_version` (the version the device last saw; None for unanswered), an edit made on a stale
    version whose content differs is not applied: both stay, as a Conflict for somebody to choose.
    """
    inspection = editable_inspection(session, actor, inspection_id)
    assert actor.user_id is not None  # answers name who gave them (NOT NULL): only a user's actor answers
    template = template_of(inspection.checklist_version)
    _in_scope(inspection, code)
    answer, clean_note = _checked(template, code, verdict, points, note)
    current = _row(inspection, code)
    if base_version is not NOT_GIVEN and base_version != (current.version if current else None):
        if current is None or (current.verdict, current.points, current.note) != (
            answer.verdict,
            answer.points,
            clean_note,
        ):
            conflict = conflicts.record(session, inspection, actor.user_id, code, answer, clean_note, base_version)
            raise Conflict(f"{code} 已在其他设备上被修改，请在两个结果中选择一个", {"conflict": conflict})
    row = _store(inspection, actor.user_id, code, answer, clean_note)
    if resolves is not None:
        conflicts.resolve(session, inspection, code, resolves)
    result = recompute(inspection, template)
    audit_inspection(
        session,
        actor,
        "answer",
        inspection,
        item=code,
        verdict=answer.verdict.value,
        points=answer.points,
        note=clean_note,
    )
    session.commit()
    return row, result


def save_answers(
    session: Session, actor: Actor, inspection_id: int, given: dict[str, tuple[str, Any, str | None]]
) -> Score:
    """Record several answers at once (the page without scripts); all valid, or none saved."""
    inspection = editable_inspection(session, actor, inspection_id)
    assert actor.user_id is not None  # answers name who gave them (NOT NULL): only a user's actor answers
    template = template_of(inspection.checklist_version)
    errors: dict[str, str] = {}
    for code, (verdict, points, note) in given.items():
        if not verdict:
            continue
        try:
            _apply_answer(inspection, template, actor.user_id, code, verdict, points, note)
        except Invalid as error:
            errors.update(error.errors)
    if errors:
        session.rollback()
        raise Invalid(errors)
    result = recompute(inspection, template)
    audit_inspection(
        session, actor, "answer", inspection, items={code: given[code][0] for code in sorted(given) if given[code][0]}
    )
    session.commit()
    return result


def sign(
    session: Session, actor: Actor, store: FileStore, inspection_id: int, role: str, name: str, png: bytes
) -> Signature:
    """Keep a finger-drawn signature and the typed name; signing again replaces the earlier one."""
    inspection = editable_inspection(session, actor, inspection_id)
    try:
        signer_role = SignatureRole(role)
    except ValueError:
        raise NotFound() from None
    name = (name or "").strip()
    if not name or len(name) > NAME_LIMIT:
        raise Invalid({"name": f"请填写签名人姓名（不超过{NAME_LIMIT}个字）"})
    try:
        image = check_signature_png(png)
    except PhotoRejected as error:
        raise Invalid({"signature": str(error)}) from None
    key = stored_files.put(session, store, image, "png")
    row = next((s for s in inspection.signatures if s.role is signer_role), None)
    if row is None:
        row = Signature(role=signer_role, signer_name=name, image_key=key)
        inspection.signatures.append(row)
    else:
        row.signer_name, row.image_key, row.signed_at = name, key, utcnow()
    audit_inspection(session, actor, "sign_inspection", inspection, role=signer_role.value, name=name, image=key)
    session.commit()
    return row


def missing(inspection: Inspection) -> list[str]:
    """What the inspection still lacks before it can be submitted."""
    template = template_of(inspection.checklist_version)
    return missing_for_submit(
        template,
        answers_of(inspection),
        counted_photo_slots((p.slot, p.state) for p in inspection.photos),
        [s.role for s in inspection.signatures],
        inspection.item_scope,
    )


class PhotosProcessing(Conflict):
    """A submission while photos are still being read: what they show is not known yet."""


def submit(session: Session, actor: Actor, inspection_id: int) -> Inspection:
    """Submit a complete inspection; refused with the list of what is missing, or while photos are being read."""
    inspection = editable_inspection(session, actor, inspection_id)
    processing = [p.id for p in inspection.photos if p.state is PhotoState.PROCESSING]
    if processing:
        raise PhotosProcessing(PHOTOS_PROCESSING_MESSAGE, {"photos": processing})
    lacking = missing(inspection)
    if lacking:
        raise Invalid({str(n): message for n, message in enumerate(lacking)})
    recompute(inspection, template_of(inspection.checklist_version))
    inspection.status = InspectionStatus.SUBMITTED
    inspection.submitted_at = utcnow()
    audit_inspection(
        session,
        actor,
        "submit_inspection",
        inspection,
        score=inspection.score,
        outcome=inspection.outcome.value if inspection.outcome else None,
    )
    if inspection.kind is InspectionKind.RECHECK:
        from inspect_app.follow_up import rechecks

        rechecks.record_recheck(session, actor, inspection)  # the order moves with it, in the same transaction
    session.commit()
    return inspection


def audit_inspection(session: Session, actor: Actor, action: str, inspection: Inspection, **details: Any) -> None:
    """Put what was done to an inspection on the audit trail, in the same transaction as the change."""
    audit.record(
        session,
        actor,
        action,
        "inspection",
        inspection.id,
        inspection.station.district_id,
        {"station": inspection.station.number, **details},
    )


def verdict_label(verdict: Verdict | None) -> str:
    return verdict.label if verdict else "未作答"


def parse_choice(value: str) -> tuple[str, int | None]:
    """A checklist control's value: pass, fail, na, or p:<points> for a graded item."""
    points = whole_number(value[2:]) if value.startswith("p:") else None
    return ("pass", points) if points is not None else (value, None)


def score_of(inspection: Inspection, template: ChecklistTemplate) -> Score:
    """The inspection's score computed now (the stored one is its copy)."""
    followed = answers_of(inspection.follows) if inspection.follows is not None else {}
    return score(template, scored_answers(inspection.kind, answers_of(inspection), followed))
