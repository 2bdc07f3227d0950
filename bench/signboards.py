"""How long a district's batch of signboards takes to print, and how much memory it needs.

Prepares an instance with a district of 60 stations whose plaques can be printed: three to six staff each and an
officer, every one with a 600×800 JPEG portrait in the file store (what a cropped portrait weighs). Then, each in a
fresh child process so that each peak is its own, interleaved and repeated: the district's batch on A3 (60 pages
in one PDF, as the print shop gets it) and, as the floor, one station's plaque on A3. Prints wall and CPU seconds
(the app's import and start-up left out) and peak RSS (VmHWM) of each run, the PDF's size, and the medians.
The first batch issues the 60 plaques; the later ones print the same plaques again.

    .venv/bin/python bench/signboards.py [--stations 60] [--repeat 3] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import io
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from memory import rss_kb
from PIL import Image, ImageDraw

DISTRICT = "150602"
BASE_URL = "https://12315.ordos.example"
WAYS = ("batch", "one")


def _settings(folder: Path) -> dict:
    return {
        "INSTANCE_PATH": str(folder),
        "SECRET_KEY": "bench",
        "PKI_CA_PASSPHRASE": "bench-ca-passphrase",
        "SWEEP_INTERVAL_MINUTES": 0,
    }


def portrait(rng: random.Random) -> bytes:
    """A 600×800 portrait JPEG: a noisy background, a head and shoulders."""
    image = Image.frombytes("RGB", (6, 8), rng.randbytes(6 * 8 * 3)).resize((600, 800), Image.BICUBIC)
    image = Image.blend(image, Image.effect_noise((600, 800), 30).convert("RGB"), 0.12)
    draw = ImageDraw.Draw(image)
    draw.ellipse((180, 140, 420, 400), fill=(236, 200, 170))
    draw.pieslice((60, 420, 540, 1040), 180, 360, fill=tuple(rng.randrange(40, 160) for _ in range(3)))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def prepare(folder: Path, stations: int) -> None:
    """A fresh instance with `stations` printable stations in 东胜区."""
    from sqlalchemy import select

    from inspect_app import create_app
    from inspect_app.adapters import migrate
    from inspect_app.demo.seed import credit_code
    from inspect_app.domain.directory.stations import HostType
    from inspect_app.models import District, Station, StationStaff

    app = create_app(_settings(folder))
    migrate.upgrade(app.config["SQLALCHEMY_DATABASE_URI"])
    store = app.extensions["filestore"]
    session = app.extensions["db_sessionmaker"]()
    district = session.scalar(select(District).where(District.code == DISTRICT))
    rng = random.Random(stations)
    names = ("王丽", "张伟", "李娜", "刘洋", "陈静", "杨帆")
    for n in range(1, stations + 1):
        station = Station(
            number=f"{DISTRICT}-{n:04d}",
            name=f"东胜区第{n}号商场12315消费维权服务站",
            host_organisation=f"鄂尔多斯市东胜区第{n}商贸有限公司",
            credit_code=credit_code(rng, DISTRICT),
            host_type=list(HostType)[n % len(HostType)],
            district=district,
            address=f"东胜区天骄路{n}号",
            officer_name="赵志刚",
            officer_phone="0477-8591234",
            officer_photo_key=store.put(portrait(rng), "jpg"),
        )
        for position in range(3 + n % 4):
            station.staff.append(
                StationStaff(
                    position=position,
                    name=names[position],
                    duty="站长" if position == 0 else "工作人员",
                    phone=f"138047{n:03d}{position:02d}",
                    photo_key=store.put(portrait(rng), "jpg"),
                )
            )
        session.add(station)
    session.commit()
    session.close()
    app.extensions["db_engine"].dispose()


def run(way: str, folder: Path) -> dict:
    """In a fresh process: print the batch, or one station's plaque, on A3 as the page's download does."""
    from sqlalchemy import select

    from inspect_app import create_app
    from inspect_app.domain.directory.signboards import PaperSize, SignboardKind
    from inspect_app.domain.identity.permissions import Actor, Role
    from inspect_app.models import District, Station
    from inspect_app.signboards import signboard_pdf

    app = create_app(_settings(folder))
    store = app.extensions["filestore"]
    session = app.extensions["db_sessionmaker"]()
    district = session.scalar(select(District).where(District.code == DISTRICT))
    actor = Actor(Role.LEADER, district.id)
    kind, size = SignboardKind.STATION, PaperSize.A3
    wall, cpu, spawned = time.perf_counter(), time.process_time(), _children_s()
    if way == "batch":
        pdf = signboard_pdf.district_batch(session, actor, store, district.id, kind, size, BASE_URL).pdf
    else:
        first = session.scalar(select(Station.id).where(Station.district_id == district.id).order_by(Station.number))
        _, pdf = signboard_pdf.station_pdf(session, actor, store, first, kind, size, BASE_URL)
    result = {
        "way": way,
        "wall_s": time.perf_counter() - wall,
        "cpu_s": time.process_time() - cpu + _children_s() - spawned,
        "peak_kb": rss_kb("VmHWM"),
        "pdf_kb": len(pdf) // 1024,
    }
    session.close()
    return result


def _children_s() -> float:
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stations", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each, interleaved")
    parser.add_argument("--workdir", type=Path, help="keep the prepared instance here")
    parser.add_argument("--run", nargs=2, metavar=("WAY", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        print(json.dumps(run(args.run[0], Path(args.run[1]))))
        return
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.workdir or Path(scratch) / "instance"
        if not (folder / "prepared").is_file():
            folder.mkdir(parents=True, exist_ok=True)
            started = time.perf_counter()
            prepare(folder, args.stations)
            (folder / "prepared").write_text(str(args.stations))
            print(f"prepared {args.stations} stations in {time.perf_counter() - started:.1f} s")
        results: dict[str, list[dict]] = {way: [] for way in WAYS}
        for _ in range(args.repeat):
            for way in WAYS:  # interleaved, so a noisy moment of the machine does not fall on one way only
                out = subprocess.run(
                    [sys.executable, __file__, "--run", way, str(folder)], check=True, stdout=subprocess.PIPE, text=True
                ).stdout
                r = json.loads(out.strip().splitlines()[-1])
                results[way].append(r)
                print(
                    f"{way:>5}: wall {r['wall_s']:.2f} s, CPU {r['cpu_s']:.2f} s, "
                    f"peak {r['peak_kb'] / 1024:.0f} MB, PDF {r['pdf_kb'] / 1024:.1f} MB"
                )
        print(f"medians of {args.repeat} runs (A3, {args.stations} stations in the batch):")
        for way, runs in results.items():
            print(
                f"  {'batch of ' + str(args.stations) if way == 'batch' else 'one station':>14}: "
                f"wall {statistics.median(r['wall_s'] for r in runs):.2f} s, "
                f"CPU {statistics.median(r['cpu_s'] for r in runs):.2f} s, "
                f"peak {statistics.median(r['peak_kb'] for r in runs) / 1024:.0f} MB"
            )


if __name__ == "__main__":
    main()
