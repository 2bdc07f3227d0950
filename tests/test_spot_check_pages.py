"""The city's spot-check pages through the test client, the reliability on the city dashboard and in the city report,
and city-inspector accounts made by the admin's page and import."""

from __future__ import annotations

import io
import re
import subprocess

from spot_factory import compared_season, inspect
from sqlalchemy import func, select
from support import TODAY, make_station, make_user, xlsx

from inspect_app.campaigns import operations as campaigns
from inspect_app.city import report as city_report
from inspect_app.domain.identity.permissions import Role
from inspect_app.domain.inspections import InspectionStatus
from inspect_app.models import Inspection, RectificationOrder, User
from inspect_app.models.follow_up import SampledStation, SpotCheckSample


def text_of(page: str) -> str:
    """The page's words, tags dropped (cells and lines joined by spaces)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def season(session, campaign, stations: int = 3):
    inspector = make_user(session, "inspector", "150602")
    for _ in range(stations):
        inspect(session, campaign, make_station(session, "150602"), inspector)
    return inspector


def test_the_city_draws_a_sample_and_the_page_shows_how(client, session, campaign, login_as):
    season(session, campaign)
    login_as("city")
    page = client.get("/city/spot-checks/").get_data(as_text=True)
    assert "抽取样本" in page and "目前共 3 个服务站" in page and "抽样过程" not in page
    for wrong, message in (("abc", "请填写抽查比例（1至100的整数）"), ("0", "抽查比例应在1%至100%之间")):
        refused = client.post("/city/spot-checks/draw", data={"percent": wrong}, follow_redirects=True)
        assert message in refused.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(SpotCheckSample)) == 0
    drawn = client.post("/city/spot-checks/draw", data={"percent": "50"}, follow_redirects=True)
    sample = session.scalars(select(SpotCheckSample)).one()
    words = text_of(drawn.get_data(as_text=True))
    # 3 × 50% = 1.5 → 2 stations of the one stratum (东胜区, 可推荐示范站): its three ranked, two drawn.
    assert f"已按 50% 抽取 2 个服务站，随机种子 {sample.seed}" in words
    assert f"随机种子 {sample.seed}" in words and "抽查比例 50%" in words
    assert "东胜区 150602 可推荐示范站 demonstration_eligible 3 2" in words and "合计 3 2" in words
    assert "全部 3 个服务站的排序值" in words and all(row.rank in words for row in sample.stations)
    assert words.count("✓") == 2 * 2  # the drawn, then again in the full ranking
    assert "还没有市级检查员账号" in words and words.count("未指派") == 2


def test_a_closed_campaigns_sample_page_offers_no_draw_and_no_assignment(client, session, campaign, login_as):
    season(session, campaign, 1)
    city = login_as("city")
    make_user(session, "city_inspector", username="checker.closed")
    client.post("/city/spot-checks/draw", data={"percent": "100"})
    campaigns.close_campaign(session, city.actor, campaign.id)
    page = client.get("/city/spot-checks/").get_data(as_text=True)
    assert "已结束，内容只读" in page and "spot-draw" not in page and "/assign" not in page
    row = session.scalars(select(SampledStation)).one()
    refused = client.post("/city/spot-checks/draw", data={"percent": "50"}, follow_redirects=True)
    assert "已结束，内容只读" in refused.get_data(as_text=True)
    session.expire_all()
    assert session.scalars(select(SampledStation)).one().id == row.id


def test_the_city_assigns_a_sampled_station_to_a_city_inspector(client, session, campaign, login_as):
    season(session, campaign, 1)
    city = login_as("city")
    checker = make_user(session, "city_inspector", username="checker.web")
    client.post("/city/spot-checks/draw", data={"percent": "100"})
    row = session.scalars(select(SampledStation)).one()
    wrong = client.post(f"/city/spot-checks/stations/{row.id}/assign", data={"inspector": str(city.id)})
    assert "请选择一名在用的市级检查员" in client.get(wrong.location).get_data(as_text=True)
    done = client.post(
        f"/city/spot-checks/stations/{row.id}/assign", data={"inspector": str(checker.id)}, follow_redirects=True
    )
    assert f"已将{row.station.name}指派给测试市级检查员" in done.get_data(as_text=True)
    session.refresh(row)
    assert row.inspector_id == checker.id
    assert "未检查" in text_of(client.get("/city/spot-checks/").get_data(as_text=True))
    assert (
        client.post("/city/spot-checks/stations/999999/assign", data={"inspector": str(checker.id)}).status_code == 404
    )


def test_the_comparisons_page_shows_differences_items_and_reliability(client, session, campaign, auth):
    found = compared_season(session, campaign)
    auth.login(found["city"].username)
    words = text_of(client.get("/city/spot-checks/comparisons").get_data(as_text=True))
    assert "逐站比对（2 / 3 个已完成）" in words
    # X: 100 → 90, 可推荐示范站 → 需整改; A2 and C4 disagree, both answers shown.
    assert "旗区 100.0 → 市级 90.0（分差 −10.0 ）" in words and "可推荐示范站 → 需整改 结论改变" in words
    assert re.search(r"A2 \S+.*? 符合 不符合 C4 .*? 符合（8分） 符合（4分）", words)
    assert "可起草整改通知，由旗区分管领导下达" in words and words.count("由旗区分管领导下达") == 1  # X only
    # Y: 98 → 97, the outcome kept.
    assert "旗区 98.0 → 市级 97.0（分差 −1.0 ）" in words
    assert "东胜区 2 2 1 50.0% 5.5" in words and "康巴什区 1 0 0 — —" in words and "全市 3 2 1 50.0% 5.5" in words
    sample = text_of(client.get("/city/spot-checks/").get_data(as_text=True))
    assert sample.count("已提交") == 2 and "进行中" in sample and "改派" not in sample  # every one started


def test_the_city_dashboard_shows_each_districts_reliability(client, session, campaign, auth, login_as):
    login_as("city")
    assert "本批次尚未抽取市级抽查样本" in client.get("/city/dashboard").get_data(as_text=True)
    found = compared_season(session, campaign)
    auth.login(found["city"].username)
    words = text_of(client.get("/city/dashboard").get_data(as_text=True))
    assert "市级抽查 · 自查可靠性" in words
    assert "东胜区 2 2 1 50.0% 5.5" in words and "康巴什区 1 0 0 — —" in words and "鄂尔多斯市 3 2 1 50.0% 5.5" in words
    assert "鄂托克旗 0 0 0 — —" in words  # a district the campaign covers but the sample did not reach
    one = text_of(client.get(f"/city/dashboard?district={found['x'].district_id}").get_data(as_text=True))
    assert "东胜区 2 2 1 50.0% 5.5" in one and "康巴什区 1" not in one


def test_the_city_report_carries_the_reliability_and_a_new_spot_check_expires_it(app, session, campaign, tmp_path):
    found = compared_season(session, campaign)
    city = found["city"]
    report = city_report.build_preview(
        session, city.actor, app.extensions["filestore"], city, campaign.id, tmp_path, TODAY
    )
    pdf = tmp_path / "city-report.pdf"
    pdf.write_bytes(app.extensions["filestore"].read(report.preview_key))
    words = re.sub(r"\s+", " ", subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout)
    assert "市级抽查与自查可靠性" in words
    assert "东胜区 2 2 1 50.0% 5.5" in words and "全市 3 2 1 50.0% 5.5" in words
    z = session.scalars(select(Inspection).where(Inspection.station_id == found["z"].id, ~Inspection.is_own)).one()
    z.status = InspectionStatus.SUBMITTED
    session.commit()
    assert city_report.changes(session, city.actor, report, TODAY) == ["市级抽查可靠性"]


def test_the_admin_makes_city_inspectors_without_a_district(client, session, login_as):
    login_as("admin")
    assert "市级检查员" in client.get("/admin/users").get_data(as_text=True)
    client.post(
        "/admin/users",
        data={"username": "checker.page", "display_name": "王芳", "role": "city_inspector", "district": ""},
    )
    made = session.scalar(select(User).where(User.username == "checker.page"))
    assert made.role is Role.CITY_INSPECTOR and made.district_id is None
    page = client.post(
        "/admin/users/import",
        data={
            "file": (
                io.BytesIO(
                    xlsx(
                        [
                            ["登录名", "姓名", "角色", "所属旗区", "手机号"],
                            ["checker.import", "李强", "市级检查员", None, None],
                            ["checker.district", "赵敏", "市级检查员", "东胜区", None],
                        ]
                    )
                ),
                "账号.xlsx",
            )
        },
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "未导入任何账号" not in page
    imported = {u.username: u for u in session.scalars(select(User).where(User.role == Role.CITY_INSPECTOR))}
    assert set(imported) == {"checker.page", "checker.import", "checker.district"}
    assert all(u.district_id is None for u in imported.values())  # the city's roles see every district


def test_the_city_drafts_an_order_from_a_contradicting_spot_check(client, session, campaign, auth):
    found = compared_season(session, campaign)
    auth.login(found["city"].username)
    page = client.get("/city/spot-checks/comparisons").get_data(as_text=True)
    (action,) = re.findall(r'action="(/city/spot-checks/\d+/order)"', page)  # X only
    done = client.post(action, follow_redirects=True).get_data(as_text=True)
    assert "已为" in done and "起草整改通知，待东胜区分管领导下达" in done and "待下达" in done
    order = session.scalars(select(RectificationOrder)).one()
    assert order.status.value == "draft" and [item["code"] for item in order.items] == ["A2", "C4"]
    again = client.get("/city/spot-checks/comparisons").get_data(as_text=True)
    assert "整改通知（待下达）" in again and not re.findall(r'action="/city/spot-checks/\d+/order"', again)
