"""The city center at phone size in a real browser: inbox, a return with a reason per station, the charts."""

import pytest
from support import issued_order, sign_version

from inspect_app.city import submissions
from inspect_app.models import Submission

from .offline import off_the_loop

pytestmark = pytest.mark.browser


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 390


def test_city_returns_a_bundle_with_a_station_reason_and_reads_the_charts(
    live_server, app, session, phone, city_season, screenshot, tmp_path
):
    leader, campaign = city_season["ds"]["leader"], city_season["campaign"]
    bundle = off_the_loop(sign_version, app, session, leader, campaign, tmp_path)
    off_the_loop(submissions.submit_bundle, session, leader.actor, app.extensions["filestore"], bundle.id)
    station = city_season["ds"]["stations"][0]

    phone.goto(live_server + "/login")
    phone.fill("input[name=username]", "city.center")
    phone.fill("input[name=password]", "secret-pass-1")
    phone.click("main button[type=submit]")
    phone.goto(live_server + "/city/")
    assert phone.locator(".inbox-row").count() == 9 and fits(phone)
    screenshot(phone, "city-inbox-phone")
    phone.click("text=东胜区")
    assert phone.locator(".check-row.ok").count() == 4 and fits(phone)
    phone.click("text=退回补正 >> nth=0")  # open the return form
    phone.fill(f"input[name='reason-{station.number}']", "标识标志牌照片看不清")
    phone.fill("textarea[name=comment]", "请补正后重新签字提交")
    with phone.expect_navigation():
        phone.click("button[value=return]")
    assert "已将东胜区第1版证据包退回补正" in phone.inner_text(".flash-success")
    assert "标识标志牌照片看不清" in phone.inner_text("main") and fits(phone)
    screenshot(phone, "city-district-phone")
    session.expire_all()
    assert session.query(Submission).one().station_reasons[0]["reason"] == "标识标志牌照片看不清"

    off_the_loop(issued_order, session, city_season["ds"]["inspections"][0])
    phone.goto(live_server + "/city/dashboard")
    assert "东胜区" in phone.inner_text("table.order-counts")  # the rectification orders, by district
    charts = phone.locator("figure.chart svg")
    assert charts.count() == 5 and fits(phone)
    # Every chart is drawn at the width of the screen, not shrunk to a thumbnail nor spilling over.
    widths = [charts.nth(n).bounding_box()["width"] for n in range(charts.count())]
    assert all(300 <= w <= 370 for w in widths), widths
    screenshot(phone, "city-dashboard-phone")
