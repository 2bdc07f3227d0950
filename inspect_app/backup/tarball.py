"""The archive edge: one plain tar written front to back and read back member by member, hashing as it goes."""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
import time
from pathlib import Path
from typing import IO, BinaryIO, Iterator, cast

from inspect_app.backup.manifest import MANIFEST, MANIFEST_MAX_BYTES, BackupRefused, Member

BLOCK = 1 << 20


class _HashingWriter:
    """The file the tar goes into, hashing every byte on its way (so the archive is never read again)."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream, self.digest, self.size = stream, hashlib.sha256(), 0

    def write(self, data: bytes) -> int:
        """Pass the bytes on, counted and hashed."""
        self.digest.update(data)
        self.size += len(data)
        return self.stream.write(data)


class _HashingReader:
    """A member's bytes on their way into the tar, hashed and counted."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream, self.digest, self.size = stream, hashlib.sha256(), 0

    def read(self, size: int = -1) -> bytes:
        """Read from the stream, counting and hashing what comes."""
        data = self.stream.read(size)
        self.digest.update(data)
        self.size += len(data)
        return data


class ArchiveWriter:
    """A new tar at `path`, written as a stream (never seeking, never held in memory)."""

    def __init__(self, path: Path) -> None:
        self._file = path.open("xb")
        self._out = _HashingWriter(self._file)
        # typeshed wants a seekable file and misses copybufsize (passed on to TarFile); a stream mode needs neither.
        self._tar = tarfile.open(  # type: ignore[call-overload]
            fileobj=self._out, mode="w|", format=tarfile.PAX_FORMAT, bufsize=BLOCK, copybufsize=BLOCK
        )
        self._mtime = int(time.time())
        self.members: list[Member] = []

    def add_stream(self, name: str, stream: BinaryIO, size: int) -> Member:
        """Add `size` bytes read from `stream` under `name`; returns the member with its SHA-256."""
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode = size, self._mtime, 0o644
        reader = _HashingReader(stream)
        self._tar.addfile(info, reader)  # raises when the stream ends before `size` bytes
        member = Member(name, size, reader.digest.hexdigest())
        self.members.append(member)
        return member

    def add_file(self, name: str, path: Path) -> Member:
        """Add a file; once it is open, deleting it elsewhere no longer matters."""
        with path.open("rb") as stream:
            return self.add_stream(name, stream, os.fstat(stream.fileno()).st_size)

    def add_bytes(self, name: str, data: bytes) -> Member:
        """Add a small member from memory (the manifest)."""
        return self.add_stream(name, io.BytesIO(data), len(data))

    def close(self) -> tuple[int, str]:
        """Finish the tar and make it durable; returns its size and SHA-256."""
        self._tar.close()
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        return self._out.size, self._out.digest.hexdigest()

    def abandon(self) -> None:
        """Close without finishing (the caller removes the file)."""
        self._file.close()


def scan(path: Path) -> tuple[dict[str, Member], bytes | None, int, str]:
    """Read the whole archive once: every member's size and SHA-256, the manifest, the archive's size and hash."""
    present: dict[str, Member] = {}
    manifest = None
    with path.open("rb") as raw:
        reader = _HashingReader(raw)
        try:
            with tarfile.open(fileobj=reader, mode="r|", bufsize=BLOCK) as tar:  # type: ignore[call-overload]
                for info in tar:
                    if not info.isreg():
                        raise BackupRefused(f"备份文件中有不该有的成员 {info.name}，未恢复任何数据")
                    if info.name in present:
                        raise BackupRefused(f"备份文件中 {info.name} 出现了两次，未恢复任何数据")
                    stream = tar.extractfile(info)
                    assert stream is not None  # a regular member always has one
                    if info.name == MANIFEST and info.size <= MANIFEST_MAX_BYTES:
                        manifest = stream.read()
                        digest, size = hashlib.sha256(manifest).hexdigest(), len(manifest)
                    else:
                        digest, size = _hash(stream)
                    present[info.name] = Member(info.name, size, digest)
        except tarfile.TarError as error:
            raise BackupRefused(f"备份文件已损坏，无法读取（{error}），未恢复任何数据") from None
        for _ in iter(lambda: reader.read(BLOCK), b""):  # the end-of-archive blocks, for the archive's hash
            pass
    return present, manifest, reader.size, reader.digest.hexdigest()


def _hash(stream: IO[bytes]) -> tuple[str, int]:
    digest = hashlib.file_digest(cast(io.BufferedReader, stream), "sha256")  # tarfile's ExFileObject is one
    return digest.hexdigest(), stream.tell()  # a member read to its end: where it stopped is its size


class ArchiveReader:
    """Random access to the members of a tar that `scan` has checked."""

    def __init__(self, path: Path) -> None:
        try:
            self._tar = tarfile.open(path, mode="r:")
        except tarfile.TarError as error:
            raise BackupRefused(f"备份文件已损坏，无法读取（{error}）") from None

    def blocks(self, name: str) -> Iterator[bytes]:
        """The member's bytes in blocks."""
        stream = self._tar.extractfile(name)
        assert stream is not None  # `scan` let regular members only through
        yield from iter(lambda: stream.read(BLOCK), b"")

    def close(self) -> None:
        """Close the archive."""
        self._tar.close()
