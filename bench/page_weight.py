"""How much JS and CSS the inspector's offline app loads on its first visit. Target: ≤ 150 KB uncompressed.

Starts the app on a temporary SQLite instance with the demo data, signs in as a demo inspector in headless
Chromium, then opens /inspect/app in a fresh browser context (empty HTTP cache, no service worker yet, the
session cookie only) and sums the uncompressed response bodies by resource type, plus the service worker
script the browser fetches for it.

    .venv/bin/python bench/page_weight.py [--page /inspect/app] [--user inspector.dongsheng]
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import threading
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from inspect_app import create_app
from inspect_app.adapters import migrate
from inspect_app.db import get_session
from inspect_app.demo import seed as demo

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
TARGET = 150 * 1024
KINDS = {"script": "JS", "stylesheet": "CSS"}


def serve(instance: Path):
    """The app with the demo data on a free port, in a thread."""
    app = create_app(
        {
            "INSTANCE_PATH": str(instance),
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'bench.sqlite3'}",
            "PASSWORD_TIME_COST": 1,
            "PASSWORD_MEMORY_COST": 8 * 1024,
        }
    )
    migrate.upgrade(app.config["SQLALCHEMY_DATABASE_URI"])
    with app.app_context():
        demo.seed(get_session(), app.extensions["passwords"])
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return app, server


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--page", default="/inspect/app")
    parser.add_argument("--user", default="inspector.dongsheng")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        app, server = serve(Path(tmp))
        base = f"http://127.0.0.1:{server.server_port}"
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        signing_in = browser.new_context()
        page = signing_in.new_page()
        page.goto(base + "/login")
        page.fill("input[name=username]", args.user)
        page.fill("input[name=password]", demo.DEMO_PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_url(base + "/")
        cookies = signing_in.storage_state()
        signing_in.close()

        context = browser.new_context(storage_state=cookies, viewport={"width": 390, "height": 844})
        page = context.new_page()
        responses = []
        page.on("response", lambda response: responses.append(response))
        page.goto(base + args.page, wait_until="networkidle")
        page.wait_for_selector(".station-card")
        rows, totals = [], {"JS": 0, "CSS": 0}
        for response in responses:
            kind = KINDS.get(response.request.resource_type)
            if kind:
                size = len(response.body())
                rows.append((kind, urlsplit(response.url).path, size))
                totals[kind] += size
        worker = len(context.request.get(base + "/sw.js").body())
        rows.append(("JS", "/sw.js (service worker)", worker))
        totals["JS"] += worker
        browser.close()
        server.shutdown()
        app.extensions["db_engine"].dispose()

    print(f"First visit to {args.page} as {args.user}: JS and CSS, uncompressed")
    for kind, path, size in sorted(rows):
        print(f"  {kind:<4} {path:<36} {size:>8,} B")
    total = totals["JS"] + totals["CSS"]
    print(f"  JS {totals['JS']:,} B + CSS {totals['CSS']:,} B = {total:,} B ({total / 1024:.1f} KB)")
    print(
        f"  target ≤ {TARGET // 1024} KB: {'met' if total <= TARGET else 'MISSED'} "
        f"({100 * total / TARGET:.0f} % of the budget)"
    )


if __name__ == "__main__":
    main()
