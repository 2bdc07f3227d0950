"""The sweep on a schedule: a thread in every app process, of which one per interval (on any server) runs it.

Started by the first request a process serves (a gunicorn worker is forked after the app is made, and a
thread started before the fork would not be in it); the job worker, which serves none, starts one that only
tidies its own machine (tidy_on_schedule). At start-up, before any request, the scratch folders of
dead processes are removed at once: a build or sign-off cut short leaves the drawn signature in one.
"""

from __future__ import annotations

import os
import threading
import time
from datetime import datetime
from pathlib import Path

from flask import Flask

from inspect_app.adapters import scratch
from inspect_app.db import get_session
from inspect_app.domain.clock import BEIJING
from inspect_app.housekeeping import sweep as housekeeping
from inspect_app.inspection import photo_jobs
from inspect_app.models.types import utcnow
from inspect_app.todo import mailing as todo_mailing


class Sweeper:
    """Runs the sweep when due; `finished` is set after each run or tidy (for whoever waits on it). With
    `shared=False` it only tidies this machine: a process that keeps out of the database's turns (the job worker)."""

    def __init__(self, app: Flask, shared: bool = True) -> None:
        self.app = app
        self.every_s = app.config["SWEEP_INTERVAL_MINUTES"] * 60
        self.shared = shared
        self.finished = threading.Event()
        self._stop = threading.Event()
        self._pid: int | None = None
        self._lock = threading.Lock()
        self._tidied_at = -float("inf")

    def start(self) -> None:
        """Start this process's thread, once per process."""
        with self._lock:
            if self._pid == os.getpid():
                return
            self._pid = os.getpid()
        threading.Thread(target=self._loop, name="sweeper", daemon=True).start()

    def _loop(self) -> None:
        # Checks four times per interval, so a process that missed its turn (another ran it) is never far off;
        # the claim in the database decides who runs.
        while True:
            try:
                self.run_if_due()
            except Exception:  # logged; the next check tries again
                self.app.logger.exception("sweep failed")
            if self._stop.wait(max(30.0, self.every_s / 4)):
                return

    def stop(self) -> None:
        self._stop.set()

    def run_if_due(self) -> housekeeping.SweepReport | None:
        """Run the sweep if no process ran it within the interval; its report, or None. A process of another
        server may have run it: this one then tidies what only its own machine keeps, once per interval."""
        if self.shared:
            with self.app.app_context():
                if housekeeping.claim_run(get_session(), housekeeping.SWEEP, self.every_s):
                    self._tidied_at = time.monotonic()
                    return run(self.app)
        if time.monotonic() - self._tidied_at >= self.every_s:
            self._tidied_at = time.monotonic()
            housekeeping.tidy_this_machine(self.app.extensions["filestore"], Path(self.app.instance_path), time.time())
            self.finished.set()
        return None


def run(app: Flask) -> housekeeping.SweepReport:
    """Run the sweep now with the app's settings, and record it."""
    started_at = utcnow()
    with app.app_context():
        session = get_session()
        config = app.config
        report = housekeeping.sweep(
            session,
            app.extensions["filestore"],
            app.extensions["uploads"],
            Path(app.instance_path),
            upload_expiry_days=config["UPLOAD_EXPIRY_DAYS"],
            stale_after_s=config["BUNDLE_BUILD_STALE_SECONDS"],
        )
        report.photos_requeued = len(photo_jobs.requeue_stalled(app))
        report.todo_mails_sent = _send_todo_mail(app, session)
        housekeeping.record_run(session, housekeeping.SWEEP, started_at, report)
    sweeper = app.extensions.get("sweeper")
    if sweeper is not None:
        sweeper.finished.set()
    if any(report.as_dict().values()):
        app.logger.info("sweep: %s", report.as_dict())
    return report


def tidy_on_schedule(app: Flask) -> None:
    """In the job worker, which serves no request (so no sweeper starts) yet keeps a local copy of every photo its
    builds lay out: its machine tidied each interval, in a thread that touches neither the database nor the queue
    (the worker forks a child per job, and the thread must hold nothing a child would inherit)."""
    if not app.config["SWEEP_INTERVAL_MINUTES"]:
        return
    sweeper = Sweeper(app, shared=False)
    app.extensions["sweeper"] = sweeper
    sweeper.start()


def _send_todo_mail(app: Flask, session) -> int:
    """The to-do e-mails of the items that came up since the last sweep (nothing unless SMTP is configured)."""
    mails = todo_mailing.send_todo_mail(session, app.config, datetime.now(BEIJING).date())
    for failure in mails.failures:
        app.logger.warning("to-do mail: %s", failure)
    return mails.messages


def init_app(app: Flask) -> None:
    """Clear dead processes' scratch folders now; run the sweep on schedule once requests come."""
    scratch.remove_leftovers(Path(app.instance_path))
    if not app.config["SWEEP_INTERVAL_MINUTES"]:
        return
    sweeper = Sweeper(app)
    app.extensions["sweeper"] = sweeper
    app.before_request(sweeper.start)
