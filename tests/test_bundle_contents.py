"""What is signed is what was seen: a version whose contents changed after its preview cannot be signed; the
narrative follows the data until the leader edits it; a bundle needs an accepted inspection."""

from __future__ import annotations

import json
import subprocess
import zipfile

import pytest
from photo_factory import signature_png
from support import PIN, accepted_inspection, keyed, make_station, make_user

from inspect_app.bundles import operations as bundles
from inspect_app.bundles.report import build as report_build
from inspect_app.inspection import operations as inspections
from inspect_app.models import Bundle, BundleStatus
from inspect_app.review import operations as review
from inspect_app.shared.errors import Invalid


def pdf_text(data: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()


def page_count(data: bytes) -> int:
    info = subprocess.run(["pdfinfo", "-"], input=data, capture_output=True, check=True, text=False).stdout.decode()
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def third_station(app, session, season):
    """A third accepted inspection in the season's district: the one to return after the preview."""
    inspector = make_user(session, "inspector", "150602", username="insp.third")
    station = make_station(session, "150602", name="东胜第三服务站", latitude="39.82", longitude="109.96")
    inspection = accepted_inspection(session, app, season["campaign"], station, inspector, season["leader"], 7)
    return station, inspection


def build(app, session, season, tmp_path, narrative: str | None = "说明", drafted_from: str | None = None):
    leader = season["leader"]
    bundle, token = bundles.begin_build(
        session,
        leader.actor,
        leader.district_id,
        season["campaign"].id,
        narrative,
        drafted_from=drafted_from,
    )
    return bundles.build_preview(session, app.extensions["filestore"], bundle.id, leader.display_name, tmp_path, token)


def sign(app, session, season, bundle_id: int, tmp_path):
    leader = season["leader"]
    return bundles.sign_off(
        session,
        leader.actor,
        app.extensions["filestore"],
        leader,
        bundle_id,
        keyed(app, PIN),
        signature_png(),
        tmp_path,
    )


def test_a_version_changed_after_its_preview_is_refused_and_a_rebuild_signs_what_it_shows(
    app, session, season, tmp_path
):
    station, inspection = third_station(app, session, season)
    leader, store = season["leader"], app.extensions["filestore"]
    bundle = build(app, session, season, tmp_path)
    assert "东胜第三服务站" in pdf_text(store.read(bundle.preview_key))
    review.review(session, leader.actor, inspection.id, "return", "标识牌照片不清楚")
    with pytest.raises(Invalid, match=f"已过期.*{station.number} 东胜第三服务站"):
        sign(app, session, season, bundle.id, tmp_path)
    session.refresh(bundle)
    assert bundle.status is BundleStatus.READY and bundle.archive_key is None
    rebuilt = build(app, session, season, tmp_path)
    preview = store.read(rebuilt.preview_key)
    signed = sign(app, session, season, rebuilt.id, tmp_path)
    with zipfile.ZipFile(store.path(signed.archive_key)) as archive:
        report = archive.read("report.pdf")
        manifest = json.loads(archive.read("manifest.json"))
    # The returned station is left in the directory (已退回) only, in the preview as in the signed report.
    assert len(manifest["inspections"]) == 2
    assert pdf_text(report).count("东胜第三服务站") == pdf_text(preview).count("东胜第三服务站") == 1
    assert page_count(report) == page_count(preview)


def test_the_signed_report_lays_out_only_its_cover_and_signature_page_again(
    app, session, season, tmp_path, monkeypatch
):
    bundle = build(app, session, season, tmp_path)
    laid_out = []
    real = report_build.write_pdf
    monkeypatch.setattr(report_build, "write_pdf", lambda html, path: laid_out.append(html) or real(html, path))
    sign(app, session, season, bundle.id, tmp_path)
    assert len(laid_out) == 2 and "签字日期" in laid_out[0] and "预览稿" not in laid_out[1]


def test_sign_off_refuses_an_expired_version_before_it_looks_at_the_pin(app, session, season, tmp_path, monkeypatch):
    from inspect_app.signing import signed_archive as signing

    _, inspection = third_station(app, session, season)
    leader = season["leader"]
    bundle = build(app, session, season, tmp_path)
    review.review(session, leader.actor, inspection.id, "return", "补拍照片")
    monkeypatch.setattr(signing, "unlock", lambda *a, **k: pytest.fail("the PIN was looked at"))
    with pytest.raises(Invalid, match="已过期"):
        bundles.sign_off(
            session,
            leader.actor,
            app.extensions["filestore"],
            leader,
            bundle.id,
            keyed(app, "000000"),
            signature_png(),
            tmp_path,
        )


def test_a_change_during_the_sign_off_is_found_in_its_final_transaction(app, session, season, tmp_path, monkeypatch):
    from inspect_app.bundles import contents as bundle_contents

    bundle = build(app, session, season, tmp_path)
    real = bundle_contents.check
    calls = []

    def check(session_, store, bundle_):
        calls.append(1)
        found = real(session_, store, bundle_)
        if len(calls) > 1:  # the final transaction's check: the narrative was changed behind the sign-off
            return bundle_contents.Check(("文字说明：有改动",), found.data)
        return found

    monkeypatch.setattr(bundle_contents, "check", check)
    with pytest.raises(Invalid, match="已过期"):
        sign(app, session, season, bundle.id, tmp_path)
    session.refresh(bundle)
    assert bundle.status is BundleStatus.READY and bundle.archive_key is None and bundle.claim_token is None


def test_an_unedited_narrative_follows_the_data_and_an_edited_one_is_carried(app, session, season, tmp_path):
    _, inspection = third_station(app, session, season)
    leader = season["leader"]
    draft = bundles.narrative_draft(session, leader.actor, leader.district_id, season["campaign"])
    assert "完成自查验收3个" in draft
    first = build(app, session, season, tmp_path, draft, drafted_from=draft)
    sign(app, session, season, first.id, tmp_path)
    # Version 2 unlocks the inspections; one is returned; the narrative, never edited, is written again.
    second = build(app, session, season, tmp_path, None)
    review.review(session, leader.actor, inspection.id, "return", "补拍照片")
    second = build(app, session, season, tmp_path, None)
    assert "完成自查验收2个" in second.narrative and "完成自查验收3个" not in second.narrative
    signed = sign(app, session, season, second.id, tmp_path)
    with zipfile.ZipFile(app.extensions["filestore"].path(signed.archive_key)) as archive:
        assert "完成自查验收2个" in pdf_text(archive.read("report.pdf"))
    # An edited narrative is the leader's: a new version carries it as written.
    edited = second.narrative + "另：已督促整改。"
    third = build(app, session, season, tmp_path, edited, drafted_from=second.narrative)
    sign(app, session, season, third.id, tmp_path)
    fourth = build(app, session, season, tmp_path, None)
    assert fourth.version == 4 and fourth.narrative == edited


def test_a_bundle_needs_an_accepted_inspection(app, session, runner, tmp_path, campaign):
    leader = make_user(session, "leader", "150602", username="leader.empty")
    inspector = make_user(session, "inspector", "150602", username="insp.empty")
    station = make_station(session, "150602", name="东胜空服务站")
    with pytest.raises(Invalid, match="审核通过"):
        bundles.begin_build(session, leader.actor, leader.district_id, campaign.id, "说明")
    inspections.open_inspection(session, inspector.actor, station.id, campaign)
    with pytest.raises(Invalid, match="审核通过"):
        bundles.begin_build(session, leader.actor, leader.district_id, campaign.id, "说明")
    assert session.query(Bundle).count() == 0
    pin = tmp_path / "pin"
    pin.write_text(PIN)
    result = runner.invoke(
        args=[
            "bundle",
            "build",
            "--district",
            "150602",
            "--campaign",
            str(campaign.id),
            "--sign-as",
            "leader.empty",
            "--pin-file",
            str(pin),
            "--out",
            str(tmp_path / "x.zip"),
        ]
    )
    assert result.exit_code != 0 and "审核通过" in result.output


def test_the_figures_check_reads_the_versions_own_figures(app, session, season, tmp_path):
    from inspect_app.bundles import contents as bundle_contents

    bundle = build(app, session, season, tmp_path, "本次完成自查验收3个，合格3个，平均得分90.1分。")
    found = bundle_contents.check(session, app.extensions["filestore"], bundle)
    assert not found.changes
    assert bundle_contents.figure_warnings(bundle.narrative, found.data) == [
        "文字说明中写“完成自查验收3个”，本版实际为2个",
        "文字说明中写“合格3个”，本版实际为0个",
        "文字说明中写“平均得分90.1分”，本版实际为100.0分",
    ]


# The page.


def test_the_page_says_what_changed_and_offers_a_rebuild_instead_of_the_sign_form(
    app, client, auth, session, season, tmp_path
):
    station, inspection = third_station(app, session, season)
    leader = season["leader"]
    bundle_id = build(app, session, season, tmp_path).id
    auth.login("leader.ds")
    ready = client.get("/review/bundle/").get_data(as_text=True)
    assert "第1版 · 待签字" in ready and 'name="pin"' in ready and "已过期" not in ready
    review.review(session, leader.actor, inspection.id, "return", "补拍照片")
    page = client.get("/review/bundle/").get_data(as_text=True)
    assert "第1版 · 已过期" in page and "待签字" not in page and 'name="pin"' not in page
    assert f"服务站 {station.number} 东胜第三服务站 的检查：已移除" in page and "重新生成" in page
    assert client.get(f"/review/bundle/{bundle_id}/status").get_json()["label"] == "已过期"
    refused = client.post(f"/review/bundle/{bundle_id}/sign", data={"pin": PIN, "signature": ""}, follow_redirects=True)
    assert "已过期" in refused.get_data(as_text=True)


def test_the_page_points_out_stale_figures_and_redrafts_with_the_old_text_beside(
    app, client, auth, session, season, tmp_path
):
    edited = "东胜区说明：本次完成自查验收3个，平均得分90.1分。"
    build(app, session, season, tmp_path, edited, drafted_from="东胜区初稿")
    auth.login("leader.ds")
    page = client.get("/review/bundle/").get_data(as_text=True)
    assert "文字说明中写“完成自查验收3个”，本版实际为2个" in page
    assert "文字说明中写“平均得分90.1分”，本版实际为100.0分" in page and "重新起草" in page
    redraft = client.get("/review/bundle/?redraft=1").get_data(as_text=True)
    textarea = redraft.split("<textarea")[1].split("</textarea>")[0]
    assert "完成自查验收2个" in textarea and "90.1" not in textarea
    assert "<details" in redraft and edited in redraft.split("<details")[1]


def test_a_page_opened_before_a_rebuild_does_not_sign_the_rebuilt_version(app, client, auth, session, season, tmp_path):
    # Another tab (or the district's other leader) builds the version again after this page was opened: the new
    # preview is ready, but it is not what this page showed, so this page's sign-off signs nothing.
    import base64
    import re

    station, inspection = third_station(app, session, season)
    leader = season["leader"]
    bundle_id = build(app, session, season, tmp_path).id
    auth.login("leader.ds")
    page = client.get("/review/bundle/").get_data(as_text=True)
    seen = re.search(r'name="fingerprint" value="([0-9a-f]{64})"', page).group(1)
    review.review(session, leader.actor, inspection.id, "return", "补拍照片")
    rebuilt = build(app, session, season, tmp_path)
    assert rebuilt.id == bundle_id and rebuilt.status is BundleStatus.READY and rebuilt.fingerprint != seen
    drawn = "data:image/png;base64," + base64.b64encode(signature_png()).decode()
    refused = client.post(
        f"/review/bundle/{bundle_id}/sign",
        data={"pin": PIN, "signature": drawn, "fingerprint": seen},
        follow_redirects=True,
    )
    assert "在您打开页面之后已重新生成，未签字" in refused.get_data(as_text=True)
    session.expire_all()
    assert session.get(Bundle, bundle_id).status is BundleStatus.READY
    signed = client.post(
        f"/review/bundle/{bundle_id}/sign",
        data={"pin": PIN, "signature": drawn, "fingerprint": rebuilt.fingerprint},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "第1版证据包已生成" in signed


def test_the_next_version_lays_out_only_the_parts_that_changed(app, session, season, tmp_path, monkeypatch):
    """Parts are kept per district and campaign beyond a sign-off: after one inspection changes, the next
    version reuses every part whose HTML is the same, and the signed report lays out only its last pages."""
    import functools

    _, inspection = third_station(app, session, season)
    monkeypatch.setattr(bundles, "write_report", functools.partial(report_build.write_report, stations_per_part=1))
    laid_out: list[str] = []
    real = report_build.write_pdf
    monkeypatch.setattr(report_build, "write_pdf", lambda html, path: laid_out.append(html) or real(html, path))
    first = build(app, session, season, tmp_path)
    sign(app, session, season, first.id, tmp_path)
    first_parts = set(laid_out)
    laid_out.clear()
    leader = season["leader"]
    second, token = bundles.begin_build(session, leader.actor, leader.district_id, season["campaign"].id, "说明")
    review.review(session, leader.actor, inspection.id, "return", "标识牌照片不清楚")  # the new version unlocked it
    store = app.extensions["filestore"]
    bundles.build_preview(session, store, second.id, leader.display_name, tmp_path, token)
    again = [html for html in laid_out if html in first_parts]
    assert again == [], "a part laid out for the signed version was laid out again"
    station_parts = [html for html in first_parts if "<h2>" in html and "签字日期" not in html]
    assert len(station_parts) == 3 and len(laid_out) <= 3  # the cover, the sign-off page and one station part at most
