"""Checking the file store an instance is configured with, before it serves: a file goes in, comes back whole,
is refused to anyone without the store's keys, and goes again. `make serve-prod` runs it at every start."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from inspect_app.adapters.filestore import FileStore


@dataclass
class StoreCheck:
    where: str
    passed: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def check_store(store: FileStore) -> StoreCheck:
    """Write, read back, test and remove a probe file; every step that fails is a problem (in Chinese)."""
    result = StoreCheck(store.describe())
    probe = f"store check {secrets.token_hex(16)}".encode()
    try:
        key = store.put(probe, "txt")
    except Exception as error:  # noqa: BLE001 - any failure to write is the operator's to read
        result.problems.append(f"无法写入：{error}")
        return result
    try:
        result.passed.append("可以写入")
        with store.open(key) as stream:
            back = stream.read()
        if back == probe and store.size(key) == len(probe):
            result.passed.append("读回的内容与写入的一致")
        else:
            result.problems.append("读回的内容与写入的不一致")
        if store.open_to_anyone(key):
            result.problems.append("不带密钥也能读取文件：存储桶被设为公开读取，请改为私有（证据照片不得公开）")
        else:
            result.passed.append("不带密钥无法读取（私有）")
    except Exception as error:  # noqa: BLE001
        result.problems.append(f"无法读取：{error}")
    finally:
        try:
            store.delete(key)
            if store.exists(key):
                result.problems.append("无法删除检查文件")
            else:
                result.passed.append("可以删除")
        except Exception as error:  # noqa: BLE001
            result.problems.append(f"无法删除：{error}")
    return result
