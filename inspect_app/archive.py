"""ZIP archives of bundles: written by streaming files in, read back with every member hashed."""

from __future__ import annotations

import hashlib
import zipfile
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


def read_members(source: Path | BinaryIO, wanted: Iterable[str]) -> tuple[dict[str, FileEntry], dict[str, bytes]]:
    """Every member's size and SHA-256 (streamed), and the bytes of the few members asked for."""
    want = set(wanted)
    present: dict[str, FileEntry] = {}
    contents: dict[str, bytes] = {}
    with zipfile.ZipFile(source) as archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            with archive.open(info) as stream:
                if info.filename in want:
                    data = stream.read()
                    contents[info.filename] = data
                    present[info.filename] = FileEntry(info.filename, len(data), hashlib.sha256(data).hexdigest())
                else:
                    size, digest = hash_stream(stream)
                    present[info.filename] = FileEntry(info.filename, size, digest)
    return present, contents
