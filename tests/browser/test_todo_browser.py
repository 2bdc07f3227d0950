"""The home page's to-do list in Chromium, for the inspector, the leader and the city, on a phone and on a desk:
nothing spills over, the badge counts the list, every item is a link."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from support import make_station, make_user
from todo_support import at, inspection, order, sample, submission

from inspect_app.domain.clock import BEIJING
from inspect_app.domain.evidence.submissions import SubmissionStatus
from inspect_app.domain.follow_up.rectification import OrderStatus
from inspect_app.domain.inspections import InspectionKind, InspectionStatus

pytestmark = pytest.mark.browser

SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}


@pytest.fixture
def season(session, campaign):
    today = datetime.now(BEIJING).date()
    insp = make_user(session, "inspector", "150602", username="todo.insp")
    leader = make_user(session, "leader", "150602", username="todo.leader")
    city = make_user(session, "city", username="todo.city")
    kbs_leader = make_user(session, "leader", "150603", username="todo.kbs")
    city_insp = make_user(session, "city_inspector", username="todo.cityinsp")
    insp.email = "wang.haiying@example.com"
    session.commit()
    names = iter(
        [
            "鄂尔多斯市东胜区万达广场购物中心12315消费维权服务站",
            "东胜区维多利超市12315消费维权服务站",
            "东胜区天骄路农贸市场12315消费维权服务站",
            "东胜区伊泰集团有限公司12315消费维权服务站",
            "东胜区王府井百货12315消费维权服务站",
            "东胜区鄂尔多斯大剧院景区12315消费维权服务站",
        ]
    )

    def station():
        return make_station(session, "150602", name=next(names))

    inspection(
        session,
        campaign,
        station(),
        insp,
        InspectionStatus.RETURNED,
        reviewed_at=at(2),
        comment="宣传栏照片看不清，请补拍；服务站代表签名缺失，请请代表补签后重新提交。",
    )
    inspection(session, campaign, station(), insp, InspectionStatus.SUBMITTED, submitted_at=at(5), score=91.5)
    order(session, campaign, station(), insp, OrderStatus.ISSUED, today + timedelta(days=3), issued_at=at(30))
    order(session, campaign, station(), insp, OrderStatus.ISSUED, today - timedelta(days=4), issued_at=at(900))
    submission(
        session,
        campaign,
        leader.district_id,
        leader,
        SubmissionStatus.RETURNED,
        decided_at=at(1),
        comment="名录表缺少两个服务站的联系电话，请补正后重新签字提交。",
    )
    submission(session, campaign, kbs_leader.district_id, kbs_leader, SubmissionStatus.SUBMITTED, received_at=at(4))
    spot = make_station(session, "150603", name="康巴什区万达广场12315消费维权服务站")
    inspection(
        session,
        campaign,
        spot,
        city_insp,
        InspectionStatus.SUBMITTED,
        kind=InspectionKind.SPOT_CHECK,
        submitted_at=at(3),
        score=78,
    )
    sample(session, campaign, city, [(station(), city_insp)])
    return {"inspector": insp, "leader": leader, "city": city}


@pytest.mark.parametrize("role", ["inspector", "leader", "city"])
def test_the_home_page_lists_what_waits_and_fits_a_phone_and_a_desk(live_server, browser, season, screenshot, role):
    for size, viewport in SIZES.items():
        context = browser.new_context(
            viewport=viewport,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            is_mobile=size == "phone",
            has_touch=size == "phone",
            device_scale_factor=2 if size == "phone" else 1,
        )
        page = context.new_page()
        page.goto(live_server + "/login")
        page.fill("input[name=username]", season[role].username)
        page.fill("input[name=password]", "secret-pass-1")
        with page.expect_navigation():
            page.click("main button[type=submit]")
        items = page.locator("ul.todo > li")
        assert items.count() >= 2
        assert page.inner_text(".nav .badge") == str(items.count())
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        for n in range(items.count()):
            box = items.nth(n).bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]
        screenshot(page, f"todo-home-{role}-{size}")
        context.close()


def test_the_email_pages_fit_a_phone_and_a_desk(live_server, browser, session, season, screenshot):
    make_user(session, "admin", username="todo.admin")
    for who, path, name in (
        ("todo.insp", "/account/email", "account-email"),
        ("todo.admin", "/admin/users", "admin-users-email"),
    ):
        for size, viewport in SIZES.items():
            context = browser.new_context(viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai")
            page = context.new_page()
            page.goto(live_server + "/login")
            page.fill("input[name=username]", who)
            page.fill("input[name=password]", "secret-pass-1")
            with page.expect_navigation():
                page.click("main button[type=submit]")
            page.goto(live_server + path)
            assert page.locator("input[type=email]").count() >= 1
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
            screenshot(page, f"todo-{name}-{size}")
            context.close()
