"""App servers in processes of their own, as production runs them, for the tests of several servers (and
bench/load.py): a throw-away PostgreSQL database, gunicorn (inspect_app/gunicorn_conf.py) on a free loopback
port and the RQ worker (`flask jobs worker`), each waited for with a deadline and always stopped.

Every process is started in a process group of its own, so that stopping it (or killing it, as a machine dies)
takes its forked workers too."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Mapping

from objectstore import free_port
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
READY_TIMEOUT_S = 90
# Settings of the machine running the tests that must not reach the servers: they get theirs explicitly.
OWN_SETTINGS = ("DATABASE_URL", "REDIS_URL", "INSTANCE_PATH", "FILE_STORE_", "PHOTO_JOBS_INLINE", "HOST", "PORT")


@contextmanager
def throwaway_database(server: str = POSTGRES, prefix: str = "inspect_servers") -> Iterator[str]:
    """A new empty PostgreSQL database on `server` (an admin connection's URL), dropped afterwards whatever
    happens; yields its URL. An unreachable server raises: the caller fails, it does not skip."""
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(3)}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield admin.url.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def environment(url: str, instance: Path, **settings: str) -> dict[str, str]:
    """The environment of a server or worker on the database `url` with its own instance folder; `settings` add
    to it (REDIS_URL, FILE_STORE_*, SECRET_KEY...). Development, not production: production cookies are Secure
    and would not travel over plain loopback HTTP."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(OWN_SETTINGS)}
    return {
        **env,
        "DATABASE_URL": url.replace("postgresql+psycopg://", "postgresql://"),
        "INSTANCE_PATH": str(instance),
        "APP_ENV": "development",
        **settings,
    }


@dataclass
class Process:
    """A server or worker started here: its process (the leader of its own group) and the file its output goes to."""

    name: str
    process: subprocess.Popen
    log: Path
    base: str = ""  # http://127.0.0.1:PORT for a server

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL to the whole group at once: as when its machine dies, nothing gets to clean up."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self, grace: float = 20) -> None:
        """SIGTERM (gunicorn and the worker finish what they are doing), then the kill after `grace` seconds."""
        if self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(grace)
        except subprocess.TimeoutExpired:
            pass
        self.kill()


def _start(name: str, command: list[str], env: Mapping[str, str], log: Path, base: str = "") -> Process:
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, env=dict(env), stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    return Process(name, process, log, base)


def start_gunicorn(name: str, env: Mapping[str, str], log: Path) -> Process:
    """gunicorn as `make serve-prod` runs it, on a free loopback port, its access log into `log`; not yet ready."""
    port = free_port()
    command = [str(Path(sys.executable).with_name("gunicorn")), "-c", "inspect_app/gunicorn_conf.py", "wsgi:app"]
    env = {**env, "HOST": "127.0.0.1", "PORT": str(port)}
    return _start(name, command, env, log, f"http://127.0.0.1:{port}")


def start_worker(env: Mapping[str, str], log: Path) -> Process:
    """The RQ worker (`flask --app wsgi jobs worker`): photos, bundles and station parts from REDIS_URL."""
    command = [str(Path(sys.executable).with_name("flask")), "--app", "wsgi", "jobs", "worker"]
    return _start("worker", command, env, log)


def wait_ready(server: Process, timeout_s: float = READY_TIMEOUT_S) -> None:
    """Until the sign-in page answers 200; RuntimeError with the server's output when it exits or stays silent."""
    deadline = time.monotonic() + timeout_s
    while True:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited with {server.process.returncode}:\n{server.output()[-3000:]}")
        try:
            with urllib.request.urlopen(server.base + "/login", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{server.name} did not answer within {timeout_s:.0f} s:\n{server.output()[-3000:]}")
        time.sleep(0.2)  # polling the port: no event to await from another process


def wait_for_log(process: Process, needle: str, timeout_s: float = READY_TIMEOUT_S) -> None:
    """Until `needle` shows in the process's output (the worker says when it listens)."""
    deadline = time.monotonic() + timeout_s
    while needle not in process.output():
        if process.process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{process.name} is not ready:\n{process.output()[-3000:]}")
        time.sleep(0.2)  # polling its log: no event to await from another process
