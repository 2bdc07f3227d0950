"""The photos' print copies: made once by the first preview, kept, printed by the report, released with the photo."""

from __future__ import annotations

import io
import subprocess

import pikepdf
import test_report
from photo_factory import jpeg
from PIL import Image, ImageDraw

from inspect_app.adapters import imaging
from inspect_app.bundles import operations as bundles
from inspect_app.bundles.report import print_copies
from inspect_app.housekeeping import stored_files
from inspect_app.inspection import photos
from inspect_app.models import Inspection, Photo


def _photos(session) -> list[Photo]:
    session.expire_all()
    return list(session.query(Photo).order_by(Photo.id))


def test_the_first_preview_makes_the_print_copies_and_later_ones_keep_them(app, session, season, tmp_path, monkeypatch):
    leader, store = season["leader"], app.extensions["filestore"]
    made = []
    real = imaging.print_copy
    monkeypatch.setattr(imaging, "print_copy", lambda data, box: made.append(box) or real(data, box))
    assert all(photo.print_key is None for photo in _photos(session))
    bundle = bundles.start_draft(session, leader.actor, leader.district_id, season["campaign"].id, "")
    bundles.build_preview(session, store, bundle.id, leader.display_name, tmp_path)
    kept = {photo.id: photo.print_key for photo in _photos(session)}
    assert len(made) == len(kept) == 4 and all(kept.values()) and len(set(kept.values())) == 4
    for key in kept.values():
        with Image.open(store.path(key)) as copy:
            assert copy.width <= 629 and copy.height <= 488 and "exif" not in copy.info
    assert print_copies.photos_to_print(session, leader.district_id, season["campaign"].id) == []

    bundle = bundles.start_draft(session, leader.actor, leader.district_id, season["campaign"].id, "")
    bundles.build_preview(session, store, bundle.id, leader.display_name, tmp_path)
    assert len(made) == 4  # none made again
    assert {photo.id: photo.print_key for photo in _photos(session)} == kept
    assert stored_files.sweep(session, store, now=1e12) == []  # the housekeeping sweep counts them as named


def test_a_copy_made_meanwhile_by_another_build_is_kept(app, session, season):
    store = app.extensions["filestore"]
    stale = _photos(session)[0]  # read by this build before the other one commits its copy
    other = app.extensions["db_sessionmaker"]()
    try:
        assert print_copies.make_print_copies(other, store, [other.get(Photo, stale.id)]) == 1
        first = other.get(Photo, stale.id).print_key
    finally:
        other.close()
    assert stale.print_key is None
    assert print_copies.make_print_copies(session, store, [stale]) == 0
    assert _photos(session)[0].print_key == first and store.exists(first)


def test_a_removed_photo_releases_its_print_copy(app, session, season):
    store = app.extensions["filestore"]
    photo = _photos(session)[0]
    print_copies.make_print_copies(session, store, [photo])
    key = photo.print_key
    assert key is not None and store.exists(key)
    released = photos._detach(session, photo)
    assert key in released
    session.commit()
    stored_files.collect(session, store, released)
    assert not store.exists(key)


GREEN, BLUE = (0, 200, 0), (0, 0, 220)  # far from every colour the report's text is printed in


def upright_marked(seed: int, lat: float, lon: float, size: tuple[int, int]) -> bytes:
    """A portrait photo stored on its side with EXIF orientation 6: green at the top, blue at the bottom upright."""
    width, height = size
    upright = Image.new("RGB", (height, width), (250, 250, 250))
    draw = ImageDraw.Draw(upright)
    draw.rectangle((0, 0, height, width // 3), fill=GREEN)
    draw.rectangle((0, 2 * width // 3, height, width), fill=BLUE)
    draw.rectangle((seed, width // 2, seed + 20, width // 2 + 20), fill=(90, 90, 90))  # a photo of its own
    raw = Image.open(io.BytesIO(jpeg(lat, lon, seed=seed)))
    out = io.BytesIO()
    exif = raw.getexif()
    exif[0x0112] = 6
    upright.transpose(Image.Transpose.ROTATE_90).save(out, "JPEG", quality=92, exif=exif.tobytes())
    return out.getvalue()


def test_the_report_prints_the_print_copies_upright(app, session, tmp_path, monkeypatch):
    store = app.extensions["filestore"]
    monkeypatch.setattr(test_report, "camera_photo", upright_marked)
    campaign_id = test_report.build_district(session, store, photos_per_station=(2,), size=(1200, 900))
    district_id = session.query(Inspection).first().station.district_id
    assert (
        print_copies.make_print_copies(session, store, print_copies.photos_to_print(session, district_id, campaign_id))
        == 2
    )
    built = test_report.render(session, store, campaign_id, tmp_path / "report.pdf", signed=False)
    printed = {built.data.printed(p) for s in built.data.stations for p in s.photos}
    assert printed == {store.path(p.print_key) for p in _photos(session)}

    with pikepdf.Pdf.open(built.path) as pdf:
        images = {image.objgen: image for page in pdf.pages for image in page.get_images().values()}  # shared by pages
        sizes = [(int(i.Width), int(i.Height)) for i in images.values() if int(i.Height) > 300]  # not signatures
    assert sorted(sizes) == [(366, 488), (366, 488)]  # the print copies as they are: 900 × 1200 upright, fitted

    # Every page rendered: where the photos are, they stand upright, green on top and blue below.
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(built.path), str(tmp_path / "p")], check=True)
    found = 0
    for shot in sorted(tmp_path.glob("p-*.png")):
        with Image.open(shot) as image:
            rgb = image.convert("RGB")
        pixels = [(x, y, rgb.getpixel((x, y))) for x in range(rgb.width) for y in range(rgb.height)]
        greens = [y for x, y, colour in pixels if _is(colour, GREEN)]
        blues = [y for x, y, colour in pixels if _is(colour, BLUE)]
        if len(greens) > 50 or len(blues) > 50:
            found += 1
            assert len(greens) > 50 and len(blues) > 50 and max(greens) < min(blues), shot.name
    assert found == 1  # the station's two photos side by side on one page


def _is(colour: tuple[int, int, int], expected: tuple[int, int, int]) -> bool:
    return all(abs(a - b) <= 40 for a, b in zip(colour, expected))
