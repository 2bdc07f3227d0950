"""The signboards page: what each station lacks before printing, its plaques' PDFs, the district's batch, a plaque
reissued by the leader, the district wall, and `flask signboards print`."""

from __future__ import annotations

import io
import subprocess

import pikepdf
import pytest
import zxingcpp
from PIL import Image
from signboard_support import ready_station
from support import cli, make_station

from inspect_app.domain.directory.signboards import printed_short_code
from inspect_app.models import Plaque
from inspect_app.signboards import plaques


@pytest.fixture
def store(app):
    return app.extensions["filestore"]


@pytest.fixture
def stations(session, store):
    return {
        "ready": ready_station(session, store, name="东胜区万达广场12315消费维权服务站"),
        "demonstration": ready_station(session, store, demonstration=True, name="东胜区王府井12315消费维权示范站"),
        "lacking": make_station(session, "150602", name="东胜区缺人12315消费维权服务站"),
        "elsewhere": ready_station(session, store, "150603", name="康巴什区12315消费维权服务站"),
    }


def page_count(data: bytes) -> int:
    with pikepdf.Pdf.open(io.BytesIO(data)) as pdf:
        return len(pdf.pages)


def test_the_leader_sees_what_each_station_lacks_before_printing(client, login_as, stations):
    login_as("leader", "150602")
    page = client.get("/signboards/").get_data(as_text=True)
    assert "东胜区万达广场12315消费维权服务站" in page and "康巴什区" not in page
    assert "没有登记工作人员" in page and "没有责任监管人员" in page  # the lacking station's gaps, in Chinese
    assert "示范站</span>" in page
    ready, demonstration, lacking = stations["ready"], stations["demonstration"], stations["lacking"]
    assert f"/signboards/stations/{ready.id}/station-A3.pdf" in page
    assert f"/signboards/stations/{ready.id}/demonstration-A3.pdf" not in page  # not confirmed by the city
    assert f"/signboards/stations/{demonstration.id}/demonstration-A4.pdf" in page
    assert f"/signboards/stations/{lacking.id}/station-A3.pdf" not in page
    assert "/signboards/batch/station-A3.pdf" in page and "/signboards/batch/demonstration-A4.pdf" in page
    assert 'href="/signboards/"' in page  # in the navigation


def test_a_station_pdf_downloads_and_issues_the_plaque(client, login_as, stations, session):
    login_as("leader", "150602")
    ready = stations["ready"]
    response = client.get(f"/signboards/stations/{ready.id}/station-A3.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert page_count(response.data) == 1
    session.expire_all()
    plaque = plaques.current_plaque(ready)
    assert plaque is not None
    page = client.get("/signboards/").get_data(as_text=True)
    assert printed_short_code(plaque.short_code) in page  # the page shows the code now on the wall


def test_the_qr_code_holds_the_configured_public_address(app, client, login_as, stations, session, tmp_path):
    app.config["PUBLIC_BASE_URL"] = "https://12315.ordos.example"
    login_as("city")
    ready = stations["ready"]
    response = client.get(f"/signboards/stations/{ready.id}/station-A4.pdf")
    session.expire_all()
    plaque = plaques.current_plaque(ready)
    image = pdf_image(response.data, tmp_path)
    found = [b.text for b in zxingcpp.read_barcodes(image)]
    assert found == [f"https://12315.ordos.example/s/{plaque.token}"]


def test_refusals_say_what_is_missing_and_change_nothing(client, login_as, stations, session):
    login_as("leader", "150602")
    ready, lacking = stations["ready"], stations["lacking"]
    refused = client.get(f"/signboards/stations/{lacking.id}/station-A3.pdf", follow_redirects=True)
    assert "未制作附件1牌匾" in refused.get_data(as_text=True)
    assert "没有登记工作人员" in refused.get_data(as_text=True)
    not_confirmed = client.get(f"/signboards/stations/{ready.id}/demonstration-A3.pdf", follow_redirects=True)
    assert "未经市级确认为示范站" in not_confirmed.get_data(as_text=True)
    never_printed = client.post(f"/signboards/stations/{ready.id}/reissue", follow_redirects=True)
    assert "还没有打印过牌匾" in never_printed.get_data(as_text=True)
    assert session.query(Plaque).count() == 0
    assert client.get(f"/signboards/stations/{ready.id}/station-A5.pdf").status_code == 404
    assert client.get("/signboards/batch/poster-A3.pdf").status_code == 404


def test_the_batch_holds_the_ready_stations_only(client, login_as, stations):
    login_as("leader", "150602")
    station = client.get("/signboards/batch/station-A3.pdf")
    assert station.status_code == 200 and page_count(station.data) == 2  # 万达广场 and 王府井; not the lacking one
    demonstration = client.get("/signboards/batch/demonstration-A4.pdf")
    assert page_count(demonstration.data) == 1


def test_the_city_chooses_the_district(client, login_as, stations):
    login_as("city")
    elsewhere = stations["elsewhere"]
    page = client.get(f"/signboards/?district={elsewhere.district_id}").get_data(as_text=True)
    assert "康巴什区12315消费维权服务站" in page and "东胜区万达广场" not in page
    assert "重新制作牌匾" not in page  # the city prints, the district's leader reissues


def test_the_leader_reissues_a_plaque(client, login_as, stations, session):
    login_as("leader", "150602")
    ready = stations["ready"]
    client.get(f"/signboards/stations/{ready.id}/station-A3.pdf")
    session.expire_all()
    old = plaques.current_plaque(ready)
    assert "重新制作牌匾" in client.get("/signboards/").get_data(as_text=True)
    done = client.post(f"/signboards/stations/{ready.id}/reissue", follow_redirects=True)
    assert "已换发新牌匾" in done.get_data(as_text=True)
    session.expire_all()
    new = plaques.current_plaque(ready)
    assert new is not None and old is not None and new.id != old.id and new.token != old.token


def test_another_districts_leader_gets_404(client, login_as, stations, session):
    login_as("leader", "150603")
    ready = stations["ready"]
    assert client.get(f"/signboards/stations/{ready.id}/station-A3.pdf").status_code == 404
    assert client.post(f"/signboards/stations/{ready.id}/reissue").status_code == 404
    page = client.get(f"/signboards/?district={ready.district_id}").get_data(as_text=True)
    assert "东胜区万达广场" not in page  # a district role always sees its own district
    assert session.query(Plaque).filter_by(station_id=ready.id).count() == 0


def test_the_command_line_prints_a_districts_batch(app, stations, tmp_path):
    out = tmp_path / "boards.pdf"
    result = cli(
        app,
        "signboards",
        "print",
        "--district",
        "150602",
        "--size",
        "A4",
        "--kind",
        "station",
        "--base-url",
        "https://12315.ordos.example",
        str(out),
    )
    assert result.exit_code == 0, result.output
    assert page_count(out.read_bytes()) == 2
    assert "未打印" in result.output and "东胜区缺人12315消费维权服务站" in result.output
    unset = cli(app, "signboards", "print", "--district", "150602", str(tmp_path / "x.pdf"))
    assert unset.exit_code != 0 and "PUBLIC_BASE_URL" in unset.output


def pdf_image(data: bytes, folder) -> Image.Image:
    source = folder / "board.pdf"
    source.write_bytes(data)
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-singlefile", str(source), str(folder / "page")], check=True)
    return Image.open(folder / "page.png")
