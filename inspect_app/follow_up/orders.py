"""Use cases of rectification orders (整改通知) but issuing: draft them from the district's inspections or a city spot
check, edit a draft, extend an escalated order or retire its station, escalate the overdue. Each commits its change
with an audit entry; every refusal is Chinese (rules: domain/follow_up/rectification.py) and changes nothing."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from inspect_app.audit import trail as audit
from inspect_app.campaigns.operations import template_of
from inspect_app.directory.operations import mark_retired
from inspect_app.domain.checklists.scoring import Answer
from inspect_app.domain.directory.stations import StationStatus
from inspect_app.domain.follow_up.rectification import (
    OrderAction,
    OrderError,
    OrderStatus,
    check_deadline,
    check_reason,
    default_deadline,
    failed_items,
    needs_order,
    next_status,
)
from inspect_app.domain.identity.permissions import Action, Actor, Role
from inspect_app.domain.inspections import InspectionKind, InspectionStatus
from inspect_app.follow_up.order_queries import get_order
from inspect_app.models import Campaign, Inspection, RectificationOrder, Station, User
from inspect_app.models.types import utcnow
from inspect_app.shared.access import require
from inspect_app.shared.errors import Invalid, NotFound

DONE = (InspectionStatus.SUBMITTED, InspectionStatus.ACCEPTED)


def audit_order(session: Session, actor: Actor | None, action: str, order: RectificationOrder, **details: Any) -> None:
    """The order's audit entry, naming its station (the caller commits)."""
    audit.record(
        session,
        actor,
        action,
        "rectification_order",
        order.id,
        order.district_id,
        {"station": order.station.number, "status": order.status.value, **details},
    )


def _findings(inspection: Inspection) -> list[dict[str, Any]]:
    """The inspection's failed items as an order lists them, from its answers as they are now."""
    template = template_of(inspection.checklist_version)
    answers = {a.item_code: Answer(a.verdict, a.points) for a in inspection.answers}
    notes = {a.item_code: a.note or "" for a in inspection.answers}
    return [asdict(item) for item in failed_items(template, answers, notes)]


RETURNED_SINCE = "该检查已退回补正，重新提交后才能下达整改通知"
NO_LONGER_NEEDED = "该检查重新提交后已无需整改，这份整改通知不再下达"


def current_findings(order: RectificationOrder) -> list[dict[str, Any]]:
    """What a draft lists: its inspection's findings as they are now (returned and corrected, the draft follows);
    Invalid while the inspection is back with its inspector or when it no longer calls for an order."""
    inspection = order.inspection
    if inspection.status not in DONE:
        raise Invalid(RETURNED_SINCE)
    if not needs_order(inspection.outcome, inspection.failed_critical):
        raise Invalid(NO_LONGER_NEEDED)
    return _findings(inspection)


def _new_order(inspection: Inspection, district_id: int, actor: Actor, today: date) -> RectificationOrder:
    station = inspection.station
    return RectificationOrder(
        inspection_id=inspection.id,
        station_id=station.id,
        campaign_id=inspection.campaign_id,
        district_id=district_id,
        status=OrderStatus.DRAFT,
        items=_findings(inspection),
        deadline=default_deadline(today),
        inspector_id=inspection.inspector_id,
        contact_name=station.head_name,
        contact_phone=station.phone,
        created_by_id=actor.user_id,
    )


DRAFTED_MEANWHILE = "整改通知刚由另一请求起草，请刷新页面查看"


def draft_orders(
    session: Session, actor: Actor, district_id: int, campaign: Campaign, today: date
) -> list[RectificationOrder]:
    """A draft order for every own inspection of the district's campaign, submitted or accepted, whose result calls
    for one and that has none yet; the ones made (none when run again). Drafts made before follow their
    inspections as they are now: their findings refreshed, or discarded when nothing calls for them any more."""
    require(actor, Action.RECTIFY, district_id)
    _refresh_drafts(session, actor, district_id, campaign)
    ordered = select(RectificationOrder.inspection_id)
    inspections = session.scalars(
        select(Inspection)
        .join(Station)
        .where(
            Station.district_id == district_id,
            Station.status != StationStatus.RETIRED,
            Inspection.is_own,
            Inspection.campaign_id == campaign.id,
            Inspection.status.in_(DONE),
            Inspection.id.not_in(ordered),
        )
        .options(selectinload(Inspection.answers), selectinload(Inspection.station))
        .order_by(Station.number)
    )
    made = []
    try:
        for inspection in inspections:
            if not needs_order(inspection.outcome, inspection.failed_critical):
                continue
            order = _new_order(inspection, district_id, actor, today)
            session.add(order)
            session.flush()
            audit_order(session, actor, "draft_order", order, items=[i["code"] for i in order.items])
            made.append(order)
        session.commit()
    except IntegrityError:  # a second click drafted them a moment ago: one order an inspection
        session.rollback()
        raise Invalid(DRAFTED_MEANWHILE) from None
    return made


def _refresh_drafts(session: Session, actor: Actor, district_id: int, campaign: Campaign) -> None:
    drafts = session.scalars(
        select(RectificationOrder)
        .join(Inspection, RectificationOrder.inspection_id == Inspection.id)
        .where(
            RectificationOrder.district_id == district_id,
            RectificationOrder.campaign_id == campaign.id,
            RectificationOrder.status == OrderStatus.DRAFT,
            Inspection.status.in_(DONE),
        )
        .with_for_update(of=RectificationOrder)
    ).all()
    for order in drafts:
        try:
            order.items = current_findings(order)
        except Invalid:  # its inspection no longer calls for an order: a draft was never a document, it goes
            audit_order(session, actor, "discard_order", order, inspection=order.inspection_id)
            session.delete(order)
    session.flush()


def draft_from_spot_check(
    session: Session, actor: Actor, spot_check_inspection_id: int, today: date
) -> RectificationOrder:
    """The city opens a draft order in the station's district from a spot check whose result calls for one where
    the district's own did not; the district's leader issues it like any other."""
    require(actor, Action.MANAGE_SPOT_CHECKS)
    spot = session.get(Inspection, spot_check_inspection_id)
    if spot is None or spot.kind is not InspectionKind.SPOT_CHECK:
        raise NotFound()
    if spot.status not in DONE:
        raise Invalid("抽查尚未提交，不能据此起草整改通知")
    if not needs_order(spot.outcome, spot.failed_critical):
        raise Invalid("抽查结论无需整改，不能据此起草整改通知")
    own = spot.follows
    if own is not None and needs_order(own.outcome, own.failed_critical):
        raise Invalid("旗区自查结论同样需要整改：整改通知由旗区依自查结果起草")
    if session.scalar(select(RectificationOrder.id).where(RectificationOrder.inspection_id == spot.id)):
        raise Invalid("这次抽查已起草过整改通知")
    order = _new_order(spot, spot.station.district_id, actor, today)
    if own is not None:
        order.inspector_id = own.inspector_id  # the district re-checks it, not the city's inspector
    try:
        session.add(order)
        session.flush()
        audit_order(session, actor, "draft_order", order, items=[i["code"] for i in order.items], spot_check=spot.id)
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Invalid(DRAFTED_MEANWHILE) from None
    return order


def _changeable(session: Session, actor: Actor, order_id: int) -> RectificationOrder:
    order = get_order(session, actor, order_id)
    require(actor, Action.RECTIFY, order.district_id)
    return order


def update_draft(
    session: Session, actor: Actor, order_id: int, deadline: date | None, inspector_id: int | None, today: date
) -> RectificationOrder:
    """Change a draft's deadline or the inspector who re-checks it (one of the district's active inspectors)."""
    order = _changeable(session, actor, order_id)
    if order.status is not OrderStatus.DRAFT:
        raise Invalid("只有待下达的整改通知可以修改期限和检查员")
    errors = {}
    if deadline is None:
        errors["deadline"] = "请填写整改期限"
    else:
        try:
            check_deadline(deadline, today)
        except OrderError as error:
            errors["deadline"] = str(error)
    inspector = session.get(User, inspector_id) if inspector_id else None
    if (
        inspector is None
        or inspector.role is not Role.INSPECTOR
        or inspector.district_id != order.district_id
        or not inspector.active
    ):
        errors["inspector"] = "复查检查员须为本旗区在职的检查员"
    if errors:
        raise Invalid(errors)
    assert deadline is not None and inspector is not None
    before = {"deadline": order.deadline.isoformat(), "inspector": order.inspector_id}
    order.deadline, order.inspector_id = deadline, inspector.id
    audit_order(
        session, actor, "update_order", order, deadline=deadline.isoformat(), inspector=inspector.id, before=before
    )
    session.commit()
    return order


def _move(order: RectificationOrder, action: OrderAction) -> None:
    try:
        order.status = next_status(order.status, action)
    except OrderError as error:
        raise Invalid(str(error)) from None


def extend_order(
    session: Session, actor: Actor, order_id: int, deadline: date | None, reason: str, today: date
) -> RectificationOrder:
    """Give an escalated order a new deadline, after the current one, for a reason: it is under way again."""
    order = _changeable(session, actor, order_id)
    try:
        next_status(order.status, OrderAction.EXTEND)
        if deadline is None:
            raise OrderError("请填写新的整改期限")
        check_deadline(deadline, today, order.deadline)
        reason = check_reason(reason, "延期须填写原因")
    except OrderError as error:
        raise Invalid(str(error)) from None
    before = order.deadline
    _move(order, OrderAction.EXTEND)
    order.deadline, order.reason, order.decided_by_id = deadline, reason, actor.user_id
    order.extensions += 1
    audit_order(
        session, actor, "extend_order", order, deadline=deadline.isoformat(), before=before.isoformat(), reason=reason
    )
    session.commit()
    return order


def retire_station(session: Session, actor: Actor, order_id: int, reason: str) -> RectificationOrder:
    """Retire an escalated order's station (已撤销) for a reason; the order is closed with it."""
    order = _changeable(session, actor, order_id)
    try:
        next_status(order.status, OrderAction.RETIRE)
        reason = check_reason(reason)
    except OrderError as error:
        raise Invalid(str(error)) from None
    require(actor, Action.EDIT_STATION, order.district_id)
    mark_retired(order.station)
    _move(order, OrderAction.RETIRE)
    order.reason, order.decided_by_id, order.closed_at = reason, actor.user_id, utcnow()
    audit_order(session, actor, "retire_order", order, reason=reason)
    audit.record(session, actor, "retire_station", "station", order.station_id, order.district_id, {"order": order.id})
    session.commit()
    return order


def escalate_overdue(session: Session, today: date) -> list[RectificationOrder]:
    """Escalate every issued order whose deadline passed before today (待决定; the station 整改中); the ones moved."""
    overdue = list(
        session.scalars(
            select(RectificationOrder)
            .where(RectificationOrder.status == OrderStatus.ISSUED, RectificationOrder.deadline < today)
            .order_by(RectificationOrder.id)
            .with_for_update()
        )
    )
    now = utcnow()
    for order in overdue:
        _move(order, OrderAction.DEADLINE_PASSED)
        order.escalated_at = now
        if order.station.status is not StationStatus.RETIRED:
            order.station.status = StationStatus.RECTIFYING
        audit_order(session, None, "escalate_order", order, deadline=order.deadline.isoformat())
    session.commit()
    return overdue
