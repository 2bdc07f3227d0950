"""Stored files and the rows that name them: a file is removed only when no committed row refers to it, and a
file that is missing anyway answers 404 with a Chinese message, never 500."""

from __future__ import annotations

import hashlib
import threading
import uuid

import pytest
from photo_factory import jpeg
from sqlalchemy import select
from support import AuthActions, cli, make_station, make_user

from inspect_app.models import Photo

ROUNDS = 200  # the race was lost in 21 of 30 tries before attach and removal were serialised


def key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


@pytest.fixture
def two_inspections(session, campaign):
    return make_station(session, "150602"), make_station(session, "150602")


def _upload(client, data: bytes) -> str:
    sha = hashlib.sha256(data).hexdigest()
    assert client.post("/api/v1/uploads", json={"sha256": sha, "size": len(data)}).status_code == 200
    done = client.put(f"/api/v1/uploads/{sha}?offset=0", data=data, content_type="application/octet-stream")
    assert done.get_json()["complete"], done.get_json()
    return sha


def _attach(client, inspection_id: int, sha: str):
    return client.post(
        f"/api/v1/inspections/{inspection_id}/photos", json={"slot": "signboard", "sha256": sha}, headers=key()
    )


def _open(client, station) -> int:
    response = client.post("/api/v1/inspections", json={"station_id": station.id}, headers=key())
    assert response.status_code == 200, response.get_json()
    return response.get_json()["id"]


def test_attaching_and_removing_the_same_photo_at_once_never_leaves_a_row_without_its_files(
    app, session, two_inspections
):
    inspector = make_user(session, "inspector", "150602")
    first, second = app.test_client(), app.test_client()  # two sessions of one inspector (two phones)
    for client in (first, second):
        assert AuthActions(client).login(inspector.username).status_code == 302
    one, two = (_open(first, station) for station in two_inspections)
    store = app.extensions["filestore"]
    lost = []
    for round_ in range(ROUNDS):
        data = jpeg(size=(48, 36), seed=10_000 + round_)
        attached = _attach(first, one, _upload(first, data))
        assert attached.status_code == 202, attached.get_json()
        sha = _upload(second, data)  # the other phone has the same bytes ready
        start = threading.Barrier(2)
        answers: dict[str, int] = {}

        def remove() -> None:
            start.wait()
            answers["remove"] = first.delete(f"/api/v1/photos/{attached.get_json()['id']}", headers=key()).status_code

        def attach() -> None:
            start.wait()
            answers["attach"] = _attach(second, two, sha).status_code

        threads = [threading.Thread(target=remove), threading.Thread(target=attach)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert answers == {"remove": 204, "attach": 202}
        session.expire_all()
        row = session.scalar(select(Photo).where(Photo.inspection_id == two, Photo.sha256 == sha))
        missing = [k for k in (row.original_key, row.display_key, row.thumbnail_key) if not store.exists(k)]
        if missing:
            lost.append((round_, missing))
        assert second.get(f"/files/photos/{row.id}/display").status_code == 200
    assert lost == [], f"{len(lost)} of {ROUNDS} rounds left a photo row without its files"
    for photo in session.scalars(select(Photo)):
        assert all(store.exists(k) for k in (photo.original_key, photo.display_key, photo.thumbnail_key))


def _one_photo(app, session):
    from support import open_inspection_with_photo

    return open_inspection_with_photo(app, session)


def test_a_stored_file_that_is_missing_answers_404_in_chinese(app, session, client, auth):
    inspector, inspection, photo = _one_photo(app, session)
    store = app.extensions["filestore"]
    assert auth.login(inspector.username).status_code == 302
    assert client.get(f"/files/photos/{photo.id}/display").status_code == 200
    store.delete(photo.display_key)
    store.delete(photo.original_key)
    for variant in ("display", "original"):
        response = client.get(f"/files/photos/{photo.id}/{variant}")
        assert response.status_code == 404
        assert "文件已丢失" in response.get_data(as_text=True)
    assert client.get(f"/files/photos/{photo.id}/thumbnail").status_code == 200  # the rest still serves


def test_a_backup_with_a_missing_file_keeps_everything_else_names_it_and_fails(app, session, runner, tmp_path, other):
    inspector, inspection, photo = _one_photo(app, session)
    store = app.extensions["filestore"]
    store.delete(photo.display_key)  # one broken reference must not stop every backup
    target = tmp_path / "backup.tar"
    result = runner.invoke(args=["backup", "create", str(target)])
    assert result.exit_code != 0
    assert photo.display_key in result.output and f"photos.display_key（id {photo.id}）" in result.output
    assert target.is_file()
    import tarfile

    with tarfile.open(target) as archive:
        names = set(archive.getnames())
        document = __import__("json").loads(archive.extractfile("manifest.json").read())
    assert f"files/{photo.original_key}" in names and f"files/{photo.thumbnail_key}" in names
    assert f"files/{photo.display_key}" not in names
    assert [m["key"] for m in document["missing_files"]] == [photo.display_key]
    # It restores, saying what was already missing; the photo's page answers 404 for that one copy.
    restored = other("restored")
    result = cli(restored, "backup", "restore", str(target))
    assert result.exit_code == 0, result.output
    assert "恢复后仍然缺少" in result.output and photo.display_key in result.output
    store = restored.extensions["filestore"]
    assert store.exists(photo.original_key) and not store.exists(photo.display_key)
