"""`flask photos ...`: look at photo files the way the upload checks see them."""

from __future__ import annotations

import json
from pathlib import Path

import click

from inspect_app.adapters.imaging import MAX_BYTES, photo_report

group = click.Group("photos", help="照片")


@group.command("inspect")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
def inspect(files: tuple[Path, ...]) -> None:
    """Print one JSON line of facts (or the refusal) per file; exit 1 when any is not a usable photo."""
    failed = False
    for path in files:
        try:
            with path.open("rb") as stream:
                # One byte past the limit is enough to refuse a huge file without reading all of it.
                data = stream.read(MAX_BYTES + 1)
        except OSError as error:
            report = {"path": str(path), "error": f"无法读取文件：{error.strerror or error}"}
        else:
            report = photo_report(str(path), data)
        failed = failed or "error" in report
        click.echo(json.dumps(report, ensure_ascii=False))
    if failed:
        click.get_current_context().exit(1)
