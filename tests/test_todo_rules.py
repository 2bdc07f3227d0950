"""The to-do rules without a database: order, counts, what an order is on whose list, the e-mail's text."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from inspect_app.domain import todo
from inspect_app.domain.follow_up.rectification import OrderStatus
from inspect_app.domain.identity.permissions import Role
from inspect_app.domain.todo import Item, ItemKind

TODAY = date(2026, 11, 22)
NOON = datetime(2026, 11, 22, 4, tzinfo=timezone.utc)


def item(kind=ItemKind.REVIEW_WAITING, title="甲站：检查待审核", hours_ago=0.0, urgent=False, key=None):
    return Item(
        kind, title, "细节", "/x", NOON - timedelta(hours=hours_ago), urgent, key or f"{kind}:{title}:{hours_ago}"
    )


def test_newest_first_and_ties_in_a_fixed_order():
    a, b, c = item(title="乙站", hours_ago=1), item(title="甲站", hours_ago=1), item(hours_ago=0.5)
    d = item(ItemKind.ORDER_OVERDUE, "丙站", hours_ago=1)
    assert todo.ordered([a, d, b, c]) == todo.ordered([b, c, a, d]) == [c, d, a, b]


def test_counts_and_urgent_counts():
    items = [item(urgent=True, key="1"), item(key="2"), item(urgent=True, key="3")]
    assert todo.count(items) == todo.Count(3, 2)
    assert todo.count([]) == todo.Count(0, 0)


def test_only_items_not_yet_mailed_go_out():
    old, new = item(key="review:1", hours_ago=2), item(key="review:2", hours_ago=1)
    assert todo.not_yet_mailed([old, new], {"review:1"}) == [new]
    assert todo.not_yet_mailed([old], {"review:1"}) == []


@pytest.mark.parametrize(
    "status, days, leader, city",
    [
        (OrderStatus.ISSUED, -1, ItemKind.ORDER_OVERDUE, True),
        (OrderStatus.ISSUED, 0, ItemKind.ORDER_DUE_SOON, False),
        (OrderStatus.ISSUED, 7, ItemKind.ORDER_DUE_SOON, False),
        (OrderStatus.ISSUED, 8, None, False),
        (OrderStatus.ESCALATED, 5, ItemKind.ORDER_DECISION, False),
        (OrderStatus.ESCALATED, -5, ItemKind.ORDER_DECISION, True),
        (OrderStatus.DRAFT, -5, None, False),
        (OrderStatus.COMPLETED, -5, None, False),
        (OrderStatus.RETIRED, -5, None, False),
    ],
)
def test_what_an_order_is_on_the_leaders_and_the_citys_list(status, days, leader, city):
    deadline = TODAY + timedelta(days=days)
    assert todo.leader_order_kind(status, deadline, TODAY) is leader
    assert todo.city_order_overdue(status, deadline, TODAY) is city


def test_since_when_a_deadline_waits():
    deadline = date(2026, 11, 30)
    assert todo.overdue_since(deadline).isoformat() == "2026-12-01T00:00:00+08:00"
    assert todo.due_soon_since(deadline, 7).isoformat() == "2026-11-23T00:00:00+08:00"
    assert todo.order_since(ItemKind.ORDER_DECISION, deadline, None, NOON) == NOON


def test_the_campaign_deadline_and_the_citys_acceptance_windows():
    assert todo.campaign_due_soon(TODAY + timedelta(days=7), TODAY)
    assert not todo.campaign_due_soon(TODAY + timedelta(days=8), TODAY)
    assert not todo.campaign_due_soon(TODAY - timedelta(days=1), TODAY)
    assert todo.acceptance_shown(NOON - timedelta(days=14), NOON)
    assert not todo.acceptance_shown(NOON - timedelta(days=15), NOON)


def test_days_in_words():
    assert [todo.days_phrase(TODAY + timedelta(days=n), TODAY) for n in (3, 0, -2)] == [
        "还剩3天",
        "今天到期",
        "已逾期2天",
    ]


def test_each_role_has_its_kinds_and_the_admin_none():
    assert todo.kinds_for(Role.ADMIN) == ()
    assert ItemKind.SPOT_CHECK_DUE in todo.kinds_for(Role.CITY_INSPECTOR)
    assert ItemKind.ORDER_OVERDUE in todo.kinds_for(Role.LEADER) and ItemKind.ORDER_OVERDUE in todo.kinds_for(Role.CITY)
    every = {kind for role in Role for kind in todo.kinds_for(role)}
    assert every == set(ItemKind) and all(kind.label for kind in ItemKind)


def test_the_mail_names_every_item_with_its_full_link():
    items = [item(urgent=True, key="a", title="甲站：检查被退回补正", kind=ItemKind.RETURNED_INSPECTION), item(key="b")]
    body = todo.mail_body("王丽", items, "https://12315.example.cn/")
    assert body.startswith("王丽，您好：\n")
    assert "1. 【紧急】[退回补正] 甲站：检查被退回补正\n   细节\n   https://12315.example.cn/x\n" in body
    assert "2. [待审核] 甲站：检查待审核" in body
    assert todo.mail_subject(2) == "【12315服务站验收】您有2项新的待办事项"
