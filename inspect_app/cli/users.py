"""`flask users ...`: accounts from the command line."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from ..db import get_session
from ..domain.password_policy import HINT as PASSWORD_HINT
from ..domain.permissions import Role
from ..services import Invalid
from ..services.users import NewUser, create_user, list_users

group = click.Group("users", help="账号管理")


@group.command("create")
@click.option("--username", required=True, help="登录名")
@click.option("--name", "display_name", required=True, help="姓名")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--district", "district_code", default=None, help="旗区代码，如 150602（检查员、分管领导必填）")
@click.password_option("--password", help=PASSWORD_HINT)
@with_appcontext
def create(username: str, display_name: str, role: str, district_code: str | None, password: str) -> None:
    """Create an account."""
    try:
        user = create_user(get_session(), current_app.extensions["passwords"],
                           NewUser(username, display_name, role, district_code, password))
    except Invalid as error:
        for field, message in error.errors.items():
            click.echo(f"错误：{field}: {message}" if field else f"错误：{message}", err=True)
        raise SystemExit(1)
    click.echo(f"已创建账号 {user.username}（{user.role.label}）")


@group.command("list")
@with_appcontext
def list_() -> None:
    """List the accounts."""
    for user in list_users(get_session()):
        district = user.district.name if user.district else "-"
        state = "启用" if user.active else "停用"
        click.echo(f"{user.username}\t{user.display_name}\t{user.role.label}\t{district}\t{state}")
