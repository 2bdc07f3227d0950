"""`flask audit ...`: prove the audit trail is whole."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from ..db import get_session
from ..services import audit

group = click.Group("audit", help="审计日志")


@group.command("verify")
@with_appcontext
def verify() -> None:
    """Recompute every entry's hash and link; exit 1 naming each edited, inserted or deleted entry."""
    count, problems = audit.verify(get_session())
    if not problems:
        click.echo(f"审计日志完整：{count} 条记录，哈希链全部一致")
        return
    click.echo(f"审计日志被改动（共 {count} 条记录）：", err=True)
    for problem in problems:
        click.echo(f"  - {problem}", err=True)
    sys.exit(1)
