"""The public station page in Chromium at a phone's size and a desktop's: everything loads under the CSP, the
portraits show, nothing scrolls sideways; screenshots of a live station, a 示范站 and a retired one."""

from __future__ import annotations

import pytest
from photo_factory import jpeg
from support import accepted_inspection, make_station, make_user

from inspect_app.directory.operations import mark_retired
from inspect_app.models import StationStaff
from inspect_app.signboards import plaques

DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def tokens(app, session, campaign):
    """The tokens of three stations' plaques (a live one with an accepted inspection, a 示范站, a retired one), the
    live one's earlier plaque, since reissued, and a token no plaque has."""
    store = app.extensions["filestore"]
    inspector, leader = make_user(session, "inspector", "150602"), make_user(session, "leader", "150602")
    made = {}
    for key, name in (("live", "东胜万达广场"), ("demonstration", "东胜维多利超市"), ("retired", "东胜天骄市场")):
        station = make_station(
            session,
            "150602",
            office="东胜区市场监管所",
            name=f"{name}12315消费维权服务站",
            address=f"鄂尔多斯市东胜区天骄北路{len(made) + 8}号{name}一层服务台",
        )
        station.staff = [
            StationStaff(
                position=n,
                name=person,
                duty=duty,
                phone=f"1380477000{n}",
                photo_key=store.put(jpeg(size=(300, 400), seed=n + 10 * len(made)), "jpg"),
            )
            for n, (person, duty) in enumerate((("张丽", "站长"), ("王强", "工作人员"), ("赵敏", "兼职调解员")))
        ]
        station.office.officer_name, station.office.officer_phone = "刘建国", "0477-8399001"
        station.office.officer_photo_key = store.put(jpeg(size=(300, 400), seed=99), "jpg")
        station.is_demonstration = key == "demonstration"
        made[key] = plaques.plaque_for_printing(session, None, station).token
        session.commit()
        if key == "live":
            made["withdrawn"] = made[key]
            made[key] = plaques.reissue_plaque(session, leader.actor, station).token
        if key != "retired":
            accepted_inspection(session, app, campaign, station, inspector, leader, len(made))
        else:
            mark_retired(station)
            session.commit()
    made["missing"] = "n" * 24
    return made


HEADINGS = {"withdrawn": "此牌匾已停用，请以现场新牌匾为准", "missing": "二维码无法识别，请核对牌匾或拨打12315咨询。"}


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_the_public_page_in_chromium(browser, live_server, tokens, screenshot, size):
    viewport = {"width": 390, "height": 844} if size == "phone" else DESKTOP
    context = browser.new_context(viewport=viewport, device_scale_factor=2, is_mobile=size == "phone", locale="zh-CN")
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    for key, token in tokens.items():
        response = page.goto(f"{live_server}/s/{token}")
        assert response.status == (404 if key == "missing" else 200)
        if key in HEADINGS:
            assert HEADINGS[key] in page.locator("main").inner_text()
        else:
            assert page.locator("h1").inner_text().endswith("12315消费维权服务站")
        widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert widths[0] <= widths[1], (key, widths)  # nothing scrolls sideways
        portraits = page.evaluate("[...document.images].map(i => i.complete && i.naturalWidth)")
        assert portraits == ([160, 160, 160, 160] if key in ("live", "demonstration") else []), key
        assert page.locator(".hotline a").get_attribute("href") == "tel:12315"
        screenshot(page, f"public-station-{key}-{size}")
    # Nothing refused by the CSP, nothing missing (but the unknown token's own 404).
    assert [p for p in problems if "404" not in p] == [] and len(problems) <= 1
    context.close()
