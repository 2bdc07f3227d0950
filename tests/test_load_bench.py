"""bench/load.py driving two servers on a bucket, with a worker: what its closing line says holds (both servers
served, every upload present with its SHA-256), so the figures the README quotes come from a bench that works."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = "redis://127.0.0.1:6379/13"  # the bench's own db: it empties it before and after
CLOSING = re.compile(
    r"^2 servers answered (\d+) requests \(A (\d+) \(\d+%\), B (\d+) \(\d+%\), their access logs\); "
    r"(\d+) of (\d+) uploads present in the s3 store with the right SHA-256 \(read through the store's interface\), "
    r"their photos (\{.*\})$",
    re.MULTILINE,
)


def test_the_load_bench_drives_two_servers_on_a_bucket_and_checks_every_upload():
    run = subprocess.run(
        [sys.executable, "bench/load.py", "--seconds", "8", "--inspectors", "4", "--servers", "2"]
        + ["--store", "s3", "--redis", REDIS_URL],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "errors: 0 (target 0)" in run.stdout, run.stdout
    closing = CLOSING.search(run.stdout)
    assert closing, run.stdout[-2000:]
    total, a, b, confirmed, uploads = (int(closing.group(i)) for i in range(1, 6))
    assert a > 0 and b > 0 and a + b == total  # an inspector's requests go to both in turn
    assert uploads > 0 and confirmed == uploads
    states = json.loads(closing.group(6))
    assert set(states) == {"ready"} and states["ready"] == uploads, states
    assert "servers stopped, database dropped" in run.stderr
