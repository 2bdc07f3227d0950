"""`flask signboards ...`: a district's signboards printed from the command line, for the print shop."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from inspect_app.db import get_session
from inspect_app.domain.directory.signboards import PaperSize, SignboardKind
from inspect_app.domain.identity.permissions import Actor, Role
from inspect_app.models import District
from inspect_app.shared.errors import Invalid
from inspect_app.signboards import signboard_pdf

group = click.Group("signboards", help="服务站标识标志牌")
SCRIPT = Actor(Role.ADMIN, None)  # whoever may run commands on the server may do what the admin does


@group.command("print")
@click.option("--district", "code", required=True, help="旗区代码，如 150602")
@click.option("--size", type=click.Choice([s.value for s in PaperSize]), default=PaperSize.A3.value, show_default=True)
@click.option(
    "--kind",
    type=click.Choice([k.value for k in SignboardKind]),
    default=SignboardKind.STATION.value,
    show_default=True,
    help="station：附件1 服务站；demonstration：附件2 示范站",
)
@click.option("--base-url", help="二维码指向的网站地址（默认取 PUBLIC_BASE_URL）")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def print_batch(code: str, size: str, kind: str, base_url: str | None, out: Path) -> None:
    """Write the district's printable signboards to OUT as one PDF and list the stations left out."""
    base = base_url or current_app.config.get("PUBLIC_BASE_URL")
    if not base:
        raise click.ClickException("请用 --base-url 或 PUBLIC_BASE_URL 指定二维码指向的网站地址")
    session = get_session()
    district = session.scalar(select(District).where(District.code == code))
    if district is None:
        raise click.ClickException(f"旗区代码 {code} 不存在")
    chosen = SignboardKind(kind)
    try:
        batch = signboard_pdf.district_batch(
            session, SCRIPT, current_app.extensions["filestore"], district.id, chosen, PaperSize(size), base
        )
    except Invalid as error:
        raise click.ClickException(str(error))
    out.write_bytes(batch.pdf)
    for station, gaps in batch.skipped:
        click.echo(f"未打印 {station.number} {station.name}：{'；'.join(gaps)}")
    click.echo(f"{district.name}{chosen.label}牌匾（{chosen.attachment}，{size}）{len(batch.printed)}块，已写入 {out}")
