"""The evidence bundle's manifest: what it lists, and how a bundle's files are checked against it."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Collection, Iterable

MANIFEST = "manifest.json"
SIGNATURE = "manifest.p7s"
REPORT = "report.pdf"
DIRECTORY = "directory.xlsx"
# The city's consolidated bundle has the same shape under its own names (its manifest names its report).
CITY_REPORT = "city-report.pdf"
CITY_DIRECTORY = "city-directory.xlsx"
FORMAT = "ordos-12315-bundle/1"


@dataclass(frozen=True)
class FileEntry:
    path: str
    size: int
    sha256: str


def manifest_json(
    *,
    bundle_id: str,
    version: int,
    district: dict[str, str],
    campaign: dict[str, Any],
    leader: dict[str, str],
    signed_at: str,
    files: Iterable[FileEntry],
    inspections: Iterable[dict[str, Any]] = (),
    extra: dict[str, Any] | None = None,
    audit: dict[str, Any] | None = None,
) -> bytes:
    """The manifest's bytes: stable key order, UTF-8, so its signature can be checked by anyone.

    `district` is the city itself for the consolidated city bundle, whose `extra` names its report
    ({"kind": "city", "report": CITY_REPORT, "districts": [...]}). `audit` is the audit chain's head when it was
    signed ({"entries": n, "hash": h}): a copy the city holds, which a rewritten history can no longer match.
    """
    body = {
        **(extra or {}),
        **({"audit": dict(audit)} if audit else {}),
        "format": FORMAT,
        "bundle_id": bundle_id,
        "version": version,
        "district": district,
        "campaign": campaign,
        "leader": leader,
        "signed_at": signed_at,
        "files": [{"path": f.path, "size": f.size, "sha256": f.sha256} for f in sorted(files, key=lambda f: f.path)],
        "inspections": list(inspections),
    }
    return json.dumps(body, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")


def parse_manifest(data: bytes) -> dict[str, Any]:
    """The manifest's content; ValueError (Chinese) when it is not a manifest at all."""
    try:
        body = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:  # nested deeper than Python goes
        raise ValueError("manifest.json 不是有效的 JSON") from error
    if not isinstance(body, dict) or body.get("format") != FORMAT or not isinstance(body.get("files"), list):
        raise ValueError("manifest.json 不是本系统的证据包清单")
    return body


def report_name(manifest: dict[str, Any]) -> str:
    """The signed PDF the manifest's bundle carries: report.pdf, or the city bundle's own report."""
    return CITY_REPORT if manifest.get("report") == CITY_REPORT else REPORT


def compare_files(
    listed: Iterable[FileEntry], present: dict[str, FileEntry], unreadable: Collection[str] = ()
) -> list[str]:
    """Every difference between the files the manifest lists and those in the archive, in Chinese (the members
    that could not be read are named elsewhere, with why)."""
    problems: list[str] = []
    listed = list(listed)
    names = {entry.path for entry in listed}
    for entry in listed:
        found = present.get(entry.path)
        if entry.path in unreadable:
            continue
        if found is None:
            problems.append(f"{entry.path}：清单中列出的文件缺失")
        elif found.size != entry.size or found.sha256 != entry.sha256:
            problems.append(
                f"{entry.path}：内容与清单不符（SHA-256 {found.sha256[:12]}…，清单为 {entry.sha256[:12]}…）"
            )
    for path in sorted(set(present) - names - {MANIFEST, SIGNATURE}):
        problems.append(f"{path}：清单中没有的多余文件")
    return problems


# Names a bundle may hold: relative paths of plain segments. Anything else can land outside the folder it is
# unpacked into (zip slip), or mean different files to different tools.
_DRIVE = re.compile(r"[A-Za-z]:")


def name_problem(name: str) -> str | None:
    """Why a member name may not stand in a bundle, in Chinese; None when it may (a folder entry's "/" aside)."""
    path = name.removesuffix("/")
    if not path:
        return "文件名为空"
    if any(ord(c) < 32 or ord(c) == 127 for c in path):
        return "文件名含控制字符"
    if "\\" in path:
        return "文件名含反斜杠（Windows 的路径分隔符），解压时可能写到别的文件夹"
    if path.startswith("/") or _DRIVE.match(path):
        return "文件名是绝对路径，解压时会写到证据包之外"
    segments = path.split("/")
    if ".." in segments:
        return "文件名含有“..”路径段，解压时会写到证据包之外"
    if "" in segments or "." in segments:
        return "文件名含有空的路径段或“.”路径段"
    return None


def name_collision(name: str, earlier: dict[str, str]) -> str | None:
    """Why `name` clashes with one already seen (`earlier` maps casefolded names to names and is updated)."""
    key = name.casefold()
    if key not in earlier:
        earlier[key] = name
        return None
    first = earlier[key]
    if first == name:
        return "证据包中有两个同名文件"
    return f"与 {first} 仅大小写不同，在 Windows 和 macOS 上解压会互相覆盖"


def listing_problems(paths: Iterable[str]) -> list[str]:
    """What is wrong with the names the manifest lists: a name no bundle may hold, a file listed twice."""
    problems, seen = [], set()
    for path in paths:
        reason = name_problem(path)
        if reason:
            problems.append(f"{MANIFEST}：清单中的文件名 {path!r} 不可接受（{reason}）")
        if path in seen:
            problems.append(f"{MANIFEST}：清单中 {path} 列出了两次")
        seen.add(path)
    return problems
