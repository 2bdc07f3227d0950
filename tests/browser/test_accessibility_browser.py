"""The pages each person works on, checked with axe-core for every rule Lighthouse scores under accessibility:
a page that would score below 100 there fails here first."""

from __future__ import annotations

import hashlib

import pytest
from axe_playwright_python.base import AXE_FILE_PATH
from axe_playwright_python.sync_playwright import Axe
from sqlalchemy import select
from support import accepted_inspection_submitted, make_station, sign_version

from inspect_app.city import submissions
from inspect_app.inspection import operations as inspections
from inspect_app.models import Inspection

from .offline import controlled, off_the_loop, signed_in_phone

pytestmark = pytest.mark.browser

# The engine comes from a pinned package (pyproject's test extras); its digest is checked so that a new axe-core,
# with rules that changed under us, arrives only by a deliberate edit here.
AXE_VERSION = "4.12.1"
AXE_SHA256 = "84494fec757e4710dc751c8d7a636e457f4532f08f85c86dc9070133fbff53bc"

# Lighthouse 12's accessibility category: the axe-core rules it gives a weight (core/config/default-config.js).
# Its other audits there are manual checks that weigh nothing.
LIGHTHOUSE_RULES = [
    "accesskeys",
    "aria-allowed-attr",
    "aria-allowed-role",
    "aria-command-name",
    "aria-conditional-attr",
    "aria-deprecated-role",
    "aria-dialog-name",
    "aria-hidden-body",
    "aria-hidden-focus",
    "aria-input-field-name",
    "aria-meter-name",
    "aria-progressbar-name",
    "aria-prohibited-attr",
    "aria-required-attr",
    "aria-required-children",
    "aria-required-parent",
    "aria-roles",
    "aria-text",
    "aria-toggle-field-name",
    "aria-tooltip-name",
    "aria-treeitem-name",
    "aria-valid-attr-value",
    "aria-valid-attr",
    "button-name",
    "bypass",
    "color-contrast",
    "definition-list",
    "dlitem",
    "document-title",
    "duplicate-id-aria",
    "form-field-multiple-labels",
    "frame-title",
    "heading-order",
    "html-has-lang",
    "html-lang-valid",
    "html-xml-lang-mismatch",
    "image-alt",
    "image-redundant-alt",
    "input-button-name",
    "input-image-alt",
    "label",
    "link-in-text-block",
    "link-name",
    "list",
    "listitem",
    "meta-refresh",
    "meta-viewport",
    "object-alt",
    "select-name",
    "skip-link",
    "tabindex",
    "table-duplicate-name",
    "target-size",
    "td-headers-attr",
    "th-has-data-cells",
    "valid-lang",
    "video-caption",
]
OPTIONS = {"runOnly": {"type": "rule", "values": LIGHTHOUSE_RULES}, "resultTypes": ["violations"]}


def violations(axe: Axe, page) -> list[str]:
    """One line per failing element: rule, selector and axe's reason (the contrast it measured, say)."""
    found = axe.run(page, options=OPTIONS).response["violations"]
    return [
        f"{v['id']}: {' '.join(node['target'])}: {node['failureSummary'].splitlines()[-1].strip()}"
        for v in found
        for node in v["nodes"]
    ]


def test_the_engine_is_the_pinned_one():
    assert hashlib.sha256(AXE_FILE_PATH.read_bytes()).hexdigest() == AXE_SHA256
    assert AXE_FILE_PATH.read_text(encoding="utf-8").startswith(f"/*! axe v{AXE_VERSION}")


def test_every_listed_page_passes_the_rules_lighthouse_scores(
    live_server, app, session, browser, city_season, screenshot, tmp_path
):
    campaign, ds, kbs = city_season["campaign"], city_season["ds"], city_season["kbs"]
    # 康巴什区 has sent its bundle (the city's pages show checks); 东胜区 has one station waiting for the leader and
    # one begun, with a failed item, so tags of every colour are on the board and the checklist.
    bundle = off_the_loop(sign_version, app, session, kbs["leader"], campaign, tmp_path)
    off_the_loop(submissions.submit_bundle, session, kbs["leader"].actor, app.extensions["filestore"], bundle.id)
    waiting = make_station(
        session, "150602", name="东胜华研超市12315消费维权服务站", latitude="39.82", longitude="109.96"
    )
    off_the_loop(accepted_inspection_submitted, session, app, campaign, waiting, ds["inspector"])
    pending = session.scalars(select(Inspection).where(Inspection.station_id == waiting.id)).one()
    begun_at = make_station(
        session, "150602", name="东胜万正广场12315消费维权服务站", latitude="39.82", longitude="109.97"
    )
    inspector = ds["inspector"]
    begun = inspections.open_inspection(session, inspector.actor, begun_at.id, campaign)
    inspections.answer_item(session, inspector.actor, begun.id, "A1", "fail", None, "无标识")
    accepted = ds["inspections"][0]

    axe = Axe()
    found: dict[str, list[str]] = {}

    def check(page, name: str, path: str, shows: str) -> None:
        if path:
            page.goto(live_server + path)
        page.wait_for_selector(shows)
        found[name] = violations(axe, page)
        screenshot(page, f"a11y-{name}")

    signed_out = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    check(signed_out.new_page(), "login", "/login", "input[name=password]")
    signed_out.close()

    page = signed_in_phone(browser, live_server, inspector.username)
    check(page, "board", "/inspect/", ".board-card .tag.status-accepted")
    check(page, "checklist", f"/inspect/inspections/{begun.id}", "#item-A1")
    check(page, "checklist-accepted", f"/inspect/inspections/{accepted.id}", "#item-A1")
    page.goto(live_server + "/inspect/app")
    controlled(page)
    check(page, "offline-board", "", "#stations .station-card .tag.status-accepted")
    page.click(f"#stations [data-station='{begun_at.id}'] button")
    check(page, "offline-station", "", "#signatures")
    page.context.close()

    page = signed_in_phone(browser, live_server, ds["leader"].username)
    check(page, "home-todo", "/", "ul.todo .tag")  # the to-do list and the navigation's badge
    check(page, "review", "/review/", "table")
    check(page, "review-checklist", f"/inspect/inspections/{pending.id}", "#review")
    check(page, "bundle", f"/review/bundle/?district={ds['leader'].district_id}", "#narrative")
    page.context.close()

    page = signed_in_phone(browser, live_server, city_season["city"].username)
    check(page, "city", "/city/", ".inbox-row")
    check(page, "city-district", f"/city/districts/{kbs['leader'].district_id}", ".check-row.ok")
    check(page, "city-dashboard", "/city/dashboard", "figure.chart svg")
    page.context.close()

    assert {name: lines for name, lines in found.items() if lines} == {}
    assert len(found) == 13
