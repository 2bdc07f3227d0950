"""Locked down: sign-in throttling, the idle timeout, security headers, pages that need no inline code."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from flask_login.utils import encode_cookie
from photo_factory import jpeg
from sqlalchemy import select
from support import NEAR, PASSWORD, idle_for, inline_code, make_user, open_inspection, upload

from inspect_app import create_app
from inspect_app.accounts import login_counters
from inspect_app.accounts.idle_timeout import MESSAGE as IDLE_MESSAGE
from inspect_app.bundles import operations as bundles
from inspect_app.config import PROJECT_ROOT, ConfigError, load_config
from inspect_app.models import Inspection, Photo, UserSession
from inspect_app.models.types import utcnow
from inspect_app.web.security_headers import CONTENT_SECURITY_POLICY

THROTTLED = "登录尝试过多，请15分钟后再试。"


@pytest.fixture
def clock(monkeypatch):
    """The limiter's clock, moved by hand: a lock lifts without waiting out its 15 minutes."""
    now = [time.time()]
    monkeypatch.setattr(login_counters, "_now", lambda: now[0])
    return now


def sign_in(client, username, password=PASSWORD, address="10.0.0.1", **extra):
    data = {"username": username, "password": password, **extra}
    return client.post("/login", data=data, environ_base={"REMOTE_ADDR": address})


# ---- sign-in throttling ---------------------------------------------------------------------------------


def test_five_failures_lock_the_account_from_every_address(client, session, clock):
    make_user(session, "city", username="c.lock")
    for n in range(5):
        response = sign_in(client, "C.Lock " if n % 2 else "c.lock", "wrong-pass-1", address=f"10.0.0.{n + 1}")
        assert response.status_code == 200 and "用户名或密码错误" in response.get_data(as_text=True)
    for address in ("10.0.0.1", "10.9.9.9"):
        refused = sign_in(client, "c.lock", address=address)  # the right password, refused while locked
        page = refused.get_data(as_text=True)
        assert refused.status_code == 429 and THROTTLED in page and 'name="password"' in page
        assert 0 < int(refused.headers["Retry-After"]) <= 15 * 60
        assert "Set-Cookie" not in refused.headers  # no session, no flash: nothing else changes
    assert client.get("/").status_code == 302
    clock[0] += 15 * 60 + 1
    assert sign_in(client, "c.lock").status_code == 302
    assert client.get("/").status_code == 200


def test_other_accounts_sign_in_from_the_same_address_below_its_limit(client, session, clock):
    make_user(session, "city", username="c.lock")
    make_user(session, "city", username="c.other")
    for _ in range(5):
        sign_in(client, "c.lock", "wrong-pass-1")
    assert sign_in(client, "c.lock").status_code == 429
    assert sign_in(client, "c.other").status_code == 302


def test_twenty_failures_lock_the_address_for_every_account(client, session, clock):
    make_user(session, "city", username="c.ok")
    for n in range(20):  # one guess at each of twenty names: no account reaches its own limit
        assert sign_in(client, f"nobody{n}", "wrong-pass-1").status_code == 200
    refused = sign_in(client, "c.ok")
    assert refused.status_code == 429 and THROTTLED in refused.get_data(as_text=True)
    assert sign_in(client, "c.ok", address="10.0.0.2").status_code == 302
    clock[0] += 15 * 60 + 1
    client.post("/logout")
    assert sign_in(client, "c.ok").status_code == 302


def test_successful_sign_ins_are_never_counted(client, session, clock):
    make_user(session, "city", username="c.busy")
    for _ in range(30):  # more than both limits, as the suite's many logins with one client do
        assert sign_in(client, "c.busy").status_code == 302
        client.post("/logout")


def test_a_success_forgets_the_accounts_earlier_failures(client, session, clock):
    make_user(session, "city", username="c.typo")
    for _ in range(2):
        for _ in range(4):
            sign_in(client, "c.typo", "wrong-pass-1")
        assert sign_in(client, "c.typo").status_code == 302
        client.post("/logout")


def test_the_limits_are_settings_and_can_be_switched_off(app_config):
    for_one = create_app({**app_config, "LOGIN_LIMIT_PER_ACCOUNT": "2 per 1 minute"})
    try:
        short = for_one.test_client()
        for _ in range(2):
            sign_in(short, "nobody", "wrong-pass-1")
        assert "请1分钟后再试" in sign_in(short, "nobody").get_data(as_text=True)
    finally:
        for_one.extensions["db_engine"].dispose()
    off = create_app({**app_config, "RATELIMIT_ENABLED": False})
    try:
        loose = off.test_client()
        assert all(sign_in(loose, "nobody", "wrong-pass-1").status_code == 200 for _ in range(8))
    finally:
        off.extensions["db_engine"].dispose()
    with pytest.raises(ConfigError, match="LOGIN_LIMIT_PER_ADDRESS"):
        create_app({**app_config, "LOGIN_LIMIT_PER_ADDRESS": "lots"})


def test_settings_come_from_the_environment(tmp_path):
    defaults = load_config(env={"INSTANCE_PATH": str(tmp_path)})
    assert defaults["RATELIMIT_ENABLED"] is True and defaults["RATELIMIT_STORAGE_URI"] == "database://"
    assert defaults["LOGIN_LIMIT_PER_ACCOUNT"] == "5 per 15 minutes"
    assert defaults["LOGIN_LIMIT_PER_ADDRESS"] == "20 per 15 minutes" and defaults["IDLE_TIMEOUT_MINUTES"] == 30
    given = load_config(
        env={
            "INSTANCE_PATH": str(tmp_path),
            "REDIS_URL": "redis://127.0.0.1:6379/0",
            "RATELIMIT_ENABLED": "0",
            "IDLE_TIMEOUT_MINUTES": "10",
        }
    )
    assert given["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"
    assert given["RATELIMIT_ENABLED"] is False and given["IDLE_TIMEOUT_MINUTES"] == 10
    with pytest.raises(ConfigError, match="IDLE_TIMEOUT_MINUTES"):
        load_config(env={"INSTANCE_PATH": str(tmp_path), "IDLE_TIMEOUT_MINUTES": "half an hour"})


# ---- idle timeout ---------------------------------------------------------------------------------------


def test_an_idle_session_is_signed_out_with_a_message(client, session, login_as):
    login_as("city")
    idle_for(session, 31)
    response = client.get("/directory/?q=万达")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/directory/")
    assert IDLE_MESSAGE in client.get(response.headers["Location"]).get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_activity_keeps_the_session_and_the_limit_is_a_setting(app, client, session, login_as):
    login_as("city")
    idle_for(session, 29)
    assert client.get("/").status_code == 200
    row = session.query(UserSession).one()
    session.refresh(row)
    assert utcnow() - row.last_seen_at < timedelta(minutes=1)  # noted again: the clock starts over
    app.config["IDLE_TIMEOUT_MINUTES"] = 5
    idle_for(session, 6)
    assert client.get("/").status_code == 302


def test_the_api_answers_401_json_when_idle(client, session, login_as):
    login_as("inspector", "150602")
    assert client.get("/api/v1/session").status_code == 200
    idle_for(session, 45)
    response = client.get("/api/v1/session")
    assert response.status_code == 401
    assert response.get_json() == {"error": {"code": "session_expired", "message": IDLE_MESSAGE}}


def test_a_new_sign_in_starts_the_clock_again(client, session):
    make_user(session, "city", username="c.next")
    assert sign_in(client, "c.next").status_code == 302
    idle_for(session, 120)
    assert client.get("/").status_code == 302  # timed out
    assert sign_in(client, "c.next").status_code == 302
    assert client.get("/").status_code == 200


def test_remember_me_keeps_a_permanent_session_still_subject_to_the_idle_limit(client, session):
    make_user(session, "city", username="c.keep")
    assert sign_in(client, "c.keep", remember="y").status_code == 302
    assert client.get_cookie("session").expires is not None and client.get_cookie("remember_token") is None
    idle_for(session, 31)
    assert client.get("/").status_code == 302


def test_an_old_remember_cookie_does_not_sign_anyone_back_in(app, client, session):
    user = make_user(session, "city", username="c.old")
    with app.test_request_context():
        client.set_cookie("remember_token", encode_cookie(f"{user.id}:1"))  # as sign-in once set them
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert any(c.startswith("remember_token=;") for c in response.headers.getlist("Set-Cookie"))


# ---- headers and files ----------------------------------------------------------------------------------


def assert_hardened(response) -> None:
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "script-src 'self';" in CONTENT_SECURITY_POLICY and "object-src 'none'" in CONTENT_SECURITY_POLICY
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Permissions-Policy"] == "geolocation=(self), camera=(self), microphone=()"


def test_every_kind_of_response_carries_the_headers(client, session, login_as, station):
    assert_hardened(client.get("/login"))
    assert_hardened(client.get("/no-such-page"))
    login_as("inspector", "150602")
    api = client.get("/api/v1/session")
    assert api.mimetype == "application/json"
    assert_hardened(api)
    inspection_id = open_inspection(client, station)
    # A photo whose name claims HTML: the type served is the one the server read from the bytes.
    upload(client, inspection_id, "signboard", jpeg(*NEAR, seed=5), filename="page.html")
    photo = session.query(Photo).one()
    original = client.get(f"/files/photos/{photo.id}/original")
    assert original.mimetype == "image/jpeg"
    disposition = original.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "html" not in disposition and disposition.endswith(".jpg")
    assert_hardened(original)
    assert_hardened(client.get(f"/files/photos/{photo.id}/thumbnail"))
    template = client.get("/directory/template.xlsx")
    assert template.headers["Content-Disposition"].startswith("attachment;")
    assert template.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert_hardened(template)


def test_hsts_only_over_https(app):
    plain = app.test_client().get("/login")
    assert "Strict-Transport-Security" not in plain.headers
    secure = app.test_client().get("/login", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"


# ---- no inline code: what the CSP forbids must not be in the pages --------------------------------------


def test_templates_and_scripts_hold_no_inline_code():
    # The report templates are laid out by WeasyPrint into PDFs, never served: inline styles are fine there.
    served = [p for p in (PROJECT_ROOT / "templates").rglob("*.html") if "report" not in p.parts]
    found = {str(p.relative_to(PROJECT_ROOT)): inline_code(p.read_text(encoding="utf-8")) for p in served}
    assert not {name: hits for name, hits in found.items() if hits}
    # Scripts may set element.style.x (allowed), never a style attribute, a <style> element or eval'd code.
    forbidden = re.compile(r"""setAttribute\(\s*["']style|cssText|<style|innerHTML|eval\(|new Function""")
    for script in (PROJECT_ROOT / "static").rglob("*.js"):
        assert not forbidden.search(script.read_text(encoding="utf-8")), script


def pages_of(client, app, extra: list[str]) -> dict[str, str]:
    """Every HTML page the signed-in role may open: each GET route without parameters, and `extra`."""
    urls = [
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and not rule.arguments and not rule.rule.startswith(("/api/", "/static/"))
    ]
    pages = {}
    for url in sorted(set(urls + extra)):
        response = client.get(url)
        if response.status_code == 200 and response.mimetype == "text/html":
            pages[url] = response.get_data(as_text=True)
    return pages


def test_served_pages_hold_no_inline_code_for_any_role(app, client, session, auth, season):
    leader = season["leader"]
    bundles.start_draft(session, leader.actor, leader.district_id, season["campaign"].id, "文字说明")
    inspection_ids = session.scalars(select(Inspection.id)).all()
    station_ids = [s.id for s in season["stations"]]
    make_user(session, "city", username="city.x")
    admin = make_user(session, "admin", username="admin.x")
    district = leader.district_id
    roles = {
        "insp.ds": [f"/inspect/inspections/{inspection_ids[0]}", f"/directory/{station_ids[0]}"],
        "leader.ds": [
            f"/directory/{station_ids[0]}",
            f"/directory/{station_ids[0]}/edit",
            f"/directory/{station_ids[0]}/signboard",
        ],
        "city.x": [f"/city/districts/{district}", f"/campaigns/{season['campaign'].id}/checklist"],
        "admin.x": [f"/admin/users/{admin.id}/password", f"/directory/{station_ids[0]}/edit"],
    }
    scanned = {"/login": client.get("/login").get_data(as_text=True)}
    for username, extra in roles.items():
        assert auth.login(username).status_code == 302
        pages = pages_of(client, app, extra)
        assert len(pages) >= 5, (username, sorted(pages))
        scanned.update({f"{username} {url}": html for url, html in pages.items()})
        auth.logout()
    assert any("<progress" in html for html in scanned.values())  # the bundle page's bar, now CSP-safe
    found = {page: inline_code(html) for page, html in scanned.items()}
    assert not {page: hits for page, hits in found.items() if hits}
