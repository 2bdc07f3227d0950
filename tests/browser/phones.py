"""One phone, whatever drives it: Playwright (Chromium) or WebDriver (WebKit). The offline tests speak to it through
these few verbs, so one scenario runs in every engine.

Waiting is for a condition in the page, never for a time: the condition is checked again on every change of the
document (a MutationObserver), inside the page, until it holds or the limit passes. The predicates are part of
the script the driver injects (the page's CSP refuses eval, which Playwright's wait_for_function uses)."""

from __future__ import annotations

from pathlib import Path

from support import PASSWORD

WAIT_S = 20

_UNTIL = """(args) => new Promise((resolve) => {
  const predicate = %s;
  const check = () => { try { return !!predicate(...args.values); } catch (error) { return false; } };
  if (check()) { resolve(true); return; }
  const observer = new MutationObserver(() => { if (check()) { finish(true); } });
  const timer = setTimeout(() => finish(check()), args.ms);
  function finish(value) { observer.disconnect(); clearTimeout(timer); resolve(value); }
  observer.observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
})"""

_STATES = {
    "attached": "(css) => !!document.querySelector(css)",
    "detached": "(css) => !document.querySelector(css)",
    "visible": "(css) => { const el = document.querySelector(css); return !!el && el.getClientRects().length > 0; }",
    "hidden": "(css) => { const el = document.querySelector(css); return !el || el.getClientRects().length === 0; }",
}


class Phone:
    """The verbs shared by both drivers; each driver supplies evaluate() and the few actions below."""

    engine = ""

    # ---- implemented by each driver -----------------------------------------------------------------------
    def evaluate(self, function: str, arg=None): ...
    def goto(self, url: str): ...
    def reload(self): ...
    def click(self, css: str): ...
    def fill(self, css: str, text: str): ...
    def select_index(self, css: str, index: int): ...
    def set_files(self, css: str, path: str): ...
    def draw(self, css: str): ...
    def answer_dialog(self, css: str, accept: bool) -> str: ...
    def screenshot(self, path: Path): ...
    def close(self): ...

    @property
    def url(self) -> str:
        return self.evaluate("() => location.href")

    # ---- shared ---------------------------------------------------------------------------------------------
    def until(self, predicate: str, *values, timeout: float = WAIT_S, what: str = "", context: str = "main"):
        """Wait until `predicate(*values)` (JS function source) holds in the page; when it does not, the failure
        quotes what `context` showed."""
        ok = self.evaluate(_UNTIL % predicate, {"values": list(values), "ms": int(timeout * 1000)})
        assert ok, (
            f"[{self.engine}] waited {timeout:g} s in vain for {what or predicate} {values}; "
            f"{context} showed: {' '.join((self.text(context) or '').split())[:600]}"
        )

    def wait(self, css: str, state: str = "visible", timeout: float = WAIT_S, context: str = "main"):
        self.until(_STATES[state], css, timeout=timeout, what=f"{css} {state}", context=context)

    def wait_text(self, css: str, text: str, timeout: float = WAIT_S, context: str = "main"):
        self.until(
            "(css, text) => (document.querySelector(css) || { textContent: '' }).textContent.includes(text)",
            css,
            text,
            timeout=timeout,
            what=f"{css} containing",
            context=context,
        )

    def wait_drawn(self, css: str, timeout: float = WAIT_S):
        """An image shown and decoded: it has taken its height, and what is below it stops moving."""
        self.until(
            "(css) => { const img = document.querySelector(css); "
            "return !!img && img.complete && img.naturalWidth > 0; }",
            css,
            timeout=timeout,
            what="the image drawn",
            context=css,
        )

    def text(self, css: str) -> str:
        return self.evaluate("(css) => { const el = document.querySelector(css); return el && el.textContent; }", css)

    def count(self, css: str) -> int:
        return self.evaluate("(css) => document.querySelectorAll(css).length", css)

    def attribute(self, css: str, name: str):
        return self.evaluate(
            "([css, name]) => { const el = document.querySelector(css); return el && el.getAttribute(name); }",
            [css, name],
        )

    def value(self, css: str) -> str:
        return self.evaluate("(css) => document.querySelector(css).value", css)

    def blur(self, css: str):
        self.evaluate("(css) => document.querySelector(css).blur()", css)

    def scroll_width(self) -> int:
        return self.evaluate("() => document.documentElement.scrollWidth")

    def sign_in(self, base: str, username: str):
        self.goto(base + "/login")
        fields = {"input[name=username]": username, "input[name=password]": PASSWORD}
        # Keys typed into one field can land in the one before it while WebKit moves the focus (seen once in CI:
        # a username with the password's first keys behind it): both fields are read back before the submit.
        for _ in range(3):
            for css, text in fields.items():
                self.fill(css, text)
            if all(self.value(css) == text for css, text in fields.items()):
                break
        else:
            raise AssertionError(f"[{self.engine}] the sign-in form never held what was typed")
        self.click_to_navigate("main button[type=submit]")
        assert "/login" not in self.url, self.text("main")

    def click_to_navigate(self, css: str):
        """Click what leads to another page, and wait until that page has loaded."""

    def controlled(self, timeout: float = WAIT_S):
        """The service worker controls the page."""
        assert self.evaluate(
            """(ms) => navigator.serviceWorker.controller !== null || new Promise(resolve => {
            navigator.serviceWorker.addEventListener("controllerchange", () => resolve(true), { once: true });
            setTimeout(() => resolve(false), ms); })""",
            int(timeout * 1000),
        ), f"[{self.engine}] no service worker"

    # The sync bar (templates/pwa/_syncbar.html): settled, idle, done.
    def settled(self, timeout: float = WAIT_S):
        """The page has drawn what the phone holds, its storage notice included, and its first sync has ended:
        nothing moves under a click any more."""
        self.until(
            """() => { const bar = document.querySelector('#syncbar');
                              return !!bar && (!Inspect.storage || !!bar.dataset.storage) && bar.dataset.sync === 'idle'
                                && !/正在(加载|同步|重试)/.test(document.querySelector('#sync-status').textContent); }""",
            timeout=timeout,
            what="the page settled",
        )

    def idle(self, timeout: float = WAIT_S):
        self.wait("#syncbar[data-sync=idle]", "attached", timeout)

    def synced(self, timeout: float = WAIT_S):
        self.wait("#sync-badge", "hidden", timeout)
        self.wait_text("#sync-status", "已同步", timeout)


class PlaywrightPhone(Phone):
    """A phone-sized Chromium page (Playwright), with geolocation granted unless `position` is None."""

    engine = "chromium"

    def __init__(self, browser, position=None, permissions=None, init_script: str | None = None):
        grants = ["geolocation"] if position else []
        self.context = browser.new_context(
            viewport={"width": 390, "height": 844},
            device_scale_factor=2,
            is_mobile=True,
            has_touch=True,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            geolocation=position,
            permissions=grants + list(permissions or []),
        )
        if init_script:
            self.context.add_init_script(init_script)
        self.page = self.context.new_page()

    def evaluate(self, function: str, arg=None):
        return self.page.evaluate(function, arg)

    def goto(self, url: str):
        self.page.goto(url)

    def reload(self):
        self.page.reload()

    def click(self, css: str):
        self.page.click(css)

    def fill(self, css: str, text: str):
        self.page.fill(css, text)

    def select_index(self, css: str, index: int):
        self.page.locator(css).select_option(index=index)

    def set_files(self, css: str, path: str):
        self.page.locator(css).set_input_files(path)

    def click_to_navigate(self, css: str):
        with self.page.expect_navigation():
            self.page.click(css)

    def draw(self, css: str):
        canvas = self.page.locator(css)
        canvas.scroll_into_view_if_needed()
        box = canvas.bounding_box()
        mouse = self.page.mouse
        mouse.move(box["x"] + 20, box["y"] + box["height"] * 0.7)
        mouse.down()
        for step in range(1, 12):
            mouse.move(box["x"] + 20 + step * box["width"] / 14, box["y"] + box["height"] * (0.3 if step % 2 else 0.7))
        mouse.up()

    def answer_dialog(self, css: str, accept: bool) -> str:
        seen = []

        def answer(dialog):
            seen.append(dialog.message)
            dialog.accept() if accept else dialog.dismiss()

        self.page.once("dialog", answer)
        self.page.click(css)
        assert seen, "no dialog"
        return seen[0]

    def screenshot(self, path: Path):
        self.page.screenshot(path=str(path), full_page=True)

    def close(self):
        self.context.close()


class WebDriverPhone(Phone):
    """A WebKit browser driven through WebKitWebDriver (Selenium's client)."""

    def __init__(self, driver, engine: str, log: Path):
        self.driver, self.engine, self.log = driver, engine, log
        driver.set_script_timeout(600)  # the waits keep their own time, in the page

    def evaluate(self, function: str, arg=None):
        # The driver's async script: the function's value (or promise) comes back through the callback.
        result = self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            f"Promise.resolve(({function})(arguments[0])).then("
            "value => done({ value: value === undefined ? null : value }),"
            "error => done({ error: String(error && error.stack || error) }));",
            arg,
        )
        if "error" in result:
            raise AssertionError(f"[{self.engine}] script failed: {result['error']}")
        return result["value"]

    def _element(self, css: str):
        from selenium.webdriver.common.by import By

        self.wait(css, "visible")
        element = self.driver.find_element(By.CSS_SELECTOR, css)
        # Out from under the sticky score bar, or WebKit reports the click as intercepted.
        self.driver.execute_script("arguments[0].scrollIntoView({ block: 'center' })", element)
        return element

    def goto(self, url: str):
        self.driver.get(url)

    def reload(self):
        self.driver.refresh()

    def click(self, css: str):
        from selenium.common.exceptions import StaleElementReferenceException

        for _ in range(3):  # drawn again between finding and clicking (a sync's redraw): find it again
            try:
                return self._element(css).click()
            except StaleElementReferenceException:
                continue
        raise AssertionError(f"{css} kept being drawn again")

    def fill(self, css: str, text: str):
        # WebKitWebDriver can drop keystrokes while a freshly started MiniBrowser is still settling (seen once on
        # a new machine: a password typed short): type again until the field holds exactly what was typed.
        for _ in range(3):
            element = self._element(css)
            element.clear()
            element.send_keys(text)
            if self.evaluate(
                "([css, text]) => new Promise(resolve => { const until = Date.now() + 2000; "
                "(function check() { const ok = document.querySelector(css).value === text; "
                "if (ok || Date.now() > until) resolve(ok); else requestAnimationFrame(check); })(); })",
                [css, text],
            ):
                return
        raise AssertionError(f"[{self.engine}] {css} never held what was typed")

    def select_index(self, css: str, index: int):
        from selenium.webdriver.support.select import Select

        Select(self._element(css)).select_by_index(index)

    def set_files(self, css: str, path: str):
        from selenium.webdriver.common.by import By

        self.wait(css, "attached")
        self.driver.find_element(By.CSS_SELECTOR, css).send_keys(path)  # a hidden file input takes keys too

    def click_to_navigate(self, css: str):
        from selenium.common.exceptions import WebDriverException
        from selenium.webdriver.support.wait import WebDriverWait

        # WebKit's click does not wait for the navigation it starts: a mark on the old page tells them apart.
        self.driver.execute_script("window.__leaving = true")
        self._element(css).click()
        WebDriverWait(self.driver, WAIT_S, ignored_exceptions=[WebDriverException]).until(
            lambda driver: driver.execute_script("return !window.__leaving && document.readyState === 'complete'")
        )

    def draw(self, css: str):
        from selenium.webdriver.common.action_chains import ActionChains

        canvas = self._element(css)
        width, height = canvas.size["width"], canvas.size["height"]
        # Offsets are from the element's centre.
        x0, y_low, y_high = -width / 2 + 20, height * 0.2, -height * 0.2
        actions = ActionChains(self.driver, duration=20).move_to_element_with_offset(canvas, int(x0), int(y_low))
        actions.click_and_hold()
        for step in range(1, 12):
            actions.move_to_element_with_offset(canvas, int(x0 + step * width / 14), int(y_high if step % 2 else y_low))
        actions.release().perform()

    def answer_dialog(self, css: str, accept: bool) -> str:
        from selenium.webdriver.support import expected_conditions
        from selenium.webdriver.support.wait import WebDriverWait

        self._element(css).click()
        alert = WebDriverWait(self.driver, WAIT_S).until(expected_conditions.alert_is_present())
        message = alert.text
        alert.accept() if accept else alert.dismiss()
        return message

    def screenshot(self, path: Path):
        self.driver.save_screenshot(str(path))

    def console(self) -> str:
        """What the page reported on the console (profile_browser.py writes it to the driver's log)."""
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def close(self):
        self.driver.quit()
