"""`flask jobs ...`: the worker that reads uploaded photos and builds evidence bundles off the web processes."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from inspect_app.bundles import jobs
from inspect_app.housekeeping import sweeper

group = click.Group("jobs", help="后台任务")


@group.command("worker")
@click.option("--burst", is_flag=True, help="队列清空后退出")
@with_appcontext
def worker(burst: bool) -> None:
    """Read the photos and build the bundles queued on Redis (REDIS_URL), photos first, until stopped with Ctrl-C
    or SIGTERM."""
    if not current_app.config.get("REDIS_URL"):
        raise click.ClickException(
            "未设置 REDIS_URL：没有任务队列时照片处理与证据包生成都在网站进程中进行，无需后台进程"
        )
    app = current_app._get_current_object()
    sweeper.tidy_on_schedule(app)  # its machine's copies and scratch: the sweep on a web server cannot reach them
    jobs.run_worker(app, burst=burst)
