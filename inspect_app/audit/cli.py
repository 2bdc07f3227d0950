"""`flask audit ...`: prove the audit trail is whole."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from inspect_app.audit import trail as audit
from inspect_app.audit.anchors import anchor_problems
from inspect_app.db import get_session

group = click.Group("audit", help="审计日志")


@group.command("verify")
@with_appcontext
def verify() -> None:
    """Recompute every entry's hash and link, and hold the chain against the head every stored signed archive
    recorded at signing; exit 1 naming each edited, inserted or deleted entry and each contradicted document."""
    session = get_session()
    count, problems = audit.verify(session)
    anchored, contradicted = anchor_problems(session, current_app.extensions["filestore"])
    problems += contradicted
    if not problems:
        click.echo(f"审计日志完整：{count} 条记录，哈希链全部一致；{anchored} 份已签字文件记录的日志位置全部相符")
        return
    click.echo(f"审计日志被改动（共 {count} 条记录）：", err=True)
    for problem in problems:
        click.echo(f"  - {problem}", err=True)
    sys.exit(1)
