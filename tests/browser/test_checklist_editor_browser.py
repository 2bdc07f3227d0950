"""The admin's checklist editor in Chromium: problems shown as one types (the server's validator, nothing saved),
the preview's score simulator equal to the Python rule, and publishing."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select
from support import make_user

from inspect_app.campaigns import checklists
from inspect_app.campaigns import operations as campaigns
from inspect_app.demo.seed import default_template
from inspect_app.domain.checklists.scoring import check_answer, score
from inspect_app.models import AuditEntry, ChecklistVersion

pytestmark = pytest.mark.browser
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture
def desktop(browser):
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    yield page
    context.close()


def sign_in(page, base: str) -> None:
    page.goto(base + "/login")
    page.fill("input[name=username]", "admin.browser")
    page.fill("input[name=password]", "secret-pass-1")
    with page.expect_navigation():
        page.click("main button[type=submit]")


def fits(page, width: int) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= width


def test_the_editor_shows_problems_as_the_admin_types_without_saving(live_server, session, desktop):
    version, _ = checklists.load_checklist_version(session, default_template())
    make_user(session, "admin", username="admin.browser")
    sign_in(desktop, live_server)
    desktop.goto(live_server + "/admin/checklists/")
    with desktop.expect_navigation():
        desktop.click("#published button:has-text('复制为新草稿')")
    assert "/edit" in desktop.url and fits(desktop, DESKTOP["width"])
    draft_id = int(re.search(r"/(\d+)/edit", desktop.url).group(1))
    saved = session.scalar(select(func.count()).select_from(AuditEntry))

    total_errors = desktop.locator("[data-errors-for='total_points'] li")
    with desktop.expect_response(lambda r: r.url.endswith("/check")):
        desktop.get_by_label("分值").first.fill("10")  # A1: 8 → 10
    expect(total_errors).to_have_text(["各项分值合计 102 分，与总分 100 分不符"])
    expect(desktop.locator("#problem-count")).to_contain_text("还有 1 处需要修改")
    expect(desktop.locator("#f-total_points")).to_have_attribute("aria-invalid", "true")
    desktop.get_by_label("核查内容").nth(2).fill("")  # A3
    expect(desktop.locator("[data-errors-for='sections.0.items.2.text'] li")).to_have_text(
        ["第1节第3项（A3）的核查内容不能为空"]
    )
    desktop.get_by_label("核查内容").nth(2).fill("至少有一名专职或兼职工作人员，且有明确姓名")
    desktop.get_by_label("总分").fill("102")
    expect(total_errors).to_have_count(0)
    expect(desktop.locator("#problem-count")).to_have_text("没有发现问题，可以预览并发布。")
    # Checked, not saved: no entry on the audit trail, the stored draft as it was.
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == saved
    assert session.get(ChecklistVersion, draft_id).content["total_points"] == 100

    with desktop.expect_navigation():
        desktop.click(".editor-bar button[value=save]")
    expect(desktop.locator(".flash-success")).to_contain_text("已保存草稿，没有发现问题")
    session.expire_all()
    assert session.get(ChecklistVersion, draft_id).content["total_points"] == 102


def test_the_preview_simulates_the_score_by_the_same_rule_and_publishes(live_server, session, browser, desktop):
    version, _ = checklists.load_checklist_version(session, default_template())
    admin = make_user(session, "admin", username="admin.browser")
    draft = checklists.copy_version(session, admin.actor, version.id)
    content = dict(draft.content)
    content["outcome_bands"] = [{"min_score": 85, "outcome": "pass"}, {"min_score": 0, "outcome": "rectify"}]
    checklists.save_draft(session, admin.actor, draft.id, content)
    template = checklists.template_of(session.get(ChecklistVersion, draft.id))
    items = {item.code: item for item in template.items}

    phone = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN"
    ).new_page()
    sign_in(phone, live_server)
    phone.goto(f"{live_server}/admin/checklists/{draft.id}/preview")
    assert fits(phone, 390)
    expect(phone.locator("[data-plain-form]")).to_be_hidden()  # the script scores; no button needed
    chosen = {"A3": ("fail", None), "B1": ("pass", None), "C4": ("pass", 4), "C6": ("na", None)}
    phone.click("#item-A3 .choice-fail")
    phone.click("#item-B1 .choice-pass")
    phone.select_option("select[name=answer-C4]", "p:4")
    phone.click("#item-C6 .choice-na")
    expected = score(template, {code: check_answer(items[code], *given) for code, given in chosen.items()})
    expect(phone.locator("#score-value")).to_have_text(f"{expected.rounded:.1f}")
    expect(phone.locator("#score-outcome")).to_have_text("需整改（未完成）")
    expect(phone.locator("#score-critical")).to_have_text("关键项不符合：A3")
    expect(phone.locator("#score-answered")).to_have_text("4")
    # Everything else met: the draft's own bands decide (85 and above 合格 here, no 示范站 band).
    for item in template.items:
        if item.code in chosen:
            continue
        if item.scoring.value == "graded":
            phone.select_option(f"select[name=answer-{item.code}]", f"p:{item.points}")
        else:
            phone.click(f"#item-{item.code} .choice-pass")
    phone.click("#item-A3 .choice-pass")
    everything = {
        item.code: check_answer(item, "pass", item.points if item.scoring.value == "graded" else None)
        for item in template.items
    }
    everything.update({"C4": check_answer(items["C4"], "pass", 4), "C6": check_answer(items["C6"], "na", None)})
    expected = score(template, everything)
    expect(phone.locator("#score-value")).to_have_text(f"{expected.rounded:.1f}")
    expect(phone.locator("#score-outcome")).to_have_text("合格")
    expect(phone.locator("#score-critical")).to_be_hidden()
    phone.context.close()

    sign_in(desktop, live_server)
    desktop.goto(f"{live_server}/admin/checklists/{draft.id}/preview")
    desktop.on("dialog", lambda dialog: dialog.accept())
    with desktop.expect_navigation():
        desktop.click("button:has-text('发布此版本')")
    expect(desktop.locator(".flash-success")).to_contain_text("已发布")
    session.expire_all()
    assert [v.id for v in campaigns.published_versions(session)] == [draft.id, version.id]
