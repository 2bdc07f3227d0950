"""The public station page behind a plaque's QR code: exactly the listed facts, the right form for a withdrawn
plaque or a retired station, nothing of another station, no script, no cookie, small, cached and limited."""

from __future__ import annotations

import re

import pytest
from photo_factory import jpeg
from support import accepted_inspection, inline_code, make_station, make_user

from inspect_app.config import PROJECT_ROOT
from inspect_app.directory.operations import mark_retired
from inspect_app.domain.directory.public_page import PageKind, page_kind
from inspect_app.models import Inspection, Plaque, Station, StationStaff
from inspect_app.signboards import plaques, public

SCORE = re.compile(r"\d+(\.\d)?\s*分|得分|score", re.IGNORECASE)


def _portrait(app) -> str:
    return app.extensions["filestore"].put(jpeg(size=(600, 800), seed=7), "jpg")


@pytest.fixture
def plaque_station(app, session):
    """A Dongsheng station with two staff (one with a portrait), its own officer with a portrait, and a plaque."""
    station = make_station(
        session,
        "150602",
        name="东胜万达广场12315消费维权服务站",
        host_organisation="鄂尔多斯市万达商业管理有限公司",
        address="东胜区天骄北路万达广场一层服务台",
    )
    station.officer_name, station.officer_phone, station.officer_photo_key = "刘监管", "0477-8399001", _portrait(app)
    station.staff = [
        StationStaff(position=0, name="张站长", duty="站长", phone="13800000001", photo_key=_portrait(app)),
        StationStaff(position=1, name="李调解", duty="兼职调解员", phone="13800000002"),
    ]
    plaque = plaques.plaque_for_printing(session, None, station)
    session.commit()
    return station, plaque


def _page(client, plaque: Plaque):
    response = client.get(f"/s/{plaque.token}")
    return response, response.get_data(as_text=True)


def test_the_page_shows_the_plaques_facts_and_nothing_else(app, client, session, plaque_station):
    station, plaque = plaque_station
    response, html = _page(client, plaque)
    assert response.status_code == 200
    for shown in (
        station.name,
        station.host_organisation,
        station.address,
        "在册",
        "张站长",
        "站长",
        'href="tel:13800000001"',
        "李调解",
        "刘监管",
        'href="tel:0477-8399001"',
        'href="tel:12315"',
        "暂无验收记录",
    ):
        assert shown in html, shown
    assert "示范站</span>" not in html
    # Portraits only of those who have one: the first staff member and the officer.
    assert f"/s/{plaque.token}/staff/1.jpg" in html and f"/s/{plaque.token}/officer.jpg" in html
    assert "/staff/2.jpg" not in html
    # Nothing of the directory's own: no number, no row id, no credit code, no head's phone, no coordinates.
    for hidden in (station.number, station.credit_code, station.phone, "109.96", "39.82"):
        assert hidden not in html, hidden
    # Every address the page names: its (empty) icon, stylesheet, phone numbers and the plaque's own portraits.
    links = set(re.findall(r'(?:href|src)="([^"]*)"', html))
    # Each portrait's address names its content, so a cached copy never shows a face beside another's name.
    staff_photo, officer_photo = (
        k.rsplit("/", 1)[-1][:12] for k in (station.staff[0].photo_key, station.officer_photo_key)
    )
    portraits = {f"/s/{plaque.token}/staff/1.jpg?v={staff_photo}", f"/s/{plaque.token}/officer.jpg?v={officer_photo}"}
    phones = {"tel:13800000001", "tel:13800000002", "tel:0477-8399001", "tel:12315"}
    assert links == {"data:,", "/static/public.css"} | phones | portraits
    assert not SCORE.search(html)
    assert "<script" not in html.lower() and inline_code(html) == []


def test_the_last_acceptance_is_the_districts_accepted_inspection(app, client, session, campaign, plaque_station):
    station, plaque = plaque_station
    inspector = make_user(session, "inspector", "150602")
    leader = make_user(session, "leader", "150602")
    inspection = accepted_inspection(session, app, campaign, station, inspector, leader, 3)
    session.refresh(inspection)
    _, html = _page(client, plaque)
    on = inspection.reviewed_at.astimezone(public.BEIJING).date()
    assert f"{on.year}年{on.month}月{on.day}日" in html
    assert "<strong>合格</strong>" in html and "暂无验收记录" not in html
    assert inspection.outcome == "demonstration_eligible" and "可推荐示范站" not in html and "示范站</span>" not in html
    # No findings, scores, evidence photos or the inspection itself.
    assert not SCORE.search(html) and f">{inspection.score:g}<" not in html
    assert "/files/" not in html and "/inspect/" not in html and "/review/" not in html
    session.execute(Inspection.__table__.update().values(status="returned"))
    session.commit()
    assert "暂无验收记录" in _page(client, plaque)[1]


def test_a_demonstration_station_and_one_in_rectification_say_so(client, session, plaque_station):
    station, plaque = plaque_station
    station.is_demonstration = True
    session.commit()
    assert "示范站</span>" in _page(client, plaque)[1]
    station.status = station.status.__class__("rectifying")
    session.commit()
    assert "整改中" in _page(client, plaque)[1]


def test_a_retired_stations_old_address_says_so_and_nothing_more(client, session, plaque_station):
    station, plaque = plaque_station
    mark_retired(station)
    session.commit()
    response, html = _page(client, plaque)
    assert response.status_code == 200
    assert station.name in html and "已撤销" in html and "撤销日期" in html
    for hidden in ("张站长", "刘监管", "13800000001", station.address, station.host_organisation, "验收", ".jpg"):
        assert hidden not in html, hidden
    assert client.get(f"/s/{plaque.token}/staff/1.jpg").status_code == 404
    assert client.get(f"/s/{plaque.token}/officer.jpg").status_code == 404


def test_a_reissued_plaques_old_address_is_no_longer_in_use(app, client, session, plaque_station):
    station, old = plaque_station
    leader = make_user(session, "leader", "150602")
    new = plaques.reissue_plaque(session, leader.actor, station)
    _, html = _page(client, old)
    assert "此牌匾已停用，请以现场新牌匾为准" in html and station.name in html and "在册" in html
    assert "张站长" not in html and "刘监管" not in html and ".jpg" not in html
    assert client.get(f"/s/{old.token}/staff/1.jpg").status_code == 404
    _, current = _page(client, new)
    assert "张站长" in current and "此牌匾已停用" not in current
    # Retired later: every plaque of it, old or last, says 已撤销.
    mark_retired(station)
    session.commit()
    assert "已撤销" in _page(client, old)[1] and "已撤销" in _page(client, new)[1]


def test_another_stations_token_never_shows_this_ones_data(app, client, session, plaque_station):
    station, plaque = plaque_station
    other = make_station(session, "150603", name="康巴什12315消费维权服务站", address="康巴什区某路2号")
    other_plaque = plaques.plaque_for_printing(session, None, other)
    session.commit()
    _, html = _page(client, other_plaque)
    assert other.name in html
    for hidden in (station.name, station.address, "张站长", "刘监管"):
        assert hidden not in html
    assert client.get(f"/s/{other_plaque.token}/staff/1.jpg").status_code == 404
    assert client.get(f"/s/{plaque.token}/staff/1.jpg").status_code == 200


@pytest.mark.parametrize("token", ["x" * 24, "short", "A" * 65, "%3Cscript%3E" + "a" * 20, "1"])
def test_an_unknown_token_is_a_plain_404(client, session, plaque_station, token):
    response = client.get(f"/s/{token}")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "未找到该服务站" in html and "<script" not in html.lower()
    assert plaque_station[0].name not in html
    assert "Set-Cookie" not in response.headers


def test_portraits_are_small_jpegs_of_the_current_plaque(app, client, session, plaque_station):
    _, plaque = plaque_station
    for url in (f"/s/{plaque.token}/staff/1.jpg", f"/s/{plaque.token}/officer.jpg"):
        response = client.get(url)
        assert response.status_code == 200 and response.mimetype == "image/jpeg"
        assert response.data[:3] == b"\xff\xd8\xff" and len(response.data) < 30_000
        assert "public" in response.headers["Cache-Control"]
    assert client.get(f"/s/{plaque.token}/staff/2.jpg").status_code == 404  # has no portrait
    assert client.get(f"/s/{plaque.token}/staff/3.jpg").status_code == 404
    assert client.get(f"/s/{plaque.token}/staff/0.jpg").status_code == 404


def test_the_page_is_small_and_needs_no_script(client, session, plaque_station):
    _, plaque = plaque_station
    response, html = _page(client, plaque)
    css = (PROJECT_ROOT / "static" / "public.css").read_bytes()
    assert len(response.data) + len(css) < 20 * 1024
    assert "<script" not in html.lower()
    assert 'name="viewport"' in html and "public.css" in html


def test_the_page_is_cached_briefly_and_answers_304(client, session, plaque_station):
    station, plaque = plaque_station
    response, _ = _page(client, plaque)
    assert response.headers["Cache-Control"] == "public, max-age=300"
    etag = response.headers["ETag"]
    again = client.get(f"/s/{plaque.token}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    # Compressed, the page keeps its (weak) ETag: a phone that got it gzipped revalidates it all the same.
    gzipped = client.get(f"/s/{plaque.token}", headers={"Accept-Encoding": "gzip"})
    assert gzipped.headers["Content-Encoding"] == "gzip" and gzipped.headers["ETag"] == etag
    assert etag.startswith('W/"')
    assert client.get(f"/s/{plaque.token}", headers={"If-None-Match": etag, "Accept-Encoding": "br"}).status_code == 304
    mark_retired(station)
    session.commit()
    changed = client.get(f"/s/{plaque.token}", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and "已撤销" in changed.get_data(as_text=True)


def test_no_session_cookie_even_for_a_signed_in_reader(client, session, login_as, plaque_station):
    _, plaque = plaque_station
    assert "Set-Cookie" not in _page(client, plaque)[0].headers
    login_as("inspector", "150602")
    with client.session_transaction() as cookie:
        cookie.permanent = True  # "remember me": Flask would write the cookie on every response
    for url in (f"/s/{plaque.token}", f"/s/{plaque.token}/officer.jpg", "/s/" + "n" * 24):
        response = client.get(url)
        assert "Set-Cookie" not in response.headers, url
        assert "Cookie" not in response.headers.get("Vary", ""), url
    assert "Set-Cookie" in client.get("/").headers  # elsewhere the session is refreshed as before


def test_the_page_is_rate_limited_per_address(app, client, session, plaque_station):
    _, plaque = plaque_station
    app.config["PUBLIC_PAGE_LIMIT"] = "3 per minute"
    codes = [client.get(f"/s/{plaque.token}").status_code for _ in range(3)]
    assert codes == [200, 200, 200]
    refused = client.get(f"/s/{plaque.token}")
    assert refused.status_code == 429 and "访问过于频繁" in refused.get_data(as_text=True)
    assert int(refused.headers["Retry-After"]) >= 1
    assert client.get("/s/" + "n" * 24).status_code == 429  # guessing tokens counts too
    elsewhere = app.test_client()
    assert elsewhere.get(f"/s/{plaque.token}", environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code == 200


def test_the_page_kind_rule():
    assert page_kind(True, False) is PageKind.CURRENT
    assert page_kind(False, False) is PageKind.WITHDRAWN
    assert page_kind(True, True) is PageKind.RETIRED
    assert page_kind(False, True) is PageKind.RETIRED


def test_the_use_case_finds_nothing_for_a_bad_or_unknown_token(session, plaque_station):
    assert public.public_station(session, "") is None
    assert public.public_station(session, "no such token at all!") is None
    assert public.public_station(session, "a" * 30) is None
    assert public.portrait_key(session, "a" * 30, None) is None
    station, plaque = plaque_station
    page = public.public_station(session, plaque.token)
    assert page is not None and page.kind is PageKind.CURRENT
    assert [p.name for p in page.staff] == ["张站长", "李调解"] and page.officer.name == "刘监管"
    assert session.get(Station, station.id).name == page.name
