"""With no network, in Chromium at phone size: the online checklist page keeps every entry until the server has
it (through the offline app's outbox), every navigation answers with a page of ours, and a photo the browser
cannot draw shows its slot and time."""

import hashlib
import io
import re
import threading
from urllib.parse import urlsplit

import pytest
from photo_factory import jpeg
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import func, select

from inspect_app.campaigns import operations as campaigns
from inspect_app.domain.findings import Thresholds
from inspect_app.inspection import operations as inspections
from inspect_app.inspection import photo_jobs, photos
from inspect_app.models import AnswerConflict, AuditEntry, Inspection
from inspect_app.shared.errors import Conflict

from .offline import controlled, go_offline, go_online, idle, pages_kept, signed_in_phone, synced

pytestmark = pytest.mark.browser
ANSWERED = ("A1", "A2", "A3", "A4", "A5")
NOTE = "宣传栏内容已过期，需更新"
WAITING = "5 条改动已保存在本机"


@pytest.fixture
def checklist_page(field, session, browser, live_server):
    """The online checklist page of an inspection begun on the server, opened once with signal and idle."""
    user, station, recorder = field
    campaign = campaigns.current_campaign(session)
    inspection = inspections.open_inspection(session, user.actor, station.id, campaign)
    page = signed_in_phone(browser, live_server, "inspector.ds")
    page.goto(f"{live_server}/inspect/inspections/{inspection.id}")
    synced(page)
    pages_kept(page)  # the service worker holds this page, to open it again with no network
    idle(page)
    yield page, inspection.id
    page.context.close()


def test_checklist_page_keeps_answers_offline_until_the_server_has_them(field, checklist_page, session, screenshot):
    user, station, recorder = field
    page, inspection_id = checklist_page
    go_offline(page)
    before = len(recorder.requests)
    for code in ANSWERED:
        page.locator(f"#item-{code} label.choice-pass").click()
    a2 = page.locator("#item-A2")
    a2.locator("summary").click()
    a2.locator("textarea").fill(NOTE)
    a2.locator("textarea").blur()

    for code in ANSWERED:
        expect(page.locator(f"#item-{code} .save-state")).to_have_text("已保存在本机，待同步")
    expect(page.locator("#sync-status")).to_contain_text(WAITING)
    expect(page.locator("#sync-badge")).to_have_text("5 条待同步")
    expect(page.locator("#score-answered")).to_have_text("5")
    assert "Failed to fetch" not in page.locator("main").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "checklist-offline-phone")

    page.reload()  # still offline: the page the service worker kept, with what waits on the phone laid over it
    for code in ANSWERED:
        expect(page.locator(f"#item-{code} input[value=pass]")).to_be_checked()
        expect(page.locator(f"#item-{code} .save-state")).to_have_text("已保存在本机，待同步")
    expect(page.locator("#item-A2 textarea")).to_have_value(NOTE)
    expect(page.locator("#sync-status")).to_contain_text(WAITING)
    expect(page.locator("#score-answered")).to_have_text("5")
    assert recorder.since(before) == []  # nothing reached the server while offline
    session.expire_all()
    assert session.get(Inspection, inspection_id).answers == []

    go_online(page)  # the `online` event starts the sync
    synced(page)
    for code in ANSWERED:
        expect(page.locator(f"#item-{code} .save-state")).to_have_text("已保存")
    session.expire_all()
    answers = {a.item_code: a for a in session.get(Inspection, inspection_id).answers}
    assert sorted(answers) == list(ANSWERED)
    assert all(a.verdict.value == "pass" and a.version == 1 for a in answers.values())  # each saved once
    assert answers["A2"].note == NOTE and answers["A1"].note is None
    puts = [
        path
        for method, path in recorder.since(before)
        if method == "PUT" and re.search(rf"/api/v1/inspections/{inspection_id}/answers/", path)
    ]
    assert sorted(p.rsplit("/", 1)[-1] for p in puts) == list(ANSWERED)
    assert recorder.replayed == []
    audited = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "answer", AuditEntry.target_id == inspection_id)
    ).all()
    assert sorted(e.details["item"] for e in audited) == list(ANSWERED)


def test_checklist_page_keeps_photos_and_signatures_offline(field, checklist_page, session, tmp_path):
    user, station, recorder = field
    page, inspection_id = checklist_page
    path = tmp_path / "signboard.jpg"
    Image.new("RGB", (640, 480), (200, 40, 40)).save(path, "JPEG")
    go_offline(page)
    page.locator("#slot-signboard input[type=file]:not([capture])").set_input_files(str(path))
    figure = page.locator("#slot-signboard figure.photo")
    expect(figure).to_contain_text("待上传")
    block = page.locator(".signature-block[data-role=representative]")
    block.locator("input[name=name]").fill("王丽")
    canvas = block.locator("canvas")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + box["height"] * 0.7)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(box["x"] + 20 + step * box["width"] / 14, box["y"] + box["height"] * (0.3 if step % 2 else 0.7))
    page.mouse.up()
    block.locator("button:has-text('确认签名')").click()
    expect(block.locator(".signed figcaption")).to_contain_text("王丽")
    expect(page.locator("#sync-badge")).to_have_text("2 条待同步")

    page.reload()
    expect(page.locator("#slot-signboard figure.photo")).to_contain_text("待上传")
    expect(page.locator(".signature-block[data-role=representative] .signed figcaption")).to_contain_text("待同步")
    session.expire_all()
    inspection = session.get(Inspection, inspection_id)
    assert inspection.photos == [] and inspection.signatures == []

    go_online(page)
    synced(page)
    expect(page.locator("#slot-signboard figure.photo")).to_contain_text("已上传")
    session.expire_all()
    inspection = session.get(Inspection, inspection_id)
    assert [p.slot for p in inspection.photos] == ["signboard"]
    assert [(s.role.value, s.signer_name) for s in inspection.signatures] == [("representative", "王丽")]
    audited = session.scalar(
        select(func.count())
        .select_from(AuditEntry)
        .where(AuditEntry.target_id == inspection_id, AuditEntry.action.in_(("add_photo", "sign_inspection")))
    )
    assert audited == 2
    assert recorder.replayed == []


def test_photo_replaced_and_removed_on_the_checklist_page_go_through_the_outbox(
    field, session, browser, live_server, app, tmp_path
):
    user, station, recorder = field
    campaign = campaigns.current_campaign(session)
    inspection = inspections.open_inspection(session, user.actor, station.id, campaign)
    old = photos.add_photo(
        session,
        user.actor,
        app.extensions["filestore"],
        inspection.id,
        "signboard",
        jpeg(seed=3),
        None,
        Thresholds.from_config(app.config),
        app.config["PHOTO_MAX_BYTES"],
    )
    old_id, old_sha = old.id, old.sha256
    page = signed_in_phone(browser, live_server, "inspector.ds")
    page.goto(f"{live_server}/inspect/inspections/{inspection.id}")
    synced(page)
    pages_kept(page)
    idle(page)
    go_offline(page)
    path = tmp_path / "new.jpg"
    path.write_bytes(jpeg(seed=4))
    page.locator(f"#photo-{old_id} input[type=file]").set_input_files(str(path))  # 替换, on the server's figure
    figures = page.locator("#slot-signboard figure.photo")
    expect(figures).to_have_count(1)
    expect(figures).to_contain_text("待上传")
    page.reload()
    expect(figures).to_have_count(1)
    expect(figures).to_contain_text("待上传")

    go_online(page)
    synced(page)
    expect(figures).to_contain_text("已上传")
    session.expire_all()
    kept = session.get(Inspection, inspection.id).photos
    assert [p.sha256 for p in kept] == [hashlib.sha256(path.read_bytes()).hexdigest()] != [old_sha]

    page.reload()  # the server draws the new photo, with its own 删除 form
    synced(page)
    page.locator(f"#photo-{kept[0].id} button:has-text('删除')").click()
    expect(figures).to_have_count(0)
    synced(page)
    session.expire_all()
    assert session.get(Inspection, inspection.id).photos == []
    page.context.close()


def test_conflict_choice_on_the_checklist_page_goes_through_the_outbox(field, session, browser, live_server):
    user, station, recorder = field
    campaign = campaigns.current_campaign(session)
    inspection = inspections.open_inspection(session, user.actor, station.id, campaign)
    inspections.answer_item(session, user.actor, inspection.id, "A5", "pass", base_version=None)
    with pytest.raises(Conflict):  # another device answered on what it saw before: both edits are kept
        inspections.answer_item(session, user.actor, inspection.id, "A5", "fail", None, "电话未接通", base_version=None)
    page = signed_in_phone(browser, live_server, "inspector.ds")
    page.goto(f"{live_server}/inspect/inspections/{inspection.id}")
    card = page.locator(".conflict-card")
    expect(card).to_contain_text("服务器上的结果")
    expect(card).to_contain_text("不符合 · 备注：电话未接通")
    synced(page)
    idle(page)
    go_offline(page)
    card.locator("button.primary").click()  # the other device's edit, chosen with no network
    expect(card).to_have_count(0)
    expect(page.locator("#item-A5 .save-state")).to_have_text("已保存在本机，待同步")
    go_online(page)
    synced(page)
    session.expire_all()
    a5 = next(a for a in session.get(Inspection, inspection.id).answers if a.item_code == "A5")
    assert (a5.verdict.value, a5.note, a5.version) == ("fail", "电话未接通", 2)
    assert (
        session.scalar(select(func.count()).select_from(AnswerConflict).where(AnswerConflict.resolved_at.is_(None)))
        == 0
    )
    expect(page.locator("#item-A5 input[value=fail]")).to_be_checked()
    page.context.close()


def test_offline_navigation_answers_with_our_page(field, browser, live_server):
    user, station, recorder = field
    page = signed_in_phone(browser, live_server, "inspector.ds")
    page.goto(live_server + "/inspect/app")
    controlled(page)
    synced(page)
    idle(page)
    go_offline(page)
    before = len(recorder.requests)
    page.click("nav >> text=名录")
    expect(page.locator("#offline-page h1")).to_have_text("没有网络连接")
    assert urlsplit(page.url).path == "/directory/"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    response = page.goto(live_server + "/inspect/")
    assert response.status == 503
    expect(page.locator("#offline-page")).to_contain_text("需要联网才能打开")
    page.click("#offline-page >> text=打开离线检查")  # the way back: the offline app, from the worker
    expect(page.locator(f"[data-station='{station.id}']")).to_be_visible()
    assert recorder.since(before) == []
    page.context.close()


def test_current_campaign_checklist_is_readable_offline(field, browser, live_server, session):
    user, station, recorder = field
    page = signed_in_phone(browser, live_server, "inspector.ds")
    page.goto(live_server + "/inspect/app")
    controlled(page)
    pages_kept(page)  # after the first sync: the 核查表 tab and the current campaign's checklist
    idle(page)
    go_offline(page)
    before = len(recorder.requests)
    page.click("nav >> text=核查表")
    expect(page.locator("main h2").first).to_have_text("2026年度自查验收")
    page.click("text=查看核查表")
    expect(page.locator("main h1")).to_contain_text("核查表")
    expect(page.locator("main")).to_contain_text("A1")
    expect(page.locator("main")).to_contain_text("满分100分")
    assert urlsplit(page.url).path == f"/campaigns/{campaigns.current_campaign(session).id}/checklist"
    assert recorder.since(before) == []

    go_online(page)
    page.goto(live_server + "/campaigns/")
    assert page.evaluate("caches.has('inspect-pages')")
    with page.expect_navigation():
        page.click("form[action$='/logout'] button")
    expect(page.locator("input[name=username]")).to_be_visible()
    assert not page.evaluate("caches.has('inspect-pages')")  # signed out: the kept pages are gone with the account
    page.context.close()


def heic(width=320, height=240) -> bytes:
    """An iPhone-style HEIC photo, which Chromium cannot draw."""
    from pillow_heif import register_heif_opener

    register_heif_opener()
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (30, 120, 200)).save(buffer, "HEIF")
    return buffer.getvalue()


def test_photo_the_browser_cannot_draw_shows_its_slot_and_time(
    field, browser, live_server, session, tmp_path, screenshot
):
    user, station, recorder = field
    path = tmp_path / "IMG_0001.heic"
    path.write_bytes(heic())
    page = signed_in_phone(browser, live_server, "inspector.ds")
    page.goto(live_server + "/inspect/app")
    controlled(page)
    synced(page)
    page.click(f"[data-station='{station.id}'] button:has-text('开始检查')")
    synced(page)
    idle(page)
    go_offline(page)  # the photo stays on the phone, as the file that was chosen
    page.locator("#slot-signboard input[type=file]:not([capture])").set_input_files(str(path))
    figure = page.locator("#slot-signboard figure.photo")
    placeholder = figure.locator(".photo-placeholder")
    expect(placeholder).to_be_visible()
    expect(placeholder).to_contain_text("标识标志牌")
    expect(placeholder).to_contain_text(re.compile(r"在手机上拍摄或选取的时间：\d{4}/\d{2}/\d{2} \d{2}:\d{2}"))
    expect(figure.locator("img")).to_have_count(0)  # no broken image
    expect(figure).to_contain_text("待上传")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "offline-heic-placeholder-phone")

    go_online(page)  # uploaded, the server's thumbnail (a JPEG) is drawn
    synced(page)
    expect(figure).to_contain_text("已上传")
    expect(figure).to_contain_text(
        re.compile(r"(相机记录的拍摄时间|在手机上拍摄或选取的时间)：")
    )  # the server's caption
    drawn = figure.locator("img")
    expect(drawn).to_have_count(1)
    drawn.scroll_into_view_if_needed()
    assert drawn.evaluate("img => img.decode().then(() => img.naturalWidth > 0)")
    page.context.close()


def test_a_photo_the_server_is_still_reading_shows_as_processing_until_the_poll_finds_it_read(
    app, checklist_page, tmp_path, screenshot
):
    page, inspection_id = checklist_page
    app.config.update(PHOTO_JOBS_INLINE=False, JOBS_INLINE=False, REDIS_URL=None)
    gate = threading.Event()
    photo_jobs._thread_pool(app).submit(gate.wait, 60)  # the one reading thread busy: the photo waits its turn
    figure = page.locator("#slot-signboard figure.photo")
    try:
        path = tmp_path / "board.jpg"
        path.write_bytes(jpeg(39.82, 109.96, seed=31))
        page.locator("#slot-signboard input[type=file]:not([capture])").set_input_files(str(path))
        expect(figure).to_contain_text("处理中", timeout=30_000)
        expect(figure.locator(".photo-pending")).to_have_text("处理中")
        figure.scroll_into_view_if_needed()
        screenshot(page, "photo-processing-phone")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # nothing overflows
    finally:
        gate.set()
    photo_jobs.wait_for_threads()
    # The next poll (2 s after the sync, then half again longer) finds it read: its thumbnail and findings show.
    expect(figure.locator("img")).to_be_visible(timeout=30_000)
    expect(figure).not_to_contain_text("处理中")
    expect(figure.locator(".photo-state")).to_have_text("已上传")
    screenshot(page, "photo-read-phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    screenshot(page, "photo-read-desktop")
