"""Demo data, checklist versions and campaigns."""

import json
import re
from math import dist

import pytest
from sqlalchemy import func, select
from support import keyed

from inspect_app.adapters import pki
from inspect_app.campaigns import operations as campaigns
from inspect_app.demo.seed import default_template
from inspect_app.domain.directory.credit_code import is_valid_credit_code
from inspect_app.domain.directory.districts import DISTRICTS
from inspect_app.domain.identity.permissions import Role
from inspect_app.models import Campaign, ChecklistVersion, Station, User
from inspect_app.shared.errors import Invalid
from inspect_app.signing import enrolments, keys


def test_demo_seed_fills_all_nine_districts(runner, session):
    result = runner.invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    stations = session.scalars(select(Station)).all()
    assert 55 <= len(stations) <= 65
    seats = {d.code: (d.latitude, d.longitude) for d in DISTRICTS}
    by_district = {}
    for station in stations:
        by_district.setdefault(station.district.code, []).append(station)
        assert is_valid_credit_code(station.credit_code)
        assert dist(seats[station.district.code], (station.latitude, station.longitude)) < 0.05
        assert station.office is not None and station.office.district_id == station.district_id
    assert set(by_district) == set(seats)
    assert {s.host_type.value for s in stations} >= {"mall", "supermarket", "market", "enterprise", "scenic_area"}
    roles = session.execute(select(User.role, func.count()).group_by(User.role)).all()
    assert dict(roles) == {Role.INSPECTOR: 9, Role.LEADER: 9, Role.CITY: 1, Role.CITY_INSPECTOR: 1, Role.ADMIN: 1}
    campaign = session.scalars(select(Campaign)).one()
    assert campaign.name == "2026年度自查验收" and campaign.checklist_version.version == "2026.1"


def test_seed_refuses_a_second_time_and_if_empty_skips(runner, session):
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    again = runner.invoke(args=["demo", "seed"])
    assert again.exit_code != 0 and "只能载入空数据库" in again.output
    skipped = runner.invoke(args=["demo", "seed", "--if-empty"])
    assert skipped.exit_code == 0 and "跳过" in skipped.output
    assert session.scalar(select(func.count()).select_from(User)) == 21


def test_demo_logins_are_printed_and_work(runner, client):
    runner.invoke(args=["demo", "seed"])
    output = runner.invoke(args=["demo", "logins"]).output
    assert "demo12315" in output and "leader.etuokeqian" in output and "inspector.yijinhuoluo" in output
    assert re.search(r"^\s+city\.inspector\s+市级检查员\s+全市$", output, re.MULTILINE), output
    response = client.post("/login", data={"username": "leader.etuokeqian", "password": "demo12315"})
    assert response.status_code == 302
    assert "鄂托克前旗" in client.get("/directory/").get_data(as_text=True)


def test_the_demo_signs_at_once_and_prints_each_signers_pin(app, runner, session):
    """`make run` seeds the CA and the demo signers' certificates; `flask demo logins` prints the PINs that open
    them, and no longer one a holder changed."""
    assert "根证书和 10 张演示签名证书" in runner.invoke(args=["demo", "seed", "--if-empty"]).output
    assert keys.authority(session) is not None
    output = runner.invoke(args=["demo", "logins"]).output
    pins = dict(re.findall(r"^\s+(\S+)\s.*签名PIN (\d+)$", output, re.MULTILINE))
    signers = session.scalars(select(User).where(User.role.in_([Role.LEADER, Role.CITY]))).all()
    assert set(pins) == {u.username for u in signers} and len(pins) == 10
    for user in signers:
        certificate = keys.usable_certificate(session, user)
        assert pki.load_signing_key(certificate.encrypted_key_pem, keyed(app, pins[user.username]))
    assert "签名PIN" not in next(line for line in output.splitlines() if "inspector.dongsheng" in line)
    leader = next(u for u in signers if u.username == "leader.dongsheng")
    enrolments.change_pin(
        session, app.config["PKI_CA_PASSPHRASE"], leader, pins[leader.username], "86420975", "86420975"
    )
    output = runner.invoke(args=["demo", "logins"]).output
    assert "签名PIN" not in next(line for line in output.splitlines() if "leader.dongsheng " in line)


def test_loading_the_same_template_twice_keeps_one_version(session):
    first, created = campaigns.load_checklist_version(session, default_template())
    again, created_again = campaigns.load_checklist_version(session, default_template())
    assert created and not created_again and first.id == again.id


def test_a_changed_template_needs_a_new_version_label(session):
    campaigns.load_checklist_version(session, default_template())
    changed = default_template()
    changed["sections"][0]["items"][0]["guidance"] = "新的指引"
    with pytest.raises(Invalid, match="须使用新的版本号"):
        campaigns.load_checklist_version(session, changed)
    changed["version"] = "2027.1"
    version, created = campaigns.load_checklist_version(session, changed)
    assert created and session.scalar(select(func.count()).select_from(ChecklistVersion)) == 2


def test_a_stored_version_is_immutable(session):
    version, _ = campaigns.load_checklist_version(session, default_template())
    campaign = campaigns.create_campaign(session, "2026年度自查验收", *_dates(), version.id)
    assert campaigns.version_in_use(session, version.id)
    version.content = {**version.content, "name": "改过的"}
    with pytest.raises(ValueError, match="immutable"):
        session.commit()
    session.rollback()
    session.refresh(version)
    assert version.content["name"] == "12315消费维权服务站验收核查表" and campaign.checklist_version_id == version.id


def test_campaign_rules(session):
    version, _ = campaigns.load_checklist_version(session, default_template())
    start, end = _dates()
    with pytest.raises(Invalid, match="截止日期不能早于开始日期"):
        campaigns.create_campaign(session, "批次", end, start, version.id)
    campaigns.create_campaign(session, "批次", start, end, version.id)
    with pytest.raises(Invalid, match="已存在"):
        campaigns.create_campaign(session, "批次", start, end, version.id)
    assert campaigns.current_campaign(session).name == "批次"


def test_cli_load_reports_a_malformed_template_precisely(runner, tmp_path, session):
    data = default_template()
    data["sections"][0]["items"][2]["code"] = "A1"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(args=["checklist", "load", str(path)])
    assert result.exit_code != 0 and "项目代码 “A1” 重复" in result.output
    path.write_text("{not json", encoding="utf-8")
    result = runner.invoke(args=["checklist", "load", str(path)])
    assert result.exit_code != 0 and "不是有效的 JSON" in result.output
    assert session.scalars(select(ChecklistVersion)).all() == []


def test_cli_load_good_template(runner, tmp_path, session):
    path = tmp_path / "t.json"
    path.write_text(json.dumps(default_template(), ensure_ascii=False), encoding="utf-8")
    assert "已载入" in runner.invoke(args=["checklist", "load", str(path)]).output
    assert "已存在，未改变" in runner.invoke(args=["checklist", "load", str(path)]).output


def _dates():
    from datetime import date

    return date(2026, 9, 1), date(2026, 11, 1)


def test_demo_season_fills_inspections_and_certificates(runner, session, client):
    from inspect_app.models import Inspection, SigningCertificate
    from inspect_app.models.follow_up import SampledStation, SpotCheckSample

    result = runner.invoke(args=["demo", "seed", "--season"])
    assert result.exit_code == 0, result.output
    assert "leader.dongsheng" in result.output and "PIN 200602" in result.output
    assert re.search(r"鄂尔多斯市\s+city\s+PIN 200600", result.output), result.output  # the city signs its report
    rows = session.scalars(select(Inspection)).all()
    assert len(rows) == 36 and {r.status.value for r in rows} == {"submitted", "accepted"}
    assert all(len(r.photos) == 2 and len(r.signatures) == 2 for r in rows)
    assert all(not any(f["code"] == "far_from_station" for p in r.photos for f in p.findings) for r in rows)
    assert session.scalar(select(func.count()).select_from(SigningCertificate)) == 9 + 1
    # The city's spot-check sample: one station a district, all given to the demo's city inspector.
    sampled = session.scalars(select(SampledStation)).all()
    assert len(sampled) == 9 and len({r.district_id for r in sampled}) == 9
    assert {r.inspector.username for r in sampled} == {"city.inspector"}
    seed = session.scalars(select(SpotCheckSample)).one().seed
    again = runner.invoke(args=["demo", "seed", "--season"])  # a second run adds nothing
    assert again.exit_code == 0 and session.scalar(select(func.count()).select_from(Inspection)) == 36
    assert session.scalars(select(SpotCheckSample)).one().seed == seed
