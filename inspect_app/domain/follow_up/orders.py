"""Rectification orders as the pages, the notice and the narrative show them: document numbers, the order a list
is read in, and the counts a district reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Iterable

from inspect_app.domain.follow_up.rectification import OPEN, OrderStatus, is_due_soon, is_overdue


def short_name(district: str) -> str:
    """A district's name as a document number abbreviates it: 东胜区 → 东胜, 鄂托克前旗 → 鄂托克前."""
    return district[:-1] if len(district) > 2 and district[-1] in "区旗县" else district


def notice_number(district: str, year: int, serial: int) -> str:
    """The 整改通知书's document number: 东胜市监整改〔2026〕3号."""
    return f"{short_name(district)}市监整改〔{year}〕{serial}号"


def number_prefix(district: str, year: int) -> str:
    """What every number of the district's notices of that year begins with."""
    return f"{short_name(district)}市监整改〔{year}〕"


def serial_of(number: str, prefix: str) -> int | None:
    """The serial of a number with this prefix, or None when it is another year's or district's."""
    if not number.startswith(prefix) or not number.endswith("号"):
        return None
    digits = number[len(prefix) : -1]
    return int(digits) if digits.isdigit() else None


@dataclass(frozen=True)
class Urgency:
    """How an order stands out on a list: overdue, due within DUE_SOON_DAYS, or neither; with its label."""

    overdue: bool
    due_soon: bool
    days_left: int | None

    @property
    def label(self) -> str:
        if self.overdue and self.days_left is not None:
            return f"已逾期{-self.days_left}天"
        if self.due_soon and self.days_left is not None:
            return "今天到期" if self.days_left == 0 else f"{self.days_left}天后到期"
        return ""


def urgency(status: OrderStatus, deadline: date | None, today: date) -> Urgency:
    """Whether an order is overdue or due soon today."""
    days = (deadline - today).days if deadline is not None else None
    return Urgency(is_overdue(status, deadline, today), is_due_soon(status, deadline, today), days)


# Waiting for the leader first, then the late, the due soon, the rest under way, drafts; closed ones last.
_RANK = {
    OrderStatus.ESCALATED: 0,
    OrderStatus.ISSUED: 2,
    OrderStatus.DRAFT: 4,
    OrderStatus.COMPLETED: 5,
    OrderStatus.RETIRED: 5,
}


def list_rank(status: OrderStatus, deadline: date | None, today: date) -> tuple[int, date]:
    """The key a list of orders is sorted by: open ones first, overdue and due-soon ones at the top of those."""
    rank = _RANK[status]
    if status is OrderStatus.ISSUED:
        if is_overdue(status, deadline, today):
            rank = 1
        elif not is_due_soon(status, deadline, today):
            rank = 3
    return rank, deadline or date.max


@dataclass(frozen=True)
class OrderCounts:
    """A district's orders in a campaign: how many in each status, and how many of the issued ones are overdue."""

    by_status: dict[OrderStatus, int] = field(default_factory=dict)
    overdue: int = 0

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    @property
    def issued(self) -> int:
        """Orders handed to their stations (all but the drafts)."""
        return self.total - self.of(OrderStatus.DRAFT)

    @property
    def shown(self) -> dict[str, int]:
        """The counts a table shows, by column: handed out, then each state after issue, then the drafts."""
        return {
            "已下达": self.issued,
            "整改中": self.of(OrderStatus.ISSUED),
            "其中逾期": self.overdue,
            "待决定": self.of(OrderStatus.ESCALATED),
            "整改完成": self.of(OrderStatus.COMPLETED),
            "已撤销": self.of(OrderStatus.RETIRED),
            "待下达": self.of(OrderStatus.DRAFT),
        }

    @property
    def open(self) -> int:
        return sum(n for status, n in self.by_status.items() if status in OPEN)

    def of(self, status: OrderStatus) -> int:
        return self.by_status.get(status, 0)


def count_orders(orders: Iterable[tuple[OrderStatus, date | None]], today: date) -> OrderCounts:
    """Count (status, deadline) pairs."""
    by_status: dict[OrderStatus, int] = {}
    overdue = 0
    for status, deadline in orders:
        by_status[status] = by_status.get(status, 0) + 1
        overdue += is_overdue(status, deadline, today)
    return OrderCounts(by_status, overdue)


def combined(counts: Iterable[OrderCounts]) -> OrderCounts:
    """Several districts' counts as one (the city's)."""
    by_status: dict[OrderStatus, int] = {}
    overdue = 0
    for one in counts:
        for status, n in one.by_status.items():
            by_status[status] = by_status.get(status, 0) + n
        overdue += one.overdue
    return OrderCounts(by_status, overdue)


def orders_paragraph(counts: OrderCounts) -> str:
    """The narrative's paragraph on rectification orders: how many were drafted, issued, completed, escalated,
    extended or retired (no outcome label followed by a count, which the figure check would read as one)."""
    if not counts.total:
        return "五、整改通知。本批次未发出整改通知。"
    parts = [
        f"已下达整改通知{counts.total - counts.of(OrderStatus.DRAFT)}份",
        f"其中整改完成{counts.of(OrderStatus.COMPLETED)}份",
        f"整改中{counts.of(OrderStatus.ISSUED)}份" + (f"（已逾期{counts.overdue}份）" if counts.overdue else ""),
        f"复查未通过或逾期待决定{counts.of(OrderStatus.ESCALATED)}份",
        f"撤销服务站{counts.of(OrderStatus.RETIRED)}个",
    ]
    drafts = counts.of(OrderStatus.DRAFT)
    tail = f"另有{drafts}份整改通知待下达。" if drafts else ""
    return "五、整改通知。" + "，".join(parts) + "。" + tail


@dataclass(frozen=True)
class OrderLine:
    """An issued order as the district's report lists it."""

    number: str
    station_number: str
    station_name: str
    items: int
    critical: int
    deadline: date
    status_label: str
    extensions: int
    score: float  # the inspection the order lists the findings of
    recheck_score: float | None  # the latest submitted re-check's, if any
