"""Load: simulated inspectors answering and uploading photos through the sync API, under gunicorn on PostgreSQL.

Creates a throw-away database inspect_load_<pid>, migrates it and seeds it through the use cases (one campaign on
the default checklist; N inspectors spread over the nine 旗区, each with a station of their own), starts gunicorn
with inspect_app/gunicorn_conf.py on a free loopback port and a temporary instance path, and drives the
inspectors from a second process (bench/load_client.py): all sign in at once (timed on its own), then all work
together for --seconds. Prints requests/s, p50/p95/p99 per kind of request as the client saw it and as gunicorn's
access log timed it (whole photo uploads apart), errors by status code, then waits (up to 2 minutes) for the photos
still being read, and checks that every photo the client believes stored is in the database with its SHA-256, that
its original file hashes to it (read through the file store's interface), and in which state (ready, rejected,
still processing) it ended. Everything started is stopped and the database dropped at the end, also on Ctrl-C or
failure. Figures only: no assertions.

    .venv/bin/python bench/load.py [--seconds 60] [--inspectors 50] [--think 1.0] [--server postgresql://...]
        [--servers 2] [--store s3] [--redis redis://127.0.0.1:6379/12]

--think is the mean pause of an inspector between two steps (uniform from 0 to twice it): 1 s is an inspector
ten times quicker than one at a real station; --think 0 sends back to back, to find the ceiling.

--servers 2 starts two gunicorns on the same database, and the client sends each inspector's requests to them in
turn (an upload's chunks alternate between them); the closing line says how many requests each served (its access
log). --store s3 keeps the files in a bucket of JuiceFS's S3 gateway (tests/objectstore.py) started for the run,
each server then with an instance folder of its own, as on two machines; with the default disk store the servers
share one, as on one machine. --redis gives the servers a job queue and one worker (`flask jobs worker`) reading
the photos; the Redis database named is the bench's own: it is emptied before and after the run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parent.parent
# The tests' helpers that start servers, the worker and the S3 gateway (tests/servers.py, tests/objectstore.py).
sys.path.insert(0, str(ROOT / "tests"))
PASSWORD = "Load-Bench-2026!"
TARGET_ANSWER_P95_MS = 200
TARGET_UPLOAD_P95_MS = 1500
SERVER_MS = re.compile(r'"(\w+) (/\S*) HTTP/1\.1" (\d{3}) \S+ (\d+)ms')
# The access log's requests, named as the client names them.
KINDS = [
    ("answer", "PUT", re.compile(r"/api/v1/inspections/\d+/answers/\w+$")),
    ("upload start", "POST", re.compile(r"/api/v1/uploads$")),
    ("upload chunk", "PUT", re.compile(r"/api/v1/uploads/\w+\?offset=\d+$")),
    ("photo attach", "POST", re.compile(r"/api/v1/inspections/\d+/photos$")),
    ("photo poll", "GET", re.compile(r"/api/v1/inspections/\d+/photos$")),
    ("open", "POST", re.compile(r"/api/v1/inspections$")),
    ("bootstrap", "GET", re.compile(r"/api/v1/bootstrap$")),
    ("session", "GET", re.compile(r"/api/v1/session$")),
]
PHOTOS_SETTLE_S = 120


SECRETS = {"SECRET_KEY": "load-bench", "PKI_CA_PASSPHRASE": "load-bench"}  # the same on every server


def _settings(url: str, instance: Path, store: dict) -> dict:
    """The app's settings on the throw-away database; `store` names the bucket ({}: this machine's disk)."""
    return {"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(instance), **SECRETS, **store}


def seed(url: str, instance: Path, store: dict, inspectors: int) -> list[dict]:
    """Campaign, stations and inspectors through the use cases; returns the accounts for the client."""
    from inspect_app import create_app
    from inspect_app.accounts import operations as users
    from inspect_app.adapters import migrate
    from inspect_app.campaigns import operations as campaigns
    from inspect_app.demo.seed import credit_code, default_template
    from inspect_app.directory import operations as directory
    from inspect_app.domain.identity.permissions import Actor, Role
    from inspect_app.models import District

    migrate.upgrade(url)
    app = create_app(_settings(url, instance, store))
    session = app.extensions["db_sessionmaker"]()
    today = date.today()
    version, _ = campaigns.load_checklist_version(session, default_template())
    campaigns.create_campaign(
        session, f"{today.year}年度自查验收", today - timedelta(days=30), today + timedelta(days=30), version.id
    )
    districts = list(session.scalars(select(District).order_by(District.code)))
    admin = Actor(Role.ADMIN, None)
    rng = random.Random(inspectors)
    accounts = []
    for n in range(1, inspectors + 1):
        district = districts[(n - 1) % len(districts)]
        station = directory.create_station(
            session,
            admin,
            {
                "number": f"{district.code}-L{n:03d}",
                "name": f"{district.name}压力测试第{n}号12315消费维权服务站",
                "host_organisation": f"鄂尔多斯市压力测试商贸有限公司{n}",
                "credit_code": credit_code(rng, district.code),
                "host_type": "超市",
                "district": district.code,
                "office": "",
                "address": f"{district.name}测试路{n}号",
                "latitude": f"{district.seat_latitude + rng.uniform(-0.02, 0.02):.6f}",
                "longitude": f"{district.seat_longitude + rng.uniform(-0.02, 0.02):.6f}",
                "head_name": "王敏",
                "phone": "0477-8123456",
                "staff_full_time": "1",
                "staff_part_time": "1",
                "established_on": "2020-05-01",
                "is_odr": "否",
                "is_demonstration": "否",
                "status": "在册",
                "notes": "",
            },
            today,
        )
        user = users.create_user(
            session,
            app.extensions["passwords"],
            users.NewUser(f"load.insp{n:03d}", f"压测检查员{n}", "inspector", district.code, PASSWORD),
        )
        accounts.append(
            {
                "username": user.username,
                "password": PASSWORD,
                "station_id": station.id,
                "latitude": station.latitude,
                "longitude": station.longitude,
            }
        )
    session.close()
    app.extensions["db_engine"].dispose()
    return accounts


def server_times(log: str) -> dict[str, list[float]]:
    """Each successful request's time inside gunicorn (its access log), by the client's name for its kind."""
    times: dict[str, list[float]] = {}
    for method, path, status, ms in SERVER_MS.findall(log):
        if not status.startswith("2"):
            continue
        kind = next((k for k, m, pattern in KINDS if m == method and pattern.match(path)), None)
        if kind is not None:
            times.setdefault(kind, []).append(float(ms))
    return times


def served(log: str) -> int:
    """How many requests a server answered: the requests in its access log."""
    return len(SERVER_MS.findall(log))


def verify(
    url: str, instance: Path, settings: dict, uploads: list[dict]
) -> tuple[int, list[str], int, dict[str, int], float]:
    """Every photo the client saw stored: its row, its SHA-256, its original file (read through the file store's
    interface, on disk or in the bucket) hashing to it; and, once the photos still being read are done (or
    PHOTOS_SETTLE_S has passed), how many ended in each state."""
    from inspect_app import create_app
    from inspect_app.adapters.filestore import open_stores
    from inspect_app.models import Photo

    app = create_app(_settings(url, instance, settings))
    session = app.extensions["db_sessionmaker"]()
    store, _ = open_stores(app.config)
    ids = [u["photo"] for u in uploads]
    waited = time.monotonic()
    # Photo.state is missing on a checkout from before photos were read off the request (a "before" run).
    while hasattr(Photo, "state") and time.monotonic() - waited < PHOTOS_SETTLE_S:
        left = session.scalar(
            select(func.count()).select_from(Photo).where(Photo.id.in_(ids), Photo.state == "processing")
        )
        session.rollback()
        if not left:
            break
        time.sleep(1)
    waited = time.monotonic() - waited
    rows = {p.id: p for p in session.scalars(select(Photo).where(Photo.id.in_(ids)))}
    problems = []
    states: dict[str, int] = {}
    for u in uploads:
        photo = rows.get(u["photo"])
        if photo is None:
            problems.append(f"photo {u['photo']} ({u['sha256'][:12]}) is not in the database")
            continue
        state = photo.state.value if hasattr(photo, "state") else "ready"
        states[state] = states.get(state, 0) + 1
        if (photo.sha256, photo.inspection_id, u["answered_sha256"]) != (u["sha256"], u["inspection"], u["sha256"]):
            problems.append(f"photo {photo.id}: stored {photo.sha256[:12]}, sent {u['sha256'][:12]}")
        elif not store.exists(photo.original_key) or _stored_sha256(store, photo.original_key) != u["sha256"]:
            problems.append(f"photo {photo.id}: its original file is missing or does not hash to {u['sha256'][:12]}")
        elif state == "ready" and not all(store.exists(k) for k in (photo.display_key, photo.thumbnail_key)):
            problems.append(f"photo {photo.id}: ready, but a copy of it is missing")
    total = session.scalar(select(func.count()).select_from(Photo)) or 0
    session.close()
    app.extensions["db_engine"].dispose()
    return len(uploads) - len(problems), problems, total, states, waited


def _stored_sha256(store, key: str) -> str:
    with store.open(key) as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


def stop(process: subprocess.Popen | None, grace: float) -> None:
    """SIGTERM, then SIGKILL after `grace` seconds."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def percentiles(values: list[float]) -> str:
    """p50, p95 and p99 of latencies in ms, as one line."""
    if len(values) < 2:
        return f"{values[0]:7.0f} ms (one)" if values else "      –"
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return f"p50 {cuts[49]:6.0f}  p95 {cuts[94]:6.0f}  p99 {cuts[98]:6.0f} ms"


def report(result: dict, args: argparse.Namespace, workers: str, server: dict[str, list[float]]) -> None:
    """Print the figures next to their targets."""
    lat = result["latencies"]
    errors = sum(result["errors"].values())
    print(
        f"\n{args.inspectors} inspectors, {args.seconds:.0f} s, think {args.think:g} s; gunicorn {workers}; "
        f"client CPU {result['client_cpu_s']:.1f} s"
    )
    print(
        f"sign-in phase: {result['requests'].get('sign-in', 0)} requests in {result['sign_in_s']:.1f} s "
        f"(everyone at once; the work below starts when all are in)"
    )
    work = result["requests"].get("work", 0)
    print(
        f"throughput: {work / max(result['elapsed_s'], 1e-9):.1f} requests/s "
        f"({work} requests in {result['elapsed_s']:.1f} s)"
    )
    print("  as the client saw it (ok requests):")
    for kind in (
        "answer",
        "upload",
        "login form",
        "sign-in",
        "session",
        "bootstrap",
        "open",
        "upload start",
        "upload chunk",
        "photo attach",
        "photo poll",
    ):
        if kind in lat:
            label = "upload (whole photo)" if kind == "upload" else kind
            print(f"    {label:<21} {len(lat[kind]):6d} ok   {percentiles(lat[kind])}")
    print("  inside gunicorn (its access log, 2xx):")
    for kind, _, _ in KINDS:
        if kind in server:
            print(f"    {kind:<21} {len(server[kind]):6d}      {percentiles(server[kind])}")
    print(f"errors: {errors} (target 0){'' if not errors else ' ' + json.dumps(result['errors'], ensure_ascii=False)}")
    for sample in result["error_samples"]:
        print(f"  e.g. {sample}")
    for kind, target, name in (
        ("answer", TARGET_ANSWER_P95_MS, "answers"),
        ("upload", TARGET_UPLOAD_P95_MS, "uploads"),
    ):
        if kind in lat and len(lat[kind]) >= 2:
            p95 = statistics.quantiles(lat[kind], n=100, method="inclusive")[94]
            print(f"{name} p95: {p95:.0f} ms (target ≤ {target} ms)")
    states = result.get("photo_states") or {}
    print(
        f"photo states the inspectors polled to the end: {json.dumps(states)}; "
        f"{result.get('still_polling', 0)} still processing when the run ended"
    )
    if result["unfinished"]:
        print(f"{result['unfinished']} inspectors were still in a request when the client gave up on them")


def main() -> None:
    """Create, seed, serve, drive, report, verify; stop and drop whatever happens."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--inspectors", type=int, default=50)
    parser.add_argument("--think", type=float, default=1.0, help="mean pause between two steps, in seconds")
    parser.add_argument(
        "--server",
        default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
        help="a PostgreSQL database to connect to for creating and dropping the throw-away one",
    )
    parser.add_argument("--servers", type=int, default=1, choices=range(1, 5), help="app servers sharing the work")
    parser.add_argument("--store", choices=("disk", "s3"), default="disk", help="where the files are kept")
    parser.add_argument("--redis", help="a Redis database of the bench's own (emptied): a job queue and one worker")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # a kill also cleans up, as Ctrl-C does
    import servers  # tests/servers.py, on the path above

    with ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="inspect-load-")))
        url = stack.enter_context(servers.throwaway_database(args.server, prefix="inspect_load"))
        settings, queue = _shared(stack, scratch, args)
        print(
            f"database {url.rsplit('/', 1)[1]}: migrating and seeding {args.inspectors} inspectors ...", file=sys.stderr
        )
        accounts = seed(url, scratch / "instance", settings, args.inspectors)
        (scratch / "accounts.json").write_text(json.dumps(accounts))
        # On a bucket each server has its own instance folder, as on machines of their own; on disk they share one.
        folders = [scratch / (f"instance-{n}" if args.store == "s3" else "instance") for n in range(args.servers)]
        started = [
            servers.start_gunicorn(
                "ABCD"[n],
                servers.environment(url, folder, **SECRETS, **settings, **queue),
                scratch / f"gunicorn-{n}.log",
            )
            for n, folder in enumerate(folders)
        ]
        worker_folder = scratch / ("worker" if args.store == "s3" else "instance")
        if queue:
            started.append(
                servers.start_worker(
                    # On disk the worker reads the photos where the servers stored them: their one instance folder.
                    servers.environment(url, worker_folder, **SECRETS, **settings, **queue),
                    scratch / "worker.log",
                )
            )
        for process in started:
            stack.callback(process.stop, 30)
        web = [p for p in started if p.base]
        for server in web:
            servers.wait_ready(server)
        result = drive(stack, scratch, web, args)
        logs = {server.name: server.output() for server in web}
        report(result, args, _workers(len(web)), server_times("".join(logs.values())))
        for name, log in logs.items():
            failure = log.find("Traceback (most recent call last)")
            if failure >= 0:
                print(f"the first server error in server {name}'s log:\n" + "\n".join(log[failure:].splitlines()[:60]))
            # A worker gunicorn killed (timeout, memory) or that crashed: its clients saw a connection cut.
            trouble = [line for line in log.splitlines() if "[CRITICAL]" in line or "[ERROR]" in line]
            if trouble:
                print(f"server {name}'s log has {len(trouble)} error lines, the first: " + "\n  ".join(trouble[:5]))
        confirmed, problems, total, states, waited = verify(url, scratch / "instance", settings, result["uploads"])
        print(
            f"uploads: {confirmed} of {len(result['uploads'])} the client saw stored are in the database with "
            f"their SHA-256 and an original file that hashes to it (target: all); {total} photo rows in all; "
            f"after waiting {waited:.0f} s for the ones still being read: {json.dumps(states)}"
        )
        for problem in problems[:20]:
            print(f"  {problem}")
        counts = {name: served(log) for name, log in logs.items()}
        shares = ", ".join(f"{name} {n} ({n / max(sum(counts.values()), 1):.0%})" for name, n in counts.items())
        print(
            f"{len(web)} server{'s' if len(web) > 1 else ''} answered {sum(counts.values())} requests ({shares}, "
            f"their access logs); {confirmed} of {len(result['uploads'])} uploads present in the {args.store} store "
            f"with the right SHA-256 (read through the store's interface), their photos {json.dumps(states)}"
        )
    print("servers stopped, database dropped", file=sys.stderr)


def _shared(stack: ExitStack, scratch: Path, args: argparse.Namespace) -> tuple[dict, dict]:
    """What the servers share besides the database: the bucket's settings ({} on disk) and the job queue's."""
    settings: dict = {}
    if args.store == "s3":
        import objectstore  # tests/objectstore.py: JuiceFS's S3 gateway on a free loopback port

        gateway = objectstore.start(scratch / "s3")
        stack.callback(gateway.stop)
        settings = gateway.environment(gateway.new_bucket())
    if not args.redis:
        return settings, {}
    from redis import Redis

    redis = Redis.from_url(args.redis)
    redis.flushdb()
    stack.callback(redis.close)
    stack.callback(redis.flushdb)
    return settings, {"REDIS_URL": args.redis}


def _workers(servers: int) -> str:
    from inspect_app import gunicorn_conf

    each = f"{gunicorn_conf.workers} workers × {gunicorn_conf.threads} threads ({gunicorn_conf.worker_class})"
    return each if servers == 1 else f"{servers} servers of {each}"


def drive(stack: ExitStack, scratch: Path, web: list, args: argparse.Namespace) -> dict:
    """The load client against the servers; what it measured."""
    print(f"gunicorn at {', '.join(s.base for s in web)}; driving for {args.seconds:.0f} s ...", file=sys.stderr)
    client = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "bench" / "load_client.py"),
            *[arg for server in web for arg in ("--base-url", server.base)],
            "--accounts",
            str(scratch / "accounts.json"),
            "--seconds",
            str(args.seconds),
            "--think",
            str(args.think),
        ],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    stack.callback(stop, client, 5)
    out, _ = client.communicate()
    if client.returncode:
        raise SystemExit(f"the load client failed with {client.returncode}")
    return json.loads(out)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("interrupted: no figures")
