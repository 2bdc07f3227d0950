"""WebKit, the engine of every iPhone browser, driven through WebKitWebDriver (Debian's webkit2gtk-driver) under an
Xvfb display of the tests' own, in its two modes: MiniBrowser, which under automation keeps site data in memory
(as private browsing does), and profile_browser.py, which keeps it on disk and survives a restart."""

from __future__ import annotations

import glob
import os
import subprocess
from pathlib import Path

import pytest

WEBDRIVER = "/usr/bin/WebKitWebDriver"
MINIBROWSER = next(iter(glob.glob("/usr/lib/*/webkit2gtk-4.1/MiniBrowser")), "/usr/lib/webkit2gtk-4.1/MiniBrowser")
SYSTEM_PYTHON = "/usr/bin/python3"  # has python3-gi; the project's venv does not
PROFILE_BROWSER = Path(__file__).with_name("profile_browser.py")
PHONE = (390, 844)
INSTALL = "请运行 make test（会安装 webkit2gtk-driver、xvfb、python3-gi 和 gir1.2-webkit2-4.1）"


class Display:
    """An Xvfb server on a display number it picks itself (-displayfd), so nothing depends on the machine's own."""

    def __init__(self):
        if not Path("/usr/bin/Xvfb").exists():
            pytest.fail("WebKit 测试需要 Xvfb：" + INSTALL)
        read, write = os.pipe()
        self.process = subprocess.Popen(
            ["/usr/bin/Xvfb", "-displayfd", str(write), "-screen", "0", "1280x1024x24", "-nolisten", "tcp"],
            pass_fds=[write],
            stderr=subprocess.DEVNULL,
        )
        os.close(write)
        number = b""
        with os.fdopen(read, "rb") as pipe:
            while not number.endswith(b"\n"):
                chunk = pipe.read(1)
                if not chunk:
                    raise RuntimeError("Xvfb did not start")
                number += chunk
        self.name = ":" + number.decode().strip()

    def close(self):
        self.process.terminate()
        self.process.wait(timeout=10)


def _driver(display: Display, binary: str, args: list[str], browser_name: str | None, log: Path):
    from selenium import webdriver
    from selenium.webdriver.webkitgtk.options import Options
    from selenium.webdriver.webkitgtk.service import Service

    for needed in (WEBDRIVER, binary):
        if not Path(needed).exists():
            pytest.fail(f"WebKit 测试需要 {needed}：" + INSTALL)
    options = Options()
    options.binary_location = binary
    for arg in args:
        options.add_argument(arg)
    if browser_name:
        options.set_capability("browserName", browser_name)
    # The page's confirm() is answered by the test (accept or dismiss), never by the driver behind its back.
    options.set_capability("unhandledPromptBehavior", "ignore")
    env = {**os.environ, "DISPLAY": display.name, "GTK_A11Y": "none", "NO_AT_BRIDGE": "1"}
    service = Service(executable_path=WEBDRIVER, env=env, log_output=str(log))
    driver = webdriver.WebKitGTK(options=options, service=service)
    driver.set_window_rect(width=PHONE[0], height=PHONE[1])
    return driver


def minibrowser(display: Display, log: Path):
    """Stock MiniBrowser under automation: site data in memory only, and a location prompt nobody answers."""
    return _driver(display, MINIBROWSER, ["--automation"], None, log)


def profile_browser(display: Display, profile: Path, log: Path, position: dict | None = None):
    """A WebKitGTK browser keeping its data under `profile`; it grants the location prompt with `position`."""
    if not Path(SYSTEM_PYTHON).exists():
        pytest.fail("WebKit 测试需要 /usr/bin/python3：" + INSTALL)
    args = [str(PROFILE_BROWSER), str(profile)]
    if position:
        args.append(f"--position={position['latitude']},{position['longitude']},{position['accuracy']}")
    return _driver(display, SYSTEM_PYTHON, args, "InspectProfileBrowser", log)
