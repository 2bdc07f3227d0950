"""The content-addressed file store: keys, atomic writes, no path from outside the key shape."""

from __future__ import annotations

import hashlib
import os

import pytest

from inspect_app.adapters.filestore import DiskStore, FileStore

DATA = b"\xff\xd8\xff a photo's bytes"
DIGEST = hashlib.sha256(DATA).hexdigest()


@pytest.fixture
def store(tmp_path) -> FileStore:
    return DiskStore(tmp_path / "files")


def test_put_returns_a_content_key_and_the_bytes_come_back(store, tmp_path):
    key = store.put(DATA, "jpg")
    assert key == f"{DIGEST[:2]}/{DIGEST[2:4]}/{DIGEST}.jpg"
    assert store.read(key) == DATA and store.exists(key)
    assert store.path(key) == tmp_path / "files" / DIGEST[:2] / DIGEST[2:4] / f"{DIGEST}.jpg"


def test_no_temporary_file_is_left_behind(store):
    key = store.put(DATA, "jpg")
    assert sorted(p.name for p in store.path(key).parent.iterdir()) == [f"{DIGEST}.jpg"]


def test_putting_the_same_bytes_again_leaves_the_file_alone(store):
    key = store.put(DATA, "jpg")
    path = store.path(key)
    os.utime(path, (1_000_000, 1_000_000))
    assert store.put(DATA, "jpg") == key
    assert path.stat().st_mtime == 1_000_000  # not rewritten


def test_a_damaged_copy_is_rewritten(store):
    key = store.put(DATA, "jpg")
    store.path(key).write_bytes(DATA[:5])  # cut short, say by a crash before this store existed
    assert store.put(DATA, "jpg") == key
    assert store.read(key) == DATA


def test_the_same_bytes_under_another_suffix_are_another_file(store):
    assert store.put(DATA, "jpg") != store.put(DATA, "png")
    assert store.exists(f"{DIGEST[:2]}/{DIGEST[2:4]}/{DIGEST}.png")


def test_delete_and_missing_files(store):
    key = store.put(DATA, "jpg")
    store.delete(key)
    assert not store.exists(key)
    store.delete(key)  # already gone: fine
    with pytest.raises(FileNotFoundError):
        store.read(key)


@pytest.mark.parametrize(
    "key",
    [
        "../../etc/passwd",
        f"/{DIGEST[:2]}/{DIGEST[2:4]}/{DIGEST}.jpg",
        f"{DIGEST[:2]}/{DIGEST[2:4]}/{DIGEST}",
        f"{DIGEST[:2]}/{DIGEST[2:4]}/{DIGEST}.JPG",
        f"{DIGEST[:2]}/{DIGEST[2:4]}/{DIGEST}.jpg/..",
        f"{DIGEST[:2]}/{DIGEST[2:4]}/{DIGEST.upper()}.jpg",
        f"00/00/{DIGEST}.jpg",  # the folders must be the hash's own prefix
        f"{DIGEST[:2]}/{DIGEST[2:4]}/{DIGEST[:-1]}.jpg",
        f"{DIGEST[:2]}/{DIGEST[2:4]}/{DIGEST}.jpg\n",
        "photo.jpg",
        "",
        None,
    ],
)
def test_keys_of_any_other_shape_are_refused(store, key):
    for method in (store.path, store.read, store.exists, store.delete):
        with pytest.raises(ValueError):
            method(key)


@pytest.mark.parametrize("suffix", ["", "JPG", "../x", "j/g", "toolongsuffix", ".jpg"])
def test_bad_suffixes_are_refused(store, suffix):
    with pytest.raises(ValueError):
        store.put(DATA, suffix)
    assert not (store.root).exists() or not any(store.root.rglob("*"))
