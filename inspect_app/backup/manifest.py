"""The backup's table of contents and the rules an archive must meet before anything is restored from it."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

FORMAT = "inspect-app-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MANIFEST_MAX_BYTES = 256 * 2**20  # a city's worth of members is a few tens of MB of JSON
_TABLE_MEMBER = re.compile(r"tables/([a-z0-9_]+)\.jsonl")
_FILE_MEMBER = re.compile(r"files/(.+)")


class BackupRefused(Exception):
    """The backup or restore stops without changing anything; the message says why, in Chinese."""


@dataclass(frozen=True)
class Member:
    """One member of the archive: its path, size and SHA-256."""

    path: str
    size: int
    sha256: str


@dataclass
class Contents:
    """What a checked manifest promises: the revision, the tables in order with their rows, the files."""

    revision: str
    tables: list[tuple[str, int]]  # (name, rows) in foreign-key order
    files: list[Member] = field(default_factory=list)
    members: dict[str, Member] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)  # files the source had lost: key → the row naming it


def table_member(name: str) -> str:
    """The archive path of a table's JSON lines."""
    return f"tables/{name}.jsonl"


def file_member(key: str) -> str:
    """The archive path of a stored file."""
    return f"files/{key}"


def build(
    created_at: str,
    revision: str | None,
    database: str,
    tables: list[tuple[str, int]],
    members: list[Member],
    missing: dict[str, str] | None = None,
) -> bytes:
    """The manifest's bytes: format, revision, row counts per table, every other member's size and SHA-256, and
    the files rows name that the store did not have (key → the first row naming it)."""
    document = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created_at": created_at,
        "alembic_revision": revision,
        "database": database,
        "tables": [{"name": name, "path": table_member(name), "rows": rows} for name, rows in tables],
        "files": sum(1 for m in members if m.path.startswith("files/")),
        "members": [{"path": m.path, "size": m.size, "sha256": m.sha256} for m in members],
        "missing_files": [{"key": key, "referenced_by": row} for key, row in sorted((missing or {}).items())],
    }
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")


def check(raw: bytes | None, present: dict[str, Member], known_tables: list[str], is_key) -> Contents:
    """The manifest read and every member matched against it; BackupRefused listing what is wrong."""
    if raw is None:
        raise BackupRefused("不是本系统的备份文件：缺少 manifest.json，未恢复任何数据")
    try:
        document = json.loads(raw)
        if document["format"] != FORMAT:
            raise ValueError(document["format"])
        if document["format_version"] != FORMAT_VERSION:
            raise BackupRefused(f"备份格式版本 {document['format_version']} 不受支持，未恢复任何数据")
        listed = [Member(str(m["path"]), int(m["size"]), str(m["sha256"])) for m in document["members"]]
        tables = [(str(t["name"]), int(t["rows"])) for t in document["tables"]]
        revision = str(document["alembic_revision"])
        missing = {str(m["key"]): str(m["referenced_by"]) for m in document.get("missing_files", [])}
    except BackupRefused:
        raise
    except (ValueError, KeyError, TypeError):
        raise BackupRefused("不是本系统的备份文件：manifest.json 无法识别，未恢复任何数据") from None
    problems = _problems(listed, present, tables, known_tables, is_key)
    if problems:
        shown = "；".join(problems[:5]) + (f"；等共 {len(problems)} 处" if len(problems) > 5 else "")
        raise BackupRefused(f"备份文件已损坏或被改动，未恢复任何数据：{shown}")
    files = [m for m in listed if m.path.startswith("files/")]
    return Contents(revision, tables, files, {m.path: m for m in listed}, missing)


def _problems(
    listed: list[Member], present: dict[str, Member], tables: list[tuple[str, int]], known_tables: list[str], is_key
) -> list[str]:
    problems = []
    names = [name for name, _ in tables]
    if sorted(names) != sorted(known_tables) or len(set(names)) != len(names):
        problems.append("数据表与本系统的不一致")
    paths = [m.path for m in listed]
    if len(set(paths)) != len(paths):
        problems.append("清单中有重复的成员")
    for member in listed:
        if not _well_formed(member.path, names, is_key):
            problems.append(f"{member.path} 不是备份应有的成员")
        elif member.path not in present:
            problems.append(f"缺少 {member.path}")
        elif present[member.path].size != member.size:
            problems.append(f"{member.path} 的大小与清单不符")
        elif present[member.path].sha256 != member.sha256:
            problems.append(f"{member.path} 的 SHA-256 与清单不符")
    for path in sorted(set(present) - set(paths) - {MANIFEST}):
        problems.append(f"{path} 不在清单中")
    for name in names:
        if table_member(name) not in paths:
            problems.append(f"缺少数据表 {name}")
    return problems


def _well_formed(path: str, tables: list[str], is_key) -> bool:
    table = _TABLE_MEMBER.fullmatch(path)
    if table:
        return table[1] in tables
    stored = _FILE_MEMBER.fullmatch(path)
    return stored is not None and bool(is_key(stored[1]))
