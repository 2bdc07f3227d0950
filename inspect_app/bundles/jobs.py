"""Bundle builds off the request path: on an RQ worker when REDIS_URL is set, else in a thread of the web process;
and the queue plumbing other jobs share (enqueue, run_job, the worker: photos are read on it too, photo_jobs.py).

The one place rq and redis are used.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable

from flask import Flask
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Worker

from inspect_app.bundles import operations as bundles
from inspect_app.bundles.builds import BuildLost
from inspect_app.bundles.report import ahead
from inspect_app.db import forget_parent_connections, get_session

QUEUE = "bundles"
# Station parts laid out ahead (bundles/report/ahead.py): after everything else, since nobody waits for them.
PARTS_QUEUE = "report-parts"
# The worker takes a photo before a bundle: an inspector waits for the one, a leader expects the other to take a while.
WORKER_QUEUES = ["photos", QUEUE, PARTS_QUEUE]
# A 200-station district builds in under two minutes here; the margin is for a slow disk, not a normal case.
JOB_TIMEOUT_S = 30 * 60
# A station part takes about a second; the margin is for a slow disk, not a normal case.
PART_TIMEOUT_S = 5 * 60
# The leader's click waits for the enqueue: a Redis that does not answer must not hold it for long.
ENQUEUE_TIMEOUT_S = 3

_app: Flask | None = None
_app_pid: int | None = None


def enqueue_bundle_build(app: Flask, bundle_id: int, leader_name: str, token: str) -> str:
    """Start building a bundle's preview off the request path under the build's claim (`token`); returns where
    it runs, "rq" or "thread" ("inline" when JOBS_INLINE asks for the build inside the call, as tests do)."""
    if app.config.get("JOBS_INLINE"):
        _run_logged(app, bundle_id, leader_name, token)
        return "inline"
    url = app.config.get("REDIS_URL")
    if url:
        try:
            _enqueue(url, bundle_id, leader_name, token)
            return "rq"
        except QueueDown as error:
            # The leader's click must not fail because the queue is down: the web process builds it instead.
            app.logger.warning("Redis unreachable (%s): bundle %s builds in a thread instead", error, bundle_id)
    _start_thread(app, bundle_id, leader_name, token)
    return "thread"


def _enqueue(url: str, bundle_id: int, leader_name: str, token: str) -> None:
    enqueue(url, QUEUE, build_bundle, (bundle_id, leader_name, token), JOB_TIMEOUT_S, f"bundle {bundle_id}")


class QueueDown(Exception):
    """The job queue (Redis) did not answer: the caller runs the job in its own process instead."""


def enqueue(url: str, queue: str, job: Callable[..., Any], args: tuple, timeout_s: int, description: str) -> None:
    """Put a job on an RQ queue; QueueDown when Redis does not answer within ENQUEUE_TIMEOUT_S."""
    connection = Redis.from_url(url, socket_connect_timeout=ENQUEUE_TIMEOUT_S, socket_timeout=ENQUEUE_TIMEOUT_S)
    try:
        Queue(queue, connection=connection).enqueue_call(job, args=args, timeout=timeout_s, description=description)
    except RedisError as error:
        raise QueueDown(str(error)) from error
    finally:
        connection.close()


def _build(app: Flask, bundle_id: int, leader_name: str, token: str) -> None:
    try:
        bundles.build_preview(
            get_session(),
            app.extensions["filestore"],
            bundle_id,
            leader_name,
            Path(app.instance_path),
            token,
            app.config["BUNDLE_BUILD_STALE_SECONDS"],
            app.config["REPORT_LAYOUT_PROCESSES"],
        )
    except BuildLost:  # found interrupted and begun again by another build: that one goes on
        app.logger.info("bundle %s: this build was superseded and stopped", bundle_id)


def _run_logged(app: Flask, bundle_id: int, leader_name: str, token: str) -> None:
    with app.app_context():
        try:
            _build(app, bundle_id, leader_name, token)
        except Exception:  # recorded on the bundle as 生成失败 with its reason
            app.logger.exception("bundle %s failed to build", bundle_id)


def _start_thread(app: Flask, bundle_id: int, leader_name: str, token: str) -> None:
    threading.Thread(
        target=_run_logged, args=(app, bundle_id, leader_name, token), name=f"bundle-{bundle_id}", daemon=True
    ).start()


def enqueue_station_part(app: Flask, inspection_id: int) -> str:
    """Lay out the inspection's station part ahead of the district's builds (bundles/report/ahead.py), off the
    request path: on the worker's report-parts queue, else in a low-priority thread of the web process; "off" when
    REPORT_PARTS_AHEAD is turned off (the builds then lay the part out themselves)."""
    if not app.config.get("REPORT_PARTS_AHEAD"):
        return "off"
    if app.config.get("JOBS_INLINE"):
        _part_logged(app, inspection_id)
        return "inline"
    url = app.config.get("REDIS_URL")
    if url:
        try:
            enqueue(url, PARTS_QUEUE, lay_out_station_part, (inspection_id,), PART_TIMEOUT_S, f"part {inspection_id}")
            return "rq"
        except QueueDown as error:
            app.logger.warning("Redis unreachable (%s): part %s is laid out in a thread", error, inspection_id)
    _part_pool(app).submit(_part_logged, app, inspection_id)
    return "thread"


def lay_out_station_part(inspection_id: int) -> None:
    """The RQ job: lay out an inspection's station part (a failure only means the build lays it out)."""
    run_job(lambda app: _lay_out_part(app, inspection_id))


def _lay_out_part(app: Flask, inspection_id: int) -> None:
    ahead.lay_out_station(get_session(), app.extensions["filestore"], inspection_id, Path(app.instance_path))


def _part_logged(app: Flask, inspection_id: int) -> None:
    with app.app_context():
        try:
            _lay_out_part(app, inspection_id)
        except Exception:  # nothing is lost: the next build lays the part out itself
            app.logger.exception("the station part of inspection %s could not be laid out ahead", inspection_id)


def _part_pool(app: Flask) -> ThreadPoolExecutor:
    """One low-priority thread per web process lays parts out."""
    return _parts.pool(1, app.config["PHOTO_JOB_NICE"])


def wait_for_parts() -> None:
    """Wait until the thread has laid out every part given to it (tests; a clean shutdown)."""
    _parts.wait()


class BackgroundThreads:
    """A web process's pool of low-priority threads for work done after the answer (a forked process makes its
    own: threads do not survive a fork)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._pool: ThreadPoolExecutor | None = None
        self._pid: int | None = None
        self._lock = threading.Lock()

    def pool(self, threads: int, nice: int) -> ThreadPoolExecutor:
        with self._lock:
            if self._pool is None or self._pid != os.getpid():
                self._pool = ThreadPoolExecutor(
                    max_workers=threads, thread_name_prefix=self.name, initializer=lower_priority, initargs=(nice,)
                )
                self._pid = os.getpid()
            return self._pool

    def wait(self) -> None:
        """Wait until the pool has done everything given to it; a new pool starts next."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)


def lower_priority(nice: int) -> None:
    """Lower the calling thread's priority (on Linux a thread has its own nice value, so the request threads keep
    theirs): background work started by the web process leaves the processor to answers and pages first."""
    if nice > 0 and hasattr(os, "nice"):
        try:
            os.nice(nice)
        except OSError:  # not allowed here: the work runs at normal priority
            pass


_parts = BackgroundThreads("report-part")


def bind_app(app: Flask | None) -> None:
    """Run this process's jobs in `app` (the worker command's own app, or a test's); None forgets it."""
    global _app, _app_pid
    _app, _app_pid = app, os.getpid()


def build_bundle(bundle_id: int, leader_name: str, token: str) -> None:
    """The RQ job: build a bundle's preview (its failure is recorded on the bundle and in RQ's failed jobs)."""
    run_job(lambda app: _build(app, bundle_id, leader_name, token))


def run_job(work: Callable[[Flask], None]) -> None:
    """Run an RQ job's work in this process's app, inside its app context."""
    if _app is None:
        from inspect_app import create_app

        bind_app(create_app())  # once per worker process: the app is built from the environment
    app = _app
    assert app is not None  # bound above if it was not already
    forked = os.getpid() != _app_pid
    if forked:
        forget_parent_connections(app)
    try:
        with app.app_context():
            work(app)
    finally:
        if forked:
            app.extensions["db_engine"].dispose()  # the horse ends with os._exit: close its connections first


def run_worker(app: Flask, burst: bool = False) -> bool:
    """Work the photos and bundles queues until stopped (with `burst`, until they are empty); True when it ran any
    job."""
    url = app.config.get("REDIS_URL")
    if not url:
        raise ValueError("REDIS_URL is not set")
    bind_app(app)
    connection = Redis.from_url(url)
    # The forking Worker: each build runs in a fresh child, so WeasyPrint's memory is given back after every
    # bundle and a crash or timeout ends the child, not the worker. The app (and its imports) are made once,
    # here, and inherited; the child replaces the engine's connections (see build_bundle).
    worker = Worker([Queue(name, connection=connection) for name in WORKER_QUEUES], connection=connection)
    app.extensions["filestore"].warm_up()  # a bucket's client library loaded once, for every job's child to share
    return worker.work(burst=burst)
