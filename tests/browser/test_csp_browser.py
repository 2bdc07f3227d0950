"""The pages under the Content-Security-Policy in Chromium: nothing refused, the bundle's progress bar drawn."""

import pytest
from sqlalchemy import select
from support import PASSWORD, make_user

from inspect_app.bundles import operations as bundles
from inspect_app.models import Bundle, Inspection

pytestmark = pytest.mark.browser
HERE = {"latitude": 39.8203, "longitude": 109.9602, "accuracy": 15}


def test_no_page_breaks_the_policy(live_server, browser, session, season, screenshot):
    leader = season["leader"]
    draft = bundles.start_draft(session, leader.actor, leader.district_id, season["campaign"].id, "说明")
    session.get(Bundle, draft.id).progress = 40
    session.commit()
    inspection_id = session.scalars(select(Inspection.id)).first()
    make_user(session, "city", username="city.x")
    make_user(session, "admin", username="admin.x")
    visits = {
        "insp.ds": ["/", "/directory/", "/inspect/", f"/inspect/inspections/{inspection_id}", "/inspect/app"],
        "leader.ds": ["/review/", "/review/bundle/", "/directory/import"],
        "city.x": ["/city/", "/city/dashboard", "/city/report"],
        "admin.x": ["/admin/users", "/admin/certificates"],
    }
    refused = []
    for username, urls in visits.items():
        context = browser.new_context(
            viewport={"width": 390, "height": 844},
            is_mobile=True,
            has_touch=True,
            locale="zh-CN",
            geolocation=HERE,
            permissions=["geolocation"],
        )
        page = context.new_page()
        # Chromium reports every refusal on the console ("Executing inline script violates the ... policy").
        page.on(
            "console",
            lambda m, who=username: (
                refused.append((who, page.url, m.text)) if "Content Security Policy" in m.text else None
            ),
        )
        page.on("pageerror", lambda error, who=username: refused.append((who, page.url, str(error))))
        page.goto(live_server + "/login")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        with page.expect_navigation():
            page.click("main button[type=submit]")
        for url in urls:
            page.goto(live_server + url)
            page.wait_for_load_state("networkidle")
            if url == "/review/bundle/":
                bar = page.locator("#progress progress")
                assert bar.evaluate("el => el.value") == 40 and bar.bounding_box()["width"] > 300
                screenshot(page, "bundle-progress-phone")
        context.close()
    assert refused == []
