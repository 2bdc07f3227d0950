"""Sign-in sessions held on the server: signing out, the idle timeout, a password reset and deactivation end them
for every copy of the cookie, not only in the browser that asked."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from support import idle_for, make_user

from inspect_app.accounts import operations as users
from inspect_app.accounts.idle_timeout import MESSAGE as IDLE_MESSAGE
from inspect_app.models import UserSession
from inspect_app.models.types import utcnow


def session_cookie(client) -> str:
    return client.get_cookie("session").value


def replayed(app, cookie: str, url: str):
    """`url` requested by somebody else's browser holding a copy of the cookie."""
    other = app.test_client()
    other.set_cookie("session", cookie)
    return other.get(url)


def assert_signed_out(app, cookie: str) -> None:
    api = replayed(app, cookie, "/api/v1/session")
    assert api.status_code == 401
    assert api.get_json()["error"]["code"] in ("unauthenticated", "session_expired")
    page = replayed(app, cookie, "/inspect/")
    assert page.status_code == 302 and page.headers["Location"].startswith("/login")


def test_a_cookie_copied_before_sign_out_opens_nothing_afterwards(app, client, login_as):
    login_as("inspector", "150602")
    copied = session_cookie(client)
    assert replayed(app, copied, "/api/v1/session").status_code == 200
    assert replayed(app, copied, "/inspect/").status_code == 200
    client.post("/logout")
    assert_signed_out(app, copied)


def test_a_cookie_copied_before_an_idle_sign_out_opens_nothing_afterwards(app, client, session, login_as):
    login_as("inspector", "150602")
    copied = session_cookie(client)
    idle_for(session, 31)
    response = client.get("/inspect/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=/inspect/")
    assert_signed_out(app, copied)


def test_the_idle_timeout_is_decided_by_the_server_and_ends_the_row(app, client, session, login_as):
    login_as("inspector", "150602")
    copied = session_cookie(client)
    idle_for(session, 31)
    expired = replayed(app, copied, "/api/v1/session")  # whoever comes first finds it idle
    assert expired.status_code == 401
    assert expired.get_json() == {"error": {"code": "session_expired", "message": IDLE_MESSAGE}}
    row = session.scalars(select(UserSession)).one()
    session.refresh(row)
    assert row.ended_at is not None and row.end_reason == "idle"
    assert client.get("/api/v1/session").status_code == 401


def test_last_seen_is_written_at_most_once_a_minute(client, session, login_as):
    login_as("city")
    row = session.scalars(select(UserSession)).one()
    recently = utcnow() - timedelta(seconds=30)
    row.last_seen_at = recently
    session.commit()
    assert client.get("/").status_code == 200
    session.refresh(row)
    assert row.last_seen_at == recently  # spared: noted less than a minute ago
    a_while_ago = utcnow() - timedelta(seconds=90)
    row.last_seen_at = a_while_ago
    session.commit()
    assert client.get("/").status_code == 200
    session.refresh(row)
    assert row.last_seen_at > recently


def test_each_sign_in_is_a_row_of_its_own_and_the_cookie_holds_only_its_token(app, client, session, auth):
    make_user(session, "city", username="c.two")
    phone, desk = app.test_client(), app.test_client()
    for browser in (phone, desk):
        assert browser.post("/login", data={"username": "c.two", "password": "secret-pass-1"}).status_code == 302
    rows = session.scalars(select(UserSession).order_by(UserSession.id)).all()
    assert len(rows) == 2 and rows[0].token_sha256 != rows[1].token_sha256
    with phone.session_transaction() as stored:
        token = stored["_user_id"]
    assert len(token) >= 40 and token not in {r.token_sha256 for r in rows}  # only its hash is stored
    phone.post("/logout")
    assert phone.get("/").status_code == 302 and desk.get("/").status_code == 200  # one browser signs out alone
    session.refresh(rows[0])
    assert (rows[0].end_reason, rows[1].ended_at) == ("signed_out", None)


def test_a_password_reset_and_a_deactivation_end_every_session_of_the_account(app, client, session, login_as):
    admin = make_user(session, "admin")
    user = login_as("inspector", "150602")
    copied = session_cookie(client)
    reset = users.reset_password(session, app.extensions["passwords"], user.id)
    assert_signed_out(app, copied)
    assert client.post("/login", data={"username": user.username, "password": reset.password}).status_code == 302
    copied = session_cookie(client)
    users.set_active(session, user.id, False, admin.actor)
    assert_signed_out(app, copied)
    reasons = session.scalars(select(UserSession.end_reason).order_by(UserSession.id)).all()
    assert reasons == ["password_reset", "deactivated"]


def test_a_cookie_naming_no_session_is_anonymous_and_forgotten(app, client):
    with client.session_transaction() as stored:
        stored["_user_id"] = "made-up-token"
    response = client.get("/api/v1/session")
    assert response.status_code == 401 and response.get_json()["error"]["message"] == "请先登录"
    with client.session_transaction() as stored:
        assert "_user_id" not in stored
