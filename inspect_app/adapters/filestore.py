"""Stored files addressed by their SHA-256: a stored file never changes, and no name a user gave becomes a path or
an object name. The interface, and its embedded backend on this machine's disk."""

from __future__ import annotations

import errno
import hashlib
import os
import re
import secrets
import shutil
import tempfile
from abc import ABC, abstractmethod
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO, ContextManager, Iterable, Iterator, Mapping

_KEY = re.compile(r"([0-9a-f]{2})/([0-9a-f]{2})/([0-9a-f]{64})\.([a-z0-9]{1,8})")
_SUFFIX = re.compile(r"[a-z0-9]{1,8}")
BLOCK = 1024 * 1024


class MissingFile(FileNotFoundError):
    """A row names a stored file that is not in the store (lost from the disk, or a restore without it)."""

    def __init__(self, key: str) -> None:
        super().__init__(f"stored file missing: {key}")
        self.key = key


class StoreUnreachable(OSError):
    """The store did not answer a read (a bucket out of reach, a connection cut): nothing is wrong with the file."""


def check_key(key: str) -> str:
    """The key itself when well formed (`ab/cd/<sha256>.<suffix>`, the folders the hash's own); ValueError if not."""
    match = _KEY.fullmatch(key) if isinstance(key, str) else None
    if match is None or match[3][:2] != match[1] or match[3][2:4] != match[2]:
        raise ValueError(f"invalid file key: {key!r}")
    return key


def digest_of(key: str) -> str:
    """The SHA-256 a file stored under a well-formed key must have: the one the key is named after."""
    return check_key(key).rsplit("/", 1)[1].split(".", 1)[0]


def suffix_of(key: str) -> str:
    return check_key(key).rsplit(".", 1)[1]


def key_for(digest: str, suffix: str) -> str:
    """The key of content with this SHA-256 and suffix (`ab/cd/<sha256>.<suffix>`)."""
    if not _SUFFIX.fullmatch(suffix):
        raise ValueError(f"invalid suffix: {suffix!r}")
    return f"{digest[:2]}/{digest[2:4]}/{digest}.{suffix}"


class FileStore(ABC):
    """Content-addressed files, keyed `ab/cd/<sha256>.<suffix>`: on this machine's disk (DiskStore, the embedded
    default) or in an S3-compatible bucket (objectstore.ObjectStore). Nothing outside the adapters knows which."""

    @abstractmethod
    def put(self, data: bytes, suffix: str) -> str:
        """Store the bytes (atomically and durably) and return their key; storing them again changes nothing."""

    @abstractmethod
    def put_file(self, source: Path, suffix: str, key: str | None = None) -> str:
        """Move a finished local file into the store without reading it into memory (the source is gone after).

        `key`, when the caller hashed the file already, spares reading it a second time."""

    @abstractmethod
    def put_stream(self, stream: BinaryIO, key: str) -> bool:
        """Store what `stream` yields under `key` if it has the key's SHA-256; False when it was stored already.

        Refused (ValueError, nothing stored under the key) when the bytes do not match the key."""

    @abstractmethod
    def open(self, key: str) -> BinaryIO:
        """The stored bytes as a seekable stream, never all in memory (a bucket's object is read by ranges as the
        reader goes: a ZIP's manifest is read without the rest); MissingFile when the file is missing."""

    @abstractmethod
    def local_path(self, key: str) -> Path:
        """A file on this machine with the stored bytes, for tools that want a path (a PDF layout, a ZIP reader).

        The disk store's own file; the object store's verified copy in its local cache. MissingFile if missing."""

    @abstractmethod
    def size(self, key: str) -> int:
        """The stored file's size in bytes; MissingFile when the file is missing."""

    @abstractmethod
    def exists(self, key: str) -> bool:
        """True when a file is stored under the key."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove the file; a file already gone is fine."""

    @abstractmethod
    def keys(self) -> Iterator[str]:
        """Every complete file in the store, by key (temporary files and anything else there are skipped)."""

    @abstractmethod
    def modified_at(self, key: str) -> float | None:
        """When the file was written (seconds since the epoch), or None when it is not there."""

    @abstractmethod
    def remove_leftovers(self, older_than: float) -> list[str]:
        """Remove what writes cut short left behind (and local copies unused) since before `older_than`."""

    def warm_up(self) -> None:
        """Load now what the first use would (a client library), where processes forked later share it."""

    def file_here(self, key: str) -> Path | None:
        """The stored file itself when it is a file on this machine (the disk store), else None: no copy is made."""
        return None

    def tidy_local(self, older_than: float) -> list[str]:
        """Remove what this machine keeps for the store (local copies) unused since before `older_than`."""
        return []

    @abstractmethod
    def holding(self) -> ContextManager[Holding]:
        """Copies of stored files that outlive their deletion while the context lasts (a backup's snapshot)."""

    @abstractmethod
    def describe(self) -> str:
        """Where the files are, for an operator (in Chinese)."""

    def open_to_anyone(self, key: str) -> bool:
        """True when the stored file can be read without the store's keys (a bucket made public by mistake)."""
        return False

    def read(self, key: str) -> bytes:
        """The stored bytes; MissingFile when the file is missing."""
        with self.open_whole(key) as stream:
            return stream.read()

    def copy_to(self, key: str, target: Path) -> None:
        """Write the stored bytes to a new file at `target`, streamed."""
        with self.open_whole(key) as stream, target.open("wb") as out:
            shutil.copyfileobj(stream, out, BLOCK)

    def open_whole(self, key: str) -> BinaryIO:
        """The stored bytes as a stream to be read start to end (no seeking); MissingFile when missing."""
        return self.open(key)


class Holding(ABC):
    """Files a snapshot's rows name, held so that a row deleted meanwhile does not take them from the backup."""

    @abstractmethod
    def hold(self, keys: Iterable[str]) -> list[str]:
        """Hold every key not held yet; returns the keys whose file is not in the store (any more)."""

    @abstractmethod
    def held(self) -> list[str]:
        """The keys held, in order."""

    @abstractmethod
    def open(self, key: str) -> BinaryIO:
        """A held file's bytes."""

    @abstractmethod
    def size(self, key: str) -> int:
        """A held file's size."""


class DiskStore(FileStore):
    """A directory of content-addressed files: the embedded default."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def describe(self) -> str:
        return f"本机目录 {self.root}"

    def put(self, data: bytes, suffix: str) -> str:
        digest = hashlib.sha256(data).hexdigest()
        key = key_for(digest, suffix)
        target = self.path(key)
        # Re-check rather than trust the name: a file cut short by a crash or a bad disk gets rewritten.
        if target.is_file() and sha256_of(target) == digest:
            return key
        self._write(target, [data])
        return key

    def put_file(self, source: Path, suffix: str, key: str | None = None) -> str:
        key = key or key_for(sha256_of(source), suffix)
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        with source.open("rb") as stream:
            os.fsync(stream.fileno())
        try:
            os.replace(source, target)
        except OSError as error:
            if error.errno != errno.EXDEV:
                raise
            # The source is on another file system (FILE_STORE_PATH elsewhere): copied, then let go.
            with source.open("rb") as stream:
                self.put_stream(stream, key)
            source.unlink()
            return key
        _fsync_directory(target.parent)
        return key

    def put_stream(self, stream: BinaryIO, key: str) -> bool:
        target = self.path(key)
        expected = digest_of(key)
        if target.is_file() and sha256_of(target) == expected:
            return False
        self._write(target, iter(lambda: stream.read(BLOCK), b""), expected)
        return True

    def _write(self, target: Path, blocks: Iterable[bytes], expected: str | None = None) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        # A temp file in the same directory, so os.replace is an atomic rename on the same file system:
        # readers see the whole file or none, never a half-written one.
        handle, temp_name = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=target.suffix)
        try:
            digest = hashlib.sha256()
            with os.fdopen(handle, "wb") as temp:
                for block in blocks:
                    digest.update(block)
                    temp.write(block)
                temp.flush()
                os.fsync(temp.fileno())
            if expected is not None and digest.hexdigest() != expected:
                raise ValueError(f"content does not match its key: {target.name}")
            os.replace(temp_name, target)
        except BaseException:
            Path(temp_name).unlink(missing_ok=True)
            raise
        _fsync_directory(target.parent)  # makes the rename itself survive a power cut

    def path(self, key: str) -> Path:
        """The file's path for a well-formed key; ValueError for anything else."""
        return self.root / check_key(key)

    def open(self, key: str) -> BinaryIO:
        try:
            return self.path(key).open("rb")
        except FileNotFoundError:
            raise MissingFile(key) from None

    def local_path(self, key: str) -> Path:
        path = self.path(key)
        if not path.is_file():
            raise MissingFile(key)
        return path

    def file_here(self, key: str) -> Path | None:
        return self.local_path(key)

    def size(self, key: str) -> int:
        try:
            return self.path(key).stat().st_size
        except FileNotFoundError:
            raise MissingFile(key) from None

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def keys(self) -> Iterator[str]:
        for path in sorted(self.root.glob("[0-9a-f][0-9a-f]/[0-9a-f][0-9a-f]/*")):
            key = path.relative_to(self.root).as_posix()
            if _KEY.fullmatch(key) and path.is_file():
                yield key

    def modified_at(self, key: str) -> float | None:
        try:
            return self.path(key).stat().st_mtime
        except FileNotFoundError:
            return None

    def remove_leftovers(self, older_than: float) -> list[str]:
        removed = []
        for path in [*self.root.glob(".tmp-*"), *self.root.glob("*/*/.tmp-*")]:
            try:
                if path.stat().st_mtime < older_than:
                    path.unlink()
                    removed.append(path.relative_to(self.root).as_posix())
            except FileNotFoundError:
                continue
        for folder in self.root.glob(".backup-*"):  # a backup killed before it cleaned up
            try:
                pid = folder.name.split("-")[1]
                if not (pid.isdigit() and _alive(int(pid))) and folder.stat().st_mtime < older_than:
                    shutil.rmtree(folder)
                    removed.append(folder.name)
            except FileNotFoundError:
                continue
        return removed

    @contextmanager
    def holding(self) -> Iterator[Holding]:
        folder = self.root / f".backup-{os.getpid()}-{secrets.token_hex(6)}"
        folder.mkdir(parents=True)
        try:
            yield DiskHolding(self, folder)
        finally:
            shutil.rmtree(folder, ignore_errors=True)


class DiskHolding(Holding):
    """Hard links, beside the store, to the files a snapshot references: a replaced photo's files are deleted
    once no row points at them, and the link keeps the bytes until they are in the archive."""

    def __init__(self, store: DiskStore, folder: Path) -> None:
        self.store, self.folder = store, folder
        self._held: dict[str, Path] = {}
        self._links = True

    def hold(self, keys: Iterable[str]) -> list[str]:
        missing = []
        for key in keys:
            if key in self._held:
                continue
            source = self.store.path(key)
            if self._links:
                link = self.folder / source.name  # the name holds the whole SHA-256: unique
                try:
                    os.link(source, link)
                    self._held[key] = link
                    continue
                except FileNotFoundError:
                    missing.append(key)
                    continue
                except OSError:  # no hard links on this file system: read from the store itself
                    self._links = False
            if source.is_file():
                self._held[key] = source
            else:
                missing.append(key)
        return missing

    def held(self) -> list[str]:
        return sorted(self._held)

    def open(self, key: str) -> BinaryIO:
        try:
            return self._held[key].open("rb")
        except FileNotFoundError:  # only where the store's file system has no hard links
            raise MissingFile(key) from None

    def size(self, key: str) -> int:
        try:
            return self._held[key].stat().st_size
        except FileNotFoundError:
            raise MissingFile(key) from None


_SHA = re.compile(r"[0-9a-f]{64}")
_USER = re.compile(r"[0-9]{1,12}")


class PartialUploads(ABC):
    """The parts of chunked uploads, one upload per user and SHA-256, appended in order and checked at the end.

    Every server sees the same parts (DiskUploads: one machine's disk; objectstore.ObjectUploads: the bucket),
    so a phone's chunks may reach any of them."""

    @abstractmethod
    def size(self, user_id: int, sha256: str) -> int:
        """Bytes stored so far, from the start without a gap (0 when nothing arrived)."""

    @abstractmethod
    def append(self, user_id: int, sha256: str, offset: int, data: bytes) -> int:
        """Write `data` at `offset`, which must be the current end (anything stored past it is dropped); returns
        the new size."""

    @abstractmethod
    def sync(self, user_id: int, sha256: str) -> None:
        """Make a finished upload durable: once, at the end of its upload."""

    @abstractmethod
    def open(self, user_id: int, sha256: str) -> BinaryIO:
        """The bytes so far, as a stream."""

    @abstractmethod
    def local_file(self, user_id: int, sha256: str) -> Path | None:
        """The upload as a file on this machine that the file store may take over, or None where there is none."""

    @abstractmethod
    def discard(self, user_id: int, sha256: str) -> None:
        """Forget the upload's bytes (nothing there is fine)."""

    @abstractmethod
    def parts(self) -> Iterator[tuple[int, str, float]]:
        """Every upload with bytes stored: (user id, SHA-256, when last written)."""

    def matches(self, user_id: int, sha256: str) -> bool:
        """True when the bytes stored have the SHA-256 the upload was announced with."""
        try:
            with self.open(user_id, sha256) as stream:
                return hashlib.file_digest(stream, "sha256").hexdigest() == sha256
        except FileNotFoundError:
            return False

    def read(self, user_id: int, sha256: str) -> bytes:
        with self.open(user_id, sha256) as stream:
            return stream.read()


def check_upload(user_id: int, sha256: str) -> None:
    if not isinstance(user_id, int) or isinstance(user_id, bool) or not _SHA.fullmatch(sha256 or ""):
        raise ValueError("invalid upload")


class DiskUploads(PartialUploads):
    """Part files on this machine's disk, one per user and SHA-256."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def path(self, user_id: int, sha256: str) -> Path:
        check_upload(user_id, sha256)
        return self.root / str(user_id) / f"{sha256}.part"

    def size(self, user_id: int, sha256: str) -> int:
        path = self.path(user_id, sha256)
        return path.stat().st_size if path.exists() else 0

    def append(self, user_id: int, sha256: str, offset: int, data: bytes) -> int:
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
        with self.path(user_id, sha256).open("rb") as stream:
            os.fsync(stream.fileno())

    def open(self, user_id: int, sha256: str) -> BinaryIO:
        return self.path(user_id, sha256).open("rb")

    def local_file(self, user_id: int, sha256: str) -> Path | None:
        return self.path(user_id, sha256)

    def discard(self, user_id: int, sha256: str) -> None:
        self.path(user_id, sha256).unlink(missing_ok=True)

    def parts(self) -> Iterator[tuple[int, str, float]]:
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


def _alive(pid: int) -> bool:
    """True when a process with this id runs on this machine (a backup holding its files, say)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _fsync_directory(directory: Path) -> None:
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:  # some platforms (Windows) cannot open a directory; the rename is still atomic
        return
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def open_stores(config: Mapping[str, Any]) -> tuple[FileStore, PartialUploads]:
    """The file store and the uploads in flight the settings name: the bucket of FILE_STORE_URL (s3://bucket/prefix)
    when it is set, else the folders FILE_STORE_PATH and UPLOAD_PARTS_PATH on this machine."""
    url = config.get("FILE_STORE_URL")
    if not url:
        return DiskStore(config["FILE_STORE_PATH"]), DiskUploads(config["UPLOAD_PARTS_PATH"])
    from inspect_app.adapters.objectstore import Bucket, BucketSettings, ObjectStore, ObjectUploads

    bucket = Bucket(
        BucketSettings.from_url(
            url,
            endpoint=config.get("FILE_STORE_ENDPOINT"),
            region=config.get("FILE_STORE_REGION") or "us-east-1",
            access_key=config.get("FILE_STORE_ACCESS_KEY"),
            secret_key=config.get("FILE_STORE_SECRET_KEY"),
            addressing=config.get("FILE_STORE_ADDRESSING") or "path",
        )
    )
    return ObjectStore(bucket, config["FILE_STORE_CACHE_PATH"]), ObjectUploads(bucket)
