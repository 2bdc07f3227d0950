"""Uploads in flight never strand a phone (also after a backup is restored), never fill the disk, and the sweep
removes what crashes and abandoned uploads leave behind, on its own schedule and on `flask uploads sweep`."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import threading
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from photo_factory import jpeg
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from support import AuthActions, cli, make_user
from test_campaign_lifecycle import _lock_waiters, wait_for

from inspect_app import create_app
from inspect_app.adapters import scratch
from inspect_app.housekeeping import stored_files
from inspect_app.inspection import sync
from inspect_app.models import HousekeepingRun, Photo, Upload, UserSession
from inspect_app.models.types import utcnow
from inspect_app.shared.errors import Conflict

CHUNK = 16 * 1024  # the offline app sends 512 KB; the test photos are small, and the protocol is the same


def _key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


def send_chunks(client, data: bytes, stop_at: int | None = None) -> dict:
    """The outbox's upload step (static/pwa/sync.js, sendPhoto): ask where to go on, send the rest in chunks."""
    sha = hashlib.sha256(data).hexdigest()
    state = client.post("/api/v1/uploads", json={"sha256": sha, "size": len(data)})
    assert state.status_code == 200, state.get_json()
    received, complete, mismatches = state.get_json()["received"], state.get_json()["complete"], 0
    while not complete and (stop_at is None or received < stop_at):
        answer = client.put(
            f"/api/v1/uploads/{sha}?offset={received}",
            data=data[received : received + CHUNK],
            content_type="application/octet-stream",
        )
        error = (answer.get_json() or {}).get("error", {})
        if answer.status_code == 409 and isinstance(error.get("received"), int) and mismatches < 3:
            received, mismatches = error["received"], mismatches + 1
            continue
        assert answer.status_code == 200, answer.get_json()
        received, complete = answer.get_json()["received"], answer.get_json()["complete"]
    return {"sha256": sha, "received": received, "complete": complete}


def outbox_sends_photo(client, inspection_id: int, data: bytes, entry_key: str, again: bool = False):
    """The whole photo entry as the outbox sends it: upload, then the photo; an upload the server no longer has
    whole (422 on sha256) is sent once more."""
    sha = send_chunks(client, data)["sha256"]
    answer = client.post(
        f"/api/v1/inspections/{inspection_id}/photos",
        json={"slot": "signboard", "sha256": sha},
        headers={"Idempotency-Key": entry_key},
    )
    fields = ((answer.get_json() or {}).get("error") or {}).get("fields") or {}
    if answer.status_code == 422 and not again and "sha256" in fields:
        return outbox_sends_photo(client, inspection_id, data, entry_key, again=True)
    return answer


def _signed_in(app, username: str):
    client = app.test_client()
    assert AuthActions(client).login(username).status_code == 302
    return client


def _open(client, station_id: int) -> int:
    response = client.post("/api/v1/inspections", json={"station_id": station_id}, headers=_key())
    assert response.status_code == 200, response.get_json()
    return response.get_json()["id"]


# ---- after a restore ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("cut", ["finished, not attached", "half sent"])
def test_after_a_restore_every_upload_completes_through_the_outbox(
    app,
    session,
    station,
    tmp_path,
    other,
    cut,
):
    inspector = make_user(session, "inspector", "150602", username="insp.restore")
    client = _signed_in(app, inspector.username)
    inspection_id = _open(client, station.id)
    data = jpeg(39.82, 109.96, size=(1600, 1200), seed=77)
    assert len(data) > 2 * CHUNK  # several chunks, so "half" is a real place to stop
    state = send_chunks(client, data, stop_at=None if cut == "finished, not attached" else CHUNK)
    assert state["complete"] is (cut == "finished, not attached")
    assert cli(app, "backup", "create", str(tmp_path / "backup.tar")).exit_code == 0
    restored = other("restored")
    result = cli(restored, "backup", "restore", str(tmp_path / "backup.tar"))
    assert result.exit_code == 0, result.output

    restored.config["WTF_CSRF_ENABLED"] = False  # as in the suite's own app: the test client sends no token
    phone = _signed_in(restored, inspector.username)
    answer = outbox_sends_photo(phone, inspection_id, data, str(uuid.uuid4()))
    assert answer.status_code == 202, answer.get_json()
    store = restored.extensions["filestore"]
    with restored.extensions["db_sessionmaker"]() as check:
        photo = check.scalars(select(Photo)).one()
        assert photo.sha256 == state["sha256"] and store.read(photo.original_key) == data
        assert check.scalar(select(func.count()).select_from(Upload)) == 0


def test_a_part_file_lost_from_the_disk_makes_the_phone_start_over_not_finish(app, client, login_as, station):
    login_as("inspector", "150602")
    data = jpeg(size=(1600, 1200), seed=78)
    state = send_chunks(client, data, stop_at=CHUNK)
    parts = app.extensions["uploads"]
    user_id = client.get("/api/v1/session").get_json()["user"]["id"]
    parts.discard(user_id, state["sha256"])  # lost (another disk, a restore, a cleanup)
    again = client.post("/api/v1/uploads", json={"sha256": state["sha256"], "size": len(data)}).get_json()
    assert (again["received"], again["complete"]) == (0, False)


# ---- limits and clean-up at once ------------------------------------------------------------------------------


def test_open_uploads_per_user_are_capped_with_a_chinese_refusal(app, client, login_as, station, session):
    login_as("inspector", "150602")
    app.config["UPLOAD_OPEN_MAX_BYTES"] = 150_000
    first = client.post("/api/v1/uploads", json={"sha256": "a" * 64, "size": 100_000})
    assert first.status_code == 200
    second = client.post("/api/v1/uploads", json={"sha256": "b" * 64, "size": 60_000})
    assert second.status_code == 422
    message = second.get_json()["error"]["message"]
    assert "上限" in message and "0.1 MB" in message
    assert session.scalar(select(func.count()).select_from(Upload)) == 1
    # The same upload asked for again is no new bytes: still answered.
    assert client.post("/api/v1/uploads", json={"sha256": "a" * 64, "size": 100_000}).status_code == 200


def test_a_refused_photo_leaves_no_upload_behind(app, client, login_as, station, session):
    login_as("inspector", "150602")
    inspection_id = _open(client, station.id)
    data = b"not a photo at all " * 2000
    sha = send_chunks(client, data)["sha256"]
    refused = client.post(
        f"/api/v1/inspections/{inspection_id}/photos", json={"slot": "signboard", "sha256": sha}, headers=_key()
    )
    assert refused.status_code == 422
    assert session.scalar(select(func.count()).select_from(Upload)) == 0
    assert list(app.extensions["uploads"].parts()) == []


# ---- the sweep ------------------------------------------------------------------------------------------------


def _age(path: Path, seconds: float) -> None:
    moment = path.stat().st_mtime - seconds
    os.utime(path, (moment, moment))


def test_the_sweep_expires_untouched_uploads_and_removes_what_nobody_names(
    app, client, login_as, station, session, runner
):
    login_as("inspector", "150602")
    old = send_chunks(client, jpeg(seed=80), stop_at=1)["sha256"]  # one chunk short, then abandoned
    fresh = send_chunks(client, jpeg(seed=81), stop_at=1)["sha256"]
    session.execute(update(Upload).where(Upload.sha256 == old).values(touched_at=utcnow() - timedelta(days=8)))
    session.commit()
    parts, store = app.extensions["uploads"], app.extensions["filestore"]
    user_id = client.get("/api/v1/session").get_json()["user"]["id"]
    stray = parts.path(user_id, "c" * 64)  # a part file whose upload row is gone
    stray.write_bytes(b"x")
    _age(stray, 7200)
    # A stored file no row names (a replaced preview), one as old but named by a photo, and a young one.
    orphan = stored_files.put(session, store, b"%PDF-1.7 an old preview", "pdf")
    session.commit()
    _age(store.path(orphan), 7200)
    young = stored_files.put(session, store, b"%PDF-1.7 a preview being written", "pdf")
    session.commit()
    inspection_id = _open(client, station.id)
    named = client.post(
        f"/api/v1/inspections/{inspection_id}/photos",
        json={"slot": "signboard", "sha256": send_chunks(client, jpeg(seed=82))["sha256"]},
        headers=_key(),
    ).get_json()
    photo = session.get(Photo, named["id"])
    _age(store.path(photo.original_key), 7200)
    long_gone = utcnow() - timedelta(days=40)
    session.add(UserSession(token_sha256="e" * 64, user_id=user_id, started_at=long_gone, last_seen_at=long_gone))
    session.commit()

    result = runner.invoke(args=["uploads", "sweep"])
    assert result.exit_code == 0, result.output
    assert "过期的未完成上传：1" in result.output and "无主的上传分块文件：1" in result.output
    session.expire_all()
    assert [u.sha256 for u in session.scalars(select(Upload))] == [fresh]
    assert not parts.path(user_id, old).exists() and not stray.exists() and parts.path(user_id, fresh).exists()
    assert not store.exists(orphan) and store.exists(young) and store.exists(photo.original_key)
    assert [s.token_sha256 for s in session.scalars(select(UserSession))] != [] and session.scalar(
        select(func.count()).where(UserSession.token_sha256 == "e" * 64)
    ) == 0
    run = session.get(HousekeepingRun, "sweep")
    assert run.finished_at is not None and run.summary["uploads_expired"] == 1


def test_the_sweep_removes_report_parts_no_build_used_for_two_weeks(app, runner):
    root = Path(app.instance_path) / "report-parts"
    old, fresh, legacy = root / "district-1-campaign-1", root / "district-2-campaign-1", root / "bundle-7"
    for folder in (old, fresh, legacy):
        folder.mkdir(parents=True)
        (folder / "a.pdf").write_bytes(b"%PDF-1.7 a part")
    _age(old / "a.pdf", 15 * 86400)
    (fresh / "b.pdf").write_bytes(b"%PDF-1.7 a part used today beside one unused for long")
    _age(fresh / "a.pdf", 15 * 86400)
    result = runner.invoke(args=["uploads", "sweep"])
    assert result.exit_code == 0, result.output
    assert "两周未用的报告排版缓存：2" in result.output
    assert not old.exists() and not legacy.exists() and (fresh / "a.pdf").exists()


def test_uploads_are_touched_by_every_chunk(app, client, login_as, station, session):
    login_as("inspector", "150602")
    data = jpeg(size=(1600, 1200), seed=83)
    sha = send_chunks(client, data, stop_at=1)["sha256"]
    session.execute(update(Upload).values(touched_at=utcnow() - timedelta(days=6)))
    session.commit()
    send_chunks(client, data)
    session.expire_all()
    assert session.scalars(select(Upload).where(Upload.sha256 == sha)).one().touched_at > utcnow() - timedelta(hours=1)


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_scratch_folders_of_dead_processes_go_at_start_up_and_live_ones_stay(app_config, tmp_path):
    instance = Path(app_config["INSTANCE_PATH"])
    root = instance / scratch.FOLDER
    root.mkdir(parents=True)
    host = scratch._host()
    dead = root / f"signoff-{host}-{_dead_pid()}-{'0' * 12}"
    live = root / f"build-{host}-{os.getpid()}-{'1' * 12}"
    for folder in (dead, live):
        folder.mkdir()
        (folder / "signature.png").write_bytes(b"a drawn signature")
    legacy = instance / "tmpab12cd34"  # an older release's tempfile folder, long forgotten
    legacy.mkdir()
    _age(legacy, 3 * 3600)
    started = create_app(app_config)
    try:
        assert not dead.exists() and not legacy.exists() and live.exists()
    finally:
        started.extensions["db_engine"].dispose()


def test_the_sweep_runs_by_itself_once_per_interval_across_processes(app_config, client, session, station):
    expired = make_user(session, "inspector", "150602", username="insp.sweep")
    session.add(
        Upload(user_id=expired.id, sha256="d" * 64, size=10, received=0, touched_at=utcnow() - timedelta(days=30))
    )
    session.commit()
    first = create_app({**app_config, "SWEEP_INTERVAL_MINUTES": 60})
    second = create_app({**app_config, "SWEEP_INTERVAL_MINUTES": 60})
    try:
        first.test_client().get("/login")  # the first request a process serves starts its schedule
        assert first.extensions["sweeper"].finished.wait(timeout=60), "the sweep did not run"
        session.expire_all()
        assert session.scalar(select(func.count()).select_from(Upload)) == 0
        # Another process (another server) within the same interval: not its turn.
        assert second.extensions["sweeper"].run_if_due() is None
    finally:
        for started in (first, second):
            started.extensions["sweeper"].stop()
            started.extensions["db_engine"].dispose()


def test_a_chunk_sent_again_while_the_first_is_written_waits_for_it(app, session):
    """A phone that timed out sends the chunk again, and the retry may reach another server while the first copy is
    still being written: it waits for the upload's row (PostgreSQL), reads what the first left and is told to go on
    from there; the chunk is not written twice."""
    engine, parts = app.extensions["db_engine"], app.extensions["uploads"]
    user = make_user(session, "inspector", "150602")
    data = os.urandom(3 * CHUNK)
    sha = hashlib.sha256(data).hexdigest()
    sync.start_upload(session, parts, user.id, sha, len(data), len(data), 10 * len(data))
    answers: dict[str, object] = {}

    def retry() -> None:
        with Session(engine) as own:
            try:
                sync.put_chunk(own, parts, user.id, sha, 0, data[:CHUNK])
            except Conflict as refused:
                answers["conflict"] = refused.details
            else:
                answers["written"] = True

    with Session(engine) as first:
        upload = sync.get_upload(first, user.id, sha, lock=True)  # the first request, halfway through its chunk
        retrying = threading.Thread(target=retry)
        if engine.dialect.name == "postgresql":
            retrying.start()
            assert wait_for(lambda: _lock_waiters(engine) == 1), "the retry did not wait for the first request"
            assert retrying.is_alive() and not answers
        upload.received = parts.append(user.id, sha, 0, data[:CHUNK])
        first.commit()
    if engine.dialect.name != "postgresql":
        retrying.start()  # one writer at a time on SQLite: the retry comes after
    retrying.join(timeout=60)
    assert not retrying.is_alive() and answers == {"conflict": {"received": CHUNK}}
    assert parts.size(user.id, sha) == CHUNK and parts.read(user.id, sha) == data[:CHUNK]
