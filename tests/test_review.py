"""The leader's review: overview, accept, return with a comment, resubmission, 示范站 recommendation."""

from __future__ import annotations

import pytest
from photo_factory import jpeg
from support import make_station, open_inspection, put, sign, upload

from inspect_app.demo.seed import default_template
from inspect_app.domain.checklists.checklist import parse_template
from inspect_app.domain.inspections import InspectionStatus
from inspect_app.models import Inspection

TEMPLATE = parse_template(default_template())


@pytest.fixture
def station(session, campaign):
    return make_station(session, "150602", name="万达广场服务站", latitude="39.82", longitude="109.96")


def submitted(client, station, fail=()) -> int:
    inspection_id = open_inspection(client, station)
    for item in TEMPLATE.items:
        verdict = "fail" if item.code in fail else "pass"
        points = item.points if item.scoring == "graded" and verdict == "pass" else None
        assert put(client, inspection_id, item.code, verdict, points).status_code == 200
    upload(client, inspection_id, "signboard", jpeg(seed=station.id * 10 + 1))
    upload(client, inspection_id, "bulletin_board", jpeg(seed=station.id * 10 + 2), position=(39.9, 110.1))
    sign(client, inspection_id, "representative")
    sign(client, inspection_id, "inspector")
    assert "检查已提交" in client.post(f"/inspect/inspections/{inspection_id}/submit", follow_redirects=True).get_data(
        as_text=True
    )
    return inspection_id


def test_overview_return_resubmit_accept_recommend(client, session, login_as, auth, station):
    make_station(session, "150602", name="尚未检查的服务站")
    login_as("inspector", "150602", username="insp")
    inspection_id = submitted(client, station)
    auth.logout()

    login_as("leader", "150602", username="lead")
    page = client.get("/review/").get_data(as_text=True)
    assert "审核 · 东胜区" in page and "万达广场服务站" in page
    assert "<b>2</b><span>名录中的服务站</span>" in page and "<b>1</b><span>待审核</span>" in page
    assert "照片位置" in page or "距服务站登记位置" in page  # the far bulletin-board photo is listed
    refused = client.post(
        f"/review/inspections/{inspection_id}/decision",
        data={"decision": "return", "comment": " "},
        follow_redirects=True,
    )
    assert "退回时请写明需要补正的内容" in refused.get_data(as_text=True)
    client.post(
        f"/review/inspections/{inspection_id}/decision",
        data={"decision": "return", "comment": "宣传栏照片不在现场，请重新拍摄"},
    )
    auth.logout()

    auth.login("insp")
    page = client.get(f"/inspect/inspections/{inspection_id}").get_data(as_text=True)
    assert "分管领导退回补正：" in page and "宣传栏照片不在现场" in page and 'name="answer-A1"' in page
    assert client.post(f"/inspect/inspections/{inspection_id}/submit").status_code == 302
    auth.logout()

    auth.login("lead")
    assert client.post(f"/review/inspections/{inspection_id}/recommend", data={"recommended": "1"}).status_code == 302
    client.post(f"/review/inspections/{inspection_id}/decision", data={"decision": "accept"})
    inspection = session.get(Inspection, inspection_id)
    session.refresh(inspection)
    assert inspection.status is InspectionStatus.ACCEPTED and inspection.recommended_demonstration
    assert inspection.return_comment is None and inspection.reviewed_at is not None
    auth.logout()

    auth.login("insp")  # accepted: locked for the inspector
    assert put(client, inspection_id, "A1", "fail").status_code == 422


def test_only_eligible_stations_can_be_recommended(client, session, login_as, auth, station):
    weak_station = make_station(session, "150602", name="关键项不符合的服务站", latitude="39.82", longitude="109.96")
    login_as("inspector", "150602", username="insp2")
    strong = submitted(client, station, fail=("A4",))  # 95 points, nothing critical failed
    weak = submitted(client, weak_station, fail=("A2",))  # 94 points, but A2 is critical
    auth.logout()
    login_as("leader", "150602")
    assert "已推荐为示范站" in client.post(
        f"/review/inspections/{strong}/recommend", data={"recommended": "1"}, follow_redirects=True
    ).get_data(as_text=True)
    page = client.post(
        f"/review/inspections/{weak}/recommend", data={"recommended": "1"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "才能推荐为示范站" in page
    assert session.get(Inspection, weak).recommended_demonstration is False
    assert session.get(Inspection, strong).recommended_demonstration is True


def test_review_is_the_leaders_and_stays_in_the_district(client, session, login_as, auth, station):
    login_as("inspector", "150602", username="insp3")
    inspection_id = submitted(client, station)
    assert client.get("/review/").status_code == 403
    assert client.post(f"/review/inspections/{inspection_id}/decision", data={"decision": "accept"}).status_code == 403
    auth.logout()
    login_as("leader", "150603")
    assert client.post(f"/review/inspections/{inspection_id}/decision", data={"decision": "accept"}).status_code == 404
    assert client.get(f"/inspect/inspections/{inspection_id}").status_code == 404
    auth.logout()
    login_as("city")
    assert client.get("/review/").status_code == 403
    assert session.get(Inspection, inspection_id).status is InspectionStatus.SUBMITTED
