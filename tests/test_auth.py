from support import PASSWORD, make_user

from inspect_app.accounts import operations as users


def test_sign_in_page_is_chinese(client):
    page = client.get("/login").get_data(as_text=True)
    assert "验收核查系统" in page and "用户名" in page and "登录" in page


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get("/directory/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_sign_in_and_out(client, session, auth):
    user = make_user(session, "leader", "150602", username="leader.a")
    response = auth.login("LEADER.A ")  # names are case- and blank-insensitive
    assert response.status_code == 302
    home = client.get("/").get_data(as_text=True)
    assert "分管领导" in home and "东胜区" in home
    session.refresh(user)
    assert user.last_login_at is not None
    auth.logout()
    assert client.get("/").status_code == 302


def test_wrong_password_and_deactivated_account(client, session, auth):
    make_user(session, "city", username="cityuser")
    make_user(session, "city", username="gone", active=False)
    for name, password in (("cityuser", "wrong-pass-1"), ("gone", PASSWORD), ("nobody", PASSWORD)):
        response = auth.login(name, password)
        assert response.status_code == 200
        assert "用户名或密码错误" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_next_goes_only_to_local_paths(client, session):
    make_user(session, "city", username="c1")
    data = {"username": "c1", "password": PASSWORD}
    assert client.post("/login?next=/directory/", data=data).headers["Location"] == "/directory/"
    client.post("/logout")
    assert client.post("/login?next=https://evil.example/", data=data).headers["Location"] == "/"
    client.post("/logout")
    assert client.post("/login?next=//evil.example/x", data=data).headers["Location"] == "/"


def test_password_is_stored_as_argon2id(session):
    user = make_user(session, "admin")
    assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash


def test_password_reset_ends_other_sessions(app, client, session, auth):
    user = make_user(session, "city", username="c2")
    auth.login("c2")
    assert client.get("/").status_code == 200
    reset = users.reset_password(session, app.extensions["passwords"], user.id)
    assert client.get("/").status_code == 302  # the old session no longer loads
    assert auth.login("c2", reset.password).status_code == 302


def test_deactivation_ends_sessions(app, client, session, auth):
    admin = make_user(session, "admin")
    user = make_user(session, "inspector", "150603", username="i2")
    auth.login("i2")
    users.set_active(session, user.id, False, admin.actor)
    assert client.get("/").status_code == 302


def test_csrf_is_enforced_on_forms(app, client, session):
    app.config["WTF_CSRF_ENABLED"] = True
    make_user(session, "city", username="c3")
    response = client.post("/login", data={"username": "c3", "password": PASSWORD})
    assert response.status_code == 400
    assert "表单校验失败" in response.get_data(as_text=True)
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post("/login", data={"username": "c3", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302


def test_logout_needs_post(client, login_as):
    login_as("city")
    assert client.get("/logout").status_code == 405


def test_csrf_guards_the_action_buttons_too(app, client, session, login_as):
    """Every POST is checked by the app-wide CSRF protection, not only the forms with fields."""
    login_as("admin")
    app.config["WTF_CSRF_ENABLED"] = True
    from support import make_station

    station = make_station(session, "150602")
    response = client.post(f"/directory/{station.id}/retire")
    assert response.status_code == 400 and "表单校验失败" in response.get_data(as_text=True)
    session.refresh(station)
    assert station.status.value == "registered"
