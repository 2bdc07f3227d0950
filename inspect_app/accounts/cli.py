"""`flask users ...`: accounts from the command line."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from inspect_app.accounts.operations import NewUser, create_account, create_user, list_users
from inspect_app.db import get_session
from inspect_app.domain.identity.password_policy import HINT as PASSWORD_HINT
from inspect_app.domain.identity.permissions import Actor, Role
from inspect_app.shared.errors import Invalid

group = click.Group("users", help="账号管理")


@group.command("create")
@click.option("--username", required=True, help="登录名")
@click.option("--name", "display_name", required=True, help="姓名")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--district", "district_code", default=None, help="旗区代码，如 150602（检查员、分管领导必填）")
@click.option("--phone", default="", help="手机号（选填）")
@click.option("--one-time", is_flag=True, help="不输入密码：生成一次性密码并打印，本人首次登录时须修改")
@click.option("--password", default=None, help=PASSWORD_HINT + "；不给出时提示输入")
@with_appcontext
def create(
    username: str,
    display_name: str,
    role: str,
    district_code: str | None,
    phone: str,
    one_time: bool,
    password: str | None,
) -> None:
    """Create an account: with the password its user types here (the first admin), or a one-time password."""
    new = NewUser(username, display_name, role, district_code, phone=phone)
    try:
        if one_time:
            login = create_account(
                get_session(), current_app.extensions["passwords"], new, Actor(Role.ADMIN, None), "command_line"
            )
            user = login.user
        else:
            if password is None:
                password = click.prompt("密码", hide_input=True, confirmation_prompt="再次输入密码")
            user = create_user(
                get_session(),
                current_app.extensions["passwords"],
                NewUser(username, display_name, role, district_code, password, phone),
            )
    except Invalid as error:
        for field, message in error.errors.items():
            click.echo(f"错误：{field}: {message}" if field else f"错误：{message}", err=True)
        raise SystemExit(1)
    click.echo(f"已创建账号 {user.username}（{user.role.label}）")
    if one_time:
        click.echo(f"一次性密码：{login.password}（只显示这一次；首次登录时须修改）")


@group.command("list")
@with_appcontext
def list_() -> None:
    """List the accounts."""
    for user in list_users(get_session()):
        district = user.district.name if user.district else "-"
        state = "启用" if user.active else "停用"
        if user.must_change_password:
            state += "（待改密码）"
        click.echo(f"{user.username}\t{user.display_name}\t{user.role.label}\t{district}\t{user.phone or '-'}\t{state}")
