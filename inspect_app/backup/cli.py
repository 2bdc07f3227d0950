"""`flask backup ...`: one archive with every row and every stored file, and its restore into an empty instance."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from inspect_app.backup import BackupRefused, Summary, create_backup, restore_backup
from inspect_app.db import get_engine
from inspect_app.models.base import Base

group = click.Group("backup", help="备份与恢复")


@group.command("create", help="把全部数据与存储的文件写成一个备份归档（.tar）；应用运行时也可备份")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def create(path: Path) -> None:
    """Back up the running instance into a new archive at PATH."""
    try:
        summary = create_backup(get_engine(), Base.metadata, current_app.extensions["filestore"], path)
    except BackupRefused as error:
        raise click.ClickException(str(error))
    if summary.missing:
        click.echo(
            f"备份已生成，但文件存储中缺少 {len(summary.missing)} 个数据引用的文件（其余数据与文件均已备份）：",
            err=True,
        )
        _echo_missing(summary.missing)
        _echo(summary)
        raise SystemExit(1)  # a backup that lacks files must not pass for a whole one in a script
    click.echo(f"备份完成：{path}")
    _echo(summary)


@group.command("restore", help="把备份归档恢复到这个空的实例（刚迁移、尚无数据）；先核对全部 SHA-256，不符则不写入")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def restore(path: Path) -> None:
    """Restore the archive at PATH into this empty instance."""
    try:
        summary = restore_backup(get_engine(), Base.metadata, current_app.extensions["filestore"], path)
    except BackupRefused as error:
        raise click.ClickException(str(error))
    click.echo(f"恢复完成：{path}")
    if summary.missing:
        click.echo(
            f"注意：备份时已缺少 {len(summary.missing)} 个文件，恢复后仍然缺少（页面上显示为“文件已丢失”）：", err=True
        )
        _echo_missing(summary.missing)
    _echo(summary)


def _echo_missing(missing: dict[str, str]) -> None:
    for key, row in sorted(missing.items(), key=lambda item: item[1]):
        click.echo(f"  {row} → {key}", err=True)


def _echo(summary: Summary) -> None:
    click.echo(f"  数据表 {summary.tables} 张，共 {summary.rows} 行")
    click.echo(f"  文件 {summary.files} 个，共 {summary.file_bytes} 字节")
    click.echo(f"  归档 {summary.archive_bytes} 字节，SHA-256 {summary.archive_sha256}")
