"""What the report's font subsets weigh joined as they are, and what one subset per font (shared_fonts.py) saves
and costs.

Each part of the report is laid out on its own, so each embeds its own subsets of the CJK fonts (regular and
bold); pdf_pages.join makes them share one subset per font, made with HarfBuzz (uharfbuzz) from the installed
font. This joins the given part files (a build keeps them in its report-parts folder) as the report does, without
sharing and with, and prints the embedded font programs, the joined file sizes, and the CPU seconds of the join
and of the sharing alone (medians of --repeat runs). --parts N joins N parts, taking the files given over again
when there are fewer (their glyphs then repeat: the shared subsets are as large as the given files make them).

    .venv/bin/python bench/report_fonts.py PART.pdf ... [--glyph-sheet SHEET.pdf] [--parts 200] [--repeat 3]
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import tempfile
import time
from pathlib import Path

import pikepdf

from inspect_app.adapters.pdf import pdf_pages, shared_fonts


def font_programs(path: Path) -> dict[str, tuple[int, int]]:
    """Per font (its name without the subset tag): how many font programs are embedded, and their stored bytes."""
    programs: dict[str, dict[tuple[int, int], int]] = {}
    with pikepdf.Pdf.open(path) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Subtype") in ("/CIDFontType0", "/CIDFontType2"):
                descriptor = obj.FontDescriptor
                stream = descriptor.get("/FontFile3") or descriptor.get("/FontFile2")
                name = str(descriptor.FontName).split("+", 1)[-1]
                programs.setdefault(name, {})[stream.objgen] = len(stream.read_raw_bytes())
    return {name: (len(streams), sum(streams.values())) for name, streams in programs.items()}


def timed_share() -> list[float]:
    """Make shared_fonts.share record the CPU seconds of each call in the list returned."""
    spent: list[float] = []
    share = shared_fonts.share

    def timed(pdf: pikepdf.Pdf) -> None:
        started = time.process_time()
        share(pdf)
        spent.append(time.process_time() - started)

    shared_fonts.share = timed
    return spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("parts", type=Path, nargs="+")
    parser.add_argument("--glyph-sheet", type=Path, help="the build's glyph sheet, to number the pages as a build does")
    parser.add_argument("--parts", dest="count", type=int, help="how many parts to join (default: the files given)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    parts = list(itertools.islice(itertools.cycle(args.parts), args.count or len(args.parts)))
    spent = timed_share()
    with tempfile.TemporaryDirectory() as scratch:
        results = {}
        for share in (False, True):
            target = Path(scratch) / f"report-{'shared' if share else 'unshared'}.pdf"
            cpu = []
            for _ in range(args.repeat):
                started = time.process_time()
                pages = pdf_pages.join(parts, target, glyph_sheet=args.glyph_sheet, share_fonts=share)
                cpu.append(time.process_time() - started)
            results[share] = target.stat().st_size, statistics.median(cpu), font_programs(target)
        print(f"{len(parts)} parts, {pages} pages, median of {args.repeat} runs")
        for share, (size, cpu, fonts) in results.items():
            print(f"{'shared' if share else 'as laid out'}: report {size / 2**20:.2f} MB, join {cpu:.2f} s CPU")
            for name, (count, stored) in sorted(fonts.items()):
                print(f"  {name}: {count} font programs, {stored / 1024:.0f} KB stored")
    (before, join_before, _), (after, join_after, _) = results[False], results[True]
    print(
        f"sharing saves {(before - after) / 2**20:.2f} MB ({100 * (before - after) / before:.0f} % of the report, "
        f"{(before - after) / len(parts) / 1024:.0f} KB a part); share() takes {statistics.median(spent):.2f} s CPU, "
        f"the join {join_after - join_before:+.2f} s CPU in all"
    )


if __name__ == "__main__":
    main()
