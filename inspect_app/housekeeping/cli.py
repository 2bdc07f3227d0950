"""`flask uploads sweep`: the sweep the app runs on its own, run now (from cron, or after a crash); `flask files
check`: the configured file store works and is private."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from inspect_app.housekeeping import sweeper
from inspect_app.housekeeping.store_check import check_store

group = click.Group("uploads", help="上传与临时文件")
files_group = click.Group("files", help="文件存储")

LABELS = {
    "uploads_expired": "过期的未完成上传",
    "part_files_removed": "无主的上传分块文件",
    "stored_files_removed": "不再被任何数据引用的存储文件（如已替换的照片、旧预览）",
    "scratch_folders_removed": "中断的生成或签字留下的临时目录",
    "report_parts_removed": "两周未用的报告排版缓存",
    "builds_interrupted": "标记为“生成中断”的证据包生成",
    "sessions_purged": "30天未使用的登录会话记录",
    "sign_in_counts_purged": "已过期的登录失败计数",
    "photos_requeued": "处理中断后重新排队的照片",
    "orders_escalated": "逾期转为待决定的整改通知",
    "todo_mails_sent": "发出的待办事项邮件（配置了邮件服务器时）",
}


@group.command(
    "sweep",
    help="立即清理：过期的未完成上传（UPLOAD_EXPIRY_DAYS 天未继续）、无主分块、不再被引用的存储文件、"
    "中断留下的临时目录与排版缓存，标记已停止的证据包生成，并重新排队处理中断的照片",
)
@with_appcontext
def sweep() -> None:
    """Run the sweep once, now, and say what it did."""
    report = sweeper.run(current_app._get_current_object())
    click.echo("清理完成：")
    for name, count in report.as_dict().items():
        click.echo(f"  {LABELS[name]}：{count}")


@files_group.command(
    "check", help="检查所配置的文件存储（本机目录或 S3 存储桶）：能写入、读回一致、不带密钥无法读取、能删除"
)
@with_appcontext
def check() -> None:
    """Probe the configured file store; exit 1 when anything fails."""
    result = check_store(current_app.extensions["filestore"])
    click.echo(f"文件存储：{result.where}")
    for line in result.passed:
        click.echo(f"  ✓ {line}")
    for line in result.problems:
        click.echo(f"  ✗ {line}", err=True)
    if result.problems:
        raise SystemExit(1)
