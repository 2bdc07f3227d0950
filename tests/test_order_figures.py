"""The city sees each district's rectification orders counted by state, on the dashboard and in its report; an
order moving after the preview expires it."""

from __future__ import annotations

import re
import subprocess
from datetime import timedelta

from spot_factory import inspect
from support import TODAY, make_station, make_user

from inspect_app.city import figures
from inspect_app.city import report as city_report
from inspect_app.domain.follow_up.rectification import OrderStatus
from inspect_app.models import RectificationOrder


def _orders(session, campaign):
    """东胜区: one issued and past its deadline, one completed, one draft; 康巴什区: one escalated."""
    inspector, other = make_user(session, "inspector", "150602"), make_user(session, "inspector", "150603")
    made = []
    for code, person, status, days in (
        ("150602", inspector, OrderStatus.ISSUED, -3),
        ("150602", inspector, OrderStatus.COMPLETED, 10),
        ("150602", inspector, OrderStatus.DRAFT, 30),
        ("150603", other, OrderStatus.ESCALATED, -1),
    ):
        station = make_station(session, code)
        own = inspect(session, campaign, station, person, A2=("fail", None))
        made.append(
            RectificationOrder(
                inspection_id=own.id,
                station_id=station.id,
                campaign_id=campaign.id,
                district_id=station.district_id,
                status=status,
                items=[],
                deadline=TODAY + timedelta(days=days),
                inspector_id=person.id,
            )
        )
    session.add_all(made)
    session.commit()
    return made


def test_the_dashboard_counts_each_districts_orders(client, session, campaign, login_as):
    _orders(session, campaign)
    city = make_user(session, "city")
    board = figures.dashboard(session, city.actor, campaign)
    rows = {name: counts.shown for name, counts in board.order_rows}
    assert rows["东胜区"] == {
        "已下达": 2,
        "整改中": 1,
        "其中逾期": 1,
        "待决定": 0,
        "整改完成": 1,
        "已撤销": 0,
        "待下达": 1,
    }
    assert rows["康巴什区"]["待决定"] == 1 and rows["康巴什区"]["已下达"] == 1
    assert rows["鄂尔多斯市"] == {
        "已下达": 3,
        "整改中": 1,
        "其中逾期": 1,
        "待决定": 1,
        "整改完成": 1,
        "已撤销": 0,
        "待下达": 1,
    }
    assert rows["达拉特旗"]["已下达"] == 0
    login_as("city")
    page = client.get(f"/city/dashboard?campaign={campaign.id}").get_data(as_text=True)
    assert 'id="orders"' in page and '<b class="overdue">1</b>' in page


def test_the_city_report_counts_the_orders_and_a_moved_order_expires_its_preview(app, session, campaign, tmp_path):
    made = _orders(session, campaign)
    city = make_user(session, "city")
    report = city_report.build_preview(
        session, city.actor, app.extensions["filestore"], city, campaign.id, tmp_path, TODAY
    )
    pdf = tmp_path / "city-report.pdf"
    pdf.write_bytes(app.extensions["filestore"].read(report.preview_key))
    words = re.sub(r"\s+", " ", subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout)
    assert "整改通知" in words and "已下达 整改中 其中逾期 待决定 整改完成 已撤销 待下达" in words
    assert "东胜区 2 1 1 0 1 0 1" in words and "鄂尔多斯市 3 1 1 1 1 0 1" in words
    assert city_report.changes(session, city.actor, report, TODAY) == []
    made[3].status = OrderStatus.RETIRED  # 康巴什区 retires the station after the preview
    session.commit()
    assert city_report.changes(session, city.actor, report, TODAY) == ["整改通知"]
