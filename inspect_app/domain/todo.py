"""What waits for a person (待办): the kinds of item each role is shown, how they are ordered and counted.

An item is one thing a person should act on or know about, with a link to the page where it is handled. The home
page lists them newest first, the navigation shows how many there are, and when an SMTP server is configured the
same items are e-mailed once each (an item's `key` says which ones were already sent).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Iterable, Sequence

from inspect_app.domain.clock import BEIJING
from inspect_app.domain.follow_up.rectification import DUE_SOON_DAYS, OrderStatus, is_due_soon, is_overdue
from inspect_app.domain.identity.permissions import Role

# A city's acceptance of the district's bundle is news for this long, then it leaves the leader's list.
ACCEPTANCE_SHOWN_DAYS = 14
# A campaign deadline this close, with nothing sent to the city, is on the leader's list.
CAMPAIGN_DUE_SOON_DAYS = 7


class ItemKind(StrEnum):
    RETURNED_INSPECTION = "returned_inspection"  # inspector: a leader returned the inspection for correction
    RECHECK_DUE = "recheck_due"  # inspector: an issued rectification order to re-check
    SPOT_CHECK_DUE = "spot_check_due"  # city inspector: a sampled station whose spot check is not submitted
    REVIEW_WAITING = "review_waiting"  # leader: a submitted inspection to accept or return
    BUNDLE_RETURNED = "bundle_returned"  # leader: the city returned the bundle
    BUNDLE_ACCEPTED = "bundle_accepted"  # leader: the city accepted the bundle
    ORDER_OVERDUE = "order_overdue"  # leader and city: past its deadline, or waiting for the leader's decision
    ORDER_DUE_SOON = "order_due_soon"  # leader: a rectification deadline within DUE_SOON_DAYS
    ORDER_DECISION = "order_decision"  # leader: a failed re-check or a passed deadline waits to be extended or retired
    CAMPAIGN_DUE_SOON = "campaign_due_soon"  # leader: the campaign's deadline close, nothing sent to the city
    BUNDLE_RECEIVED = "bundle_received"  # city: a bundle waiting for acceptance or return
    DISTRICT_OVERDUE = "district_overdue"  # city: a district past the deadline with nothing the city could accept
    SPOT_CHECK_DONE = "spot_check_done"  # city: a city inspector submitted a spot check

    @property
    def label(self) -> str:
        return KIND_LABELS[self]


KIND_LABELS = {
    ItemKind.RETURNED_INSPECTION: "退回补正",
    ItemKind.RECHECK_DUE: "待复查",
    ItemKind.SPOT_CHECK_DUE: "待抽查",
    ItemKind.REVIEW_WAITING: "待审核",
    ItemKind.BUNDLE_RETURNED: "证据包被退回",
    ItemKind.BUNDLE_ACCEPTED: "证据包已接收",
    ItemKind.ORDER_OVERDUE: "整改逾期",
    ItemKind.ORDER_DUE_SOON: "整改即将到期",
    ItemKind.ORDER_DECISION: "整改待决定",
    ItemKind.CAMPAIGN_DUE_SOON: "验收即将截止",
    ItemKind.BUNDLE_RECEIVED: "待接收证据包",
    ItemKind.DISTRICT_OVERDUE: "旗区逾期未报",
    ItemKind.SPOT_CHECK_DONE: "抽查已完成",
}

# Which kinds each role is shown; a role not listed (the admin) has no to-do list.
ROLE_KINDS: dict[Role, tuple[ItemKind, ...]] = {
    Role.INSPECTOR: (ItemKind.RETURNED_INSPECTION, ItemKind.RECHECK_DUE),
    Role.CITY_INSPECTOR: (ItemKind.SPOT_CHECK_DUE,),
    Role.LEADER: (
        ItemKind.REVIEW_WAITING,
        ItemKind.BUNDLE_RETURNED,
        ItemKind.BUNDLE_ACCEPTED,
        ItemKind.ORDER_OVERDUE,
        ItemKind.ORDER_DUE_SOON,
        ItemKind.ORDER_DECISION,
        ItemKind.CAMPAIGN_DUE_SOON,
    ),
    Role.CITY: (ItemKind.BUNDLE_RECEIVED, ItemKind.DISTRICT_OVERDUE, ItemKind.SPOT_CHECK_DONE, ItemKind.ORDER_OVERDUE),
}


@dataclass(frozen=True)
class Item:
    """One thing waiting for a person: what it is, a line of detail, where it is handled, since when, how urgent.

    `key` names the item and the state it is in (a second return of the same inspection is a new item), so that an
    e-mail never carries the same item twice."""

    kind: ItemKind
    title: str
    detail: str
    link: str
    when: datetime
    urgent: bool
    key: str

    @property
    def label(self) -> str:
        return self.kind.label


@dataclass(frozen=True)
class Count:
    """How many items wait, and how many of them are urgent (the badge turns red)."""

    total: int
    urgent: int


def kinds_for(role: Role) -> tuple[ItemKind, ...]:
    """The kinds of item the role is shown (none for a role without a list)."""
    return ROLE_KINDS.get(role, ())


def ordered(items: Iterable[Item]) -> list[Item]:
    """Newest first; items of the same moment by kind, then title, so the order never wobbles between pages."""
    listed = sorted(items, key=lambda it: (it.kind.value, it.title, it.key))
    return sorted(listed, key=lambda it: it.when, reverse=True)  # stable: ties keep the order above


def count(items: Sequence[Item]) -> Count:
    """The badge's numbers for a list."""
    return Count(len(items), sum(1 for it in items if it.urgent))


def not_yet_mailed(items: Iterable[Item], mailed_keys: set[str]) -> list[Item]:
    """The items no earlier e-mail carried, in list order."""
    return [it for it in ordered(items) if it.key not in mailed_keys]


def leader_order_kind(status: OrderStatus, deadline: date, today: date) -> ItemKind | None:
    """What an order of the district is on the leader's list: overdue, due soon, waiting for a decision, or nothing."""
    if status is OrderStatus.ESCALATED:
        return ItemKind.ORDER_DECISION
    if is_overdue(status, deadline, today):
        return ItemKind.ORDER_OVERDUE
    if is_due_soon(status, deadline, today):
        return ItemKind.ORDER_DUE_SOON
    return None


def city_order_overdue(status: OrderStatus, deadline: date, today: date) -> bool:
    """An order the city sees as overdue: issued and past its deadline, or escalated with its deadline passed (the
    sweep escalates overdue orders; one escalated by a failed re-check within its deadline is not overdue)."""
    return is_overdue(status, deadline, today) or (status is OrderStatus.ESCALATED and today > deadline)


def city_order_kind(status: OrderStatus, deadline: date, today: date) -> ItemKind | None:
    """What an order is on the city's list: overdue, or nothing."""
    return ItemKind.ORDER_OVERDUE if city_order_overdue(status, deadline, today) else None


def order_since(kind: ItemKind, deadline: date, issued_at: datetime | None, escalated_at: datetime | None) -> datetime:
    """Since when an order item waits: the day after its deadline once overdue, the first day it is due soon, the
    escalation for a decision, the issue for a re-check."""
    if kind is ItemKind.ORDER_OVERDUE:
        return overdue_since(deadline)
    if kind is ItemKind.ORDER_DUE_SOON:
        return due_soon_since(deadline, DUE_SOON_DAYS)
    if kind is ItemKind.ORDER_DECISION and escalated_at is not None:
        return escalated_at
    return issued_at or due_soon_since(deadline, DUE_SOON_DAYS)


def overdue_since(deadline: date) -> datetime:
    """A deadline passed is an item from the start of the day after it."""
    return day_start(deadline + timedelta(days=1))


def due_soon_since(deadline: date, days: int) -> datetime:
    """A deadline `days` away or closer is an item from the start of the first such day."""
    return day_start(deadline - timedelta(days=days))


def day_start(day: date) -> datetime:
    """The moment a day begins in 鄂尔多斯."""
    return datetime.combine(day, time(0), tzinfo=BEIJING)


def acceptance_shown(decided_at: datetime, now: datetime) -> bool:
    """Whether the city's acceptance is still news on the leader's list."""
    return now - decided_at <= timedelta(days=ACCEPTANCE_SHOWN_DAYS)


def campaign_due_soon(deadline: date, today: date) -> bool:
    """A campaign deadline within CAMPAIGN_DUE_SOON_DAYS (today included), not yet passed."""
    return today <= deadline <= today + timedelta(days=CAMPAIGN_DUE_SOON_DAYS)


def days_phrase(deadline: date, today: date) -> str:
    """How far a deadline is, in words: 今天到期, 还剩3天, 已逾期2天."""
    days = (deadline - today).days
    if days == 0:
        return "今天到期"
    if days > 0:
        return f"还剩{days}天"
    return f"已逾期{-days}天"


def mail_subject(count_: int) -> str:
    """The subject of the e-mail that carries new items."""
    return f"【12315服务站验收】您有{count_}项新的待办事项"


def mail_body(display_name: str, items: Sequence[Item], base_url: str) -> str:
    """The plain-text e-mail: a greeting, one paragraph per item with its full link, a closing line."""
    base = base_url.rstrip("/")
    lines = [f"{display_name}，您好：", "", f"以下{len(items)}项事项等待您处理：", ""]
    for n, item in enumerate(items, start=1):
        mark = "【紧急】" if item.urgent else ""
        lines.append(f"{n}. {mark}[{item.label}] {item.title}")
        if item.detail:
            lines.append(f"   {item.detail}")
        lines.append(f"   {base}{item.link}")
        lines.append("")
    lines.append("登录系统首页可查看全部待办事项。本邮件由系统自动发送，请勿回复。")
    return "\n".join(lines) + "\n"
