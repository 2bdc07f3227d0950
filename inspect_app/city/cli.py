"""`flask city ...`: the city center's work from the command line (receive a bundle ZIP, build and sign the city
report)."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from inspect_app.accounts import operations as users
from inspect_app.adapters import scratch
from inspect_app.adapters.pdf import seal
from inspect_app.campaigns import operations as campaigns
from inspect_app.city import report as city_report
from inspect_app.city import submissions
from inspect_app.db import get_session
from inspect_app.models import User
from inspect_app.shared.errors import Invalid
from inspect_app.signing import keys

group = click.Group("city", help="市12315中心")


def _user(username: str) -> User:
    user = users.find_user(get_session(), username)
    if user is None:
        raise click.ClickException(f"账号 {username} 不存在")
    return user


@group.command("receive")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as", "username", required=True, help="市中心的登录名")
@with_appcontext
def receive(path: Path, username: str) -> None:
    """File a district's bundle ZIP (from e-mail or a USB stick) after the same verification as in the app."""
    user = _user(username)
    with scratch.folder(Path(current_app.instance_path), "received") as folder:
        copy = folder / "upload.zip"
        shutil.copyfile(path, copy)
        try:
            received = submissions.receive_upload(get_session(), user.actor, current_app.extensions["filestore"], copy)
        except Invalid as error:
            raise click.ClickException(str(error))
    click.echo(f"已收到{received.district.name}第{received.version}版证据包，验证通过。")


@group.command("report")
@click.option("--campaign", "campaign_id", type=int, required=True, help="验收批次编号")
@click.option("--sign-as", "username", required=True, help="签字的市中心登录名")
@click.option("--pin-file", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--confirm-missing", is_flag=True, help="有旗区证据包尚未接收时仍然签字")
@with_appcontext
def report(campaign_id: int, username: str, pin_file: Path, out: Path, confirm_missing: bool) -> None:
    """Build the consolidated city report (city-report.pdf, city-directory.xlsx) and sign it as a new version."""
    user = _user(username)
    session, store, work_dir = get_session(), current_app.extensions["filestore"], Path(current_app.instance_path)
    if campaigns.get_campaign(session, campaign_id) is None:
        raise click.ClickException("验收批次不存在")
    try:
        preview = city_report.build_preview(session, user.actor, store, user, campaign_id, work_dir, date.today())
        built = city_report.sign_off(
            session,
            user.actor,
            store,
            user,
            preview.id,
            keys.signing_pin(pin_file.read_text(encoding="utf-8"), current_app.config["PKI_CA_PASSPHRASE"]),
            seal.name_signature_png(user.display_name),
            work_dir,
            date.today(),
            confirm_missing=confirm_missing,
        )
    except Invalid as error:
        raise click.ClickException(str(error))
    store.copy_to(built.archive_key, out)
    click.echo(
        f"已签字：第{built.version}版全市汇总报告，{built.archive_size} 字节，SHA-256 {built.archive_sha256}，"
        f"已写入 {out}"
    )
