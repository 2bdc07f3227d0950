"""Accounts: admin pages (one-time passwords), the change forced at the first sign-in, and `flask users create`."""

import re

import pytest
from sqlalchemy import select
from support import make_user

from inspect_app.models import AuditEntry, User


def one_time_password(page: str) -> str:
    """The one-time password a page shows (groups of four: Kp7m-Q3xr-9Twa)."""
    found = re.findall(r'class="one-time-password">([^<]+)<', page)
    assert len(found) == 1, page
    return found[0]


@pytest.mark.parametrize("role, district", [("inspector", "150602"), ("leader", "150602"), ("city", None)])
def test_only_admins_reach_the_account_pages(client, login_as, role, district):
    login_as(role, district)
    assert client.get("/admin/users").status_code == 403
    assert client.post("/admin/users", data={"username": "x"}).status_code == 403


def test_admin_creates_accounts_with_clear_messages(client, session, login_as):
    login_as("admin")
    response = client.post(
        "/admin/users", data={"username": "A", "display_name": "", "role": "leader", "district": "", "phone": "call me"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    for message in ("用户名为3至40位", "请填写姓名", "检查员和分管领导必须属于一个旗区", "手机号只能包含数字"):
        assert message in page
    assert session.scalar(select(User).where(User.username == "a")) is None
    response = client.post(
        "/admin/users",
        data={
            "username": "leader.hj",
            "display_name": "杭锦旗领导",
            "role": "leader",
            "district": "150625",
            "phone": "13904770001",
        },
    )
    page = response.get_data(as_text=True)
    assert "已创建账号 leader.hj" in page and response.headers["Cache-Control"] == "no-store"
    user = session.scalar(select(User).where(User.username == "leader.hj"))
    assert user.district.name == "杭锦旗" and user.role.value == "leader" and user.phone == "13904770001"
    assert user.must_change_password
    password = one_time_password(page)
    assert password not in client.get("/admin/users").get_data(as_text=True)  # shown once
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "create_user")).one()
    assert entry.target_id == user.id and password not in str(entry.details)


def test_the_admin_sets_no_password(client, login_as):
    login_as("admin")
    page = client.get("/admin/users").get_data(as_text=True)
    assert 'type="password"' not in page


def test_city_role_drops_a_chosen_district(session, client, login_as):
    login_as("admin")
    client.post(
        "/admin/users", data={"username": "city2", "display_name": "市中心", "role": "city", "district": "150602"}
    )
    assert session.scalar(select(User).where(User.username == "city2")).district_id is None


def test_the_first_sign_in_forces_a_password_change(client, session, login_as, auth):
    login_as("admin")
    page = client.post(
        "/admin/users",
        data={"username": "insp.new", "display_name": "新检查员", "role": "inspector", "district": "150602"},
    ).get_data(as_text=True)
    password = one_time_password(page)
    auth.logout()
    assert auth.login("insp.new", password).status_code == 302
    for url in ("/", "/directory/", "/inspect/", "/account/certificate"):
        response = client.get(url)
        assert response.status_code == 302 and response.location.endswith("/account/password"), url
    api = client.get("/api/v1/bootstrap")
    assert api.status_code == 403
    assert api.get_json()["error"] == {
        "code": "password_change_required",
        "message": "首次登录（或密码被管理员重置后）须先修改密码，修改后才能继续使用。",
    }
    assert "一次性密码" in client.get("/account/password").get_data(as_text=True)

    refused = [
        ({"current": "wrong-one", "password": "Brand-new-2026", "password_again": "Brand-new-2026"}, "当前密码错误"),
        ({"current": password, "password": "short", "password_again": "short"}, "密码至少需要10位"),
        (
            {"current": password, "password": "Brand-new-2026", "password_again": "Brand-new-2027"},
            "两次输入的新密码不一致",
        ),
        ({"current": password, "password": password, "password_again": password}, "新密码不能与当前密码相同"),
    ]
    for data, message in refused:
        assert message in client.post("/account/password", data=data).get_data(as_text=True)
    assert client.get("/").status_code == 302
    done = client.post(
        "/account/password",
        data={"current": password, "password": "Brand-new-2026", "password_again": "Brand-new-2026"},
    )
    assert done.status_code == 302
    assert client.get("/").status_code == 200 and client.get("/api/v1/bootstrap").status_code == 200
    session.expire_all()
    assert not session.scalar(select(User).where(User.username == "insp.new")).must_change_password
    auth.logout()
    assert "用户名或密码错误" in auth.login("insp.new", password).get_data(as_text=True)
    assert auth.login("insp.new", "Brand-new-2026").status_code == 302


def test_reset_password_and_deactivate(client, session, login_as, auth):
    admin = login_as("admin")
    target = make_user(session, "inspector", "150602", username="insp.x")
    assert 'type="password"' not in client.get(f"/admin/users/{target.id}/password").get_data(as_text=True)
    page = client.post(f"/admin/users/{target.id}/password").get_data(as_text=True)
    assert "已重置 insp.x 的密码" in page
    password = one_time_password(page)
    session.refresh(target)
    assert target.must_change_password
    response = client.post(f"/admin/users/{target.id}/active", data={"active": "0"}, follow_redirects=True)
    assert "已停用账号 insp.x" in response.get_data(as_text=True)
    response = client.post(f"/admin/users/{admin.id}/active", data={"active": "0"}, follow_redirects=True)
    assert "不能停用自己的账号" in response.get_data(as_text=True)
    session.refresh(target)
    session.refresh(admin)
    assert not target.active and admin.active
    assert client.post("/admin/users/99999/password").status_code == 404
    actions = session.scalars(
        select(AuditEntry.action).where(AuditEntry.target_id == target.id, AuditEntry.target_type == "user")
    ).all()
    assert actions == ["reset_password", "deactivate_user"]
    auth.logout()
    assert "用户名或密码错误" in auth.login("insp.x", password).get_data(as_text=True)


def test_changing_ones_own_password_signs_out_the_other_browsers(app, session, login_as, client):
    user = login_as("leader", "150602")
    other = app.test_client()
    assert other.post("/login", data={"username": user.username, "password": "secret-pass-1"}).status_code == 302
    done = client.post(
        "/account/password",
        data={"current": "secret-pass-1", "password": "Another-pass-9", "password_again": "Another-pass-9"},
    )
    assert done.status_code == 302
    assert client.get("/").status_code == 200 and other.get("/").status_code == 302


def test_cli_creates_a_user(runner, session):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--username",
            "leader.ws",
            "--name",
            "乌审旗领导",
            "--role",
            "leader",
            "--district",
            "150626",
            "--password",
            "wushen-2026",
            "--phone",
            "0477-8123456",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "已创建账号 leader.ws（分管领导）" in result.output
    user = session.scalar(select(User).where(User.username == "leader.ws"))
    assert user.district.code == "150626" and user.phone == "0477-8123456" and not user.must_change_password


def test_cli_gives_a_one_time_password_on_request(runner, session, auth):
    result = runner.invoke(
        args=["users", "create", "--username", "city.new", "--name", "市中心", "--role", "city", "--one-time"]
    )
    assert result.exit_code == 0, result.output
    password = re.search(r"一次性密码：(\S+)（", result.output)[1]
    assert session.scalar(select(User).where(User.username == "city.new")).must_change_password
    assert auth.login("city.new", password).status_code == 302


def test_cli_reports_every_problem_and_creates_nothing(runner, session):
    result = runner.invoke(
        args=["users", "create", "--username", "i", "--name", "x", "--role", "inspector", "--password", "abc"]
    )
    assert result.exit_code == 1
    assert "检查员和分管领导必须属于一个旗区" in result.output and "密码至少需要10位" in result.output
    assert session.scalars(select(User)).all() == []
