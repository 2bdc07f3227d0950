"""The inspector's offline app (PWA): its shell, manifest and service worker."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from flask import Blueprint, Response, current_app, render_template, url_for
from flask_login import login_required

from ..domain.permissions import Action
from . import api
from .context import allow

bp = Blueprint("pwa", __name__)

THEME_COLOUR = "#1d4f91"
# What the service worker keeps so /inspect/app opens with no network (the shell page itself comes first).
SHELL_STATIC = (
    "app.css", "app.js", "pwa/pwa.css", "pwa/idb.js", "pwa/rules.js", "pwa/sync.js", "pwa/app.js",
    "icons/icon-192.png", "icons/icon-512.png",
)
SHELL_TEMPLATES = ("base.html", "pwa/app.html")
WORKER = "pwa/sw.js"


def _static(name: str) -> Path:
    return Path(current_app.static_folder) / name


def shell_version() -> str:
    """A digest of every file the shell is made of: a deploy that changes one changes the worker."""
    digest = hashlib.sha256()
    templates = Path(current_app.template_folder)
    for path in [_static(name) for name in (*SHELL_STATIC, WORKER)] + [templates / n for n in SHELL_TEMPLATES]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@bp.route("/inspect/app")
@login_required
def shell():
    """The app shell; the board and checklists are drawn by scripts from IndexedDB."""
    allow(Action.INSPECT)
    response = Response(render_template("pwa/app.html", api_root=api.bp.url_prefix))
    # The worker keeps the offline copy; the browser's HTTP cache must not serve a stale or foreign one.
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.route("/manifest.webmanifest")
def manifest():
    body = {
        "name": "12315服务站验收",
        "short_name": "服务站验收",
        "description": "鄂尔多斯市12315消费维权服务站现场验收检查，无信号时也可使用",
        "id": url_for(".shell"),
        "start_url": url_for(".shell"),
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "lang": "zh-CN",
        "dir": "ltr",
        "theme_color": THEME_COLOUR,
        "background_color": "#f4f6f8",
        "icons": [
            {"src": url_for("static", filename=f"icons/icon-{size}.png"), "sizes": f"{size}x{size}",
             "type": "image/png", "purpose": "any"}
            for size in (192, 512)
        ] + [{"src": url_for("static", filename="icons/icon-512.png"), "sizes": "512x512", "type": "image/png",
              "purpose": "maskable"}],
    }
    return Response(json.dumps(body, ensure_ascii=False, indent=1), mimetype="application/manifest+json")


@bp.route("/sw.js")
def service_worker():
    """Served from the site root so its scope covers /inspect/ and /api/."""
    shell_urls = [url_for(".shell")] + [url_for("static", filename=name) for name in SHELL_STATIC]
    head = (f"const VERSION = {json.dumps(shell_version())};\n"
            f"const SHELL = {json.dumps(shell_urls)};\n")
    response = Response(head + _static(WORKER).read_text(encoding="utf-8"), mimetype="application/javascript")
    response.headers["Cache-Control"] = "no-cache"
    return response
