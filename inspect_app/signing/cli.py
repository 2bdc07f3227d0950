"""`flask pki ...`: the city's root CA and signers' certificates, for scripts (the 证书 page does the same)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from inspect_app.accounts import operations as users
from inspect_app.db import get_session
from inspect_app.domain.identity.permissions import Actor, Role
from inspect_app.shared.errors import Invalid
from inspect_app.signing import enrolments, keys

group = click.Group("pki", help="证书")


def _fail(error: Invalid) -> None:
    raise click.ClickException(str(error))


@group.command("init")
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("city-ca.pem"),
    show_default=True,
    help="根证书写到这个文件",
)
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
        raise click.ClickException("还没有根证书，请先在“证书”页或用 flask pki init 创建")
    out.write_bytes(ca.certificate_pem)
    click.echo(f"已写入 {out}")


@group.command("enrol")
@click.option("--user", "username", required=True, help="分管领导或市12315中心的登录名")
@with_appcontext
def enrol(username: str) -> None:
    """Let a signer make their certificate with a PIN of their own, on 我的签名证书 in the app."""
    session = get_session()
    user = users.find_user(session, username)
    if user is None:
        raise click.ClickException(f"账号 {username} 不存在")
    try:
        enrolments.enrol(session, Actor(Role.ADMIN, None), user.id)
    except Invalid as error:
        _fail(error)
    click.echo(f"已为 {user.display_name} 签发：请其登录后在“我的签名证书”页设置签名PIN，证书随即生成")


@group.command("issue")
@click.option("--user", "username", required=True, help="分管领导或市12315中心的登录名")
@click.option(
    "--pin-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="签名PIN所在的文件（6至12位数字）",
)
@with_appcontext
def issue(username: str, pin_file: Path) -> None:
    """Issue a signing certificate with a PIN from a file at once (for scripts; people use `enrol` and choose their
    own PIN in the app); an earlier certificate of the holder is revoked as 已换发."""
    session = get_session()
    user = users.find_user(session, username)
    if user is None:
        raise click.ClickException(f"账号 {username} 不存在")
    try:
        row = keys.issue_certificate(
            session, current_app.config["PKI_CA_PASSPHRASE"], user.id, pin_file.read_text(encoding="utf-8").strip()
        )
    except Invalid as error:
        _fail(error)
    unit = user.district.name if user.district else "市中心"
    click.echo(f"已为 {user.display_name}（{unit}）签发证书，序列号 {row.serial}，有效期至 {row.not_after:%Y-%m-%d}")


@group.command("revoke")
@click.argument("serial")
@with_appcontext
def revoke(serial: str) -> None:
    """Revoke a signing certificate by its serial number (reason: 管理员撤销)."""
    session = get_session()
    row = next((c for c in keys.certificates(session) if c.serial == serial), None)
    if row is None:
        raise click.ClickException(f"没有序列号为 {serial} 的证书")
    keys.revoke(session, row.id)
    click.echo(f"已撤销证书 {serial}（原因：管理员撤销）")
