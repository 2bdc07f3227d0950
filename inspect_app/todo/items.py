"""Collect what waits for a person: one round of statements for the person's role, scoped to their 旗区.

Read-only: the tables of inspections, bundles and submissions, rectification orders and the spot-check sample are
read as they are; an empty table gives no items. Links are paths within the app (the e-mail puts APP_BASE_URL
before them).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Callable

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session, aliased

from inspect_app.domain import todo
from inspect_app.domain.campaigns import CampaignState
from inspect_app.domain.evidence.submissions import Latest, SubmissionStatus, is_overdue
from inspect_app.domain.follow_up.rectification import OrderStatus, is_due_soon
from inspect_app.domain.follow_up.rectification import is_overdue as is_overdue_order
from inspect_app.domain.identity.permissions import Role
from inspect_app.domain.inspections import InspectionKind, InspectionStatus, app_link, phone_key
from inspect_app.domain.todo import Item, ItemKind
from inspect_app.models import (
    Campaign,
    District,
    Inspection,
    RectificationOrder,
    SampledStation,
    SpotCheckSample,
    Station,
    Submission,
    User,
)
from inspect_app.models.campaign import campaign_districts
from inspect_app.models.types import utcnow

OPEN = CampaignState.OPEN
# Where orders and spot checks are handled; their pages are built beside this feature (plain paths until then).
ORDER_PAGE = "/review/orders/{id}"
CITY_ORDERS_PAGE = "/city/orders"
CITY_SPOT_CHECKS_PAGE = "/city/spot-checks/comparisons"  # what the city reads of a spot check done


def items_for(session: Session, user: User, today: date, now: datetime | None = None) -> list[Item]:
    """What waits for the user, newest first (nothing for a role without a list, or a district role without one)."""
    collect = COLLECTORS.get(user.role)
    if collect is None or (user.role.needs_district and user.district_id is None):
        return []
    return todo.ordered(collect(session, user, today, now or utcnow()))


# ---- the inspector -----------------------------------------------------------------------------------------


def _inspector(session: Session, user: User, today: date, now: datetime) -> list[Item]:
    items = [
        Item(
            ItemKind.RETURNED_INSPECTION,
            station,
            f"{campaign} · 退回意见：{comment or '（无）'}",
            f"/inspect/inspections/{inspection_id}",
            reviewed_at or updated_at,
            True,
            f"returned:{inspection_id}:{(reviewed_at or updated_at).isoformat()}",
        )
        for inspection_id, reviewed_at, updated_at, comment, station, campaign in session.execute(
            select(
                Inspection.id,
                Inspection.reviewed_at,
                Inspection.updated_at,
                Inspection.return_comment,
                Station.name,
                Campaign.name,
            )
            .join(Station, Station.id == Inspection.station_id)
            .join(Campaign, Campaign.id == Inspection.campaign_id)
            .where(
                Inspection.inspector_id == user.id,
                Inspection.status == InspectionStatus.RETURNED,
                Inspection.is_own,
                Station.district_id == user.district_id,
                Campaign.state == OPEN,
            )
        )
    ]
    for order_id, station_id, number, deadline, issued_at, station in session.execute(
        select(
            RectificationOrder.id,
            RectificationOrder.station_id,
            RectificationOrder.number,
            RectificationOrder.deadline,
            RectificationOrder.issued_at,
            Station.name,
        )
        .join(Station, Station.id == RectificationOrder.station_id)
        .where(
            RectificationOrder.inspector_id == user.id,
            RectificationOrder.status == OrderStatus.ISSUED,
            RectificationOrder.district_id == user.district_id,
        )
    ):
        phrase = todo.days_phrase(deadline, today)
        items.append(
            Item(
                ItemKind.RECHECK_DUE,
                station,
                f"整改通知{' ' + number if number else ''} · 期限 {deadline.isoformat()}（{phrase}）",
                app_link(phone_key(InspectionKind.RECHECK, station_id, order_id)),
                todo.order_since(ItemKind.RECHECK_DUE, deadline, issued_at, None),
                is_overdue_order(OrderStatus.ISSUED, deadline, today)
                or is_due_soon(OrderStatus.ISSUED, deadline, today),
                f"recheck:{order_id}:{deadline.isoformat()}",
            )
        )
    return items


# ---- the city inspector ------------------------------------------------------------------------------------


def _city_inspector(session: Session, user: User, today: date, now: datetime) -> list[Item]:
    spot = aliased(Inspection)
    submitted = exists().where(
        spot.station_id == SampledStation.station_id,
        spot.campaign_id == SpotCheckSample.campaign_id,
        spot.kind == InspectionKind.SPOT_CHECK,
        spot.status.in_((InspectionStatus.SUBMITTED, InspectionStatus.ACCEPTED)),
    )
    rows = session.execute(
        select(
            SampledStation.id,
            SampledStation.station_id,
            SampledStation.inspector_id,
            Station.name,
            District.name,
            Campaign.name,
            SpotCheckSample,
        )
        .join(SpotCheckSample, SpotCheckSample.id == SampledStation.sample_id)
        .join(Campaign, Campaign.id == SpotCheckSample.campaign_id)
        .join(Station, Station.id == SampledStation.station_id)
        .join(District, District.id == SampledStation.district_id)
        .where(
            or_(SampledStation.inspector_id == user.id, SampledStation.inspector_id.is_(None)),
            Campaign.state == OPEN,
            ~submitted,
        )
    )
    return [
        Item(
            ItemKind.SPOT_CHECK_DUE,
            f"{district}·{station}",
            f"{campaign} · {'已分配给您' if inspector_id == user.id else '尚未分配检查员'}",
            app_link(phone_key(InspectionKind.SPOT_CHECK, station_id)),
            sample.drawn_at,
            False,
            f"spot_check:{sampled_id}",
        )
        for sampled_id, station_id, inspector_id, station, district, campaign, sample in rows
    ]


# ---- the leader --------------------------------------------------------------------------------------------


def _leader(session: Session, user: User, today: date, now: datetime) -> list[Item]:
    district_id = user.district_id
    assert district_id is not None  # items_for asks for district roles with a district only
    items = [
        Item(
            ItemKind.REVIEW_WAITING,
            station,
            f"{campaign} · 检查员 {inspector} · 得分 {score:g}",
            f"/inspect/inspections/{inspection_id}#review",
            submitted_at,
            False,
            f"review:{inspection_id}:{submitted_at.isoformat()}",
        )
        for inspection_id, submitted_at, score, station, campaign, inspector in session.execute(
            select(
                Inspection.id, Inspection.submitted_at, Inspection.score, Station.name, Campaign.name, User.display_name
            )
            .join(Station, Station.id == Inspection.station_id)
            .join(Campaign, Campaign.id == Inspection.campaign_id)
            .join(User, User.id == Inspection.inspector_id)
            .where(
                Station.district_id == district_id,
                Inspection.status == InspectionStatus.SUBMITTED,
                Inspection.is_own,
                Campaign.state == OPEN,
            )
        )
        if submitted_at is not None
    ]
    campaigns = session.execute(
        select(Campaign.id, Campaign.name, Campaign.deadline)
        .join(campaign_districts, campaign_districts.c.campaign_id == Campaign.id)
        .where(campaign_districts.c.district_id == district_id, Campaign.state == OPEN)
    ).all()
    latest = _latest_submissions(session, [c.id for c in campaigns], district_id)
    for campaign_id, name, deadline in campaigns:
        sent = latest.get((district_id, campaign_id))
        bundle_page = f"/review/bundle/?campaign={campaign_id}"
        if sent is not None and sent.status is SubmissionStatus.RETURNED and sent.decided_at is not None:
            items.append(
                Item(
                    ItemKind.BUNDLE_RETURNED,
                    f"{name}第{sent.version}版证据包",
                    f"市中心退回补正 · 退回意见：{sent.comment or '见证据包页面'}",
                    bundle_page,
                    sent.decided_at,
                    True,
                    f"bundle_returned:{sent.id}",
                )
            )
        elif (
            sent is not None
            and sent.status is SubmissionStatus.ACCEPTED
            and sent.decided_at is not None
            and todo.acceptance_shown(sent.decided_at, now)
        ):
            items.append(
                Item(
                    ItemKind.BUNDLE_ACCEPTED,
                    f"{name}第{sent.version}版证据包",
                    "市中心已接收，本批次证据包验收完成",
                    bundle_page,
                    sent.decided_at,
                    False,
                    f"bundle_accepted:{sent.id}",
                )
            )
        waiting = sent is None or sent.status is SubmissionStatus.RETURNED
        if waiting and todo.campaign_due_soon(deadline, today):
            items.append(
                Item(
                    ItemKind.CAMPAIGN_DUE_SOON,
                    f"{name}证据包 {deadline.isoformat()} 截止",
                    f"{todo.days_phrase(deadline, today)}，尚未提交至市中心",
                    bundle_page,
                    todo.due_soon_since(deadline, todo.CAMPAIGN_DUE_SOON_DAYS),
                    True,
                    f"campaign_due_soon:{campaign_id}:{district_id}:{deadline.isoformat()}",
                )
            )
    items.extend(_orders(session, today, district_id, todo.leader_order_kind, ORDER_PAGE))
    return items


def _orders(
    session: Session,
    today: date,
    district_id: int | None,
    kind_of: Callable[[OrderStatus, date, date], ItemKind | None],
    page: str,
) -> list[Item]:
    statement = (
        select(
            RectificationOrder.id,
            RectificationOrder.status,
            RectificationOrder.number,
            RectificationOrder.deadline,
            RectificationOrder.issued_at,
            RectificationOrder.escalated_at,
            Station.name,
            District.name,
        )
        .join(Station, Station.id == RectificationOrder.station_id)
        .join(District, District.id == RectificationOrder.district_id)
        .where(RectificationOrder.status.in_((OrderStatus.ISSUED, OrderStatus.ESCALATED)))
    )
    if district_id is not None:
        statement = statement.where(RectificationOrder.district_id == district_id)
    items = []
    for order_id, status, number, deadline, issued_at, escalated_at, station, district in session.execute(statement):
        kind = kind_of(status, deadline, today)
        if kind is None:
            continue
        place = station if district_id is not None else f"{district}·{station}"
        items.append(
            Item(
                kind,
                place,
                f"整改通知{' ' + number if number else ''} · 期限 {deadline.isoformat()}（{todo.days_phrase(deadline, today)}）"
                f" · {status.label}",
                page.format(id=order_id),
                todo.order_since(kind, deadline, issued_at, escalated_at),
                kind is not ItemKind.ORDER_DUE_SOON,
                f"{kind.value}:{order_id}:{deadline.isoformat()}",
            )
        )
    return items


def _latest_submissions(
    session: Session, campaign_ids: list[int], district_id: int | None = None
) -> dict[tuple[int, int], Submission]:
    """The newest submission of each (district, campaign) among the campaigns."""
    if not campaign_ids:
        return {}
    newer = aliased(Submission)
    statement = select(Submission).where(
        Submission.campaign_id.in_(campaign_ids),
        ~exists().where(
            and_(
                newer.district_id == Submission.district_id,
                newer.campaign_id == Submission.campaign_id,
                newer.version > Submission.version,
            )
        ),
    )
    if district_id is not None:
        statement = statement.where(Submission.district_id == district_id)
    return {(s.district_id, s.campaign_id): s for s in session.scalars(statement)}


# ---- the city center ---------------------------------------------------------------------------------------


def _city(session: Session, user: User, today: date, now: datetime) -> list[Item]:
    covered = session.execute(
        select(Campaign.id, Campaign.name, Campaign.deadline, District.id, District.name)
        .join(campaign_districts, campaign_districts.c.campaign_id == Campaign.id)
        .join(District, District.id == campaign_districts.c.district_id)
        .where(Campaign.state == OPEN)
    ).all()
    latest = _latest_submissions(session, sorted({row[0] for row in covered}))
    items = []
    for campaign_id, name, deadline, district_id, district in covered:
        sent = latest.get((district_id, campaign_id))
        page = f"/city/districts/{district_id}?campaign={campaign_id}"
        if sent is not None and sent.status is SubmissionStatus.SUBMITTED:
            items.append(
                Item(
                    ItemKind.BUNDLE_RECEIVED,
                    f"{district}第{sent.version}版证据包",
                    f"{name} · 验证{'通过' if sent.verified else '未通过'} · 待接收或退回",
                    page,
                    sent.received_at,
                    not sent.verified,
                    f"bundle_received:{sent.id}",
                )
            )
        state = Latest(sent.version, sent.status) if sent is not None else None
        if is_overdue(state, deadline, today):
            items.append(
                Item(
                    ItemKind.DISTRICT_OVERDUE,
                    district,
                    f"{name} · 截止 {deadline.isoformat()}（{todo.days_phrase(deadline, today)}）· 尚未提交可接收的证据包",
                    page,
                    todo.overdue_since(deadline),
                    True,
                    f"district_overdue:{campaign_id}:{district_id}:{sent.id if sent else 0}",
                )
            )
    items.extend(
        Item(
            ItemKind.SPOT_CHECK_DONE,
            f"{district}·{station}",
            f"{name} · 抽查员 {inspector} · 得分 {score:g}",
            CITY_SPOT_CHECKS_PAGE,
            submitted_at,
            False,
            f"spot_check_done:{inspection_id}",
        )
        for inspection_id, submitted_at, score, station, district, name, inspector in session.execute(
            select(
                Inspection.id,
                Inspection.submitted_at,
                Inspection.score,
                Station.name,
                District.name,
                Campaign.name,
                User.display_name,
            )
            .join(Station, Station.id == Inspection.station_id)
            .join(District, District.id == Station.district_id)
            .join(Campaign, Campaign.id == Inspection.campaign_id)
            .join(User, User.id == Inspection.inspector_id)
            .where(
                Inspection.kind == InspectionKind.SPOT_CHECK,
                Inspection.status == InspectionStatus.SUBMITTED,
                Campaign.state == OPEN,
            )
        )
        if submitted_at is not None
    )
    items.extend(
        _orders(
            session,
            today,
            None,
            todo.city_order_kind,
            CITY_ORDERS_PAGE,
        )
    )
    return items


COLLECTORS: dict[Role, Callable[[Session, User, date, datetime], list[Item]]] = {
    Role.INSPECTOR: _inspector,
    Role.CITY_INSPECTOR: _city_inspector,
    Role.LEADER: _leader,
    Role.CITY: _city,
}
