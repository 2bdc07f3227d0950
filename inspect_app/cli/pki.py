"""`flask pki ...`: the city's root CA and leaders' signing certificates."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from ..db import get_session
from ..models import User
from ..services import Invalid, keys

group = click.Group("pki", help="证书")


def _fail(error: Invalid) -> None:
    raise click.ClickException("；".join(error.errors.values()))


@group.command("init")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), default=Path("city-ca.pem"),
              show_default=True, help="根证书写到这个文件")
@with_appcontext
def init(out: Path) -> None:
    """Create the city's root CA (its key encrypted at rest) and write its certificate."""
    session = get_session()
    try:
        ca = keys.init_authority(session, current_app.config["PKI_CA_PASSPHRASE"])
    except Invalid as error:
        _fail(error)
    out.write_bytes(ca.certificate_pem)
    click.echo(f"已创建根证书，SHA-256 指纹 {ca.fingerprint_sha256}，已写入 {out}")


@group.command("export-ca")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=Path("city-ca.pem"), show_default=True)
@with_appcontext
def export_ca(out: Path) -> None:
    """Write the root CA certificate (for verifiers)."""
    ca = keys.authority(get_session())
    if ca is None:
        raise click.ClickException("还没有根证书，请先运行 flask pki init")
    out.write_bytes(ca.certificate_pem)
    click.echo(f"已写入 {out}")


@group.command("issue")
@click.option("--user", "username", required=True, help="分管领导的登录名")
@click.option("--pin-file", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True,
              help="签名PIN所在的文件（6至12位数字）")
@with_appcontext
def issue(username: str, pin_file: Path) -> None:
    """Issue a leader's signing certificate; the key is encrypted under the signing PIN."""
    session = get_session()
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"账号 {username} 不存在")
    try:
        row = keys.issue_certificate(session, current_app.config["PKI_CA_PASSPHRASE"], user.id,
                                     pin_file.read_text(encoding="utf-8").strip())
    except Invalid as error:
        _fail(error)
    click.echo(f"已为 {user.display_name}（{user.district.name}）签发证书，序列号 {row.serial}，"
               f"有效期至 {row.not_after:%Y-%m-%d}")


@group.command("revoke")
@click.argument("serial")
@with_appcontext
def revoke(serial: str) -> None:
    """Revoke a signing certificate by its serial number."""
    session = get_session()
    row = next((c for c in keys.certificates(session) if c.serial == serial), None)
    if row is None:
        raise click.ClickException(f"没有序列号为 {serial} 的证书")
    keys.revoke(session, row.id)
    click.echo(f"已吊销证书 {serial}")
