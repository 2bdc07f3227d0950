"""The offline app's routes (the shell page, the web app manifest, the service worker, the offline page) and
the checklist page that writes through the same outbox."""

import io
import json
import re
import shutil
from datetime import date, timedelta
from html import unescape as html_unescape

from PIL import Image
from support import make_station, new_campaign

from inspect_app.inspection import operations as inspections
from inspect_app.inspection import pwa


def shell_of(worker: str) -> list[str]:
    """The URLs the service worker keeps, as /sw.js declares them."""
    return json.loads(re.search(r"^const SHELL = (\[.*\]);$", worker, re.M).group(1))


def test_shell_needs_a_signed_in_inspector(client, login_as):
    response = client.get("/inspect/app")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    login_as("leader", "150602")
    assert client.get("/inspect/app").status_code == 403


def test_shell_links_the_manifest_and_loads_only_static_scripts(client, login_as):
    user = login_as("inspector", "150602")
    response = client.get("/inspect/app")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "no-cache" in response.headers["Cache-Control"] and "private" in response.headers["Cache-Control"]
    head = html.split("</head>")[0]
    assert '<link rel="manifest" href="/manifest.webmanifest">' in head
    assert f'data-user="{user.id}"' in html and 'data-api="/api/v1"' in html
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts and all(re.search(r'\bsrc="/static/', tag) for tag in scripts)  # no inline script (CSP)
    assert not re.search(r"\son[a-z]+=", html)  # no inline handlers either
    assert 'form method="post" action="/logout"' in html  # the sign-out form the app guards


def test_manifest_and_worker_registration_are_not_site_wide(client, login_as):
    login_as("inspector", "150602")
    for page in ("/", "/inspect/"):
        html = client.get(page).get_data(as_text=True)
        assert 'rel="manifest"' not in html and "pwa/app.js" not in html


def test_manifest_describes_an_installable_chinese_app(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200 and response.mimetype == "application/manifest+json"
    manifest = json.loads(response.get_data(as_text=True))
    assert manifest["name"] == "12315服务站验收" and manifest["short_name"] == "服务站验收"
    assert manifest["start_url"] == "/inspect/app" and manifest["display"] == "standalone"
    assert manifest["theme_color"] == "#1d4f91" and manifest["lang"] == "zh-CN"
    sizes = set()
    for icon in manifest["icons"]:
        image = Image.open(io.BytesIO(client.get(icon["src"]).data))
        assert image.format == "PNG" and f"{image.width}x{image.height}" == icon["sizes"]
        sizes.add(icon["sizes"])
    assert sizes == {"192x192", "512x512"}


def test_worker_is_served_from_the_root_and_always_revalidated(client):
    response = client.get("/sw.js")
    assert response.status_code == 200 and response.mimetype == "application/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    text = response.get_data(as_text=True)
    version = re.search(r'^const VERSION = "([0-9a-f]{16})";$', text, re.M)
    shell = shell_of(text)
    assert version and shell[0] == "/inspect/app"
    assert not any(url.startswith("/api/") for url in shell)  # the data lives in IndexedDB, not the cache


def test_worker_keeps_everything_the_shell_loads(client, login_as):
    login_as("inspector", "150602")
    html = client.get("/inspect/app").get_data(as_text=True)
    loaded = set(re.findall(r'<(?:script|link)\b[^>]*(?:src|href)="(/static/[^"]+)"', html))
    shell = shell_of(client.get("/sw.js").get_data(as_text=True))
    assert loaded and loaded <= set(shell)
    for url in shell[1:]:
        assert client.get(url).status_code == 200


def test_a_deploy_that_changes_a_shell_file_changes_the_worker(app, client, tmp_path):
    before = client.get("/sw.js").get_data(as_text=True)
    copy = tmp_path / "static"
    shutil.copytree(app.static_folder, copy)
    app.static_folder = str(copy)
    assert client.get("/sw.js").get_data(as_text=True) == before  # same files, same worker
    (copy / "pwa" / "app.js").write_text((copy / "pwa" / "app.js").read_text() + "\n// changed\n")
    after = client.get("/sw.js").get_data(as_text=True)
    assert after != before and after.split("\n", 1)[1] == before.split("\n", 1)[1]  # only VERSION moved
    with app.app_context():
        assert len(pwa.shell_version()) == 16


# ---- the pages that write through the outbox, and the page shown with no network ----------------------


def _inspection(session, user, starts_on=date(2026, 9, 1), name="2026年度自查验收"):
    """An inspection begun by `user` in a campaign of its own (the newest campaign is the current one)."""
    campaign = new_campaign(session, name, starts_on, starts_on + timedelta(days=90))  # one checklist version for all
    station = make_station(session, "150602")
    return inspections.open_inspection(session, user.actor, station.id, campaign), campaign


def test_offline_page_is_the_same_chinese_page_for_everybody(client):
    response = client.get("/inspect/offline")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "没有网络连接" in html
    assert 'href="/inspect/app"' in html and 'href="/campaigns/"' in html  # the ways back
    assert 'action="/logout"' not in html  # kept by the worker: nobody's name or token in it
    worker = client.get("/sw.js").get_data(as_text=True)
    assert "/inspect/offline" in shell_of(worker)
    assert re.search(r'^const OFFLINE_PAGE = "/inspect/offline";$', worker, re.M)
    assert re.search(r'^const SESSION_PAGES = \["/login", "/logout"\];$', worker, re.M)


def test_checklist_page_writes_through_the_outbox_and_is_kept_for_offline(client, session, login_as):
    user = login_as("inspector", "150602")
    inspection, campaign = _inspection(session, user)
    url = f"/inspect/inspections/{inspection.id}"
    html = client.get(url).get_data(as_text=True)
    bar = re.search(r'<div class="syncbar" id="syncbar"[^>]*>', html).group(0)
    assert f'data-user="{user.id}"' in bar and 'data-api="/api/v1"' in bar
    kept = json.loads(re.search(r"data-keep='([^']*)'", bar).group(1))
    assert kept == [url, "/campaigns/", f"/campaigns/{campaign.id}/checklist"]
    snapshot = json.loads(html_unescape(re.search(r"data-snapshot='([^']*)'", html).group(1)))
    assert snapshot["id"] == inspection.id and snapshot["station_id"] == inspection.station_id
    checklist = json.loads(html_unescape(re.search(r"data-checklist='([^']*)'", html).group(1)))
    assert [s["code"] for s in checklist["sections"]] == ["A", "B", "C"]
    loaded = re.findall(r'<(?:script|link)\b[^>]*(?:src|href)="(/static/[^"]+)"', html)
    assert {"/static/pwa/sync.js", "/static/pwa/station.js", "/static/inspect.js"} <= set(loaded)
    # With no network the kept page loads every one of its scripts and styles from the worker's shell.
    assert set(loaded) <= set(shell_of(client.get("/sw.js").get_data(as_text=True)))


def test_another_campaigns_inspection_keeps_the_plain_forms(client, session, login_as):
    user = login_as("inspector", "150602")
    old, _ = _inspection(session, user, date(2025, 9, 1), "2025年度自查验收")
    _inspection(session, user)  # a newer campaign is the current one
    html = client.get(f"/inspect/inspections/{old.id}").get_data(as_text=True)
    assert 'id="syncbar"' not in html and "pwa/sync.js" not in html and "data-snapshot" not in html
    assert 'name="answer-A1"' in html and "data-plain-form" in html  # the page's own forms, shown by inspect.js


# Directives WebKit (the engine of every iPhone browser) implements; it reports any other as unrecognised on the
# console of every page.
WEBKIT_DIRECTIVES = {
    "default-src",
    "script-src",
    "script-src-elem",
    "script-src-attr",
    "style-src",
    "style-src-elem",
    "style-src-attr",
    "img-src",
    "connect-src",
    "font-src",
    "media-src",
    "object-src",
    "frame-src",
    "child-src",
    "worker-src",
    "frame-ancestors",
    "base-uri",
    "form-action",
    "sandbox",
    "report-uri",
    "report-to",
    "upgrade-insecure-requests",
    "block-all-mixed-content",
}


def test_policy_names_only_directives_webkit_knows(client):
    policy = client.get("/inspect/offline").headers["Content-Security-Policy"]
    names = {directive.split()[0] for directive in policy.split(";") if directive.strip()}
    assert "manifest-src" not in names and names <= WEBKIT_DIRECTIVES
    assert "default-src" in names  # which the manifest falls under, in the engines that read manifest-src


def test_worker_keeps_the_storage_module_the_outbox_pages_load(client, login_as):
    login_as("inspector", "150602")
    html = client.get("/inspect/app").get_data(as_text=True)
    order = re.findall(r'<script src="/static/(pwa/[a-z_]+\.js)"', html)
    # The outbox's rules (sync_core.js) come before the outbox (sync.js); the storage notice reads the outbox,
    # and the sync bar shows it (syncbar.js).
    assert order.index("pwa/sync_core.js") < order.index("pwa/sync.js") < order.index("pwa/storage.js")
    assert order.index("pwa/storage.js") < order.index("pwa/syncbar.js")
    assert "/static/pwa/storage.js" in shell_of(client.get("/sw.js").get_data(as_text=True))
    assert 'id="storage-notice"' in html and "约 7 天" in html and 'id="storage-state"' in html
