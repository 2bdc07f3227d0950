"""`flask demo ...`: demo data for trying the app."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from ..db import get_session
from ..services import demo

group = click.Group("demo", help="演示数据")


def _print_logins(logins: list[demo.DemoLogin]) -> None:
    click.echo(f"演示账号（密码均为 {demo.DEMO_PASSWORD}）：")
    for login in logins:
        click.echo(f"  {login.username:<24} {login.role.label:<8} {login.district or '全市'}")


@group.command("seed")
@click.option("--if-empty", is_flag=True, help="数据库已有账号时不做任何事")
@with_appcontext
def seed(if_empty: bool) -> None:
    """Load the nine 旗区' demo offices, stations, users and the 2026 campaign."""
    session = get_session()
    if not demo.is_empty(session):
        if if_empty:
            click.echo("数据库已有数据，跳过演示数据。")
            return
        raise click.ClickException("数据库已有账号，演示数据只能载入空数据库。")
    logins = demo.seed(session, current_app.extensions["passwords"])
    click.echo(f"已载入演示数据：{len(logins)} 个账号。")


@group.command("logins")
@with_appcontext
def logins() -> None:
    """Print the demo accounts that exist."""
    found = demo.demo_logins(get_session())
    if found:
        _print_logins(found)
