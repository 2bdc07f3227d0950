"""`flask bundle ...`: build and sign a district's evidence bundle, and verify any bundle file."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from inspect_app.accounts import operations as users
from inspect_app.adapters import signatures
from inspect_app.adapters.pdf import seal
from inspect_app.bundles import operations as bundles
from inspect_app.campaigns import operations as campaigns
from inspect_app.city.verify import verify_bundle
from inspect_app.city.verify_pdf import is_pdf
from inspect_app.db import get_session
from inspect_app.directory.operations import resolve_district
from inspect_app.shared.errors import Invalid
from inspect_app.signing import keys

group = click.Group("bundle", help="证据包")


@group.command("build")
@click.option("--district", "district_code", required=True, help="旗区代码，如 150602")
@click.option("--campaign", "campaign_id", type=int, required=True, help="验收批次编号")
@click.option("--sign-as", "username", required=True, help="签字的分管领导登录名")
@click.option("--pin-file", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True)
@click.option(
    "--narrative-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="文字说明（UTF-8 文本）；不给则沿用上一版修改过的文字说明，或按验收数据起草",
)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="签字后的 ZIP 写到这里")
@with_appcontext
def build(
    district_code: str, campaign_id: int, username: str, pin_file: Path, narrative_file: Path | None, out: Path
) -> None:
    """Do what the leader does in the app: build the bundle and sign it off, for batch work and tests."""
    session = get_session()
    store = current_app.extensions["filestore"]
    user = users.find_user(session, username)
    district = resolve_district(session, district_code)
    if user is None or district is None or campaigns.get_campaign(session, campaign_id) is None:
        raise click.ClickException("账号、旗区或验收批次不存在")
    narrative = narrative_file.read_text(encoding="utf-8") if narrative_file else None  # None: as the app would
    try:
        bundle, token = bundles.begin_build(
            session,
            user.actor,
            district.id,
            campaign_id,
            narrative,
            current_app.config["BUNDLE_BUILD_STALE_SECONDS"],
        )
        if token is None:
            raise click.ClickException(f"第{bundle.version}版证据包正在生成中（网页上开始的），请等它完成后再签字")
        bundles.build_preview(
            session,
            store,
            bundle.id,
            user.display_name,
            Path(current_app.instance_path),
            token,
            current_app.config["BUNDLE_BUILD_STALE_SECONDS"],
        )
        bundle = bundles.sign_off(
            session,
            user.actor,
            store,
            user,
            bundle.id,
            keys.signing_pin(pin_file.read_text(encoding="utf-8"), current_app.config["PKI_CA_PASSPHRASE"]),
            seal.name_signature_png(user.display_name),
            Path(current_app.instance_path),
        )
    except Invalid as error:
        raise click.ClickException(str(error))
    store.copy_to(bundle.archive_key, out)
    click.echo(
        f"已签字：{district.name} 第{bundle.version}版证据包，{bundle.archive_size} 字节，"
        f"SHA-256 {bundle.archive_sha256}，已写入 {out}"
    )


@group.command("verify")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--ca",
    "ca_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="市中心根证书 city-ca.pem；不给则用本系统数据库中的根证书",
)
@with_appcontext
def verify(path: Path, ca_file: Path | None) -> None:
    """Check every hash, the CMS signature, the certificate chain and the PDF signature of a bundle; or the
    signature of a signed PDF on its own (the city's results notice, a 整改通知书)."""
    session = get_session()
    authority = keys.authority(session)
    if ca_file is None and authority is None:
        raise click.ClickException("没有根证书：请用 --ca 指定 city-ca.pem")
    ca = ca_file.read_bytes() if ca_file else authority.certificate_pem
    if is_pdf(path):
        _verify_pdf(path, ca, keys.revocation_list(session))
        return
    check = verify_bundle(path, ca, keys.revocation_list(session))
    manifest = check.manifest
    if check.ok:
        click.echo(
            f"证据包完整有效：{manifest['district']['name']} · {manifest['campaign']['name']} · "
            f"第{manifest['version']}版"
        )
        click.echo(
            f"签字人 {check.signer}，签字时间 {manifest['signed_at']}，"
            f"时间戳时间 {signatures.shown(check.timestamped_at)}；"
            f"{len(manifest['files'])} 个文件的 SHA-256 全部一致，清单签名与 PDF 签名均有效"
        )
        return
    click.echo("证据包验证未通过：", err=True)
    for problem in check.problems:
        click.echo(f"  - {problem}", err=True)
    sys.exit(1)


def _verify_pdf(path: Path, ca: bytes, revoked: dict) -> None:
    """A signed PDF on its own: its signer, the trusted time and whether the signature holds."""
    check = signatures.verify_pdf_file(path, ca, revoked)
    if check.ok:
        click.echo(f"PDF签名有效：{path.name}，签名覆盖整个文件，证书由市中心根证书签发")
        stamped = signatures.shown(check.timestamp_time) if check.timestamp_time else "—"
        claimed = signatures.shown(check.signing_time) if check.signing_time else "—"
        click.echo(f"签字人 {check.signer_name}，签字时间 {claimed}，时间戳时间 {stamped}")
        return
    click.echo(f"PDF签名验证未通过：{path.name}", err=True)
    if check.signer_name:
        click.echo(f"  签字人 {check.signer_name}", err=True)
    for problem in check.problems:
        click.echo(f"  - {problem}", err=True)
    sys.exit(1)
