"""`flask todo send-mail`: e-mail each person the to-do items not yet sent (the sweep does it on its own too)."""

from __future__ import annotations

from datetime import datetime

import click
from flask import current_app
from flask.cli import with_appcontext

from inspect_app.db import get_session
from inspect_app.domain.clock import BEIJING
from inspect_app.todo import mailing

group = click.Group("todo", help="待办事项")


@group.command("send-mail", help="把尚未发送过的待办事项用邮件发给设置了邮箱的用户（须配置 SMTP_HOST 等）")
@with_appcontext
def send_mail() -> None:
    """Send the e-mails now and say what was sent."""
    report = mailing.send_todo_mail(get_session(), current_app.config, datetime.now(BEIJING).date())
    if not report.configured:
        click.echo("未配置邮件服务器（SMTP_HOST），不发送任何邮件。")
        return
    click.echo(f"已发送{report.messages}封邮件，共{report.items}项待办。")
    for failure in report.failures:
        click.echo(f"发送失败：{failure}", err=True)
    if report.failures:
        raise SystemExit(1)
