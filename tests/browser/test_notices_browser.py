"""The results notice in a real browser, at phone and desktop size: the city drafts it and the leader reads it."""

import pytest
from support import PIN, keyed

from inspect_app.follow_up import notices

from .offline import off_the_loop

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}


def fits(page, width: int) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= width


def sign_in(page, server: str, username: str) -> None:
    page.goto(server + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "secret-pass-1")
    page.click("main button[type=submit]")


def test_the_city_drafts_the_notice_and_the_leader_reads_it_once_published(
    live_server, app, session, browser, phone, city_season, screenshot, tmp_path
):
    city, campaign = city_season["city"], city_season["campaign"]
    desktop = browser.new_context(viewport=DESKTOP, locale="zh-CN", timezone_id="Asia/Shanghai").new_page()
    sign_in(phone, live_server, "city.center")
    phone.goto(live_server + "/city/notices")
    with phone.expect_navigation():
        phone.click("button:has-text('按验收数据起草通报')")
    assert "草稿已按验收数据起草" in phone.inner_text(".flash-success")
    assert "一、各旗区验收结果" in phone.input_value("textarea[name=body]") and fits(phone, 390)
    screenshot(phone, "notice-city-draft-phone")
    sign_in(desktop, live_server, "city.center")
    desktop.goto(live_server + "/city/notices")
    assert fits(desktop, 1280)
    screenshot(desktop, "notice-city-draft-desktop")

    draft = notices.notices(session, city.actor, campaign.id)[0]
    off_the_loop(
        notices.sign_notice, session, city.actor, app.extensions["filestore"], city, draft.id, keyed(app, PIN), tmp_path
    )
    phone.goto(live_server + "/city/notices")
    assert "发布给各旗区" in phone.inner_text("main") and fits(phone, 390)
    screenshot(phone, "notice-city-signed-phone")

    leader = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, locale="zh-CN").new_page()
    sign_in(leader, live_server, "leader.ds")
    leader.goto(live_server + "/notices/")
    assert "还没有发布的通报" in leader.inner_text("main")
    with phone.expect_navigation():
        phone.click("button:has-text('发布给各旗区')")
    leader.goto(live_server + "/notices/")
    assert "鄂市监消〔2026〕1号" in leader.inner_text("main") and fits(leader, 390)
    assert leader.locator("nav.nav a", has_text="通报").count() == 1
    screenshot(leader, "notice-leader-phone")
    reader = browser.new_context(viewport=DESKTOP, locale="zh-CN", timezone_id="Asia/Shanghai").new_page()
    sign_in(reader, live_server, "leader.ds")
    reader.goto(live_server + "/notices/")
    assert fits(reader, 1280)
    screenshot(reader, "notice-leader-desktop")
