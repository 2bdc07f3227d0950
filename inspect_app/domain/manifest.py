"""The evidence bundle's manifest: what it lists, and how a bundle's files are checked against it."""

from __future__ import annotations

import json
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


def manifest_json(*, bundle_id: str, version: int, district: dict[str, str], campaign: dict[str, Any],
                  leader: dict[str, str], signed_at: str, files: Iterable[FileEntry],
                  inspections: Iterable[dict[str, Any]] = (), extra: dict[str, Any] | None = None) -> bytes:
    """The manifest's bytes: stable key order, UTF-8, so its signature can be checked by anyone.

    `district` is the city itself for the consolidated city bundle, whose `extra` names its report
    ({"kind": "city", "report": CITY_REPORT, "districts": [...]}).
    """
    body = {
        **(extra or {}),
        "format": FORMAT, "bundle_id": bundle_id, "version": version, "district": district,
        "campaign": campaign, "leader": leader, "signed_at": signed_at,
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


def compare_files(listed: Iterable[FileEntry], present: dict[str, FileEntry],
                  unreadable: Collection[str] = ()) -> list[str]:
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
            problems.append(f"{entry.path}：内容与清单不符（SHA-256 {found.sha256[:12]}…，清单为 {entry.sha256[:12]}…）")
    for path in sorted(set(present) - names - {MANIFEST, SIGNATURE}):
        problems.append(f"{path}：清单中没有的多余文件")
    return problems
