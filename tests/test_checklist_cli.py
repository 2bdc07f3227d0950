"""`flask checklist ...`: versions listed with their state, and any version written out as the printed sheet."""

from __future__ import annotations

from support import make_user

from inspect_app.adapters.spreadsheet import read_sheets
from inspect_app.campaigns import checklists
from inspect_app.demo.seed import default_template
from inspect_app.domain.checklists.checklist import canonical_data, parse_template
from inspect_app.domain.checklists.checklist_sheet import read_printed


def test_list_shows_published_versions_and_drafts(runner, session):
    version, _ = checklists.load_checklist_version(session, default_template())
    admin = make_user(session, "admin")
    draft = checklists.copy_version(session, admin.actor, version.id)
    result = runner.invoke(args=["checklist", "list"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert any(line.startswith(f"{version.id}\t已发布\t12315消费维权服务站验收核查表 2026.1") for line in lines), lines
    assert any(line.startswith(f"{draft.id}\t草稿\t12315消费维权服务站验收核查表 2026.2") for line in lines), lines


def test_export_writes_the_printed_sheet(runner, session, tmp_path):
    version, _ = checklists.load_checklist_version(session, default_template())
    out = tmp_path / "核查表.xlsx"
    result = runner.invoke(args=["checklist", "export", str(version.id), "--out", str(out)])
    assert result.exit_code == 0 and "已导出" in result.output, result.output
    draft, problems = read_printed(read_sheets(out.name, out.read_bytes(), 2000))
    assert problems == [] and draft == canonical_data(parse_template(default_template()))
    missing = runner.invoke(args=["checklist", "export", "999", "--out", str(out)])
    assert missing.exit_code != 0 and "不存在" in missing.output
