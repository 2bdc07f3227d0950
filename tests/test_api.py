"""The JSON API the offline app syncs through: idempotency, conflicts, resumable uploads."""

from __future__ import annotations

import base64
import hashlib
import re
import uuid

import pytest
from flask import request, request_finished
from jsonschema import Draft202012Validator
from photo_factory import jpeg, signature_png
from sqlalchemy import func, select
from support import make_station, make_user

from inspect_app.models import AuditEntry, Inspection, InspectionAnswer, Photo, Upload


@pytest.fixture
def station(session, campaign):
    return make_station(session, "150602", latitude="39.82", longitude="109.96")


def key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


def open_(client, station, headers=None):
    response = client.post("/api/v1/inspections", json={"station_id": station.id}, headers=headers or key())
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def upload(client, data: bytes, chunk: int = 512 * 1024) -> str:
    sha = hashlib.sha256(data).hexdigest()
    state = client.post("/api/v1/uploads", json={"sha256": sha, "size": len(data)}, headers=key()).get_json()
    offset = state["received"]
    while offset < len(data):
        part = data[offset : offset + chunk]
        state = client.put(
            f"/api/v1/uploads/{sha}?offset={offset}", data=part, content_type="application/octet-stream"
        ).get_json()
        offset = state["received"]
    assert state["complete"]
    return sha


def test_session_and_bootstrap(client, login_as, station, session):
    login_as("inspector", "150602")
    make_station(session, "150603", name="别的旗区")
    body = client.get("/api/v1/session").get_json()
    assert body["user"]["role"] == "inspector" and body["user"]["district"]["code"] == "150602"
    assert body["csrf_token"]
    boot = client.get("/api/v1/bootstrap").get_json()
    assert boot["campaign"]["name"] == "2026年度自查验收"
    assert boot["checklist"]["version"] == "2026.1" and len(boot["checklist"]["sections"]) == 3
    assert [s["id"] for s in boot["stations"]] == [station.id] and boot["inspections"] == []
    open_(client, station)
    assert len(client.get("/api/v1/bootstrap").get_json()["inspections"]) == 1


def test_same_idempotency_key_changes_nothing_the_second_time(client, login_as, station, session):
    login_as("inspector", "150602")
    inspection = open_(client, station)
    headers = key()
    url = f"/api/v1/inspections/{inspection['id']}/answers/A1"
    first = client.put(url, json={"verdict": "pass", "base_version": None}, headers=headers)
    # Another device changes the item in between; the replay must not undo that.
    client.put(url, json={"verdict": "fail", "base_version": 1}, headers=key())
    again = client.put(url, json={"verdict": "pass", "base_version": None}, headers=headers)
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    row = session.scalars(select(InspectionAnswer)).one()
    assert (row.verdict.value, row.version) == ("fail", 2)
    reused = client.put(f"/api/v1/inspections/{inspection['id']}/answers/A2", json={"verdict": "pass"}, headers=headers)
    assert reused.status_code == 422 and "已用于另一个请求" in reused.get_json()["error"]["message"]


def test_opening_twice_with_different_keys_gives_one_inspection(client, login_as, station, session):
    login_as("inspector", "150602")
    assert open_(client, station)["id"] == open_(client, station)["id"]
    assert session.scalar(select(func.count()).select_from(Inspection)) == 1


def test_two_devices_editing_the_same_item_keep_both_until_someone_chooses(client, login_as, station, session):
    login_as("inspector", "150602")
    inspection = open_(client, station)
    url = f"/api/v1/inspections/{inspection['id']}/answers/A4"
    assert client.put(url, json={"verdict": "pass", "base_version": None}, headers=key()).status_code == 200
    # The second phone was offline and also answered A4 from an unanswered state.
    clash = client.put(url, json={"verdict": "fail", "note": "宣传栏过期", "base_version": None}, headers=key())
    assert clash.status_code == 409
    conflict = clash.get_json()["error"]["conflict"]
    assert conflict["server"]["verdict"] == "pass" and conflict["proposed"]["verdict"] == "fail"
    assert conflict["proposed"]["note"] == "宣传栏过期"
    shown = client.get(f"/api/v1/inspections/{inspection['id']}").get_json()
    assert shown["answers"]["A4"]["verdict"] == "pass" and [c["id"] for c in shown["conflicts"]] == [conflict["id"]]
    # The same stale edit again does not pile up conflicts.
    client.put(url, json={"verdict": "fail", "note": "宣传栏过期", "base_version": None}, headers=key())
    assert len(client.get(f"/api/v1/inspections/{inspection['id']}").get_json()["conflicts"]) == 1
    # The inspector chooses the other phone's answer.
    chosen = client.put(
        url,
        json={"verdict": "fail", "note": "宣传栏过期", "base_version": 1, "resolves": conflict["id"]},
        headers=key(),
    )
    assert chosen.status_code == 200 and chosen.get_json()["answer"]["version"] == 2
    after = client.get(f"/api/v1/inspections/{inspection['id']}").get_json()
    assert after["conflicts"] == [] and after["answers"]["A4"]["verdict"] == "fail"


def test_a_stale_edit_with_the_same_content_is_no_conflict(client, login_as, station):
    login_as("inspector", "150602")
    inspection = open_(client, station)
    url = f"/api/v1/inspections/{inspection['id']}/answers/A5"
    client.put(url, json={"verdict": "pass", "base_version": None}, headers=key())
    same = client.put(url, json={"verdict": "pass", "base_version": None}, headers=key())
    assert same.status_code == 200 and same.get_json()["answer"]["version"] == 1


def test_resumable_upload_continues_from_what_arrived(client, login_as, station, session):
    login_as("inspector", "150602")
    data = jpeg(size=(1600, 1200), seed=40) * 1  # ~ a few hundred KB
    sha = hashlib.sha256(data).hexdigest()
    client.post("/api/v1/uploads", json={"sha256": sha, "size": len(data)}, headers=key())
    first = client.put(f"/api/v1/uploads/{sha}?offset=0", data=data[:1000], content_type="application/octet-stream")
    assert first.get_json() == {"sha256": sha, "size": len(data), "received": 1000, "complete": False}
    # The connection dropped; the phone asks where to go on.
    assert client.get(f"/api/v1/uploads/{sha}").get_json()["received"] == 1000
    wrong = client.put(f"/api/v1/uploads/{sha}?offset=0", data=data[:1000], content_type="application/octet-stream")
    assert wrong.status_code == 409 and wrong.get_json()["error"]["received"] == 1000
    done = client.put(f"/api/v1/uploads/{sha}?offset=1000", data=data[1000:], content_type="application/octet-stream")
    assert done.get_json()["complete"] is True
    again = client.post("/api/v1/uploads", json={"sha256": sha, "size": len(data)}, headers=key())
    assert again.get_json()["received"] == len(data)


def test_an_upload_whose_bytes_do_not_match_its_hash_is_refused(client, login_as, station, session):
    login_as("inspector", "150602")
    sha = hashlib.sha256(b"the real photo").hexdigest()
    client.post("/api/v1/uploads", json={"sha256": sha, "size": 14}, headers=key())
    bad = client.put(f"/api/v1/uploads/{sha}?offset=0", data=b"something else", content_type="application/octet-stream")
    assert bad.status_code == 422 and "SHA-256" in bad.get_json()["error"]["message"]
    assert session.scalar(select(func.count()).select_from(Upload)) == 0


def test_photo_from_an_upload_with_its_offline_position_and_time(client, login_as, station, session, app):
    login_as("inspector", "150602")
    inspection = open_(client, station)
    data = jpeg(seed=41)
    sha = upload(client, data, chunk=4096)
    body = {
        "slot": "signboard",
        "sha256": sha,
        "latitude": 39.8201,
        "longitude": 109.9601,
        "accuracy": 9,
        "position_time": "2026-11-22T03:10:00Z",
    }
    headers = key()
    photo = client.post(f"/api/v1/inspections/{inspection['id']}/photos", json=body, headers=headers)
    assert photo.status_code == 202, photo.get_json()  # accepted; read inline here (PHOTO_JOBS_INLINE)
    shown = photo.get_json()
    assert shown["sha256"] == sha and shown["position_source"] == "browser" and shown["findings"] == []
    assert shown["state"] == "ready" and shown["thumbnail_url"]
    stored = session.scalars(select(Photo)).one()
    assert stored.browser_taken_at.isoformat() == "2026-11-22T03:10:00+00:00"
    assert app.extensions["filestore"].read(stored.original_key) == data
    # Sent again (a sync cut before its answer arrived): the same photo, no second row.
    assert client.post(f"/api/v1/inspections/{inspection['id']}/photos", json=body, headers=headers).status_code == 202
    assert client.post(f"/api/v1/inspections/{inspection['id']}/photos", json=body, headers=key()).status_code == 200
    assert session.scalar(select(func.count()).select_from(Photo)) == 1


def test_photo_before_its_upload_finished_is_refused(client, login_as, station):
    login_as("inspector", "150602")
    inspection = open_(client, station)
    response = client.post(
        f"/api/v1/inspections/{inspection['id']}/photos", json={"slot": "signboard", "sha256": "0" * 64}, headers=key()
    )
    assert response.status_code == 422 and "尚未上传完毕" in response.get_json()["error"]["message"]


def test_signature_submit_and_incomplete_submit(client, login_as, station):
    login_as("inspector", "150602")
    inspection = open_(client, station)
    iid = inspection["id"]
    refused = client.post(f"/api/v1/inspections/{iid}/submit", headers=key())
    assert refused.status_code == 422 and refused.get_json()["error"]["code"] == "incomplete"
    assert "缺少服务站代表签名" in refused.get_json()["error"]["missing"]
    image = "data:image/png;base64," + base64.b64encode(signature_png()).decode()
    signed = client.put(
        f"/api/v1/inspections/{iid}/signatures/representative", json={"name": "王丽", "image": image}, headers=key()
    )
    assert signed.status_code == 200 and signed.get_json()["signer_name"] == "王丽"
    bad = client.put(
        f"/api/v1/inspections/{iid}/signatures/representative", json={"name": "王丽", "image": "x"}, headers=key()
    )
    assert bad.status_code == 422


@pytest.mark.parametrize(
    "points, saved", [(6, 6), (6.0, 6), ("6", 6), (4.9, None), (True, None), ("4.9", None), ("６", 6), ([6], None)]
)
def test_points_are_whole_numbers_or_refused(client, login_as, station, points, saved):
    login_as("inspector", "150602")
    inspection = open_(client, station)
    response = client.put(
        f"/api/v1/inspections/{inspection['id']}/answers/C1", json={"verdict": "pass", "points": points}, headers=key()
    )
    if saved is None:  # never read as some other number: 4.9 is not 4, and true is not 1
        assert response.status_code == 422 and response.get_json()["error"]["fields"] == {"C1": "C1：得分应为整数"}
    else:
        assert response.status_code == 200 and response.get_json()["answer"]["points"] == saved


def test_errors_are_json_with_stable_codes(client, login_as, station):
    assert client.get("/api/v1/bootstrap").get_json()["error"]["code"] == "unauthenticated"
    login_as("leader", "150602")
    assert client.get("/api/v1/bootstrap").get_json()["error"]["code"] == "forbidden"
    assert (
        client.post("/api/v1/inspections", data="x", content_type="text/plain").get_json()["error"]["code"]
        == "bad_request"
    )
    assert client.get("/api/v1/inspections/999").get_json()["error"]["code"] == "not_found"


def test_openapi_document_is_valid(client):
    from openapi_spec_validator import validate

    document = client.get("/api/v1/openapi.json").get_json()
    validate(document)
    assert document["paths"]["/uploads/{sha256}"]["put"]["operationId"] == "putUploadChunk"


def test_api_errors_outside_the_views_are_json_too(app, client, login_as, station):
    login_as("inspector", "150602")
    missing = client.get("/api/v1/no-such-thing")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"
    app.config["WTF_CSRF_ENABLED"] = True
    stale = client.post("/api/v1/inspections", json={"station_id": station.id}, headers={"X-CSRFToken": "old"})
    assert stale.status_code == 400 and stale.get_json()["error"]["code"] == "csrf_failed"


def test_a_photo_sent_again_after_a_lost_reply_leaves_no_upload_behind(client, login_as, station, session):
    login_as("inspector", "150602")
    inspection = open_(client, station)
    data = jpeg(seed=42)
    body = {"slot": "signboard", "sha256": upload(client, data)}
    assert client.post(f"/api/v1/inspections/{inspection['id']}/photos", json=body).status_code == 202
    upload(client, data)  # the reply was lost; the phone started over
    again = client.post(f"/api/v1/inspections/{inspection['id']}/photos", json=body)
    assert again.status_code == 200 and again.get_json()["sha256"] == body["sha256"]
    assert session.scalar(select(func.count()).select_from(Upload)) == 0
    assert session.scalar(select(func.count()).select_from(Photo)) == 1


def test_a_key_reused_with_another_body_is_refused_and_changes_nothing(client, login_as, station, session):
    login_as("inspector", "150602")
    inspection = open_(client, station)
    headers = key()
    url = f"/api/v1/inspections/{inspection['id']}/answers/A1"
    first = client.put(url, json={"verdict": "pass", "base_version": None}, headers=headers)
    assert first.status_code == 200
    other = client.put(url, json={"verdict": "fail", "note": "场所已搬迁", "base_version": None}, headers=headers)
    assert other.status_code == 422
    assert other.get_json()["error"]["code"] == "idempotency_key_reused"
    assert "本次内容未保存" in other.get_json()["error"]["message"]
    row = session.scalars(select(InspectionAnswer)).one()
    assert (row.verdict.value, row.note, row.version) == ("pass", None, 1)
    # The same body written another way (key order, spacing) is the same request: replayed.
    same = client.put(
        url, data='{ "base_version" : null,  "verdict":"pass" }', content_type="application/json", headers=headers
    )
    assert same.status_code == 200 and same.headers["Idempotent-Replayed"] == "true"


# ---- every successful reply as the OpenAPI document describes it ----------------------------------------------


@pytest.fixture(autouse=True)
def replies_match_the_document(app):
    """Each 2xx reply to /api/v1 that a test here gets is checked against the generated document's schema for its
    path, method and status (the schemas forbid undeclared fields, so an extra or a missing key fails too)."""
    seen: list[tuple[str, str, int, object]] = []

    def record(sender, response, **extra):
        rule = request.url_rule
        if rule is None or not rule.endpoint.startswith("api.") or rule.endpoint == "api.openapi":
            return
        if 200 <= response.status_code < 300:
            body = response.get_json() if response.is_json else response.get_data(as_text=True)
            seen.append((rule.rule, request.method, response.status_code, body))

    request_finished.connect(record, app)
    yield seen
    request_finished.disconnect(record, app)
    if not seen:
        return
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    for rule, method, status, body in seen:
        path = re.sub(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>", r"{\1}", rule.removeprefix("/api/v1"))
        described = document["paths"][path][method.lower()]["responses"][str(status)]
        if "content" not in described:
            assert body == "", (method, path, status, body)
            continue
        schema = {**described["content"]["application/json"]["schema"], "components": document["components"]}
        errors = [e.message for e in Draft202012Validator(schema).iter_errors(body)]
        assert not errors, (method, path, status, errors[:5])


def test_every_operation_replies_as_documented(client, login_as, station, replies_match_the_document):
    """One inspection through every operation but submit (whose reply is the inspection's, as the GET's)."""
    login_as("inspector", "150602")
    assert client.get("/api/v1/session").status_code == 200
    inspection = open_(client, station)
    iid = inspection["id"]
    url = f"/api/v1/inspections/{iid}/answers/A4"
    assert client.put(url, json={"verdict": "pass"}, headers=key()).status_code == 200
    assert client.put(url, json={"verdict": "fail", "base_version": None}, headers=key()).status_code == 409
    assert client.put(f"/api/v1/inspections/{iid}/answers/C1", json={"verdict": "pass", "points": 6}).status_code == 200
    sha = upload(client, jpeg(seed=43), chunk=8192)
    assert client.get(f"/api/v1/uploads/{sha}").status_code == 200
    photo = client.post(
        f"/api/v1/inspections/{iid}/photos",
        json={"slot": "signboard", "sha256": sha, "latitude": 39.82, "longitude": 109.96, "accuracy": 12},
        headers=key(),
    )
    assert photo.status_code == 202
    image = "data:image/png;base64," + base64.b64encode(signature_png()).decode()
    signed = client.put(f"/api/v1/inspections/{iid}/signatures/inspector", json={"name": "张伟", "image": image})
    assert signed.status_code == 200
    assert client.put(f"/api/v1/inspections/{iid}/plaque", json={"code": "2222-3333"}, headers=key()).status_code == 200
    shown = client.get(f"/api/v1/inspections/{iid}").get_json()  # with its answers, conflict, photo and signature
    assert shown["conflicts"] and shown["photos"] and shown["signatures"] and shown["answers"] and shown["plaque"]
    assert client.get("/api/v1/bootstrap").get_json()["inspections"][0]["id"] == iid
    assert client.get(f"/api/v1/inspections/{iid}/photos").get_json()["photos"][0]["state"] == "ready"
    assert client.delete(f"/api/v1/photos/{photo.get_json()['id']}", headers=key()).status_code == 204
    covered = {
        (method, re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.removeprefix("/api/v1")))
        for rule, method, *_ in replies_match_the_document
    }
    document = client.get("/api/v1/openapi.json").get_json()
    operations = {(m.upper(), p) for p, methods in document["paths"].items() for m in methods}
    assert operations - covered == {("POST", "/inspections/{iid}/submit".replace("{iid}", "{inspection_id}"))}


def test_a_reply_with_an_undeclared_field_fails_the_check(app, client):
    """The check above can fail: the document's schemas refuse what they do not declare."""
    document = client.get("/api/v1/openapi.json").get_json()
    schema = {"$ref": "#/components/schemas/Upload", "components": document["components"]}
    good = {"sha256": "0" * 64, "size": 3, "received": 1, "complete": False}
    assert not list(Draft202012Validator(schema).iter_errors(good))
    assert list(Draft202012Validator(schema).iter_errors({**good, "extra": 1}))
    assert list(Draft202012Validator(schema).iter_errors({k: v for k, v in good.items() if k != "received"}))


def test_the_plaque_check_is_sent_once_under_its_key_and_shown_with_the_inspection(client, login_as, station, session):
    from inspect_app.signboards import plaques

    city = make_user(session, "city")
    plaque = plaques.plaque_for_printing(session, city.actor, station)
    session.commit()
    login_as("inspector", "150602")
    iid = open_(client, station)["id"]
    assert client.get(f"/api/v1/inspections/{iid}").get_json()["plaque"] is None
    url, headers = f"/api/v1/inspections/{iid}/plaque", key()
    first = client.put(url, json={"code": plaque.short_code.lower()}, headers=headers)
    assert first.status_code == 200, first.get_json()
    checked = first.get_json()["plaque"]
    assert checked["finding"] == "current" and checked["is_current"] and checked["belongs"]
    assert checked["finding_label"] == "牌匾属于本站，为现行牌匾" and checked["code"] == plaque.short_code
    again = client.put(url, json={"code": plaque.short_code.lower()}, headers=headers)
    assert again.headers["Idempotent-Replayed"] == "true" and again.get_json() == first.get_json()
    entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "check_plaque")).all()
    assert len(entries) == 1
    assert client.get(f"/api/v1/inspections/{iid}").get_json()["plaque"] == checked
    refused = client.put(url, json={"code": "not a plaque"}, headers=key())
    assert refused.status_code == 422
    assert (
        refused.get_json()["error"]["message"] == "无法识别的牌匾编码：请扫描牌匾上的二维码，或输入二维码下方的8位编码"
    )
    assert client.get(f"/api/v1/inspections/{iid}").get_json()["plaque"] == checked
    assert client.put(url, json={"code": 8}, headers=key()).status_code == 422
    cleared = client.put(url, json={"code": ""}, headers=key())
    assert cleared.status_code == 200 and cleared.get_json() == {"plaque": None}


def test_a_stored_file_on_this_machine_answers_ranges_so_a_download_can_resume(client, login_as, station, session, app):
    login_as("inspector", "150602")
    inspection = open_(client, station)
    data = jpeg(seed=43)
    sha = upload(client, data)
    client.post(
        f"/api/v1/inspections/{inspection['id']}/photos", json={"slot": "signboard", "sha256": sha}, headers=key()
    )
    photo = session.scalars(select(Photo)).one()
    part = client.get(f"/files/photos/{photo.id}/original", headers={"Range": "bytes=0-99"})
    assert part.status_code == 206 and part.data == data[:100] and part.headers["ETag"] == f'"{sha}"'
