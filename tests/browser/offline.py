"""Helpers for the browser tests of the pages that work with no network: a recorder of what reached the server,
a phone signed in, going offline robustly, and waiting for the outbox's sync (never for a fixed time)."""

from __future__ import annotations

import socket
import threading
from concurrent.futures import ThreadPoolExecutor

from support import PASSWORD

HERE = {"latitude": 39.8203, "longitude": 109.9602, "accuracy": 15}


class Recorder:
    """WSGI middleware: every request that reached the server, and which answers were replays."""

    def __init__(self, app):
        self.app, self.requests, self.replayed, self.sizes = app, [], [], []
        self.arrived = threading.Condition()

    def __call__(self, environ, start_response):
        path = environ["PATH_INFO"]
        with self.arrived:
            self.requests.append((environ["REQUEST_METHOD"], path))
            self.sizes.append((environ["REQUEST_METHOD"], path, int(environ.get("CONTENT_LENGTH") or 0)))
            self.arrived.notify_all()

        def start(status, headers, exc_info=None):
            if any(name.lower() == "idempotent-replayed" for name, _ in headers):
                self.replayed.append((environ["REQUEST_METHOD"], path))
            return start_response(status, headers, exc_info)

        return self.app(environ, start)

    def wait_since(self, mark: int, timeout: float = 60) -> list[tuple[str, str]]:
        """Wait until a request other than the worker's update check arrives after the first `mark`."""
        with self.arrived:
            assert self.arrived.wait_for(lambda: self.since(mark), timeout), "no request reached the server"
            return self.since(mark)

    def since(self, mark: int) -> list[tuple[str, str]]:
        """The requests after the first `mark`, leaving out the browser's own update check of the worker script:
        Chromium makes it for the service worker past the page's offline switch and its routes, and on a phone
        with no signal it simply fails."""
        return [r for r in self.requests[mark:] if r != ("GET", "/sw.js")]


class Gate:
    """WSGI middleware in front of the server (and of the Recorder): the server can be lost while the browser
    still believes it is online (navigator.onLine stays true, no `online` event comes back), and one request can
    be cut, before it reaches the server or after the server did its work, so that the phone never hears back.

    A request that does not pass has its connection shut without an answer: the browser's fetch fails as it does
    when the server is unreachable. Werkzeug's server closes every connection after one answer, so no browser
    retries the request by itself on a reused connection."""

    def __init__(self, app):
        self.app, self.down, self.only, self.cuts, self.dropped = app, False, "", [], 0
        self._lock = threading.Condition()

    def lose(self, only: str = ""):
        """From now on no request reaches the server, or none whose path starts with `only`."""
        self.down, self.only = True, only

    def restore(self):
        self.down = False

    def cut_once(self, method: str, path_part: str, after_work: bool):
        """The first later request of `method` whose path contains `path_part` never gets its answer."""
        self.cuts.append({"method": method, "path": path_part, "after": after_work, "done": False})

    def wait_dropped(self, mark: int, timeout: float = 30):
        """Wait until the gate has turned a request away after the first `mark`."""
        with self._lock:
            assert self._lock.wait_for(lambda: self.dropped > mark, timeout), "the app made no request"

    def cut_done(self) -> list[str]:
        return [c["path"] for c in self.cuts if c["done"]]

    def __call__(self, environ, start_response):
        if self.down and environ["PATH_INFO"].startswith(self.only):
            with self._lock:
                self.dropped += 1
                self._lock.notify_all()
            hang_up(environ)
        with self._lock:
            cut = next(
                (
                    c
                    for c in self.cuts
                    if not c["done"] and c["method"] == environ["REQUEST_METHOD"] and c["path"] in environ["PATH_INFO"]
                ),
                None,
            )
            if cut:
                cut["done"] = True
        if cut is None:
            return self.app(environ, start_response)
        if cut["after"]:
            body = self.app(environ, lambda status, headers, exc_info=None: lambda data: None)
            try:
                for _ in body:
                    pass
            finally:
                getattr(body, "close", lambda: None)()
        hang_up(environ)


def hang_up(environ):
    """Shut the request's connection without a word; werkzeug takes the error for a client that went away."""
    try:
        environ["werkzeug.socket"].shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    raise ConnectionAbortedError("the test's gate hung up")


def signed_in_phone(browser, live_server, username: str):
    """A phone-sized page signed in as `username`, with geolocation granted; every dialog is kept and accepted,
    except signing out (to see that it is asked)."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        geolocation=HERE,
        permissions=["geolocation"],
    )
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


def off_the_loop(fn, *args):
    """Run fn on a thread of its own: Playwright keeps an event loop running here, and signing runs its own."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(fn, *args).result()
