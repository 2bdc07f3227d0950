"""The photo pipeline on photos made here with Pillow and piexif: content checks, EXIF facts, derivatives."""

from __future__ import annotations

import hashlib
import io
import struct
import zlib
from datetime import datetime, timedelta, timezone

import piexif
import pytest
from PIL import Image

from inspect_app.adapters.imaging import (
    PhotoRejected,
    check_signature_png,
    make_derivatives,
    photo_report,
    print_copy,
    read_photo,
)

RED, BLUE, WHITE = (230, 20, 20), (20, 20, 230), (255, 255, 255)
# What the camera does to the pixels for each orientation is undone by these (the inverse transposes).
TO_STORED = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


def scene(width: int = 640, height: int = 480) -> Image.Image:
    """An upright scene: red marker top left, blue marker top right, a gradient for the perceptual hash."""
    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    side = width // 5
    image.paste(WHITE, (0, height // 2, width, height))
    image.paste(RED, (0, 0, side, side))
    image.paste(BLUE, (width - side, 0, width, side))
    return image


def exif(
    orientation=None,
    lat=None,
    lon=None,
    lat_ref=b"N",
    lon_ref=b"E",
    taken=None,
    offset=None,
    make=None,
    model=None,
    gps=None,
) -> bytes:
    zeroth, exif_ifd, gps_ifd = {}, {}, dict(gps or {})
    if orientation is not None:
        zeroth[piexif.ImageIFD.Orientation] = orientation
    if make:
        zeroth[piexif.ImageIFD.Make] = make
    if model:
        zeroth[piexif.ImageIFD.Model] = model
    if taken:
        exif_ifd[piexif.ExifIFD.DateTimeOriginal] = taken
    if offset:
        exif_ifd[piexif.ExifIFD.OffsetTimeOriginal] = offset
    if lat is not None:
        gps_ifd.update({piexif.GPSIFD.GPSLatitudeRef: lat_ref, piexif.GPSIFD.GPSLatitude: lat})
    if lon is not None:
        gps_ifd.update({piexif.GPSIFD.GPSLongitudeRef: lon_ref, piexif.GPSIFD.GPSLongitude: lon})
    return piexif.dump({"0th": zeroth, "Exif": exif_ifd, "GPS": gps_ifd})


DONGSHENG_LAT = ((39, 1), (49, 1), (1200, 100))  # 39° 49′ 12″ = 39.82
DONGSHENG_LON = ((109, 1), (57, 1), (3600, 100))  # 109° 57′ 36″ = 109.96


def encode(image: Image.Image, fmt: str = "JPEG", exif_bytes: bytes | None = None, **options) -> bytes:
    out = io.BytesIO()
    if exif_bytes is not None:
        options["exif"] = exif_bytes
    image.save(out, format=fmt, **options)
    return out.getvalue()


def jpeg(image: Image.Image | None = None, **exif_fields) -> bytes:
    return encode(image or scene(), "JPEG", exif(**exif_fields) if exif_fields else None, quality=92)


def stored(orientation: int, upright: Image.Image) -> Image.Image:
    """The pixels as a camera stores them when it tags them with this orientation."""
    method = TO_STORED[orientation]
    return upright if method is None else upright.transpose(method)


def colour_at(image: Image.Image, fx: float, fy: float) -> tuple[int, int, int]:
    return image.convert("RGB").getpixel((int(fx * image.width), int(fy * image.height)))


def near(colour, expected, tolerance: int = 40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(colour, expected))


def open_jpeg(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    return image


def gps_of(data: bytes) -> dict:
    return piexif.load(data)["GPS"]


# ---- what is accepted and what is refused -------------------------------------------------------


def test_jpeg_facts():
    data = jpeg(make=b"Apple", model=b"iPhone 13", orientation=1)
    facts = read_photo(data)
    assert (facts.mime, facts.extension, facts.width, facts.height) == ("image/jpeg", "jpg", 640, 480)
    assert facts.sha256 == hashlib.sha256(data).hexdigest() and facts.size == len(data)
    assert len(facts.perceptual_hash) == 16 and int(facts.perceptual_hash, 16) >= 0
    assert (facts.exif.make, facts.exif.model, facts.exif.orientation) == ("Apple", "iPhone 13", 1)
    assert facts.exif.unreadable is False


def test_png_with_transparency_is_accepted_and_laid_on_white():
    image = scene().convert("RGBA")
    image.paste((0, 0, 0, 0), (0, 240, 640, 480))  # transparent lower half over black
    facts = read_photo(encode(image, "PNG"))
    assert (facts.mime, facts.extension) == ("image/png", "png")
    display, _ = make_derivatives(encode(image, "PNG"), facts)
    assert near(colour_at(open_jpeg(display), 0.5, 0.9), WHITE)


def test_webp_with_exif_gps():
    facts = read_photo(encode(scene(), "WEBP", exif(lat=DONGSHENG_LAT, lon=DONGSHENG_LON), quality=90))
    assert (facts.mime, facts.extension) == ("image/webp", "webp")
    assert (facts.exif.latitude, facts.exif.longitude) == pytest.approx((39.82, 109.96))


def test_heic_written_with_pillow_heif_is_read_upright():
    data = encode(stored(6, scene()), "HEIF", exif(orientation=6, lat=DONGSHENG_LAT, lon=DONGSHENG_LON), quality=90)
    assert data[4:12] == b"ftypheic"
    facts = read_photo(data)
    assert (facts.mime, facts.extension, facts.width, facts.height) == ("image/heic", "heic", 640, 480)
    assert facts.exif.orientation == 6 and facts.exif.latitude == pytest.approx(39.82)
    display, thumbnail = make_derivatives(data, facts)
    for copy in (open_jpeg(display), open_jpeg(thumbnail)):
        assert copy.width > copy.height
        assert near(colour_at(copy, 0.08, 0.08), RED) and near(colour_at(copy, 0.92, 0.08), BLUE)


def test_type_is_judged_by_content_not_name():
    assert read_photo(encode(scene(), "PNG")).mime == "image/png"  # whatever the upload was called
    with pytest.raises(PhotoRejected) as refused:
        read_photo(b"This is a text file that someone named photo.jpg\n")
    assert str(refused.value) == "文件不是照片，请上传 JPEG、PNG、WebP、HEIC 格式的照片"


@pytest.mark.parametrize("fmt, name", [("GIF", "GIF"), ("BMP", "BMP"), ("TIFF", "TIFF")])
def test_other_image_types_are_refused_by_name(fmt, name):
    with pytest.raises(PhotoRejected, match=f"不支持 {name} 格式.*JPEG、PNG、WebP、HEIC"):
        read_photo(encode(scene(64, 48), fmt))


def test_empty_and_oversized_files_are_refused():
    with pytest.raises(PhotoRejected, match="照片文件为空"):
        read_photo(b"")
    with pytest.raises(PhotoRejected) as refused:
        read_photo(b"\xff\xd8\xff" + bytes(20 * 2**20))
    assert str(refused.value) == "照片超过 20 MB"
    data = jpeg()
    assert read_photo(data, max_bytes=len(data)).size == len(data)
    with pytest.raises(PhotoRejected, match="照片超过"):
        read_photo(data, max_bytes=len(data) - 1)


@pytest.mark.parametrize("keep", [0.5, 0.9, 200])
def test_truncated_jpeg_is_refused(keep):
    data = jpeg(scene(1200, 900))
    cut = data[: int(len(data) * keep)] if keep < 1 else data[:keep]
    with pytest.raises(PhotoRejected) as refused:
        read_photo(cut)
    assert str(refused.value) == "照片文件已损坏或不完整"


def png_header(width: int, height: int) -> bytes:
    """A PNG that claims a size and holds no pixels: a decompression bomb's calling card."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = lambda kind, body: struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")


@pytest.mark.parametrize("width, height", [(100_000, 100_000), (10_000, 7_000)])
def test_decompression_bombs_are_refused_before_decoding(width, height):
    # The second is only a warning to Pillow (under twice its limit): it must be refused all the same.
    with pytest.raises(PhotoRejected, match="照片像素过多.*6000 万像素"):
        read_photo(png_header(width, height))


def test_pixel_limit_can_be_lowered():
    data = jpeg()
    with pytest.raises(PhotoRejected, match=r"照片像素过多（640×480），超过 30 万像素的上限"):
        read_photo(data, max_pixels=300_000)
    assert read_photo(data, max_pixels=640 * 480).width == 640


# ---- EXIF facts ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "lat_ref, lon_ref, signs",
    [(b"N", b"E", (1, 1)), (b"N", b"W", (1, -1)), (b"S", b"E", (-1, 1)), (b"S", b"W", (-1, -1))],
)
def test_gps_in_every_hemisphere(lat_ref, lon_ref, signs):
    facts = read_photo(jpeg(lat=DONGSHENG_LAT, lon=DONGSHENG_LON, lat_ref=lat_ref, lon_ref=lon_ref)).exif
    assert (facts.latitude, facts.longitude) == pytest.approx((39.82 * signs[0], 109.96 * signs[1]))


def test_zero_denominators_give_no_position_and_no_crash():
    facts = read_photo(jpeg(lat=((39, 1), (49, 0), (1200, 100)), lon=DONGSHENG_LON, taken=b"2026:09:15 10:30:00"))
    assert facts.exif.latitude is None and facts.exif.longitude is None
    assert facts.exif.unreadable is False and facts.exif.taken_at_local == "2026:09:15 10:30:00"


@pytest.mark.parametrize(
    "fields",
    [
        dict(lat=DONGSHENG_LAT),
        dict(lon=DONGSHENG_LON),
        dict(lat=((0, 1), (0, 1), (0, 1)), lon=((0, 1), (0, 1), (0, 1))),
        dict(lat=((95, 1), (0, 1), (0, 1)), lon=DONGSHENG_LON),
    ],
)
def test_half_a_position_or_an_impossible_one_is_none(fields):
    facts = read_photo(jpeg(**fields)).exif
    assert (facts.latitude, facts.longitude) == (None, None)


def test_missing_refs_mean_north_and_east():
    gps = {piexif.GPSIFD.GPSLatitude: DONGSHENG_LAT, piexif.GPSIFD.GPSLongitude: DONGSHENG_LON}
    facts = read_photo(jpeg(gps=gps)).exif
    assert (facts.latitude, facts.longitude) == pytest.approx((39.82, 109.96))


def test_no_exif_at_all():
    facts = read_photo(encode(scene(), "JPEG")).exif
    assert facts == type(facts)()  # every field empty, and readable


def test_time_with_its_offset():
    facts = read_photo(jpeg(taken=b"2026:09:15 10:30:00", offset=b"+05:30")).exif
    assert facts.taken_at == datetime(2026, 9, 15, 5, 0, tzinfo=timezone.utc)
    assert (facts.taken_at_local, facts.offset) == ("2026:09:15 10:30:00", "+05:30")


def test_time_without_an_offset_assumes_china():
    data = jpeg(taken=b"2026:09:15 10:30:00")
    facts = read_photo(data).exif
    assert facts.taken_at == datetime(2026, 9, 15, 2, 30, tzinfo=timezone.utc) and facts.offset is None
    assert read_photo(data, assume_local_offset="-05:00").exif.taken_at.hour == 15
    assert read_photo(data, assume_local_offset=None).exif.taken_at is None


@pytest.mark.parametrize(
    "taken, offset", [(b"0000:00:00 00:00:00", None), (b"    :  :     :  :  ", None), (b"2026:09:15 10:30:00", b"+8")]
)
def test_bad_time_values_are_dropped(taken, offset):
    facts = read_photo(jpeg(taken=taken, offset=offset)).exif
    assert facts.offset is None
    if taken.startswith(b"2026"):
        assert facts.taken_at == datetime(2026, 9, 15, 2, 30, tzinfo=timezone.utc)  # the bad offset is ignored
    else:
        assert facts.taken_at is None and facts.taken_at_local is None


@pytest.mark.parametrize(
    "raw",
    [b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\xff\xff", b"Exif\x00\x00not a tiff", b"Exif\x00\x00II*\x00\xff\xff\xff\x7f"],
)
def test_malformed_exif_keeps_the_photo(raw):
    data = encode(scene(), "JPEG", raw)
    facts = read_photo(data)
    assert facts.exif.unreadable is True and facts.exif.latitude is None and facts.width == 640
    display, thumbnail = make_derivatives(data, facts, browser_lat=39.82, browser_lon=109.96)
    assert open_jpeg(display).size == (640, 480) and open_jpeg(thumbnail).size == (320, 240)
    assert read_photo(display).exif.latitude == pytest.approx(39.82)


# ---- derivatives ---------------------------------------------------------------------------------


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_orientation_gives_upright_copies(orientation):
    data = jpeg(stored(orientation, scene()), orientation=orientation)
    facts = read_photo(data)
    assert (facts.width, facts.height) == (640, 480) and facts.exif.orientation == orientation
    display, thumbnail = make_derivatives(data, facts)
    for copy in (open_jpeg(display), open_jpeg(thumbnail)):
        assert copy.width > copy.height
        assert near(colour_at(copy, 0.08, 0.08), RED) and near(colour_at(copy, 0.92, 0.08), BLUE)
        assert near(colour_at(copy, 0.08, 0.92), WHITE) and near(colour_at(copy, 0.92, 0.92), WHITE)
    assert piexif.load(display)["0th"][piexif.ImageIFD.Orientation] == 1


@pytest.mark.parametrize(
    "upright, printed",
    [((3400, 2000), (629, 370)), ((1500, 2000), (366, 488)), ((500, 300), (500, 300))],
)
def test_the_print_copy_fits_the_printed_box_upright_without_metadata(upright, printed):
    data = jpeg(stored(6, scene(*upright)), orientation=6, make=b"Xiaomi", lat=DONGSHENG_LAT, lon=DONGSHENG_LON)
    display, _ = make_derivatives(data, read_photo(data))
    assert piexif.load(display)["GPS"]  # the display copy carries EXIF: the print copy must not
    copy = open_jpeg(print_copy(display, (629, 488)))
    assert abs(copy.width - printed[0]) <= 1 and abs(copy.height - printed[1]) <= 1  # aspect kept, never enlarged
    assert copy.width <= 629 and copy.height <= 488 and copy.mode == "RGB"
    assert "exif" not in copy.info and "icc_profile" not in copy.info and copy.getexif() == {}
    assert near(colour_at(copy, 0.08, 0.08), RED) and near(colour_at(copy, 0.92, 0.08), BLUE)
    assert near(colour_at(copy, 0.5, 0.92), WHITE)


def test_a_tagged_display_copy_is_printed_with_its_colours_and_no_profile():
    from PIL import ImageCms

    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    display = encode(scene(1600, 1200), "JPEG", quality=90, icc_profile=profile)
    copy = open_jpeg(print_copy(display, (629, 488)))
    assert "icc_profile" not in copy.info and copy.size == (629, 472)
    assert near(colour_at(copy, 0.08, 0.08), RED) and near(colour_at(copy, 0.92, 0.08), BLUE)


def test_upright_hash_ignores_how_the_camera_stored_the_pixels():
    upright = read_photo(jpeg(scene())).perceptual_hash
    turned = read_photo(jpeg(stored(6, scene()), orientation=6)).perceptual_hash
    other = read_photo(jpeg(scene().transpose(Image.Transpose.FLIP_TOP_BOTTOM))).perceptual_hash
    distance = lambda a, b: (int(a, 16) ^ int(b, 16)).bit_count()
    assert distance(upright, turned) <= 2
    assert distance(upright, other) > 10


def test_large_photo_is_shrunk_and_the_original_left_alone():
    data = jpeg(
        stored(6, scene(3400, 2000)),
        orientation=6,
        make=b"Xiaomi",
        model=b"14",
        taken=b"2026:09:15 10:30:00",
        offset=b"+08:00",
        lat=DONGSHENG_LAT,
        lon=DONGSHENG_LON,
    )
    before = bytes(data)
    facts = read_photo(data)
    assert (facts.width, facts.height) == (3400, 2000)
    display, thumbnail = make_derivatives(data, facts, browser_lat=1.0, browser_lon=2.0)
    assert open_jpeg(display).size == (1600, 941) and open_jpeg(thumbnail).size == (320, 188)
    assert data == before and hashlib.sha256(data).hexdigest() == facts.sha256
    kept = read_photo(display).exif
    assert (kept.make, kept.model, kept.taken_at_local, kept.offset, kept.orientation) == (
        "Xiaomi",
        "14",
        "2026:09:15 10:30:00",
        "+08:00",
        1,
    )
    # The camera's own position stays; the browser's is not written over it.
    assert (kept.latitude, kept.longitude) == pytest.approx((39.82, 109.96))
    assert gps_of(display)[piexif.GPSIFD.GPSLatitude] == DONGSHENG_LAT


def test_browser_position_is_written_when_the_photo_has_none():
    data = jpeg(taken=b"2026:09:15 10:30:00")
    taken = datetime(2026, 9, 15, 10, 30, 15, tzinfo=timezone(timedelta(hours=8)))
    display, _ = make_derivatives(
        data, read_photo(data), browser_lat=-39.8212345, browser_lon=109.9612345, browser_time=taken
    )
    facts = read_photo(display).exif
    assert (facts.latitude, facts.longitude) == pytest.approx((-39.8212345, 109.9612345), abs=1e-7)
    gps = gps_of(display)
    assert gps[piexif.GPSIFD.GPSDateStamp] == b"2026:09:15"
    assert gps[piexif.GPSIFD.GPSTimeStamp] == ((2, 1), (30, 1), (15000, 1000))  # UTC
    assert gps[piexif.GPSIFD.GPSProcessingMethod].endswith(b"BROWSER")


def test_no_gps_is_invented_without_a_browser_position():
    data = jpeg(make=b"Apple")
    display, _ = make_derivatives(data, read_photo(data))
    assert gps_of(display) == {} and read_photo(display).exif.make == "Apple"


def test_small_photos_are_not_enlarged():
    data = jpeg(scene(200, 150))
    display, thumbnail = make_derivatives(data, read_photo(data))
    assert open_jpeg(display).size == (200, 150) == open_jpeg(thumbnail).size


def test_derivatives_without_the_cached_decode_are_the_same_size():
    data = jpeg(stored(8, scene()), orientation=8)
    facts = read_photo(data)
    photo_report("x.jpg", data)  # drops the decoded copy kept for make_derivatives
    display, _ = make_derivatives(data, facts)
    assert open_jpeg(display).size == (640, 480) and near(colour_at(open_jpeg(display), 0.08, 0.08), RED)


# ---- report and signatures -----------------------------------------------------------------------


def test_photo_report():
    report = photo_report("a/b.jpg", jpeg(taken=b"2026:09:15 10:30:00", lat=DONGSHENG_LAT, lon=DONGSHENG_LON))
    assert set(report) == {"path", "sha256", "size", "mime", "width", "height", "perceptual_hash", "exif"}
    assert report["exif"]["taken_at"] == "2026-09-15T02:30:00+00:00"
    assert report["exif"]["latitude"] == pytest.approx(39.82) and report["exif"]["unreadable"] is False
    assert photo_report("x.jpg", b"hello") == {
        "path": "x.jpg",
        "error": "文件不是照片，请上传 JPEG、PNG、WebP、HEIC 格式的照片",
    }


def test_signature_png_is_checked_and_re_encoded():
    canvas = Image.new("RGBA", (600, 200), (0, 0, 0, 0))
    canvas.paste((17, 17, 17, 255), (100, 90, 500, 110))
    clean = check_signature_png(encode(canvas, "PNG", pnginfo=None))
    assert Image.open(io.BytesIO(clean)).size == (600, 200)
    for bad, message in [
        (b"", "请先在框内手写签名"),
        (jpeg(), "签名图片无效"),
        (encode(Image.new("RGBA", (600, 200), (0, 0, 0, 0)), "PNG"), "签名为空"),
    ]:
        with pytest.raises(PhotoRejected, match=message):
            check_signature_png(bad)


def test_truncated_photos_stay_refused_once_weasyprint_is_loaded():
    from PIL import ImageFile

    from inspect_app.adapters.pdf.report import create_pdf

    # WeasyPrint is imported with the first PDF, and flips a Pillow global when it is.
    assert create_pdf("<p>检查报告</p>").startswith(b"%PDF")
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
