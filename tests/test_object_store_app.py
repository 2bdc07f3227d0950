"""The app with its files in an S3 bucket (a real S3 server on loopback): photos sent in chunks, their copies, a
signed bundle, downloads, the sweep, a lost object, and a whole season backed up and restored into an empty bucket.
Nothing of it is written to the instance's own folders, and nothing in the bucket opens without its keys."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import time
import urllib.error
import urllib.request
import uuid
import zipfile
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path

import pytest
from botocore.exceptions import EndpointConnectionError
from gunicorn.http.wsgi import FileWrapper as Gunicorn
from photo_factory import jpeg
from sqlalchemy import select
from support import TODAY, cli, flip, is_postgres, make_station, rewrite, sign_version
from test_backup import (
    _restored_instance_works,
    everything,
    photo_removed_during_backup,
    postgres_database,
    whole_season,
)

from inspect_app import create_app
from inspect_app.adapters.archive import Archive
from inspect_app.adapters.filestore import StoreUnreachable, key_for
from inspect_app.bundles import operations as bundles
from inspect_app.city import report as city_report
from inspect_app.city import submissions
from inspect_app.housekeeping import sweep as housekeeping
from inspect_app.models import Bundle, CityReport, Photo, Submission, Upload
from inspect_app.models.types import utcnow


@pytest.fixture
def app(s3_app):
    """Every fixture of the suite (the session, the client, the seasons) on the bucket here."""
    return s3_app


def files_on_disk(app) -> list[Path]:
    """Files under the instance's file store and upload folders (the embedded default's places)."""
    return [
        p
        for folder in ("FILE_STORE_PATH", "UPLOAD_PARTS_PATH")
        for p in Path(app.config[folder]).rglob("*")
        if p.is_file()
    ]


def fresh() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


def objects(app) -> list[str]:
    bucket = app.extensions["filestore"].bucket
    return [item["Key"] for item in bucket.listing("")]


def send_in_chunks(client, data: bytes, chunk: int = 64 * 1024) -> str:
    sha = hashlib.sha256(data).hexdigest()
    start = client.post("/api/v1/uploads", json={"sha256": sha, "size": len(data)}, headers=fresh())
    assert start.status_code == 200, start.get_json()
    for offset in range(0, len(data), chunk):
        sent = client.put(
            f"/api/v1/uploads/{sha}?offset={offset}",
            data=data[offset : offset + chunk],
            content_type="application/octet-stream",
        )
        assert sent.status_code == 200, sent.get_json()
    return sha


def test_a_photo_sent_in_chunks_lives_in_the_bucket_and_is_served_from_it(app, client, login_as, session, campaign):
    login_as("inspector", "150602")
    station = make_station(session, "150602", latitude="39.82", longitude="109.96")
    opened = client.post("/api/v1/inspections", json={"station_id": station.id}, headers=fresh())
    data = jpeg(39.82, 109.96, seed=5)
    sha = send_in_chunks(client, data, chunk=4096)
    assert any(name.startswith("uploads/") for name in objects(app))  # the chunks wait in the bucket, one object each
    body = {"slot": "signboard", "sha256": sha}
    kept = client.post(f"/api/v1/inspections/{opened.get_json()['id']}/photos", json=body, headers=fresh())
    assert kept.status_code == 202, kept.get_json()
    photo = session.scalars(select(Photo)).one()
    assert photo.state.value == "ready"
    original = client.get(f"/files/photos/{photo.id}/original")
    assert original.status_code == 200 and original.data == data
    assert original.headers["Content-Length"] == str(len(data)) and original.headers["ETag"] == f'"{sha}"'
    again = client.get(f"/files/photos/{photo.id}/original", headers={"If-None-Match": f'"{sha}"'})
    assert again.status_code == 304
    thumbnail = client.get(f"/files/photos/{photo.id}/thumbnail")
    assert thumbnail.status_code == 200 and thumbnail.data[:2] == b"\xff\xd8"
    names = objects(app)
    for key in (photo.original_key, photo.display_key, photo.thumbnail_key):
        assert f"files/{key}" in names
    assert not [n for n in names if n.startswith("uploads/")]  # the upload let go once kept
    assert files_on_disk(app) == []


def test_a_signed_bundle_is_built_to_the_bucket_and_downloads_whole(
    app, session, season, client, auth, tmp_path, monkeypatch
):
    leader = season["leader"]
    bundle = sign_version(app, session, leader, season["campaign"], tmp_path)
    assert f"files/{bundle.archive_key}" in objects(app)
    auth.login(leader.username)
    download = client.get(f"/review/bundle/{bundle.id}/download")
    assert download.status_code == 200
    assert hashlib.sha256(download.data).hexdigest() == bundle.archive_sha256
    assert int(download.headers["Content-Length"]) == bundle.archive_size
    with zipfile.ZipFile(io.BytesIO(download.data)) as archive:
        assert "manifest.json" in archive.namelist()
    # A download cut off resumes where it broke off: the bucket is asked for the rest only.
    url, size = f"/review/bundle/{bundle.id}/download", bundle.archive_size
    rest = client.get(url, headers={"Range": "bytes=1000-"})
    assert rest.status_code == 206 and rest.data == download.data[1000:]
    assert rest.headers["Content-Range"] == f"bytes 1000-{size - 1}/{size}"
    assert client.get(url, headers={"Range": "bytes=-100"}).data == download.data[-100:]
    assert client.get(url, headers={"Range": f"bytes={size + 10}-"}).status_code == 416
    asked = ranges_asked(monkeypatch, app.extensions["filestore"], ".zip")
    assert client.get(url, headers={"If-None-Match": f'"{bundle.archive_sha256}"'}).status_code == 304
    assert asked == []  # what the browser holds already is not fetched from the bucket
    # Under gunicorn (its file wrapper cannot seek) the bucket is still asked for the range only, not read up to it.
    tail = client.get(url, headers={"Range": f"bytes={size - 100}-"}, environ_overrides={"wsgi.file_wrapper": Gunicorn})
    assert tail.status_code == 206 and tail.data == download.data[-100:]
    assert fetched(asked) == 100, asked
    asked.clear()  # a PDF viewer's small range in the middle: a small request to the bucket, not a megabyte
    middle = client.get(url, headers={"Range": "bytes=1000-1099"})
    assert middle.status_code == 206 and middle.data == download.data[1000:1100]
    assert 100 <= fetched(asked) <= 64 * 1024, asked
    preview = client.get(f"/review/bundle/{bundle.id}/preview.pdf")
    assert preview.status_code == 200 and preview.data.startswith(b"%PDF")
    assert files_on_disk(app) == []
    out = tmp_path / "verify.zip"
    out.write_bytes(download.data)
    verified = cli(app, "bundle", "verify", str(out))
    assert verified.exit_code == 0 and "证据包完整有效" in verified.output, verified.output


def test_a_look_at_a_built_bundle_fetches_none_of_its_files(app, session, season, client, auth, tmp_path):
    """The bundle page and its status say whether a version still holds from the rows and which objects the bucket
    has: the district's photos stay there (a copy of each on every server at every look would not do)."""
    from inspect_app.bundles import operations as bundles

    leader, store = season["leader"], app.extensions["filestore"]
    bundle = bundles.start_draft(session, leader.actor, leader.district_id, season["campaign"].id, "说明")
    bundles.build_preview(session, store, bundle.id, leader.display_name, tmp_path)
    cache = Path(app.config["FILE_STORE_CACHE_PATH"])
    shutil.rmtree(cache)  # the build's own copies, made where the build ran (the worker)
    auth.login(leader.username)
    page = client.get("/review/bundle/").get_data(as_text=True)
    assert "第1版 · 待签字" in page and "已过期" not in page
    assert client.get(f"/review/bundle/{bundle.id}/status").get_json()["label"] == "待签字"
    assert not [p for p in cache.rglob("*") if p.is_file()]
    # An object gone from the bucket is still found out, without fetching the others.
    store.delete(session.scalars(select(Photo.display_key).where(Photo.display_key.is_not(None))).first())
    assert client.get(f"/review/bundle/{bundle.id}/status").get_json()["label"] == "已过期"
    assert not [p for p in cache.rglob("*") if p.is_file()]


def ranges_asked(monkeypatch, store, suffix: str) -> list[tuple[int, int]]:
    """Every byte range the store asks the bucket for, of objects whose name ends in `suffix`."""
    asked: list[tuple[int, int]] = []
    real = store.bucket.body

    def body(name, first=None, last=None):
        if name.endswith(suffix):
            asked.append((first, last))
        return real(name, first, last)

    monkeypatch.setattr(store.bucket, "body", body)
    return asked


def fetched(asked: list[tuple[int, int]]) -> int:
    return sum(last - first + 1 for first, last in asked)


def test_the_city_verifies_a_bundle_where_it_lies_and_the_audit_reads_only_its_manifest(
    app, session, city_season, runner, tmp_path, monkeypatch
):
    """No copy of a bundle of gigabytes is fetched to this server to verify it: it is read once, as the checks go;
    `audit verify` reads each archive's directory and manifest and nothing else of it."""
    leader, store = city_season["ds"]["leader"], app.extensions["filestore"]
    bundle = sign_version(app, session, leader, city_season["campaign"], tmp_path)
    cache = Path(app.config["FILE_STORE_CACHE_PATH"])
    shutil.rmtree(cache, ignore_errors=True)
    asked = ranges_asked(monkeypatch, store, ".zip")
    sent = submissions.submit_bundle(session, leader.actor, store, bundle.id)
    assert sent.verified and all(check["ok"] for check in sent.checks)
    # Read once (with the directory and the manifest, read first for its signature), not fetched whole then read.
    assert bundle.archive_size <= fetched(asked) < bundle.archive_size + 256 * 1024, repr(asked)
    assert not [p for p in cache.rglob("*") if p.is_file()]
    asked.clear()
    audited = runner.invoke(args=["audit", "verify"])
    assert audited.exit_code == 0 and "审计日志完整" in audited.output, audited.output
    manifest_and_directory = fetched(asked)
    assert 0 < manifest_and_directory < bundle.archive_size / 4, (manifest_and_directory, bundle.archive_size)


def test_a_bundle_the_city_uploads_by_hand_goes_to_the_bucket_and_a_tampered_one_leaves_nothing(
    app, session, city_season, client, auth, tmp_path
):
    leader, store = city_season["ds"]["leader"], app.extensions["filestore"]
    bundle = sign_version(app, session, leader, city_season["campaign"], tmp_path)
    original = tmp_path / "original.zip"
    with store.open(bundle.archive_key) as stream, original.open("wb") as out:
        shutil.copyfileobj(stream, out)
    store.delete(bundle.archive_key)  # what arrives by hand is what the bucket will hold
    tampered = rewrite(original, tmp_path / "tampered.zip", lambda n, d: flip(d) if n.endswith(".jpg") else d)
    before = objects(app)
    auth.login("city.center")

    def send(path: Path) -> str:
        answer = client.post(
            "/city/upload",
            data={"bundle": (path.open("rb"), "东胜区.zip")},
            content_type="multipart/form-data",
            follow_redirects=True,
        )
        return answer.get_data(as_text=True)

    assert "证据包验证未通过，未接收" in send(tampered)
    assert objects(app) == before and session.scalars(select(Submission)).all() == []
    assert "已收到东胜区第1版证据包，验证通过" in send(original)
    received = session.scalars(select(Submission)).one()
    assert received.verified and objects(app) == sorted([*before, f"files/{bundle.archive_key}"])
    with store.open(bundle.archive_key) as stream:
        assert hashlib.file_digest(stream, "sha256").hexdigest() == bundle.archive_sha256
    assert files_on_disk(app) == []


def test_a_zip_read_member_by_member_and_a_whole_file_take_few_requests(app, monkeypatch):
    """Stepping over the next member's header goes on in the open request rather than a new small one, and a
    whole file (a photo the worker reads) is one request."""
    store = app.extensions["filestore"]
    members = {f"photos/{n}.jpg": os.urandom(3 << 19) for n in range(4)}  # 1.5 MB each, stored as they are
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_STORED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    key = store.put(packed.getvalue(), "zip")
    asked = ranges_asked(monkeypatch, store, ".zip")
    with store.open(key) as stream, Archive(stream) as archive:  # as a bundle's verification reads it
        for name, data in members.items():
            assert b"".join(archive.stream(name)) == data
    size = len(packed.getvalue())
    # The structure check reads each member's header (a small request each), then the members go in growing windows;
    # starting again at every member asked for 29 requests and 1.6 MB more than the file.
    assert fetched(asked) < size + 384 * 1024 and len(asked) <= 18, asked
    asked.clear()
    assert store.read(key) == packed.getvalue() and len(asked) == 1


def test_a_bucket_out_of_reach_while_verifying_changes_no_verdict(
    app, session, city_season, client, auth, runner, tmp_path, monkeypatch
):
    leader, store = city_season["ds"]["leader"], app.extensions["filestore"]
    bundle = sign_version(app, session, leader, city_season["campaign"], tmp_path)
    sent = submissions.submit_bundle(session, leader.actor, store, bundle.id)
    checks = sent.checks

    def cut_off(*args, **kwargs):
        raise EndpointConnectionError(endpoint_url=store.bucket.settings.endpoint)

    client_of_this_process = store.bucket.client
    monkeypatch.setattr(client_of_this_process, "get_object", cut_off)  # the HEAD answers, the reads do not
    auth.login("city.center")
    answer = client.post(f"/city/submissions/{sent.id}/verify")
    assert answer.status_code == 503 and "文件存储暂时无法访问" in answer.get_data(as_text=True)
    session.refresh(sent)
    assert sent.verified and sent.checks == checks  # not turned into "damaged" by a network fault
    audited = runner.invoke(args=["audit", "verify"])
    assert audited.exit_code != 0 and "文件存储暂时无法访问" in audited.output and "文件缺失" not in audited.output
    monkeypatch.setattr(client_of_this_process, "head_object", cut_off)  # out of reach before the first byte too
    download = client.get(f"/city/submissions/{sent.id}/download")
    assert download.status_code == 503 and "文件存储暂时无法访问" in download.get_data(as_text=True)


def test_a_download_whose_first_read_fails_answers_503_before_any_byte(
    app, client, login_as, session, campaign, monkeypatch
):
    """The HEAD answers, the GET does not: the reader gets the error page, not a 200 cut after its headers."""
    login_as("inspector", "150602")
    station = make_station(session, "150602", latitude="39.82", longitude="109.96")
    opened = client.post("/api/v1/inspections", json={"station_id": station.id}, headers=fresh())
    data = jpeg(39.82, 109.96, seed=8)
    sha = send_in_chunks(client, data)
    body = {"slot": "signboard", "sha256": sha}
    kept = client.post(f"/api/v1/inspections/{opened.get_json()['id']}/photos", json=body, headers=fresh())
    assert kept.status_code == 202, kept.get_json()
    photo = session.scalars(select(Photo)).one()
    store = app.extensions["filestore"]

    def cut_off(*args, **kwargs):
        raise EndpointConnectionError(endpoint_url=store.bucket.settings.endpoint)

    monkeypatch.setattr(store.bucket.client, "get_object", cut_off)
    address = f"/files/photos/{photo.id}/original"
    for headers in ({}, {"Range": "bytes=100-199"}):
        answer = client.get(address, headers=headers)
        assert answer.status_code == 503, (headers, answer.status_code)
        assert "文件存储暂时无法访问" in answer.get_data(as_text=True)
    assert client.head(address).status_code == 200  # what needs no byte of the body still answers
    assert client.get(address, headers={"If-None-Match": f'"{sha}"'}).status_code == 304
    monkeypatch.undo()
    whole, part = client.get(address), client.get(address, headers={"Range": "bytes=100-199"})
    assert whole.status_code == 200 and whole.data == data
    assert part.status_code == 206 and part.data == data[100:200]


def test_a_bucket_out_of_reach_while_a_chunk_is_written_answers_503_and_the_phone_sends_it_again(
    app, session, client, login_as, campaign, monkeypatch
):
    inspector = login_as("inspector", "150602")
    bucket = app.extensions["filestore"].bucket
    data = jpeg(39.82, 109.96, seed=8)
    sha = hashlib.sha256(data).hexdigest()
    assert client.post("/api/v1/uploads", json={"sha256": sha, "size": len(data)}, headers=fresh()).status_code == 200

    def cut_off(*args, **kwargs):
        raise EndpointConnectionError(endpoint_url=bucket.settings.endpoint)

    for call in ("put_object", "list_objects_v2"):  # the chunk's write, and the look at what is already there
        with monkeypatch.context() as cut:
            cut.setattr(bucket.client, call, cut_off)
            refused = client.put(f"/api/v1/uploads/{sha}?offset=0", data=data, content_type="application/octet-stream")
        assert refused.status_code == 503, (call, refused.get_data(as_text=True))
        assert refused.get_json()["error"]["code"] == "store_unreachable"
        assert "文件存储暂时无法访问" in refused.get_json()["error"]["message"]
        upload = session.scalars(select(Upload).where(Upload.user_id == inspector.id)).one()
        session.refresh(upload)
        assert upload.received == 0
    sent = client.put(f"/api/v1/uploads/{sha}?offset=0", data=data, content_type="application/octet-stream")
    assert sent.status_code == 200 and sent.get_json()["received"] == len(data)
    assert app.extensions["uploads"].open(inspector.id, sha).read() == data


def test_a_multipart_write_the_bucket_fails_is_out_of_reach_and_keeps_its_source(app, monkeypatch, tmp_path):
    from boto3.exceptions import S3UploadFailedError
    from botocore.exceptions import ClientError

    store = app.extensions["filestore"]

    def failing(*args, **kwargs):
        busy = {"Error": {"Code": "SlowDown"}, "ResponseMetadata": {"HTTPStatusCode": 503}}
        try:  # what boto3's transfer does with the client's error after its retries
            raise ClientError(busy, "UploadPart")
        except ClientError as error:
            raise S3UploadFailedError(f"Failed to upload: {error}")  # noqa: B904 (boto3 chains it implicitly)

    monkeypatch.setattr(store.bucket.client, "upload_file", failing)
    source = tmp_path / "bundle.zip"
    source.write_bytes(b"signed bundle")
    with pytest.raises(StoreUnreachable):
        store.put_file(source, "zip")
    assert source.read_bytes() == b"signed bundle"
    assert not store.exists(key_for(hashlib.sha256(b"signed bundle").hexdigest(), "zip"))


@pytest.mark.parametrize("build", ["the district's bundle", "the city's report"])
def test_a_build_that_finds_the_bucket_out_of_reach_says_so_in_chinese(
    app, session, city_season, tmp_path, monkeypatch, build
):
    store, campaign = app.extensions["filestore"], city_season["campaign"]
    leader, city = city_season["ds"]["leader"], city_season["city"]
    if build == "the district's bundle":
        draft = bundles.start_draft(session, leader.actor, leader.district_id, campaign.id, "说明")
    else:
        sign_version(app, session, leader, campaign, tmp_path)  # something for the report to read

    def cut_off(*args, **kwargs):
        raise EndpointConnectionError(endpoint_url=store.bucket.settings.endpoint)

    for call in ("get_object", "head_object", "put_object", "upload_file"):
        monkeypatch.setattr(store.bucket.client, call, cut_off)
    with pytest.raises(StoreUnreachable):
        if build == "the district's bundle":
            bundles.build_preview(session, store, draft.id, leader.display_name, tmp_path)
        else:
            city_report.build_preview(session, city.actor, store, city, campaign.id, tmp_path, TODAY)
    session.expire_all()
    failed = (
        session.get(Bundle, draft.id) if build == "the district's bundle" else session.scalars(select(CityReport)).one()
    )
    assert failed.status.name == "FAILED" and failed.preview_key is None
    assert "文件存储暂时无法访问" in failed.error and "请稍后重新生成" in failed.error


def test_a_lost_object_answers_404_with_a_clear_message(app, client, login_as, session, campaign):
    login_as("inspector", "150602")
    station = make_station(session, "150602", latitude="39.82", longitude="109.96")
    opened = client.post("/api/v1/inspections", json={"station_id": station.id}, headers=fresh())
    sha = send_in_chunks(client, jpeg(39.82, 109.96, seed=6))
    client.post(
        f"/api/v1/inspections/{opened.get_json()['id']}/photos",
        json={"slot": "signboard", "sha256": sha},
        headers=fresh(),
    )
    photo = session.scalars(select(Photo)).one()
    store = app.extensions["filestore"]
    store.bucket.delete(f"{store.bucket.prefix}files/{photo.original_key}")
    lost = client.get(f"/files/photos/{photo.id}/original")
    assert lost.status_code == 404 and "文件已丢失" in lost.get_data(as_text=True)


def test_nothing_in_the_bucket_opens_without_its_keys(app, s3_gateway, bucket):
    key = app.extensions["filestore"].put(b"evidence", "txt")
    for address in (f"{s3_gateway.endpoint}/{bucket}/files/{key}", f"{s3_gateway.endpoint}/{bucket}?list-type=2"):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(address, timeout=10)
        assert refused.value.code == 403


def test_the_sweep_clears_abandoned_uploads_orphans_and_cut_writes_from_the_bucket(app, session, login_as, campaign):
    inspector = login_as("inspector", "150602")
    store, uploads = app.extensions["filestore"], app.extensions["uploads"]
    abandoned, stray = "a" * 64, "b" * 64
    session.add(
        Upload(user_id=inspector.id, sha256=abandoned, size=10, received=5, touched_at=utcnow() - timedelta(days=30))
    )
    session.commit()
    uploads.append(inspector.id, abandoned, 0, b"12345")
    uploads.append(inspector.id, stray, 0, b"no row names me")  # its row is gone
    orphan = store.put(b"no row names this file", "txt")
    store.bucket.client.create_multipart_upload(Bucket=store.bucket.name, Key=f"files/{key_for('c' * 64, 'zip')}")
    # A backup killed while copying a bundle of gigabytes into held/ (a multipart copy) leaves one there too.
    store.bucket.client.create_multipart_upload(Bucket=store.bucket.name, Key="held/1-abc/" + "d" * 64 + ".zip")
    theirs = store.bucket.client.create_multipart_upload(Bucket=store.bucket.name, Key="another-app/video.mp4")
    report = housekeeping.sweep(  # two days on: the cut write is a day older than any write still under way
        session,
        store,
        uploads,
        Path(app.instance_path) / "work",
        upload_expiry_days=7,
        stale_after_s=120,
        now=utcnow() + timedelta(days=2),
    )
    assert report.uploads_expired == 1 and report.part_files_removed == 1 and report.stored_files_removed == 1
    assert list(uploads.parts()) == [] and not store.exists(orphan)
    listed = store.bucket.client.list_multipart_uploads(Bucket=store.bucket.name).get("Uploads") or []
    assert [u["UploadId"] for u in listed] == [theirs["UploadId"]]  # only the store's own are its to abort
    assert objects(app) == []


def test_a_whole_season_on_object_storage_comes_back_into_an_empty_bucket(
    app, session, city_season, runner, tmp_path, database_url, other, s3_gateway
):
    whole_season(app, session, city_season, runner, tmp_path)
    assert files_on_disk(app) == []
    archive = tmp_path / "backup.tar"
    created = runner.invoke(args=["backup", "create", str(archive)])
    assert created.exit_code == 0, created.output
    rows_before, files_before = everything(app)
    assert len(files_before) > 20 and f"文件 {len(files_before)} 个" in created.output
    assert not [n for n in objects(app) if n.startswith("held/")]  # the backup's holds let go
    bundle_key = min(rows_before["bundles"].items())[1]["archive_key"]
    with ExitStack() as stack:
        empty = s3_gateway.new_bucket()
        targets = [other("target-sqlite", **s3_gateway.settings(empty))]
        if is_postgres(database_url):
            url = stack.enter_context(postgres_database(database_url))
            targets.append(other("target-postgresql", url, **s3_gateway.settings(s3_gateway.new_bucket())))
            stack.callback(targets[-1].extensions["db_engine"].dispose)
        for target in targets:
            assert list(target.extensions["filestore"].keys()) == []
            result = cli(target, "backup", "restore", str(archive))
            assert result.exit_code == 0, result.output
            rows_after, files_after = everything(target)
            for name in rows_before:
                assert rows_after[name] == rows_before[name], name
            assert files_after == files_before  # every object, by key, with the same SHA-256
            _restored_instance_works(target, bundle_key)
            assert files_on_disk(target) == []
    # The archive does not depend on the backend: a bucket's backup restores onto a disk, and that disk's backup
    # into an empty bucket again, every row and every file the same.
    on_disk = other("target-disk")
    assert cli(on_disk, "backup", "restore", str(archive)).exit_code == 0
    assert everything(on_disk) == (rows_before, files_before)
    assert len(files_on_disk(on_disk)) == len(files_before)
    again = tmp_path / "from-disk.tar"
    assert cli(on_disk, "backup", "create", str(again)).exit_code == 0
    back = other("target-bucket-again", **s3_gateway.settings(s3_gateway.new_bucket()))
    result = cli(back, "backup", "restore", str(again))
    assert result.exit_code == 0, result.output
    assert everything(back) == (rows_before, files_before) and files_on_disk(back) == []
    _restored_instance_works(back, bundle_key)


def test_settings_name_the_bucket_or_refuse_clearly(app_config, s3_gateway):
    from inspect_app.config import ConfigError, load_config

    base = {"INSTANCE_PATH": app_config["INSTANCE_PATH"], "SECRET_KEY": "x"}
    for url in ("s3://", "http://bucket", "s3://Bad_Bucket", "file:///tmp/x", "s3://evidence/a/../b", "s3://e/a//b"):
        with pytest.raises(ConfigError):
            load_config(base, env={"FILE_STORE_URL": url})
    for endpoint in ("oss-cn-huhehaote.aliyuncs.com", "ftp://127.0.0.1:9000"):
        with pytest.raises(ConfigError, match="FILE_STORE_ENDPOINT"):
            load_config(base, env={"FILE_STORE_URL": "s3://evidence", "FILE_STORE_ENDPOINT": endpoint})
    with pytest.raises(ConfigError):
        load_config(base, env={"FILE_STORE_URL": "s3://evidence", "FILE_STORE_ACCESS_KEY": "only-half"})
    config = load_config(base, env={"FILE_STORE_URL": "s3://evidence/ordos/2026/"})
    assert config["FILE_STORE_URL"] == "s3://evidence/ordos/2026/"
    assert not Path(config["FILE_STORE_PATH"]).exists()  # no folder made for a store that is not used
    prefixed = create_app({**app_config, **s3_gateway.settings(s3_gateway.new_bucket(), prefix="ordos")})
    try:
        key = prefixed.extensions["filestore"].put(b"x", "txt")
        bucket = prefixed.extensions["filestore"].bucket
        assert [item["Key"] for item in bucket.listing("")] == [f"ordos/files/{key}"]
    finally:
        prefixed.extensions["db_engine"].dispose()
    assert os.environ.get("FILE_STORE_URL") is None  # the rest of the suite stays on the disk


def test_files_check_passes_on_a_private_bucket_and_fails_on_a_public_one(app, runner, s3_gateway, bucket):
    checked = runner.invoke(args=["files", "check"])
    assert checked.exit_code == 0, checked.output
    assert f"S3 存储桶 {bucket}/" in checked.output and "不带密钥无法读取（私有）" in checked.output
    public = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": ["*"]},
                "Action": ["s3:GetObject"],
                "Resource": [f"arn:aws:s3:::{bucket}/*"],
            }
        ],
    }
    s3_gateway.client().put_bucket_policy(Bucket=bucket, Policy=json.dumps(public))
    refused = runner.invoke(args=["files", "check"])
    assert refused.exit_code == 1 and "存储桶被设为公开读取" in refused.output
    assert list(app.extensions["filestore"].keys()) == []  # the probe removed either way


def test_files_check_names_an_unreachable_store(app_config, runner):
    broken = create_app(
        {
            **app_config,
            "FILE_STORE_URL": "s3://evidence",
            "FILE_STORE_ENDPOINT": "http://127.0.0.1:9",
            "FILE_STORE_ACCESS_KEY": "k",
            "FILE_STORE_SECRET_KEY": "s",
        }
    )
    try:
        result = broken.test_cli_runner().invoke(args=["files", "check"])
    finally:
        broken.extensions["db_engine"].dispose()
    assert result.exit_code == 1 and "无法写入" in result.output


@pytest.mark.parametrize(
    "settings, fails_with",
    [
        ({}, None),
        ({"FILE_STORE_URL": "s3://evidence/ordos", "FILE_STORE_ENDPOINT": "https://oss.example.cn"}, None),
        ({"FILE_STORE_URL": "s3://evidence"}, None),
        ({"FILE_STORE_URL": "https://oss.example.cn/evidence"}, "FILE_STORE_URL 须为 s3://存储桶"),
        ({"FILE_STORE_URL": "s3://evidence", "FILE_STORE_ACCESS_KEY": "half"}, "须同时设置"),
        ({"FILE_STORE_URL": "s3://evidence/ordos/2026/", "FILE_STORE_ENDPOINT": "http://10.0.0.7:9000"}, None),
        ({"FILE_STORE_URL": "s3://evidence/a/../b"}, "前缀不能含空段"),
        ({"FILE_STORE_URL": "s3://evidence/a//b"}, "前缀不能含空段"),
        ({"FILE_STORE_URL": "s3://evidence", "FILE_STORE_ENDPOINT": "oss-cn-huhehaote.aliyuncs.com"}, "http://"),
    ],
)
def test_make_serve_prod_checks_the_file_store_settings_first(settings, fails_with):
    env = {
        "PATH": os.environ["PATH"],
        "DATABASE_URL": "postgresql://postgres@127.0.0.1/inspect",
        "SECRET_KEY": "s",
        "PKI_CA_PASSPHRASE": "p",
        **settings,
    }
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(["make", "-s", "prod-env"], cwd=root, env=env, capture_output=True, text=True)
    if fails_with is None:
        assert done.returncode == 0 and done.stderr == "", done.stderr
        assert ("本机目录" in done.stdout) == ("FILE_STORE_URL" not in settings)  # one machine only: said so
        assert ("未设置 FILE_STORE_ENDPOINT" in done.stdout) == (settings.get("FILE_STORE_URL") == "s3://evidence")
    else:
        assert done.returncode != 0 and fails_with in done.stderr


def test_a_server_that_is_not_sweeping_still_tidies_its_own_copies(
    app, app_config, s3_gateway, bucket, session, tmp_path
):
    key = app.extensions["filestore"].put(b"a photo both servers read", "jpg")
    other = create_app(
        {
            **app_config,
            **s3_gateway.settings(bucket),
            "INSTANCE_PATH": str(tmp_path / "b"),
            "SWEEP_INTERVAL_MINUTES": 60,
        }
    )
    try:
        copy = other.extensions["filestore"].local_path(key)  # server B laid a PDF out with it
        os.utime(copy, (time.time() - 2 * 86400, time.time() - 2 * 86400))  # two days ago
        fresh = other.extensions["filestore"].local_path(app.extensions["filestore"].put(b"used just now", "jpg"))
        assert housekeeping.claim_run(session, housekeeping.SWEEP, 3600)  # server A's turn this interval
        assert other.extensions["sweeper"].run_if_due() is None  # not B's turn for the shared sweep ...
        assert not copy.exists() and fresh.exists()  # ... but its own machine is tidied
        assert app.extensions["filestore"].exists(key)  # the object itself stays
    finally:
        other.extensions["sweeper"].stop()
        other.extensions["db_engine"].dispose()


def test_the_job_worker_tidies_its_own_copies(app, runner, monkeypatch):
    from inspect_app.bundles import jobs

    app.config.update(REDIS_URL="redis://127.0.0.1:1/0", SWEEP_INTERVAL_MINUTES=60)
    store = app.extensions["filestore"]
    key = store.put(b"a photo a bundle build laid out", "jpg")
    copy = store.local_path(key)
    os.utime(copy, (time.time() - 2 * 86400, time.time() - 2 * 86400))  # two days ago
    tidied = []
    # The worker's loop (which needs Redis) waits instead for its machine's first tidy.
    monkeypatch.setattr(
        jobs, "run_worker", lambda app, burst: tidied.append(app.extensions["sweeper"].finished.wait(60))
    )
    try:
        result = runner.invoke(args=["jobs", "worker", "--burst"])
    finally:
        app.extensions["sweeper"].stop()
    assert result.exit_code == 0, result.output
    assert tidied == [True] and not copy.exists() and store.exists(key)


@pytest.mark.parametrize("moment", ["before its files are held", "while the files are copied"])
def test_a_photo_removed_during_a_backup_on_object_storage_leaves_it_consistent(
    app, session, runner, tmp_path, monkeypatch, other, moment, s3_gateway
):
    from inspect_app.adapters.objectstore import _ObjectHolding

    target = s3_gateway.settings(s3_gateway.new_bucket())
    photo_removed_during_backup(app, session, runner, tmp_path, monkeypatch, other, moment, _ObjectHolding, **target)
    assert not [n for n in objects(app) if n.startswith("held/")]  # the copies held are let go
