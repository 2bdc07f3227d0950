"""The file store's contract, on both backends: this machine's disk (the embedded default) and an S3 bucket (a real
S3 server on loopback). Whatever the backend, the rest of the app sees the same store."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from inspect_app.adapters.filestore import FileStore, MissingFile, PartialUploads, key_for, open_stores

DATA = b"\xff\xd8\xff a photo's bytes" * 1000
DIGEST = hashlib.sha256(DATA).hexdigest()
KEY = key_for(DIGEST, "jpg")


def settings(kind: str, tmp_path: Path, request) -> dict:
    config = {
        "FILE_STORE_PATH": str(tmp_path / "files"),
        "UPLOAD_PARTS_PATH": str(tmp_path / "uploads"),
        "FILE_STORE_CACHE_PATH": str(tmp_path / "cache"),
    }
    if kind == "s3":
        gateway = request.getfixturevalue("s3_gateway")
        config.update(gateway.settings(gateway.new_bucket()))
    return config


@pytest.fixture(params=["disk", "s3"])
def config(request, tmp_path) -> dict:
    return settings(request.param, tmp_path, request)


@pytest.fixture
def store(config) -> FileStore:
    return open_stores(config)[0]


@pytest.fixture
def uploads(config) -> PartialUploads:
    return open_stores(config)[1]


def test_put_read_stream_exists_size_delete(store):
    assert store.put(DATA, "jpg") == KEY
    assert store.exists(KEY) and store.size(KEY) == len(DATA) and store.read(KEY) == DATA
    with store.open(KEY) as stream:
        assert hashlib.file_digest(stream, "sha256").hexdigest() == DIGEST
    assert store.local_path(KEY).read_bytes() == DATA
    assert list(store.keys()) == [KEY]
    assert abs(store.modified_at(KEY) - time.time()) < 300
    store.delete(KEY)
    store.delete(KEY)  # already gone: fine
    assert not store.exists(KEY) and list(store.keys()) == [] and store.modified_at(KEY) is None


def test_a_stored_file_reads_from_wherever_the_reader_seeks(store):
    """A ZIP reader seeks to the end record, the directory, then each member; a resumed download to where it broke."""
    data = os.urandom(3 << 20)  # past the bucket reader's first windows, so a read spans several requests
    key = store.put(data, "bin")
    with store.open(key) as stream:
        assert stream.seekable() and stream.seek(0, io.SEEK_END) == len(data)
        for at, length in [(len(data) - 22, 22), (7, 100), (1 << 20, 2 << 20), (len(data) - 1, 10), (len(data), 5)]:
            stream.seek(at)
            assert stream.read(length) == data[at : at + length] and stream.tell() == min(at + length, len(data))
        stream.seek(-1000, io.SEEK_END)
        assert stream.read() == data[-1000:]
        stream.seek(0)
        assert hashlib.file_digest(stream, "sha256").hexdigest() == hashlib.sha256(data).hexdigest()


def test_a_missing_file_is_missing_every_way(store):
    for read in (store.open, store.read, store.local_path, store.size):
        with pytest.raises(MissingFile):
            read(KEY)


def test_a_copy_on_this_machine_does_not_outlive_the_file(store):
    store.put(DATA, "jpg")
    local = store.local_path(KEY)
    store.delete(KEY)
    with pytest.raises(MissingFile):
        store.local_path(KEY)
    assert not local.exists()


def test_putting_the_same_bytes_again_is_the_same_key(store):
    assert store.put(DATA, "jpg") == store.put(DATA, "jpg") == KEY
    assert store.put(DATA, "png") != KEY  # another suffix: another file
    assert sorted(store.keys()) == sorted([KEY, key_for(DIGEST, "png")])


def test_put_file_moves_a_large_file_in_without_holding_it(store, tmp_path):
    big = tmp_path / "bundle.zip"
    block = os.urandom(1 << 20)
    with big.open("wb") as out:
        for i in range(40):  # 40 MB: more than one part of a multipart upload
            out.write(block[i:] + block[:i])
    digest = hashlib.sha256(big.read_bytes()).hexdigest()
    key = store.put_file(big, "zip")
    assert key == key_for(digest, "zip") and not big.exists()
    assert store.size(key) == 40 << 20
    with store.open(key) as stream:
        assert hashlib.file_digest(stream, "sha256").hexdigest() == digest


def test_put_stream_keeps_only_bytes_that_match_their_key(store):
    assert store.put_stream(io.BytesIO(DATA), KEY) is True
    assert store.put_stream(io.BytesIO(DATA), KEY) is False  # there already
    other = key_for(hashlib.sha256(b"other").hexdigest(), "jpg")
    with pytest.raises(ValueError):
        store.put_stream(io.BytesIO(b"not the other"), other)
    assert not store.exists(other) and list(store.keys()) == [KEY]


class Broken(io.RawIOBase):
    """A stream that breaks halfway, as a connection cut in the middle of a restore does."""

    def __init__(self, data: bytes) -> None:
        self.data, self.given = data, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self.given >= len(self.data) // 2:
            raise OSError("connection reset")
        n = min(len(buffer), 4096, len(self.data) // 2 - self.given)
        buffer[:n] = self.data[self.given : self.given + n]
        self.given += n
        return n


def test_a_write_broken_halfway_leaves_nothing_under_the_key(store):
    with pytest.raises(OSError):
        store.put_stream(Broken(DATA), KEY)
    assert not store.exists(KEY) and list(store.keys()) == []


WRITER = """
import json, sys
from pathlib import Path
from inspect_app.adapters.filestore import open_stores
store = open_stores(json.loads(sys.argv[1]))[0]
print("writing", flush=True)
if sys.argv[2] == "stream":
    store.put_stream(sys.stdin.buffer, sys.argv[3])
else:
    source = Path(sys.argv[4])
    with source.open("wb") as out:  # the file grows as the stream comes: put_file starts once it is all there
        while block := sys.stdin.buffer.read(1 << 20):
            out.write(block)
    store.put_file(source, "zip", key=sys.argv[3])
"""


@pytest.mark.parametrize("how", ["stream", "file"])
def test_a_writer_killed_halfway_leaves_nothing_under_the_key_and_its_leftovers_go(store, config, tmp_path, how):
    data = os.urandom(24 << 20)
    key = key_for(hashlib.sha256(data).hexdigest(), "zip")
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, json.dumps(config), how, key, str(tmp_path / "source.zip")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert writer.stdout.readline() == b"writing\n"
    writer.stdin.write(data[: len(data) // 2])  # blocks until the writer has taken most of it
    writer.stdin.flush()
    writer.kill()
    writer.wait()
    assert not store.exists(key) and list(store.keys()) == []
    store.remove_leftovers(time.time() + 1)
    assert not store.exists(key) and list(store.keys()) == []
    if config.get("FILE_STORE_URL"):
        bucket = store.bucket
        assert not bucket.client.list_multipart_uploads(Bucket=bucket.name).get("Uploads")
        assert not list(bucket.listing(""))
    else:
        assert not [p for p in Path(config["FILE_STORE_PATH"]).rglob("*") if p.is_file()]


UPLOADER = """
import json, sys, threading
from pathlib import Path
from inspect_app.adapters.filestore import open_stores
store = open_stores(json.loads(sys.argv[1]))[0]

def part_sent(**_):
    print("part", flush=True)
    threading.Event().wait()  # every part stops once sent: the upload can only be cut, never completed

store.bucket.client.meta.events.register("after-call.s3.UploadPart", part_sent)
store.put_file(Path(sys.argv[3]), "zip", key=sys.argv[2])
"""


def test_a_writer_killed_during_its_multipart_upload_leaves_nothing_under_the_key(request, tmp_path):
    config = settings("s3", tmp_path, request)
    store = open_stores(config)[0]
    source = tmp_path / "bundle.zip"
    data = os.urandom(40 << 20)  # three parts of 16 MB
    source.write_bytes(data)
    key = key_for(hashlib.sha256(data).hexdigest(), "zip")
    writer = subprocess.Popen(
        [sys.executable, "-c", UPLOADER, json.dumps(config), key, str(source)], stdout=subprocess.PIPE
    )
    assert writer.stdout.readline() == b"part\n"  # a part is in the bucket
    writer.kill()
    writer.wait()
    bucket = store.bucket
    cut = bucket.client.list_multipart_uploads(Bucket=bucket.name).get("Uploads") or []
    assert [u["Key"] for u in cut] == [f"files/{key}"]
    assert bucket.client.list_parts(Bucket=bucket.name, Key=cut[0]["Key"], UploadId=cut[0]["UploadId"])["Parts"]
    assert not store.exists(key) and list(store.keys()) == [] and source.read_bytes() == data
    assert store.remove_leftovers(time.time() + 1) == [f"files/{key}"]
    assert not bucket.client.list_multipart_uploads(Bucket=bucket.name).get("Uploads")
    assert not list(bucket.listing(""))


def test_concurrent_writes_of_the_same_content_leave_one_whole_file(store, tmp_path):
    data = os.urandom(3 << 20)
    key = key_for(hashlib.sha256(data).hexdigest(), "jpg")
    sources = []
    for i in range(4):
        sources.append(tmp_path / f"copy-{i}")
        sources[-1].write_bytes(data)
    errors: list[BaseException] = []

    def write(i: int) -> None:
        try:
            if i % 2:
                assert store.put(data, "jpg") == key
            else:
                assert store.put_file(sources[i // 2], "jpg") == key
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert list(store.keys()) == [key] and store.read(key) == data


def test_a_holding_keeps_the_bytes_of_a_file_deleted_meanwhile(store):
    store.put(DATA, "jpg")
    with store.holding() as holding:
        assert holding.hold([KEY, key_for("0" * 64, "jpg")]) == [key_for("0" * 64, "jpg")]
        store.delete(KEY)
        assert holding.held() == [KEY] and holding.size(KEY) == len(DATA)
        with holding.open(KEY) as stream:
            assert stream.read() == DATA
    assert list(store.keys()) == []


@pytest.mark.parametrize("key", ["../../etc/passwd", f"00/00/{DIGEST}.jpg", f"{KEY}/..", "photo.jpg", "", None])
def test_keys_of_any_other_shape_are_refused(store, key):
    for method in (store.open, store.read, store.exists, store.delete, store.local_path, store.size):
        with pytest.raises(ValueError):
            method(key)


def test_uploads_append_in_order_and_any_server_sees_them(config, uploads):
    other_server = open_stores(config)[1]
    sha = hashlib.sha256(DATA).hexdigest()
    assert uploads.size(7, sha) == 0 and list(uploads.parts()) == []
    assert uploads.append(7, sha, 0, DATA[:1000]) == 1000
    assert other_server.size(7, sha) == 1000
    assert other_server.append(7, sha, 1000, DATA[1000:2000]) == 2000
    assert uploads.append(7, sha, 1000, DATA[1000:1500]) == 1500  # sent again from 1000: what was past it goes
    assert other_server.size(7, sha) == 1500 and not other_server.matches(7, sha)
    other_server.append(7, sha, 1500, DATA[1500:])
    uploads.sync(7, sha)
    assert uploads.matches(7, sha) and other_server.read(7, sha) == DATA
    assert [(u, s) for u, s, _ in uploads.parts()] == [(7, sha)]
    other_server.discard(7, sha)
    assert uploads.size(7, sha) == 0 and list(uploads.parts()) == [] and not uploads.matches(7, sha)


def test_an_upload_cut_inside_a_chunk_goes_on_from_the_cut(uploads):
    sha = hashlib.sha256(DATA).hexdigest()
    uploads.append(3, sha, 0, DATA[:1000])
    uploads.append(3, sha, 1000, DATA[1000:2000])
    assert uploads.append(3, sha, 1500, DATA[1500:]) == len(DATA)  # the second chunk keeps its first 500 bytes
    assert uploads.read(3, sha) == DATA


@pytest.mark.parametrize("user_id, sha", [(1, "../x"), (1, "A" * 64), ("1", "a" * 64), (True, "a" * 64)])
def test_uploads_refuse_names_of_any_other_shape(uploads, user_id, sha):
    for method in (uploads.size, uploads.discard, uploads.local_file):
        with pytest.raises(ValueError):
            method(user_id, sha)


def _put_in_child(store: FileStore, data: bytes) -> None:
    store.put(data, "bin")


def test_a_store_warmed_before_a_fork_serves_in_the_forked_process(store):
    """gunicorn's master warms the store, then forks its workers: each must talk to the store on its own."""
    import multiprocessing

    store.warm_up()
    store.exists(KEY)  # used in the parent first, as the master's checks do
    child = multiprocessing.get_context("fork").Process(target=_put_in_child, args=(store, DATA))
    child.start()
    child.join(timeout=60)
    assert child.exitcode == 0
    assert store.read(KEY.replace(".jpg", ".bin")) == DATA


def test_a_backup_hours_into_its_copy_keeps_its_holds_through_the_sweep(store, config, tmp_path):
    """The sweep removes what killed backups held, never what a running one holds (a season's backup takes hours)."""
    from inspect_app.housekeeping import stored_files

    store.put(DATA, "jpg")
    with store.holding() as holding:
        holding.hold([KEY])
        store.delete(KEY)  # the photo replaced meanwhile
        store.remove_leftovers(time.time() + 3 * 3600 - stored_files.LEFTOVER_GRACE_S)  # the sweep three hours on
        with holding.open(KEY) as stream:
            assert stream.read() == DATA
