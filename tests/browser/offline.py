"""Helpers for the browser tests of the pages that work with no network: a recorder of what reached the server,
a phone signed in, going offline robustly, and waiting for the outbox's sync (never for a fixed time)."""

from __future__ import annotations

from conftest import PASSWORD

HERE = {"latitude": 39.8203, "longitude": 109.9602, "accuracy": 15}


class Recorder:
    """WSGI middleware: every request that reached the server, and which answers were replays."""

    def __init__(self, app):
        self.app, self.requests, self.replayed = app, [], []

    def __call__(self, environ, start_response):
        path = environ["PATH_INFO"]
        self.requests.append((environ["REQUEST_METHOD"], path))

        def start(status, headers, exc_info=None):
            if any(name.lower() == "idempotent-replayed" for name, _ in headers):
                self.replayed.append((environ["REQUEST_METHOD"], path))
            return start_response(status, headers, exc_info)

        return self.app(environ, start)

    def since(self, mark: int) -> list[tuple[str, str]]:
        """The requests after the first `mark`, leaving out the browser's own update check of the worker script:
        Chromium makes it for the service worker past the page's offline switch and its routes, and on a phone
        with no signal it simply fails."""
        return [r for r in self.requests[mark:] if r != ("GET", "/sw.js")]


def signed_in_phone(browser, live_server, username: str):
    """A phone-sized page signed in as `username`, with geolocation granted; every dialog is kept and accepted,
    except signing out (to see that it is asked)."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="zh-CN", timezone_id="Asia/Shanghai", geolocation=HERE,
                                  permissions=["geolocation"])
    page = context.new_page()
    page.dialogs = []

    def answer(dialog):
        page.dialogs.append(dialog.message)
        dialog.dismiss() if "确定退出" in dialog.message else dialog.accept()

    page.on("dialog", answer)
    page.goto(live_server + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("main button[type=submit]")
    return page


def controlled(page):
    """Wait until the service worker controls the page. Not wait_for_function: it compiles its predicate with
    eval inside the page, which the CSP refuses."""
    page.evaluate("""() => navigator.serviceWorker.controller !== null || new Promise(resolve =>
        navigator.serviceWorker.addEventListener("controllerchange", () => resolve(true), { once: true }))""")


def go_offline(page):
    """No network for the page: the browser's offline switch, and every request that still leaves cut at the wire
    (the switch alone has let a request from a page kept by a service worker through)."""
    page.context.set_offline(True)
    page.context.route("**/*", _disconnected)


def go_online(page):
    page.context.unroute("**/*", _disconnected)
    page.context.set_offline(False)


def _disconnected(route):
    route.abort("internetdisconnected")


def idle(page):
    page.wait_for_selector("#syncbar[data-sync=idle]", state="attached", timeout=15000)


def synced(page):
    page.wait_for_selector("#sync-badge", state="hidden", timeout=15000)
    page.wait_for_selector("#sync-status:has-text('已同步')", timeout=15000)


def stopped(page):
    page.wait_for_selector("#sync-status:has-text('网络不可用')", timeout=15000)


def pages_kept(page):
    """The service worker holds the pages this page asked it to keep for reading offline."""
    page.wait_for_selector("#syncbar[data-offline=kept]", state="attached", timeout=15000)
