"""The offline app's routes: the shell page, the web app manifest and the service worker."""

import io
import json
import re
import shutil

from PIL import Image

from inspect_app.web import pwa


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
