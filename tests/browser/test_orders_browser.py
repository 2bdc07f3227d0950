"""The rectification-order pages in Chromium, on a phone and on a desktop: nothing overflows, the overdue and the
due-soon orders stand out, the leader issues with the PIN. Screenshots land in test-artifacts/."""

from __future__ import annotations

from datetime import timedelta

import pytest
from order_support import order_world, stored_inspection
from support import PIN, keyed, make_station, make_user

from inspect_app.domain.follow_up.rectification import OrderStatus
from inspect_app.follow_up import issue, orders
from inspect_app.models import RectificationOrder
from inspect_app.web.context import today

from .offline import off_the_loop

SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}


@pytest.fixture
def season_of_orders(app, session, campaign, tmp_path):
    """Dongsheng with three orders: one overdue, one due in three days (escalated meanwhile), one still a draft."""
    world = order_world(app, session, campaign)
    for n, note in enumerate(("宣传栏内容为2023年旧材料", "电脑无法登录12315平台")):
        station = make_station(session, "150602", name=f"东胜第{n + 1}市场12315消费维权服务站")
        stored_inspection(session, campaign, station, world["inspector"], {"A4": note, "C2": "未按时报送"})
    leader = world["leader"]
    made = orders.draft_orders(session, leader.actor, leader.district_id, campaign, today())
    for order in made[:2]:
        off_the_loop(
            issue.issue_order,
            session,
            leader.actor,
            app.extensions["filestore"],
            leader,
            order.id,
            keyed(app, PIN),
            tmp_path,
            today(),
        )
    first, second = (session.get(RectificationOrder, o.id) for o in made[:2])
    first.deadline = today() - timedelta(days=4)
    second.deadline = today() + timedelta(days=3)
    session.commit()
    make_user(session, "city", username="city.orders")
    return world, made


def _page(browser, size: str):
    context = browser.new_context(viewport=SIZES[size], locale="zh-CN", timezone_id="Asia/Shanghai")
    return context, context.new_page()


def _login(page, server: str, username: str) -> None:
    page.goto(server + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "secret-pass-1")
    page.click("main button[type=submit]")


def _fits(page, size: str) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= SIZES[size]["width"]


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_the_order_pages_fit_and_stand_out(live_server, browser, session, season_of_orders, screenshot, size):
    world, made = season_of_orders
    context, page = _page(browser, size)
    _login(page, live_server, "leader.ds")
    page.goto(live_server + "/review/orders/")
    assert page.locator(".inbox-row.overdue").count() == 1 and page.locator(".inbox-row.due-soon").count() == 1
    assert "已逾期4天" in page.inner_text("main") and "3天后到期" in page.inner_text("main")
    assert _fits(page, size)
    screenshot(page, f"orders-leader-list-{size}")
    page.goto(live_server + f"/review/orders/{made[2].id}")
    assert "签名并下达" in page.inner_text("main") and _fits(page, size)
    screenshot(page, f"orders-draft-{size}")
    page.goto(live_server + f"/review/orders/{made[0].id}")
    assert "下载整改通知书" in page.inner_text("main") and _fits(page, size)
    screenshot(page, f"orders-issued-{size}")
    off_the_loop(orders.escalate_overdue, session, today())
    page.reload()
    assert "延期整改" in page.inner_text("main") and _fits(page, size)
    screenshot(page, f"orders-escalated-{size}")
    context.close()

    context, page = _page(browser, size)
    _login(page, live_server, "insp.ds")
    page.goto(live_server + "/inspect/orders")
    assert page.locator(".inbox-row").count() == 2 and _fits(page, size)
    screenshot(page, f"orders-inspector-{size}")
    context.close()

    context, page = _page(browser, size)
    _login(page, live_server, "city.orders")
    page.goto(live_server + "/city/orders")
    assert page.locator(".inbox-row").count() == 3 and "东胜区" in page.inner_text("main") and _fits(page, size)
    screenshot(page, f"orders-city-{size}")
    context.close()


def test_the_leader_issues_an_order_with_the_pin(live_server, browser, session, season_of_orders):
    _, made = season_of_orders
    context, page = _page(browser, "phone")
    _login(page, live_server, "leader.ds")
    page.goto(live_server + f"/review/orders/{made[2].id}")
    page.fill("input[name=pin]", PIN)
    with page.expect_navigation():
        page.click("text=签名并下达")
    assert "已下达整改通知书 东胜市监整改〔2026〕3号" in page.inner_text(".flash-success")
    with page.expect_download() as download:
        page.click("text=下载整改通知书")
    assert download.value.suggested_filename.startswith("整改通知书-东胜市监整改〔2026〕3号")
    session.expire_all()
    assert session.get(RectificationOrder, made[2].id).status is OrderStatus.ISSUED
    context.close()
