"""gunicorn settings for production: `gunicorn -c inspect_app/gunicorn_conf.py wsgi:app` (see `make serve-prod`).

Every setting comes from the environment, with defaults for one machine behind a reverse proxy on the same host.
"""

from __future__ import annotations

import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, not {value!r}") from None


bind = f"{os.environ.get('HOST', '127.0.0.1')}:{_int('PORT', 8000)}"

# Sign-in (Argon2) and the photo pipeline are CPU work, so processes; the usual 2 × cores + 1, capped because
# each worker holds a whole app and an Argon2 hash in flight takes 64 MB.
workers = _int("WEB_CONCURRENCY", min(2 * (os.cpu_count() or 1) + 1, 8))

# Photo uploads and PDF downloads mostly wait on the phone's link: a few threads per worker keep it busy meanwhile.
# Four stays below SQLAlchemy's pool of five connections per process.
worker_class = "gthread"
threads = _int("GUNICORN_THREADS", 4)

# A 25 MB upload (MAX_CONTENT_LENGTH) over a poor mobile link of ~0.5 Mbit/s takes about 7 minutes. For gthread
# `timeout` is the worker's heartbeat rather than a cap per request, but nothing here may cut such an upload short.
timeout = _int("GUNICORN_TIMEOUT", 600)
# On a restart or deploy, requests in flight (an upload, a bundle download) get this long to finish.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 120)
# Longer than the default 2 s: the offline app's sync sends requests in bursts on one connection.
keepalive = 5

accesslog = "-"  # stdout, for the service manager's journal
errorlog = "-"
# The client's address as the proxy saw it first, and the time taken (ms).
access_log_format = '%({x-forwarded-for}i)s %(h)s %(u)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'

# Whose X-Forwarded-Proto is believed (so that url_for and secure cookies see https): the reverse proxy's address.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# The heartbeat file is touched every second: keep it in memory, not on a (possibly slow or full) disk.
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"

# gunicorn 24+ opens a control socket at one path per user: two instances on a machine (a deploy next to the
# running one, the load benchmark) would contend for it, and nothing here uses it. Older versions ignore this.
control_socket_disable = True

# The app is made once in the master and the workers are forked from it: they start in a moment, and the code and
# data that never change after start-up (Flask, SQLAlchemy's mappers, templates, the checklist) stay in pages the
# workers share instead of one copy each. GUNICORN_PRELOAD=0 makes each worker load the app itself (a reload of the
# code on `kill -HUP`, at the cost of that memory).
preload_app = os.environ.get("GUNICORN_PRELOAD", "1").strip() != "0"


def when_ready(server) -> None:
    """Before the first fork: load the photo hash (imagehash, NumPy, SciPy's DCT) once, for every worker to share,
    so that no worker's first photo waits for it; with the app preloaded, the file store's client library too
    (boto3 and its S3 model, some 40 MB, when the files are in a bucket)."""
    from inspect_app.adapters import imaging

    imaging.warm_up()
    if server.cfg.preload_app:
        server.app.wsgi().extensions["filestore"].warm_up()


def post_fork(server, worker) -> None:
    """In each new worker: the app made in the master came with its engine's pool, whose connections belong to
    the master; the worker opens its own (without closing the master's)."""
    if not server.cfg.preload_app:
        return  # the worker makes its own app, engine and all
    from inspect_app.db import forget_parent_connections

    forget_parent_connections(server.app.wsgi())
