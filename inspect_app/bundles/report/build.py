"""report.pdf from its parts: each part laid out on its own and kept for the next build, then joined and numbered."""

from __future__ import annotations

import contextlib
import hashlib
import multiprocessing
import os
import secrets
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Callable, Sequence

from inspect_app.adapters.pdf import pdf_pages
from inspect_app.adapters.pdf.report import LAYOUT, write_pdf
from inspect_app.adapters.pdf.report_html import STATIONS_PER_PART, footer_html, report_parts
from inspect_app.bundles.report.data import ReportData

# Longer than any build takes between laying a part out (or finding it) and joining it.
UNUSED_PART_S = 60 * 60
# Parts to lay out before layout processes are worth starting (each imports WeasyPrint and its fonts, about a
# second, while a station part takes about half of one).
POOL_FROM_PARTS = 8
# A layout process is replaced after this many parts, so that whatever WeasyPrint keeps between documents (font
# caches, fragmented heaps) does not grow with the district.
PARTS_PER_PROCESS = 50


def parts_dir(work_dir: Path, district_id: int, campaign_id: int) -> Path:
    """Where the district's report parts are kept for the campaign: laid out ahead as inspections are submitted,
    then from the preview to the sign-off and from one version to the next, which lays out again only the parts
    whose stations changed."""
    return work_dir / "report-parts" / f"district-{district_id}-campaign-{campaign_id}"


def write_report(
    data: ReportData,
    target: Path,
    *,
    leader_signature_png: Path | None,
    seal_png_path: Path | None,
    parts_dir: Path,
    progress: Callable[[float], None] | None = None,
    stations_per_part: int = STATIONS_PER_PART,
    processes: int = 1,
) -> int:
    """Write the whole report to target and return its page count.

    Each part's PDF is kept in parts_dir under the SHA-256 of its HTML (which names every image by its
    content) and of how it is laid out (part_path), so the signed report lays out again only what changed since the preview (the cover and the
    sign-off page), and the next version only the parts whose stations changed (most were laid out ahead, when
    their inspections were submitted: ahead.py). Parts this build did not use are removed once no build has used
    them for a while (another version's build may be using them now). With `processes` above one and many parts
    to lay out, that many processes lay them out side by side, a part at a time each.
    """
    parts_dir.mkdir(parents=True, exist_ok=True)
    documents = report_parts(
        data,
        leader_signature_png=leader_signature_png,
        seal_png_path=seal_png_path,
        stations_per_part=stations_per_part,
    )
    files = lay_out_all(documents, parts_dir, processes, progress)
    glyphs = laid_out(footer_html(pdf_pages.SHEET), parts_dir)  # the same from build to build: laid out once
    now = time.time()
    for used in {*files, glyphs}:
        os.utime(used, (now, now))  # in use: no other build removes it
    for stale in set(parts_dir.glob("*.pdf")) - set(files) - {glyphs}:
        with contextlib.suppress(FileNotFoundError):
            if stale.stat().st_mtime < now - UNUSED_PART_S:
                stale.unlink()
    return pdf_pages.join(files, target, glyph_sheet=glyphs)


def lay_out_all(
    documents: Sequence[str], folder: Path, processes: int = 1, progress: Callable[[float], None] | None = None
) -> list[Path]:
    """Each document's part in folder (laid out now unless kept), in the documents' order."""
    files = [part_path(html, folder) for html in documents]
    todo = {n for n, path in enumerate(files) if not path.is_file()}
    done = len(documents) - len(todo)  # kept

    def one_more() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done / len(documents))

    if progress is not None and done:
        progress(done / len(documents))
    if processes > 1 and len(todo) >= POOL_FROM_PARTS:
        # forkserver: the processes start from a clean interpreter, not from a copy of a threaded web process.
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["weasyprint"])  # imported once by the server, inherited by every process
        pending = sorted(todo)
        # A fresh pool for every PARTS_PER_PROCESS parts a process: Python 3.11's max_tasks_per_child can leave
        # the pool waiting forever for a replaced process (seen here at 200 parts).
        for start in range(0, len(pending), processes * PARTS_PER_PROCESS):
            batch = pending[start : start + processes * PARTS_PER_PROCESS]
            with ProcessPoolExecutor(min(processes, len(batch)), mp_context=context) as pool:
                try:
                    for future in as_completed(pool.submit(laid_out, documents[n], folder) for n in batch):
                        future.result()  # a part that failed fails the build, with its reason
                        one_more()  # raises BuildLost when another build took over
                except BaseException:
                    pool.shutdown(wait=True, cancel_futures=True)  # not the rest of the batch first
                    raise
    else:
        for n in sorted(todo):
            laid_out(documents[n], folder)
            one_more()
    return files


def part_path(html: str, folder: Path) -> Path:
    """Where the part of this HTML is kept: named by the SHA-256 of the HTML, which names every image by its
    content, and of how it is laid out (report.LAYOUT), since a part may wait weeks for its build."""
    digest = hashlib.sha256(LAYOUT.encode() + b"\n" + html.encode()).hexdigest()
    return folder / f"{digest}.pdf"


def laid_out(html: str, folder: Path) -> Path:
    """The part of this HTML in folder, laid out now if it is not there yet."""
    path = part_path(html, folder)
    if not path.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        # A name of its own: a build that lost its claim (services/bundle_builds.py) may still be writing the same
        # part for a moment, and neither may replace the other's half-written file.
        partial = path.with_name(f"{path.stem}.{os.getpid()}-{secrets.token_hex(4)}.partial")
        try:
            write_pdf(html, partial)
            os.replace(partial, path)  # a build cut short leaves no part that looks finished
        finally:
            partial.unlink(missing_ok=True)
    return path
