"""How long building and signing a district's evidence bundle takes, and how much memory it needs.

Prepares synthetic districts of 20 and 200 submitted stations, each with a full checklist, four 12-megapixel
JPEG photos (distinct scenes with sensor noise and EXIF GPS, put through the real photo pipeline) and two
on-site signatures. Then, in a fresh child process per district so that each peak is its own, builds the
preview and signs the bundle off exactly as the leader's page does, first with nothing laid out before (every
part laid out by the build, in REPORT_LAYOUT_PROCESSES processes), then as the season runs it: each station's
part laid out when its inspection was submitted (timed on its own), and the leader's build (cold: its first
build). Then it changes one inspection and builds and signs the next version (only that station is laid out
again), and prints
wall and CPU seconds (the layout workers' included), peak RSS of the process and its workers together,
report.pdf and ZIP sizes, with the ratios against the targets.

    .venv/bin/python bench/bundle_build.py [--sizes 20 200] [--large] [--repeat N] [--workdir DIR]

--large adds a district of 1,400 stations. With DATABASE_URL set (postgresql://...), each district gets a
database of its own on that server (named after the URL's, with the size appended). Preparing 200 stations
takes minutes; with --workdir the prepared instances and the generated photos are kept and reused by later
runs (a build's layout cache is removed before each cold run).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
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
    database = folder / "database_url.txt"
    extra = {"SQLALCHEMY_DATABASE_URI": database.read_text().strip()} if database.is_file() else {}
    return {
        **extra,
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


def cached_photo(folder: Path, seed: int, lat: float, lon: float) -> bytes:
    """make_photo, kept in `folder` by its arguments: a second preparation reuses the photos made by the first."""
    path = folder / f"{seed}-{lat:.6f}-{lon:.6f}.jpg"
    if path.is_file():
        return path.read_bytes()
    data = make_photo(seed, lat, lon)
    path.write_bytes(data)
    return data


def _database(folder: Path, stations: int) -> None:
    """With DATABASE_URL: a fresh PostgreSQL database of the district's own, named in the folder."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = make_url(url)
    name = f"{base.database}_bench{stations}"
    engine = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    (folder / "database_url.txt").write_text(base.set(database=name).render_as_string(hide_password=False))


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

    _database(folder, stations)
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
    photo_cache = folder.parent / "photos"
    photo_cache.mkdir(exist_ok=True)
    with ProcessPoolExecutor(2) as pool:
        pictures = pool.map(cached_photo, *zip(*[(photo_cache, *job) for job in jobs]), chunksize=4)
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


class PeakMemory:
    """The largest RSS of this process and its descendants (the layout workers) together, sampled while it runs,
    and the CPU time its descendants used: the workers are the fork server's children, never reaped by this
    process, so RUSAGE_CHILDREN does not see them."""

    def __init__(self, interval_s: float = 0.1) -> None:
        self.peak_kb = 0
        self.ticks: dict[tuple[int, str], int] = {}  # (pid, start time) -> utime + stime, last seen
        self.baseline: dict[tuple[int, str], int] = {}
        self.interval_s = interval_s
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> PeakMemory:
        self._sample()
        self.baseline = dict(self.ticks)  # a fork server left from an earlier run counts from here
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop.set()
        self.thread.join()
        self.peak_kb = max(self.peak_kb, rss_kb("VmHWM"))

    def _run(self) -> None:
        while not self.stop.wait(self.interval_s):
            self._sample()

    def _sample(self) -> None:
        family = _family(os.getpid())
        self.peak_kb = max(self.peak_kb, sum(_rss(pid) for pid in family))
        for pid in family[1:]:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            self.ticks[(pid, fields[19])] = int(fields[11]) + int(fields[12])

    @property
    def descendants_cpu_s(self) -> float:
        used = sum(ticks - self.baseline.get(key, 0) for key, ticks in self.ticks.items())
        return used / os.sysconf("SC_CLK_TCK")


def _family(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                todo.extend(int(child) for child in (task / "children").read_text().split())
        except OSError:
            continue
    return found


def _rss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _cpu_s() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def build(folder: Path) -> dict:
    """In a fresh process: preview and sign-off as the leader's page runs them, cold; then one inspection changed
    and the next version built and signed; time, CPU, peak memory, sizes."""
    from sqlalchemy import select

    from inspect_app import create_app
    from inspect_app.adapters.pdf.seal import name_signature_png
    from inspect_app.bundles import operations as bundles
    from inspect_app.bundles.report import ahead
    from inspect_app.models import District, Inspection, Station, User
    from inspect_app.signing import keys

    prepared = json.loads((folder / "prepared.json").read_text())
    shutil.rmtree(folder / "report-parts", ignore_errors=True)  # cold: nothing laid out before
    app = create_app(_settings(folder))
    session = app.extensions["db_sessionmaker"]()
    store = app.extensions["filestore"]
    leader = session.scalar(select(User).where(User.username == "leader.bench"))
    district = session.scalar(select(District).where(District.code == DISTRICT))
    before = rss_kb("VmRSS")

    processes = app.config["REPORT_LAYOUT_PROCESSES"]

    def build_and_sign(peak: PeakMemory) -> tuple[float, float, float, object]:
        started, cpu = time.perf_counter(), _cpu_s()
        bundle = bundles.start_draft(session, leader.actor, district.id, prepared["campaign"], "基准测试。")
        bundles.build_preview(session, store, bundle.id, leader.display_name, folder, layout_processes=processes)
        preview_s = time.perf_counter() - started
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
        return preview_s, time.perf_counter() - started, _cpu_s() - cpu + peak.descendants_cpu_s, bundle

    # Nothing laid out before: every part is laid out by the build, in `processes` processes.
    with PeakMemory() as bare:
        bare_preview_s, bare_s, bare_cpu_s, _ = build_and_sign(bare)
    # As the season runs: each station's part laid out when its inspection was submitted (ahead.py), one after
    # another in the background; then the leader's build joins them.
    shutil.rmtree(folder / "report-parts", ignore_errors=True)
    submitted = session.scalars(
        select(Inspection.id).join(Station).where(Station.district_id == district.id).order_by(Inspection.id)
    ).all()
    started, cpu = time.perf_counter(), _cpu_s()
    for inspection_id in submitted:
        ahead.lay_out_station(session, store, inspection_id, folder)
    ahead_s, ahead_cpu_s = time.perf_counter() - started, _cpu_s() - cpu
    with PeakMemory() as peak:
        preview_s, total_s, cpu_s, bundle = build_and_sign(peak)
    archive = store.path(bundle.archive_key)
    with zipfile.ZipFile(archive) as zipped:
        pdf = zipped.getinfo("report.pdf").file_size
    # One inspection changed after the sign-off (a new version begins): only its station is laid out again.
    station = session.scalar(
        select(Station).join(Inspection).where(Station.district_id == district.id).order_by(Station.number).limit(1)
    )
    station.head_name = "李强" if station.head_name != "李强" else "王敏"
    session.commit()
    with PeakMemory() as second:
        rebuild_preview_s, rebuild_s, rebuild_cpu_s, _ = build_and_sign(second)
    return {
        "stations": prepared["stations"],
        "processes": processes,
        "bare_preview_s": bare_preview_s,
        "bare_s": bare_s,
        "bare_cpu_s": bare_cpu_s,
        "bare_peak_kb": bare.peak_kb,
        "ahead_s": ahead_s,
        "ahead_cpu_s": ahead_cpu_s,
        "preview_s": preview_s,
        "total_s": total_s,
        "cpu_s": cpu_s,
        "rebuild_preview_s": rebuild_preview_s,
        "rebuild_s": rebuild_s,
        "rebuild_cpu_s": rebuild_cpu_s,
        "before_kb": before,
        "peak_kb": peak.peak_kb,
        "pdf_bytes": pdf,
        "zip_bytes": archive.stat().st_size,
    }


def _child(*args: str) -> str:
    return subprocess.run([sys.executable, __file__, *args], check=True, stdout=subprocess.PIPE, text=True).stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20, 200])
    parser.add_argument("--large", action="store_true", help="add a district of 1,400 stations")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each size, interleaved")
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
    sizes = [*args.sizes, *([1400] if args.large else [])]
    for size in sizes:
        folder = root / f"district-{size}"
        if not (folder / "prepared.json").is_file():
            folder.mkdir(parents=True, exist_ok=True)
            print(f"preparing {size} stations in {folder} ...", file=sys.stderr)
            _child("--prepare", str(folder), str(size))
    results: dict[int, list[dict]] = {size: [] for size in sizes}
    for _ in range(args.repeat):
        for size in sizes:  # interleaved, so a noisy moment of the machine does not fall on one size only
            results[size].append(json.loads(_child("--build", str(root / f"district-{size}"))))
    for size in sizes:
        for r in results[size]:
            print(
                f"{r['stations']:4d} stations, nothing laid out ahead, build+sign: {r['bare_s']:6.1f} s wall, "
                f"{r['bare_cpu_s']:6.1f} s CPU (preview {r['bare_preview_s']:5.1f} s, {r['processes']} layout "
                f"processes)   peak RSS with workers {r['bare_peak_kb'] / 1024:6.0f} MB"
            )
            print(
                f"{r['stations']:4d} stations laid out ahead one by one as submitted: {r['ahead_s']:6.1f} s wall, "
                f"{r['ahead_cpu_s']:6.1f} s CPU ({r['ahead_cpu_s'] / r['stations']:.2f} s CPU a station)"
            )
            print(
                f"{r['stations']:4d} stations cold build+sign: {r['total_s']:6.1f} s wall, {r['cpu_s']:6.1f} s CPU "
                f"(preview {r['preview_s']:5.1f} s)   peak RSS with workers {r['peak_kb'] / 1024:6.0f} MB "
                f"({r['before_kb'] / 1024:.0f} MB after start-up)   report.pdf {r['pdf_bytes'] / 2**20:6.1f} MB "
                f"({r['pdf_bytes'] / r['stations'] / 2**20:.2f} MB/station)   ZIP {r['zip_bytes'] / 2**20:7.1f} MB"
            )
            print(
                f"{r['stations']:4d} stations rebuild after one change: {r['rebuild_s']:6.1f} s wall, "
                f"{r['rebuild_cpu_s']:6.1f} s CPU (preview {r['rebuild_preview_s']:5.1f} s)"
            )
    targets = {200: ("build+sign ≤ 45 s", 45), 1400: ("build+sign ≤ 360 s", 360)}
    for size, (label, limit) in targets.items():
        for r in results.get(size, []):
            print(
                f"{size} stations: {r['total_s']:.0f} s ({label}: {'met' if r['total_s'] <= limit else 'missed'}), "
                f"rebuild {r['rebuild_s']:.0f} s (≤ 10 s: {'met' if r['rebuild_s'] <= 10 else 'missed'}), "
                f"peak {r['peak_kb'] / 1024:.0f} MB (≤ 600 MB: {'met' if r['peak_kb'] <= 600 * 1024 else 'missed'})"
            )
    if scratch:
        scratch.cleanup()


if __name__ == "__main__":
    main()
