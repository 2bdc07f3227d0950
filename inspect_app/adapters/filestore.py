"""Files on disk, addressed by their SHA-256: a stored file never changes, and no name a user gave becomes a path."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import Iterator

_KEY = re.compile(r"([0-9a-f]{2})/([0-9a-f]{2})/([0-9a-f]{64})\.([a-z0-9]{1,8})")
_SUFFIX = re.compile(r"[a-z0-9]{1,8}")


class MissingFile(FileNotFoundError):
    """A row names a stored file that is not in the store (lost from the disk, or a restore without it)."""

    def __init__(self, key: str) -> None:
        super().__init__(f"stored file missing: {key}")
        self.key = key


def key_for(digest: str, suffix: str) -> str:
    """The key of content with this SHA-256 and suffix (`ab/cd/<sha256>.<suffix>`)."""
    if not _SUFFIX.fullmatch(suffix):
        raise ValueError(f"invalid suffix: {suffix!r}")
    return f"{digest[:2]}/{digest[2:4]}/{digest}.{suffix}"


class FileStore:
    """A directory of content-addressed files, keyed `ab/cd/<sha256>.<suffix>`."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def put(self, data: bytes, suffix: str) -> str:
        """Store the bytes (atomically and durably) and return their key; storing them again changes nothing."""
        digest = hashlib.sha256(data).hexdigest()
        key = key_for(digest, suffix)
        target = self.path(key)
        # Re-check rather than trust the name: a file cut short by a crash or a bad disk gets rewritten.
        if target.is_file() and sha256_of(target) == digest:
            return key
        target.parent.mkdir(parents=True, exist_ok=True)
        # A temp file in the same directory, so os.replace is an atomic rename on the same file system:
        # readers see the whole file or none, never a half-written one.
        handle, temp_name = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=f".{suffix}")
        try:
            with os.fdopen(handle, "wb") as temp:
                temp.write(data)
                temp.flush()
                os.fsync(temp.fileno())
            os.replace(temp_name, target)
        except BaseException:
            Path(temp_name).unlink(missing_ok=True)
            raise
        _fsync_directory(target.parent)  # makes the rename itself survive a power cut
        return key

    def put_file(self, source: Path, suffix: str, key: str | None = None) -> str:
        """Move a finished file (on the same file system) into the store without reading it into memory.

        `key`, when the caller hashed the file already, spares reading it a second time."""
        key = key or key_for(sha256_of(source), suffix)
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        with source.open("rb") as stream:
            os.fsync(stream.fileno())
        os.replace(source, target)
        _fsync_directory(target.parent)
        return key

    def path(self, key: str) -> Path:
        """The file's path for a well-formed key; ValueError for anything else."""
        match = _KEY.fullmatch(key) if isinstance(key, str) else None
        if match is None or match[3][:2] != match[1] or match[3][2:4] != match[2]:
            raise ValueError(f"invalid file key: {key!r}")
        return self.root / key

    def existing(self, key: str) -> Path:
        """The path of a file that is there; MissingFile when it is not."""
        path = self.path(key)
        if not path.is_file():
            raise MissingFile(key)
        return path

    def read(self, key: str) -> bytes:
        """The stored bytes; MissingFile when the file is missing."""
        try:
            return self.path(key).read_bytes()
        except FileNotFoundError:
            raise MissingFile(key) from None

    def exists(self, key: str) -> bool:
        """True when a file is stored under the key."""
        return self.path(key).is_file()

    def delete(self, key: str) -> None:
        """Remove the file; a file already gone is fine."""
        self.path(key).unlink(missing_ok=True)

    def keys(self) -> Iterator[str]:
        """Every complete file in the store, by key (temporary files and anything else there are skipped)."""
        for path in sorted(self.root.glob("[0-9a-f][0-9a-f]/[0-9a-f][0-9a-f]/*")):
            key = path.relative_to(self.root).as_posix()
            if _KEY.fullmatch(key) and path.is_file():
                yield key

    def modified_at(self, key: str) -> float | None:
        """When the file was written (seconds since the epoch), or None when it is not there."""
        try:
            return self.path(key).stat().st_mtime
        except FileNotFoundError:
            return None

    def remove_leftovers(self, older_than: float) -> list[str]:
        """Remove temporary files that a write cut short left behind, if last touched before `older_than`."""
        removed = []
        for path in [*self.root.glob(".tmp-*"), *self.root.glob("*/*/.tmp-*")]:
            try:
                if path.stat().st_mtime < older_than:
                    path.unlink()
                    removed.append(path.relative_to(self.root).as_posix())
            except FileNotFoundError:
                continue
        return removed


_SHA = re.compile(r"[0-9a-f]{64}")
_USER = re.compile(r"[0-9]{1,12}")


class PartialUploads:
    """Part files of chunked uploads, one per user and SHA-256, appended in order and checked at the end."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def path(self, user_id: int, sha256: str) -> Path:
        if not isinstance(user_id, int) or not _SHA.fullmatch(sha256):
            raise ValueError("invalid upload")
        return self.root / str(user_id) / f"{sha256}.part"

    def size(self, user_id: int, sha256: str) -> int:
        """Bytes on disk so far (0 when nothing arrived)."""
        path = self.path(user_id, sha256)
        return path.stat().st_size if path.exists() else 0

    def append(self, user_id: int, sha256: str, offset: int, data: bytes) -> int:
        """Write `data` at `offset`, which must be the current end; returns the new size."""
        path = self.path(user_id, sha256)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("r+b" if path.exists() else "wb") as stream:
            # A chunk cut off earlier may have left bytes past what the database counts: drop them.
            stream.truncate(offset)
            stream.seek(offset)
            stream.write(data)
        # No fsync per chunk: the size on disk is believed over the database's count (sync._reconcile) and the
        # whole is hashed at the end, so a chunk lost in a crash is sent again; `sync` makes the last one durable.
        return offset + len(data)

    def sync(self, user_id: int, sha256: str) -> None:
        """Make a finished part file durable: once, at the end of its upload."""
        with self.path(user_id, sha256).open("rb") as stream:
            os.fsync(stream.fileno())

    def matches(self, user_id: int, sha256: str) -> bool:
        """True when the part file's content has the SHA-256 it was announced with."""
        path = self.path(user_id, sha256)
        return path.exists() and sha256_of(path) == sha256

    def read(self, user_id: int, sha256: str) -> bytes:
        return self.path(user_id, sha256).read_bytes()

    def discard(self, user_id: int, sha256: str) -> None:
        self.path(user_id, sha256).unlink(missing_ok=True)

    def parts(self) -> Iterator[tuple[int, str, float]]:
        """Every part file on disk: (user id, SHA-256, when last written)."""
        for path in self.root.glob("*/*.part"):
            if _USER.fullmatch(path.parent.name) and _SHA.fullmatch(path.stem):
                try:
                    yield int(path.parent.name), path.stem, path.stat().st_mtime
                except FileNotFoundError:
                    continue


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file, read in blocks."""
    with path.open("rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


def _fsync_directory(directory: Path) -> None:
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:  # some platforms (Windows) cannot open a directory; the rename is still atomic
        return
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
