"""The city report goes through build, preview and sign-off like a district bundle: what is signed is what was
seen, districts still missing are named and need an explicit confirmation, and the city signs in a field of its own."""

from __future__ import annotations

import re
import zipfile
from concurrent.futures import ThreadPoolExecutor

import pytest
from photo_factory import signature_png
from sqlalchemy.orm import Session
from stock_tools import pdfsig
from support import PIN, TODAY, keyed

from inspect_app.city import report as city_report
from inspect_app.domain.evidence import city_report as rules
from inspect_app.domain.evidence.submissions import SubmissionSource, SubmissionStatus
from inspect_app.models import CityReport, Station, Submission
from inspect_app.shared.errors import Invalid


def build(app, session, city, campaign, tmp_path) -> CityReport:
    return city_report.build_preview(
        session, city.actor, app.extensions["filestore"], city, campaign.id, tmp_path, TODAY
    )


def sign(app, session, city, report, tmp_path, confirm_missing=True, pin=PIN) -> CityReport:
    return city_report.sign_off(
        session,
        city.actor,
        app.extensions["filestore"],
        city,
        report.id,
        keyed(app, pin),
        signature_png(),
        tmp_path,
        TODAY,
        confirm_missing=confirm_missing,
    )


def accepted(session, season, people) -> Submission:
    """The city holds the district's bundle as accepted (the whole way there is tested in test_city.py)."""
    leader, city = people["leader"], season["city"]
    submission = Submission(
        district_id=leader.district_id,
        campaign_id=season["campaign"].id,
        version=1,
        source=SubmissionSource.UPLOAD,
        received_by_id=city.id,
        archive_key="ab/" + "a" * 64,
        archive_sha256="a" * 64,
        archive_size=1,
        verified=True,
        status=SubmissionStatus.ACCEPTED,
        decided_by_id=city.id,
    )
    session.add(submission)
    session.commit()
    return submission


# ---- the pure rules ----------------------------------------------------------------------------------------------


def test_the_missing_districts_are_those_without_an_accepted_bundle():
    rows = [
        ("东胜区", SubmissionStatus.ACCEPTED),
        ("康巴什区", SubmissionStatus.SUBMITTED),
        ("达拉特旗", SubmissionStatus.RETURNED),
        ("准格尔旗", None),
    ]
    assert rules.missing(rows) == ["康巴什区", "达拉特旗", "准格尔旗"]
    assert rules.confirmation_label(3) == "仍然签字：3个旗区尚未接收"
    assert rules.missing([("东胜区", SubmissionStatus.ACCEPTED)]) == []


def test_changed_parts_are_named_in_chinese():
    names = {"150602": "东胜区"}
    assert rules.change_labels(["district:150602", "figures", "demonstrations", "directory", "campaign"], names) == [
        "东胜区的证据包",
        "全市统计数据",
        "示范站名单",
        "全市名录表",
        "验收批次信息",
    ]


# ---- build, preview, sign-off ------------------------------------------------------------------------------------


def test_the_city_report_is_previewed_before_it_is_signed(app, client, session, city_season, auth, tmp_path):
    campaign, city = city_season["campaign"], city_season["city"]
    auth.login("city.center")
    page = client.get("/city/report").get_data(as_text=True)
    assert "生成汇总报告预览" in page and 'name="pin"' not in page  # nothing to sign before a preview
    built = client.post(
        "/city/report", data={"campaign": campaign.id, "pin": PIN, "signature": ""}, follow_redirects=True
    ).get_data(as_text=True)
    report = session.query(CityReport).one()
    assert report.status.value == "ready" and report.archive_key is None and report.preview_key
    assert "第1版 · 待签字" in built and f"/city/report/{report.id}/preview.pdf" in built and 'name="pin"' in built
    preview = client.get(f"/city/report/{report.id}/preview.pdf")
    assert preview.status_code == 200 and preview.mimetype == "application/pdf"
    (tmp_path / "preview.pdf").write_bytes(preview.data)
    assert "Signature" not in pdfsig(tmp_path, "preview.pdf")  # unsigned: a preview to read
    signed = sign(app, session, city, report, tmp_path)
    assert signed.status.value == "signed" and signed.version == 1 and signed.archive_key


def test_signing_with_districts_missing_needs_an_explicit_confirmation(
    app,
    client,
    session,
    city_season,
    auth,
    tmp_path,
):
    campaign, city = city_season["campaign"], city_season["city"]
    accepted(session, city_season, city_season["ds"])
    report = build(app, session, city, campaign, tmp_path)
    auth.login("city.center")
    page = client.get("/city/report").get_data(as_text=True)
    assert "8个旗区的证据包尚未接收" in page and "康巴什区（未提交）" in page and "仍然签字：8个旗区尚未接收" in page
    with pytest.raises(Invalid, match="8个旗区尚未接收"):
        sign(app, session, city, report, tmp_path, confirm_missing=False)
    refused = client.post(
        f"/city/report/{report.id}/sign", data={"pin": PIN, "signature": "x"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "未签字" in refused and "8个旗区尚未接收" in refused
    session.expire_all()
    assert session.get(CityReport, report.id).status.value == "ready"
    assert sign(app, session, city, report, tmp_path, confirm_missing=True).status.value == "signed"


def test_the_city_signs_in_a_field_of_its_own(app, session, city_season, tmp_path):
    campaign, city = city_season["campaign"], city_season["city"]
    signed = sign(app, session, city, build(app, session, city, campaign, tmp_path), tmp_path)
    folder = tmp_path / "unpacked"
    with zipfile.ZipFile(app.extensions["filestore"].local_path(signed.archive_key)) as archive:
        archive.extractall(folder)
    report = pdfsig(folder, "city-report.pdf")
    assert "Signature Field Name: CityCenterSignature" in report and "LeaderSignature" not in report
    assert "Signature Validation: Signature is Valid" in report


def test_a_version_whose_contents_changed_is_expired_and_says_what_changed(
    app,
    client,
    session,
    city_season,
    auth,
    tmp_path,
):
    campaign, city = city_season["campaign"], city_season["city"]
    report = build(app, session, city, campaign, tmp_path)
    accepted(session, city_season, city_season["kbs"])  # 康巴什区 accepted after the preview
    with pytest.raises(Invalid, match="已过期") as expired:
        sign(app, session, city, report, tmp_path)
    assert "康巴什区的证据包" in str(expired.value)
    session.expire_all()
    assert session.get(CityReport, report.id).status.value == "stale"
    auth.login("city.center")
    page = client.get("/city/report").get_data(as_text=True)
    assert "第1版 · 已过期" in page and "康巴什区的证据包" in page and "重新生成" in page and 'name="pin"' not in page
    # A wrong PIN is not even tried on an expired version: the refusal names the change.
    wrong = client.post(
        f"/city/report/{report.id}/sign",
        data={"pin": "000000", "signature": "x", "confirm": "1"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "已过期" in wrong and "签名PIN错误" not in wrong
    client.post("/city/report", data={"campaign": campaign.id})
    again = session.query(CityReport).one()  # the unsigned version is built again, not a second one
    session.refresh(again)
    assert again.version == 1 and again.status.value == "ready"
    assert sign(app, session, city, again, tmp_path).status.value == "signed"


def test_a_change_during_the_sign_off_is_caught_in_the_final_transaction(
    app,
    session,
    city_season,
    tmp_path,
    monkeypatch,
):
    campaign, city = city_season["campaign"], city_season["city"]
    report = build(app, session, city, campaign, tmp_path)
    original, station = city_report._render, city_season["kbs"]["stations"][0]

    def meanwhile(*args, **kwargs):  # while the signed pages are laid out, another user renames a station
        with Session(session.get_bind()) as other:
            other.get(Station, station.id).name = "改名后的服务站"
            other.commit()
        return original(*args, **kwargs)

    monkeypatch.setattr(city_report, "_render", meanwhile)
    with pytest.raises(Invalid, match="全市名录表"):
        sign(app, session, city, report, tmp_path)
    session.expire_all()
    assert session.get(CityReport, report.id).status.value == "stale"
    assert session.get(CityReport, report.id).archive_key is None


def test_two_builds_at_once_make_one_version(app, session, city_season, tmp_path):
    campaign, city = city_season["campaign"], city_season["city"]
    bind = session.get_bind()

    def one_click(n):
        with Session(bind) as own:
            try:
                return city_report.build_preview(
                    own, city.actor, app.extensions["filestore"], city, campaign.id, tmp_path / str(n), TODAY
                ).version
            except Invalid as error:
                return str(error)

    with ThreadPoolExecutor(2) as pool:
        outcomes = list(pool.map(one_click, (1, 2)))
    session.expire_all()
    assert [r.version for r in session.query(CityReport)] == [1]
    assert 1 in outcomes
    assert all(o == 1 or re.search("正在生成|正在签字", str(o)) for o in outcomes), outcomes


def test_a_signed_version_is_kept_and_the_next_build_is_a_new_version(app, session, city_season, tmp_path):
    campaign, city = city_season["campaign"], city_season["city"]
    first = sign(app, session, city, build(app, session, city, campaign, tmp_path), tmp_path)
    with pytest.raises(Invalid, match="已签字"):
        sign(app, session, city, first, tmp_path)
    second = build(app, session, city, campaign, tmp_path)
    assert (first.version, second.version) == (1, 2) and second.status.value == "ready"
    assert [r.version for r in city_report.reports(session, city.actor, campaign.id)] == [2, 1]


def test_a_page_opened_before_a_rebuild_does_not_sign_the_rebuilt_version(
    app,
    client,
    session,
    city_season,
    auth,
    tmp_path,
):
    campaign, city = city_season["campaign"], city_season["city"]
    report = build(app, session, city, campaign, tmp_path)
    auth.login("city.center")
    page = client.get("/city/report").get_data(as_text=True)
    seen = re.search(r'name="fingerprint" value="([0-9a-f]{64})"', page).group(1)
    accepted(session, city_season, city_season["ds"])  # a district accepted meanwhile, then built again elsewhere
    rebuilt = build(app, session, city, campaign, tmp_path)
    assert rebuilt.id == report.id and rebuilt.fingerprint != seen
    refused = client.post(
        f"/city/report/{report.id}/sign",
        data={"pin": PIN, "signature": "x", "confirm": "1", "fingerprint": seen},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "在您打开页面之后已重新生成，未签字" in refused
    session.expire_all()
    assert session.get(CityReport, report.id).status.value == "ready"
