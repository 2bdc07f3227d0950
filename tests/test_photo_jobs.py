"""Photos read off the request: 202 while processing, ready or rejected afterwards, polled, and asked for again
when their reading was lost."""

from __future__ import annotations

import hashlib
import os
import threading
import uuid
from datetime import timedelta

import pytest
from photo_factory import jpeg
from sqlalchemy import select, update
from support import make_station

from inspect_app.domain.findings import Thresholds
from inspect_app.domain.inspections import PhotoState
from inspect_app.inspection import photo_jobs, photos
from inspect_app.models import Photo
from inspect_app.models.types import utcnow


@pytest.fixture
def station(session, campaign):
    return make_station(session, "150602", latitude="39.82", longitude="109.96")


@pytest.fixture
def deferred(app):
    """Photos are read in the web process's thread pool, as without a queue in production."""
    app.config.update(PHOTO_JOBS_INLINE=False, JOBS_INLINE=False, REDIS_URL=None)
    yield app
    photo_jobs.wait_for_threads()


@pytest.fixture
def held(deferred):
    """The pool's one thread held busy until `release()`: photos given to it wait, visibly processing.
    `priority` is what that thread's nice value was (each pool thread lowers its own)."""
    gate = threading.Event()
    seen: dict[str, int] = {}

    def hold() -> None:
        seen["nice"] = os.getpriority(os.PRIO_PROCESS, 0)  # on Linux, the calling thread's
        gate.wait(timeout=60)

    photo_jobs._thread_pool(deferred).submit(hold)

    class Held:
        priority = seen

        @staticmethod
        def release() -> None:
            gate.set()
            photo_jobs.wait_for_threads()

    yield Held
    gate.set()


def key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


def open_(client, station) -> int:
    response = client.post("/api/v1/inspections", json={"station_id": station.id}, headers=key())
    assert response.status_code == 200, response.get_json()
    return response.get_json()["id"]


def send(client, inspection_id: int, data: bytes, chunk: int = 512 * 1024):
    sha = hashlib.sha256(data).hexdigest()
    assert client.post("/api/v1/uploads", json={"sha256": sha, "size": len(data)}).status_code == 200
    for offset in range(0, len(data), chunk):
        part = client.put(
            f"/api/v1/uploads/{sha}?offset={offset}",
            data=data[offset : offset + chunk],
            content_type="application/octet-stream",
        )
        assert part.status_code == 200, part.get_json()
    return client.post(
        f"/api/v1/inspections/{inspection_id}/photos",
        json={"slot": "signboard", "sha256": sha, "latitude": 39.8201, "longitude": 109.9601, "accuracy": 9},
        headers=key(),
    )


def polled(client, inspection_id: int) -> list[dict]:
    response = client.get(f"/api/v1/inspections/{inspection_id}/photos")
    assert response.status_code == 200, response.get_json()
    return response.get_json()["photos"]


def test_an_upload_is_answered_processing_and_read_in_a_lower_priority_thread(client, login_as, station, session, held):
    login_as("inspector", "150602")
    inspection_id = open_(client, station)
    answer = send(client, inspection_id, jpeg(39.82, 109.96, size=(1600, 1200), seed=5))
    assert answer.status_code == 202
    shown = answer.get_json()
    assert (shown["state"], shown["state_label"]) == ("processing", "处理中")
    assert shown["thumbnail_url"] is None and shown["display_url"] is None and shown["findings"] == []
    assert client.get(f"/files/photos/{shown['id']}/thumbnail").status_code == 404  # no copy yet
    assert client.get(f"/files/photos/{shown['id']}/original").status_code == 200  # the original is kept at once
    assert [p["state"] for p in polled(client, inspection_id)] == ["processing"]
    # What the inspector's inspection shows meanwhile copes with a photo that has no copies yet.
    assert client.get(f"/api/v1/inspections/{inspection_id}").status_code == 200
    assert client.get(f"/inspect/inspections/{inspection_id}").status_code == 200

    held.release()
    ready = polled(client, inspection_id)[0]
    assert ready["state"] == "ready" and ready["rejected_reason"] is None
    assert client.get(ready["thumbnail_url"]).status_code == 200
    row = session.get(Photo, shown["id"])
    assert row.perceptual_hash and (row.width, row.height) == (1600, 1200)
    parent = os.getpriority(os.PRIO_PROCESS, 0)  # the test's thread, as a request thread would be
    assert held.priority["nice"] == min(19, parent + client.application.config["PHOTO_JOB_NICE"])


def test_inline_jobs_read_the_photo_before_the_answer(client, login_as, station, deferred):
    deferred.config["JOBS_INLINE"] = True
    login_as("inspector", "150602")
    inspection_id = open_(client, station)
    answer = send(client, inspection_id, jpeg(39.82, 109.96, seed=6))
    assert answer.status_code == 202 and answer.get_json()["state"] == "ready"
    assert answer.get_json()["thumbnail_url"]


def test_a_broken_photo_is_rejected_with_a_reason_and_counts_as_missing(client, login_as, station, session):
    login_as("inspector", "150602")
    inspection_id = open_(client, station)
    lacking = client.post(f"/api/v1/inspections/{inspection_id}/submit", headers=key()).get_json()["error"]["missing"]
    assert any("缺少必拍照片" in m for m in lacking)
    # JPEG's first bytes, then nothing a decoder can read: kept at once, rejected when read.
    broken = jpeg(seed=7)[:40] + bytes(range(256)) * 40
    answer = send(client, inspection_id, broken)
    assert answer.status_code == 202
    shown = answer.get_json()
    assert shown["state"] == "rejected" and shown["state_label"] == "未通过"
    assert shown["rejected_reason"] == "照片文件已损坏或不完整"
    assert shown["thumbnail_url"] is None
    refused = client.post(f"/api/v1/inspections/{inspection_id}/submit", headers=key())
    assert refused.status_code == 422 and refused.get_json()["error"]["missing"] == lacking
    assert client.get(f"/inspect/inspections/{inspection_id}").status_code == 200
    # A usable photo of the slot then counts.
    assert send(client, inspection_id, jpeg(39.82, 109.96, seed=8)).get_json()["state"] == "ready"
    after = client.post(f"/api/v1/inspections/{inspection_id}/submit", headers=key()).get_json()["error"]["missing"]
    gone = set(lacking) - set(after)
    assert len(gone) == 1 and "缺少必拍照片" in gone.pop() and set(after) < set(lacking)


def test_submitting_while_a_photo_is_processing_answers_409(client, login_as, station, held):
    login_as("inspector", "150602")
    inspection_id = open_(client, station)
    photo_id = send(client, inspection_id, jpeg(39.82, 109.96, seed=9)).get_json()["id"]
    refused = client.post(f"/api/v1/inspections/{inspection_id}/submit", headers=key())
    assert refused.status_code == 409
    error = refused.get_json()["error"]
    assert error["code"] == "photos_processing" and "正在处理" in error["message"] and error["photos"] == [photo_id]
    page = client.post(f"/inspect/inspections/{inspection_id}/submit", follow_redirects=True)
    assert "正在处理" in page.get_data(as_text=True)
    held.release()
    after = client.post(f"/api/v1/inspections/{inspection_id}/submit", headers=key())
    assert after.status_code == 422 and after.get_json()["error"]["code"] == "incomplete"  # answers still lacking


def _stored_unread(app, session, login_as, station, client, seed: int) -> int:
    """A photo kept but never read (as when the worker died before its job ran)."""
    inspector = login_as("inspector", "150602")
    inspection_id = open_(client, station)
    photo = photos.store_photo(
        session,
        inspector.actor,
        app.extensions["filestore"],
        inspection_id,
        "signboard",
        jpeg(39.82, 109.96, seed=seed),
        None,
        app.config["PHOTO_MAX_BYTES"],
    )
    return photo.id


def test_the_poll_asks_again_for_a_photo_whose_reading_was_lost(app, client, login_as, station, session):
    photo_id = _stored_unread(app, session, login_as, station, client, seed=10)
    inspection_id = session.get(Photo, photo_id).inspection_id
    assert [p["state"] for p in polled(client, inspection_id)] == ["processing"]  # recent: still waited for
    long_ago = utcnow() - timedelta(seconds=app.config["PHOTO_JOB_STALLED_SECONDS"] + 5)
    session.execute(update(Photo).where(Photo.id == photo_id).values(queued_at=long_ago))
    session.commit()
    assert [p["state"] for p in polled(client, inspection_id)] == ["ready"]  # requeued (read inline here)


def test_the_sweep_asks_again_for_photos_whose_reading_was_lost(app, client, login_as, station, session, runner):
    photo_id = _stored_unread(app, session, login_as, station, client, seed=11)
    long_ago = utcnow() - timedelta(seconds=app.config["PHOTO_JOB_STALLED_SECONDS"] + 5)
    session.execute(update(Photo).where(Photo.id == photo_id).values(queued_at=long_ago))
    session.commit()
    result = runner.invoke(args=["uploads", "sweep"])
    assert result.exit_code == 0, result.output
    assert "处理中断后重新排队的照片：1" in result.output
    session.expire_all()
    assert session.scalar(select(Photo.state).where(Photo.id == photo_id)) is PhotoState.READY


def test_a_photo_removed_before_it_is_read_is_left_alone(app, client, login_as, station, session):
    photo_id = _stored_unread(app, session, login_as, station, client, seed=12)
    assert client.delete(f"/api/v1/photos/{photo_id}", headers=key()).status_code == 204
    found = photos.process_photo(
        session, app.extensions["filestore"], photo_id, Thresholds(), app.config["PHOTO_MAX_BYTES"]
    )
    assert found is None and session.get(Photo, photo_id) is None
