"""The signboards page in a real browser, at phone and desktop size: the leader's navigation fits a 390 px phone,
and a plaque is reissued after the confirmation."""

import pytest
from signboard_support import ready_station
from support import make_station, make_user

from inspect_app.signboards import plaques

from .test_accessibility_browser import Axe, violations

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}


def sign_in(page, server: str, username: str) -> None:
    page.goto(server + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "secret-pass-1")
    page.click("main button[type=submit]")


def nav_fits(page, width: int) -> bool:
    """Every link of the main navigation is inside the window, none scrolled out of sight."""
    rights = page.eval_on_selector_all("nav.nav a", "links => links.map(a => a.getBoundingClientRect().right)")
    return bool(rights) and max(rights) <= width and page.evaluate("document.documentElement.scrollWidth") <= width


def test_the_leader_prints_and_reissues_on_a_phone(live_server, app, session, browser, phone, screenshot):
    store = app.extensions["filestore"]
    make_user(session, "leader", "150602", username="leader.ds")
    ready = ready_station(session, store, name="东胜区万达广场12315消费维权服务站")
    ready_station(session, store, demonstration=True, staff=2, name="东胜区王府井百货12315消费维权服务站")
    make_station(session, "150602", name="东胜区缺人12315消费维权服务站")
    plaques.plaque_for_printing(session, None, ready)
    session.commit()

    sign_in(phone, live_server, "leader.ds")
    phone.goto(live_server + "/signboards/")
    assert "没有登记工作人员" in phone.inner_text("main")
    assert nav_fits(phone, 390)
    assert phone.is_visible(".who a[href='/account/certificate']")
    assert violations(Axe(), phone) == []  # the rules Lighthouse scores, as for every listed page
    screenshot(phone, "signboards-leader-phone")

    old = plaques.current_plaque(ready)
    phone.once("dialog", lambda dialog: dialog.accept())
    with phone.expect_navigation():
        phone.click(f"#station-{ready.id} button:has-text('重新制作牌匾')")
    assert "已换发新牌匾" in phone.inner_text(".flash-success")
    session.expire_all()
    assert plaques.current_plaque(ready).token != old.token

    desktop = browser.new_context(viewport=DESKTOP, locale="zh-CN", timezone_id="Asia/Shanghai").new_page()
    sign_in(desktop, live_server, "leader.ds")
    desktop.goto(live_server + "/signboards/")
    assert nav_fits(desktop, 1280)
    screenshot(desktop, "signboards-leader-desktop")


def test_the_city_chooses_a_district(live_server, app, session, browser, phone, screenshot):
    make_user(session, "city", username="city.center")
    ready_station(session, app.extensions["filestore"], "150603", name="康巴什区12315消费维权服务站")
    sign_in(phone, live_server, "city.center")
    phone.goto(live_server + "/signboards/")
    phone.select_option("select[name=district]", label="康巴什区")
    with phone.expect_navigation():
        phone.click("main button:has-text('查看')")
    assert "康巴什区12315消费维权服务站" in phone.inner_text("main")
    assert nav_fits(phone, 390)
    screenshot(phone, "signboards-city-phone")
