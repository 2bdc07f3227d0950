"""Reading rectification orders: one order, the district's list, an inspector's, the city's, their counts.

A leader sees the district's orders, an inspector the ones assigned to them, the city every district's; another
district's order answers 404."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from inspect_app.domain.follow_up.orders import OrderCounts, OrderLine, Urgency, count_orders, list_rank, urgency
from inspect_app.domain.follow_up.rectification import OPEN, OrderStatus
from inspect_app.domain.identity.permissions import Action, Actor, Role, district_scope
from inspect_app.domain.inspections import InspectionKind, InspectionStatus
from inspect_app.models import Inspection, RectificationOrder, User
from inspect_app.shared.access import require
from inspect_app.shared.errors import Forbidden, NotFound


@dataclass(frozen=True)
class OrderRow:
    """An order on a list, with how it stands out today."""

    order: RectificationOrder
    urgency: Urgency

    @property
    def open(self) -> bool:
        return self.order.status in OPEN


def _visible(actor: Actor, order: RectificationOrder) -> bool:
    # An inspector reads the orders they re-check, not every order of the district.
    return actor.role is not Role.INSPECTOR or order.inspector_id == actor.user_id


def get_order(session: Session, actor: Actor, order_id: int) -> RectificationOrder:
    """One order the actor may read (NotFound otherwise: another district's, or not assigned to the inspector)."""
    order = session.get(RectificationOrder, order_id)
    if order is None:
        raise NotFound()
    require(actor, Action.VIEW_ORDERS, order.district_id)
    if not _visible(actor, order):
        raise NotFound()
    return order


def _rows(orders: list[RectificationOrder], today: date) -> list[OrderRow]:
    orders.sort(key=lambda o: (*list_rank(o.status, o.deadline, today), o.id))
    return [OrderRow(o, urgency(o.status, o.deadline, today)) for o in orders]


def _listing():
    return select(RectificationOrder).options(
        joinedload(RectificationOrder.station), joinedload(RectificationOrder.inspector)
    )


def district_orders(
    session: Session, actor: Actor, district_id: int, campaign_id: int | None, today: date
) -> list[OrderRow]:
    """The district's orders (of one campaign, or all), open ones first, overdue and due-soon ones on top."""
    require(actor, Action.RECTIFY, district_id)
    statement = _listing().where(RectificationOrder.district_id == district_id)
    if campaign_id is not None:
        statement = statement.where(RectificationOrder.campaign_id == campaign_id)
    return _rows(list(session.scalars(statement)), today)


def assigned_orders(session: Session, actor: Actor, today: date) -> list[OrderRow]:
    """The orders the signed-in inspector re-checks, issued or later (a draft is not yet theirs to act on)."""
    require(actor, Action.VIEW_ORDERS, actor.district_id)
    statement = _listing().where(
        RectificationOrder.inspector_id == actor.user_id, RectificationOrder.status != OrderStatus.DRAFT
    )
    return _rows(list(session.scalars(statement)), today)


def city_orders(session: Session, actor: Actor, today: date, *, open_only: bool = True) -> list[OrderRow]:
    """Every district's orders for the city (open ones by default), overdue and due-soon ones on top."""
    require(actor, Action.VIEW_ORDERS)
    if district_scope(actor) is not None:
        raise Forbidden()  # the city's list; a district's people have their own
    statement = _listing().options(joinedload(RectificationOrder.district))
    if open_only:
        statement = statement.where(RectificationOrder.status.in_(list(OPEN)))
    return _rows(list(session.scalars(statement)), today)


def counts(session: Session, district_id: int, campaign_id: int, today: date) -> OrderCounts:
    """How many of the district's orders in the campaign are in each status, and how many are overdue."""
    rows = session.execute(
        select(RectificationOrder.status, RectificationOrder.deadline).where(
            RectificationOrder.district_id == district_id, RectificationOrder.campaign_id == campaign_id
        )
    )
    return count_orders(((status, deadline) for status, deadline in rows), today)


def counts_by_district(
    session: Session, campaign_id: int, district_ids: list[int], today: date
) -> dict[int, OrderCounts]:
    """Each district's order counts in the campaign (a district without orders counts none), in one statement."""
    found: dict[int, list[tuple[OrderStatus, date | None]]] = {d: [] for d in district_ids}
    for district_id, status, deadline in session.execute(
        select(RectificationOrder.district_id, RectificationOrder.status, RectificationOrder.deadline).where(
            RectificationOrder.campaign_id == campaign_id, RectificationOrder.district_id.in_(district_ids)
        )
    ):
        found[district_id].append((status, deadline))
    return {d: count_orders(rows, today) for d, rows in found.items()}


def rechecks(session: Session, order: RectificationOrder) -> list[Inspection]:
    """The re-checks of the order so far, in rounds."""
    return list(
        session.scalars(
            select(Inspection)
            .where(Inspection.follows_id == order.inspection_id, Inspection.kind == InspectionKind.RECHECK)
            .order_by(Inspection.recheck_round, Inspection.id)
        )
    )


def district_inspectors(session: Session, district_id: int) -> list[User]:
    """The district's active inspectors, who may be given an order to re-check."""
    return list(
        session.scalars(
            select(User)
            .where(User.district_id == district_id, User.role == Role.INSPECTOR, User.active.is_(True))
            .order_by(User.display_name)
        )
    )


def report_lines(session: Session, district_id: int, campaign_id: int) -> tuple[OrderLine, ...]:
    """The district's issued orders of the campaign as its report lists them, in number order."""
    issued = issued_orders(session, district_id, campaign_id)
    lines = []
    for order in issued:
        done = [
            r for r in rechecks(session, order) if r.status in (InspectionStatus.SUBMITTED, InspectionStatus.ACCEPTED)
        ]
        lines.append(
            OrderLine(
                number=order.number or "",
                station_number=order.station.number,
                station_name=order.station.name,
                items=len(order.items),
                critical=sum(1 for item in order.items if item.get("critical")),
                deadline=order.deadline,
                status_label=order.status.label,
                extensions=order.extensions,
                score=order.inspection.score,
                recheck_score=done[-1].score if done else None,
            )
        )
    return tuple(lines)


def issued_orders(session: Session, district_id: int, campaign_id: int) -> list[RectificationOrder]:
    """The district's orders of the campaign that were issued (numbered, their notice signed), in issue order."""
    return list(
        session.scalars(
            select(RectificationOrder)
            .where(
                RectificationOrder.district_id == district_id,
                RectificationOrder.campaign_id == campaign_id,
                RectificationOrder.notice_key.is_not(None),
            )
            .options(joinedload(RectificationOrder.station), joinedload(RectificationOrder.inspection))
            .order_by(RectificationOrder.issued_at, RectificationOrder.id)
        )
    )


def orders_by_inspection(session: Session, inspection_ids: list[int]) -> dict[int, RectificationOrder]:
    """The orders drafted from these inspections (a city spot check's, say), by inspection."""
    if not inspection_ids:
        return {}
    found = session.scalars(select(RectificationOrder).where(RectificationOrder.inspection_id.in_(inspection_ids)))
    return {order.inspection_id: order for order in found}
