"""The city's results notice (通报): drafted from the figures of a hand-made season, edited under the rules, signed
with the city's certificate (checked by OpenSSL, pdfsig and `flask bundle verify`), looked at as PNG, and read by the
districts' leaders only once published."""

from __future__ import annotations

import hashlib
import subprocess
from datetime import date

import pytest
from PIL import Image
from sqlalchemy import func, select
from stock_tools import openssl_pdf_verify, pdfsig
from support import PIN, TODAY, district, keyed, make_station, make_user

from inspect_app.domain.checklists.checklist import Outcome
from inspect_app.domain.checklists.scoring import Verdict
from inspect_app.domain.evidence.submissions import SubmissionSource, SubmissionStatus
from inspect_app.domain.follow_up import notice as rules
from inspect_app.domain.follow_up.rectification import OrderStatus
from inspect_app.domain.inspections import InspectionKind, InspectionStatus
from inspect_app.follow_up import notice_draft, notices
from inspect_app.models import (
    AuditEntry,
    DemonstrationDecision,
    Inspection,
    InspectionAnswer,
    RectificationOrder,
    ResultsNotice,
    SigningPinFailure,
    Submission,
)
from inspect_app.shared.errors import Invalid, NotFound

A2 = "A2 标识标志牌悬挂在醒目位置，完好无损"


def inspected(session, campaign, station, inspector, score, outcome, failed=(), **extra) -> Inspection:
    """An inspection row as its use cases leave it once submitted (the draft only reads them)."""
    inspection = Inspection(
        station_id=station.id,
        campaign_id=campaign.id,
        checklist_version_id=campaign.checklist_version_id,
        inspector_id=inspector.id,
        status=extra.pop("status", InspectionStatus.ACCEPTED),
        points=score,
        maximum=100,
        score=float(score),
        outcome=outcome,
        failed_critical=list(failed),
        **extra,
    )
    session.add(inspection)
    session.commit()
    return inspection


def answer(session, inspection, code, verdict, user, points=None) -> None:
    session.add(
        InspectionAnswer(
            inspection_id=inspection.id, item_code=code, verdict=verdict, points=points, updated_by_id=user.id
        )
    )
    session.commit()


@pytest.fixture
def hand_made(session, campaign):
    """东胜区: 95 (示范站, confirmed), 85, 60 (order issued), 88 with A2 failed; 康巴什区: 92 (an ODR enterprise's
    station) and one still under way; the city's spot check of the 85 found 70."""
    inspector = make_user(session, "inspector", "150602", username="insp.hand")
    city = make_user(session, "city", username="city.hand")
    ds = [make_station(session, "150602", name=f"东胜{n}号服务站") for n in range(1, 5)]
    kbs = [make_station(session, "150603", name="康巴什1号服务站", is_odr="是"), make_station(session, "150603")]
    top = inspected(session, campaign, ds[0], inspector, 95, Outcome.DEMONSTRATION_ELIGIBLE)
    top.recommended_demonstration = True
    middle = inspected(session, campaign, ds[1], inspector, 85, Outcome.PASS)
    low = inspected(session, campaign, ds[2], inspector, 60, Outcome.RECTIFY)
    inspected(session, campaign, ds[3], inspector, 88, Outcome.RECTIFY, failed=["A2"])
    inspected(session, campaign, kbs[0], inspector, 92, Outcome.DEMONSTRATION_ELIGIBLE)
    inspected(session, campaign, kbs[1], inspector, 40, None, status=InspectionStatus.IN_PROGRESS)
    spot = inspected(
        session, campaign, ds[1], city, 70, Outcome.RECTIFY, kind=InspectionKind.SPOT_CHECK, follows_id=middle.id
    )
    for code in ("A4", "A5"):
        answer(session, middle, code, Verdict.PASS, inspector)
        answer(session, spot, code, Verdict.FAIL, city)
    answer(session, middle, "A6", Verdict.PASS, inspector)
    answer(session, spot, "A6", Verdict.PASS, city)
    session.add(
        RectificationOrder(
            inspection_id=low.id,
            station_id=ds[2].id,
            campaign_id=campaign.id,
            district_id=ds[2].district_id,
            status=OrderStatus.ISSUED,
            deadline=date(2026, 12, 31),
            inspector_id=inspector.id,
        )
    )
    session.add(
        Submission(
            district_id=district(session, "150602").id,
            campaign_id=campaign.id,
            version=1,
            source=SubmissionSource.UPLOAD,
            received_by_id=city.id,
            archive_key="ab/" + "a" * 64,
            archive_sha256="a" * 64,
            archive_size=1,
            verified=True,
            status=SubmissionStatus.ACCEPTED,
        )
    )
    session.add(
        DemonstrationDecision(campaign_id=campaign.id, station_id=ds[0].id, confirmed=True, decided_by_id=city.id)
    )
    session.commit()
    return {"city": city, "ds": ds, "kbs": kbs}


# ---- the rules ---------------------------------------------------------------------------------------------------


def test_document_numbers_and_limits_are_checked_in_chinese():
    assert rules.document_number(2026, 3) == "鄂市监消〔2026〕3号"
    assert rules.check_fields("鄂市监消〔2026〕3号", "标题", "正文") == {}
    assert "六角括号" in rules.check_fields("鄂市监消(2026)3号", "标题", "正文")["number"]
    assert rules.check_fields("", "", "") == {"number": "请填写文号", "title": "请填写标题", "body": "请填写正文"}
    too_long = rules.check_fields("鄂市监消〔2026〕3号", "题" * 81, "文" * 20001)
    assert too_long == {"title": "标题不能超过80个字", "body": "正文不能超过20000个字"}


def test_headings_are_told_from_paragraphs():
    found = rules.paragraphs("各旗区市场监督管理局：\n\n一、各旗区验收结果\r\n  全市共完成验收。\n")
    assert [(p.text, p.heading) for p in found] == [
        ("各旗区市场监督管理局：", False),
        ("一、各旗区验收结果", True),
        ("全市共完成验收。", False),
    ]


# ---- the draft ---------------------------------------------------------------------------------------------------


def test_the_draft_states_the_season_s_figures(session, campaign, hand_made):
    city = hand_made["city"]
    facts = notice_draft.facts(session, city.actor, campaign)
    by_name = {d.name: d for d in facts.districts}
    assert by_name["东胜区"] == rules.DistrictLine("东胜区", 4, 1, 1, 2, 82.0)
    assert by_name["康巴什区"] == rules.DistrictLine("康巴什区", 1, 0, 1, 0, 92.0)
    assert len(facts.districts) == 9 and by_name["达拉特旗"].submitted == 0
    body = rules.draft_body(facts)
    assert "全市共完成验收服务站5个，其中合格1个，达到示范站标准2个，需整改2个，平均得分84.0分。" in body
    assert "东胜区：完成验收4个，合格1个，达到示范站标准1个，需整改2个，平均得分82.0分。" in body
    assert "达拉特旗：尚未提交验收结果。" in body
    assert "1．东胜区 东胜3号服务站（60.0分）：得分未达到合格线；整改通知：整改中。" in body
    assert f"2．东胜区 东胜4号服务站（88.0分）：关键项不符合：{A2}；尚未下达整改通知。" in body
    assert "共抽查服务站1个，其中1个抽查结论与旗区自查结论不一致。" in body
    assert "东胜2号服务站：旗区自查85.0分（合格），市级抽查70.0分（需整改），2项评定不同，结论不一致。" in body
    assert "以下1个服务站为示范站：\n1．东胜区 东胜1号服务站" in body
    assert "名录中共有ODR企业1家：\n1．康巴什区 康巴什1号服务站" in body
    assert [p.text for p in rules.paragraphs(body) if p.heading] == [
        "一、各旗区验收结果",
        "二、需整改的服务站",
        "三、市级抽查情况",
        "四、确认的示范站",
        "五、ODR企业",
        "六、工作要求",
    ]


def test_the_draft_works_before_any_inspection_order_or_spot_check(session, campaign):
    city = make_user(session, "city", username="city.empty")
    body = notice_draft.draft_text(session, city.actor, campaign)
    assert "全市共完成验收服务站0个" in body and "平均得分—分" in body
    assert "本批次验收中没有需整改的服务站。" in body and "本批次市级抽查尚无已提交的结果。" in body
    assert "本批次尚无经市中心确认的示范站。" in body and "名录中尚无ODR企业。" in body


# ---- edit, sign, publish ------------------------------------------------------------------------------------------


def test_edits_within_the_rules_are_kept_and_bad_ones_change_nothing(session, campaign, hand_made, tmp_path):
    city = hand_made["city"]
    notice = notices.start_draft(session, city.actor, city, campaign.id, TODAY)
    assert (notice.version, notice.number) == (1, "鄂市监消〔2026〕1号")
    assert notice.title == "关于2026年度自查验收12315消费维权服务站验收结果的通报"
    (tmp_path / "draft.pdf").write_bytes(notices.preview_pdf(session, city.actor, notice.id, tmp_path, TODAY))
    subprocess.run(["pdftoppm", "-r", "60", "-png", "draft.pdf", "draft"], cwd=tmp_path, check=True)
    text = subprocess.run(["pdftotext", "draft.pdf", "-"], cwd=tmp_path, capture_output=True, text=True).stdout
    assert "东胜4号服务站（88.0分）" in "".join(text.split()) and "2026年11月20日" in text
    before = (notice.number, notice.title, notice.body)
    for number, title, body, field in (
        ("鄂市监消[2026]1号", "标题", "正文", "number"),
        ("鄂市监消〔2026〕1号", "题" * 81, "正文", "title"),
        ("鄂市监消〔2026〕1号", "标题", "文" * 20001, "body"),
        ("鄂市监消〔2026〕1号", "标题", "   ", "body"),
    ):
        with pytest.raises(Invalid) as refused:
            notices.edit_notice(session, city.actor, notice.id, number, title, body)
        assert set(refused.value.errors) == {field}
        session.expire_all()
        assert (notice.number, notice.title, notice.body) == before
    notices.edit_notice(session, city.actor, notice.id, "鄂市监消〔2026〕7号", "关于验收结果的通报", "各旗区：\n正文。")
    session.expire_all()
    assert (notice.number, notice.body) == ("鄂市监消〔2026〕7号", "各旗区：\n正文。")
    assert notices.start_draft(session, city.actor, city, campaign.id, TODAY).id == notice.id  # one draft at a time


def test_a_wrong_pin_signs_nothing_and_is_counted(app, session, city_season, tmp_path):
    city, campaign = city_season["city"], city_season["campaign"]
    notice = notices.start_draft(session, city.actor, city, campaign.id, TODAY)
    store = app.extensions["filestore"]
    with pytest.raises(Invalid) as refused:
        notices.sign_notice(session, city.actor, store, city, notice.id, keyed(app, "000000"), tmp_path)
    assert set(refused.value.errors) == {"pin"}
    session.expire_all()
    assert notice.status is rules.NoticeStatus.DRAFT and notice.pdf_key is None and notice.signed_at is None
    assert session.scalar(select(func.count()).select_from(SigningPinFailure)) == 1
    actions = set(session.scalars(select(AuditEntry.action)))
    assert "signing_pin_failed" in actions and "sign_notice" not in actions


def sign(app, session, city, notice, tmp_path):
    return notices.sign_notice(
        session, city.actor, app.extensions["filestore"], city, notice.id, keyed(app, PIN), tmp_path
    )


@pytest.fixture
def signed(app, session, city_season, tmp_path):
    """The season's notice signed by the city center, written out beside the city's CA certificate."""
    city, campaign = city_season["city"], city_season["campaign"]
    notice = sign(app, session, city, notices.start_draft(session, city.actor, city, campaign.id, TODAY), tmp_path)
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "notice.pdf").write_bytes(app.extensions["filestore"].read(notice.pdf_key))
    (folder / "city-ca.pem").write_bytes(city_season["ca"])
    return notice, folder


def test_the_signed_notice_verifies_with_openssl_and_pdfsig(session, city_season, signed):
    notice, folder = signed
    assert notice.status is rules.NoticeStatus.SIGNED and notice.number == "鄂市监消〔2026〕1号"
    assert hashlib.sha256((folder / "notice.pdf").read_bytes()).hexdigest() == notice.pdf_sha256
    openssl = openssl_pdf_verify(folder, "notice.pdf")
    assert openssl.returncode == 0, openssl.stderr
    assert "Verification successful" in openssl.stderr
    report = pdfsig(folder, "notice.pdf")
    assert "Signature Field Name: CityCenterSignature" in report
    assert "Signature Validation: Signature is Valid" in report and "Total document signed" in report
    with pytest.raises(Invalid, match="已签发，不能再修改"):
        notices.edit_notice(session, city_season["city"].actor, notice.id, notice.number, "新标题", "正文")


def red_pixels(image: Image.Image) -> int:
    data = image.convert("RGB").tobytes()
    return sum(1 for i in range(0, len(data), 3) if data[i] > 180 and data[i + 1] < 80 and data[i + 2] < 80)


def test_the_pages_are_a4_with_a_red_header(signed):
    _, folder = signed
    subprocess.run(["pdftoppm", "-r", "60", "-png", "notice.pdf", "page"], cwd=folder, check=True)
    pages = sorted(folder.glob("page-*.png"))
    assert len(pages) >= 2  # the season's figures run past one page
    with Image.open(pages[0]) as first:
        assert first.size == (497, 702)  # A4 (210 × 297 mm) at 60 dpi, as pdftoppm rounds it
        assert red_pixels(first.crop((0, 60, 497, 130))) > 500  # the bureau's name in red type and the red rule
    with Image.open(pages[-1]) as last:
        assert red_pixels(last) > 500  # the red seal by the date


def test_flask_bundle_verify_checks_a_signed_pdf_and_catches_a_tampered_copy(app, signed):
    notice, folder = signed
    runner = app.test_cli_runner()
    good = runner.invoke(args=["bundle", "verify", str(folder / "notice.pdf")])
    assert good.exit_code == 0, good.output
    assert "PDF签名有效：notice.pdf" in good.output
    assert f"签字人 {notice.signed_by.display_name}" in good.output and "时间戳时间 2026-" in good.output
    data = bytearray((folder / "notice.pdf").read_bytes())
    data[len(data) // 3] ^= 0x01
    (folder / "tampered.pdf").write_bytes(bytes(data))
    bad = runner.invoke(args=["bundle", "verify", str(folder / "tampered.pdf")])
    assert bad.exit_code == 1
    assert "PDF签名验证未通过：tampered.pdf" in bad.output


def test_leaders_see_the_notice_only_once_it_is_published(app, session, city_season, signed, client, auth):
    notice, folder = signed
    city = city_season["city"]
    auth.login("leader.ds")
    assert "还没有发布的通报" in client.get("/notices/").get_data(as_text=True)
    assert client.get(f"/notices/{notice.id}.pdf").status_code == 404
    with pytest.raises(NotFound):
        notices.get_published(session, city_season["ds"]["leader"].actor, notice.id)
    notices.publish_notice(session, city.actor, notice.id)
    page = client.get("/notices/").get_data(as_text=True)
    assert notice.number in page and notice.title in page
    pdf = client.get(f"/notices/{notice.id}.pdf")
    assert pdf.status_code == 200 and hashlib.sha256(pdf.data).hexdigest() == notice.pdf_sha256
    with pytest.raises(Invalid, match="已发布"):
        notices.publish_notice(session, city.actor, notice.id)


def test_the_city_drafts_edits_previews_signs_and_publishes_in_the_app(
    app, client, auth, session, city_season, tmp_path
):
    campaign = city_season["campaign"]
    auth.login("city.center")
    assert "按验收数据起草通报" in client.get("/city/notices").get_data(as_text=True)
    client.post("/city/notices", data={"campaign": campaign.id})
    notice = session.scalars(select(ResultsNotice)).one()
    page = client.get("/city/notices").get_data(as_text=True)
    assert "一、各旗区验收结果" in page and 'name="pin"' in page
    refused = client.post(
        f"/city/notices/{notice.id}/edit",
        data={"number": "鄂市监消〔2026〕1号", "title": "标题", "body": "长" * 20001},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "未保存：正文不能超过20000个字" in refused
    client.post(
        f"/city/notices/{notice.id}/edit",
        data={
            "number": "鄂市监消〔2026〕2号",
            "title": "关于验收结果的通报",
            "body": "各旗区市场监督管理局：\n一、结果\n良好。",
        },
    )
    preview = client.get(f"/city/notices/{notice.id}/preview.pdf")
    assert preview.status_code == 200 and preview.data.startswith(b"%PDF-") and b"/ByteRange" not in preview.data
    (tmp_path / "preview.pdf").write_bytes(preview.data)
    subprocess.run(["pdftoppm", "-r", "60", "-png", "preview.pdf", "preview"], cwd=tmp_path, check=True)
    text = subprocess.run(["pdftotext", "preview.pdf", "-"], cwd=tmp_path, capture_output=True, text=True).stdout
    assert "预览稿 · 未签发" in text and "鄂市监消〔2026〕2号" in text and "关于验收结果的通报" in text
    wrong = client.post(f"/city/notices/{notice.id}/sign", data={"pin": "000000"}, follow_redirects=True)
    assert "未签发" in wrong.get_data(as_text=True)
    done = client.post(f"/city/notices/{notice.id}/sign", data={"pin": PIN}, follow_redirects=True)
    assert "已签发：鄂市监消〔2026〕2号" in done.get_data(as_text=True)
    published = client.post(f"/city/notices/{notice.id}/publish", follow_redirects=True).get_data(as_text=True)
    assert "已发布" in published
    session.expire_all()
    assert session.get(ResultsNotice, notice.id).status is rules.NoticeStatus.PUBLISHED


def test_a_notice_changed_since_the_page_was_read_is_not_signed(app, client, auth, session, city_season):
    city, campaign = city_season["city"], city_season["campaign"]
    notice = notices.start_draft(session, city.actor, city, campaign.id, TODAY)
    auth.login("city.center")
    seen = rules.digest(notice.number, notice.title, notice.body)
    assert f'name="seen" value="{seen}"' in client.get("/city/notices").get_data(as_text=True)
    notices.edit_notice(session, city.actor, notice.id, notice.number, notice.title, "各旗区：\n另一份正文。")
    refused = client.post(f"/city/notices/{notice.id}/sign", data={"pin": PIN, "seen": seen}, follow_redirects=True)
    assert "已被修改或签发，未签发" in refused.get_data(as_text=True)
    session.expire_all()
    assert notice.status is rules.NoticeStatus.DRAFT and notice.pdf_key is None
    assert session.scalar(select(func.count()).select_from(SigningPinFailure)) == 0  # the PIN was never tried


def test_redrafting_writes_the_body_from_the_figures_again_and_keeps_number_and_title(session, campaign, hand_made):
    city = hand_made["city"]
    notice = notices.start_draft(session, city.actor, city, campaign.id, TODAY)
    notices.edit_notice(session, city.actor, notice.id, "鄂市监消〔2026〕9号", "改过的标题", "各旗区：\n改过的正文。")
    notices.redraft(session, city.actor, notice.id)
    session.expire_all()
    assert (notice.number, notice.title) == ("鄂市监消〔2026〕9号", "改过的标题")
    assert notice.body == notice_draft.draft_text(session, city.actor, campaign) and "东胜4号服务站" in notice.body
    assert {"draft_notice", "edit_notice", "redraft_notice"} <= set(session.scalars(select(AuditEntry.action)))


def test_an_order_whose_inspection_was_returned_keeps_its_own_reasons(session, campaign, hand_made):
    """The district returned the 60-point inspection after its order was issued: the order still stands, and the
    notice gives the district's reason for it, not the city's spot check."""
    low = session.scalars(select(Inspection).where(Inspection.station_id == hand_made["ds"][2].id)).one()
    low.status = InspectionStatus.RETURNED
    session.commit()
    body = notice_draft.draft_text(session, hand_made["city"].actor, campaign)
    line = next(line for line in body.splitlines() if "东胜3号服务站" in line)
    assert "得分未达到合格线" in line and "整改中" in line and "市级抽查" not in line
