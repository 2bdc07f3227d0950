"""What numbering the joined report's pages costs: the footers laid out by WeasyPrint as a document of their own and
laid over each page (as before), against stamping them from the glyph sheet (pdf_pages.py).

Joins parts of empty A4 pages (40 a part, as a part of ten stations runs) three ways, each in a fresh child
process so that each peak is its own, interleaved and repeated: joined without numbers (the floor), numbered
the old way, numbered from the glyph sheet. Prints CPU and wall seconds and peak RSS (VmHWM) of each run, and
the median of each way.

    .venv/bin/python bench/page_numbers.py [--pages 2850] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pikepdf
from memory import rss_kb

from inspect_app.adapters.pdf import pdf_pages
from inspect_app.adapters.pdf.report import write_pdf
from inspect_app.adapters.pdf.report_html import footer_html

A4 = (595.275591, 841.889764)
PAGES_PER_PART = 40
WAYS = ("none", "laid-out", "stamped")
# The footer document the report laid over its pages before the glyph sheet.
LAID_OUT_FOOTER = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><style>
@page { size: A4 portrait; margin: 20mm 18mm 18mm 18mm;
  @bottom-center { content: "第 " counter(page) " 页 共 " counter(pages) " 页";
    font-family: "Noto Sans CJK SC", sans-serif; font-size: 8pt; color: #555; } }
html, body { margin: 0; } div + div { break-before: page; }
</style></head><body>{divs}</body></html>"""


def make_parts(folder: Path, pages: int) -> list[Path]:
    parts = []
    for n, start in enumerate(range(0, pages, PAGES_PER_PART)):
        pdf = pikepdf.new()
        for _ in range(min(PAGES_PER_PART, pages - start)):
            page = pdf.add_blank_page(page_size=A4)
            page.contents_add(pdf.make_stream(b"1 0 0 -1 0 841.89 cm 0 0 1 rg 50 50 100 20 re f"))
        parts.append(folder / f"part-{n:03d}.pdf")
        pdf.save(parts[-1])
    return parts


def laid_out_join(parts: list[Path], target: Path, footer: Path) -> None:
    """The join as it was: count the pages, lay out the footer document, lay page n of it over page n."""
    pages = sum(pdf_pages.page_count(path) for path in parts)
    write_pdf(LAID_OUT_FOOTER.replace("{divs}", "<div></div>" * pages), footer)
    opened = [pikepdf.Pdf.open(path) for path in parts]
    with pikepdf.Pdf.open(footer) as stamp:
        joined = opened[0]
        for part in opened[1:]:
            joined.pages.extend(part.pages)
        for page, over in zip(joined.pages, stamp.pages):
            page.add_overlay(over)
        joined.save(target)
    for pdf in opened:
        pdf.close()


def run(way: str, folder: Path) -> dict:
    """In a fresh process: join the parts the given way."""
    parts = sorted(folder.glob("part-*.pdf"))
    target = folder / f"{way}.pdf"
    wall, cpu, spawned = time.perf_counter(), time.process_time(), _children_s()
    if way == "none":
        pdf_pages.join(parts, target)
    elif way == "stamped":
        sheet = folder / "sheet.pdf"  # a build lays it out once and keeps it with the parts; here every time
        write_pdf(footer_html(pdf_pages.SHEET), sheet)
        pdf_pages.join(parts, target, glyph_sheet=sheet)
    else:
        laid_out_join(parts, target, folder / "footer.pdf")
    return {
        "way": way,
        "wall_s": time.perf_counter() - wall,
        "cpu_s": time.process_time() - cpu + _children_s() - spawned,
        "peak_kb": rss_kb("VmHWM"),
    }


def _children_s() -> float:
    """CPU seconds of the processes this one ran (fc-match, if the fonts are looked up) and waited for."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2850)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--run", nargs=2, metavar=("WAY", "DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        return print(json.dumps(run(args.run[0], Path(args.run[1]))))
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        make_parts(folder, args.pages)
        results: dict[str, list[dict]] = {way: [] for way in WAYS}
        for round_ in range(args.repeat):
            for way in WAYS:
                out = subprocess.run(
                    [sys.executable, __file__, "--run", way, str(folder)], check=True, stdout=subprocess.PIPE, text=True
                ).stdout
                r = json.loads(out)
                results[way].append(r)
                print(
                    f"round {round_ + 1} {way:9s} CPU {r['cpu_s']:6.2f} s  wall {r['wall_s']:6.2f} s  "
                    f"peak RSS {r['peak_kb'] / 1024:5.0f} MB",
                    flush=True,
                )
        print(f"median of {args.repeat}, {args.pages} pages:")
        for way in WAYS:
            runs = results[way]
            print(
                f"  {way:9s} CPU {statistics.median(r['cpu_s'] for r in runs):6.2f} s  "
                f"wall {statistics.median(r['wall_s'] for r in runs):6.2f} s  "
                f"peak RSS {statistics.median(r['peak_kb'] for r in runs) / 1024:5.0f} MB"
            )


if __name__ == "__main__":
    main()
