"""Station parts laid out ahead (bundles/report/ahead.py) and many parts laid out side by side (build.py)."""

from __future__ import annotations

import re
import subprocess
import uuid
from pathlib import Path

from support import PASSWORD, accepted_inspection_submitted, make_station, make_user
from test_report import build_district, render

from inspect_app.bundles import jobs
from inspect_app.bundles import operations as bundles
from inspect_app.bundles.report import ahead
from inspect_app.bundles.report import build as report_build
from inspect_app.models import Inspection, Photo


def _counting(monkeypatch) -> list[str]:
    laid_out: list[str] = []
    real = report_build.write_pdf
    monkeypatch.setattr(report_build, "write_pdf", lambda html, path: laid_out.append(html) or real(html, path))
    return laid_out


def _preview(app, session, season, tmp_path):
    leader = season["leader"]
    bundle, token = bundles.begin_build(session, leader.actor, leader.district_id, season["campaign"].id, "说明")
    return bundles.build_preview(session, app.extensions["filestore"], bundle.id, leader.display_name, tmp_path, token)


def test_a_build_finds_the_parts_laid_out_ahead_and_lays_out_no_station(app, session, season, tmp_path, monkeypatch):
    """The part laid out ahead is the very part a build makes: same HTML, same name, so the build only joins it."""
    store = app.extensions["filestore"]
    inspections = session.query(Inspection).order_by(Inspection.id).all()
    assert all(photo.print_key is None for i in inspections for photo in i.photos)
    parts = [ahead.lay_out_station(session, store, i.id, tmp_path) for i in inspections]
    assert all(part is not None and part.is_file() for part in parts)
    # The print copies the parts embed were made for them, as the build would have.
    assert all(photo.print_key for i in inspections for photo in i.photos)
    laid_out = _counting(monkeypatch)
    built = _preview(app, session, season, tmp_path)
    assert built.preview_key
    names = [s.name for s in season["stations"]]
    assert laid_out, "the cover and the sign-off page are the build's own"
    assert not [html for html in laid_out if any(name in html and "验收核查表" in html for name in names)]
    text = subprocess.run(
        ["pdftotext", str(store.path(built.preview_key)), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert all(name in text.replace("\n", "") for name in names)
    # Laid out again for nothing: the part is kept, so asking twice lays out nothing.
    laid_out.clear()
    assert ahead.lay_out_station(session, store, inspections[0].id, tmp_path) == parts[0]
    assert laid_out == []


def test_an_inspection_open_again_is_not_laid_out(app, session, season, tmp_path):
    from inspect_app.review import operations as review

    inspection = session.query(Inspection).order_by(Inspection.id).first()
    review.review(session, season["leader"].actor, inspection.id, "return", "照片不清楚")
    assert ahead.lay_out_station(session, app.extensions["filestore"], inspection.id, tmp_path) is None
    assert ahead.lay_out_station(session, app.extensions["filestore"], 10**6, tmp_path) is None
    assert not (tmp_path / "report-parts").exists()


def test_submitting_on_the_page_and_by_the_api_lays_the_part_out(app, session, campaign, client, auth):
    """With REPORT_PARTS_AHEAD (the default), the submit starts the part's layout off the request."""
    app.config.update(REPORT_PARTS_AHEAD=True, JOBS_INLINE=True)
    inspector = make_user(session, "inspector", "150602", username="insp.ahead")
    assert auth.login(inspector.username, PASSWORD).status_code == 302
    for n, via in enumerate(("page", "api")):
        station = make_station(session, "150602", name=f"提前排版{n}号服务站", latitude="39.82", longitude="109.96")
        inspection = accepted_inspection_submitted(session, app, campaign, station, inspector, submit=False)
        if via == "page":
            response = client.post(f"/inspect/inspections/{inspection.id}/submit")
            assert response.status_code == 302
        else:
            response = client.post(
                f"/api/v1/inspections/{inspection.id}/submit", headers={"Idempotency-Key": str(uuid.uuid4())}
            )
            assert response.status_code == 200, response.get_data(as_text=True)
        folder = report_build.parts_dir(Path(app.instance_path), station.district_id, campaign.id)
        assert len(list(folder.glob("*.pdf"))) == n + 1, via
    session.expire_all()
    assert session.query(Photo).filter(Photo.print_key.is_(None)).count() == 0
    # Turned off, a submit leaves the layout to the builds.
    app.config["REPORT_PARTS_AHEAD"] = False
    assert jobs.enqueue_station_part(app, inspection.id) == "off"


def test_many_parts_laid_out_side_by_side_make_the_same_report(session, app, tmp_path, monkeypatch):
    """Past POOL_FROM_PARTS parts, processes lay them out; the report is the one a single process makes. Each
    process lays out at most PARTS_PER_PROCESS parts (two here, so that processes are replaced several times)."""
    monkeypatch.setattr(report_build, "PARTS_PER_PROCESS", 2)
    store = app.extensions["filestore"]
    stations = report_build.POOL_FROM_PARTS + 1
    campaign_id = build_district(session, store, photos_per_station=(2,) * stations, size=(800, 600))
    for name in ("alone", "together"):
        (tmp_path / name).mkdir()
    alone = render(session, store, campaign_id, tmp_path / "alone" / "report.pdf", signed=False, processes=1)
    together = render(session, store, campaign_id, tmp_path / "together" / "report.pdf", signed=False, processes=2)
    assert len(list((tmp_path / "together" / "parts").glob("*.pdf"))) == stations + 3  # cover, sign-off, glyphs

    def text(path):
        shown = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
        return re.sub(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", "", shown)  # when each was generated

    assert text(alone.path) == text(together.path)
