"""Accounts imported from .xlsx: every bad row named and nothing stored, or every account with a one-time password."""

from __future__ import annotations

import io
import re

from openpyxl import load_workbook
from sqlalchemy import func, select
from support import make_user, xlsx

from inspect_app.models import AuditEntry, User

HEADERS = ["登录名", "姓名", "角色", "所属旗区", "手机号"]  # a file without the optional 邮箱 column still imports


def upload(client, data: bytes, name: str = "账号.xlsx"):
    return client.post(
        "/admin/users/import", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data"
    )


def accounts(session) -> int:
    return session.scalar(select(func.count()).select_from(User))


def test_every_bad_row_is_named_and_nothing_is_stored(client, session, login_as):
    login_as("admin")
    make_user(session, "inspector", "150602", username="inspector.taken")
    before = accounts(session)
    page = upload(
        client,
        xlsx(
            [
                HEADERS,
                ["inspector.ok", "王海英", "检查员", "东胜区", "13904770001"],
                ["Bad Name", "李明", "检查员", "东胜区", None],
                ["leader.x", "", "领导人", "150602", None],
                ["inspector.nowhere", "赵敏", "检查员", "北京", None],
                ["inspector.taken", "钱军", "检查员", "150603", None],
                ["inspector.ok", "孙丽", "检查员", "康巴什区", "phone?"],
                ["leader.nodistrict", "周强", "分管领导", None, None],
            ]
        ),
    ).get_data(as_text=True)
    assert "共发现" in page and "未导入任何账号" in page
    lines = dict(re.findall(r"<li>第(\d+)行：(.*?)</li>", page))
    assert "用户名为3至40位" in lines["3"]
    assert "请填写姓名" in lines["4"] and "角色“领导人”无效" in lines["4"]
    assert "旗区“北京”不存在" in lines["5"]
    assert "登录名 inspector.taken 已有账号使用" in lines["6"]
    assert "登录名 inspector.ok 与第2行重复" in lines["7"] and "手机号" in lines["7"]
    assert "检查员和分管领导必须属于一个旗区" in lines["8"]
    assert "2" not in lines  # the good row is not blamed
    assert accounts(session) == before
    assert not session.scalars(select(AuditEntry).where(AuditEntry.action == "create_user")).all()


def test_an_import_creates_every_account_with_a_one_time_password_shown_once(client, session, login_as, auth):
    login_as("admin")
    response = upload(
        client,
        xlsx(
            [
                ["账号导入"],
                HEADERS,
                ["inspector.ds2", "王海英", "检查员", "东胜区", 13904770001],
                ["leader.hj", "李建国", "分管领导", "150625", "0477-8123456"],
                ["city.two", "张敏", "市12315中心", "东胜区", None],
            ]
        ),
    )
    page = response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    assert "已导入3个账号" in page and "打印本页" in page
    passwords = dict(
        re.findall(
            r'<td data-label="登录名">([^<]+)</td>\s*<td data-label="密码">'
            r'<code class="one-time-password">([^<]+)</code>',
            page,
        )
    )
    assert set(passwords) == {"inspector.ds2", "leader.hj", "city.two"}
    assert len(set(passwords.values())) == 3
    created = {u.username: u for u in session.scalars(select(User).where(User.username.in_(passwords)))}
    assert created["inspector.ds2"].phone == "13904770001" and created["inspector.ds2"].district.name == "东胜区"
    assert created["leader.hj"].role.value == "leader" and created["leader.hj"].district.code == "150625"
    assert created["city.two"].district_id is None
    assert all(u.must_change_password for u in created.values())
    assert len(session.scalars(select(AuditEntry).where(AuditEntry.action == "create_user")).all()) == 3
    auth.logout()
    assert auth.login("leader.hj", passwords["leader.hj"]).status_code == 302
    assert client.get("/review/").location.endswith("/account/password")


def test_the_template_names_every_column_and_imports_as_it_is(client, session, login_as):
    login_as("admin")
    response = client.get("/admin/users/template.xlsx")
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = load_workbook(io.BytesIO(response.data))
    assert [c.value for c in book.worksheets[0][1]] == HEADERS + ["邮箱"]
    assert "填写说明" in book.sheetnames
    imported = upload(client, response.data, "账号导入模板.xlsx").get_data(as_text=True)
    assert "已导入2个账号" in imported


def test_a_file_that_is_no_spreadsheet_is_refused_in_chinese(client, session, login_as):
    login_as("admin")
    before = accounts(session)
    page = upload(client, b"%PDF-1.4 not a table", "账号.pdf").get_data(as_text=True)
    assert "这是 PDF 文件，不是表格" in page
    page = upload(client, xlsx([["姓名", "角色"], ["王海英", "检查员"]])).get_data(as_text=True)
    assert "表头缺少必填列：登录名" in page
    assert accounts(session) == before


def test_only_the_admin_imports_accounts(client, login_as):
    login_as("city")
    assert client.get("/admin/users/import").status_code == 403
    assert client.get("/admin/users/template.xlsx").status_code == 403
