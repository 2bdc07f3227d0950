"""A live server in a thread, Debian's Chromium driven by Playwright at phone size, WebKit under an Xvfb display of
our own, and a recorded field to inspect."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from support import make_station, make_user
from werkzeug.serving import make_server

from . import webkit
from .offline import HERE, Gate, Recorder
from .phones import PlaywrightPhone, WebDriverPhone

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="module")
def browser():
    # Per module, not per session: Playwright's sync API keeps an event loop running while it is open, and
    # code that calls asyncio.run() (pyHanko's signing) cannot run inside one.
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("浏览器测试需要 /usr/bin/chromium：请运行 make test（会安装 Debian 的 chromium）")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def phone(browser):
    context = browser.new_context(
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
    )
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot():
    """Keep a full-page PNG under test-artifacts/ for people to look at."""

    def _take(page, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return _take


@pytest.fixture
def screenshot_phone():
    """The same for a phone of any engine (tests/browser/phones.py)."""

    def _take(phone, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        phone.screenshot(path)
        return path

    return _take


@pytest.fixture
def field(app, session, campaign):
    """A campaign, an inspector of 东胜区 and one station, with every request to the server recorded."""
    user = make_user(session, "inspector", "150602", username="inspector.ds")
    station = make_station(
        session, "150602", name="东胜万达广场12315消费维权服务站", latitude="39.82", longitude="109.96"
    )
    recorder = Recorder(app.wsgi_app)
    app.wsgi_app = recorder
    return user, station, recorder


@pytest.fixture
def gate(app, field):
    """In front of the recorded server: lose the server while the browser believes it is online, cut a request."""
    front = Gate(app.wsgi_app)
    app.wsgi_app = front
    return front


@pytest.fixture(scope="session")
def x_display():
    display = webkit.Display()
    yield display
    display.close()


@pytest.fixture
def phones(request, tmp_path):
    """Opens phones of an engine: "chromium" (Playwright), "webkit-memory" (MiniBrowser: site data in memory, the
    location prompt never answered) or "webkit-profile" (profile_browser.py: data on disk under `profile`, which
    a second phone on the same profile finds again). Geolocation is granted with HERE unless `position` is None."""
    opened = []

    def open_phone(engine: str, position=HERE, profile=None, **chromium):
        log = tmp_path / f"{engine}-{len(opened)}.log"
        if engine == "chromium":
            phone = PlaywrightPhone(request.getfixturevalue("browser"), position, **chromium)
        elif engine == "webkit-memory":
            phone = WebDriverPhone(webkit.minibrowser(request.getfixturevalue("x_display"), log), engine, log)
        elif engine == "webkit-profile":
            driver = webkit.profile_browser(
                request.getfixturevalue("x_display"), profile or tmp_path / "profile", log, position
            )
            phone = WebDriverPhone(driver, engine, log)
        else:
            raise ValueError(engine)
        opened.append(phone)
        return phone

    yield open_phone
    for phone in opened:
        try:
            phone.close()
        except Exception:  # already closed by the test (a browser restart)
            pass
