"""People and keys through the pages in Chromium: the admin creates the CA, imports accounts and enrols a leader;
the leader changes the one-time password and chooses the signing PIN; an inspector does the same at phone size."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from support import keyed, make_user

from inspect_app.adapters import pki
from inspect_app.models import SigningCertificate, User

from .conftest import PHONE

pytestmark = pytest.mark.browser
DESKTOP = {"width": 1280, "height": 800}


def accounts_file() -> bytes:
    book = openpyxl.Workbook()
    for row in (
        ["登录名", "姓名", "角色", "所属旗区", "手机号"],
        ["leader.wushen2", "乌审旗新领导", "分管领导", "乌审旗", "13904770002"],
        ["inspector.wushen2", "乌审旗新检查员", "检查员", "150626", None],
    ):
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def sign_in(page, base: str, username: str, password: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_role("button", name="登录").click()


def change_password(page, one_time: str, new: str) -> None:
    expect(page).to_have_url(re.compile(r"/account/password$"))
    expect(page.get_by_text("一次性密码：请先设置自己的新密码")).to_be_visible()
    page.get_by_label("当前密码").fill(one_time)
    page.get_by_label("新密码", exact=True).fill(new)
    page.get_by_label("再次输入新密码").fill(new)
    page.get_by_role("button", name="修改密码").click()
    expect(page.get_by_text("密码已修改")).to_be_visible()


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_from_an_admin_alone_to_a_leader_with_a_pin_of_their_own(live_server, app, session, browser, screenshot):
    make_user(session, "admin", username="admin.first")
    desk = browser.new_context(viewport=DESKTOP, locale="zh-CN", timezone_id="Asia/Shanghai").new_page()
    desk.on("dialog", lambda dialog: dialog.accept())
    sign_in(desk, live_server, "admin.first", "secret-pass-1")
    desk.get_by_role("link", name="证书").click()
    desk.get_by_role("button", name="创建根证书").click()
    expect(desk.get_by_text("已创建市中心根证书")).to_be_visible()

    desk.get_by_role("link", name="账号").click()
    desk.get_by_role("link", name="从 Excel 导入账号").click()
    desk.get_by_label("账号文件（.xlsx）").set_input_files(
        files=[{"name": "账号.xlsx", "mimeType": "application/octet-stream", "buffer": accounts_file()}]
    )
    desk.get_by_role("button", name="上传并导入").click()
    expect(desk.get_by_role("heading", name="已导入2个账号")).to_be_visible()
    screenshot(desk, "accounts-imported-desktop")
    passwords = {
        row.locator("td[data-label=登录名]").inner_text(): row.locator(".one-time-password").inner_text()
        for row in desk.locator("table.one-time tbody tr").all()
    }
    assert set(passwords) == {"leader.wushen2", "inspector.wushen2"}

    desk.get_by_role("link", name="证书").click()
    holder = desk.get_by_label("证书持有人（分管领导或市12315中心）")
    holder.select_option(value=holder.locator("option", has_text="leader.wushen2").get_attribute("value"))
    desk.get_by_role("button", name="签发证书").click()
    expect(desk.get_by_text("等待本人设置签名PIN")).to_be_visible()
    desk.context.close()

    leader = browser.new_context(viewport=DESKTOP, locale="zh-CN", timezone_id="Asia/Shanghai").new_page()
    sign_in(leader, live_server, "leader.wushen2", passwords["leader.wushen2"])
    change_password(leader, passwords["leader.wushen2"], "Wushen-lead-2027")
    leader.locator(".who").get_by_role("link", name="签名证书").click()
    expect(leader.get_by_text("尚待您本人设置签名PIN")).to_be_visible()
    leader.get_by_label("签名PIN（6至12位数字）").fill("20272027")
    leader.get_by_label("再次输入签名PIN").fill("20272027")
    leader.get_by_role("button", name="设置签名PIN并生成证书").click()
    expect(leader.get_by_text("签名证书已生成")).to_be_visible()
    screenshot(leader, "certificate-made-desktop")
    leader.context.close()
    user = session.scalar(select(User).where(User.username == "leader.wushen2"))
    row = session.scalars(select(SigningCertificate).where(SigningCertificate.user_id == user.id)).one()
    assert pki.load_signing_key(row.encrypted_key_pem, keyed(app, "20272027"))

    phone = browser.new_context(
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
    ).new_page()
    sign_in(phone, live_server, "inspector.wushen2", passwords["inspector.wushen2"])
    assert fits(phone)
    screenshot(phone, "first-sign-in-phone")
    change_password(phone, passwords["inspector.wushen2"], "Wushen-insp-2027")
    phone.goto(live_server + "/directory/")
    expect(phone.get_by_role("heading", name="服务站名录")).to_be_visible()
    phone.context.close()
