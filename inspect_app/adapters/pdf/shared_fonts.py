"""One font program for all the subsets of a font in a joined PDF: the only module that imports uharfbuzz.

Each part of the report is laid out by WeasyPrint on its own, so each embeds its own subset of every font it
uses (the CJK regular and bold), and a report of many parts would carry the same font many times over. WeasyPrint
subsets with HarfBuzz keeping the original glyph ids, so every subset of a font is the original with some glyphs
filled, the glyph ids a part draws are the CIDs its /W array gives widths for (/CIDToGIDMap /Identity), and one
subset of the original to the union of those ids can stand for all of them. share() makes it, with WeasyPrint's
options, embeds it once and points every font descriptor at it; the font dictionaries stay as they are (their
widths and ToUnicode maps are the part's own), only the heavy font program is shared.

The original is found exactly: the PostScript name (name id 6) read from the embedded subset, asked of fontconfig,
and checked against the face found; the subset must be of the installed version (name id 5 and the head table's
fontRevision), since a part kept from before a font upgrade may number its glyphs otherwise. A font that is not of
this kind, whose original is not installed or of another version, or that HarfBuzz fails to subset is left as it
is, with a warning: the PDF is right either way, only larger.
"""

from __future__ import annotations

import functools
import logging
import re
import shutil
import subprocess
import zlib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pikepdf
import uharfbuzz as hb

LOGGER = logging.getLogger(__name__)

# As WeasyPrint subsets (weasyprint/pdf/fonts.py, _harfbuzz_subset): glyph ids kept, unknown tables passed
# through, CFF desubroutinized, no hinting, these tables dropped. Its second pass, which keeps the glyphs up to the
# last one used without RETAIN_GIDS, gives the same bytes as this single pass (RETAIN_GIDS already stops at the
# last glyph kept). The .notdef outline is always kept: a part that draws glyph 0 had it, the others never draw it.
FLAGS = (
    hb.SubsetFlags.RETAIN_GIDS
    | hb.SubsetFlags.PASSTHROUGH_UNRECOGNIZED
    | hb.SubsetFlags.DESUBROUTINIZE
    | hb.SubsetFlags.NO_HINTING
    | hb.SubsetFlags.NOTDEF_OUTLINE
)
DROPPED_TABLES = (b"BASE", b"DSIG", b"EBDT", b"EBLC", b"EBSC", b"GPOS", b"GSUB", b"JSTF", b"LTSH", b"PCLT", b"SVG ")
# Tables of fonts WeasyPrint does not embed as plain subsets (variable fonts are pinned to an instance, colour
# fonts' outlines are emptied or replaced): their subsets are left as they are.
INSTANCED_TABLES = {"fvar", "gvar", "CFF2", "CBDT", "CBLC", "sbix", "SVG ", "COLR"}
# What share() reads of each embedded subset (which it need not inflate whole: HarfBuzz writes them first).
FRONT_TABLES = (b"head", b"maxp", b"name")
# PostScript names are printable ASCII without delimiters; anything else is not asked of fontconfig.
POSTSCRIPT_NAME = re.compile(r"[!-~]+")
FONTCONFIG_SPECIAL = re.compile(r"([\\:,=\-])")


class _Unshared(ValueError):
    """Why a font keeps its own font program."""


@dataclass
class _Subset:
    descriptor: pikepdf.Dictionary
    key: str  # /FontFile3 or /FontFile2
    program: pikepdf.Stream
    postscript_name: str
    version: tuple[str, bytes]  # the version string (name id 5) and the head table's fontRevision
    glyph_count: int
    gids: set[int]


def share(pdf: pikepdf.Pdf) -> None:
    """Make the CID fonts that embed subsets of the same installed font share one subset of it, in place."""
    groups: dict[tuple[str, int, str], list[_Subset]] = defaultdict(list)
    for font in _cid_fonts(pdf):
        try:
            subset = _subset(font)
            original = original_face(subset.postscript_name)
            if original is None:
                raise _Unshared(f"its original ({subset.postscript_name!r}) is not installed")
        except Exception as error:  # a font this module cannot stand for is left as it is
            LOGGER.warning("font %s left unshared: %s", font.get("/BaseFont"), error)
            continue
        groups[(*original, subset.key)].append(subset)
    for (path, index, key), subsets in groups.items():
        if len({subset.program.objgen for subset in subsets}) < 2:
            continue
        try:
            _share(pdf, hb.Face(hb.Blob.from_file_path(path), index), key, subsets)
        except Exception as error:  # the subsets stay as they are: right, only larger
            LOGGER.warning("subsets of %s (face %d) left unshared: %s", path, index, error)


def glyph_ids(widths: pikepdf.Array) -> set[int]:
    """The CIDs a /W array gives widths for: `c [w ...]` and `first last w` entries."""
    found: set[int] = set()
    items, i = list(widths), 0
    while i < len(items):
        first = int(items[i])
        if isinstance(items[i + 1], pikepdf.Array):
            found.update(range(first, first + len(items[i + 1])))
            i += 2
        else:
            found.update(range(first, int(items[i + 1]) + 1))
            i += 3
    return found


@functools.cache
def original_face(postscript_name: str) -> tuple[str, int] | None:
    """The file and face index of the installed font of that PostScript name, None when fontconfig knows none."""
    if not POSTSCRIPT_NAME.fullmatch(postscript_name) or not shutil.which("fc-list"):
        return None
    pattern = ":postscriptname=" + FONTCONFIG_SPECIAL.sub(r"\\\1", postscript_name)
    try:
        found = subprocess.run(
            ["fc-list", "-f", "%{file}\t%{index}\n", pattern], capture_output=True, text=True, timeout=10, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    for line in found.splitlines():
        path, _, index = line.partition("\t")
        if not Path(path).is_file():
            continue
        face = hb.Face(hb.Blob.from_file_path(path), int(index or 0))
        if face.get_name(hb.OTNameIdPredefined.POSTSCRIPT_NAME) == postscript_name:
            return path, int(index or 0)
    return None


def _cid_fonts(pdf: pikepdf.Pdf) -> list[pikepdf.Dictionary]:
    """The descendant fonts of the PDF's composite fonts."""
    kinds = ("/CIDFontType0", "/CIDFontType2")
    return [obj for obj in pdf.objects if isinstance(obj, pikepdf.Dictionary) and obj.get("/Subtype") in kinds]


def _subset(font: pikepdf.Dictionary) -> _Subset:
    """The font's embedded OpenType or TrueType program and the glyph ids it draws; _Unshared when it is not one
    share() can stand for (another kind of program, glyph ids mapped, or a /CIDSet that lists the glyphs)."""
    descriptor = font.get("/FontDescriptor")
    if not isinstance(descriptor, pikepdf.Dictionary) or "/CIDSet" in descriptor:
        raise _Unshared("no font descriptor, or one with a /CIDSet")
    widths = font.get("/W")
    if (
        not isinstance(widths, pikepdf.Array)
        or font.get("/CIDToGIDMap", pikepdf.Name.Identity) != pikepdf.Name.Identity
    ):
        raise _Unshared("no /W array, or CIDs mapped to other glyph ids")
    key = "/FontFile3" if font.Subtype == "/CIDFontType0" else "/FontFile2"
    program = descriptor.get(key)
    if not isinstance(program, pikepdf.Stream) or (key == "/FontFile3" and program.get("/Subtype") != "/OpenType"):
        raise _Unshared(f"no OpenType or TrueType font program in {key}")
    face = hb.Face(hb.Blob(_front(program)))
    name = face.get_name(hb.OTNameIdPredefined.POSTSCRIPT_NAME)
    if not name:
        raise _Unshared("its font program has no PostScript name")
    return _Subset(descriptor, key, program, name, _version(face), face.glyph_count, glyph_ids(widths))


def _front(program: pikepdf.Stream) -> bytes:
    """The font program's bytes up to the end of its FRONT_TABLES: a few hundred bytes of the hundreds of KB
    a subset keeping its glyph ids weighs. All of it when it is not plainly deflated."""
    if program.get("/Filter") != pikepdf.Name.FlateDecode or "/DecodeParms" in program:
        return program.read_bytes()
    inflate = zlib.decompressobj()
    data = inflate.decompress(program.read_raw_bytes(), 12)
    tables = int.from_bytes(data[4:6], "big")
    data += inflate.decompress(inflate.unconsumed_tail, 16 * tables)
    end = len(data)
    for record in range(12, len(data) - 15, 16):
        if data[record : record + 4] in FRONT_TABLES:
            offset, length = (
                int.from_bytes(data[record + 8 : record + 12]),
                int.from_bytes(data[record + 12 : record + 16]),
            )
            end = max(end, offset + length)
    data += inflate.decompress(inflate.unconsumed_tail, end - len(data))
    return data if len(data) == end else program.read_bytes()


def _version(face: hb.Face) -> tuple[str, bytes]:
    return face.get_name(hb.OTNameIdPredefined.VERSION_STRING) or "", face.reference_table("head").data[4:8]


def _share(pdf: pikepdf.Pdf, original: hb.Face, key: str, subsets: list[_Subset]) -> None:
    """Subset original to the glyphs of all subsets of it and embed that in their stead."""
    tables = set(original.table_tags)
    if tables & INSTANCED_TABLES:
        # WeasyPrint embeds a variable font pinned to the weight drawn, or a colour font with its outlines
        # emptied: a subset of the original would draw otherwise.
        raise _Unshared(f"a variable or colour font ({', '.join(sorted(tables & INSTANCED_TABLES))})")
    # A part laid out before the installed font was upgraded embeds another version, whose glyph ids may differ.
    version, count = _version(original), original.glyph_count
    alike = [s for s in subsets if s.version == version and max(s.gids, default=0) < s.glyph_count <= count]
    if len(alike) < len(subsets):
        LOGGER.warning("%d subsets left unshared: not of the installed version", len(subsets) - len(alike))
    if len({subset.program.objgen for subset in alike}) < 2:
        return
    wanted = hb.SubsetInput()
    wanted.flags = FLAGS
    wanted.glyph_set.update({0}.union(*(subset.gids for subset in alike)))
    for tag in DROPPED_TABLES:
        wanted.drop_table_tag_set.add(int.from_bytes(tag, "big"))
    data = hb.subset(original, wanted).blob.data
    if not data:
        raise ValueError("HarfBuzz made an empty subset")
    program = pikepdf.Stream(pdf, zlib.compress(data))
    program.Filter = pikepdf.Name.FlateDecode
    if key == "/FontFile3":
        program.Subtype = pikepdf.Name.OpenType
    else:
        program.Length1 = len(data)
    program = pdf.make_indirect(program)
    for subset in alike:
        subset.descriptor[key] = program
