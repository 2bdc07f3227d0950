"""The offline app in Chromium at phone size: work done with no network reaches the server exactly once."""

import hashlib
import io
import math
import random
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import func, select

from inspect_app.models import AnswerConflict, Inspection, Upload
from inspect_app.services import inspections
from inspect_app.services.demo import default_template
from photo_factory import jpeg

from .offline import HERE, controlled, go_offline, go_online, idle, signed_in_phone, stopped, synced

pytestmark = pytest.mark.browser
CHUNK = 512 * 1024
ITEMS = 19


@pytest.fixture
def app_page(field, browser, live_server):
    """Signed in, with the app opened once online: its shell kept by the service worker, its data in IndexedDB."""
    page = signed_in_phone(browser, live_server, "inspector.ds")
    page.goto(live_server + "/inspect/app")
    controlled(page)
    page.wait_for_selector("#sync-status:has-text('已同步')")
    idle(page)  # a sync asked for during the first one runs right after it: let it finish before going offline
    yield page
    page.context.close()


def answer_everything(page):
    items = page.locator("#checklist .item")
    items.first.wait_for()
    assert items.count() == ITEMS
    for index in range(ITEMS):
        item = items.nth(index)
        if item.get_attribute("data-scoring") == "graded":
            item.locator("select").select_option(index=1)  # the full points
        else:
            item.locator("label.choice-pass").click()


def sign(page, role, name):
    block = page.locator(f".signature-block[data-role={role}]")
    block.locator("input[name=name]").fill(name)
    canvas = block.locator("canvas")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + box["height"] * 0.7)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(box["x"] + 20 + step * box["width"] / 14, box["y"] + box["height"] * (0.3 if step % 2 else 0.7))
    page.mouse.up()
    block.locator("button:has-text('确认签名')").click()
    block.locator(".signed img").wait_for()


def test_inspection_done_offline_reaches_the_server_once(field, app_page, session, screenshot, tmp_path):
    user, station, recorder = field
    page = app_page
    photos = {}
    for n, slot in enumerate(("signboard", "bulletin_board")):
        path = tmp_path / f"{slot}.jpg"
        path.write_bytes(jpeg(seed=40 + n))
        photos[slot] = (str(path), hashlib.sha256(path.read_bytes()).hexdigest())

    go_offline(page)
    before = len(recorder.requests)
    page.reload()  # the shell comes from the service worker, the board from IndexedDB
    page.click(f"[data-station='{station.id}'] button:has-text('开始检查')")
    answer_everything(page)
    expect(page.locator("#score-value")).to_have_text("100.0")
    expect(page.locator("#score-outcome")).to_have_text("可推荐示范站")
    a1 = page.locator("#item-A1")
    a1.locator("summary").click()
    a1.locator("textarea").fill("离线时填写的备注")
    a1.locator("textarea").blur()

    for slot, (path, _) in photos.items():
        page.locator(f"#slot-{slot} input[type=file]:not([capture])").set_input_files(path)
        page.locator(f"#slot-{slot} figure.photo").wait_for()
    assert "浏览器定位" in page.locator("#slot-signboard figure.photo").inner_text()
    assert "待上传" in page.locator("#slot-signboard figure.photo").inner_text()
    sign(page, "representative", "王丽")
    sign(page, "inspector", "张强")
    expect(page.locator("#missing")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.reload()  # still offline: everything is kept on the phone
    expect(page.locator("#score-value")).to_have_text("100.0")
    expect(page.locator("figure.photo img[src^='blob:']")).to_have_count(2)
    thumbnails = page.locator("figure.photo img")
    assert thumbnails.evaluate_all(
        "imgs => Promise.all(imgs.map(i => i.decode())).then(() => imgs.every(i => i.naturalWidth))")
    assert page.locator("#item-A1 textarea").input_value() == "离线时填写的备注"
    screenshot(page, "offline-checklist-phone")
    page.click("#submit-button")
    page.wait_for_selector("#submitted-note:has-text('联网后自动发送')")
    waiting = int(page.locator("#sync-badge").inner_text().split()[0])
    assert waiting >= ITEMS + 2 + 2 + 2  # open, answers, photos, signatures, submit

    page.click("form[action$='/logout'] button")  # asks first, and stays when told no
    assert f"还有 {waiting} 条记录没有同步" in page.dialogs[-1]
    assert page.url.endswith(f"/inspect/app#/station/{station.id}")

    session.expire_all()
    assert session.scalars(select(Inspection)).all() == []
    assert recorder.since(before) == []  # not one request of the app's reached the server while offline

    # Back online, the sync is cut three times: twice after the server did the work (the phone never
    # hears back), once before the request arrives. Each later run repeats the entry with its key.
    cuts, chunk_bytes = [], []

    def cut(route):
        request = route.request
        path = urlsplit(request.url).path
        if request.method == "PUT" and path.startswith("/api/v1/uploads/"):
            chunk_bytes.append(len(request.post_data_buffer))
        if request.method == "PUT" and path.endswith("/answers/C1") and "answer" not in cuts:
            cuts.append("answer")
            route.fetch()
            route.abort()
        elif request.method == "POST" and path.endswith("/photos") and "photo" not in cuts:
            cuts.append("photo")
            route.fetch()
            route.abort()
        elif request.method == "PUT" and "/signatures/" in path and "signature" not in cuts:
            cuts.append("signature")
            route.abort()
        else:
            route.continue_()

    page.route("**/api/v1/**", cut)
    go_online(page)  # the `online` event starts a sync
    for _ in range(8):
        idle(page)
        if not page.locator("#sync-badge").is_visible():
            break
        expect(page.locator("#sync-status")).to_contain_text("网络不可用")  # cut: the entries wait
        page.click("#sync-now")
    assert cuts == ["answer", "photo", "signature"]
    synced(page)

    session.expire_all()
    found = session.scalars(select(Inspection)).all()
    assert len(found) == 1 and found[0].station_id == station.id
    inspection = found[0]
    assert inspection.status.value == "submitted" and inspection.score == 100
    assert len(inspection.answers) == ITEMS and all(a.version == 1 for a in inspection.answers)
    assert {a.item_code: a.note for a in inspection.answers}["A1"] == "离线时填写的备注"
    assert sorted((p.slot, p.sha256) for p in inspection.photos) == sorted((s, sha) for s, (_, sha) in photos.items())
    assert all(p.browser_latitude == HERE["latitude"] and p.browser_taken_at for p in inspection.photos)
    assert sorted(s.signer_name for s in inspection.signatures) == ["张强", "王丽"]
    assert session.scalar(select(func.count()).select_from(AnswerConflict)) == 0  # no conflict with itself
    assert session.scalar(select(func.count()).select_from(Upload)) == 0
    replayed = {path.rsplit("/", 1)[-1] for _, path in recorder.replayed}
    assert {"C1", "photos"} <= replayed  # the cut requests were repeated and answered from the first time
    assert sum(chunk_bytes) == sum(len(open(p, "rb").read()) for p, _ in photos.values())  # no photo sent twice
    expect(page.locator("#station-head")).to_contain_text("已提交")
    expect(page.locator("#station-head")).not_to_contain_text("待同步")


def noisy_jpeg(width: int = 2000, height: int = 1500) -> bytes:
    """A JPEG of noise, which does not compress: well over 1 MB."""
    image = Image.frombytes("RGB", (width, height), random.Random(7).randbytes(width * height * 3))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def test_cut_photo_upload_resumes_from_its_last_chunk(field, app_page, session, tmp_path):
    user, station, recorder = field
    page = app_page
    data = noisy_jpeg()
    assert len(data) > 3 * CHUNK
    path = tmp_path / "big.jpg"
    path.write_bytes(data)
    page.click(f"[data-station='{station.id}'] button:has-text('开始检查')")
    synced(page)

    arrived, aborted, down = [], [], [True]

    def count(route):
        request = route.request
        url = urlsplit(request.url)
        if request.method == "PUT":
            offset = int(parse_qs(url.query)["offset"][0])
            # The connection drops halfway through the photo and stays down: a sync the app had queued meanwhile
            # (it may run right after) stops at the same chunk, so the page settles on 网络不可用.
            if down[0] and offset >= len(data) // 2:
                aborted.append(offset)
                route.abort()
                return
            arrived.append((offset, len(request.post_data_buffer)))
        route.continue_()

    page.route("**/api/v1/uploads/**", count)
    page.locator("#slot-signboard input[type=file]:not([capture])").set_input_files(str(path))
    stopped(page)
    assert aborted and aborted[0] % CHUNK == 0 and set(aborted) == {aborted[0]}
    session.expire_all()
    assert session.scalars(select(Upload)).one().received == aborted[0]  # the server kept the first half

    down[0] = False
    page.click("#sync-now")
    synced(page)
    offsets = [offset for offset, _ in arrived]
    assert sum(size for _, size in arrived) == len(data)  # every byte once: no restart from 0
    assert offsets == list(range(0, len(data), CHUNK)) and len(arrived) == math.ceil(len(data) / CHUNK)
    session.expire_all()
    inspection = session.scalars(select(Inspection)).one()
    assert [p.sha256 for p in inspection.photos] == [hashlib.sha256(data).hexdigest()]
    expect(page.locator("#slot-signboard figure.photo")).to_contain_text("已上传")


def test_edits_from_two_places_stay_until_the_inspector_chooses(field, app_page, session):
    user, station, recorder = field
    page = app_page
    page.click(f"[data-station='{station.id}'] button:has-text('开始检查')")
    page.locator("#item-A1 label.choice-pass").click()
    synced(page)

    go_offline(page)
    page.locator("#item-A1 label.choice-fail").click()  # made on the phone, based on version 1
    session.expire_all()
    inspection = session.scalars(select(Inspection)).one()
    inspections.answer_item(session, user.actor, user.id, inspection.id, "A1", "pass", None, "另一台设备的备注")

    go_online(page)
    card = page.locator(".conflict-card")
    card.wait_for()
    text = card.inner_text()
    assert "服务器上的结果" in text and "符合 · 备注：另一台设备的备注" in text
    assert "本机的修改" in text and "不符合" in text
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(AnswerConflict)
                          .where(AnswerConflict.resolved_at.is_(None))) == 1
    assert {a.item_code: a.verdict.value for a in inspection.answers}["A1"] == "pass"  # nothing overwritten

    card.locator("button:has-text('采用本机的修改')").click()
    card.wait_for(state="detached")
    synced(page)
    session.expire_all()
    a1 = next(a for a in session.scalars(select(Inspection)).one().answers if a.item_code == "A1")
    assert a1.verdict.value == "fail" and a1.version == 3
    assert session.scalar(select(func.count()).select_from(AnswerConflict)
                          .where(AnswerConflict.resolved_at.is_(None))) == 0
    expect(page.locator("#item-A1 input[value=fail]")).to_be_checked()


def test_phone_scores_and_checks_submission_as_the_server_does(browser):
    """rules.js against domain/scoring.py and domain/inspections.py on many random answer sets."""
    from inspect_app.domain.checklist import parse_template
    from inspect_app.domain.inspections import SignatureRole, missing_for_submit
    from inspect_app.domain.scoring import check_answer, score

    page = browser.new_page()
    page.set_content("<script>" + (Path(__file__).parents[2] / "static/pwa/rules.js").read_text() + "</script>")
    rng = random.Random(4)
    stricter = {**default_template(), "outcome_bands": [{"min_score": 85, "outcome": "demonstration_eligible"},
                                                        {"min_score": 70, "outcome": "pass"},
                                                        {"min_score": 0, "outcome": "rectify"}]}
    cases = []
    for data in (default_template(), stricter):
        template = parse_template(data)
        for _ in range(150):
            answers = {}
            for item in template.items:
                # Mostly passes, so every outcome band is reached.
                choice = rng.choices(["skip", "pass", "fail", "na" if item.na_allowed else "pass"], [1, 30, 2, 2])[0]
                if choice == "skip":
                    continue
                points = None
                if item.scoring.value == "graded" and choice == "pass":
                    points = rng.choice([lvl.points for lvl in item.levels] or list(range(item.points + 1)))
                answers[item.code] = check_answer(item, choice, points)
            slots = [s.code for s in template.photo_slots if rng.random() < 0.5]
            roles = [r for r in SignatureRole if rng.random() < 0.5]
            result = score(template, answers)
            cases.append({
                "checklist": data, "slots": slots, "roles": [r.value for r in roles],
                "answers": {code: {"verdict": a.verdict.value, "points": a.points} for code, a in answers.items()},
                "expected": {"score": result.rounded, "outcome": result.outcome.value,
                             "failed": list(result.failed_critical), "unanswered": list(result.unanswered),
                             "missing": missing_for_submit(template, answers, slots, roles)},
            })
    got = page.evaluate("""cases => cases.map(c => {
        const r = Inspect.rules.score(c.checklist, c.answers);
        return {score: r.score, outcome: r.outcome, failed: r.failed_critical, unanswered: r.unanswered,
                missing: Inspect.rules.missing(c.checklist, c.answers, c.slots, c.roles)};
    })""", cases)
    page.close()
    mismatches = [(case["answers"], case["expected"], g) for case, g in zip(cases, got) if case["expected"] != g]
    assert not mismatches, mismatches[:3]
    assert {c["expected"]["outcome"] for c in cases} == {"rectify", "pass", "demonstration_eligible"}
