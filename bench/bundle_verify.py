"""How long verifying a bundle takes and how much memory it needs: a bundle of the usual shape, and a 1 MB ZIP
whose manifest.json inflates to 1 GiB (a decompression bomb).

Each run is a fresh child process, so its peak resident memory (VmHWM) is its own; the two cases alternate
(genuine, bomb, genuine, bomb, ...) so that a machine busy with something else slows both alike. Prints wall
time, CPU time (user + system) and peak RSS per run, then the medians.

    .venv/bin/python bench/bundle_verify.py [--repeat 5] [--stations 40] [--bundle BUNDLE.zip --ca city-ca.pem]

Without --bundle the genuine case is a synthetic bundle: real-sized photos, a report.pdf and a manifest listing
them, signed and time-stamped by a throw-away city CA made for the run (the verifier hashes the members only
under a manifest signature it trusts; the report's own PDF signature is missing, a check that fails in
milliseconds). With --bundle (e.g. from `flask bundle build`) it is that bundle.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from memory import rss_kb

from inspect_app.adapters import pki
from inspect_app.adapters.archive import ArchiveWriter
from inspect_app.adapters.signatures import CityTimeStamper, sign_detached_cms
from inspect_app.city.verify import verify_bundle
from inspect_app.domain.evidence.manifest import MANIFEST, SIGNATURE, manifest_json

GIB = 1 << 30


PASSPHRASE, PIN = b"bench-ca-passphrase", "135790"


def synthetic_bundle(target: Path, stations: int) -> None:
    """A bundle of the usual shape: five ~3 MB photos a station (random bytes: they compress like JPEGs), a 2 MB
    report.pdf, a manifest listing them all."""
    rng = random.Random(1)
    folder = target.parent
    photo, report = folder / "photo.jpg", folder / "report.pdf"
    photo.write_bytes(rng.randbytes(3 << 20))
    report.write_bytes(b"%PDF-1.7\n" + rng.randbytes(2 << 20))
    archive = ArchiveWriter(target)
    archive.add_file("report.pdf", report)
    for n in range(stations):
        for slot in ("signboard", "bulletin_board", "place", "register", "rules"):
            archive.add_file(f"photos/150602-T{n:04d}/{slot}-1.jpg", photo)
    manifest = manifest_json(
        bundle_id="150602-C1-V1",
        version=1,
        district={"code": "150602", "name": "东胜区"},
        campaign={"id": 1, "name": "2026年度自查验收"},
        leader={"name": "张三"},
        signed_at="2026-10-01T00:00:00+00:00",
        files=archive.entries,
        audit={"entries": 1, "hash": "0" * 64},
    )
    archive.add_bytes(MANIFEST, manifest, listed=False)
    ca = pki.create_root_ca(passphrase=PASSPHRASE)
    tsa = pki.issue_tsa_certificate(ca, PASSPHRASE)
    leader = pki.issue_signing_certificate(
        ca,
        PASSPHRASE,
        subject_name="张三",
        district_code="150602",
        district_name="东胜区",
        username="leader.bench",
        pin=PIN,
    )
    stamper = CityTimeStamper(
        tsa.certificate_pem, pki.load_authority_key(tsa.encrypted_key_pem, PASSPHRASE), ca.certificate_pem
    )
    archive.add_bytes(
        SIGNATURE,
        sign_detached_cms(
            manifest,
            certificate_pem=leader.certificate_pem,
            encrypted_key_pem=leader.encrypted_key_pem,
            pin=PIN,
            timestamper=stamper,
        ),
        listed=False,
    )
    archive.close()
    (target.parent / "city-ca.pem").write_bytes(ca.certificate_pem)


def bomb(target: Path) -> None:
    """A ZIP of about 1 MB whose manifest.json inflates to 1 GiB of zeros."""
    zeros = bytes(1 << 20)
    with zipfile.ZipFile(target, "w") as archive:
        info = zipfile.ZipInfo(MANIFEST, date_time=(2026, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w") as writer:
            for _ in range(GIB // len(zeros)):
                writer.write(zeros)
        archive.writestr(SIGNATURE, b"x" * 3000)


def child(path: str, ca: str) -> None:
    """In a fresh process: verify once; wall and CPU time, resident memory before and at its peak, the verdict."""
    ca_pem = Path(ca).read_bytes() if ca else b""
    before = rss_kb("VmRSS")
    wall, cpu = time.perf_counter(), time.process_time()
    check = verify_bundle(Path(path), ca_pem, {})
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(
        json.dumps(
            {
                "wall_s": wall,
                "cpu_s": cpu,
                "before_kb": before,
                "peak_kb": rss_kb("VmHWM"),
                "ok": check.ok,
                "first_problem": (check.problems or [""])[0][:80],
            },
            ensure_ascii=False,
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--stations", type=int, default=40)
    parser.add_argument("--bundle", type=Path)
    parser.add_argument("--ca", type=Path)
    parser.add_argument("--child", nargs=2, metavar=("PATH", "CA"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(*args.child)
    with tempfile.TemporaryDirectory() as folder:
        genuine = args.bundle or Path(folder) / "bundle.zip"
        ca = args.ca
        if args.bundle is None:
            synthetic_bundle(genuine, args.stations)
            ca = Path(folder) / "city-ca.pem"
        bombed = Path(folder) / "bomb.zip"
        bomb(bombed)
        cases = {"genuine": genuine, "bomb": bombed}
        print(
            f"genuine: {genuine.stat().st_size / 2**20:.1f} MB; bomb: {bombed.stat().st_size / 2**20:.2f} MB "
            f"(manifest.json inflates to 1 GiB); {args.repeat} rounds, each case in a fresh process"
        )
        results: dict[str, list[dict]] = {name: [] for name in cases}
        for round_ in range(args.repeat):
            for name, path in cases.items():
                done = subprocess.run(
                    [sys.executable, __file__, "--child", str(path), str(ca or "")],
                    check=True,
                    capture_output=True,
                    text=True,
                )
                r = json.loads(done.stdout)
                results[name].append(r)
                print(
                    f"round {round_ + 1} {name:7s} wall {r['wall_s']:6.3f} s  CPU {r['cpu_s']:6.3f} s  "
                    f"peak RSS {r['peak_kb'] / 1024:6.1f} MB ({(r['peak_kb'] - r['before_kb']) / 1024:5.1f} MB "
                    f"above start)  ok={r['ok']}  {r['first_problem']}"
                )
    for name, runs in results.items():
        print(
            f"median {name:7s} wall {statistics.median(r['wall_s'] for r in runs):6.3f} s  "
            f"CPU {statistics.median(r['cpu_s'] for r in runs):6.3f} s  "
            f"peak RSS {statistics.median(r['peak_kb'] for r in runs) / 1024:6.1f} MB  "
            f"above start {statistics.median(r['peak_kb'] - r['before_kb'] for r in runs) / 1024:5.1f} MB"
        )


if __name__ == "__main__":
    main()
