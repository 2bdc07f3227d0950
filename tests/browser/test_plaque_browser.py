"""The plaque check on a phone: the code typed with no signal stays on the phone through a reload and reaches the
server when it comes back, which then says what the plaque is; 扫码 is offered only where the browser can read a
QR code with the camera (headless Chromium cannot, so the button stays hidden and the code is typed)."""

import pytest
from support import PASSWORD, make_station, make_user

from inspect_app.domain.directory.signboards import PlaqueFinding, printed_short_code
from inspect_app.inspection import operations as inspections
from inspect_app.models import Inspection
from inspect_app.signboards import plaques

from .conftest import ARTIFACTS

pytestmark = pytest.mark.browser

PENDING = "已保存在本机，联网后核验"


@pytest.fixture
def plaque(session, field):
    _, station, _ = field
    issued = plaques.plaque_for_printing(session, make_user(session, "city").actor, station)
    session.commit()
    return issued


def open_checklist(page, live_server: str, inspection_id: int):
    """Sign the inspector in and open the inspection's checklist page, its outbox ready."""
    page.goto(live_server + "/login")
    page.fill("input[name=username]", "inspector.ds")
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.goto(f"{live_server}/inspect/inspections/{inspection_id}")
    page.wait_for_selector("#syncbar[data-sync=idle]", state="attached")


def test_a_plaque_code_typed_offline_survives_a_reload_and_is_checked_once_online(
    field, gate, live_server, phones, session, plaque, screenshot_phone
):
    user, station, recorder = field
    shown = printed_short_code(plaque.short_code)
    phone = phones("chromium")
    phone.sign_in(live_server, "inspector.ds")
    phone.goto(live_server + "/inspect/app")
    phone.controlled()
    phone.synced()
    phone.idle()

    gate.lose()
    before = len(recorder.requests)
    phone.reload()
    phone.settled()
    phone.click(f"[data-station='{station.id}'] button")
    phone.wait("#checklist .item")
    phone.wait("#plaque-check")
    beside = "() => document.querySelector('#plaque-check').closest('fieldset').querySelector('legend').textContent"
    assert phone.evaluate(beside) == "B. 标识内容"  # with the signboard's items
    assert phone.evaluate("() => 'BarcodeDetector' in window") is False
    phone.wait("[data-plaque-scan]", "hidden")  # no camera reading here: the code is typed
    phone.fill("[data-plaque-input]", "not a code")
    phone.click("#plaque-check button[type=submit]")
    phone.wait_text("[data-plaque-state]", "无法识别的牌匾编码")
    assert (
        phone.evaluate("async () => (await Inspect.data.loadAll()).outbox.filter(e => e.kind === 'plaque').length") == 0
    )
    phone.fill("[data-plaque-input]", shown.lower())
    phone.click("#plaque-check button[type=submit]")
    phone.wait_text("[data-plaque-result]", PENDING)
    assert shown in phone.text("[data-plaque-result]")

    phone.reload()  # nothing typed is lost: the code waits in the phone's outbox
    phone.settled()
    phone.wait("#plaque-check")
    phone.wait_text("[data-plaque-result]", PENDING)
    assert phone.value("[data-plaque-input]") == shown
    assert phone.scroll_width() <= phone.evaluate("() => innerWidth")
    phone.evaluate("() => document.querySelector('#plaque-check').scrollIntoView()")
    screenshot_phone(phone, "plaque-check-offline")
    phone.page.locator("#plaque-check").screenshot(path=str(ARTIFACTS / "plaque-block-offline.png"))
    assert recorder.since(before) == []
    session.expire_all()
    assert session.query(Inspection).count() == 0

    gate.restore()
    phone.click("#sync-now")
    phone.synced(timeout=60)
    phone.wait_text("[data-plaque-result]", f"牌匾核验：牌匾属于本站，为现行牌匾（{shown}，")
    assert ("PUT", f"/api/v1/inspections/{session.query(Inspection).one().id}/plaque") in recorder.requests
    session.expire_all()
    inspection = session.query(Inspection).one()
    assert (inspection.plaque_code, inspection.plaque_finding) == (plaque.short_code, PlaqueFinding.CURRENT)


def test_the_online_checklists_plaque_block_at_phone_and_desktop_sizes(
    live_server, phone, browser, field, session, campaign, plaque, screenshot
):
    user, station, _ = field
    inspection = inspections.open_inspection(session, user.actor, station.id, campaign)
    other = plaques.plaque_for_printing(session, None, make_station(session, "150602"))
    session.commit()
    desktop = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    for page, size in ((phone, "phone"), (desktop, "desktop")):
        open_checklist(page, live_server, inspection.id)
        assert page.locator("[data-plaque-scan]").is_hidden()
        code = other.short_code if size == "phone" else plaque.short_code
        page.fill("[data-plaque-input]", printed_short_code(code))
        page.click("#plaque-check button[type=submit]")
        expected = "牌匾不属于本站" if size == "phone" else "牌匾属于本站，为现行牌匾"
        page.wait_for_selector(f"[data-plaque-result][data-state=saved]:has-text('{expected}')")
        assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
        assert ("warn" in (page.get_attribute("[data-plaque-result]", "class") or "")) == (size == "phone")
        page.locator("#plaque-check").scroll_into_view_if_needed()
        screenshot(page, f"plaque-check-{size}")
        page.locator("#plaque-check").screenshot(path=str(ARTIFACTS / f"plaque-block-{size}.png"))
    desktop.context.close()


def test_the_phone_reads_a_plaque_code_as_the_server_does(browser):
    """rules.js's plaqueCode against domain.directory.signboards.plaque_code_of, on hand-picked and random input."""
    import random
    from pathlib import Path

    from inspect_app.domain.directory.signboards import SHORT_CODE_ALPHABET, plaque_code_of
    from inspect_app.domain.offline import offline_rules

    rng = random.Random(18)
    token = "q2Vx-9_AbCdEfGhIjKlMnOpQr"
    cases = [
        "7k3m-9pxq",
        " 7K3M 9PXQ ",
        "7K3M.9PXQ",
        "7K3M·9PXQ",
        "OOOO-IIII",
        "7K3M-9PX",
        "",
        "牌匾",
        token,
        f"https://12315.example.cn/s/{token}",
        f"https://12315.example.cn/s/{token}/?utm=x#top",
        "https://12315.example.cn/s/short",
        "A" * 65,
    ]
    for _ in range(300):
        alphabet = SHORT_CODE_ALPHABET + "01ILOUV-_ abcxyz/"
        cases.append("".join(rng.choice(alphabet) for _ in range(rng.choice([7, 8, 9, 20, 24]))))
    page = browser.new_page()
    page.set_content("<script>" + (Path(__file__).parents[2] / "static/pwa/rules.js").read_text() + "</script>")
    page.evaluate("rules => Inspect.rules.use(rules)", offline_rules())
    phone = page.evaluate("cases => cases.map(c => Inspect.rules.plaqueCode(c))", cases)
    assert phone == [plaque_code_of(c) for c in cases]
    assert phone[0] == "7K3M9PXQ" and phone[9] == token and phone[4] is None  # the cases mean what they say
    page.close()


# What a phone that can read QR codes offers: a detector for qr_code and a camera. Headless Chromium has neither,
# so both stand in here: the camera is a canvas's stream, the detector "sees" the plaque's address once the video
# plays. What is tested is scan.js's wiring: 扫码 appears, opens the camera, fills the field and sends it.
_CAMERA = """(address) => {
  window.BarcodeDetector = class {
    static async getSupportedFormats() { return ["qr_code"]; }
    constructor(options) { this.formats = options.formats; }
    async detect(video) { return video.readyState >= 2 ? [{ rawValue: address, format: "qr_code" }] : []; }
  };
  navigator.mediaDevices.getUserMedia = async (constraints) => {
    window.askedFor = constraints;
    const canvas = Object.assign(document.createElement("canvas"), { width: 64, height: 64 });
    canvas.getContext("2d").fillRect(0, 0, 64, 64);
    return canvas.captureStream(5);
  };
}"""


def test_scan_reads_the_qr_code_with_the_rear_camera_where_the_browser_can(
    live_server, browser, field, session, campaign, plaque
):
    user, station, _ = field
    inspection = inspections.open_inspection(session, user.actor, station.id, campaign)
    address = plaques.public_address(live_server, plaque)
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    context.add_init_script(f"({_CAMERA})({address!r})")
    page = context.new_page()
    open_checklist(page, live_server, inspection.id)
    page.wait_for_selector("[data-plaque-scan]", state="visible")
    assert page.locator("[data-plaque-camera]").is_hidden()
    page.click("[data-plaque-scan]")
    page.wait_for_selector("[data-plaque-result][data-state=saved]:has-text('牌匾属于本站，为现行牌匾')")
    assert page.evaluate("window.askedFor.video.facingMode.ideal") == "environment"
    assert page.locator("[data-plaque-camera]").is_hidden()  # the camera is closed once the code is read
    assert page.input_value("[data-plaque-input]") == address
    session.expire_all()
    stored = session.get(Inspection, inspection.id)
    assert (stored.plaque_code, stored.plaque_finding) == (plaque.short_code, PlaqueFinding.CURRENT)
    context.close()
