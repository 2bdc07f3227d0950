"""The city center: a season end to end, uploads by hand, the lock on signed inspections, every access rule."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import zipfile
from datetime import date

import pytest
from openpyxl import load_workbook
from photo_factory import signature_png
from stock_tools import openssl_cms_verify, pdfsig
from support import PIN, TODAY, flip, keyed, rewrite, sign_version

from inspect_app.bundles import operations as bundles
from inspect_app.city import demonstrations, submissions
from inspect_app.city import report as city_report
from inspect_app.city.verify import verify_bundle
from inspect_app.domain.identity.permissions import Role
from inspect_app.inspection import operations as inspections
from inspect_app.models import Inspection, Submission
from inspect_app.review import operations as review
from inspect_app.shared.errors import Invalid
from inspect_app.signing import keys


def test_a_whole_season_from_two_districts_to_the_signed_city_report(app, session, city_season, tmp_path, runner):
    store, campaign, city = app.extensions["filestore"], city_season["campaign"], city_season["city"]
    ds, kbs = city_season["ds"], city_season["kbs"]
    review.recommend(session, ds["leader"].actor, ds["inspections"][0].id, True)
    sent = {}
    for people in (ds, kbs):
        bundle = sign_version(app, session, people["leader"], campaign, tmp_path)
        sent[people["leader"].username] = submissions.submit_bundle(session, people["leader"].actor, store, bundle.id)
    first = sent["leader.kbs"]
    assert first.verified and [c["name"] for c in first.checks] == ["文件哈希", "清单签名", "签名证书", "PDF签名"]
    assert all(c["ok"] for c in first.checks) and first.signer_name == kbs["leader"].display_name
    labels = {r.district.code: r.label for r in submissions.inbox(session, city.actor, campaign, TODAY)}
    assert labels["150602"] == labels["150603"] == "已提交" and list(labels.values()).count("未提交") == 7

    # The signed inspections are locked: the leader cannot return one while the city holds the version.
    locked = kbs["inspections"][0]
    with pytest.raises(Invalid, match="已签字，其中的检查已锁定"):
        review.review(session, kbs["leader"].actor, locked.id, "return", "再核实一次")
    with pytest.raises(Invalid, match="等待市中心审核"):
        bundles.start_draft(session, kbs["leader"].actor, kbs["leader"].district_id, campaign.id, "")

    number = kbs["stations"][0].number
    submissions.decide(
        session,
        city.actor,
        first.id,
        "return",
        "请补充照片",
        {number: "标识标志牌照片不清楚", kbs["stations"][1].number: ""},
    )
    assert submissions.returned_reasons(session, kbs["leader"].district_id, campaign.id) == {
        number: "标识标志牌照片不清楚"
    }

    # The leader begins version 2 (which unlocks), returns the inspection, the inspector fixes and resubmits.
    bundles.start_draft(session, kbs["leader"].actor, kbs["leader"].district_id, campaign.id, "")
    review.review(session, kbs["leader"].actor, locked.id, "return", "标识标志牌重拍")
    inspections.answer_item(session, kbs["inspector"].actor, locked.id, "A5", "fail", None, "电话未接通")
    inspections.submit(session, kbs["inspector"].actor, locked.id)
    review.review(session, kbs["leader"].actor, locked.id, "accept")
    second_bundle = sign_version(app, session, kbs["leader"], campaign, tmp_path)
    assert second_bundle.version == 2
    with pytest.raises(Invalid, match="第1版不晚于已提交的第1版"):
        submissions.submit_bundle(session, kbs["leader"].actor, store, first.bundle_id)
    second = submissions.submit_bundle(session, kbs["leader"].actor, store, second_bundle.id)
    assert second.version == 2 and second.status.value == "submitted"

    for submission in (sent["leader.ds"], second):
        submissions.decide(session, city.actor, submission.id, "accept")
    candidates = demonstrations.candidates(session, city.actor, campaign.id)
    assert [c.station.id for c in candidates] == [ds["stations"][0].id]
    demonstrations.decide_demonstration(session, city.actor, campaign.id, ds["stations"][0].id, True)
    session.refresh(ds["stations"][0])
    assert ds["stations"][0].is_demonstration
    with pytest.raises(Invalid, match="不在旗区报送的示范站推荐名单中"):
        demonstrations.decide_demonstration(session, city.actor, campaign.id, kbs["stations"][1].id, True)
    with pytest.raises(Invalid, match="不能再修改"):
        bundles.start_draft(session, kbs["leader"].actor, kbs["leader"].district_id, campaign.id, "")

    events = [e.what for e in submissions.history(session, city.actor, kbs["leader"].district_id, campaign.id)]
    assert events == [
        "开始证据包（第1版）",
        "签字证据包（第1版）",
        "提交证据包（第1版），验证通过",
        "退回证据包（第1版）：请补充照片（1个服务站有具体意见）",
        "开始证据包（第2版）",
        "签字证据包（第2版）",
        "提交证据包（第2版），验证通过",
        "接收证据包（第2版）",
    ]

    # The consolidated report, signed by the city, verifies like a bundle, with our command and stock tools.
    pin = tmp_path / "pin"
    pin.write_text(PIN)
    out = tmp_path / "city.zip"
    result = runner.invoke(
        args=[
            "city",
            "report",
            "--campaign",
            str(campaign.id),
            "--sign-as",
            "city.center",
            "--pin-file",
            str(pin),
            "--out",
            str(out),
            "--confirm-missing",
        ]
    )
    assert result.exit_code == 0, result.output
    check = verify_bundle(out, city_season["ca"], keys.revocation_list(session))
    assert check.ok, check.problems
    manifest = check.manifest
    assert manifest["kind"] == "city" and manifest["district"] == {"code": "150600", "name": "鄂尔多斯市"}
    states = {d["code"]: (d["status"], d["version"], d["archive_sha256"]) for d in manifest["districts"]}
    assert states["150603"] == ("已接收", 2, second.archive_sha256) and states["150621"] == ("未提交", None, None)
    verified = runner.invoke(args=["bundle", "verify", str(out)])
    assert verified.exit_code == 0 and "鄂尔多斯市" in verified.output, verified.output

    folder = tmp_path / "city"
    with zipfile.ZipFile(out) as archive:
        archive.extractall(folder)
        assert sorted(archive.namelist()) == ["city-directory.xlsx", "city-report.pdf", "manifest.json", "manifest.p7s"]
    (folder / "city-ca.pem").write_bytes(city_season["ca"])
    openssl = openssl_cms_verify(folder)
    assert openssl.returncode == 0, openssl.stderr
    signed = pdfsig(folder, "city-report.pdf")
    assert "Signature Validation: Signature is Valid." in signed and "Total document signed" in signed
    text = re.sub(
        r"\s+",
        "",
        subprocess.run(["pdftotext", "city-report.pdf", "-"], cwd=folder, capture_output=True, text=True).stdout,
    )
    for expected in (
        "鄂尔多斯市2026年度自查验收汇总报告",
        "东胜区",
        "康巴什区",
        "已接收",
        ds["stations"][0].name,
        "鄂尔多斯市12315消费维权服务中心",
        second.archive_sha256[:16],
    ):
        assert expected in text, expected
    pages = subprocess.run(["pdftoppm", "-r", "40", "-png", "city-report.pdf", "page"], cwd=folder)
    assert pages.returncode == 0 and len(list(folder.glob("page-*.png"))) >= 4
    sheets = load_workbook(folder / "city-directory.xlsx", read_only=True)
    assert sheets.sheetnames[:3] == ["全市名录表", "东胜区名录表", "康巴什区名录表"]
    rows = list(sheets["全市名录表"].iter_rows(values_only=True))
    assert rows[0][:3] == ("旗区", "站点编号", "服务站名称") and len(rows) == 1 + 4
    assert {r[2]: r[12] for r in rows[1:]}[ds["stations"][0].name] == "是"


def test_a_city_report_needs_the_citys_own_certificate_and_pin(app, session, city_season, tmp_path):
    store, campaign = app.extensions["filestore"], city_season["campaign"]
    leader, city = city_season["ds"]["leader"], city_season["city"]
    with pytest.raises(Exception):  # a leader may not act for the city at all
        city_report.build_preview(session, leader.actor, store, leader, campaign.id, tmp_path, TODAY)
    preview = city_report.build_preview(session, city.actor, store, city, campaign.id, tmp_path, TODAY)
    with pytest.raises(Exception):
        city_report.sign_off(
            session,
            leader.actor,
            store,
            leader,
            preview.id,
            keyed(app, PIN),
            signature_png(),
            tmp_path,
            TODAY,
            confirm_missing=True,
        )
    with pytest.raises(Invalid) as wrong:
        city_report.sign_off(
            session,
            city.actor,
            store,
            city,
            preview.id,
            keyed(app, "000000"),
            signature_png(),
            tmp_path,
            TODAY,
            confirm_missing=True,
        )
    assert wrong.value.errors == {"pin": "签名PIN错误，还可尝试4次"}
    assert [r.status.value for r in city_report.reports(session, city.actor, campaign.id)] == ["ready"]


def test_a_tampered_zip_uploaded_by_hand_is_refused_with_the_reason(app, client, session, city_season, auth, tmp_path):
    leader, campaign = city_season["ds"]["leader"], city_season["campaign"]
    bundle = sign_version(app, session, leader, campaign, tmp_path)
    original = tmp_path / "original.zip"
    original.write_bytes(app.extensions["filestore"].read(bundle.archive_key))
    tampered = rewrite(
        original, tmp_path / "tampered.zip", lambda n, d: flip(d) if n.endswith("bulletin_board-1.jpg") else d
    )
    stored = {p for p in (tmp_path / "instance").rglob("*.zip")}
    auth.login("city.center")
    page = client.post(
        "/city/upload",
        data={"bundle": (tampered.open("rb"), "东胜区.zip")},
        content_type="multipart/form-data",
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "证据包验证未通过，未接收" in page and "bulletin_board-1.jpg：内容与清单不符" in page
    assert session.query(Submission).count() == 0
    assert {p for p in (tmp_path / "instance").rglob("*.zip")} == stored  # nothing kept

    junk = client.post(
        "/city/upload",
        data={"bundle": (io.BytesIO(b"not a zip"), "x.zip")},
        content_type="multipart/form-data",
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "不是有效的 ZIP 证据包" in junk and session.query(Submission).count() == 0

    intact = client.post(
        "/city/upload",
        data={"bundle": (original.open("rb"), "东胜区.zip")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "已收到东胜区第1版证据包，验证通过" in intact.get_data(as_text=True)
    received = session.query(Submission).one()
    assert received.source.value == "upload" and received.bundle_id == bundle.id and received.verified
    again = client.post(
        "/city/upload",
        data={"bundle": (original.open("rb"), "东胜区.zip")},
        content_type="multipart/form-data",
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "正在等待市中心审核" in again and session.query(Submission).count() == 1


def test_the_inbox_and_district_pages_show_states_verdicts_and_overdue_districts(
    app, client, session, city_season, auth, tmp_path
):
    leader, campaign = city_season["ds"]["leader"], city_season["campaign"]
    bundle = sign_version(app, session, leader, campaign, tmp_path)
    submission = submissions.submit_bundle(session, leader.actor, app.extensions["filestore"], bundle.id)
    campaign.deadline = date(2026, 10, 1)  # long past: every district without a bundle is overdue
    session.commit()
    auth.login("city.center")
    inbox = client.get("/city/").get_data(as_text=True)
    assert inbox.count("inbox-row") == 9 and inbox.count("inbox-row overdue") == 8
    assert "已过截止日期" in inbox and "已提交" in inbox and "✓ PDF签名" in inbox
    page = client.get(f"/city/districts/{leader.district_id}").get_data(as_text=True)
    assert (
        "第1版 · 已提交" in page and submission.archive_sha256 in page and "个文件的大小和 SHA-256 与清单一致" in page
    )
    number = city_season["ds"]["stations"][1].number
    response = client.post(
        f"/city/submissions/{submission.id}/decision",
        data={"decision": "return", "comment": "", f"reason-{number}": "缺少登记簿照片"},
        follow_redirects=True,
    )
    assert "已将东胜区第1版证据包退回补正" in response.get_data(as_text=True)
    session.refresh(submission)
    assert submission.station_reasons == [
        {"number": number, "name": city_season["ds"]["stations"][1].name, "reason": "缺少登记簿照片"}
    ]
    again = client.post(
        f"/city/submissions/{submission.id}/decision", data={"decision": "accept"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "已退回补正，不能再次处理" in again

    client.post("/logout")
    auth.login("leader.ds")
    own = client.get("/review/bundle/").get_data(as_text=True)
    assert "市中心退回第1版，请补正" in own and "缺少登记簿照片" in own
    assert "市中心意见：缺少登记簿照片" in client.get("/review/").get_data(as_text=True)


def test_the_leader_submits_from_the_bundle_page_once(app, client, session, city_season, auth, tmp_path):
    leader, campaign = city_season["ds"]["leader"], city_season["campaign"]
    bundle = sign_version(app, session, leader, campaign, tmp_path)
    auth.login("leader.ds")
    assert "提交至市中心" in client.get("/review/bundle/").get_data(as_text=True)
    done = client.post(f"/review/bundle/{bundle.id}/submit", follow_redirects=True).get_data(as_text=True)
    assert (
        "第1版证据包已提交市中心，验证通过" in done and "等待市中心审核" in done and "提交至市中心</button>" not in done
    )
    # While the city holds the version, the page offers no new one (it would only be refused) and says why.
    assert "生成第2版证据包" not in done and 'name="narrative"' not in done
    assert "第1版证据包正在等待市中心审核，退回后才能修改" in done
    twice = client.post(f"/review/bundle/{bundle.id}/submit", follow_redirects=True).get_data(as_text=True)
    assert "未提交：第1版证据包正在等待市中心审核" in twice and session.query(Submission).count() == 1
    other = city_season["kbs"]["leader"]
    other_bundle = sign_version(app, session, other, campaign, tmp_path)
    assert client.post(f"/review/bundle/{other_bundle.id}/submit").status_code == 404


def test_the_dashboard_and_exports_show_every_district(app, client, session, city_season, auth):
    ds = city_season["ds"]  # its inspections are accepted with full marks
    auth.login("city.center")
    page = client.get("/city/dashboard").get_data(as_text=True)
    assert page.count("<svg") == 5 and "各旗区平均得分" in page and "服务站分布与验收结论" in page
    assert "东胜区" in page and "伊金霍洛旗" in page and "100.0%" in page
    one = client.get(f"/city/dashboard?district={ds['leader'].district_id}").get_data(as_text=True)
    assert "统计 · 东胜区" in one and "康巴什区</td>" not in one
    assert client.get("/city/dashboard?district=999").status_code == 404

    exported = client.get("/city/export.csv")
    assert exported.mimetype == "text/csv" and exported.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(exported.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["旗区代码", "旗区", "站点编号"] and len(rows) == 1 + 4
    assert {r[3]: r[13] for r in rows[1:]}[ds["stations"][0].name] == "100.0"
    geo = json.loads(client.get(f"/city/export.geojson?district={ds['leader'].district_id}").data)
    assert geo["type"] == "FeatureCollection" and len(geo["features"]) == 2
    first = geo["features"][0]
    assert first["geometry"]["coordinates"] == [ds["stations"][0].longitude, ds["stations"][0].latitude]
    assert first["properties"]["outcome"] == "demonstration_eligible"


CITY_PAGES = [
    "/city/",
    "/city/districts/{district}",
    "/city/dashboard",
    "/city/export.csv",
    "/city/export.geojson",
    "/city/report",
    "/city/upload",
    "/city/submissions/{submission}/download",
]
CITY_ACTIONS = [
    "/city/submissions/{submission}/decision",
    "/city/submissions/{submission}/verify",
    "/city/demonstrations/{station}",
    "/city/upload",
    "/city/report",
]


@pytest.mark.parametrize("role", [Role.LEADER, Role.INSPECTOR])
def test_district_roles_may_not_use_any_city_page_or_action(app, client, session, city_season, auth, tmp_path, role):
    leader, campaign = city_season["ds"]["leader"], city_season["campaign"]
    bundle = sign_version(app, session, leader, campaign, tmp_path)
    submission = submissions.submit_bundle(session, leader.actor, app.extensions["filestore"], bundle.id)
    ids = {"district": leader.district_id, "submission": submission.id, "station": city_season["ds"]["stations"][0].id}
    auth.login("leader.ds" if role is Role.LEADER else "insp.ds")
    for path in CITY_PAGES:
        assert client.get(path.format(**ids)).status_code == 403, path
    for path in CITY_ACTIONS:
        assert client.post(path.format(**ids), data={"decision": "accept", "confirmed": "1"}).status_code == 403, path
    session.refresh(submission)
    assert submission.status.value == "submitted"
    assert "市中心" not in client.get("/").get_data(as_text=True).split("<main")[0]


def test_the_city_reads_and_decides_but_changes_nothing_in_an_inspection(
    app, client, session, city_season, auth, tmp_path
):
    leader, campaign = city_season["ds"]["leader"], city_season["campaign"]
    bundle = sign_version(app, session, leader, campaign, tmp_path)
    submission = submissions.submit_bundle(session, leader.actor, app.extensions["filestore"], bundle.id)
    ids = {"district": leader.district_id, "submission": submission.id}
    auth.login("city.center")
    for path in CITY_PAGES:
        assert client.get(path.format(**ids)).status_code == 200, path
    assert client.post(f"/city/submissions/{submission.id}/verify").status_code == 302
    inspection = city_season["ds"]["inspections"][0]
    assert (
        client.post(
            f"/review/inspections/{inspection.id}/decision", data={"decision": "return", "comment": "x"}
        ).status_code
        == 403
    )
    assert client.post(f"/review/inspections/{inspection.id}/recommend", data={"recommended": "1"}).status_code == 403
    assert client.post(f"/review/bundle/{bundle.id}/submit").status_code == 403
    session.expire_all()
    assert session.get(Inspection, inspection.id).status.value == "accepted"
    assert client.get(f"/city/districts/{leader.district_id + 100}").status_code == 404
    assert client.get("/city/submissions/99999/download").status_code == 404
