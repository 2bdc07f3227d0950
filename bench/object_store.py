"""Moving a bundle-sized file into the file store and streaming it back out, on this machine's disk and in an S3
bucket (JuiceFS's S3 gateway on loopback, as in the tests), to show that the object store never holds a large file
in memory and what it costs against the disk.

Each case runs in a fresh child process, interleaved (disk, s3, disk, s3, ...) and repeated: `put` moves a file
of --mb MB into the store (put_file: a rename on disk, a multipart upload in 16 MB parts to the bucket), `get`
streams it back through store.open and hashes it (what a download through the app does). Prints wall and CPU
seconds of the child (the gateway's own CPU is not in it: it is another process on the same two cores), the peak
RSS above what the child held before the operation (VmHWM - VmRSS), and the medians.

    .venv/bin/python bench/object_store.py [--mb 1024] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

CHILD = """
import hashlib, json, os, resource, sys, time
from pathlib import Path
sys.path.insert(0, {bench!r})
from memory import rss_kb
from inspect_app.adapters.filestore import open_stores
config, op, source, key = json.loads(sys.argv[1]), sys.argv[2], Path(sys.argv[3]), sys.argv[4]
store = open_stores(config)[0]
store.exists(key)  # the client made and connected before the measure, as in a serving process
before = rss_kb("VmRSS")
cpu0, wall0 = time.process_time(), time.perf_counter()
if op == "put":
    got = store.put_file(source, "zip", key=key)
    assert got == key
else:
    with store.open(key) as stream:
        digest = hashlib.file_digest(stream, "sha256").hexdigest()
    assert digest == key.rsplit("/", 1)[1].split(".")[0]
print(json.dumps({{"wall": time.perf_counter() - wall0, "cpu": time.process_time() - cpu0,
                   "peak_mb": (rss_kb("VmHWM") - before) / 1024}}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=int, default=1024)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    import objectstore  # tests/objectstore.py: the same gateway the tests start

    from inspect_app.adapters.filestore import key_for, sha256_of

    with tempfile.TemporaryDirectory(prefix="bench-store-") as folder:
        work = Path(folder)
        gateway = objectstore.start(work / "s3")
        try:
            source = work / "bundle.bin"
            block = os.urandom(1 << 20)
            with source.open("wb") as out:
                for i in range(args.mb):
                    out.write(block[i % 4096 :] + block[: i % 4096])
            key = key_for(sha256_of(source), "zip")
            configs = {
                "disk": {
                    "FILE_STORE_PATH": str(work / "files"),
                    "UPLOAD_PARTS_PATH": str(work / "uploads"),
                },
                "s3": {**gateway.settings(gateway.new_bucket()), "FILE_STORE_CACHE_PATH": str(work / "cache")},
            }
            child = CHILD.format(bench=str(ROOT / "bench"))
            results: dict[tuple[str, str], list[dict]] = {}
            print(f"a file of {args.mb} MB; {args.repeat} interleaved runs of each case")
            for run in range(args.repeat):
                for backend, config in configs.items():
                    for op in ("put", "get"):
                        copy = work / "copy.bin"
                        if op == "put":
                            shutil.copyfile(source, copy)  # put_file takes the file over
                            _remove(config, key)
                        done = subprocess.run(
                            [sys.executable, "-c", child, json.dumps(config), op, str(copy), key],
                            capture_output=True,
                            text=True,
                            cwd=ROOT,
                        )
                        if done.returncode != 0:
                            raise SystemExit(done.stderr)
                        figures = json.loads(done.stdout)
                        results.setdefault((backend, op), []).append(figures)
                        print(
                            f"run {run + 1} {backend:4} {op}: {figures['wall']:6.2f} s wall, {figures['cpu']:6.2f} s CPU, "
                            f"peak +{figures['peak_mb']:.0f} MB"
                        )
            print("medians:")
            for (backend, op), runs in results.items():
                wall = statistics.median(r["wall"] for r in runs)
                cpu = statistics.median(r["cpu"] for r in runs)
                peak = statistics.median(r["peak_mb"] for r in runs)
                print(
                    f"  {backend:4} {op}: {wall:6.2f} s wall, {cpu:6.2f} s CPU, peak +{peak:.0f} MB, "
                    f"{args.mb / wall:.0f} MB/s"
                )
        finally:
            gateway.stop()


def _remove(config: dict, key: str) -> None:
    from inspect_app.adapters.filestore import open_stores

    open_stores(config)[0].delete(key)


if __name__ == "__main__":
    main()
