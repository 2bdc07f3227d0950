"""Campaigns in a real browser: the city creates and opens one at desktop size through labelled controls; the
inspector at phone size sees it, switches to the earlier one to read it, and comes back."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from support import make_user

from inspect_app.domain.campaigns import CampaignState
from inspect_app.models import Campaign

pytestmark = pytest.mark.browser
DESKTOP = {"width": 1280, "height": 800}


def sign_in(page, base: str, username: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码", exact=True).fill("secret-pass-1")
    with page.expect_navigation():
        page.locator("main button[type=submit]").click()


def fits(page, width: int) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= width


def test_the_city_opens_a_campaign_and_the_inspector_switches_between_years(
    live_server, session, browser, phone, field, screenshot
):
    make_user(session, "city", username="city.center")
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN", timezone_id="Asia/Shanghai")
    desk = context.new_page()
    sign_in(desk, live_server, "city.center")
    desk.get_by_role("navigation").get_by_role("link", name="核查表", exact=True).click()
    desk.get_by_role("link", name="新建验收批次").click()
    desk.get_by_label("批次名称").fill("2027年度自查验收")
    desk.get_by_label("开始日期").fill("2027-09-01")
    desk.get_by_label("截止日期").fill("2027-08-01")  # before the start: refused, nothing stored
    desk.get_by_label("杭锦旗").uncheck()
    with desk.expect_navigation():
        desk.get_by_role("button", name="创建批次（筹备中）").click()
    expect(desk.locator(".has-error .error")).to_have_text("截止日期不能早于开始日期")
    expect(desk.get_by_label("杭锦旗")).not_to_be_checked()  # what was chosen stays
    desk.get_by_label("截止日期").fill("2027-11-01")
    with desk.expect_navigation():
        desk.get_by_role("button", name="创建批次（筹备中）").click()
    expect(desk.locator(".flash-success")).to_contain_text("已创建验收批次“2027年度自查验收”（筹备中）")
    assert fits(desk, DESKTOP["width"])
    screenshot(desk, "campaign-draft-desktop")
    desk.get_by_role("link", name="开放批次").click()
    with desk.expect_navigation():
        desk.get_by_role("button", name="确认开放").click()
    expect(desk.locator(".flash-success")).to_have_text("“2027年度自查验收”已开放。")
    campaign = session.scalar(select(Campaign).where(Campaign.name == "2027年度自查验收"))
    assert campaign.state is CampaignState.OPEN and len(campaign.districts) == 8
    context.close()

    sign_in(phone, live_server, "inspector.ds")
    phone.goto(live_server + "/inspect/")
    switch = phone.get_by_label("验收批次")
    expect(switch.locator("option:checked")).to_have_text("2027年度自查验收（进行中）")
    expect(phone.get_by_role("button", name="开始检查")).to_have_count(1)
    switch.select_option(label="2026年度自查验收（进行中）")
    with phone.expect_navigation():
        phone.get_by_role("button", name="切换").click()
    expect(phone.get_by_label("验收批次").locator("option:checked")).to_have_text("2026年度自查验收（进行中）")
    phone.goto(live_server + "/")  # the choice is kept from page to page
    expect(phone.get_by_label("验收批次").locator("option:checked")).to_have_text("2026年度自查验收（进行中）")
    assert fits(phone, 390)
    screenshot(phone, "campaign-switch-phone")
