"""Two app servers behind one address: gunicorn on two loopback ports and one RQ worker, sharing a PostgreSQL
database of their own, Redis and a bucket of the JuiceFS gateway, each server with an instance folder of its own
(as on two machines). A phone's requests may reach either server: an upload's chunks, a photo's view, a bundle's
download, a session and its sign-in limits hold across both, and a server killed mid-upload loses nothing.

They run on any DATABASE_URL (their database is their own) and fail, never skip, when PostgreSQL or Redis is
not there."""

from __future__ import annotations

import base64
import hashlib
import io
import re
import socket
import time
import uuid
import zipfile
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Callable

import pytest
import requests
import servers
from photo_factory import jpeg, signature_png
from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import create_engine, select
from sqlalchemy.exc import OperationalError
from support import PASSWORD, PIN, accepted_inspection, make_station, make_user, new_campaign

from inspect_app import create_app
from inspect_app.adapters import migrate
from inspect_app.adapters.filestore import FileStore, PartialUploads, open_stores
from inspect_app.models import Bundle, Photo
from inspect_app.signing import keys

REDIS_URL = "redis://127.0.0.1:6379/11"  # a db of its own, emptied before and after
SECRETS = {"SECRET_KEY": "two-servers", "PKI_CA_PASSPHRASE": "two-servers-ca"}  # the same on every server
TIMEOUT = (5, 60)
SETTLE_S = 90
CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
WRONG = "wrong-pass-1"


@dataclass
class Cluster:
    """The servers, the worker, and what they share, as the tests see it."""

    url: str
    a: servers.Process
    b: servers.Process
    worker: servers.Process
    store: FileStore
    uploads: PartialUploads
    seeded: dict[str, Any]
    start_server: Callable[[str], servers.Process] = field(repr=False)

    def photo_row(self, photo_id: int) -> Any:
        engine = create_engine(self.url)
        try:
            with engine.connect() as connection:
                return connection.execute(select(Photo).where(Photo.id == photo_id)).one()
        finally:
            engine.dispose()

    def stored_sha256(self, key: str) -> str:
        """The SHA-256 of what the store holds under `key`, read through the store's interface."""
        with self.store.open(key) as stream:
            return hashlib.file_digest(stream, "sha256").hexdigest()


def seed(url: str, folder: Path, bucket_settings: dict[str, Any]) -> dict[str, Any]:
    """The season through the use cases, before any server starts: a campaign around today; a Kangbashi
    inspector with a station per test; Dongsheng's leader with two accepted inspections (photos in the bucket)
    and a signing certificate; an account for the sign-in limits."""
    migrate.upgrade(url)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "INSTANCE_PATH": str(folder / "seed"),
            "PASSWORD_TIME_COST": 1,
            "PASSWORD_MEMORY_COST": 8 * 1024,
            "PHOTO_JOBS_INLINE": True,
            "SWEEP_INTERVAL_MINUTES": 0,
            "REPORT_PARTS_AHEAD": False,
            **SECRETS,
            **bucket_settings,
        }
    )
    session = app.extensions["db_sessionmaker"]()
    session.info["passwords"] = app.extensions["passwords"]
    try:
        today = date.today()
        campaign = new_campaign(session, starts_on=today - timedelta(days=30), deadline=today + timedelta(days=30))
        inspector = make_user(session, "inspector", "150603", username="insp.kbs")
        stations = [make_station(session, "150603").id for _ in range(4)]
        leader = make_user(session, "leader", "150602", username="leader.ds")
        insp_ds = make_user(session, "inspector", "150602", username="insp.ds")
        for n in (1, 2):
            station = make_station(session, "150602", latitude="39.82", longitude="109.96")
            accepted_inspection(session, app, campaign, station, insp_ds, leader, n)
        keys.init_authority(session, SECRETS["PKI_CA_PASSPHRASE"])
        keys.issue_certificate(session, SECRETS["PKI_CA_PASSPHRASE"], leader.id, PIN)
        make_user(session, "city", username="c.limits")
        return {"inspector_id": inspector.id, "stations": stations}
    finally:
        session.close()
        app.extensions["db_engine"].dispose()


def own_redis() -> Redis:
    connection = Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    try:
        connection.ping()
    except RedisError as error:
        pytest.fail(f"two servers need Redis at 127.0.0.1:6379 ({error})")
    connection.flushdb()
    return connection


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, s3_gateway):
    folder = tmp_path_factory.mktemp("two-servers")
    bucket = s3_gateway.new_bucket()
    redis = own_redis()
    with ExitStack() as stack:
        stack.callback(redis.close)
        stack.callback(redis.flushdb)
        try:
            url = stack.enter_context(servers.throwaway_database(prefix="inspect_two"))
        except OperationalError as error:
            pytest.fail(f"two servers need PostgreSQL at {servers.POSTGRES} (their own database): {error}")
        seeded = seed(url, folder, s3_gateway.settings(bucket))

        def env(name: str) -> dict[str, str]:
            return servers.environment(
                url,
                folder / name,
                REDIS_URL=REDIS_URL,
                WEB_CONCURRENCY="2",
                SWEEP_INTERVAL_MINUTES="0",
                **SECRETS,
                **s3_gateway.environment(bucket),
            )

        def start_server(name: str) -> servers.Process:
            server = servers.start_gunicorn(name, env(name), folder / f"{name}.log")
            stack.callback(server.stop)
            servers.wait_ready(server)
            return server

        worker = servers.start_worker(env("worker"), folder / "worker.log")
        stack.callback(worker.stop)
        a, b = start_server("a"), start_server("b")
        servers.wait_for_log(worker, "Listening on")
        store, uploads = open_stores(
            {**s3_gateway.settings(bucket), "FILE_STORE_CACHE_PATH": str(folder / "cache"), "UPLOAD_PARTS_PATH": ""}
        )
        yield Cluster(url, a, b, worker, store, uploads, seeded, start_server)


class Phone:
    """A phone's browser and offline app: one cookie jar, whichever server each request reaches."""

    def __init__(self) -> None:
        self.http = requests.Session()

    def sign_in(self, base: str, username: str, password: str = PASSWORD) -> requests.Response:
        form = self.http.get(base + "/login", timeout=TIMEOUT)
        token = CSRF_INPUT.search(form.text)
        assert token is not None, form.text[:500]
        return self.http.post(
            base + "/login",
            data={"username": username, "password": password, "csrf_token": token[1]},
            allow_redirects=False,
            timeout=TIMEOUT,
        )

    def signed_in(self, base: str, username: str) -> Phone:
        """Signed in, with the CSRF token the offline app sends in a header."""
        assert self.sign_in(base, username).status_code == 302
        session = self.get(base, "/api/v1/session")
        assert session.status_code == 200
        self.http.headers["X-CSRFToken"] = session.json()["csrf_token"]
        return self

    def get(self, base: str, path: str) -> requests.Response:
        return self.http.get(base + path, allow_redirects=False, timeout=TIMEOUT)

    def send(self, base: str, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.http.request(method, base + path, allow_redirects=False, timeout=TIMEOUT, **kwargs)

    def open_inspection(self, base: str, station_id: int) -> int:
        opened = self.send(base, "POST", "/api/v1/inspections", json={"station_id": station_id}, headers=_key())
        assert opened.status_code in (200, 201), opened.text
        return opened.json()["id"]

    def start_upload(self, base: str, data: bytes) -> int:
        sha = hashlib.sha256(data).hexdigest()
        state = self.send(base, "POST", "/api/v1/uploads", json={"sha256": sha, "size": len(data)})
        assert state.status_code == 200, state.text
        return state.json()["received"]

    def put_chunk(self, base: str, data: bytes, offset: int, size: int) -> dict:
        sha = hashlib.sha256(data).hexdigest()
        answer = self.send(
            base,
            "PUT",
            f"/api/v1/uploads/{sha}?offset={offset}",
            data=data[offset : offset + size],
            headers={"Content-Type": "application/octet-stream"},
        )
        assert answer.status_code == 200, answer.text
        return answer.json()

    def attach(self, base: str, inspection_id: int, slot: str, data: bytes) -> int:
        """The finished upload kept as the slot's photo; waits (polling, as the app does) until it is read."""
        sha = hashlib.sha256(data).hexdigest()
        kept = self.send(
            base,
            "POST",
            f"/api/v1/inspections/{inspection_id}/photos",
            json={"slot": slot, "sha256": sha},
            headers=_key(),
        )
        assert kept.status_code == 202, kept.text
        photo_id = kept.json()["id"]
        deadline = time.monotonic() + SETTLE_S
        while True:
            photos = self.get(base, f"/api/v1/inspections/{inspection_id}/photos").json()["photos"]
            state = next(p["state"] for p in photos if p["id"] == photo_id)
            if state != "processing":
                assert state == "ready", photos
                return photo_id
            assert time.monotonic() < deadline, "the worker did not read the photo"
            time.sleep(0.3)  # polling the API, as the phone does: no event reaches a client


def _key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


def photo_bytes(seed: int) -> bytes:
    """A photo several chunks long, taken at the station."""
    return jpeg(39.82, 109.96, size=(1600, 1200), seed=seed)


def test_a_photos_chunks_sent_alternately_to_both_servers_complete_one_upload(cluster):
    a, b = cluster.a.base, cluster.b.base
    phone = Phone().signed_in(a, "insp.kbs")
    inspection = phone.open_inspection(b, cluster.seeded["stations"][0])
    data = photo_bytes(1)
    chunk = len(data) // 6 + 1
    assert phone.start_upload(a, data) == 0
    offset, took = 0, []
    for n in range(6):
        base = (a, b)[n % 2]
        state = phone.put_chunk(base, data, offset, chunk)
        assert state["received"] == min(offset + chunk, len(data))
        offset = state["received"]
        took.append(base)
    assert state["complete"] and offset == len(data)
    assert took.count(a) == took.count(b) == 3
    photo_id = phone.attach(b, inspection, "signboard", data)
    sha = hashlib.sha256(data).hexdigest()
    row = cluster.photo_row(photo_id)
    assert row.sha256 == sha and cluster.stored_sha256(row.original_key) == sha
    assert cluster.uploads.size(cluster.seeded["inspector_id"], sha) == 0  # its chunks went with the upload


def test_a_photo_stored_through_one_server_is_served_by_the_other(cluster):
    a, b = cluster.a.base, cluster.b.base
    phone = Phone().signed_in(a, "insp.kbs")
    inspection = phone.open_inspection(a, cluster.seeded["stations"][1])
    data = photo_bytes(2)
    phone.start_upload(a, data)
    assert phone.put_chunk(a, data, 0, len(data))["complete"]
    photo_id = phone.attach(a, inspection, "premises", data)
    original = phone.get(b, f"/files/photos/{photo_id}/original")
    assert original.status_code == 200 and original.content == data
    for variant in ("display", "thumbnail"):
        there, here = (phone.get(base, f"/files/photos/{photo_id}/{variant}") for base in (a, b))
        assert there.status_code == here.status_code == 200
        assert here.content == there.content and here.content.startswith(b"\xff\xd8")


def test_a_bundle_built_by_the_worker_and_signed_on_one_server_downloads_from_both(cluster):
    a, b = cluster.a.base, cluster.b.base
    leader = Phone().signed_in(b, "leader.ds")
    started = leader.send(a, "POST", "/review/bundle/build", data={"narrative": "东胜区文字说明：两站均合格。"})
    assert started.status_code == 302, started.text
    engine = create_engine(cluster.url)
    with engine.connect() as connection:
        bundle_id = connection.scalar(select(Bundle.id).order_by(Bundle.id.desc()))
    engine.dispose()
    deadline = time.monotonic() + SETTLE_S
    while (status := leader.get(b, f"/review/bundle/{bundle_id}/status").json())["status"] == "building":
        assert time.monotonic() < deadline, "the worker did not build the bundle"
        time.sleep(0.5)  # polling, as the bundle page does
    assert status["status"] == "ready", status
    assert f"bundle {bundle_id}" in cluster.worker.output()  # built by the worker, not a server's thread
    previews = [leader.get(base, f"/review/bundle/{bundle_id}/preview.pdf") for base in (a, b)]
    assert [d.status_code for d in previews] == [200, 200]
    assert previews[0].content == previews[1].content and previews[0].content.startswith(b"%PDF")
    assert previews[0].headers["ETag"].strip('"') == hashlib.sha256(previews[1].content).hexdigest()
    # Signed on one server (from its own copies of the photos), the ZIP downloads alike from both.
    seen = re.search(r'name="fingerprint" value="([0-9a-f]{64})"', leader.get(a, "/review/bundle/").text)
    assert seen is not None
    drawn = "data:image/png;base64," + base64.b64encode(signature_png()).decode()
    signed = leader.send(
        b, "POST", f"/review/bundle/{bundle_id}/sign", data={"pin": PIN, "signature": drawn, "fingerprint": seen[1]}
    )
    assert signed.status_code == 302 and "已签字" in leader.get(b, "/review/bundle/").text
    archives = [leader.get(base, f"/review/bundle/{bundle_id}/download") for base in (a, b)]
    assert [d.status_code for d in archives] == [200, 200] and archives[0].content == archives[1].content
    with zipfile.ZipFile(io.BytesIO(archives[0].content)) as archive:
        assert {"report.pdf", "manifest.json"} <= set(archive.namelist())


def test_a_session_begun_on_one_server_holds_and_ends_on_the_other(cluster):
    a, b = cluster.a.base, cluster.b.base
    phone = Phone().signed_in(a, "insp.kbs")
    seen = phone.get(b, "/api/v1/session")
    assert seen.status_code == 200 and seen.json()["user"]["username"] == "insp.kbs"
    assert phone.send(b, "POST", "/logout").status_code == 302
    assert phone.get(a, "/api/v1/session").status_code == 401


def test_failed_sign_ins_on_both_servers_count_towards_one_limit(cluster):
    a, b = cluster.a.base, cluster.b.base
    phone = Phone()
    for base in (a, b, a, b, a):  # five failures, the limit, spread over both
        failed = phone.sign_in(base, "c.limits", WRONG)
        assert failed.status_code == 200 and "用户名或密码错误" in failed.text
    for base in (b, a):  # the right password now, on either server
        refused = phone.sign_in(base, "c.limits")
        assert refused.status_code == 429 and "登录尝试过多" in refused.text


def test_a_server_killed_mid_upload_the_phone_finishes_on_the_other_with_nothing_lost(cluster):
    doomed, a = cluster.start_server("c"), cluster.a.base
    phone = Phone().signed_in(doomed.base, "insp.kbs")
    inspection = phone.open_inspection(doomed.base, cluster.seeded["stations"][2])
    data = photo_bytes(3)
    sha, chunk = hashlib.sha256(data).hexdigest(), len(data) // 4 + 1
    phone.start_upload(doomed.base, data)
    confirmed = phone.put_chunk(doomed.base, data, 0, chunk)["received"]
    with cut_request(doomed, phone, f"/api/v1/uploads/{sha}?offset={confirmed}", data[confirmed : confirmed + chunk]):
        doomed.kill()  # half the chunk sent: the machine dies under the request
    assert doomed.process.poll() is not None
    # The phone goes on where the other server says the upload stands.
    offset = phone.start_upload(a, data)
    assert offset == confirmed
    while offset < len(data):
        offset = phone.put_chunk(a, data, offset, chunk)["received"]
    photo_id = phone.attach(a, inspection, "register", data)
    row = cluster.photo_row(photo_id)
    assert row.sha256 == sha and cluster.stored_sha256(row.original_key) == sha
    assert phone.get(cluster.b.base, f"/files/photos/{photo_id}/original").content == data


class cut_request:
    """A PUT whose headers and first half of body reach `server`; the block runs while it waits for the rest,
    and the answer (none, its server gone) is read after it."""

    def __init__(self, server: servers.Process, phone: Phone, path: str, body: bytes) -> None:
        self.server, self.phone, self.path, self.body = server, phone, path, body

    def __enter__(self) -> None:
        port = int(self.server.base.rsplit(":", 1)[1])
        self.socket = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT[1])
        cookies = "; ".join(f"{c.name}={c.value}" for c in self.phone.http.cookies)
        head = (
            f"PUT {self.path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nCookie: {cookies}\r\n"
            f"X-CSRFToken: {self.phone.http.headers['X-CSRFToken']}\r\n"
            f"Content-Type: application/octet-stream\r\nContent-Length: {len(self.body)}\r\n\r\n"
        )
        self.socket.sendall(head.encode() + self.body[: len(self.body) // 2])

    def __exit__(self, *exc: object) -> None:
        try:
            answer = self.socket.recv(1024)
        except ConnectionResetError:
            answer = b""
        finally:
            self.socket.close()
        assert answer == b"", answer  # no answer came: the chunk was never confirmed
