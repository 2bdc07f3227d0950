"""`flask orders ...`: rectification orders from the command line (the sweep also escalates the overdue)."""

from __future__ import annotations

from datetime import date, datetime

import click
from flask.cli import with_appcontext

from inspect_app.db import get_session
from inspect_app.domain.clock import BEIJING
from inspect_app.follow_up import orders

group = click.Group("orders", help="整改通知")


@group.command("escalate-overdue", help="把已过整改期限、仍在整改中的整改通知转为“待决定”，服务站改为“整改中”")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), help="按这一天判断是否逾期（默认北京时间今天）")
@with_appcontext
def escalate_overdue(today: datetime | None) -> None:
    """Escalate the orders whose deadline has passed, and say which."""
    day: date = today.date() if today else datetime.now(BEIJING).date()
    moved = orders.escalate_overdue(get_session(), day)
    for order in moved:
        click.echo(f"{order.district.name} {order.station.number} {order.station.name}：期限 {order.deadline}，已逾期")
    click.echo(f"共{len(moved)}份整改通知逾期，已转为待决定。")
