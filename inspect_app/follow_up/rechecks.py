"""What a re-check does to its rectification order: passed, the order is done (整改完成) and the station back in
the register; failed, the order waits for the leader's decision (待决定) and the station is 整改中."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from inspect_app.audit import trail as audit
from inspect_app.campaigns.operations import template_of
from inspect_app.domain.checklists.scoring import Answer
from inspect_app.domain.directory.stations import StationStatus
from inspect_app.domain.follow_up.rectification import OrderAction, OrderItem, OrderStatus, next_status, recheck_passed
from inspect_app.domain.identity.permissions import Actor
from inspect_app.models import Inspection, RectificationOrder
from inspect_app.models.types import utcnow
from inspect_app.shared.errors import Invalid


def order_of(recheck: Inspection, lock: bool = False) -> RectificationOrder:
    """A re-check's order: the one listing the findings of the inspection it follows (its row locked with `lock`,
    so that the sweep escalating it and a submission settling it cannot both win)."""
    session = object_session(recheck)
    assert session is not None and recheck.follows_id is not None  # a re-check is opened for an order
    statement = select(RectificationOrder).where(RectificationOrder.inspection_id == recheck.follows_id)
    if lock:  # read as the lock finds it, not as this session last saw it
        statement = statement.with_for_update().execution_options(populate_existing=True)
    return session.scalars(statement).one()


def require_waiting(recheck: Inspection) -> None:
    """A re-check changes only while its order waits for it (整改中): not once completed, escalated or retired."""
    order = order_of(recheck)
    if order.status is not OrderStatus.ISSUED:
        raise Invalid(f"整改通知{order.status.label}，这次复查不能再修改")


def order_items(order: RectificationOrder) -> tuple[OrderItem, ...]:
    """The items the order lists, as the rules take them."""
    return tuple(OrderItem(**item) for item in order.items)


def _answers(inspection: Inspection) -> dict[str, Answer]:
    return {a.item_code: Answer(a.verdict, a.points) for a in inspection.answers}


def record_recheck(session: Session, actor: Actor, recheck: Inspection) -> RectificationOrder:
    """Move the order on a submitted re-check, with its audit entry; the caller commits both together."""
    order = order_of(recheck, lock=True)  # escalated meanwhile by the sweep: the submission is refused
    template = template_of(recheck.checklist_version)
    passed = recheck_passed(order_items(order), template, _answers(order.inspection), _answers(recheck))
    try:
        order.status = next_status(order.status, OrderAction.RECHECK_PASSED if passed else OrderAction.RECHECK_FAILED)
    except ValueError as error:
        raise Invalid(str(error)) from None
    now = utcnow()
    station = order.station
    if passed:
        order.closed_at = now
        if station.status is StationStatus.RECTIFYING:
            station.status = StationStatus.REGISTERED
    else:
        order.escalated_at = now
        station.status = StationStatus.RECTIFYING
    audit.record(
        session,
        actor,
        "recheck_order",
        "rectification_order",
        order.id,
        order.district_id,
        {
            "station": station.number,
            "recheck": recheck.id,
            "round": recheck.recheck_round,
            "passed": passed,
            "score": recheck.score,
            "status": order.status.value,
        },
    )
    return order
