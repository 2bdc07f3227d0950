"""How quickly and how leanly gunicorn starts, with the app preloaded in the master and without.

Seeds a temporary SQLite instance (one campaign, a few inspectors with a station each; as bench/load.py does),
then starts gunicorn with inspect_app/gunicorn_conf.py and 5 workers, GUNICORN_PRELOAD=1 and =0 in turn (the
order alternating between rounds), and for each start prints: the wall time until the sign-in page first answers
200, the master's CPU time by then, and, once every worker has served pages and its memory has settled, the
proportional set size (PSS, from /proc/<pid>/smaps_rollup: shared pages counted in part) of each worker and of
all. Then an inspector signs in and sends two 12 MP phone photos through the sync API (upload, chunks, attach),
each timed until the server has read it: the first pays for whatever is not loaded yet, the second shows the
steady cost. Figures only: no assertions.

    .venv/bin/python bench/startup.py [--rounds 3] [--workers 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from load import free_port, seed, start_gunicorn, stop
from load_client import BASES, Inspector, Record, phone_photos


def children(pid: int) -> list[int]:
    """The processes gunicorn's master forked (its workers)."""
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def pss_kb(pid: int) -> int:
    """Proportional set size: private pages whole, pages shared with N processes as 1/N each."""
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1])
    return 0


def cpu_s(pid: int) -> float:
    """User + system CPU time of a process so far (not of its children)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def first_answer(server: subprocess.Popen, url: str, started: float) -> float:
    """Seconds from `started` until `url` first answers 200 (polled every 20 ms)."""
    while time.perf_counter() - started < 120:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return time.perf_counter() - started
        except OSError:
            pass
        time.sleep(0.02)
    raise SystemExit("gunicorn did not answer within 120 s")


def settled_workers(server: subprocess.Popen, base: str, workers: int) -> list[int]:
    """Pages to every worker (many fresh connections at once), then wait until no worker's memory still grows."""
    deadline = time.monotonic() + 60
    while len(children(server.pid)) < workers and time.monotonic() < deadline:
        time.sleep(0.05)

    def page(_n: int) -> None:
        with urllib.request.urlopen(base + "/login", timeout=30) as response:
            response.read()

    with ThreadPoolExecutor(workers * 2) as pool:
        list(pool.map(page, range(workers * 8)))
    pids = children(server.pid)
    last = [pss_kb(p) for p in pids]
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = [pss_kb(p) for p in pids]
        if all(abs(a - b) < 256 for a, b in zip(now, last)):
            break
        last = now
    return pids


def two_photos(base: str, account: dict) -> tuple[float, float]:
    """An inspector signs in, then sends two phone photos on one connection: each one's time in ms from the upload's
    start until the server has read it (the answer comes before the reading: the photo's state is polled)."""
    if not BASES:
        BASES.extend(phone_photos())
    record = Record()
    inspector = Inspector(base, account, think=0, record=record, seed=7)
    inspector.sign_in()
    times = []
    for _ in range(2):
        started = time.perf_counter()
        inspector.upload()
        photo_id = record.uploads[-1]["photo"]
        while True:
            listed = inspector.call("photo poll", "GET", f"/api/v1/inspections/{inspector.inspection}/photos").json()
            state = next(p["state"] for p in listed["photos"] if p["id"] == photo_id)
            if state != "processing":
                break
            time.sleep(0.02)  # a bench polling a server in another process: nothing here to wait on instead
        times.append((time.perf_counter() - started) * 1000)
    return times[0], times[1]


def one_start(preload: bool, workers: int, url: str, instance: Path, log: Path, account: dict) -> dict:
    os.environ.update(WEB_CONCURRENCY=str(workers), GUNICORN_PRELOAD="1" if preload else "0")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    server = start_gunicorn(url, instance, port, log)
    try:
        wall = first_answer(server, base + "/login", started)
        master_cpu = cpu_s(server.pid)
        pids = settled_workers(server, base, workers)
        per_worker = [pss_kb(p) for p in pids]
        master = pss_kb(server.pid)
        first, second = two_photos(base, account)
    finally:
        stop(server, 30)
    return {
        "wall_s": wall,
        "master_cpu_s": master_cpu,
        "workers_mb": [kb / 1024 for kb in per_worker],
        "master_mb": master / 1024,
        "total_mb": (master + sum(per_worker)) / 1024,
        "first_photo_ms": first,
        "second_photo_ms": second,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="inspect-startup-") as scratch:
        instance, log = Path(scratch) / "instance", Path(scratch) / "gunicorn.log"
        url = f"sqlite:///{scratch}/bench.sqlite3"
        print("seeding a temporary SQLite instance ...", file=sys.stderr)
        accounts = seed(url, instance, args.rounds * 2)
        results: dict[str, list[dict]] = {"preload on": [], "preload off": []}
        for n in range(args.rounds):
            order = [True, False] if n % 2 == 0 else [False, True]
            for preload in order:
                name = "preload on" if preload else "preload off"
                r = one_start(preload, args.workers, url, instance, log, accounts[len(results[name]) * 2 + preload])
                results[name].append(r)
                print(
                    f"round {n + 1} {name:11s}: first 200 after {r['wall_s']:5.2f} s (master CPU {r['master_cpu_s']:4.2f} s); "
                    f"PSS workers {' '.join(f'{mb:5.1f}' for mb in r['workers_mb'])} MB, master {r['master_mb']:5.1f} MB, "
                    f"total {r['total_mb']:6.1f} MB; photo after start {r['first_photo_ms']:6.0f} ms, "
                    f"next {r['second_photo_ms']:6.0f} ms (+{r['first_photo_ms'] - r['second_photo_ms']:.0f} ms)"
                )
        print(f"\nmedians of {args.rounds} starts, {args.workers} workers:")
        for name, runs in results.items():

            def med(key: str, runs: list[dict] = runs) -> float:
                return statistics.median(r[key] for r in runs)

            per_worker = statistics.median(mb for r in runs for mb in r["workers_mb"])
            print(
                f"{name:11s}: first 200 {med('wall_s'):5.2f} s, master CPU {med('master_cpu_s'):4.2f} s, "
                f"PSS per worker {per_worker:5.1f} MB, total {med('total_mb'):6.1f} MB, "
                f"first photo {med('first_photo_ms'):5.0f} ms vs second {med('second_photo_ms'):5.0f} ms"
            )


if __name__ == "__main__":
    main()
