"""`flask checklist ...`: checklist template versions."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import with_appcontext

from ..db import get_session
from ..domain.checklist import TemplateError
from ..services import Invalid
from ..services.campaigns import load_checklist_version

group = click.Group("checklist", help="验收核查表模板")


@group.command("load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def load(path: Path) -> None:
    """Validate a template file and store it as a new version."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        version, created = load_checklist_version(get_session(), data)
    except json.JSONDecodeError as error:
        raise click.ClickException(f"{path} 不是有效的 JSON：第{error.lineno}行第{error.colno}列 {error.msg}")
    except TemplateError as error:
        raise click.ClickException("模板有误：\n" + "\n".join(f"- {p}" for p in error.problems))
    except Invalid as error:
        raise click.ClickException(str(error))
    click.echo(f"{'已载入' if created else '已存在，未改变'}：{version.name} 版本 {version.version}")
