"""`flask demo ...`: demo data for trying the app."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from inspect_app.db import get_session
from inspect_app.demo import seed as demo
from inspect_app.demo.plaque_people import seed_plaque_people
from inspect_app.demo.season import seed_season, seed_signers, signer_pins

group = click.Group("demo", help="演示数据")


def _print_logins(logins: list[demo.DemoLogin], pins: dict[str, str]) -> None:
    click.echo(f"演示账号（密码均为 {demo.DEMO_PASSWORD}；分管领导和市中心签字时另需签名PIN，仅供演示）：")
    for login in logins:
        pin = f"签名PIN {pins[login.username]}" if login.username in pins else ""
        click.echo(f"  {login.username:<24} {login.role.label:<8} {login.district or '全市':<8} {pin}".rstrip())


@group.command("seed")
@click.option("--if-empty", is_flag=True, help="数据库已有账号时不做任何事")
@click.option("--season", is_flag=True, help="再填入已提交的检查（照片、签名）")
@with_appcontext
def seed(if_empty: bool, season: bool) -> None:
    """Load the nine 旗区' demo offices, stations, users, the 2026 campaign, the city CA and the demo signers'
    certificates (and with --season, a season)."""
    session = get_session()
    passphrase = current_app.config["PKI_CA_PASSPHRASE"]
    if not demo.is_empty(session):
        if if_empty and not season:
            click.echo("数据库已有数据，跳过演示数据。")
            return
        if not season:
            raise click.ClickException("数据库已有账号，演示数据只能载入空数据库。")
    else:
        logins = demo.seed(session, current_app.extensions["passwords"])
        # The quick start signs at once: the CA and each signer's certificate under a demo PIN that
        # `flask demo logins` prints (real signers choose theirs on 我的签名证书).
        signers = seed_signers(session, passphrase)
        lacking = seed_plaque_people(session, current_app.extensions["filestore"])
        click.echo(f"已载入演示数据：{len(logins)} 个账号，根证书和 {len(signers)} 张演示签名证书。")
        click.echo(f"服务站牌匾：工作人员和责任监管人员已登记，其中 {lacking} 个服务站还缺照片、电话等信息。")
    if season:
        seed_season(session, current_app.extensions["filestore"], passphrase)
        click.echo("已填入演示检查与签名证书。分管领导和市中心的签名PIN（仅供演示）：")
        for row in signer_pins(session, passphrase):
            click.echo(f"  {row.district:<8} {row.username:<24} PIN {row.pin}")


@group.command("logins")
@with_appcontext
def logins() -> None:
    """Print the demo accounts that exist, with the demo signers' PINs."""
    session = get_session()
    found = demo.demo_logins(session)
    if found:
        pins = signer_pins(session, current_app.config["PKI_CA_PASSPHRASE"])
        _print_logins(found, {row.username: row.pin for row in pins})
