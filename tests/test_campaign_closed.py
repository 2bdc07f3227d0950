"""A closed campaign: every change of its record is refused in Chinese by the use cases; reading and downloads go on."""

from __future__ import annotations

import pytest
from photo_factory import jpeg, signature_png
from sqlalchemy import func, select
from support import PIN, TODAY, keyed, make_station, sign_city_report, sign_version

from inspect_app.adapters.pdf.seal import name_signature_png
from inspect_app.bundles import operations as bundles
from inspect_app.campaigns import operations as campaigns
from inspect_app.city import demonstrations, submissions
from inspect_app.city import report as city_report
from inspect_app.domain.findings import Thresholds
from inspect_app.inspection import operations as inspections
from inspect_app.inspection import photos
from inspect_app.models import AuditEntry, Bundle, InspectionAnswer, Submission
from inspect_app.review import operations as review
from inspect_app.shared.errors import Invalid

CLOSED = "“2026年度自查验收”已结束，内容只读，不能再修改（证据包和报告仍可下载）"


@pytest.fixture
def closed(app, session, city_season, tmp_path):
    """The 2026 season with work in every state, then closed by the city."""
    store, campaign, city = app.extensions["filestore"], city_season["campaign"], city_season["city"]
    ds, kbs = city_season["ds"], city_season["kbs"]
    inspector = ds["inspector"]
    review.recommend(session, ds["leader"].actor, ds["inspections"][0].id, True)
    ds_bundle = sign_version(app, session, ds["leader"], campaign, tmp_path)
    sent = submissions.submit_bundle(session, ds["leader"].actor, store, ds_bundle.id)
    submissions.decide(session, city.actor, sent.id, "accept")
    report = sign_city_report(app, session, city, campaign, tmp_path, name_signature_png(city.display_name))
    kbs_signed = sign_version(app, session, kbs["leader"], campaign, tmp_path)
    ready = bundles.start_draft(session, kbs["leader"].actor, kbs["leader"].district_id, campaign.id, "第2版。")
    bundles.build_preview(session, store, ready.id, kbs["leader"].display_name, tmp_path)
    spare = make_station(session, "150602")
    under_way = inspections.open_inspection(session, inspector.actor, spare.id, campaign)
    inspections.answer_item(session, inspector.actor, under_way.id, "A1", "pass")
    photo = photos.add_photo(
        session,
        inspector.actor,
        store,
        under_way.id,
        "signboard",
        jpeg(39.82, 109.96, seed=77),
        None,
        Thresholds(),
        20 * 2**20,
    )
    campaigns.close_campaign(session, city.actor, campaign.id)
    return {
        **city_season,
        "sent": sent,
        "report": report,
        "kbs_signed": kbs_signed,
        "ready": ready,
        "under_way": under_way,
        "photo": photo,
        "ds_bundle": ds_bundle,
        "fresh": make_station(session, "150602"),
    }


def refused(change) -> str:
    with pytest.raises(Invalid) as error:
        change()
    return str(error.value)


def test_the_inspectors_changes_are_refused(app, session, closed):
    store, inspector = app.extensions["filestore"], closed["ds"]["inspector"]
    campaign, under_way = closed["campaign"], closed["under_way"].id
    before = session.scalar(select(func.count()).select_from(AuditEntry))
    attempts = {
        "answer": lambda: inspections.answer_item(session, inspector.actor, under_way, "A2", "pass"),
        "answers": lambda: inspections.save_answers(session, inspector.actor, under_way, {"A2": ("pass", None, None)}),
        "photo": lambda: photos.add_photo(
            session,
            inspector.actor,
            store,
            under_way,
            "bulletin_board",
            jpeg(39.82, 109.96, seed=78),
            None,
            Thresholds(),
            20 * 2**20,
        ),
        "remove": lambda: photos.remove_photo(session, inspector.actor, store, closed["photo"].id),
        "sign": lambda: inspections.sign(
            session, inspector.actor, store, under_way, "inspector", "王丽", signature_png()
        ),
        "submit": lambda: inspections.submit(session, inspector.actor, under_way),
        "start": lambda: inspections.open_inspection(session, inspector.actor, closed["fresh"].id, campaign),
    }
    assert {name: refused(change) for name, change in attempts.items()} == {name: CLOSED for name in attempts}
    session.rollback()
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == before
    assert (
        session.scalar(
            select(func.count()).select_from(InspectionAnswer).where(InspectionAnswer.inspection_id == under_way)
        )
        == 1
    )
    assert len(closed["under_way"].photos) == 1


def test_the_leaders_changes_are_refused(app, session, closed, tmp_path):
    store, kbs = app.extensions["filestore"], closed["kbs"]
    campaign, leader = closed["campaign"], kbs["leader"]
    before = session.scalar(select(func.count()).select_from(AuditEntry))
    attempts = {
        "accept": lambda: review.review(session, leader.actor, kbs["inspections"][0].id, "return", "重拍"),
        "recommend": lambda: review.recommend(session, leader.actor, kbs["inspections"][1].id, True),
        "build": lambda: bundles.start_draft(session, leader.actor, leader.district_id, campaign.id, ""),
        "sign": lambda: bundles.sign_off(
            session, leader.actor, store, leader, closed["ready"].id, keyed(app, PIN), signature_png(), tmp_path
        ),
        "submit": lambda: submissions.submit_bundle(session, leader.actor, store, closed["kbs_signed"].id),
    }
    assert {name: refused(change) for name, change in attempts.items()} == {name: CLOSED for name in attempts}
    session.rollback()
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == before
    assert session.get(Bundle, closed["ready"].id).status.value == "ready"
    assert session.scalar(select(func.count()).select_from(Submission)) == 1


def test_the_citys_changes_are_refused(app, session, closed, tmp_path):
    store, city, campaign = app.extensions["filestore"], closed["city"], closed["campaign"]
    zip_path = tmp_path / "kbs.zip"
    zip_path.write_bytes(store.read(closed["kbs_signed"].archive_key))
    before = session.scalar(select(func.count()).select_from(AuditEntry))
    attempts = {
        "decide": lambda: submissions.decide(session, city.actor, closed["sent"].id, "return", "补正"),
        "upload": lambda: submissions.receive_upload(session, city.actor, store, zip_path),
        "demonstration": lambda: demonstrations.decide_demonstration(
            session, city.actor, campaign.id, closed["ds"]["stations"][0].id, True
        ),
        "report": lambda: city_report.build_preview(session, city.actor, store, city, campaign.id, tmp_path, TODAY),
        "sign report": lambda: city_report.sign_off(
            session,
            city.actor,
            store,
            city,
            closed["report"].id,
            keyed(app, PIN),
            name_signature_png(city.display_name),
            tmp_path,
            TODAY,
            confirm_missing=True,
        ),
    }
    assert {name: refused(change) for name, change in attempts.items()} == {name: CLOSED for name in attempts}
    session.rollback()
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == before
    assert len(city_report.reports(session, city.actor, campaign.id)) == 1


def test_reading_and_downloading_go_on(app, client, session, closed, auth):
    auth.login("leader.ds")
    bundle = client.get(f"/review/bundle/{closed['ds_bundle'].id}/download")
    assert bundle.status_code == 200 and bundle.mimetype == "application/zip"
    assert client.get(f"/inspect/inspections/{closed['ds']['inspections'][0].id}").status_code == 200
    client.post("/logout")
    auth.login("city.center")
    assert client.get(f"/city/submissions/{closed['sent'].id}/download").status_code == 200
    report = client.get(f"/city/report/{closed['report'].id}/download")
    assert report.status_code == 200 and report.data[:2] == b"PK"
    assert client.get("/city/dashboard").status_code == 200
