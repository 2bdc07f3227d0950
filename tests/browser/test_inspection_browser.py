"""In a real browser at phone size, with geolocation granted: a whole inspection to submission on the online
pages, every entry going through the phone's outbox as it is given."""

import pytest
from photo_factory import jpeg
from playwright.sync_api import expect
from sqlalchemy import select
from support import make_station, make_user

from inspect_app.models import Inspection

from .offline import synced

pytestmark = pytest.mark.browser
HERE = {"latitude": 39.8203, "longitude": 109.9602, "accuracy": 15}


def draw_signature(page, form):
    form.locator("canvas").scroll_into_view_if_needed()
    box = form.locator("canvas").bounding_box()
    x, y = box["x"], box["y"]
    page.mouse.move(x + 20, y + box["height"] * 0.7)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(x + 20 + step * box["width"] / 14, y + box["height"] * (0.3 if step % 2 else 0.7))
    page.mouse.up()


def test_inspector_answers_photographs_signs_and_submits(live_server, browser, session, campaign, screenshot, tmp_path):
    make_user(session, "inspector", "150602", username="inspector.ds")
    station = make_station(
        session, "150602", name="东胜万达广场12315消费维权服务站", latitude="39.82", longitude="109.96"
    )
    photos = []
    for n in (1, 2):
        path = tmp_path / f"photo{n}.jpg"
        path.write_bytes(jpeg(seed=20 + n))
        photos.append(str(path))

    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        geolocation=HERE,
        permissions=["geolocation"],
    )
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(live_server + "/login")
    page.fill("input[name=username]", "inspector.ds")
    page.fill("input[name=password]", "secret-pass-1")
    page.click("main button[type=submit]")
    page.goto(live_server + "/inspect/")  # the online pages (the nav leads to the offline app)
    with page.expect_navigation():
        page.click("#sort-by-distance")
    assert "lat=39.820300" in page.url
    assert "距您" in page.locator(".board-card").first.inner_text()
    page.click(".board-card >> text=开始检查")
    page.wait_for_url("**/inspect/inspections/*")
    synced(page)

    items = page.locator("#checklist .item")
    assert items.count() == 19
    for index in range(items.count()):
        item = items.nth(index)
        if item.get_attribute("data-scoring") == "graded":
            item.locator("select").select_option(index=1)  # the full points
        else:
            item.locator("label.choice-pass").click()
    expect(page.locator("#score-value")).to_have_text("100.0")
    expect(page.locator("#score-outcome")).to_have_text("可推荐示范站")
    synced(page)
    expect(page.locator(".save-state:text-is('已保存')")).to_have_count(19)

    for slot, path in zip(("signboard", "bulletin_board"), photos):
        page.locator(f"#slot-{slot} input[type=file]:not([capture])").set_input_files(path)
        expect(page.locator(f"#slot-{slot} figure.photo")).to_contain_text("已上传")
    assert page.locator("figure.photo").count() == 2
    assert "拍摄时手机定位" in page.locator("figure.photo").first.inner_text()

    for role, name in (("representative", "王丽"), ("inspector", "张强")):
        form = page.locator(f"form.signature-form[action$='/{role}']")
        form.locator("input[name=name]").fill(name)
        draw_signature(page, form)
        form.locator("button[type=submit]").click()
        expect(form.locator(".sign-state")).to_have_text("签名已保存在本机")
    synced(page)
    expect(page.locator(".signed img")).to_have_count(2)
    expect(page.locator(".signed figcaption:has-text('待同步')")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "checklist-phone")

    with page.expect_navigation():  # once the server has it, the page shows the submitted inspection
        page.click("#submit-button")
    expect(page.locator("#submit")).to_contain_text("等待分管领导审核")
    session.expire_all()
    inspection = session.scalars(select(Inspection).where(Inspection.station_id == station.id)).one()
    assert inspection.status.value == "submitted" and inspection.score == 100
    assert len(inspection.photos) == 2 and all(p.browser_latitude == HERE["latitude"] for p in inspection.photos)
    assert len(inspection.signatures) == 2
    screenshot(page, "checklist-submitted-phone")
    context.close()
