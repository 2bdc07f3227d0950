"""What the report's duplicated font subsets weigh, and what one subset for the whole report would take.

Each part of the report is laid out on its own (pdf_pages.py), so each embeds its own subsets of the CJK fonts
(regular and bold). WeasyPrint subsets with the glyph ids kept, so the glyphs a subset holds are the CIDs its
widths (/W) list, and one subset of the whole report is the font subset to the union of them all. This reads a
report.pdf, sums the embedded font files, then makes that one subset per font with fontTools (with WeasyPrint's
options), timing it, and prints the bytes saved, per station and projected to 200 stations.

    .venv/bin/python bench/report_fonts.py REPORT.pdf [--stations 20] [--repeat 3]
"""

from __future__ import annotations

import argparse
import io
import statistics
import subprocess
import time
import zlib
from collections import defaultdict
from pathlib import Path

import pikepdf
from fontTools import subset
from fontTools.ttLib import TTFont

STATIONS_PER_PART = 10


def cids(widths: pikepdf.Array) -> set[int]:
    """The CIDs a /W array gives widths for: `c [w ...]` and `first last w` entries."""
    found, items, i = set(), list(widths), 0
    while i < len(items):
        first = int(items[i])
        if isinstance(items[i + 1], pikepdf.Array):
            found.update(range(first, first + len(items[i + 1])))
            i += 2
        else:
            found.update(range(first, int(items[i + 1]) + 1))
            i += 3
    return found


def embedded(pdf: pikepdf.Pdf) -> dict[str, list[tuple[int, set[int]]]]:
    """Per font (its name without the subset tag): each embedded font file's stored bytes and glyph ids."""
    fonts: dict[str, list[tuple[int, set[int]]]] = defaultdict(list)
    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Dictionary) and obj.get("/Subtype") == "/CIDFontType0":
            descriptor = obj.FontDescriptor
            stream = descriptor.get("/FontFile3") or descriptor.get("/FontFile2")
            name = str(descriptor.FontName).split("+", 1)[-1]
            fonts[name].append((len(stream.read_raw_bytes()), cids(obj.get("/W", pikepdf.Array()))))
    return fonts


def installed(name: str) -> tuple[str, int]:
    """The installed font file and face index of a PDF font name such as Noto-Sans-CJK-SC-Bold."""
    family, _, style = name.replace("-", " ").partition(" SC")
    pattern = f"{family} SC:style={style.strip() or 'Regular'}"
    found = subprocess.run(["fc-match", "-f", "%{file}\t%{index}", pattern], capture_output=True, text=True)
    path, index = found.stdout.split("\t")
    return path, int(index)


def one_subset(path: str, index: int, gids: set[int]) -> bytes:
    """The font subset to gids as WeasyPrint subsets it with fontTools, as the CFF table a PDF embeds."""
    options = subset.Options(
        retain_gids=True, passthrough_tables=True, ignore_missing_glyphs=True, hinting=False, desubroutinize=True
    )
    options.drop_tables += ["GSUB", "GPOS", "SVG"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(gids=sorted(gids))
    font = TTFont(path, fontNumber=index, lazy=True)
    subsetter.subset(font)
    out = io.BytesIO()
    font["CFF "].cff.compile(out, font)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", type=Path)
    parser.add_argument("--stations", type=int, default=20, help="how many stations the report shows")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    size = args.report.stat().st_size
    with pikepdf.Pdf.open(args.report) as pdf:
        fonts = embedded(pdf)
    total = sum(stored for files in fonts.values() for stored, _ in files)
    merged_total, seconds = 0, 0.0
    for name, files in fonts.items():
        union = set().union(*(gids for _, gids in files))
        path, index = installed(name)
        runs = []
        for _ in range(args.repeat):
            started, cpu = time.perf_counter(), time.process_time()
            data = one_subset(path, index, union)
            runs.append((time.perf_counter() - started, time.process_time() - cpu))
        stored = len(zlib.compress(data))
        merged_total += stored
        seconds += statistics.median(cpu for _, cpu in runs)
        print(
            f"{name}: {len(files)} subsets, {sum(s for s, _ in files) / 1024:7.0f} KB stored, "
            f"{len(union)} glyphs in all; one subset {stored / 1024:5.0f} KB, made in "
            f"{statistics.median(w for w, _ in runs):.2f} s wall / {statistics.median(c for _, c in runs):.2f} s CPU "
            f"(median of {args.repeat})"
        )
    saved = total - merged_total
    parts = -(-args.stations // STATIONS_PER_PART)
    per_part = (total - merged_total) / max(1, parts)
    print(
        f"report {size / 2**20:.1f} MB, {args.stations} stations: fonts {total / 2**20:.2f} MB "
        f"({100 * total / size:.0f} %); one subset per font would save {saved / 2**20:.2f} MB "
        f"({saved / args.stations / 1024:.0f} KB/station) for {seconds:.1f} s CPU"
    )
    print(
        f"projected to 200 stations ({-(-200 // STATIONS_PER_PART)} station parts): saves about "
        f"{per_part * 200 / STATIONS_PER_PART / 2**20:.1f} MB"
    )


if __name__ == "__main__":
    main()
