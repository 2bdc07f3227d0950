"""The offline app in every engine the inspectors' phones run: Chromium, and WebKit (every iPhone browser) in both of
its modes, site data in memory (private browsing, some embedded web views) and on disk. The server is lost while
the browser believes it is online, an inspection is done in full, and when the server comes back the work reaches
it exactly once, without an `online` event and without a tap."""

import hashlib

import pytest
from photo_factory import jpeg
from sqlalchemy import func, select
from support import PASSWORD

from inspect_app.models import AnswerConflict, Inspection, Upload

from .offline import HERE

pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings("ignore:setting remote_server_addr:DeprecationWarning")]
ITEMS = 19
ENGINES = ["chromium", "webkit-memory", "webkit-profile"]
SLOTS = ("signboard", "bulletin_board")


def answer_everything(phone):
    phone.wait("#checklist .item")
    items = phone.evaluate(
        "() => [...document.querySelectorAll('#checklist .item')].map(i => [i.dataset.code, i.dataset.scoring])"
    )
    assert len(items) == ITEMS
    for code, scoring in items:
        if scoring == "graded":
            phone.select_index(f"#item-{code} select", 1)  # the full points
        else:
            phone.click(f"#item-{code} label.choice-pass")
        # Taken: its line below grows, so the next item moves; a click aimed before that lands elsewhere.
        phone.wait_text(f"#item-{code} .save-state", "已保存在本机")


def sign(phone, role, name):
    block = f".signature-block[data-role={role}]"
    phone.fill(f"{block} input[name=name]", name)
    phone.draw(f"{block} canvas")
    phone.click(f"{block} button[type=submit]")
    phone.wait_drawn(f"{block} .signed img")


def check_kept(phone):
    """What the phone holds, drawn again from its own storage."""
    phone.settled()
    phone.wait_text("#score-value", "100.0")
    phone.until(
        "() => document.querySelectorAll(\"figure.photo img[src^='blob:']\").length === 2",
        what="both photos drawn from the phone",
    )
    for slot in SLOTS:
        phone.wait_drawn(f"#slot-{slot} figure.photo img")
    assert phone.value("#item-A1 textarea") == "离线时填写的备注"
    assert phone.count(".signature-block .signed img") == 2


@pytest.mark.parametrize("engine", ENGINES)
def test_inspection_done_without_the_server_reaches_it_once(
    engine, field, gate, live_server, phones, session, tmp_path, screenshot_phone
):
    user, station, recorder = field
    photos = {}
    for n, slot in enumerate(SLOTS):
        path = tmp_path / f"{slot}.jpg"
        path.write_bytes(jpeg(seed=40 + n))
        photos[slot] = (str(path), hashlib.sha256(path.read_bytes()).hexdigest())
    # MiniBrowser's location prompt is never answered: its photos are kept without a position.
    located = engine != "webkit-memory"

    phone = phones(engine)
    phone.sign_in(live_server, "inspector.ds")
    phone.goto(live_server + "/inspect/app")
    phone.controlled()
    phone.synced()
    phone.idle()  # a sync asked for during the first one runs right after it: let it finish

    gate.lose()
    before = len(recorder.requests)
    phone.reload()  # the shell comes from the service worker, the board from IndexedDB
    phone.settled()
    phone.click(f"[data-station='{station.id}'] button")
    answer_everything(phone)
    phone.wait_text("#score-value", "100.0")
    phone.wait_text("#score-outcome", "可推荐示范站")
    phone.click("#item-A1 summary")
    phone.fill("#item-A1 textarea", "离线时填写的备注")
    phone.blur("#item-A1 textarea")

    for slot, (path, _) in photos.items():
        phone.set_files(f"#slot-{slot} input[type=file]:not([capture])", path)
        phone.wait(f"#slot-{slot} figure.photo", context=f"#slot-{slot}")  # kept at once, position or none
        assert "待上传" in phone.text(f"#slot-{slot} figure.photo")
        if located:  # the position joins the photo when it comes
            phone.wait_text(f"#slot-{slot} figure.photo", "拍摄时手机定位")
        else:  # kept without one while the prompt waits (it waits for ever), not held back by it
            assert "无位置" in phone.text(f"#slot-{slot} figure.photo")
            assert "正在记录位置" in phone.text(f"#slot-{slot} .upload-state")
    sign(phone, "representative", "王丽")
    sign(phone, "inspector", "张强")
    phone.wait("#missing", "detached")
    assert phone.scroll_width() <= phone.evaluate("() => innerWidth")  # nothing overflows sideways

    phone.reload()  # still without the server: everything is kept on the phone
    check_kept(phone)
    if engine == "webkit-profile":  # the browser is closed and opened again while the entries wait
        assert "CONSOLE SECURITY" not in phone.console()  # e.g. a CSP directive WebKit does not know
        phone.close()
        phone = phones(engine)
        phone.goto(f"{live_server}/inspect/app#/station/{station.id}")
        check_kept(phone)
    screenshot_phone(phone, f"offline-checklist-{engine}")

    dropped = gate.dropped
    assert "确定提交" in phone.answer_dialog("#submit-button", accept=True)
    phone.wait_text("#submitted-note", "联网后自动发送")
    waiting = int(phone.text("#sync-badge").split()[0])
    assert waiting >= ITEMS + 2 + 2 + 2  # open, answers, photos, signatures, submit
    # Signing out asks first, and stays when told no.
    assert f"还有 {waiting} 条记录没有同步" in phone.answer_dialog("form[action$='/logout'] button", accept=False)
    assert phone.url.endswith(f"/inspect/app#/station/{station.id}")
    session.expire_all()
    assert session.scalars(select(Inspection)).all() == []
    assert recorder.since(before) == []  # not one request of the app's reached the server
    gate.wait_dropped(dropped)  # ...though the app tried, after the submission as well
    phone.idle()
    phone.wait_text("#sync-status", "网络不可用")

    # The server comes back; the browser was online all along, so no `online` event says so. Three requests are
    # cut on the way: twice after the server did the work (the phone never hears back), once before the request
    # arrives. Each later run repeats the entry with its key and the very same body.
    gate.cut_once("PUT", "/answers/C1", after_work=True)
    gate.cut_once("POST", "/photos", after_work=True)
    gate.cut_once("PUT", "/signatures/", after_work=False)
    mark = len(recorder.requests)
    gate.restore()
    recorder.wait_since(mark, timeout=120)  # the app tries again by itself, at its next retry
    phone.idle(timeout=60)
    if engine == "webkit-profile":
        # The restart ended the browser's sign-in (a session cookie): the status says so, and signing in again
        # finds every entry waiting for this account.
        assert "重新登录" in phone.text("#sync-status")
        phone.click_to_navigate("#sync-status a")
        phone.fill("input[name=username]", "inspector.ds")
        phone.fill("input[name=password]", PASSWORD)
        phone.click_to_navigate("main button[type=submit]")
        phone.settled(timeout=60)
    for _ in range(6):  # each cut stops a run; 立即同步 rather than waiting out the backoff
        phone.idle(timeout=60)
        if phone.count("#sync-badge:not([hidden])") == 0:
            break
        phone.click("#sync-now")
    phone.synced(timeout=60)
    assert sorted(gate.cut_done()) == sorted(["/answers/C1", "/photos", "/signatures/"])

    session.expire_all()
    found = session.scalars(select(Inspection)).all()
    assert len(found) == 1 and found[0].station_id == station.id
    inspection = found[0]
    assert inspection.status.value == "submitted" and inspection.score == 100
    assert len(inspection.answers) == ITEMS and all(a.version == 1 for a in inspection.answers)
    assert {a.item_code: a.note for a in inspection.answers}["A1"] == "离线时填写的备注"
    assert sorted((p.slot, p.sha256) for p in inspection.photos) == sorted((s, sha) for s, (_, sha) in photos.items())
    if located:
        assert all(p.browser_latitude == HERE["latitude"] and p.browser_taken_at for p in inspection.photos)
    else:
        assert all(p.browser_latitude is None for p in inspection.photos)
    assert sorted(s.signer_name for s in inspection.signatures) == ["张强", "王丽"]
    assert session.scalar(select(func.count()).select_from(AnswerConflict)) == 0  # no conflict with itself
    assert session.scalar(select(func.count()).select_from(Upload)) == 0
    replayed = {path.rsplit("/", 1)[-1] for _, path in recorder.replayed}
    assert {"C1", "photos"} <= replayed  # the cut requests were repeated and answered from the first time
    chunks = sum(size for method, path, size in recorder.sizes if method == "PUT" and "/uploads/" in path)
    assert chunks == sum(len(open(p, "rb").read()) for p, _ in photos.values())  # no photo sent twice
    if "#/station/" not in phone.url:  # signed in again: back on the board
        phone.goto(f"{live_server}/inspect/app#/station/{station.id}")
    phone.until(
        "() => { const head = document.querySelector('#station-head').textContent; "
        "return /已提交/.test(head) && !/待同步/.test(head); }",
        what="submitted, none waiting",
    )
    if engine == "webkit-profile":
        assert "CONSOLE SECURITY" not in phone.console()
