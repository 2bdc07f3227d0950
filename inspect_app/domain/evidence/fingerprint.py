"""What a built version holds, as digests: a version may be signed only while what it holds is what was previewed.

A version is described by named parts (one per station's inspection, the directory, the narrative, the figures...).
Each part is digested on its own, so that when the whole fingerprint differs the page can say which parts changed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from fractions import Fraction
from pathlib import PurePath
from typing import Any, Mapping


def _plain(value: Any) -> Any:
    """The JSON form of the values a report is made of (json.dumps calls this for anything it cannot write)."""
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (Decimal, Fraction, PurePath)):
        return str(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=repr)
    if isinstance(value, bytes):
        return hashlib.sha256(value).hexdigest()
    raise TypeError(f"cannot fingerprint {type(value).__name__}")


def digest(value: Any) -> str:
    """SHA-256 of one canonical JSON form of value: equal values give equal digests, whatever their key order."""
    text = json.dumps(value, default=_plain, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def contents(parts: Mapping[str, Any]) -> dict[str, str]:
    """Each named part's digest."""
    return {name: digest(value) for name, value in parts.items()}


def fingerprint(part_digests: Mapping[str, str]) -> str:
    """One digest for the whole version."""
    return digest(dict(part_digests))


def changed(before: Mapping[str, str], after: Mapping[str, str]) -> list[str]:
    """The names of the parts added, removed or changed since `before`, in name order."""
    return sorted(name for name in set(before) | set(after) if before.get(name) != after.get(name))


def described(before: Mapping[str, str], after: Mapping[str, str]) -> list[str]:
    """Each changed part in Chinese, named as the parts are: "<part>：新增", "：已移除" or "：有改动"."""
    return [
        f"{name}：{'新增' if name not in before else '已移除' if name not in after else '有改动'}"
        for name in changed(before, after)
    ]
