"""`flask checklist ...`: checklist template versions (the pages under /admin/checklists/ do the same and more)."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import with_appcontext

from inspect_app.campaigns import checklist_sheets, checklists
from inspect_app.db import get_session
from inspect_app.domain.checklists.checklist import TemplateError
from inspect_app.domain.identity.permissions import Actor, Role
from inspect_app.shared.errors import Invalid, NotFound

group = click.Group("checklist", help="验收核查表模板")
SCRIPT = Actor(Role.ADMIN, None)  # whoever may run commands on the server may do what the admin does


@group.command("load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def load(path: Path) -> None:
    """Validate a template file and store it as a new, published version."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        version, created = checklists.load_checklist_version(get_session(), data)
    except json.JSONDecodeError as error:
        raise click.ClickException(f"{path} 不是有效的 JSON：第{error.lineno}行第{error.colno}列 {error.msg}")
    except TemplateError as error:
        raise click.ClickException("模板有误：\n" + "\n".join(f"- {p}" for p in error.problems))
    except Invalid as error:
        raise click.ClickException(str(error))
    click.echo(f"{'已载入' if created else '已存在，未改变'}：{version.name} 版本 {version.version}")


@group.command("list")
@with_appcontext
def list_versions() -> None:
    """Every version: id, state, name and label (published newest first, then drafts)."""
    listing = checklists.list_versions(get_session(), SCRIPT)
    for version in listing.published:
        used = "、".join(version.campaigns) or "尚无批次使用"
        click.echo(f"{version.id}\t已发布\t{version.label}\t{used}")
    for draft in listing.drafts:
        click.echo(f"{draft.id}\t草稿\t{draft.label}\t{draft.problem_count}处待修改")


@group.command("export")
@click.argument("version_id", type=int)
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="写入的 .xlsx 文件")
@with_appcontext
def export(version_id: int, out: Path) -> None:
    """Write a version as the printed 验收核查表 (.xlsx)."""
    try:
        _filename, data = checklist_sheets.export_version(get_session(), SCRIPT, version_id)
    except NotFound:
        raise click.ClickException(f"核查表版本 {version_id} 不存在")
    except Invalid as error:
        raise click.ClickException(str(error))
    out.write_bytes(data)
    click.echo(f"已导出：{out}")
