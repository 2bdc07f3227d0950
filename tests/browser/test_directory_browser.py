"""In a real browser at phone size: sign in and find a station in the directory."""

import pytest
from support import make_station, make_user

pytestmark = pytest.mark.browser


def test_inspector_signs_in_and_finds_a_station(live_server, phone, session, screenshot):
    make_user(session, "inspector", "150627", username="inspector.yj")
    make_station(session, "150627", name="成吉思汗陵12315消费维权服务站", host_type="景区")
    make_station(session, "150627", name="伊金霍洛旗维多利超市12315消费维权服务站")
    make_station(session, "150602", name="东胜区万达广场12315消费维权服务站")

    phone.goto(live_server + "/")
    assert phone.url.endswith("/login?next=%2F")
    phone.fill("input[name=username]", "inspector.yj")
    phone.fill("input[name=password]", "wrong-password-1")
    phone.click("button[type=submit]")
    assert phone.locator(".flash-error").inner_text() == "用户名或密码错误，或账号已停用。"
    phone.fill("input[name=password]", "secret-pass-1")
    phone.click("button[type=submit]")
    assert "您好" in phone.locator("h1").inner_text()

    phone.click("nav >> text=名录")
    cards = phone.locator(".station-card h3")
    assert sorted(cards.all_inner_texts()) == sorted(
        ["成吉思汗陵12315消费维权服务站", "伊金霍洛旗维多利超市12315消费维权服务站"]
    )  # not 东胜区's
    phone.fill("input[name=q]", "成吉思汗")
    phone.click("form[role=search] button[type=submit]")
    assert cards.all_inner_texts() == ["成吉思汗陵12315消费维权服务站"]
    # Nothing overflows sideways on a phone.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "directory-search-phone")

    cards.first.click()
    assert phone.locator("h1").inner_text() == "成吉思汗陵12315消费维权服务站"
    assert "景区" in phone.locator(".tags").inner_text()
    assert phone.locator("text=编辑").count() == 0  # inspectors read the directory only
    screenshot(phone, "station-phone")
