"""A re-check on the phone, without the server: the inspector's board holds the order, the checklist asks its items
only and scores the station with them answered again, and when the server comes back the re-check reaches it as
an inspection of its own, closing the order, while the station's own inspection stays as the district left it."""

import pytest
from photo_factory import jpeg
from sqlalchemy import select
from support import accepted_inspection, issued_order, make_user

from inspect_app.domain.checklists.scoring import Verdict
from inspect_app.domain.follow_up.rectification import OrderStatus
from inspect_app.domain.inspections import InspectionKind
from inspect_app.follow_up import spot_checks
from inspect_app.inspection import operations as inspections
from inspect_app.models import Inspection, RectificationOrder

from .test_offline_engines_browser import sign

pytestmark = pytest.mark.browser


@pytest.fixture
def order(app, session, campaign, field):
    """The station's inspection, accepted with the critical item A2 failed, and its issued rectification order."""
    user, station, _ = field
    leader = make_user(session, "leader", "150602")
    own = accepted_inspection(session, app, campaign, station, user, leader, 5)
    answer = next(a for a in own.answers if a.item_code == "A2")
    answer.verdict, answer.note = Verdict.FAIL, "标识牌缺失"
    inspections.recompute(own, inspections.template_of(own.checklist_version))
    session.commit()
    return issued_order(session, own, {"A2": "标识牌缺失"})


def test_a_recheck_done_offline_reaches_the_server_as_its_own_inspection(
    field, gate, live_server, phones, session, order, tmp_path, screenshot_phone
):
    user, station, recorder = field
    own = session.get(Inspection, order.inspection_id)
    own_score = own.score
    photo = tmp_path / "signboard.jpg"
    photo.write_bytes(jpeg(seed=61))

    phone = phones("chromium")
    phone.sign_in(live_server, "inspector.ds")
    phone.goto(live_server + "/inspect/app")
    phone.controlled()
    phone.synced()
    phone.idle()

    gate.lose()
    before = len(recorder.requests)
    phone.reload()  # the shell from the service worker, the board and the order from IndexedDB
    phone.settled()
    card = f"[data-follow-up='r{order.id}']"
    assert "整改复查" in phone.text(card) and "A2" in phone.text(card)
    phone.click(f"{card} button")
    phone.wait("#checklist .item")
    codes = phone.evaluate("() => [...document.querySelectorAll('#checklist .item')].map(i => i.dataset.code)")
    assert codes == ["A2"]  # the order's items only
    assert "整改复查" in phone.text("#follow-up-head")
    phone.click("#item-A2 label.choice-pass")
    phone.wait_text("#item-A2 .save-state", "已保存在本机")
    phone.wait_text("#score-value", "100.0")  # the station scored with A2 answered again
    phone.wait_text("#score-answered", "1")
    phone.set_files("#slot-signboard input[type=file]:not([capture])", str(photo))
    phone.wait("#slot-signboard figure.photo")
    sign(phone, "representative", "王丽")
    sign(phone, "inspector", "张强")
    phone.wait("#missing", "detached")
    assert phone.scroll_width() <= phone.evaluate("() => innerWidth")
    screenshot_phone(phone, "offline-recheck")
    assert "确定提交" in phone.answer_dialog("#submit-button", accept=True)
    phone.wait_text("#submitted-note", "联网后自动发送")
    assert recorder.since(before) == []  # nothing reached the server
    session.expire_all()
    assert session.scalars(select(Inspection).where(Inspection.kind == InspectionKind.RECHECK)).all() == []

    gate.restore()
    phone.click("#sync-now")
    phone.synced(timeout=60)
    session.expire_all()
    recheck = session.scalars(select(Inspection).where(Inspection.kind == InspectionKind.RECHECK)).one()
    assert (recheck.follows_id, recheck.status.value, recheck.score) == (own.id, "submitted", 100.0)
    assert [a.item_code for a in recheck.answers] == ["A2"]
    assert [p.slot for p in recheck.photos] == ["signboard"]
    assert session.get(RectificationOrder, order.id).status is OrderStatus.COMPLETED
    own = session.get(Inspection, order.inspection_id)
    assert own.score == own_score and {a.item_code: a.verdict for a in own.answers}["A2"] is Verdict.FAIL
    assert len(own.photos) == 2  # the re-check's photo went to the re-check
    phone.goto(live_server + "/inspect/app")
    phone.settled()
    phone.wait(card, "detached")  # the order is done: nothing left to re-check
    phone.goto(f"{live_server}/directory/{station.id}")  # the station's page: both scores
    phone.wait_text("main", "整改复查（第1次）")
    assert phone.scroll_width() <= phone.evaluate("() => innerWidth")
    screenshot_phone(phone, "station-with-recheck")


def test_a_spot_check_answered_offline_goes_to_the_city_and_not_to_the_district(
    app, field, gate, live_server, phones, session, campaign, screenshot_phone
):
    user, station, recorder = field
    leader = make_user(session, "leader", "150602")
    own = accepted_inspection(session, app, campaign, station, user, leader, 7)
    city = make_user(session, "city")
    make_user(session, "city_inspector", username="city.checker")
    spot_checks.draw_sample(session, city.actor, campaign, 100)

    phone = phones("chromium")
    phone.sign_in(live_server, "city.checker")
    phone.goto(live_server + "/inspect/app")
    phone.controlled()
    phone.synced()
    phone.idle()
    card = f"[data-follow-up='c{station.id}']"
    phone.wait_text(card, "市级抽查")  # drawn once the bootstrap is in, which may be after the sync bar is idle
    assert phone.count(".board-search:not([hidden])") == 0  # no district board to search

    gate.lose()
    phone.reload()
    phone.settled()
    phone.click(f"{card} button")
    phone.wait("#checklist .item")
    assert phone.count("#checklist .item") == 19  # the whole checklist
    phone.click("#item-A1 label.choice-fail")
    phone.wait_text("#item-A1 .save-state", "已保存在本机")
    phone.reload()
    phone.settled()
    phone.wait_text("#item-A1 .given, #item-A1 .save-state", "已保存在本机")
    assert phone.scroll_width() <= phone.evaluate("() => innerWidth")
    screenshot_phone(phone, "offline-spot-check")

    gate.restore()
    phone.click("#sync-now")
    phone.synced(timeout=60)
    session.expire_all()
    check = session.scalars(select(Inspection).where(Inspection.kind == InspectionKind.SPOT_CHECK)).one()
    assert (check.station_id, check.follows_id) == (station.id, own.id)
    assert {a.item_code: a.verdict for a in check.answers} == {"A1": Verdict.FAIL}
    own = session.get(Inspection, own.id)
    assert {a.item_code: a.verdict for a in own.answers}["A1"] is Verdict.PASS  # the district's stays as it was


def test_the_follow_up_pages_fit_a_phone_and_a_desktop(live_server, phone, browser, order, session, screenshot):
    """The online pages of a re-check: the list of follow-ups and a re-check's checklist, with the order's items."""
    desktop = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    for page, size in ((phone, "phone"), (desktop, "desktop")):
        page.goto(live_server + "/login")
        page.fill("input[name=username]", "inspector.ds")
        page.fill("input[name=password]", "secret-pass-1")
        page.click("main button[type=submit]")
        page.goto(live_server + "/inspect/follow-ups")
        assert "整改复查" in page.inner_text(".station-list") and "A2" in page.inner_text(".station-list")
        assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
        screenshot(page, f"follow-ups-{size}")
        with page.expect_navigation():
            page.click(".station-list form button")
        assert [c for c in page.eval_on_selector_all("#checklist .item", "els => els.map(e => e.dataset.code)")] == [
            "A2"
        ]
        assert "整改复查" in page.inner_text("main")
        assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
        screenshot(page, f"recheck-checklist-{size}")
    desktop.context.close()
