"""ZIP archives of bundles: written by streaming files in, read back with every member hashed."""

from __future__ import annotations

import hashlib
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterable

from .domain.manifest import FileEntry

CHUNK = 1 << 20
# Photos and PDFs are compressed already; deflating them again costs time and saves nothing.
STORED_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".heic", ".heif", ".pdf", ".xlsx")


def _compression(name: str) -> int:
    return zipfile.ZIP_STORED if name.lower().endswith(STORED_SUFFIXES) else zipfile.ZIP_DEFLATED


def hash_stream(stream: BinaryIO) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    for block in iter(lambda: stream.read(CHUNK), b""):
        digest.update(block)
        size += len(block)
    return size, digest.hexdigest()


class ArchiveWriter:
    """Adds members one by one, from bytes or from files, without holding the archive in memory."""

    def __init__(self, target: Path):
        self._zip = zipfile.ZipFile(target, "w", allowZip64=True)
        self.entries: list[FileEntry] = []

    def add_bytes(self, name: str, data: bytes, listed: bool = True) -> None:
        self._zip.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), data,
                           compress_type=_compression(name))
        if listed:
            self.entries.append(FileEntry(name, len(data), hashlib.sha256(data).hexdigest()))

    def add_file(self, name: str, source: Path) -> None:
        info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
        info.compress_type = _compression(name)
        digest, size = hashlib.sha256(), 0
        with source.open("rb") as reader, self._zip.open(info, "w", force_zip64=True) as writer:
            for block in iter(lambda: reader.read(CHUNK), b""):
                digest.update(block)
                size += len(block)
                writer.write(block)
        self.entries.append(FileEntry(name, size, digest.hexdigest()))

    def close(self) -> None:
        self._zip.close()


@dataclass
class Members:
    """What a ZIP holds: each readable member's size and SHA-256, the bytes of those asked for, and why any other
    member could not be read (damaged data, or a name that appears twice)."""

    present: dict[str, FileEntry]
    contents: dict[str, bytes]
    unreadable: dict[str, str]


# What reading one damaged member raises: a bad CRC, broken deflate data, data cut short, a compression method
# or an "encrypted" flag flipped into something zipfile does not do.
_MEMBER_DAMAGE = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError)


def read_members(source: Path | BinaryIO, wanted: Iterable[str]) -> Members:
    """Every member streamed and hashed (an empty folder entry aside); raises only when the ZIP itself is unreadable."""
    want = set(wanted)
    found = Members({}, {}, {})
    with zipfile.ZipFile(source) as archive:
        for info in archive.infolist():
            name = info.filename
            if info.is_dir() and info.file_size == 0:
                continue
            if name in found.present or name in found.unreadable:
                found.unreadable[name] = "证据包中有两个同名文件"  # which one a tool extracts is anybody's guess
                found.present.pop(name, None)
                found.contents.pop(name, None)
                continue
            try:
                with archive.open(info) as stream:
                    if name in want:
                        data = stream.read()
                        found.contents[name] = data
                        found.present[name] = FileEntry(name, len(data), hashlib.sha256(data).hexdigest())
                    else:
                        size, digest = hash_stream(stream)
                        found.present[name] = FileEntry(name, size, digest)
            except _MEMBER_DAMAGE:
                found.contents.pop(name, None)
                found.unreadable[name] = "文件已损坏，无法读出（压缩数据或 CRC 校验错误）"
    return found
