"""The server killed with SIGKILL in the middle of a photo upload and of a bundle build: nothing half-written
remains in the database or the file store, and doing it again completes."""

from __future__ import annotations

import base64
import hashlib
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests
from photo_factory import jpeg, signature_png
from support import PASSWORD, PIN, make_station, make_user

from inspect_app.adapters.filestore import sha256_of
from inspect_app.city.verify import verify_bundle
from inspect_app.models import Bundle, Photo
from inspect_app.signing import keys

ROOT = Path(__file__).resolve().parents[1]
KEY_NAME = re.compile(r"[0-9a-f]{64}\.[a-z0-9]+")


class Server:
    """The app in a process of its own, on the test's database and instance folder, that can be killed."""

    def __init__(self, database_url: str, instance: Path):
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "INSTANCE_PATH": str(instance),
            "SECRET_KEY": "test-secret",
            "APP_ENV": "development",
            # A killed build is known as interrupted two seconds after its last heartbeat, not two minutes.
            "BUNDLE_BUILD_STALE_SECONDS": "2",
        }
        self.process: subprocess.Popen | None = None
        self.url = ""

    def start(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "run", "--port", str(port), "--with-threads"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(200):
            try:
                requests.get(self.url + "/login", timeout=1)
                return
            except requests.ConnectionError:
                time.sleep(0.1)
        raise AssertionError("the server did not start")

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def login(self, username: str) -> requests.Session:
        client = requests.Session()
        page = client.get(self.url + "/login").text
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]
        response = client.post(
            self.url + "/login",
            data={"csrf_token": token, "username": username, "password": PASSWORD},
            allow_redirects=False,
        )
        assert response.status_code == 302, response.text
        client.headers["X-CSRFToken"] = client.get(self.url + "/api/v1/session").json()["csrf_token"]
        return client


@pytest.fixture
def server(app, database_url):
    running = Server(database_url, Path(app.instance_path))
    yield running
    if running.process and running.process.poll() is None:
        running.kill()


def store_is_sound(store_root: Path, session) -> None:
    """Every file under a key name holds the bytes its name promises; every photo row has its files."""
    for path in store_root.rglob("*"):
        if path.is_file() and KEY_NAME.fullmatch(path.name):
            assert sha256_of(path) == path.name.split(".")[0], f"half-written file {path}"
    session.expire_all()
    for photo in session.query(Photo):
        for key in (photo.original_key, photo.display_key, photo.thumbnail_key):
            assert key is None or (store_root / key).is_file(), key  # the copies come once it is read
        assert sha256_of(store_root / photo.original_key) == photo.sha256


def test_a_killed_upload_leaves_nothing_half_done_and_the_retry_completes(app, session, server, campaign):
    make_user(session, "inspector", "150602", username="crash.inspector")
    station = make_station(session, "150602", latitude="39.82", longitude="109.96")
    store_root = Path(app.config["FILE_STORE_PATH"])
    data = jpeg(39.82, 109.96, size=(4000, 3000), seed=7)
    sha = hashlib.sha256(data).hexdigest()
    idempotency = str(uuid.uuid4())
    body = {"sha256": sha, "slot": "signboard", "latitude": 39.8201, "longitude": 109.9601, "accuracy": 10}

    server.start()
    client = server.login("crash.inspector")
    inspection = client.post(
        server.url + "/api/v1/inspections",
        json={"station_id": station.id},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    ).json()["id"]

    def send_bytes(client: requests.Session) -> None:
        # Resumable: only what did not arrive before the last kill is sent again.
        state = client.post(
            server.url + "/api/v1/uploads",
            json={"sha256": sha, "size": len(data)},
            headers={"Idempotency-Key": str(uuid.uuid4())},
        ).json()
        if not state["complete"]:
            client.put(
                f"{server.url}/api/v1/uploads/{sha}?offset={state['received']}",
                data=data[state["received"] :],
                headers={"Content-Type": "application/octet-stream"},
            )

    cut_short = 0
    for delay in (0.0, 0.03, 0.08, 0.15, 0.3):
        # Kill the server while it turns the bytes into a photo: reading, copies, findings, files, row.
        send_bytes(client)
        sender = threading.Thread(
            target=_quietly,
            args=(client.post, f"{server.url}/api/v1/inspections/{inspection}/photos"),
            kwargs={"json": body, "headers": {"Idempotency-Key": idempotency}, "timeout": 10},
        )
        sender.start()
        time.sleep(delay)
        server.kill()
        sender.join()
        store_is_sound(store_root, session)
        server.start()
        client = server.login("crash.inspector")
        if session.query(Photo).count():
            break  # this kill came after the commit: the photo is whole, and the retry must not add another
        cut_short += 1
    assert cut_short >= 1  # at least one kill landed before the commit
    # The phone sends the same request again (its outbox keeps it): it completes, once.
    send_bytes(client)
    retry = client.post(
        f"{server.url}/api/v1/inspections/{inspection}/photos", json=body, headers={"Idempotency-Key": idempotency}
    )
    assert retry.status_code in (200, 202), retry.text  # 200: kept before, its first answer lost
    session.expire_all()
    assert [p.sha256 for p in session.query(Photo)] == [sha]
    store_is_sound(store_root, session)


def test_a_killed_bundle_build_stays_unfinished_and_building_again_completes(app, session, server, season):
    server.start()
    client = server.login("leader.ds")
    token = client.headers["X-CSRFToken"]
    client.post(server.url + "/review/bundle/build", data={"csrf_token": token, "narrative": "文字说明。"})
    bundle = session.query(Bundle).one()
    for _ in range(300):
        state = client.get(f"{server.url}/review/bundle/{bundle.id}/status").json()
        if state["status"] != "building" or state["progress"] >= 5:
            break
        time.sleep(0.02)
    assert state["status"] == "building", state  # caught in the middle of laying out the report
    server.kill()
    session.expire_all()
    bundle = session.get(Bundle, bundle.id)
    assert bundle.status.value == "building" and bundle.preview_key is None and bundle.archive_key is None
    store_is_sound(Path(app.config["FILE_STORE_PATH"]), session)

    server.start()
    client = server.login("leader.ds")
    token = client.headers["X-CSRFToken"]  # the new session's
    for _ in range(300):  # nobody beats for the killed build: it is recognised as interrupted, not building forever
        state = client.get(f"{server.url}/review/bundle/{bundle.id}/status").json()
        if state["status"] != "building":
            break
        time.sleep(0.05)
    assert (state["status"], state["label"]) == ("interrupted", "生成中断"), state
    page = client.get(server.url + "/review/bundle/").text
    assert "生成中断" in page and "重新生成证据包" in page  # the page tells the truth; build again
    client.post(server.url + "/review/bundle/build", data={"csrf_token": token, "narrative": "文字说明。"})
    for _ in range(600):
        state = client.get(f"{server.url}/review/bundle/{bundle.id}/status").json()
        if state["status"] != "building":
            break
        time.sleep(0.1)
    assert state["status"] == "ready", state
    preview = client.get(f"{server.url}/review/bundle/{bundle.id}/preview.pdf")
    assert preview.content.startswith(b"%PDF") and b"%%EOF" in preview.content[-1024:]
    drawn = "data:image/png;base64," + base64.b64encode(signature_png()).decode()
    client.post(
        f"{server.url}/review/bundle/{bundle.id}/sign", data={"csrf_token": token, "pin": PIN, "signature": drawn}
    )
    session.expire_all()
    bundle = session.get(Bundle, bundle.id)
    assert session.query(Bundle).count() == 1 and bundle.status.value == "signed"
    path = Path(app.config["FILE_STORE_PATH"]) / bundle.archive_key
    assert verify_bundle(path, season["ca"], keys.revocation_list(session)).ok


def _quietly(call, *args, **kwargs) -> None:
    try:
        call(*args, **kwargs)
    except requests.RequestException:
        pass  # the server died under the request, as intended
