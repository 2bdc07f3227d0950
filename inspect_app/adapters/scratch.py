"""Scratch folders for work that a crash may cut short (a bundle build, a sign-off with the drawn signature, a
received ZIP): named after the host and process that made them, so a later start or the sweep can tell the
leftovers of a dead process from the work of a live one and remove them."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

FOLDER = "scratch"
_NAME = re.compile(r"(?P<kind>[a-z]+)-(?P<host>[A-Za-z0-9.-]+)-(?P<pid>\d+)-[0-9a-f]{12}")
# Another host's folder (an instance folder shared over the network) is judged by age alone: longer than any
# build may run (jobs.JOB_TIMEOUT_S) with a margin.
OTHER_HOST_MAX_AGE_S = 2 * 3600
_LEGACY = re.compile(r"tmp[a-z0-9_]{8}")


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9.-]", "-", socket.gethostname())[:60] or "host"


@contextmanager
def folder(work_dir: Path, kind: str) -> Iterator[Path]:
    """A new folder for this process's work, removed when the work ends (or by the sweep if it never does)."""
    root = work_dir / FOLDER
    root.mkdir(parents=True, exist_ok=True)
    path = root / f"{kind}-{_host()}-{os.getpid()}-{secrets.token_hex(6)}"
    path.mkdir()
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


def remove_leftovers(work_dir: Path, now: float | None = None) -> list[str]:
    """Remove the scratch folders whose process is gone (this host) or that are too old (another host)."""
    root = work_dir / FOLDER
    if not root.is_dir():
        return []
    now = time.time() if now is None else now
    removed = []
    for path in root.iterdir():
        match = _NAME.fullmatch(path.name)
        try:
            age = now - path.stat().st_mtime
        except FileNotFoundError:
            continue
        if match is None:
            dead = age > OTHER_HOST_MAX_AGE_S  # not ours by name: only when long forgotten
        elif match["host"] == _host():
            dead = not _alive(int(match["pid"])) or age > OTHER_HOST_MAX_AGE_S * 6
        else:
            dead = age > OTHER_HOST_MAX_AGE_S
        if dead:
            shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)
            removed.append(path.name)
    # Folders an older release made with tempfile in the instance folder itself.
    for path in work_dir.glob("tmp*"):
        try:
            old = path.is_dir() and _LEGACY.fullmatch(path.name) and now - path.stat().st_mtime > OTHER_HOST_MAX_AGE_S
        except FileNotFoundError:
            continue
        if old:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path.name)
    return removed
