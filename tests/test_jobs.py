"""Bundle builds (and photo reading) off the request path: on the RQ worker with REDIS_URL, in a thread without it
or when Redis is down."""

from __future__ import annotations

import hashlib
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from photo_factory import jpeg
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, SimpleWorker
from rq.job import Job, JobStatus
from support import make_station

from inspect_app.bundles import jobs
from inspect_app.config import PROJECT_ROOT
from inspect_app.domain.inspections import PhotoState
from inspect_app.models import Bundle, BundleStatus, Photo

REDIS_URL = "redis://127.0.0.1:6379/15"  # a db of its own, flushed by the tests
UNREACHABLE = "redis://127.0.0.1:1/0"
START_REDIS = (
    'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no '
    "--dir /var/lib/redis --logfile /var/log/redis/ci.log"
)


@pytest.fixture
def redis_db():
    """The real Redis, db 15, empty; a missing server fails the test (never skips it)."""
    connection = Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    try:
        connection.ping()
    except RedisError as error:
        pytest.fail(f"these tests need Redis at 127.0.0.1:6379 ({error}); start it with: {START_REDIS}")
    connection.flushdb()
    yield connection
    connection.flushdb()
    connection.close()


@pytest.fixture
def worker_app(app):
    """Jobs run in the test's app, and the process is left as it was (no bound app, no worker signal handlers)."""
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    jobs.bind_app(app)
    yield app
    jobs.bind_app(None)
    for sig, handler in handlers.items():
        signal.signal(sig, handler)


def start_build(client, auth, session) -> int:
    """The leader's click on 生成证据包, as the page sends it."""
    auth.login("leader.ds")
    response = client.post("/review/bundle/build", data={"narrative": "东胜区文字说明：两站均合格。"})
    assert response.status_code == 302
    bundle_id = session.query(Bundle).one().id
    session.rollback()  # end the read, so the builder's writes are not held up (SQLite)
    return bundle_id


def bundle_state(session, bundle_id: int) -> Bundle:
    session.expire_all()
    return session.get(Bundle, bundle_id)


def wait_until_built(session, bundle_id: int) -> Bundle:
    for _ in range(240):
        bundle = bundle_state(session, bundle_id)
        if bundle.status is not BundleStatus.BUILDING:
            return bundle
        session.rollback()  # end the read, so the builder's writes are not held up (SQLite)
        time.sleep(0.25)
    raise AssertionError("the bundle did not finish building")


def assert_ready_with_preview(app, bundle: Bundle) -> None:
    assert bundle.status is BundleStatus.READY, bundle.error
    assert bundle.preview_key and app.extensions["filestore"].read(bundle.preview_key).startswith(b"%PDF")


def test_with_redis_the_build_waits_on_the_queue_and_the_worker_builds_it(
    app, client, session, season, auth, redis_db, worker_app
):
    app.config["REDIS_URL"] = REDIS_URL
    bundle_id = start_build(client, auth, session)
    queue = Queue(jobs.QUEUE, connection=redis_db)
    assert queue.count == 1  # queued, not started in the web process
    job_id = queue.job_ids[0]
    time.sleep(0.5)
    assert bundle_state(session, bundle_id).status is BundleStatus.BUILDING
    session.rollback()
    assert SimpleWorker([queue], connection=redis_db).work(burst=True)
    assert Job.fetch(job_id, connection=redis_db).get_status() is JobStatus.FINISHED
    assert_ready_with_preview(app, bundle_state(session, bundle_id))


def test_the_worker_command_builds_in_a_forked_child(
    app,
    client,
    session,
    season,
    auth,
    redis_db,
    app_config,
):
    """`flask jobs worker` as production runs it: its own process, each job in a fork with its own connections."""
    app.config["REDIS_URL"] = REDIS_URL
    bundle_id = start_build(client, auth, session)
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": REDIS_URL,
        "INSTANCE_PATH": app.instance_path,
        "SECRET_KEY": app_config["SECRET_KEY"],
        "APP_ENV": "development",
    }
    flask = Path(sys.executable).with_name("flask")
    done = subprocess.run(
        [str(flask), "--app", "wsgi", "jobs", "worker", "--burst"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert_ready_with_preview(app, bundle_state(session, bundle_id))


def test_without_redis_the_build_runs_in_a_thread(app, client, session, season, auth):
    assert app.config["REDIS_URL"] is None
    bundle_id = start_build(client, auth, session)
    assert_ready_with_preview(app, wait_until_built(session, bundle_id))


def test_an_unreachable_redis_falls_back_to_a_thread_with_a_warning(app, session, season, caplog):
    from inspect_app.bundles import operations as bundles

    app.config["REDIS_URL"] = UNREACHABLE
    leader = season["leader"]
    bundle, token = bundles.begin_build(session, leader.actor, leader.district_id, season["campaign"].id, "x")
    with caplog.at_level(logging.WARNING):
        started = time.monotonic()
        assert jobs.enqueue_bundle_build(app, bundle.id, leader.display_name, token) == "thread"
        assert time.monotonic() - started < jobs.ENQUEUE_TIMEOUT_S + 1
    assert any("Redis unreachable" in r.getMessage() for r in caplog.records)
    assert_ready_with_preview(app, wait_until_built(session, bundle.id))


def test_the_worker_command_needs_redis_url(runner):
    result = runner.invoke(args=["jobs", "worker", "--burst"])
    assert result.exit_code != 0 and "REDIS_URL" in result.output


def test_with_redis_a_photo_waits_on_the_photos_queue_and_the_worker_reads_it(
    app, client, session, campaign, login_as, redis_db, worker_app
):
    app.config.update(REDIS_URL=REDIS_URL, PHOTO_JOBS_INLINE=False)
    station = make_station(session, "150602", latitude="39.82", longitude="109.96")
    login_as("inspector", "150602")
    opened = client.post(
        "/api/v1/inspections", json={"station_id": station.id}, headers={"Idempotency-Key": "k-open-1"}
    )
    data = jpeg(39.82, 109.96, seed=21)
    sha = hashlib.sha256(data).hexdigest()
    assert client.post("/api/v1/uploads", json={"sha256": sha, "size": len(data)}).status_code == 200
    assert client.put(f"/api/v1/uploads/{sha}?offset=0", data=data, content_type="application/octet-stream").get_json()[
        "complete"
    ]
    answer = client.post(
        f"/api/v1/inspections/{opened.get_json()['id']}/photos",
        json={"slot": "signboard", "sha256": sha},
        headers={"Idempotency-Key": "k-photo-1"},
    )
    assert answer.status_code == 202 and answer.get_json()["state"] == "processing"
    photos_queue, bundles_queue, _ = (Queue(name, connection=redis_db) for name in jobs.WORKER_QUEUES)
    assert (photos_queue.name, photos_queue.count, bundles_queue.count) == ("photos", 1, 0)
    assert SimpleWorker([photos_queue, bundles_queue], connection=redis_db).work(burst=True)
    session.expire_all()
    photo = session.get(Photo, answer.get_json()["id"])
    assert photo.state is PhotoState.READY and photo.thumbnail_key


def _parts(app, season) -> list[Path]:
    folder = Path(app.instance_path) / "report-parts"
    return sorted(folder.rglob("*.pdf")) if folder.is_dir() else []


def test_with_redis_a_station_part_is_laid_out_ahead_by_the_worker(app, session, season, redis_db, worker_app):
    from inspect_app.models import Inspection

    app.config.update(REDIS_URL=REDIS_URL, REPORT_PARTS_AHEAD=True)
    inspection = session.query(Inspection).order_by(Inspection.id).first()
    assert jobs.enqueue_station_part(app, inspection.id) == "rq"
    queue = Queue(jobs.PARTS_QUEUE, connection=redis_db)
    assert jobs.WORKER_QUEUES[-1] == jobs.PARTS_QUEUE  # after photos and bundles, which someone waits for
    assert queue.count == 1 and _parts(app, season) == []  # queued, not laid out in the web process
    session.rollback()
    assert SimpleWorker([queue], connection=redis_db).work(burst=True)
    assert len(_parts(app, season)) == 1


def test_without_redis_a_station_part_is_laid_out_in_a_low_priority_thread(app, session, season):
    from inspect_app.models import Inspection

    app.config["REPORT_PARTS_AHEAD"] = True
    inspection = session.query(Inspection).order_by(Inspection.id).first()
    session.rollback()
    assert jobs.enqueue_station_part(app, inspection.id) == "thread"
    jobs.wait_for_parts()
    assert len(_parts(app, season)) == 1
