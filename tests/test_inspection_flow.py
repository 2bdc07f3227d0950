"""The inspector's whole flow with the test client: open, answer, photograph, sign, submit."""

from __future__ import annotations

import io
import time
from datetime import date, datetime, timedelta, timezone

import pytest
from photo_factory import jpeg, signature_png
from sqlalchemy import func, select
from support import NEAR, STATION, make_station, open_inspection, put, sign, upload

from inspect_app.demo.seed import default_template
from inspect_app.domain.checklists.checklist import parse_template
from inspect_app.models import Inspection, Photo, Signature


def answer_all(client, inspection_id):
    template = parse_template(default_template())
    response = None
    for item in template.items:
        points = item.points if item.scoring == "graded" else None
        response = put(client, inspection_id, item.code, "pass", points)
        assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_board_lists_the_district_with_status_and_distance(client, session, login_as, station):
    make_station(session, "150602", name="远处的服务站", latitude="39.90", longitude="110.10")
    make_station(session, "150603", name="别的旗区服务站")
    login_as("inspector", "150602")
    page = client.get(f"/inspect/?lat={NEAR[0]}&lon={NEAR[1]}").get_data(as_text=True)
    assert "别的旗区服务站" not in page and "未检查" in page
    assert page.index("万达广场12315消费维权服务站") < page.index("远处的服务站")  # nearest first
    assert "距您 <b>65 米</b>" in page
    page = client.get("/inspect/?q=远处").get_data(as_text=True)
    assert "远处的服务站" in page and "万达广场" not in page


def test_board_shows_an_accepted_inspection_and_the_last_campaigns_result(
    client, session, login_as, station, campaign, make_campaign
):
    from inspect_app.domain.checklists.checklist import Outcome
    from inspect_app.domain.inspections import InspectionStatus

    inspector = login_as("inspector", "150602")
    earlier = make_campaign(name="2025年度自查验收", starts_on=date(2025, 9, 1), deadline=date(2025, 12, 15))
    for held, score, outcome in ((earlier, 72.5, Outcome.RECTIFY), (campaign, 96.0, Outcome.PASS)):
        session.add(
            Inspection(
                station_id=station.id,
                campaign_id=held.id,
                inspector_id=inspector.id,
                checklist_version_id=campaign.checklist_version_id,
                status=InspectionStatus.ACCEPTED,
                submitted_at=datetime(held.starts_on.year, 10, 1, tzinfo=timezone.utc),
                score=score,
                outcome=outcome,
            )
        )
    session.commit()
    page = client.get("/inspect/").get_data(as_text=True)
    assert '<span class="tag status-accepted">已审核通过</span>' in page
    assert '上一批次（2025年度自查验收）：<span class="tag outcome-rectify">72.5分 需整改</span>' in page
    assert "96.0分" not in page  # the earlier campaign's, not this one's
    assert "查看检查" in page


def test_opening_twice_opens_the_same_inspection(client, session, login_as, station):
    login_as("inspector", "150602")
    first = open_inspection(client, station)
    assert open_inspection(client, station) == first
    assert session.scalar(select(func.count()).select_from(Inspection)) == 1
    assert "进行中" in client.get("/inspect/").get_data(as_text=True)


def test_answers_save_one_by_one_and_the_score_follows(client, login_as, station):
    login_as("inspector", "150602")
    inspection_id = open_inspection(client, station)
    body = put(client, inspection_id, "A1", "pass").get_json()
    assert body["score"]["points"] == 8 and body["score"]["maximum"] == 100 and not body["score"]["complete"]
    body = put(client, inspection_id, "A2", "fail", note="标志牌破损").get_json()
    assert body["answer"] == {"item_code": "A2", "verdict": "fail", "points": None, "note": "标志牌破损", "version": 1}
    assert body["score"]["failed_critical"] == ["A2"] and body["score"]["outcome_label"] == "需整改"
    body = put(client, inspection_id, "A2", "pass").get_json()
    assert body["answer"]["version"] == 2 and body["score"]["failed_critical"] == []
    bad = put(client, inspection_id, "C4", "pass", 5)
    assert bad.status_code == 422 and bad.get_json()["error"]["code"] == "invalid"
    assert "得分只能为 0、4、8 分之一" in bad.get_json()["error"]["message"]
    assert put(client, inspection_id, "Z9", "pass").status_code == 422
    page = client.get(f"/inspect/inspections/{inspection_id}").get_data(as_text=True)
    assert 'id="score-value">14.0<' in page and "标志牌破损" not in page  # the note went with the fail


def test_the_whole_flow_to_submission(app, client, session, login_as, station):
    login_as("inspector", "150602")
    inspection_id = open_inspection(client, station)
    refused = client.post(f"/inspect/inspections/{inspection_id}/submit", follow_redirects=True)
    text = refused.get_data(as_text=True)
    assert "还不能提交" in text and "还有19项未作答" in text and "缺少必拍照片：标识标志牌（A2）" in text
    final = answer_all(client, inspection_id)
    assert final["score"]["score"] == 100 and final["score"]["outcome"] == "demonstration_eligible"

    page = upload(client, inspection_id, "signboard", jpeg(*NEAR, seed=1)).get_data(as_text=True)
    assert "照片已保存" in page and "未发现问题" in page
    assert "在手机上拍摄或选取的时间：" in page  # the time the report's caption shows too
    page = upload(client, inspection_id, "bulletin_board", jpeg(seed=2), position=None).get_data(as_text=True)
    assert "上传时间：" in page  # no EXIF time and no position taken at the shutter: the upload is all there is
    sign(client, inspection_id, "representative", "王丽")
    page = sign(client, inspection_id, "inspector", "张强").get_data(as_text=True)
    assert "签名已保存" in page and "王丽" in page and "张强" in page
    assert "所有项目、必拍照片和签名均已完成" in page

    response = client.post(f"/inspect/inspections/{inspection_id}/submit", follow_redirects=True)
    assert "检查已提交" in response.get_data(as_text=True)
    inspection = session.get(Inspection, inspection_id)
    assert inspection.status.value == "submitted" and inspection.score == 100 and inspection.submitted_at
    # Read-only from now on.
    locked = put(client, inspection_id, "A1", "fail")
    assert locked.status_code == 422 and "已提交" in locked.get_json()["error"]["message"]
    assert "照片未保存" in upload(client, inspection_id, "other", jpeg(seed=9)).get_data(as_text=True)
    assert 'name="answer-A1"' not in client.get(f"/inspect/inspections/{inspection_id}").get_data(as_text=True)


def test_photo_keeps_the_original_and_serves_derived_copies(app, client, session, login_as, station):
    login_as("inspector", "150602")
    inspection_id = open_inspection(client, station)
    original = jpeg(*NEAR, taken=datetime.now(timezone(timedelta(hours=8))), size=(2400, 1800), seed=3)
    upload(client, inspection_id, "signboard", original, filename="IMG_0001.JPG")
    photo = session.scalars(select(Photo)).one()
    import hashlib

    assert photo.sha256 == hashlib.sha256(original).hexdigest()
    assert app.extensions["filestore"].read(photo.original_key) == original
    assert abs(photo.exif_latitude - NEAR[0]) < 1e-4 and photo.browser_accuracy_m == 12
    thumb = client.get(f"/files/photos/{photo.id}/thumbnail")
    display = client.get(f"/files/photos/{photo.id}/display")
    assert thumb.mimetype == display.mimetype == "image/jpeg"
    assert thumb.headers["X-Content-Type-Options"] == "nosniff"
    from PIL import Image

    assert max(Image.open(io.BytesIO(display.data)).size) == 1600
    assert max(Image.open(io.BytesIO(thumb.data)).size) <= 320
    got = client.get(f"/files/photos/{photo.id}/original")
    assert got.data == original and "attachment" in got.headers["Content-Disposition"]


def test_findings_show_at_once(client, session, login_as, station):
    login_as("inspector", "150602")
    inspection_id = open_inspection(client, station)
    page = upload(client, inspection_id, "signboard", jpeg(seed=4), position=(39.90, 110.10)).get_data(as_text=True)
    assert "距服务站登记位置" in page and "（超过 300 米）" in page
    page = upload(client, inspection_id, "premises", jpeg(seed=5), position=None).get_data(as_text=True)
    assert "无位置" in page
    photo = session.scalars(select(Photo).where(Photo.slot == "premises")).one()
    assert [f["code"] for f in photo.findings] == ["no_position"]


def test_a_caption_names_the_position_that_counts(client, login_as, station):
    login_as("inspector", "150602")
    inspection_id = open_inspection(client, station)
    page = upload(client, inspection_id, "signboard", jpeg(*STATION, seed=6), position=NEAR).get_data(as_text=True)
    assert f"{NEAR[0]:.5f}, {NEAR[1]:.5f}（拍摄时手机定位，±12米）" in page
    page = upload(client, inspection_id, "premises", jpeg(*STATION, seed=7), position=None).get_data(as_text=True)
    assert f"{STATION[0]:.5f}, {STATION[1]:.5f}（照片 GPS 位置）" in page


def test_the_same_photo_at_another_station_is_flagged(client, session, login_as, station):
    other = make_station(session, "150602", name="另一个服务站", latitude=str(STATION[0]), longitude=str(STATION[1]))
    login_as("inspector", "150602")
    picture = jpeg(seed=6)
    upload(client, open_inspection(client, station), "signboard", picture)
    page = upload(client, open_inspection(client, other), "signboard", picture).get_data(as_text=True)
    assert "万达广场12315消费维权服务站" in page
    flagged = session.scalars(select(Photo).join(Inspection).where(Inspection.station_id == other.id)).one()
    assert "duplicate_photo" in [f["code"] for f in flagged.findings]


def test_bad_uploads_are_refused_and_store_nothing(app, client, session, login_as, station):
    login_as("inspector", "150602")
    inspection_id = open_inspection(client, station)
    store_root = app.extensions["filestore"].root
    before = sorted(p for p in store_root.rglob("*") if p.is_file())
    page = upload(client, inspection_id, "signboard", b"just some text", filename="photo.jpg").get_data(as_text=True)
    assert "照片未保存" in page  # no photo by its first bytes: refused at once
    page = upload(client, inspection_id, "nonexistent", jpeg(seed=8)).get_data(as_text=True)
    assert "照片栏目不存在" in page
    assert session.scalar(select(func.count()).select_from(Photo)) == 0
    assert sorted(p for p in store_root.rglob("*") if p.is_file()) == before


def test_a_cut_photo_is_kept_then_rejected_with_its_reason(app, client, session, login_as, station):
    login_as("inspector", "150602")
    inspection_id = open_inspection(client, station)
    page = upload(client, inspection_id, "signboard", jpeg(seed=7)[:2000], filename="cut.jpg").get_data(as_text=True)
    assert "照片未通过：照片文件已损坏或不完整" in page  # a JPEG by its first bytes, broken when read
    photo = session.scalars(select(Photo)).one()
    assert photo.state.value == "rejected" and photo.display_key is None and photo.thumbnail_key is None


def test_uploading_the_same_photo_twice_is_refused(client, session, login_as, station):
    login_as("inspector", "150602")
    inspection_id = open_inspection(client, station)
    upload(client, inspection_id, "signboard", jpeg(seed=10))
    assert "这张照片已经上传过了" in upload(client, inspection_id, "premises", jpeg(seed=10)).get_data(as_text=True)


def test_remove_and_replace_a_photo(app, client, session, login_as, station):
    login_as("inspector", "150602")
    inspection_id = open_inspection(client, station)
    upload(client, inspection_id, "signboard", jpeg(seed=11))
    first = session.scalars(select(Photo)).one()
    first_sha, first_key = first.sha256, first.original_key
    upload(client, inspection_id, "signboard", jpeg(seed=12), replaces=first.id)
    session.expire_all()
    photos = session.scalars(select(Photo)).all()
    assert len(photos) == 1 and photos[0].sha256 != first_sha
    store = app.extensions["filestore"]
    assert not store.exists(first_key) and store.exists(photos[0].original_key)
    client.post(f"/inspect/photos/{photos[0].id}/remove")
    assert session.scalar(select(func.count()).select_from(Photo)) == 0
    assert not store.exists(photos[0].original_key)


def test_signatures_need_a_drawing_and_a_name(client, session, login_as, station):
    login_as("inspector", "150602")
    inspection_id = open_inspection(client, station)
    assert "请填写签名人姓名" in sign(client, inspection_id, "representative", name=" ").get_data(as_text=True)
    page = sign(client, inspection_id, "representative", png=signature_png(blank=True)).get_data(as_text=True)
    assert "签名未保存" in page
    response = client.post(
        f"/inspect/inspections/{inspection_id}/signatures/representative",
        data={"name": "王丽", "signature": "data:image/png;base64,!!!"},
        follow_redirects=True,
    )
    assert "签名未保存" in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Signature)) == 0


def test_other_districts_and_other_roles(client, session, login_as, auth, station):
    login_as("inspector", "150602")
    inspection_id = open_inspection(client, station)
    upload(client, inspection_id, "signboard", jpeg(seed=13))
    photo_id = session.scalars(select(Photo.id)).one()
    auth.logout()

    login_as("inspector", "150603")
    assert client.get(f"/inspect/inspections/{inspection_id}").status_code == 404
    assert client.get(f"/files/photos/{photo_id}/thumbnail").status_code == 404
    assert put(client, inspection_id, "A1", "pass").status_code == 404
    assert client.post(f"/inspect/stations/{station.id}/open").status_code == 404
    assert client.post(f"/inspect/photos/{photo_id}/remove").status_code == 404
    auth.logout()

    login_as("leader", "150602")  # reads the inspection, changes nothing
    page = client.get(f"/inspect/inspections/{inspection_id}").get_data(as_text=True)
    assert "万达广场" in page and 'name="answer-A1"' not in page
    assert put(client, inspection_id, "A1", "pass").status_code == 403
    assert client.get("/inspect/").status_code == 403
    assert client.get(f"/files/photos/{photo_id}/thumbnail").status_code == 200


def test_api_needs_sign_in_and_json(client, login_as, station):
    response = client.put("/api/v1/inspections/1/answers/A1", json={"verdict": "pass"})
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "unauthenticated"
    login_as("inspector", "150602")
    inspection_id = open_inspection(client, station)
    response = client.put(f"/api/v1/inspections/{inspection_id}/answers/A1", data="nope", content_type="text/plain")
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "bad_request"


def test_page_without_scripts_saves_all_answers_at_once(client, session, login_as, station):
    login_as("inspector", "150602")
    inspection_id = open_inspection(client, station)
    form = {"answer-A1": "pass", "answer-C4": "p:4", "answer-C6": "na", "note-A1": "场所整洁"}
    page = client.post(f"/inspect/inspections/{inspection_id}/answers", data=form, follow_redirects=True).get_data(
        as_text=True
    )
    assert "已保存" in page
    inspection = session.get(Inspection, inspection_id)
    assert {a.item_code: (a.verdict.value, a.points) for a in inspection.answers} == {
        "A1": ("pass", None),
        "C4": ("pass", 4),
        "C6": ("na", None),
    }
    page = client.post(
        f"/inspect/inspections/{inspection_id}/answers", data={"answer-A1": "na"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "不允许选择“不适用”" in page


def test_a_failed_commit_leaves_no_file_behind(app, client, session, login_as, station, monkeypatch):
    from sqlalchemy.orm import Session

    login_as("inspector", "150602")
    inspection_id = open_inspection(client, station)
    store_root = app.extensions["filestore"].root
    before = sorted(p for p in store_root.rglob("*") if p.is_file())

    commit = Session.commit
    failures = []

    def commit_failing_once(self):
        if not failures:  # the photo's own commit fails (a lost connection, a conflict); the next ones work
            failures.append(1)
            raise RuntimeError("database went away")
        return commit(self)

    monkeypatch.setattr(Session, "commit", commit_failing_once)
    with pytest.raises(RuntimeError, match="database went away"):
        upload(client, inspection_id, "signboard", jpeg(seed=30))
    monkeypatch.undo()
    assert failures and session.scalar(select(func.count()).select_from(Photo)) == 0
    assert sorted(p for p in store_root.rglob("*") if p.is_file()) == before


def test_files_of_a_commit_that_could_not_be_taken_back_are_swept_later(
    app, client, session, login_as, station, monkeypatch
):
    from sqlalchemy.orm import Session

    from inspect_app.domain.findings import Thresholds
    from inspect_app.housekeeping import stored_files
    from inspect_app.inspection import photos

    inspector = login_as("inspector", "150602")
    inspection_id = open_inspection(client, station)
    store = app.extensions["filestore"]
    kept = photos.store_photo(session, inspector.actor, store, inspection_id, "signboard", jpeg(seed=31), None, 2**24)
    photo_id = kept.id
    before = set(store.keys())  # with the original, kept at once

    def broken_commit(self):
        raise RuntimeError("database went away")

    # The photo's copies are written, then the commit naming them fails and cannot be taken back.
    monkeypatch.setattr(Session, "commit", broken_commit)
    with pytest.raises(RuntimeError, match="database went away"):
        photos.process_photo(session, store, photo_id, Thresholds(), 2**24)
    monkeypatch.undo()
    left = set(store.keys()) - before  # no lock could be taken to remove them safely: no row names them
    session.rollback()
    assert left and session.get(Photo, photo_id).display_key is None
    assert stored_files.sweep(session, store) == []  # too young: a write may still be on its way
    assert sorted(stored_files.sweep(session, store, now=time.time() + stored_files.SWEEP_GRACE_S + 1)) == sorted(left)
    assert set(store.keys()) == before


def test_the_station_page_lists_its_inspections(client, session, login_as, auth, station):
    login_as("inspector", "150602")
    inspection_id = open_inspection(client, station)
    put(client, inspection_id, "A1", "pass")
    auth.logout()
    login_as("leader", "150602")
    page = client.get(f"/directory/{station.id}").get_data(as_text=True)
    assert "历年验收结果" in page and f"/inspect/inspections/{inspection_id}" in page and "进行中，未提交" in page


def test_the_page_shows_both_edits_of_a_conflict(client, login_as, station):
    login_as("inspector", "150602")
    inspection_id = open_inspection(client, station)
    client.put(f"/api/v1/inspections/{inspection_id}/answers/A5", json={"verdict": "pass", "base_version": None})
    clash = client.put(
        f"/api/v1/inspections/{inspection_id}/answers/A5",
        json={"verdict": "fail", "note": "电话未接通", "base_version": None},
    )
    assert clash.status_code == 409
    page = client.get(f"/inspect/inspections/{inspection_id}").get_data(as_text=True)
    assert "此项在另一台设备上有不同的结果" in page and "当前：符合" in page and "不符合 · 电话未接通" in page
    assert 'data-resolve="' in page and 'data-version="1"' in page
