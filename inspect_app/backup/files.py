"""The file store side: holding on to the files a snapshot references, listing the rest, putting them back."""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import tempfile
from pathlib import Path
from typing import Iterable

from inspect_app.adapters.filestore import FileStore, sha256_of
from inspect_app.backup.manifest import BackupRefused


def is_key(store: FileStore, value: object) -> bool:
    """True when `value` is a well-formed file store key (the store's own rule)."""
    try:
        store.path(value)  # type: ignore[arg-type]
    except ValueError:
        return False
    return True


def sha256_of_key(key: str) -> str:
    """The SHA-256 a stored file must have: the one its key is named after."""
    return key.rsplit("/", 1)[1].split(".", 1)[0]


class Staging:
    """Hard links, beside the store, to the files a snapshot references.

    Files never change, but a replaced photo's files are deleted once no row points at them. A row the
    snapshot holds may lose its file a moment later; the link keeps the bytes until they are in the archive.
    """

    def __init__(self, store: FileStore) -> None:
        self.store = store
        self.folder = store.root / f".backup-{os.getpid()}-{secrets.token_hex(6)}"
        self.held: dict[str, Path] = {}
        self._links = True

    def __enter__(self) -> Staging:
        self.folder.mkdir(parents=True)
        return self

    def __exit__(self, *_exc: object) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def hold(self, keys: Iterable[str]) -> list[str]:
        """Hold every key not held yet; returns the keys whose file is not in the store (any more)."""
        missing = []
        for key in keys:
            if key in self.held:
                continue
            source = self.store.path(key)
            if self._links:
                link = self.folder / source.name  # the name holds the whole SHA-256: unique
                try:
                    os.link(source, link)
                    self.held[key] = link
                    continue
                except FileNotFoundError:
                    missing.append(key)
                    continue
                except OSError:  # no hard links on this file system: read from the store itself
                    self._links = False
            if source.is_file():
                self.held[key] = source
            else:
                missing.append(key)
        return missing


def put_from_blocks(store: FileStore, key: str, blocks: Iterable[bytes]) -> bool:
    """Write a file into the store under `key` through a temporary file; False when it was there already."""
    expected = sha256_of_key(key)
    if store.exists(key) and sha256_of(store.path(key)) == expected:
        return False
    # On the store's own file system, so that FileStore.put_file moves it into place with one atomic rename.
    handle, temp_name = tempfile.mkstemp(dir=store.root, prefix=".tmp-restore-")
    temp = Path(temp_name)
    try:
        digest = hashlib.sha256()
        with os.fdopen(handle, "wb") as out:
            for block in blocks:
                digest.update(block)
                out.write(block)
        if digest.hexdigest() != expected:
            raise BackupRefused(f"备份文件在恢复过程中被改动（files/{key}），已撤销已写入的文件和数据")
        placed = store.put_file(temp, key.rsplit(".", 1)[1])
    finally:
        temp.unlink(missing_ok=True)
    if placed != key:  # same bytes and suffix give the same key; anything else is a bug worth stopping for
        raise RuntimeError(f"file store named {key} as {placed}")
    return True
