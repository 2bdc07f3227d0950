"""Stored files and uploads in flight in an S3-compatible bucket (a government cloud's OSS, or any S3 server), so
that several app servers and the worker share them. The only module that talks to the bucket (through boto3).

Layout under the bucket's prefix: `files/<key>` for stored files (content-addressed as on disk), `uploads/<user>/
<sha256>/<offset>` for the chunks of an upload in flight (one object a chunk: a phone's next chunk may reach
another server), `held/<token>/<name>` for the copies a backup holds while it runs. Nothing is made public: every
read goes through the app after its permission check.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import secrets
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Iterable, Iterator
from urllib.parse import urlsplit

from inspect_app.adapters.filestore import (
    BLOCK,
    FileStore,
    Holding,
    MissingFile,
    PartialUploads,
    StoreUnreachable,
    check_key,
    check_upload,
    digest_of,
    key_for,
    sha256_of,
)

# Objects up to this size go up in one request; bigger ones (a district's bundle ZIP of gigabytes) in parts of
# this size, a few at a time, read from the file as they go: never the whole in memory.
PART_BYTES = 16 * 2**20
PART_THREADS = 4
# A stored object is read in ranged GETs: the first after a seek asks for this much, each following one for twice
# the last, up to the most (a sequential read of a whole bundle then takes a request per 64 MB).
WINDOW_MIN = 64 * 1024
WINDOW_MAX = 64 * 2**20
# A skip forward up to this far is read through in the open GET rather than begun again in a new one.
SKIP_THROUGH = 256 * 1024


@dataclass(frozen=True)
class BucketSettings:
    """Where the bucket is and how to reach it (FILE_STORE_URL=s3://bucket/prefix and FILE_STORE_* settings)."""

    bucket: str
    prefix: str
    endpoint: str | None
    region: str
    access_key: str | None
    secret_key: str | None
    addressing: str = "path"

    @classmethod
    def from_url(cls, url: str, **settings: Any) -> BucketSettings:
        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.netloc:
            raise ValueError(f"not an s3:// address: {url!r}")
        prefix = parts.path.strip("/")
        if prefix and any(segment in ("", ".", "..") for segment in prefix.split("/")):
            # Some servers resolve `a/../b` or fold `a//b`: two spellings of one folder, or a folder outside ours.
            raise ValueError(f"the prefix may not hold empty, '.' or '..' segments: {url!r}")
        endpoint = settings.get("endpoint")
        if endpoint is not None and urlsplit(endpoint).scheme not in ("http", "https"):
            raise ValueError(f"the endpoint must start with http:// or https:// (got {endpoint!r})")
        return cls(bucket=parts.netloc, prefix=f"{prefix}/" if prefix else "", **settings)


class Bucket:
    """The bucket, its prefix and a client made once per process (a client must not cross a fork)."""

    def __init__(self, settings: BucketSettings) -> None:
        self.settings = settings
        self.name = settings.bucket
        self.prefix = settings.prefix
        self._client: Any = None
        self._pid = 0
        self._lock = threading.Lock()
        self._session: Any = None

    def warm_up(self) -> None:
        """Load boto3 and the S3 service model now (in gunicorn's master, before the workers are forked): each
        worker then makes its own client from this session, sharing the tens of MB the model takes."""
        _ = self.client

    @property
    def client(self) -> Any:
        if self._client is None or self._pid != os.getpid():
            with self._lock:
                if self._client is None or self._pid != os.getpid():
                    self._client, self._pid = self._connect(), os.getpid()
        return self._client

    def _connect(self) -> Any:
        import boto3
        from botocore.config import Config

        s = self.settings
        if self._session is None:
            self._session = boto3.session.Session()
        client = self._session.client(
            "s3",
            endpoint_url=s.endpoint,
            region_name=s.region,
            aws_access_key_id=s.access_key,
            aws_secret_access_key=s.secret_key,
            config=Config(
                # Checksums only where S3 requires them: many S3-compatible servers refuse the newer trailers.
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
                s3={"addressing_style": s.addressing},
                retries={"max_attempts": 5, "mode": "standard"},
                connect_timeout=10,
                read_timeout=60,
                max_pool_connections=16,
            ),
        )
        # A multi-object delete must carry Content-MD5 for many S3-compatible servers (Aliyun OSS, MinIO's
        # lineage); boto3 sends a CRC32 there since 1.36.
        client.meta.events.register("before-call.s3.DeleteObjects", _content_md5)
        return client

    def transfer(self) -> Any:
        from boto3.s3.transfer import TransferConfig

        return TransferConfig(
            multipart_threshold=PART_BYTES,
            multipart_chunksize=PART_BYTES,
            max_concurrency=PART_THREADS,
            io_chunksize=BLOCK,
        )

    def head(self, name: str) -> dict[str, Any] | None:
        try:
            with _reaching(f"asking the bucket for {name}"):
                return self.client.head_object(Bucket=self.name, Key=name)
        except Exception as error:
            if _missing(error):
                return None
            raise

    def get(self, name: str) -> BinaryIO:
        return io.BufferedReader(_BodyReader(self.body(name)), BLOCK)

    def body(self, name: str, first: int | None = None, last: int | None = None) -> Any:
        """The object's bytes (`first` to `last` inclusive, when given) as boto3's stream; FileNotFoundError if
        there is no such object."""
        extra = {"Range": f"bytes={first}-{last}"} if first is not None else {}
        try:
            with _reaching(f"reading {name} from the bucket"):
                return self.client.get_object(Bucket=self.name, Key=name, **extra)["Body"]
        except Exception as error:
            if _missing(error):
                raise FileNotFoundError(name) from None
            raise

    def put_bytes(self, name: str, data: bytes) -> None:
        md5 = base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode()
        with _reaching(f"writing {name} to the bucket"):
            self.client.put_object(Bucket=self.name, Key=name, Body=data, ContentMD5=md5)

    def put_path(self, name: str, path: Path) -> None:
        # One request for a small file, else a multipart upload that is aborted if it fails: either way, no
        # object appears under the name before all of it is there.
        with _reaching(f"writing {name} to the bucket"):
            self.client.upload_file(str(path), self.name, name, Config=self.transfer())

    def listing(self, prefix: str) -> Iterator[dict[str, Any]]:
        with _reaching(f"listing {prefix} in the bucket"):
            pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.name, Prefix=prefix)
            for page in pages:
                # Servers over a file system (JuiceFS, say) may list an emptied folder as a key ending in "/".
                yield from (item for item in page.get("Contents", ()) if not item["Key"].endswith("/"))

    def delete_all(self, names: list[str]) -> None:
        for start in range(0, len(names), 1000):
            batch = [{"Key": n} for n in names[start : start + 1000]]
            if batch:
                with _reaching("deleting from the bucket"):
                    answer = self.client.delete_objects(Bucket=self.name, Delete={"Objects": batch, "Quiet": True})
                failed = [e for e in answer.get("Errors", ()) if not _missing_code(str(e.get("Code", "")))]
                if failed:  # a chunk left behind would feed the next hash check: never pass over it
                    raise OSError(f"could not delete {failed[0].get('Key')}: {failed[0].get('Code')}")

    def delete(self, name: str) -> None:
        with _reaching(f"deleting {name} from the bucket"):
            self.client.delete_object(Bucket=self.name, Key=name)


def _content_md5(params: dict[str, Any], **_: Any) -> None:
    body = params.get("body") or b""
    if isinstance(body, bytes):
        params["headers"]["Content-MD5"] = base64.b64encode(hashlib.md5(body, usedforsecurity=False).digest()).decode()


def _denied(error: Exception) -> bool:
    response = getattr(error, "response", None)
    code = str(response.get("Error", {}).get("Code", "")) if isinstance(response, dict) else ""
    return code in ("403", "AccessDenied", "AllAccessDisabled", "InvalidAccessKeyId", "SignatureDoesNotMatch")


@contextmanager
def _reaching(what: str) -> Iterator[None]:
    """Raise StoreUnreachable for a failure on the way to the bucket while doing `what`: every page and API call
    then answers 503 in Chinese (the phone keeps what it sent and tries again) instead of a 500."""
    try:
        yield
    except StoreUnreachable:
        raise
    except Exception as error:
        if _out_of_reach(error):
            raise StoreUnreachable(f"{what} failed: {error}") from error
        raise


def _out_of_reach(error: BaseException | None) -> bool:
    """A failure of the way to the bucket, after the client's retries (no connection, a timeout, a cut, the server
    busy or failing), as against an answer about the object (missing, refused). boto3's transfers wrap the
    client's error (S3UploadFailedError, RetriesExceededError): the cause is looked for behind them."""
    from botocore.exceptions import ConnectionError as NoConnection
    from botocore.exceptions import HTTPClientError, IncompleteReadError

    seen = 0
    while error is not None and seen < 4:
        if isinstance(error, (NoConnection, HTTPClientError, IncompleteReadError)):
            return True  # not missing keys or a bad setting (NoCredentialsError, ...): the operator's to fix
        response = getattr(error, "response", None)
        status = response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) if isinstance(response, dict) else 0
        if isinstance(status, int) and status >= 500:
            return True
        error = getattr(error, "last_exception", None) or error.__cause__ or error.__context__
        seen += 1
    return False


def _missing(error: Exception) -> bool:
    response = getattr(error, "response", None)
    if not isinstance(response, dict):
        return False
    return _missing_code(str(response.get("Error", {}).get("Code", "")))


def _missing_code(code: str) -> bool:
    return code in ("404", "NoSuchKey", "NotFound")


class _BodyReader(io.RawIOBase):
    """An object's body as a raw stream (for buffered reads, hashing and Werkzeug's file responses)."""

    def __init__(self, body: Any) -> None:
        self._body = body

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        with _reaching("reading from the bucket"):
            data = self._body.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._body.close()
        super().close()


class _RangedReader(io.RawIOBase):
    """An object read by ranges, seekable: a ZIP's directory and manifest are read without the rest of a bundle of
    gigabytes, and a download resumes where it broke off. Reads that follow each other go on in one ranged GET at a
    time, each window twice the last (WINDOW_MIN to WINDOW_MAX); a short skip forward (a ZIP reader stepping over
    the next member's header) is read through in the open GET; a seek elsewhere starts again with a small window."""

    def __init__(self, bucket: Bucket, name: str, key: str, size: int) -> None:
        self._bucket, self._name, self._key, self._size = bucket, name, key, size
        self._pos = 0
        self._body: Any = None
        self._body_at = self._body_end = -1  # where the open GET stands and ends; where the last one ended
        self._window = WINDOW_MIN

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence not in (io.SEEK_SET, io.SEEK_CUR, io.SEEK_END):
            raise ValueError(f"invalid whence {whence}")
        target = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence] + offset
        if target < 0:
            raise OSError(f"negative seek position {target}")
        self._pos = target
        return target

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        if self._pos >= self._size or not len(view):
            return 0
        if (
            self._body is not None
            and self._body_at < self._pos < self._body_end
            and (self._pos - self._body_at <= SKIP_THROUGH)
        ):
            self._take(self._pos - self._body_at)  # cheaper than a new request (and keeps its connection)
        if self._body is None or self._body_at != self._pos:
            self._open()
        data = self._take(min(len(view), self._body_end - self._pos))
        view[: len(data)] = data
        self._pos += len(data)
        if self._pos == self._body_end:
            self._drop()
        return len(data)

    def _take(self, length: int) -> bytes:
        """The next `length` bytes of the open GET, or StoreUnreachable: a stored object never changes, so a body
        that fails or ends before its range does is the way to the bucket failing, not the object."""
        data = b""
        try:
            while len(data) < length:
                more = self._body.read(length - len(data))
                if not more:
                    break
                data += more
        except Exception as error:
            self._drop()
            raise StoreUnreachable(f"reading {self._key} from the bucket failed: {error}") from error
        if len(data) != length:
            self._drop()
            raise StoreUnreachable(f"reading {self._key} from the bucket ended early")
        self._body_at += length
        return data

    def readall(self) -> bytes:
        """The rest in one GET, not window by window: what reading a whole photo takes."""
        if self._pos >= self._size:
            return b""
        self._drop()
        self._window = WINDOW_MAX
        self._body_end = self._pos  # a sequential read: _open keeps the largest window
        self._open(self._size)
        data = self._take(self._size - self._pos)
        self._pos = self._size
        self._drop()
        return data

    def _open(self, end: int | None = None) -> None:
        self._window = min(self._window * 2, WINDOW_MAX) if self._body_end == self._pos else WINDOW_MIN
        self._drop()
        end = end if end is not None else min(self._pos + self._window, self._size)
        try:
            self._body = self._bucket.body(self._name, self._pos, end - 1)  # StoreUnreachable when out of reach
        except FileNotFoundError:
            raise MissingFile(self._key) from None
        self._body_at, self._body_end = self._pos, end

    def _drop(self) -> None:
        if self._body is not None:
            self._body.close()
            self._body = None

    def close(self) -> None:
        if not self.closed:
            self._drop()
        super().close()


class ObjectStore(FileStore):
    """Content-addressed files as objects `files/<key>`, with a local cache for tools that want a path."""

    def __init__(self, bucket: Bucket, cache_dir: str | Path) -> None:
        self.bucket = bucket
        self.cache = Path(cache_dir)

    def _name(self, key: str) -> str:
        return f"{self.bucket.prefix}files/{check_key(key)}"

    def warm_up(self) -> None:
        self.bucket.warm_up()

    def describe(self) -> str:
        where = self.bucket.settings.endpoint or "AWS S3"
        return f"S3 存储桶 {self.bucket.name}/{self.bucket.prefix}（{where}）"

    def open_to_anyone(self, key: str) -> bool:
        import boto3
        from botocore import UNSIGNED
        from botocore.config import Config

        s = self.bucket.settings
        client = boto3.session.Session().client(  # a client without credentials: what anyone could ask
            "s3",
            endpoint_url=s.endpoint,
            region_name=s.region,
            config=Config(
                signature_version=UNSIGNED, s3={"addressing_style": s.addressing}, retries={"max_attempts": 1}
            ),
        )
        try:
            client.get_object(Bucket=self.bucket.name, Key=self._name(key))["Body"].close()
        except Exception as error:
            if _missing(error) or _denied(error):
                return False
            raise
        return True

    def put(self, data: bytes, suffix: str) -> str:
        key = key_for(hashlib.sha256(data).hexdigest(), suffix)
        head = self.bucket.head(self._name(key))
        if head is None or head["ContentLength"] != len(data):
            self.bucket.put_bytes(self._name(key), data)
        return key

    def put_file(self, source: Path, suffix: str, key: str | None = None) -> str:
        key = check_key(key or key_for(sha256_of(source), suffix))
        head = self.bucket.head(self._name(key))
        if head is None or head["ContentLength"] != source.stat().st_size:
            self.bucket.put_path(self._name(key), source)
        source.unlink()
        return key

    def put_stream(self, stream: BinaryIO, key: str) -> bool:
        expected = digest_of(key)
        if self.exists(key):
            return False
        # Spooled to this machine first, so that bytes not matching their key never reach the bucket at all.
        with self._spool() as spool:
            digest = hashlib.sha256()
            with spool.open("wb") as out:
                for block in iter(lambda: stream.read(BLOCK), b""):
                    digest.update(block)
                    out.write(block)
            if digest.hexdigest() != expected:
                raise ValueError(f"content does not match its key: {key}")
            self.bucket.put_path(self._name(key), spool)
        return True

    @contextmanager
    def _spool(self) -> Iterator[Path]:
        folder = self.cache / ".spool"
        folder.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=folder, prefix=".tmp-")
        os.close(handle)
        try:
            yield Path(name)
        finally:
            Path(name).unlink(missing_ok=True)

    def open(self, key: str) -> BinaryIO:
        name = self._name(key)
        head = self.bucket.head(name)
        if head is None:
            raise MissingFile(key)
        return io.BufferedReader(_RangedReader(self.bucket, name, key, int(head["ContentLength"])), WINDOW_MIN)

    def open_whole(self, key: str) -> BinaryIO:
        # One streamed GET start to end (no HEAD, no windows): what reading a whole photo takes.
        try:
            return self.bucket.get(self._name(key))
        except FileNotFoundError:
            raise MissingFile(key) from None

    def local_path(self, key: str) -> Path:
        name = self._name(key)
        cached = self.cache / key
        if self.bucket.head(name) is None:  # the bucket decides what exists; a copy here may outlive it
            cached.unlink(missing_ok=True)
            raise MissingFile(key)
        try:
            os.utime(cached)  # in use: the machine's tidying keeps copies used in the last day
            return cached
        except FileNotFoundError:
            pass  # not here yet (or tidied this instant): fetched below
        cached.parent.mkdir(parents=True, exist_ok=True)
        handle, temp_name = tempfile.mkstemp(dir=cached.parent, prefix=".tmp-")
        os.close(handle)
        temp = Path(temp_name)
        try:
            try:
                with _reaching(f"reading {name} from the bucket"):
                    self.bucket.client.download_file(self.bucket.name, name, temp_name, Config=self.bucket.transfer())
            except Exception as error:
                if _missing(error):
                    raise MissingFile(key) from None
                raise
            if sha256_of(temp) != digest_of(key):
                raise OSError(f"stored object does not match its key: {key}")
            os.replace(temp, cached)
        finally:
            temp.unlink(missing_ok=True)
        return cached

    def size(self, key: str) -> int:
        head = self.bucket.head(self._name(key))
        if head is None:
            raise MissingFile(key)
        return int(head["ContentLength"])

    def exists(self, key: str) -> bool:
        return self.bucket.head(self._name(key)) is not None

    def delete(self, key: str) -> None:
        self.bucket.delete(self._name(key))
        (self.cache / key).unlink(missing_ok=True)

    def keys(self) -> Iterator[str]:
        start = f"{self.bucket.prefix}files/"
        for item in self.bucket.listing(start):
            key = item["Key"][len(start) :]
            try:
                yield check_key(key)
            except ValueError:
                continue

    def modified_at(self, key: str) -> float | None:
        head = self.bucket.head(self._name(key))
        return None if head is None else head["LastModified"].timestamp()

    def remove_leftovers(self, older_than: float) -> list[str]:
        removed = []
        # Multipart uploads a killed process never finished or aborted: their parts take space, never a name.
        client, prefix = self.bucket.client, self.bucket.prefix
        # Only the store's own (its files, and the copies a backup holds: a large one is a multipart copy); the
        # bucket may hold another application's uploads under way.
        with _reaching("aborting cut multipart uploads in the bucket"):
            for folder in ("files/", "held/"):
                pages = client.get_paginator("list_multipart_uploads").paginate(
                    Bucket=self.bucket.name, Prefix=f"{prefix}{folder}"
                )
                for page in pages:
                    for upload in page.get("Uploads", ()) or ():
                        if upload["Initiated"].timestamp() < older_than:
                            client.abort_multipart_upload(
                                Bucket=self.bucket.name, Key=upload["Key"], UploadId=upload["UploadId"]
                            )
                            removed.append(upload["Key"])
        # Copies held by a backup that was killed before it let them go.
        stale = [o["Key"] for o in self.bucket.listing(f"{prefix}held/") if o["LastModified"].timestamp() < older_than]
        self.bucket.delete_all(stale)
        return removed + stale

    def tidy_local(self, older_than: float) -> list[str]:
        # Local copies nobody used since the cutoff, and spool files of writes cut short.
        removed = []
        for path in self.cache.rglob("*"):
            try:
                if path.is_file() and path.stat().st_mtime < older_than:
                    path.unlink()
                    removed.append(f"cache/{path.relative_to(self.cache).as_posix()}")
            except FileNotFoundError:
                continue
        return removed

    @contextmanager
    def holding(self) -> Iterator[Holding]:
        holding = _ObjectHolding(self, f"{self.bucket.prefix}held/{int(time.time())}-{secrets.token_hex(6)}/")
        try:
            yield holding
        finally:
            self.bucket.delete_all([o["Key"] for o in self.bucket.listing(holding.folder)])


class _ObjectHolding(Holding):
    """Copies, made inside the bucket, of the files a snapshot references: a replaced photo's objects are deleted
    once no row names them, and the copy keeps the bytes until they are in the archive."""

    def __init__(self, store: ObjectStore, folder: str) -> None:
        self.store, self.folder = store, folder
        self._held: dict[str, tuple[str, int]] = {}

    def hold(self, keys: Iterable[str]) -> list[str]:
        missing = []
        bucket = self.store.bucket
        for key in keys:
            if key in self._held:
                continue
            copy = self.folder + key.rsplit("/", 1)[1]
            source = {"Bucket": bucket.name, "Key": self.store._name(key)}
            try:
                with _reaching(f"copying {source['Key']} in the bucket"):
                    bucket.client.copy(source, bucket.name, copy, Config=bucket.transfer())
            except Exception as error:
                if _missing(error):
                    missing.append(key)
                    continue
                raise
            head = bucket.head(copy)
            if head is None:
                missing.append(key)
                continue
            self._held[key] = (copy, int(head["ContentLength"]))
        return missing

    def held(self) -> list[str]:
        return sorted(self._held)

    def open(self, key: str) -> BinaryIO:
        try:
            return self.store.bucket.get(self._held[key][0])
        except FileNotFoundError:
            raise MissingFile(key) from None

    def size(self, key: str) -> int:
        return self._held[key][1]


class ObjectUploads(PartialUploads):
    """Chunks of uploads in flight as objects `uploads/<user>/<sha256>/<offset>`: whichever server a chunk
    reaches writes it whole or not at all, and every server sees the same upload."""

    def __init__(self, bucket: Bucket) -> None:
        self.bucket = bucket

    def _folder(self, user_id: int, sha256: str) -> str:
        check_upload(user_id, sha256)
        return f"{self.bucket.prefix}uploads/{user_id}/{sha256}/"

    def _chunks(self, user_id: int, sha256: str) -> list[tuple[int, int, str]]:
        """(offset, size, object name) of every chunk stored, by offset."""
        folder = self._folder(user_id, sha256)
        chunks = []
        for item in self.bucket.listing(folder):
            tail = item["Key"][len(folder) :]
            if tail.isdigit():
                chunks.append((int(tail), int(item["Size"]), item["Key"]))
        return sorted(chunks)

    @staticmethod
    def _contiguous(chunks: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
        run, end = [], 0
        for offset, size, name in chunks:
            if offset != end:
                break
            run.append((offset, size, name))
            end += size
        return run

    def size(self, user_id: int, sha256: str) -> int:
        return sum(size for _, size, _ in self._contiguous(self._chunks(user_id, sha256)))

    def append(self, user_id: int, sha256: str, offset: int, data: bytes) -> int:
        folder = self._folder(user_id, sha256)
        chunks = self._chunks(user_id, sha256)
        # A chunk cut off earlier may have left bytes past what the database counts: drop them.
        self.bucket.delete_all([name for start, _, name in chunks if start >= offset])
        for start, size, name in chunks:
            if start < offset < start + size:  # a chunk reaching past the offset keeps only its head
                with self.bucket.get(name) as stream:
                    self.bucket.put_bytes(name, stream.read(offset - start))
        self.bucket.put_bytes(f"{folder}{offset:012d}", data)
        return offset + len(data)

    def sync(self, user_id: int, sha256: str) -> None:
        """Nothing to do: a chunk is durable once the bucket has answered its write."""

    def open(self, user_id: int, sha256: str) -> BinaryIO:
        chunks = self._contiguous(self._chunks(user_id, sha256))
        if not chunks:
            raise FileNotFoundError(self._folder(user_id, sha256))
        return io.BufferedReader(_Chunks(self.bucket, [name for _, _, name in chunks]), BLOCK)

    def local_file(self, user_id: int, sha256: str) -> Path | None:
        check_upload(user_id, sha256)
        return None

    def discard(self, user_id: int, sha256: str) -> None:
        self.bucket.delete_all([item["Key"] for item in self.bucket.listing(self._folder(user_id, sha256))])

    def parts(self) -> Iterator[tuple[int, str, float]]:
        start = f"{self.bucket.prefix}uploads/"
        latest: dict[tuple[int, str], float] = {}
        for item in self.bucket.listing(start):
            user, _, rest = item["Key"][len(start) :].partition("/")
            sha256 = rest.partition("/")[0]
            try:
                check_upload(int(user), sha256)
            except ValueError:
                continue
            written = item["LastModified"].timestamp()
            latest[(int(user), sha256)] = max(written, latest.get((int(user), sha256), 0.0))
        for (user_id, sha256), written in sorted(latest.items()):
            yield user_id, sha256, written


class _Chunks(io.RawIOBase):
    """The chunks of an upload read one after the other, each as it is reached."""

    def __init__(self, bucket: Bucket, names: list[str]) -> None:
        self._bucket, self._names, self._current = bucket, list(names), None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while True:
            if self._current is None:
                if not self._names:
                    return 0
                self._current = self._bucket.get(self._names.pop(0))
            data = self._current.read(len(buffer))
            if data:
                buffer[: len(data)] = data
                return len(data)
            self._current.close()
            self._current = None

    def close(self) -> None:
        if self._current is not None:
            self._current.close()
        super().close()
