"""The rectification-order pages with the test client: the leader drafts, edits, issues with the PIN and decides;
the inspector and the city read; another district is answered 404; every form carries its CSRF token."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from order_support import SIGNBOARD_NOTE, order_world
from sqlalchemy import select
from support import PIN

from inspect_app.domain.directory.stations import StationStatus
from inspect_app.domain.follow_up.rectification import OrderStatus
from inspect_app.follow_up import orders
from inspect_app.models import RectificationOrder, Station
from inspect_app.web.context import today


@pytest.fixture
def world(app, session, campaign):
    return order_world(app, session, campaign)


def _text(response) -> str:
    return response.get_data(as_text=True)


def _order(session) -> RectificationOrder:
    session.expire_all()
    return session.scalars(select(RectificationOrder)).one()


def _drafted(client, auth, session) -> RectificationOrder:
    auth.login("leader.ds")
    response = client.post("/review/orders/draft", follow_redirects=True)
    assert "已起草1份整改通知" in _text(response)
    return _order(session)


def _issued(client, auth, session, order: RectificationOrder | None = None) -> RectificationOrder:
    order = order or _drafted(client, auth, session)
    response = client.post(f"/review/orders/{order.id}/issue", data={"pin": PIN}, follow_redirects=True)
    assert "已下达整改通知书 东胜市监整改〔2026〕1号" in _text(response)
    return _order(session)


def test_the_leader_drafts_from_the_list_and_reads_the_order(client, auth, session, world):
    auth.login("leader.ds")
    page = _text(client.get("/review/orders/"))
    assert "还没有整改通知" in page and "起草整改通知" in page
    order = _drafted(client, auth, session)
    assert "没有需要新起草的整改通知" in _text(client.post("/review/orders/draft", follow_redirects=True))
    listing = _text(client.get("/review/orders/"))
    assert "东胜万达广场12315消费维权服务站" in listing and "待下达" in listing and "2项问题" in listing
    page = _text(client.get(f"/review/orders/{order.id}"))
    assert SIGNBOARD_NOTE in page and "否决项" in page and "签名并下达" in page and "修改草稿" in page
    assert "延期整改" not in page and "下载整改通知书" not in page


def test_a_draft_is_edited_and_bad_input_changes_nothing(client, auth, session, world):
    order = _drafted(client, auth, session)
    response = client.post(
        f"/review/orders/{order.id}/edit",
        data={"deadline": "2020-01-01", "inspector": world["inspector"].id},
        follow_redirects=True,
    )
    assert "整改期限应晚于今天" in _text(response)
    assert _order(session).deadline == order.deadline
    new = today() + timedelta(days=14)
    response = client.post(
        f"/review/orders/{order.id}/edit",
        data={"deadline": new.isoformat(), "inspector": world["inspector"].id},
        follow_redirects=True,
    )
    assert "已保存" in _text(response) and _order(session).deadline == new


def test_issued_with_the_pin_the_signed_notice_downloads(client, auth, session, world):
    order = _drafted(client, auth, session)
    wrong = client.post(f"/review/orders/{order.id}/issue", data={"pin": "000000"}, follow_redirects=True)
    assert "未下达：签名PIN错误" in _text(wrong) and _order(session).status is OrderStatus.DRAFT
    order = _issued(client, auth, session, order)
    page = _text(client.get(f"/review/orders/{order.id}"))
    assert "东胜市监整改〔2026〕1号" in page and "下载整改通知书" in page and "签名并下达" not in page
    pdf = client.get(f"/review/orders/{order.id}/notice.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert hashlib.sha256(pdf.data).hexdigest() == order.notice_sha256


def test_another_district_gets_404_everywhere(client, auth, session, world):
    order = _issued(client, auth, session)
    auth.logout()
    auth.login("leader.kbs")
    assert client.get(f"/review/orders/{order.id}").status_code == 404
    assert client.get(f"/review/orders/{order.id}/notice.pdf").status_code == 404
    assert client.post(f"/review/orders/{order.id}/extend", data={"reason": "x"}).status_code == 404
    assert "东胜万达广场" not in _text(client.get("/review/orders/"))
    auth.logout()
    auth.login("insp.kbs")
    assert client.get(f"/review/orders/{order.id}").status_code == 404


def test_the_inspector_reads_issued_orders_assigned_to_them(client, auth, session, world):
    order = _drafted(client, auth, session)
    auth.logout()
    auth.login("insp.ds")
    assert "没有分配给您的整改通知" in _text(client.get("/inspect/orders"))  # a draft is not theirs yet
    auth.logout()
    auth.login("leader.ds")
    order = _issued(client, auth, session, order)
    auth.logout()
    auth.login("insp.ds")
    listing = _text(client.get("/inspect/orders"))
    assert "东胜万达广场" in listing and "整改中" in listing
    page = _text(client.get(f"/review/orders/{order.id}"))
    assert SIGNBOARD_NOTE in page and "延期整改" not in page and "签名并下达" not in page
    assert f'action="/inspect/orders/{order.id}/recheck"' in page
    assert client.post(f"/review/orders/{order.id}/retire", data={"reason": "x"}).status_code == 403


def test_overdue_orders_stand_out_for_the_city_and_the_leader_decides(client, auth, session, world, login_as):
    order = _issued(client, auth, session)
    session.get(RectificationOrder, order.id).deadline = today() - timedelta(days=2)
    session.commit()
    auth.logout()
    login_as("city", username="city.orders")
    city = _text(client.get("/city/orders"))
    assert "东胜区" in city and "已逾期2天" in city and "overdue" in city
    auth.logout()
    orders.escalate_overdue(session, today())
    auth.login("leader.ds")
    page = _text(client.get(f"/review/orders/{order.id}"))
    assert "待决定" in page and "延期整改" in page and "撤销服务站" in page
    refused = client.post(
        f"/review/orders/{order.id}/extend",
        data={"deadline": (today() + timedelta(days=20)).isoformat(), "reason": " "},
        follow_redirects=True,
    )
    assert "延期须填写原因" in _text(refused) and _order(session).status is OrderStatus.ESCALATED
    retired = client.post(f"/review/orders/{order.id}/retire", data={"reason": "依托单位已停业"}, follow_redirects=True)
    assert "已撤销该服务站" in _text(retired) and "依托单位已停业" in _text(retired)
    assert session.get(Station, world["failing"].id).status is StationStatus.RETIRED


def test_due_soon_orders_are_labelled_on_the_leaders_list(client, auth, session, world):
    order = _issued(client, auth, session)
    session.get(RectificationOrder, order.id).deadline = today() + timedelta(days=3)
    session.commit()
    listing = _text(client.get("/review/orders/"))
    assert "3天后到期" in listing and "due-soon" in listing
    assert re.search(r"<b>1</b><span>7天内到期</span>", listing)


def test_the_forms_need_their_csrf_token(app, client, auth, session, world):
    order = _drafted(client, auth, session)
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post(f"/review/orders/{order.id}/issue", data={"pin": PIN})
    assert response.status_code == 400 and _order(session).status is OrderStatus.DRAFT
    page = _text(client.get(f"/review/orders/{order.id}"))
    assert page.count('name="csrf_token"') >= 3  # sign-out, edit, issue
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post(f"/review/orders/{order.id}/issue", data={"pin": PIN, "csrf_token": token})
    assert response.status_code == 302 and _order(session).status is OrderStatus.ISSUED


def test_navigation_leads_to_the_orders(client, auth, login_as, world):
    auth.login("leader.ds")
    assert 'href="/review/orders/"' in _text(client.get("/review/"))
    auth.logout()
    auth.login("insp.ds")
    assert 'href="/inspect/orders"' in _text(client.get("/inspect/orders"))
    auth.logout()
    login_as("city", username="city.nav")
    assert 'href="/city/orders"' in _text(client.get("/city/"))
