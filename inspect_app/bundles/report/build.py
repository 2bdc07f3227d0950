"""report.pdf from its parts: each part laid out on its own and kept for the next build, then joined and numbered."""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import time
from pathlib import Path
from typing import Callable

from inspect_app.adapters.pdf import pdf_pages
from inspect_app.adapters.pdf.report import write_pdf
from inspect_app.adapters.pdf.report_html import STATIONS_PER_PART, footer_html, report_parts
from inspect_app.bundles.report.data import ReportData

# Longer than any build takes between laying a part out (or finding it) and joining it.
UNUSED_PART_S = 60 * 60


def write_report(
    data: ReportData,
    target: Path,
    *,
    leader_signature_png: Path | None,
    seal_png_path: Path | None,
    parts_dir: Path,
    progress: Callable[[float], None] | None = None,
    stations_per_part: int = STATIONS_PER_PART,
) -> int:
    """Write the whole report to target and return its page count.

    Each part's PDF is kept in parts_dir under the SHA-256 of its HTML (which names every image by its
    content), so the signed report lays out again only what changed since the preview (the cover and the
    sign-off page), and the next version only the parts whose stations changed. Parts this build did not use
    are removed once no build has used them for a while (another version's build may be using them now).
    """
    parts_dir.mkdir(parents=True, exist_ok=True)
    documents = report_parts(
        data,
        leader_signature_png=leader_signature_png,
        seal_png_path=seal_png_path,
        stations_per_part=stations_per_part,
    )
    files = []
    for done, html in enumerate(documents, start=1):
        files.append(_laid_out(html, parts_dir))
        if progress is not None:
            progress(done / len(documents))
    glyphs = _laid_out(footer_html(pdf_pages.SHEET), parts_dir)  # the same from build to build: laid out once
    now = time.time()
    for used in {*files, glyphs}:
        os.utime(used, (now, now))  # in use: no other build removes it
    for stale in set(parts_dir.glob("*.pdf")) - set(files) - {glyphs}:
        with contextlib.suppress(FileNotFoundError):
            if stale.stat().st_mtime < now - UNUSED_PART_S:
                stale.unlink()
    return pdf_pages.join(files, target, glyph_sheet=glyphs)


def _laid_out(html: str, folder: Path) -> Path:
    path = folder / f"{hashlib.sha256(html.encode()).hexdigest()}.pdf"
    if not path.is_file():
        # A name of its own: a build that lost its claim (services/bundle_builds.py) may still be writing the same
        # part for a moment, and neither may replace the other's half-written file.
        partial = path.with_name(f"{path.stem}.{os.getpid()}-{secrets.token_hex(4)}.partial")
        try:
            write_pdf(html, partial)
            os.replace(partial, path)  # a build cut short leaves no part that looks finished
        finally:
            partial.unlink(missing_ok=True)
    return path
