"""Reading uploaded photos off the request path: on the worker's "photos" queue when REDIS_URL is set, else in a
small pool of low-priority threads of the web process; inside the call when JOBS_INLINE or PHOTO_JOBS_INLINE asks
(tests, scripts). The queue itself is bundles/jobs.py's (the one module that speaks to Redis).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from flask import Flask

from inspect_app.bundles import jobs
from inspect_app.db import get_session
from inspect_app.domain.findings import Thresholds
from inspect_app.inspection import photos

QUEUE = "photos"
# A 12 MP photo is read in well under a second; the margin is for a HEIC on a busy, slow machine.
JOB_TIMEOUT_S = 5 * 60

_threads = jobs.BackgroundThreads("photo")


def enqueue_photo(app: Flask, photo_id: int) -> str:
    """Have a stored photo read; returns where: "rq", "thread" or "inline"."""
    if app.config.get("JOBS_INLINE") or app.config.get("PHOTO_JOBS_INLINE"):
        _run_logged(app, photo_id)
        return "inline"
    url = app.config.get("REDIS_URL")
    if url:
        try:
            jobs.enqueue(url, QUEUE, process_queued_photo, (photo_id,), JOB_TIMEOUT_S, f"photo {photo_id}")
            return "rq"
        except jobs.QueueDown as error:
            # The upload is kept either way: the web process reads it rather than leave it waiting.
            app.logger.warning("Redis unreachable (%s): photo %s is read in a thread instead", error, photo_id)
    _thread_pool(app).submit(_run_logged, app, photo_id)
    return "thread"


def requeue_stalled(app: Flask, inspection_id: int | None = None) -> list[int]:
    """Ask again for photos whose reading was lost (a worker that died); with an inspection, only its photos.
    Call it inside an app context; returns the photos' ids."""
    ids = photos.stalled_photos(get_session(), app.config["PHOTO_JOB_STALLED_SECONDS"], inspection_id)
    for photo_id in ids:
        app.logger.warning("photo %s was not read in time: asked for again", photo_id)
        enqueue_photo(app, photo_id)
    return ids


def process_queued_photo(photo_id: int) -> None:
    """The RQ job: read a stored photo (a failure leaves it processing, to be asked for again)."""
    jobs.run_job(lambda app: _process(app, photo_id))


def _process(app: Flask, photo_id: int) -> None:
    photos.process_photo(
        get_session(),
        app.extensions["filestore"],
        photo_id,
        Thresholds.from_config(app.config),
        app.config["PHOTO_MAX_BYTES"],
    )


def _run_logged(app: Flask, photo_id: int) -> None:
    with app.app_context():
        try:
            _process(app, photo_id)
        except Exception:  # the photo stays processing; the poll or the sweep asks for it again later
            app.logger.exception("photo %s could not be read", photo_id)


def _thread_pool(app: Flask) -> ThreadPoolExecutor:
    """The web process's reading threads."""
    return _threads.pool(app.config["PHOTO_JOB_THREADS"], app.config["PHOTO_JOB_NICE"])


def wait_for_threads() -> None:
    """Wait until the pool has read every photo given to it (tests; a clean shutdown); a new pool starts next."""
    _threads.wait()
