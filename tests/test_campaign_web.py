"""The campaign pages (list, create, edit, open, close) and the chosen campaign on every page about one."""

from __future__ import annotations

import re
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, select
from support import make_station, make_user

from inspect_app.campaigns import operations as campaigns
from inspect_app.demo.seed import default_template
from inspect_app.domain.campaigns import CampaignState
from inspect_app.domain.checklists.checklist import Outcome
from inspect_app.domain.findings import BEIJING
from inspect_app.domain.inspections import InspectionStatus
from inspect_app.models import AuditEntry, Campaign, District, Inspection


def ids(session, *codes) -> list[str]:
    return [str(i) for i in session.scalars(select(District.id).where(District.code.in_(codes)))]


def all_districts(session) -> list[str]:
    return [str(i) for i in session.scalars(select(District.id))]


@pytest.fixture
def version(session):
    return campaigns.load_checklist_version(session, default_template())[0]


@pytest.fixture
def two_years(session, make_campaign):
    """2025 closed and 2026 open, both on all nine districts; the city and an inspector and leader of 东胜区."""
    city = make_user(session, "city", username="city.center")
    older = make_campaign(name="2025年度自查验收", starts_on=date(2025, 9, 1), deadline=date(2025, 12, 15))
    newer = make_campaign()
    campaigns.close_campaign(session, city.actor, older.id)
    make_user(session, "inspector", "150602", username="insp.ds")
    make_user(session, "leader", "150602", username="leader.ds")
    return {"older": older, "newer": newer, "city": city}


def selected(page: str) -> str:
    """The campaign the page's switcher shows as chosen."""
    found = re.search(r'<option value="\d+" selected>([^<（]+)', page)
    return found.group(1) if found else ""


def test_the_list_shows_each_campaign_with_its_state_and_drafts_only_to_those_who_manage(
    client, session, auth, two_years, version
):
    draft = campaigns.prepare_campaign(
        session,
        two_years["city"].actor,
        {
            "name": "2027年度自查验收",
            "starts_on": "2027-09-01",
            "deadline": "2027-12-15",
            "checklist_version": str(version.id),
            "districts": ids(session, "150602"),
        },
    )
    auth.login("city.center")
    page = client.get("/campaigns/").get_data(as_text=True)
    assert "新建验收批次" in page and "2027年度自查验收" in page
    assert "筹备中" in page and "进行中" in page and "已结束" in page and "覆盖旗区：东胜区" in page
    client.post("/logout")
    auth.login("insp.ds")
    page = client.get("/campaigns/").get_data(as_text=True)
    assert "2027年度自查验收" not in page and "新建验收批次" not in page and "2026年度自查验收" in page
    assert client.get(f"/campaigns/{draft.id}/checklist").status_code == 404
    assert client.get("/campaigns/new").status_code == 403


def test_the_create_form_names_every_bad_field_in_chinese_and_stores_nothing(client, session, auth, two_years):
    auth.login("city.center")
    page = client.get("/campaigns/new").get_data(as_text=True)
    for label in ("批次名称", "开始日期", "截止日期", "核查表版本", "东胜区", "伊金霍洛旗"):
        assert re.search(rf"<label[^>]*>\s*(<input[^>]*>\s*)?{label}", page), label
    assert page.count('name="districts"') == 9 and page.count("checked") == 9  # all nine by default
    year = max(datetime.now(BEIJING).year, 2027)  # the year after the newest campaign, this year at the earliest
    assert f'value="{year}年度自查验收"' in page and f'value="{year}-09-01"' in page
    response = client.post(
        "/campaigns/new",
        data={
            "name": "",
            "starts_on": "2027-09-01",
            "deadline": "2027-08-01",
            "checklist_version": "",
            "districts": [],
        },
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    for message in ("请填写批次名称", "截止日期不能早于开始日期", "请选择核查表版本", "请至少选择一个旗区"):
        assert message in text, message
    assert 'value="2027-09-01"' in text  # what was typed stays
    assert session.scalar(select(func.count()).select_from(Campaign)) == 2


def test_a_campaign_is_created_edited_opened_and_closed_from_the_pages(client, session, auth, two_years, version):
    auth.login("city.center")
    response = client.post(
        "/campaigns/new",
        data={
            "name": "2027年度自查验收",
            "starts_on": "2027-09-01",
            "deadline": "2027-12-15",
            "checklist_version": str(version.id),
            "districts": all_districts(session),
        },
    )
    assert response.status_code == 302
    campaign = session.scalar(select(Campaign).where(Campaign.name == "2027年度自查验收"))
    assert response.location.endswith(f"/campaigns/{campaign.id}/edit") and campaign.state is CampaignState.DRAFT
    page = client.get(response.location).get_data(as_text=True)
    assert "已创建验收批次“2027年度自查验收”（筹备中）" in page and "开放批次" in page

    confirm = client.get(f"/campaigns/{campaign.id}/open").get_data(as_text=True)
    assert "开放后，所覆盖旗区的检查员即可看到本批次并开始检查" in confirm and "确认开放" in confirm
    opened = client.post(f"/campaigns/{campaign.id}/open", follow_redirects=True).get_data(as_text=True)
    assert "“2027年度自查验收”已开放" in opened and "结束批次" in opened
    session.refresh(campaign)
    assert campaign.state is CampaignState.OPEN

    # Once open, the dates and districts still change; the name is shown, not edited.
    edit = client.get(f"/campaigns/{campaign.id}/edit").get_data(as_text=True)
    assert re.search(r'<input[^>]*name="name"[^>]*readonly', edit)
    saved = client.post(
        f"/campaigns/{campaign.id}/edit",
        data={
            "name": "2027年度自查验收",
            "starts_on": "2027-09-01",
            "deadline": "2027-12-31",
            "checklist_version": str(version.id),
            "districts": ids(session, "150602", "150603"),
        },
        follow_redirects=True,
    )
    assert "已保存" in saved.get_data(as_text=True)
    session.refresh(campaign)
    assert campaign.deadline == date(2027, 12, 31) and len(campaign.districts) == 2

    confirm = client.get(f"/campaigns/{campaign.id}/close").get_data(as_text=True)
    assert "结束后，本批次的检查、审核、证据包和市中心的处理都将只读" in confirm and "确认结束" in confirm
    client.post(f"/campaigns/{campaign.id}/close")
    session.refresh(campaign)
    assert campaign.state is CampaignState.CLOSED
    closed = client.get(f"/campaigns/{campaign.id}/edit").get_data(as_text=True)
    assert "已结束的验收批次不能再修改" in closed and "保存修改" not in closed
    for line in ("创建验收批次", "开放验收批次", "修改验收批次", "结束验收批次"):
        assert line in closed, line  # the campaign's history
    refused = client.post(
        f"/campaigns/{campaign.id}/edit",
        data={
            "name": "2027年度自查验收",
            "starts_on": "2027-09-01",
            "deadline": "2028-01-31",
            "checklist_version": str(version.id),
            "districts": ids(session, "150602"),
        },
        follow_redirects=True,
    )
    assert "已结束的验收批次不能再修改" in refused.get_data(as_text=True)
    session.refresh(campaign)
    assert campaign.deadline == date(2027, 12, 31)


def test_pages_show_the_chosen_campaign_and_keep_the_choice_for_the_sign_in(client, session, auth, two_years):
    older, newer = two_years["older"], two_years["newer"]
    auth.login("insp.ds")
    board = client.get("/inspect/").get_data(as_text=True)
    assert selected(board) == "2026年度自查验收" and '<label for="campaign-choice">验收批次</label>' in board
    assert "2025年度自查验收（已结束）" in board
    earlier = client.get(f"/inspect/?campaign={older.id}").get_data(as_text=True)
    assert selected(earlier) == "2025年度自查验收" and "已结束，内容只读" in earlier
    assert selected(client.get("/inspect/").get_data(as_text=True)) == "2025年度自查验收"  # kept
    assert client.get("/api/v1/bootstrap").get_json()["campaign"]["id"] == older.id
    assert client.get("/inspect/?campaign=99999").status_code == 404
    assert client.get("/inspect/?campaign=x").status_code == 404
    client.post("/logout")
    auth.login("insp.ds")  # a new sign-in starts where the work is
    assert selected(client.get("/inspect/").get_data(as_text=True)) == "2026年度自查验收"
    assert client.get("/api/v1/bootstrap").get_json()["campaign"]["id"] == newer.id


def test_every_page_about_a_campaign_names_it_and_offers_the_earlier_one(client, session, auth, two_years):
    older = two_years["older"]
    ds = session.scalar(select(District.id).where(District.code == "150602"))
    pages = {
        "insp.ds": ["/inspect/"],
        "leader.ds": ["/review/", "/review/bundle/"],
        "city.center": ["/city/", "/city/dashboard", "/city/report", f"/city/districts/{ds}", "/"],
    }
    for username, urls in pages.items():
        auth.login(username)
        for url in urls:
            page = client.get(url).get_data(as_text=True)
            assert selected(page) == "2026年度自查验收" and "2025年度自查验收（已结束）" in page, url
            sep = "&" if "?" in url else "?"
            earlier = client.get(f"{url}{sep}campaign={older.id}").get_data(as_text=True)
            assert selected(earlier) == "2025年度自查验收" and "已结束" in earlier, url
            client.get(f"{url}{sep}campaign={two_years['newer'].id}")
        client.post("/logout")
    auth.login("insp.ds")
    body = client.get("/api/v1/bootstrap").get_json()
    assert body["campaign"]["name"] == "2026年度自查验收" and body["campaign"]["state"] == "open"
    assert body["campaign"]["inspectable"] is True and body["campaign"]["notice"] is None
    assert [c["name"] for c in body["campaigns"]] == ["2026年度自查验收", "2025年度自查验收"]
    body = client.get(f"/api/v1/bootstrap?campaign={older.id}").get_json()
    assert body["campaign"]["state_label"] == "已结束" and body["campaign"]["inspectable"] is False
    assert "已结束" in body["campaign"]["notice"]


def test_a_closed_campaign_offers_no_changes_on_its_pages(client, session, auth, two_years, version):
    older = two_years["older"]
    station, spare = make_station(session, "150602"), make_station(session, "150602")
    inspector = make_user(session, "inspector", "150602", username="insp.two")
    inspection = Inspection(
        station_id=station.id,
        campaign_id=older.id,
        inspector_id=inspector.id,
        checklist_version_id=version.id,
        status=InspectionStatus.IN_PROGRESS,
        score=0.0,
    )
    session.add(inspection)
    session.commit()
    auth.login("insp.two")
    board = client.get(f"/inspect/?campaign={older.id}").get_data(as_text=True)
    assert "开始检查" not in board and "继续检查" not in board
    assert f'href="/inspect/inspections/{inspection.id}"' in board
    assert (
        client.post(
            f"/inspect/stations/{spare.id}/open", data={"campaign": older.id}, follow_redirects=True
        ).status_code
        == 200
    )
    assert session.scalar(select(func.count()).select_from(Inspection)) == 1
    page = client.get(f"/inspect/inspections/{inspection.id}").get_data(as_text=True)
    assert "“2025年度自查验收”已结束，内容只读" in page
    assert "/submit" not in page and "提交检查结果" not in page and 'name="answer-A1"' not in page
    refused = client.post(
        f"/inspect/inspections/{inspection.id}/answers", data={"answer-A1": "pass"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "已结束，内容只读" in refused
    client.post("/logout")
    auth.login("leader.ds")
    bundle = client.get(f"/review/bundle/?campaign={older.id}").get_data(as_text=True)
    assert "已结束，内容只读" in bundle and 'name="narrative"' not in bundle
    client.post("/logout")
    auth.login("city.center")
    report = client.get(f"/city/report?campaign={older.id}").get_data(as_text=True)
    assert "已结束，内容只读" in report and "签字并生成汇总报告" not in report


def test_the_inspector_starts_an_inspection_in_the_campaign_the_board_showed(client, session, auth, two_years):
    station = make_station(session, "150602")
    auth.login("insp.ds")
    board = client.get("/inspect/").get_data(as_text=True)
    assert f'name="campaign" value="{two_years["newer"].id}"' in board
    response = client.post(f"/inspect/stations/{station.id}/open", data={"campaign": two_years["newer"].id})
    assert response.status_code == 302
    assert session.scalar(select(Inspection.campaign_id)) == two_years["newer"].id
    api = client.post("/api/v1/inspections", json={"station_id": station.id, "campaign_id": two_years["older"].id})
    assert api.status_code == 422 and "已结束" in api.get_json()["error"]["message"]


def test_the_station_page_lists_its_results_over_the_years(client, session, auth, two_years, version):
    station = make_station(session, "150602")
    inspector = make_user(session, "inspector", "150602")
    made = []
    for campaign, score, outcome in (
        (two_years["older"], 72.5, Outcome.RECTIFY),
        (two_years["newer"], 91.0, Outcome.DEMONSTRATION_ELIGIBLE),
    ):
        inspection = Inspection(
            station_id=station.id,
            campaign_id=campaign.id,
            inspector_id=inspector.id,
            checklist_version_id=version.id,
            status=InspectionStatus.ACCEPTED,
            score=score,
            outcome=outcome,
            submitted_at=datetime(2025, 10, 1, tzinfo=timezone.utc),
        )
        session.add(inspection)
        made.append(inspection)
    session.commit()
    auth.login("leader.ds")
    page = client.get(f"/directory/{station.id}").get_data(as_text=True)
    section = page[page.index("历年验收结果") :]
    assert section.index("2026年度自查验收") < section.index("2025年度自查验收")
    assert "91.0" in section and "可推荐示范站" in section and "72.5" in section and "需整改" in section
    for inspection in made:
        assert f'href="/inspect/inspections/{inspection.id}"' in section


def test_the_dashboard_compares_each_district_with_its_previous_campaign(client, session, auth, two_years, version):
    station = make_station(session, "150602")
    inspector = make_user(session, "inspector", "150602")
    for campaign, score, outcome in (
        (two_years["older"], 72.5, Outcome.RECTIFY),
        (two_years["newer"], 91.0, Outcome.PASS),
    ):
        session.add(
            Inspection(
                station_id=station.id,
                campaign_id=campaign.id,
                inspector_id=inspector.id,
                checklist_version_id=version.id,
                status=InspectionStatus.ACCEPTED,
                score=score,
                outcome=outcome,
            )
        )
    session.commit()
    auth.login("city.center")
    page = client.get("/city/dashboard").get_data(as_text=True)
    assert "比上一批次" in page and "各旗区平均得分：本批次与上一批次" in page
    row = page[page.index('<td data-label="旗区">东胜区</td>') :]
    row = row[: row.index("</tr>")]
    assert "平均分 +18.5分，合格率 +100.0个百分点" in row
    first = client.get(f"/city/dashboard?campaign={two_years['older'].id}").get_data(as_text=True)
    assert "无上一批次" in first and "本批次与上一批次" not in first


def test_the_demo_creates_its_campaign_through_the_use_case_and_opens_it(runner, session):
    result = runner.invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    campaign = session.scalar(select(Campaign))
    assert campaign.name == "2026年度自查验收" and campaign.state is CampaignState.OPEN and len(campaign.districts) == 9
    entries = session.execute(
        select(AuditEntry.action, AuditEntry.user_id)
        .where(AuditEntry.target_type == "campaign")
        .order_by(AuditEntry.seq)
    ).all()
    city = session.scalar(select(func.min(AuditEntry.user_id)).where(AuditEntry.target_type == "campaign"))
    assert [a for a, _ in entries] == ["create_campaign", "open_campaign"] and city is not None


@pytest.mark.parametrize("day, proposed", [(date(2026, 6, 1), "2026"), (date(2026, 12, 2), "2027")])
def test_an_empty_install_proposes_this_years_campaign_until_its_deadline_has_passed(
    client, session, auth, version, monkeypatch, day, proposed
):
    from inspect_app.campaigns import views as campaign_pages

    make_user(session, "city", username="city.center")
    monkeypatch.setattr(campaign_pages, "today", lambda: day)
    auth.login("city.center")
    page = client.get("/campaigns/new").get_data(as_text=True)
    assert f'value="{proposed}年度自查验收"' in page and f'value="{proposed}-11-01"' in page
