"""How long building and signing a district's evidence bundle takes, and how much memory it needs.

Prepares synthetic districts of 20 and 200 submitted stations, each with a full checklist, four 12-megapixel
JPEG photos (distinct scenes with sensor noise and EXIF GPS, put through the real photo pipeline) and two
on-site signatures. Then, in a fresh child process per district so that each peak is its own, builds the
preview and signs the bundle off exactly as the leader's page does, and prints seconds, peak RSS (VmHWM),
report.pdf and ZIP sizes, with the 200/20 ratios against the targets.

    .venv/bin/python bench/bundle_build.py [--sizes 20 200] [--workdir DIR]

Preparing 200 stations takes a few minutes (880 photos are made and ingested); with --workdir the prepared
instances are kept and reused by later runs.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import subprocess
import sys
import tempfile
import time
import zipfile
from concurrent.futures import ProcessPoolExecutor
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import piexif
from memory import rss_kb
from PIL import Image, ImageDraw

PIN = "482913"
PASSPHRASE = "bench-ca-passphrase"
DISTRICT = "150602"
SLOTS = ("signboard", "bulletin_board", "premises", "register")
WIDTH, HEIGHT = 4000, 3000
BEIJING = ZoneInfo("Asia/Shanghai")


def _settings(folder: Path) -> dict:
    return {
        "INSTANCE_PATH": str(folder),
        "SECRET_KEY": "bench",
        "PKI_CA_PASSPHRASE": PASSPHRASE,
        "PASSWORD_TIME_COST": 1,
        "PASSWORD_MEMORY_COST": 8 * 1024,
    }


def make_photo(seed: int, lat: float, lon: float) -> bytes:
    """A 12 MP JPEG like a phone's (~3–5 MB): a scene of its own, hard-edged objects, noise, EXIF GPS."""
    rng = random.Random(seed)
    scene = Image.frombytes("RGB", (16, 12), rng.randbytes(16 * 12 * 3)).resize((WIDTH, HEIGHT), Image.BICUBIC)
    draw = ImageDraw.Draw(scene)
    for _ in range(300):
        x, y = rng.randrange(WIDTH), rng.randrange(HEIGHT)
        box = (x, y, x + rng.randrange(20, 600), y + rng.randrange(10, 300))
        colour = tuple(rng.randrange(256) for _ in range(3))
        (draw.rectangle if rng.random() < 0.7 else draw.ellipse)(box, fill=colour)
    scene = Image.blend(scene, _noise(), 0.16)
    exif = piexif.dump(
        {
            "0th": {piexif.ImageIFD.Make: b"Apple", piexif.ImageIFD.Model: b"iPhone 13"},
            "Exif": {
                piexif.ExifIFD.DateTimeOriginal: datetime.now(BEIJING).strftime("%Y:%m:%d %H:%M:%S").encode(),
                piexif.ExifIFD.OffsetTimeOriginal: b"+08:00",
            },
            "GPS": {
                piexif.GPSIFD.GPSLatitudeRef: b"N",
                piexif.GPSIFD.GPSLatitude: _dms(lat),
                piexif.GPSIFD.GPSLongitudeRef: b"E",
                piexif.GPSIFD.GPSLongitude: _dms(lon),
            },
        }
    )
    out = io.BytesIO()
    scene.save(out, format="JPEG", quality=90, exif=exif)
    return out.getvalue()


_NOISE: Image.Image | None = None


def _noise() -> Image.Image:
    global _NOISE
    if _NOISE is None:
        _NOISE = Image.effect_noise((WIDTH, HEIGHT), 40).convert("RGB")
    return _NOISE


def _dms(value: float) -> tuple:
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round((value - degrees - minutes / 60) * 3600 * 100)
    return (degrees, 1), (minutes, 1), (seconds, 100)


def prepare(folder: Path, stations: int) -> None:
    """A fresh instance with `stations` submitted inspections in 东胜区, a leader and a certificate."""
    from sqlalchemy import select

    from inspect_app import create_app
    from inspect_app.adapters import migrate
    from inspect_app.adapters.pdf.seal import name_signature_png
    from inspect_app.campaigns import operations as campaigns
    from inspect_app.demo.seed import credit_code, default_template
    from inspect_app.domain.checklists.scoring import Verdict
    from inspect_app.domain.directory.stations import HostType
    from inspect_app.domain.findings import Thresholds
    from inspect_app.domain.identity.permissions import Role
    from inspect_app.inspection import operations as inspections
    from inspect_app.inspection import photos
    from inspect_app.inspection.photos import BrowserPosition
    from inspect_app.models import District, Station, User
    from inspect_app.models.types import utcnow
    from inspect_app.review import operations as review
    from inspect_app.signing import keys

    app = create_app(_settings(folder))
    migrate.upgrade(app.config["SQLALCHEMY_DATABASE_URI"])
    session = app.extensions["db_sessionmaker"]()
    passwords = app.extensions["passwords"]
    district = session.scalar(select(District).where(District.code == DISTRICT))
    users = {}
    for role in (Role.INSPECTOR, Role.LEADER):
        users[role] = User(
            username=f"{role.value}.bench",
            display_name=f"东胜区{role.label}",
            role=role,
            district=district,
            password_hash=passwords.hash("bench-password"),
        )
        session.add(users[role])
    rng = random.Random(stations)
    types = list(HostType)
    rows = [
        Station(
            number=f"{DISTRICT}-{n:04d}",
            name=f"东胜区第{n}号商场12315消费维权服务站",
            host_organisation=f"鄂尔多斯市东胜区第{n}商贸有限公司",
            credit_code=credit_code(rng, DISTRICT),
            host_type=types[n % len(types)],
            district=district,
            address=f"东胜区天骄路{n}号",
            latitude=round(39.82 + rng.uniform(-0.03, 0.03), 6),
            longitude=round(109.96 + rng.uniform(-0.03, 0.03), 6),
            head_name="王敏",
            phone="0477-8123456",
            staff_full_time=1,
            staff_part_time=1,
            established_on=date(2020, 1, 1),
        )
        for n in range(1, stations + 1)
    ]
    session.add_all(rows)
    session.commit()
    version, _ = campaigns.load_checklist_version(session, default_template())
    campaign = campaigns.create_campaign(session, "2026年度自查验收", date(2026, 9, 1), date(2026, 12, 15), version.id)
    template = campaigns.template_of(version)
    inspector, leader = users[Role.INSPECTOR], users[Role.LEADER]
    keys.init_authority(session, PASSPHRASE)
    keys.issue_certificate(session, PASSPHRASE, leader.id, PIN)
    started = time.perf_counter()
    jobs = [(n * 10 + k, s.latitude, s.longitude) for n, s in enumerate(rows) for k in range(len(SLOTS))]
    with ProcessPoolExecutor(2) as pool:
        pictures = pool.map(make_photo, *zip(*jobs), chunksize=4)
        for n, station in enumerate(rows):
            inspection = inspections.open_inspection(session, inspector.actor, station.id, campaign)
            for item in template.items:
                verdict = Verdict.FAIL if rng.random() < 0.05 else Verdict.PASS
                points = item.points if item.scoring == "graded" and verdict is Verdict.PASS else None
                inspections.answer_item(
                    session,
                    inspector.actor,
                    inspection.id,
                    item.code,
                    verdict.value,
                    points,
                    "现场核实，需整改" if verdict is Verdict.FAIL else None,
                )
            for slot in SLOTS:
                position = BrowserPosition(
                    station.latitude + rng.uniform(-0.0003, 0.0003),
                    station.longitude + rng.uniform(-0.0003, 0.0003),
                    rng.uniform(5, 30),
                    utcnow() - timedelta(minutes=rng.randint(5, 90)),
                )
                photos.add_photo(
                    session,
                    inspector.actor,
                    app.extensions["filestore"],
                    inspection.id,
                    slot,
                    next(pictures),
                    position,
                    Thresholds(),
                    30 * 2**20,
                )
            for role, name in (("representative", "王敏"), ("inspector", inspector.display_name)):
                inspections.sign(
                    session,
                    inspector.actor,
                    app.extensions["filestore"],
                    inspection.id,
                    role,
                    name,
                    name_signature_png(name),
                )
            inspections.submit(session, inspector.actor, inspection.id)
            review.review(session, leader.actor, inspection.id, "accept")
            if (n + 1) % 20 == 0:
                print(f"  {n + 1}/{stations} stations ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    (folder / "prepared.json").write_text(json.dumps({"stations": stations, "campaign": campaign.id}))


def build(folder: Path) -> dict:
    """In a fresh process: preview and sign-off as the leader's page runs them; time, peak memory, sizes."""
    from sqlalchemy import select

    from inspect_app import create_app
    from inspect_app.adapters.pdf.seal import name_signature_png
    from inspect_app.bundles import operations as bundles
    from inspect_app.models import District, User
    from inspect_app.signing import keys

    prepared = json.loads((folder / "prepared.json").read_text())
    app = create_app(_settings(folder))
    session = app.extensions["db_sessionmaker"]()
    store = app.extensions["filestore"]
    leader = session.scalar(select(User).where(User.username == "leader.bench"))
    district = session.scalar(select(District).where(District.code == DISTRICT))
    before = rss_kb("VmRSS")
    started, cpu = time.perf_counter(), time.process_time()
    bundle = bundles.start_draft(session, leader.actor, district.id, prepared["campaign"], "基准测试。")
    bundles.build_preview(session, store, bundle.id, leader.display_name, folder)
    preview_s, preview_cpu_s = time.perf_counter() - started, time.process_time() - cpu
    bundle = bundles.sign_off(
        session,
        leader.actor,
        store,
        leader,
        bundle.id,
        keys.signing_pin(PIN, PASSPHRASE),
        name_signature_png(leader.display_name),
        folder,
    )
    total_s, total_cpu_s = time.perf_counter() - started, time.process_time() - cpu
    archive = store.path(bundle.archive_key)
    with zipfile.ZipFile(archive) as zipped:
        pdf = zipped.getinfo("report.pdf").file_size
    return {
        "stations": prepared["stations"],
        "preview_s": preview_s,
        "total_s": total_s,
        "preview_cpu_s": preview_cpu_s,
        "total_cpu_s": total_cpu_s,
        "before_kb": before,
        "peak_kb": rss_kb("VmHWM"),
        "pdf_bytes": pdf,
        "zip_bytes": archive.stat().st_size,
    }


def _child(*args: str) -> str:
    return subprocess.run([sys.executable, __file__, *args], check=True, stdout=subprocess.PIPE, text=True).stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20, 200])
    parser.add_argument("--workdir", type=Path, help="keep prepared instances here and reuse them")
    parser.add_argument("--prepare", nargs=2, metavar=("DIR", "STATIONS"), help=argparse.SUPPRESS)
    parser.add_argument("--build", metavar="DIR", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        return prepare(Path(args.prepare[0]), int(args.prepare[1]))
    if args.build:
        return print(json.dumps(build(Path(args.build))))
    scratch = None if args.workdir else tempfile.TemporaryDirectory()
    root = args.workdir or Path(scratch.name)
    results = []
    for size in args.sizes:
        folder = root / f"district-{size}"
        if not (folder / "prepared.json").is_file():
            folder.mkdir(parents=True, exist_ok=True)
            print(f"preparing {size} stations in {folder} ...", file=sys.stderr)
            _child("--prepare", str(folder), str(size))
        results.append(json.loads(_child("--build", str(folder))))
    for r in results:
        print(
            f"{r['stations']:4d} stations: {r['total_s']:6.1f} s (preview {r['preview_s']:5.1f} s), "
            f"CPU {r['total_cpu_s']:6.1f} s (preview {r['preview_cpu_s']:5.1f} s)   "
            f"peak RSS {r['peak_kb'] / 1024:6.0f} MB ({r['before_kb'] / 1024:.0f} MB after start-up)   "
            f"report.pdf {r['pdf_bytes'] / 2**20:6.1f} MB ({r['pdf_bytes'] / r['stations'] / 2**20:.2f} MB/station)"
            f"   ZIP {r['zip_bytes'] / 2**20:7.1f} MB"
        )
    if len(results) >= 2:
        small, large = results[0], results[-1]
        print(
            f"{large['stations']}/{small['stations']} stations: time ×{large['total_s'] / small['total_s']:.1f}, "
            f"peak RSS ×{large['peak_kb'] / small['peak_kb']:.2f} (target < 1.5); "
            f"{large['stations']} stations {large['total_s']:.0f} s (target ≤ 120), "
            f"peak {large['peak_kb'] / 1024:.0f} MB (target ≤ 600), "
            f"PDF {large['pdf_bytes'] / large['stations'] / 2**20:.2f} MB/station (target ≤ 0.6)"
        )
    if scratch:
        scratch.cleanup()


if __name__ == "__main__":
    main()
