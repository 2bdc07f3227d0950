"""Accounts: admin pages and `flask users create`."""

import pytest
from sqlalchemy import select

from inspect_app.models import User
from conftest import make_user


@pytest.mark.parametrize("role, district", [("inspector", "150602"), ("leader", "150602"), ("city", None)])
def test_only_admins_reach_the_account_pages(client, login_as, role, district):
    login_as(role, district)
    assert client.get("/admin/users").status_code == 403
    assert client.post("/admin/users", data={"username": "x"}).status_code == 403


def test_admin_creates_accounts_with_clear_messages(client, session, login_as):
    login_as("admin")
    response = client.post("/admin/users", data={"username": "A", "display_name": "", "role": "leader",
                                                  "district": "", "password": "onlyletters"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    for message in ("用户名为3至40位", "请填写姓名", "检查员和分管领导必须属于一个旗区", "符号中的至少三类"):
        assert message in page
    assert session.scalar(select(User).where(User.username == "a")) is None
    response = client.post("/admin/users", data={"username": "leader.hj", "display_name": "杭锦旗领导",
                                                  "role": "leader", "district": "150625", "password": "hangjin-2026"},
                           follow_redirects=True)
    assert "已创建账号 leader.hj" in response.get_data(as_text=True)
    user = session.scalar(select(User).where(User.username == "leader.hj"))
    assert user.district.name == "杭锦旗" and user.role.value == "leader"


def test_city_role_drops_a_chosen_district(session, client, login_as):
    login_as("admin")
    client.post("/admin/users", data={"username": "city2", "display_name": "市中心", "role": "city",
                                      "district": "150602", "password": "city-pass-1"})
    assert session.scalar(select(User).where(User.username == "city2")).district_id is None


def test_reset_password_and_deactivate(client, session, login_as, auth):
    admin = login_as("admin")
    target = make_user(session, "inspector", "150602", username="insp.x")
    response = client.post(f"/admin/users/{target.id}/password", data={"password": "short"})
    assert "密码至少需要10位" in response.get_data(as_text=True)
    response = client.post(f"/admin/users/{target.id}/password", data={"password": "brand-new-1"})
    assert response.status_code == 302
    response = client.post(f"/admin/users/{target.id}/active", data={"active": "0"}, follow_redirects=True)
    assert "已停用账号 insp.x" in response.get_data(as_text=True)
    response = client.post(f"/admin/users/{admin.id}/active", data={"active": "0"}, follow_redirects=True)
    assert "不能停用自己的账号" in response.get_data(as_text=True)
    session.refresh(target)
    session.refresh(admin)
    assert not target.active and admin.active
    assert client.post("/admin/users/99999/password", data={"password": "brand-new-1"}).status_code == 404
    auth.logout()
    assert "用户名或密码错误" in auth.login("insp.x", "brand-new-1").get_data(as_text=True)


def test_cli_creates_a_user(runner, session):
    result = runner.invoke(args=["users", "create", "--username", "leader.ws", "--name", "乌审旗领导",
                                 "--role", "leader", "--district", "150626", "--password", "wushen-2026"])
    assert result.exit_code == 0, result.output
    assert "已创建账号 leader.ws（分管领导）" in result.output
    user = session.scalar(select(User).where(User.username == "leader.ws"))
    assert user.district.code == "150626"


def test_cli_reports_every_problem_and_creates_nothing(runner, session):
    result = runner.invoke(args=["users", "create", "--username", "i", "--name", "x", "--role", "inspector",
                                 "--password", "abc"])
    assert result.exit_code == 1
    assert "检查员和分管领导必须属于一个旗区" in result.output and "密码至少需要10位" in result.output
    assert session.scalars(select(User)).all() == []
