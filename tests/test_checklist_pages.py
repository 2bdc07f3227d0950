"""The admin's checklist pages with plain forms (no scripts): copy, edit with errors shown beside their fields,
structural edits, the live check's JSON, the preview's simulator, publishing, Excel out and back in."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser
from urllib.parse import urlencode

import openpyxl
import pytest
from sqlalchemy import func, select
from support import inline_code

from inspect_app.campaigns import checklists
from inspect_app.campaigns import operations as campaigns
from inspect_app.demo.seed import default_template
from inspect_app.domain.checklists.checklist import canonical_data, content_digest, parse_template
from inspect_app.domain.checklists.checklist_edit import form_values
from inspect_app.domain.checklists.scoring import check_answer, score
from inspect_app.models import AuditEntry, ChecklistVersion

TEMPLATE = parse_template(default_template())


@pytest.fixture
def version(session):
    return checklists.load_checklist_version(session, default_template())[0]


@pytest.fixture
def admin(login_as):
    return login_as("admin")


def copied(client, version) -> int:
    response = client.post("/admin/checklists/copy", data={"version": version.id})
    assert response.status_code == 302
    return int(re.search(r"/admin/checklists/(\d+)/edit", response.location).group(1))


def errors_for(page: str, path: str) -> list[str]:
    block = re.search(rf'data-errors-for="{re.escape(path)}"[^>]*>(.*?)</ul>', page, re.S)
    assert block, path
    return re.findall(r"<li>(.*?)</li>", block.group(1))


class Controls(HTMLParser):
    """Every form control of a page with a name, and the labels' targets."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[dict] = []
        self.labelled: set[str] = set()
        self._open_label: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "label":
            self._open_label.append(attrs)
            if attrs.get("for"):
                self.labelled.add(attrs["for"])
        elif tag in ("input", "select", "textarea") and attrs.get("name"):
            if self._open_label and attrs.get("id"):
                self.labelled.add(attrs["id"])
            self.controls.append({"tag": tag, **attrs})

    def handle_endtag(self, tag):
        if tag == "label" and self._open_label:
            self._open_label.pop()


def editor_controls(page: str) -> list[dict]:
    start = page.index('id="editor"')
    form = page[start : page.index("</form>", start)]
    parser = Controls()
    parser.feed(form)
    return [c for c in parser.controls if c.get("type") != "hidden"], parser.labelled


def test_the_editor_draws_every_field_of_the_draft_each_with_a_label(client, session, admin, version):
    draft_id = copied(client, version)
    page = client.get(f"/admin/checklists/{draft_id}/edit").get_data(as_text=True)
    controls, labelled = editor_controls(page)
    named = {c["name"] for c in controls if c["tag"] != "button"}
    assert named == set(form_values(canonical_data(TEMPLATE))) | {
        f"sections.{s}.items.{i}.{flag}"
        for s, section in enumerate(TEMPLATE.sections)
        for i, item in enumerate(section.items)
        for flag in ("critical", "na_allowed")
    } | {
        f"sections.{s}.items.{i}.photos.{p}.required"
        for s, section in enumerate(TEMPLATE.sections)
        for i, item in enumerate(section.items)
        for p in range(len(item.photos))
    }
    assert all(c["id"] in labelled for c in controls), [c["name"] for c in controls if c["id"] not in labelled]
    assert "2026.2" in page and "没有发现问题" in page
    assert inline_code(page) == []


def test_saving_with_errors_keeps_the_draft_and_shows_each_error_beside_its_field(client, session, admin, version):
    draft_id = copied(client, version)
    values = form_values(canonical_data(TEMPLATE))
    values.update({"sections.0.items.0.points": "10", "sections.1.items.2.text": "", "version": "2027.1"})
    response = client.post(f"/admin/checklists/{draft_id}/edit", data={**values, "op": "save"})
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "已保存草稿，还有2处需要修改" in page
    assert errors_for(page, "total_points") == ["各项分值合计 102 分，与总分 100 分不符"]
    assert errors_for(page, "sections.1.items.2.text") == ["第2节第3项（B3）的核查内容不能为空"]
    assert 'value="10"' in page and 'value="2027.1"' in page
    session.expire_all()
    assert session.get(ChecklistVersion, draft_id).content["version"] == "2027.1"
    # Publishing refuses while an error stands, and changes nothing.
    refused = client.post(f"/admin/checklists/{draft_id}/edit", data={**values, "op": "publish"})
    assert "未发布：草稿还有2处需要修改" in client.get(refused.location).get_data(as_text=True)
    assert [v.id for v in campaigns.published_versions(session)] == [version.id]
    values.update({"total_points": "102", "sections.1.items.2.text": "标志牌标明12315投诉举报电话"})
    published = client.post(f"/admin/checklists/{draft_id}/edit", data={**values, "op": "publish"})
    assert "已发布“12315消费维权服务站验收核查表”2027.1版" in client.get(published.location).get_data(as_text=True)
    assert [v.version for v in campaigns.published_versions(session)] == ["2027.1", "2026.1"]


def test_a_cut_short_post_changes_nothing(client, session, admin, version):
    draft_id = copied(client, version)
    before = session.get(ChecklistVersion, draft_id).content
    response = client.post(f"/admin/checklists/{draft_id}/edit", data={"sections.0.code": "Z", "op": "save"})
    assert "提交的内容不完整" in client.get(response.location).get_data(as_text=True)
    session.expire_all()
    assert session.get(ChecklistVersion, draft_id).content == before


def test_adding_moving_and_removing_work_with_plain_buttons(client, session, admin, version):
    draft_id = copied(client, version)
    values = form_values(canonical_data(TEMPLATE))
    response = client.post(f"/admin/checklists/{draft_id}/edit", data={**values, "op": "add_item:1"})
    assert response.location.endswith(f"/admin/checklists/{draft_id}/edit#item-1-5")
    page = client.get(response.location).get_data(as_text=True)
    assert 'name="sections.1.items.5.code" value="B6"' in page
    assert errors_for(page, "sections.1.items.5.text") == ["第2节第6项（B6）的核查内容不能为空"]
    response = client.post(f"/admin/checklists/{draft_id}/edit", data={**values, "op": "item_down:0:0"})
    assert response.location.endswith("#item-0-1")
    session.expire_all()
    codes = [i["code"] for i in session.get(ChecklistVersion, draft_id).content["sections"][0]["items"]]
    assert codes[:2] == ["A2", "A1"]
    stale = client.post(f"/admin/checklists/{draft_id}/edit", data={**values, "op": "remove_item:0:99"})
    assert "页面已过期" in client.get(stale.location).get_data(as_text=True)


def test_the_live_check_answers_each_fields_problems_and_saves_nothing(client, session, admin, version):
    draft_id = copied(client, version)
    saves = session.scalar(select(func.count()).select_from(AuditEntry))
    values = form_values(canonical_data(TEMPLATE))
    values["sections.0.items.0.points"], values["version"] = "八", "2026.2"
    answer = client.post(f"/admin/checklists/{draft_id}/check", data=values).get_json()
    assert answer["count"] == 1 and answer["messages"] == ["第1节第1项（A1）的分值应为整数，实为“八”"]
    assert answer["fields"] == {"sections.0.items.0.points": ["第1节第1项（A1）的分值应为整数，实为“八”"]}
    assert answer["same_as"] is None
    values["sections.0.items.0.points"], values["version"] = "8", "2026.1"
    assert client.post(f"/admin/checklists/{draft_id}/check", data=values).get_json()["same_as"] == (
        "12315消费维权服务站验收核查表 2026.1"
    )
    assert client.post(f"/admin/checklists/{draft_id}/check", data={"narrative": "x"}).status_code == 400
    session.expire_all()
    assert session.get(ChecklistVersion, draft_id).content["version"] == "2026.2"
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == saves


def test_the_preview_is_the_inspectors_page_and_scores_chosen_answers_by_the_domain_rule(
    client, session, admin, version
):
    draft_id = copied(client, version)
    chosen = {"answer-A1": "fail", "answer-A2": "pass", "answer-C4": "p:4", "answer-C6": "na", "answer-B1": "pass"}
    page = client.get(f"/admin/checklists/{draft_id}/preview", query_string=chosen).get_data(as_text=True)
    items = {item.code: item for item in TEMPLATE.items}
    expected = score(
        TEMPLATE,
        {
            "A1": check_answer(items["A1"], "fail", None),
            "A2": check_answer(items["A2"], "pass", None),
            "C4": check_answer(items["C4"], "pass", 4),
            "C6": check_answer(items["C6"], "na", None),
            "B1": check_answer(items["B1"], "pass", None),
        },
    )
    assert f'<b id="score-value">{expected.rounded}</b>' in page
    assert "需整改（未完成）" in page and re.search(r'id="score-critical"\s*>关键项不符合：<span>A1</span>', page)
    assert 'name="answer-A1" value="fail" checked' in page and '<option value="p:4" selected>' in page
    assert "A2</b> 标识标志牌悬挂在醒目位置，完好无损" in page and "标识标志牌必拍" in page
    assert 'name="expected" value="%s"' % content_digest(session.get(ChecklistVersion, draft_id).content) in page
    assert "/static/pwa/rules.js" in page and inline_code(page) == []


def test_publishing_from_the_preview_publishes_what_was_previewed(client, session, admin, version):
    draft_id = copied(client, version)
    response = client.post(f"/admin/checklists/{draft_id}/publish", data={"expected": "0" * 64})
    assert "预览后又被修改" in client.get(response.location).get_data(as_text=True)
    draft = session.get(ChecklistVersion, draft_id)
    values = form_values(draft.content)
    values["sections.0.items.0.guidance"] = "新的指引"
    client.post(f"/admin/checklists/{draft_id}/edit", data={**values, "op": "save"})
    session.expire_all()
    seen = content_digest(session.get(ChecklistVersion, draft_id).content)
    response = client.post(f"/admin/checklists/{draft_id}/publish", data={"expected": seen})
    assert "已发布" in client.get(response.location).get_data(as_text=True)
    session.expire_all()
    assert session.get(ChecklistVersion, draft_id).is_published
    again = client.post(f"/admin/checklists/{draft_id}/edit", data={**values, "op": "save"})
    assert again.location.endswith(f"/admin/checklists/{draft_id}/preview")  # published: read-only from now on


def test_export_import_publish_gives_the_identical_version(client, session, admin, version):
    exported = client.get(f"/admin/checklists/{version.id}/export.xlsx")
    assert exported.status_code == 200 and exported.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in exported.headers["Content-Disposition"]
    upload = {"file": (io.BytesIO(exported.data), "核查表.xlsx")}
    response = client.post("/admin/checklists/import", data=upload, content_type="multipart/form-data")
    assert response.status_code == 302
    draft_id = int(re.search(r"/(\d+)/edit", response.location).group(1))
    session.expire_all()
    assert session.get(ChecklistVersion, draft_id).content == version.content
    assert "内容与已发布的" in client.get(response.location).get_data(as_text=True)
    published = client.post(
        f"/admin/checklists/{draft_id}/edit", data={**form_values(version.content), "op": "publish"}
    )
    assert "完全相同，未新建版本" in client.get(published.location).get_data(as_text=True)
    assert [v.content_sha256 for v in campaigns.published_versions(session)] == [version.content_sha256]


def test_an_edited_sheet_imports_as_a_draft_that_publishes_as_a_new_version(client, session, admin, version):
    workbook = openpyxl.load_workbook(io.BytesIO(client.get(f"/admin/checklists/{version.id}/export.xlsx").data))
    workbook.worksheets[0]["B2"] = "2027.1"
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = client.post(
        "/admin/checklists/import",
        data={"file": (io.BytesIO(buffer.getvalue()), "改.xlsx")},
        content_type="multipart/form-data",
    )
    draft_id = int(re.search(r"/(\d+)/edit", response.location).group(1))
    draft = session.get(ChecklistVersion, draft_id)
    published = client.post(f"/admin/checklists/{draft_id}/edit", data={**form_values(draft.content), "op": "publish"})
    assert "2027.1版" in client.get(published.location).get_data(as_text=True)
    session.expire_all()
    new = campaigns.published_versions(session)[0]
    assert new.version == "2027.1" and new.content == {**version.content, "version": "2027.1"}
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "import_checklist")).one()
    assert entry.target_id == draft_id and entry.details == {"file": "改.xlsx", "label": "2027.1"}


def test_a_bad_sheet_is_refused_with_every_bad_row_named_and_nothing_stored(app, client, session, admin, version):
    workbook = openpyxl.load_workbook(io.BytesIO(client.get(f"/admin/checklists/{version.id}/export.xlsx").data))
    sheet = workbook.worksheets[0]
    rows = {cell.value: cell.row for cell in sheet["A"] if cell.value in ("A3", "B2")}
    sheet.cell(rows["A3"], 4).value = "八"
    sheet.cell(rows["B2"], 5).value = "星级"
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = client.post(
        "/admin/checklists/import",
        data={"file": (io.BytesIO(buffer.getvalue()), "错.xlsx")},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "共发现2处问题，未导入" in page
    assert f"第{rows['A3']}行：第1节第3项（A3）的分值应为整数，实为“八”" in page
    assert f"第{rows['B2']}行：评分方式“星级”应为“符合/不符合”或“评分”" in page
    app.config["IMPORT_MAX_BYTES"] = 1000
    too_big = client.post(
        "/admin/checklists/import",
        data={"file": (io.BytesIO(buffer.getvalue()), "大.xlsx")},
        content_type="multipart/form-data",
    )
    assert too_big.status_code == 400 and "文件超过" in too_big.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(ChecklistVersion)) == 1


def test_the_list_shows_drafts_and_versions_and_a_draft_can_be_deleted(client, session, admin, version):
    draft_id = copied(client, version)
    page = client.get("/admin/checklists/").get_data(as_text=True)
    assert "12315消费维权服务站验收核查表 2026.2" in page and "可以发布" in page and "尚无验收批次使用" in page
    assert inline_code(page) == []
    response = client.post(f"/admin/checklists/{draft_id}/delete")
    assert "已删除草稿" in client.get(response.location).get_data(as_text=True)
    assert session.get(ChecklistVersion, draft_id) is None


def test_other_roles_see_no_checklist_pages(client, login_as, version):
    login_as("city")
    assert client.get("/admin/checklists/").status_code == 403
    assert client.post("/admin/checklists/copy", data={"version": version.id}).status_code == 403


def test_a_long_checklist_posts_whole(client, session, admin, version):
    # 120 items with a long guidance each: well over the 500 kB a plain form may otherwise carry.
    draft_id = copied(client, version)
    content = canonical_data(TEMPLATE)
    content["version"] = "2026.2"
    item = {**content["sections"][0]["items"][0], "guidance": "查" * 600, "points": 1}
    content["sections"] = [
        {"code": "A", "title": "基本条件", "items": [{**item, "code": f"A{n}"} for n in range(1, 121)]}
    ]
    content["total_points"] = 120
    body = form_values(content)
    assert len(urlencode(body)) > 500_000  # as the browser sends it
    assert client.post(f"/admin/checklists/{draft_id}/check", data=body).get_json()["count"] == 0
    response = client.post(f"/admin/checklists/{draft_id}/edit", data={**body, "op": "save"})
    assert response.status_code == 302
    session.expire_all()
    assert len(session.get(ChecklistVersion, draft_id).content["sections"][0]["items"]) == 120


def test_on_an_empty_install_the_admin_copies_the_shipped_default(client, session, admin):
    page = client.get("/admin/checklists/").get_data(as_text=True)
    assert 'id="shipped"' in page and "系统自带的默认核查表" in page and "还没有已发布的版本" in page
    response = client.post("/admin/checklists/default/copy")
    assert response.status_code == 302 and "/edit" in response.location
    assert session.scalar(select(func.count()).select_from(ChecklistVersion)) == 1
    checklists.load_checklist_version(session, default_template())
    assert 'id="shipped"' not in client.get("/admin/checklists/").get_data(as_text=True)
