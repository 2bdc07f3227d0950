"""The inspector's offline app (PWA): its shell, manifest, service worker and offline page."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from flask import Blueprint, Response, current_app, render_template, url_for
from flask_login import login_required

from inspect_app.campaigns import operations as campaigns
from inspect_app.domain.identity.permissions import Action, may
from inspect_app.inspection import api
from inspect_app.web.context import actor, allow, get_session

bp = Blueprint("pwa", __name__)

THEME_COLOUR = "#1d4f91"
# What the service worker keeps so /inspect/app opens with no network (the shell page itself comes first),
# and so a kept checklist page (inspect.js and the outbox it shares with the app) works with none.
SHELL_STATIC = (
    "app.css",
    "app.js",
    "dom.js",
    "pwa/pwa.css",
    "pwa/idb.js",
    "pwa/rules.js",
    "pwa/sync_core.js",
    "pwa/sync.js",
    "pwa/storage.js",
    "pwa/syncbar.js",
    "scan.js",
    "pwa/station.js",
    "pwa/app.js",
    "inspect.js",
    "icons/icon-192.png",
    "icons/icon-512.png",
)
SHELL_TEMPLATES = ("base.html", "pwa/app.html", "pwa/_scripts.html", "pwa/_syncbar.html", "pwa/offline.html")
WORKER = "pwa/sw.js"
# Posting to these changes who is signed in: the worker drops the pages it kept for the account before.
SESSION_PAGES = ("auth.login", "auth.logout")


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


def outbox_context(*pages: str) -> dict:
    """What a page that writes through the phone's outbox gives templates/pwa/_syncbar.html.

    `keep_pages` are the pages the service worker keeps to read with no network: the current campaign's
    checklist (the 核查表 tab) and `pages`.
    """
    kept = list(pages)
    campaign = campaigns.current_campaign(get_session())
    if campaign is not None and may(actor(), Action.VIEW_CAMPAIGNS):
        kept += [url_for("campaigns.index"), url_for("campaigns.checklist", campaign_id=campaign.id)]
    return {"api_root": api.bp.url_prefix, "keep_pages": kept}


@bp.route("/inspect/app")
@login_required
def shell():
    """The app shell; the board and checklists are drawn by scripts from IndexedDB."""
    allow(Action.FIELD_WORK)
    response = Response(render_template("pwa/app.html", **outbox_context()))
    # The worker keeps the offline copy; the browser's HTTP cache must not serve a stale or foreign one.
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.route("/inspect/offline")
def offline():
    """What the service worker shows for a page it cannot fetch with no network: the same for everybody."""
    return render_template("pwa/offline.html")


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
            {
                "src": url_for("static", filename=f"icons/icon-{size}.png"),
                "sizes": f"{size}x{size}",
                "type": "image/png",
                "purpose": "any",
            }
            for size in (192, 512)
        ]
        + [
            {
                "src": url_for("static", filename="icons/icon-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            }
        ],
    }
    return Response(json.dumps(body, ensure_ascii=False, indent=1), mimetype="application/manifest+json")


@bp.route("/sw.js")
def service_worker():
    """Served from the site root so its scope covers /inspect/ and /api/."""
    shell_urls = [url_for(".shell"), url_for(".offline")] + [url_for("static", filename=name) for name in SHELL_STATIC]
    head = (
        f"const VERSION = {json.dumps(shell_version())};\n"
        f"const SHELL = {json.dumps(shell_urls)};\n"
        f"const OFFLINE_PAGE = {json.dumps(url_for('.offline'))};\n"
        f"const SESSION_PAGES = {json.dumps([url_for(name) for name in SESSION_PAGES])};\n"
    )
    response = Response(head + _static(WORKER).read_text(encoding="utf-8"), mimetype="application/javascript")
    response.headers["Cache-Control"] = "no-cache"
    return response
