"""Rectification orders (整改通知): which stations get one, what it lists, its deadline and its life.

A station whose inspection ends 需整改, or that failed a critical item, gets an order drafted from the items it
fell short on, critical ones first, each with the inspector's note. The leader issues it with a deadline (30 days by
default). A re-check of those items on site closes it when they all pass and the station no longer scores 需整改
(整改完成); a failed re-check or a deadline
passed escalates it, and the leader either extends it (a new deadline) or retires the station (已撤销, with a
reason). Every step is a transition checked here, so the pages, the API and the CLI refuse the same things with the
same Chinese words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Mapping, Sequence

from inspect_app.domain.checklists.checklist import ChecklistTemplate, Outcome
from inspect_app.domain.checklists.scoring import Answer, Verdict, earned, score

DEFAULT_DAYS = 30
MAX_DAYS = 180  # a deadline half a year away is no longer a rectification but a new season
# Orders whose deadline falls within this many days are shown as due soon on the leader's list.
DUE_SOON_DAYS = 7
MAX_REASON = 500


class OrderStatus(StrEnum):
    DRAFT = "draft"
    ISSUED = "issued"
    ESCALATED = "escalated"
    COMPLETED = "completed"
    RETIRED = "retired"

    @property
    def label(self) -> str:
        return ORDER_STATUS_LABELS[self]


ORDER_STATUS_LABELS = {
    OrderStatus.DRAFT: "待下达",
    OrderStatus.ISSUED: "整改中",
    OrderStatus.ESCALATED: "待决定",
    OrderStatus.COMPLETED: "整改完成",
    OrderStatus.RETIRED: "已撤销",
}
OPEN = frozenset({OrderStatus.DRAFT, OrderStatus.ISSUED, OrderStatus.ESCALATED})


class OrderAction(StrEnum):
    ISSUE = "issue"
    RECHECK_PASSED = "recheck_passed"
    RECHECK_FAILED = "recheck_failed"
    DEADLINE_PASSED = "deadline_passed"
    EXTEND = "extend"
    RETIRE = "retire"


# Which action each status allows, and where it leads.
TRANSITIONS: Mapping[OrderStatus, Mapping[OrderAction, OrderStatus]] = {
    OrderStatus.DRAFT: {OrderAction.ISSUE: OrderStatus.ISSUED},
    OrderStatus.ISSUED: {
        OrderAction.RECHECK_PASSED: OrderStatus.COMPLETED,
        OrderAction.RECHECK_FAILED: OrderStatus.ESCALATED,
        OrderAction.DEADLINE_PASSED: OrderStatus.ESCALATED,
    },
    OrderStatus.ESCALATED: {OrderAction.EXTEND: OrderStatus.ISSUED, OrderAction.RETIRE: OrderStatus.RETIRED},
    OrderStatus.COMPLETED: {},
    OrderStatus.RETIRED: {},
}

REFUSALS = {
    OrderAction.ISSUE: "只有待下达的整改通知可以下达",
    OrderAction.RECHECK_PASSED: "只有整改中的通知可以复查",
    OrderAction.RECHECK_FAILED: "只有整改中的通知可以复查",
    OrderAction.DEADLINE_PASSED: "只有整改中的通知会逾期",
    OrderAction.EXTEND: "只有复查未通过或已逾期的通知可以延期",
    OrderAction.RETIRE: "只有复查未通过或已逾期的通知可以撤销服务站",
}


class OrderError(ValueError):
    """A step the order does not allow now, or a deadline or reason it cannot take; the message is Chinese."""


def next_status(status: OrderStatus, action: OrderAction) -> OrderStatus:
    """Where the action leads from this status; OrderError when the status does not allow it."""
    try:
        return TRANSITIONS[status][action]
    except KeyError:
        raise OrderError(f"{REFUSALS[action]}（当前：{status.label}）") from None


def needs_order(outcome: Outcome | None, failed_critical: tuple[str, ...] | list[str] | None) -> bool:
    """Whether an inspection's result calls for a rectification order: 需整改, or a critical item failed."""
    return outcome is Outcome.RECTIFY or bool(failed_critical)


@dataclass(frozen=True)
class OrderItem:
    """One item the order lists: failed outright, or a graded item short of its points."""

    code: str
    text: str
    critical: bool
    note: str
    points: int  # what it earned
    maximum: int

    @property
    def failed(self) -> bool:
        return self.points == 0


def failed_items(
    template: ChecklistTemplate, answers: Mapping[str, Answer], notes: Mapping[str, str] | None = None
) -> tuple[OrderItem, ...]:
    """The items to put right: every applicable item short of its points (a station can be 需整改 on part marks
    alone), critical first, then failed before part-marked, each group in checklist order."""
    notes = notes or {}
    listed = [
        OrderItem(item.code, item.text, item.critical, (notes.get(item.code) or "").strip(), got, item.points)
        for item in template.items
        if (answer := answers.get(item.code)) is not None
        and answer.verdict is not Verdict.NA
        and (got := earned(item, answer)) < item.points
    ]
    return tuple(sorted(listed, key=lambda it: (not it.critical, not it.failed)))  # stable: checklist order


def default_deadline(issued_on: date) -> date:
    return issued_on + timedelta(days=DEFAULT_DAYS)


def check_deadline(deadline: date, today: date, current: date | None = None) -> date:
    """A deadline the leader may set: after today, within MAX_DAYS, and (extending) after the current one."""
    if deadline <= today:
        raise OrderError("整改期限应晚于今天")
    if deadline > today + timedelta(days=MAX_DAYS):
        raise OrderError(f"整改期限不能超过{MAX_DAYS}天")
    if current is not None and deadline <= current:
        raise OrderError("延期后的期限应晚于原期限")
    return deadline


def check_reason(reason: str, missing: str = "撤销服务站须填写原因") -> str:
    """The reason a station is retired (or an order extended): required, one paragraph at most."""
    reason = (reason or "").strip()
    if not reason:
        raise OrderError(missing)
    if len(reason) > MAX_REASON:
        raise OrderError(f"原因不能超过{MAX_REASON}字")
    return reason


def is_overdue(status: OrderStatus, deadline: date | None, today: date) -> bool:
    """An issued order whose deadline has passed without a passed re-check."""
    return status is OrderStatus.ISSUED and deadline is not None and today > deadline


def is_due_soon(status: OrderStatus, deadline: date | None, today: date) -> bool:
    """An issued order whose deadline falls within DUE_SOON_DAYS (today included), not yet passed."""
    return (
        status is OrderStatus.ISSUED
        and deadline is not None
        and today <= deadline <= today + timedelta(days=DUE_SOON_DAYS)
    )


def recheck_passed(
    order_items: Sequence[OrderItem],
    template: ChecklistTemplate,
    original: Mapping[str, Answer],
    recheck: Mapping[str, Answer],
) -> bool:
    """Whether a re-check clears the order: every listed item re-checked and passed (不适用 does not clear an item
    found applicable), and the station, scored with the re-checked answers in place of the original ones, no
    longer 需整改."""
    for listed in order_items:
        answer = recheck.get(listed.code)
        if answer is None or answer.verdict is not Verdict.PASS:
            return False
    return score(template, {**original, **recheck}).outcome is not Outcome.RECTIFY
