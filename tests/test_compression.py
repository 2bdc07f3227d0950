"""Text responses go compressed to a client that accepts it, and read the same once decoded; photos, other
files, ranges and clients that ask for nothing go as they are."""

from __future__ import annotations

import gzip

import brotli
import pytest
from photo_factory import jpeg
from support import open_inspection, upload

from inspect_app.config import PROJECT_ROOT

GZIP = {"Accept-Encoding": "gzip"}
STYLES = (PROJECT_ROOT / "static" / "app.css").read_bytes()


def fetch(client, path: str, **headers):
    """Get a page whole (a static file streams: read it before the file is closed)."""
    response = client.get(path, headers=headers)
    response.make_sequence()
    response.close()
    return response


def test_a_page_comes_back_gzipped_and_decodes_to_the_same_page(client):
    plain = fetch(client, "/inspect/offline")
    packed = fetch(client, "/inspect/offline", **GZIP)
    assert packed.status_code == plain.status_code == 200
    assert packed.headers["Content-Encoding"] == "gzip" and "Content-Encoding" not in plain.headers
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert gzip.decompress(packed.data) == plain.data
    assert int(packed.headers["Content-Length"]) == len(packed.data) < len(plain.data)
    assert "没有网络连接" in plain.get_data(as_text=True)


def test_brotli_when_the_browser_offers_it(client):
    plain = fetch(client, "/inspect/offline")
    packed = fetch(client, "/inspect/offline", **{"Accept-Encoding": "gzip, deflate, br, zstd"})
    assert packed.headers["Content-Encoding"] == "br"
    assert brotli.decompress(packed.data) == plain.data


def test_without_accept_encoding_nothing_is_compressed(client):
    for path in ("/inspect/offline", "/static/app.css", "/sw.js"):
        response = fetch(client, path)
        assert response.status_code == 200 and "Content-Encoding" not in response.headers, path
    assert fetch(client, "/static/app.css").data == STYLES
    refused = fetch(client, "/inspect/offline", **{"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in refused.headers and b"<html" in refused.data


@pytest.mark.parametrize("path", ["/static/app.css", "/static/pwa/app.js", "/sw.js"])
def test_styles_and_scripts_are_gzipped_for_an_older_phone(client, path):
    plain = fetch(client, path)
    packed = fetch(client, path, **GZIP)
    assert packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.data) == plain.data
    # Ranges count the stored bytes, not these: only the plain answer offers them.
    assert "Accept-Ranges" not in packed.headers


def test_a_static_file_keeps_its_etag_per_encoding_and_answers_304(client):
    plain = fetch(client, "/static/app.css")
    packed = fetch(client, "/static/app.css", **GZIP)
    # A cache must never hand the gzipped bytes to a client that asked for plain ones under the same tag.
    assert packed.headers["ETag"] != plain.headers["ETag"]
    again = fetch(client, "/static/app.css", **GZIP, **{"If-None-Match": packed.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    plain_again = fetch(client, "/static/app.css", **{"If-None-Match": plain.headers["ETag"]})
    assert plain_again.status_code == 304


def test_a_range_of_a_static_file_is_sent_as_stored(client):
    part = fetch(client, "/static/app.css", **GZIP, Range="bytes=0-1999")  # past the 500-byte floor
    assert part.status_code == 206 and "Content-Encoding" not in part.headers
    assert part.data == STYLES[:2000]


def test_a_photo_is_not_compressed_again(client, session, login_as, station):
    login_as("inspector", "150602")
    inspection_id = open_inspection(client, station)
    original = jpeg(seed=5)
    upload(client, inspection_id, "signboard", original)
    from inspect_app.models import Photo

    photo = session.query(Photo).one()
    for variant in ("original", "display"):
        got = fetch(client, f"/files/photos/{photo.id}/{variant}", **{"Accept-Encoding": "gzip, deflate, br"})
        assert got.status_code == 200 and "Content-Encoding" not in got.headers, variant
        assert got.data[:3] == b"\xff\xd8\xff"
    assert fetch(client, f"/files/photos/{photo.id}/original", **GZIP).data == original
