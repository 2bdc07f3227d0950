"""A plaque from the print shop to a consumer's phone: the leader downloads the signboard, a QR reader no one here
wrote reads the paper, and the address it finds serves that station's public page, without sign-in; the plaque
reissued, and then the station retired, its old paper says so."""

from __future__ import annotations

import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import zxingcpp
from PIL import Image
from signboard_support import ready_station

from inspect_app.directory import operations as directory
from inspect_app.domain.directory.signboards import printed_short_code
from inspect_app.signboards import plaques


def qr_on(pdf: bytes, folder: Path) -> str:
    """What the QR code on the (one-page) signboard says, read off a 150 dpi rendering of the paper."""
    folder.mkdir(exist_ok=True)
    (folder / "board.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(folder / "board.pdf"), str(folder / "page")], check=True)
    (page,) = sorted(folder.glob("page*.png"))
    with Image.open(page) as image:
        (found,) = [f.text for f in zxingcpp.read_barcodes(image) if f.format == zxingcpp.BarcodeFormat.QRCode]
    return found


def test_the_paper_leads_a_phone_to_this_station_and_an_old_paper_says_it_is_old(
    app, session, client, login_as, tmp_path
):
    store = app.extensions["filestore"]
    station = ready_station(session, store, name="东胜万达广场12315消费维权服务站")
    other = ready_station(session, store, name="东胜维多利超市12315消费维权服务站")
    leader = login_as("leader", "150602")
    first = client.get(f"/signboards/stations/{station.id}/station-A4.pdf")
    assert first.status_code == 200 and first.mimetype == "application/pdf"
    address = qr_on(first.data, tmp_path / "first")
    session.refresh(station)
    assert urlsplit(address).path == f"/s/{plaques.current_plaque(station).token}"  # a token, not the station's id
    shown = client.get(f"/directory/{station.id}").get_data(as_text=True)
    code = printed_short_code(plaques.current_plaque(station).short_code)
    assert f'现行牌匾：编码 <span class="nowrap">{code}</span>' in shown and f'href="{urlsplit(address).path}"' in shown
    other_address = qr_on(client.get(f"/signboards/stations/{other.id}/station-A3.pdf").data, tmp_path / "other")

    phone = app.test_client()  # a consumer: never signed in
    page = phone.get(urlsplit(address).path)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and station.name in text and "在册" in text and "王丽" in text
    assert other.name not in text
    assert station.name not in phone.get(urlsplit(other_address).path).get_data(as_text=True)

    reissued = client.post(f"/signboards/stations/{station.id}/reissue", follow_redirects=True)
    assert reissued.status_code == 200
    new_address = qr_on(client.get(f"/signboards/stations/{station.id}/station-A4.pdf").data, tmp_path / "new")
    assert new_address != address
    old = phone.get(urlsplit(address).path).get_data(as_text=True)
    assert "此牌匾已停用" in old and "王丽" not in old
    assert station.name in phone.get(urlsplit(new_address).path).get_data(as_text=True)

    directory.retire_station(session, leader.actor, station.id)
    for gone in (address, new_address):
        retired = phone.get(urlsplit(gone).path).get_data(as_text=True)
        assert "已撤销" in retired and station.name in retired and "王丽" not in retired and "赵志刚" not in retired
    refused = client.get(f"/signboards/stations/{station.id}/station-A4.pdf", follow_redirects=True)
    assert refused.mimetype == "text/html" and "服务站已撤销" in refused.get_data(as_text=True)
