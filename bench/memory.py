"""Resident memory of the running process, for the benchmarks that measure each case in a fresh process."""

from __future__ import annotations

import resource
from pathlib import Path


def rss_kb(field: str) -> int:
    """VmRSS or VmHWM from /proc (Linux); ru_maxrss would include the parent's peak from before exec."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # macOS and friends: an upper bound
