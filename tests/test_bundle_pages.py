"""The leader's bundle pages: narrative draft, build off the request path, preview, sign off, download."""

from __future__ import annotations

import base64
import io
import zipfile

import pytest
from photo_factory import signature_png
from support import PIN, make_user

from inspect_app.city.verify import verify_bundle
from inspect_app.signing import keys

# The build runs inside the request that starts it: the status the page polls is final when the redirect comes.
pytestmark = pytest.mark.usefixtures("inline_jobs")


def test_leader_builds_previews_signs_and_downloads(app, client, session, season, auth):
    auth.login("leader.ds")
    page = client.get("/review/bundle/").get_data(as_text=True)
    assert "东胜区2026年度自查验收工作情况说明" in page and "完成自查验收2个" in page
    response = client.post("/review/bundle/build", data={"narrative": "东胜区文字说明：两站均合格。"})
    assert response.status_code == 302
    from inspect_app.models import Bundle

    bundle = session.query(Bundle).one()
    assert client.get(f"/review/bundle/{bundle.id}/status").get_json()["status"] == "ready"
    preview = client.get(f"/review/bundle/{bundle.id}/preview.pdf")
    assert preview.mimetype == "application/pdf" and preview.data.startswith(b"%PDF")
    drawn = "data:image/png;base64," + base64.b64encode(signature_png()).decode()
    wrong = client.post(
        f"/review/bundle/{bundle.id}/sign", data={"pin": "000000", "signature": drawn}, follow_redirects=True
    )
    assert "签名PIN错误" in wrong.get_data(as_text=True)
    blank = client.post(f"/review/bundle/{bundle.id}/sign", data={"pin": PIN, "signature": ""}, follow_redirects=True)
    assert "未签字" in blank.get_data(as_text=True)
    signed = client.post(
        f"/review/bundle/{bundle.id}/sign", data={"pin": PIN, "signature": drawn}, follow_redirects=True
    ).get_data(as_text=True)
    assert "第1版证据包已生成" in signed and "下载 ZIP" in signed
    archive = client.get(f"/review/bundle/{bundle.id}/download")
    assert archive.mimetype == "application/zip"
    check = verify_bundle(io.BytesIO(archive.data), season["ca"], keys.revocation_list(session))
    assert check.ok, check.problems
    with zipfile.ZipFile(io.BytesIO(archive.data)) as zipped:
        assert (
            "东胜区文字说明"
            in __import__("subprocess")
            .run(["pdftotext", "-", "-"], input=zipped.read("report.pdf"), capture_output=True)
            .stdout.decode()
        )


def test_bundle_pages_are_the_leaders_own(app, client, session, season, auth, login_as):
    make_user(session, "inspector", "150602", username="insp.x")
    auth.login("insp.x")
    assert client.get("/review/bundle/").status_code == 403
    auth.logout()
    auth.login("leader.ds")
    client.post("/review/bundle/build", data={"narrative": "x"})
    from inspect_app.models import Bundle

    bundle_id = session.query(Bundle).one().id
    assert client.get(f"/review/bundle/{bundle_id}/status").get_json()["status"] == "ready"
    auth.logout()
    auth.login("leader.kbs")
    for url in (f"/review/bundle/{bundle_id}/status", f"/review/bundle/{bundle_id}/preview.pdf"):
        assert client.get(url).status_code == 404
    assert client.post(f"/review/bundle/{bundle_id}/sign", data={"pin": PIN}).status_code == 404


def test_without_a_campaign_there_is_no_bundle_to_build(client, login_as):
    login_as("leader", "150602")
    assert client.get("/review/bundle/").status_code == 404
    assert client.post("/review/bundle/build", data={"narrative": "x"}).status_code == 404
