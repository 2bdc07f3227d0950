"""The file store side of a backup: which values are file keys, and putting files back in a restore."""

from __future__ import annotations

import io
from typing import Any, BinaryIO, Iterable, cast

from inspect_app.adapters.filestore import FileStore, check_key
from inspect_app.backup.manifest import BackupRefused


def is_key(store: FileStore, value: object) -> bool:
    """True when `value` is a well-formed file store key (the store's own rule)."""
    try:
        check_key(value)  # type: ignore[arg-type]
    except ValueError:
        return False
    return True


def put_from_blocks(store: FileStore, key: str, blocks: Iterable[bytes]) -> bool:
    """Write a file into the store under `key`, whole or not at all; False when it was there already."""
    try:
        return store.put_stream(cast(BinaryIO, io.BufferedReader(_BlockStream(blocks))), key)
    except ValueError:
        raise BackupRefused(f"备份文件在恢复过程中被改动（files/{key}），已撤销已写入的文件和数据") from None


class _BlockStream(io.RawIOBase):
    """An archive member's blocks read as a stream."""

    def __init__(self, blocks: Iterable[bytes]) -> None:
        self._blocks, self._rest = iter(blocks), b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._rest:
            self._rest = next(self._blocks, b"")
            if not self._rest:
                return 0
        n = min(len(buffer), len(self._rest))
        buffer[:n], self._rest = self._rest[:n], self._rest[n:]
        return n
