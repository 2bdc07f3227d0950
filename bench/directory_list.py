"""How quick the directory list is with 10,000 stations.

Times one page of the list (plain, text search, filters, a late page) and the export query against a
baseline in the same process: fetching 20 rows by primary key, the least a page can cost. Then the same pages as
whole HTTP requests through Flask's test client (sign-in session, view, template), beside the query alone.
Medians of wall and CPU (process) time.
Runs on a temporary SQLite file, or on DATABASE_URL when given (its tables are emptied first!).

    .venv/bin/python bench/directory_list.py [--stations 10000] [--repeat 30]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from datetime import date

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from inspect_app.adapters import migrate
from inspect_app.db import make_engine
from inspect_app.demo.seed import credit_code
from inspect_app.directory import operations as directory
from inspect_app.domain.directory.stations import HostType
from inspect_app.domain.identity.permissions import Actor, Role
from inspect_app.models import District, Station


def fill(session: Session, count: int) -> None:
    rng = random.Random(1)
    districts = session.scalars(select(District)).all()
    types = list(HostType)
    rows = []
    for n in range(count):
        d = districts[n % len(districts)]
        rows.append(
            dict(
                number=f"{d.code}-{n:05d}",
                name=f"{d.name}第{n}号12315消费维权服务站",
                host_organisation=f"鄂尔多斯市{rng.choice('东西南北中')}商贸有限公司{n}",
                credit_code=credit_code(rng, d.code),
                host_type=types[n % len(types)],
                district_id=d.id,
                address=f"{d.name}{n}号",
                latitude=d.seat_latitude,
                longitude=d.seat_longitude,
                staff_full_time=1,
                staff_part_time=1,
                is_odr=n % 3 == 0,
                is_demonstration=n % 11 == 0,
                established_on=date(2020, 1, 1),
            )
        )
    session.execute(
        Station.__table__.insert(),
        [{**row, "status": "registered", "created_at": _now(), "updated_at": _now()} for row in rows],
    )
    session.commit()


def _now():
    from inspect_app.models.types import utcnow

    return utcnow()


def median_ms(fn, repeat: int) -> tuple[float, float]:
    """Median wall and CPU milliseconds of `repeat` runs after a warm-up one."""
    fn()  # warm caches and statement compilation
    walls, cpus = [], []
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        fn()
        walls.append((time.perf_counter() - start) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    return statistics.median(walls), statistics.median(cpus)


def http_client(url: str, instance: str):
    """A test client of the app on the bench database, signed in as a city account."""
    from inspect_app import create_app
    from inspect_app.accounts import operations as users

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "INSTANCE_PATH": instance,
            "SECRET_KEY": "directory-bench",
            "WTF_CSRF_ENABLED": False,
            "PASSWORD_TIME_COST": 1,
            "PASSWORD_MEMORY_COST": 8 * 1024,
            "RATELIMIT_STORAGE_URI": "database://",
            "SWEEP_INTERVAL_MINUTES": 0,
        }
    )
    password = "Directory-Bench-2026!"
    with app.app_context():
        session = app.extensions["db_sessionmaker"]()
        users.create_user(
            session, app.extensions["passwords"], users.NewUser("bench.city", "市中心", "city", None, password)
        )
        session.close()
    client = app.test_client()
    assert client.post("/login", data={"username": "bench.city", "password": password}).status_code == 302
    return app, client


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stations", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite3"
        url = url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url
        engine = make_engine(url)
        if engine.dialect.name == "postgresql":
            with engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        migrate.upgrade(url)
        with Session(engine) as session:
            fill(session, args.stations)
            city = Actor(Role.CITY, None)
            leader = Actor(Role.LEADER, session.scalar(select(District.id).where(District.code == "150602")))
            ids = session.scalars(select(Station.id).limit(20)).all()

            def baseline():
                session.scalars(select(Station).where(Station.id.in_(ids))).all()
                session.expunge_all()

            def page(actor, **query):
                def run():
                    directory.search_stations(session, actor, directory.StationQuery(**query))
                    session.expunge_all()

                return run

            cases = {
                "list, first page (city)": page(city),
                "list, first page (leader)": page(leader),
                "search name '第4321号'": page(city, text="第4321号"),
                "search credit code part": page(city, text="91150602"),
                "filter ODR + scenic area": page(city, is_odr=True, host_type=HostType.SCENIC_AREA),
                "export all (city)": lambda: (
                    directory.all_matching_stations(session, city, directory.StationQuery()),
                    session.expunge_all(),
                ),
            }
            base, base_cpu = median_ms(baseline, args.repeat)
            print(f"{engine.dialect.name}, {args.stations} stations, median of {args.repeat} runs")
            print(f"{'baseline: 20 rows by id':<32} {base:8.2f} ms (CPU {base_cpu:7.2f} ms)")
            alone = {}
            for name, fn in cases.items():
                ms, cpu = median_ms(fn, args.repeat if "export" not in name else max(3, args.repeat // 10))
                alone[name] = ms
                print(f"{name:<32} {ms:8.2f} ms (CPU {cpu:7.2f} ms)   ratio {ms / base:6.1f}")

            app, client = http_client(url, f"{tmp}/instance")
            pages = {
                "list, first page (city)": "/directory/",
                "search name '第4321号'": "/directory/?q=第4321号",
                "search credit code part": "/directory/?q=91150602",
                "filter ODR + scenic area": f"/directory/?odr=1&host_type={HostType.SCENIC_AREA.value}",
            }

            def get(path: str):
                def run():
                    response = client.get(path)
                    assert response.status_code == 200, response.status_code
                    response.get_data()

                return run

            print("\nthe same as whole requests through the test client (session, view, template):")
            for name, path in pages.items():
                ms, cpu = median_ms(get(path), args.repeat)
                extra = (
                    f"   query alone {alone[name]:7.2f} ms, the rest {ms - alone[name]:7.2f} ms"
                    if name in alone
                    else ""
                )
                print(f"{'GET ' + name:<32} {ms:8.2f} ms (CPU {cpu:7.2f} ms){extra}")
            app.extensions["db_engine"].dispose()
        engine.dispose()


if __name__ == "__main__":
    main()
