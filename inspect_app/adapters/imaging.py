"""Photo files: check an upload by its content, read its EXIF facts, make the display, thumbnail and print copies.

The only module that imports Pillow, piexif, pillow_heif and imagehash.
"""

from __future__ import annotations

import functools
import hashlib
import io
import re
import struct
import threading
import warnings
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta, timezone

import piexif
import pillow_heif
from PIL import Image, ImageCms

pillow_heif.register_heif_opener()

MAX_BYTES = 20 * 2**20
MAX_PIXELS = 60_000_000
Image.MAX_IMAGE_PIXELS = MAX_PIXELS  # Pillow's own guard (warns above, refuses at twice); we check too
DISPLAY_LONG_SIDE, THUMBNAIL_LONG_SIDE, HASH_LONG_SIDE = 1600, 320, 256

ACCEPTED = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "image/heic": "heic", "image/heif": "heif"}
ACCEPTED_NAMES = "JPEG、PNG、WebP、HEIC"
# The one Pillow plugin allowed to parse each type: no other parser ever sees an upload.
_PILLOW_FORMAT = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/webp": "WEBP",
    "image/heic": "HEIF",
    "image/heif": "HEIF",
}
_HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"}
_HEIF_BRANDS = {b"mif1", b"msf1"}
_OTHER_MAGIC = {b"GIF8": "GIF", b"BM": "BMP", b"II*\x00": "TIFF", b"MM\x00*": "TIFF", b"%PDF": "PDF"}
# Pillow's transpose for each EXIF orientation, as ImageOps.exif_transpose applies them.
_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_GPS, _EXIF, _IMAGE = piexif.GPSIFD, piexif.ExifIFD, piexif.ImageIFD


class PhotoRejected(ValueError):
    """An upload that cannot be kept as a photo; str() is the message for the inspector."""


@dataclass(frozen=True)
class ExifFacts:
    latitude: float | None = None  # WGS-84, as the camera wrote it
    longitude: float | None = None
    taken_at: datetime | None = None  # aware UTC; see read_photo for the assumed offset
    taken_at_local: str | None = None  # DateTimeOriginal as written, "YYYY:MM:DD HH:MM:SS"
    offset: str | None = None  # OffsetTimeOriginal, e.g. "+08:00"
    make: str | None = None
    model: str | None = None
    orientation: int | None = None
    unreadable: bool = False


@dataclass(frozen=True)
class PhotoFacts:
    sha256: str
    size: int
    mime: str
    extension: str
    width: int  # of the upright image
    height: int
    perceptual_hash: str
    exif: ExifFacts


def sniff_mime(data: bytes) -> str:
    """The accepted MIME type of the content, judged by its leading bytes only; PhotoRejected if none."""
    if data[:3] == b"\xff\xd8\xff":
        return "image/jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[4:8] == b"ftyp":
        brands = {data[8:12]} | {data[i : i + 4] for i in range(16, min(int.from_bytes(data[:4], "big"), 64), 4)}
        # iPhones write major brand "heic"; some tools write "mif1" with "heic" among the compatible ones.
        if brands & _HEIC_BRANDS or (brands & _HEIF_BRANDS and b"avif" not in brands):
            return "image/heic" if brands & _HEIC_BRANDS else "image/heif"
        brand = data[8:12].decode("ascii", "replace").strip().upper()
        raise PhotoRejected(f"不支持 {brand} 格式，请上传 {ACCEPTED_NAMES} 格式的照片")
    for magic, name in _OTHER_MAGIC.items():
        if data.startswith(magic):
            raise PhotoRejected(f"不支持 {name} 格式，请上传 {ACCEPTED_NAMES} 格式的照片")
    raise PhotoRejected(f"文件不是照片，请上传 {ACCEPTED_NAMES} 格式的照片")


def extension_of(mime: str) -> str:
    """The file name extension an accepted type is stored under."""
    return ACCEPTED[mime]


def _open(data: bytes, mime: str, max_pixels: int) -> Image.Image:
    """Open lazily (header only) with the one plugin for its type, refusing bombs before any decoding."""
    if Image.MAX_IMAGE_PIXELS is not None and Image.MAX_IMAGE_PIXELS < max_pixels:
        Image.MAX_IMAGE_PIXELS = max_pixels  # a caller allows more than Pillow's guard would
    limit = f"超过 {max_pixels / 10_000:g} 万像素的上限"
    try:
        # catch_warnings is process-wide, so a concurrent request could miss the escalation; the
        # explicit pixel check below still refuses such a photo.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "Corrupt EXIF": read_exif reports that as unreadable
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=[_PILLOW_FORMAT[mime]])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise PhotoRejected(f"照片像素过多，{limit}") from error
    except Exception as error:  # parsers fail in many ways on content that only claimed to be an image
        raise PhotoRejected("照片文件已损坏或不完整") from error
    if image.width * image.height > max_pixels:
        raise PhotoRejected(f"照片像素过多（{image.width}×{image.height}），{limit}")
    return image


def _checked_open(data: bytes, max_bytes: int, max_pixels: int) -> tuple[str, Image.Image]:
    """An upload's type by its content and its lazily opened image; PhotoRejected when empty, too large, of a type
    not accepted, or a bomb."""
    if not data:
        raise PhotoRejected("照片文件为空")
    if len(data) > max_bytes:
        raise PhotoRejected(f"照片超过 {max_bytes / 2**20:g} MB")
    mime = sniff_mime(data)
    return mime, _open(data, mime, max_pixels)


def read_photo(
    data: bytes, *, max_bytes: int = MAX_BYTES, max_pixels: int = MAX_PIXELS, assume_local_offset: str | None = "+08:00"
) -> PhotoFacts:
    """Check an upload by its content and read its facts; PhotoRejected says why it cannot be kept.

    Without an OffsetTimeOriginal, taken_at assumes `assume_local_offset` (phones in China run on UTC+8,
    and even a guessed zone catches a photo from last week); offset stays None so callers can tell.
    """
    mime, image = _checked_open(data, max_bytes, max_pixels)
    exif = read_exif(image.info.get("exif"), assume_local_offset)
    turn = _turn(image, exif)
    width, height = (image.height, image.width) if turn >= 5 else image.size  # before draft() shrinks it
    if image.format == "HEIF" and image.info.get("original_orientation") in range(1, 9):
        exif = replace(exif, orientation=image.info["original_orientation"])  # pillow_heif reset the tag to 1
    try:
        display = _upright(_decode_small(image, DISPLAY_LONG_SIDE), turn)
    except Exception as error:  # a truncated or corrupt file shows only when decoding
        raise PhotoRejected("照片文件已损坏或不完整") from error
    digest = hashlib.sha256(data).hexdigest()
    _remember(digest, display)
    small = display.convert("L").reduce(max(1, max(display.size) // HASH_LONG_SIDE))
    return PhotoFacts(
        sha256=digest,
        size=len(data),
        mime=mime,
        extension=ACCEPTED[mime],
        width=width,
        height=height,
        perceptual_hash=perceptual_hash(small),
        exif=exif,
    )


def perceptual_hash(image: Image.Image) -> str:
    """The pHash of an image (grey, already shrunk), as hex."""
    return str(_phash()(image))


def warm_up() -> None:
    """Import imagehash and SciPy's DCT now and hash once, so that the first upload does not pay for it (gunicorn's
    master calls this before forking, and the workers share the loaded code)."""
    perceptual_hash(Image.new("L", (64, 64)))


@functools.cache
def _phash() -> Callable[[Image.Image], object]:
    # imagehash brings NumPy and, on the first hash, SciPy's fftpack: some 40 MB that only the photo pipeline
    # needs, so it is imported on first use (or by warm_up) rather than with the app.
    import imagehash

    return imagehash.phash


# The upload reads a photo and makes its derivatives straight after. Keeping the decoded display-size
# image between the two calls spares a second decode of the JPEG, a third of the whole cost.
_recent: OrderedDict[str, Image.Image] = OrderedDict()
_recent_lock = threading.Lock()


def _remember(digest: str, display: Image.Image) -> None:
    with _recent_lock:
        _recent[digest] = display
        while len(_recent) > 2:  # two uploads at once; more would only hold memory
            _recent.popitem(last=False)


def _turn(image: Image.Image, exif: ExifFacts) -> int:
    return 1 if image.format == "HEIF" else exif.orientation or 1  # pillow_heif decodes HEIF upright


def _decode_small(image: Image.Image, long_side: int) -> Image.Image:
    """Decode to at most `long_side` pixels in RGB, letting libjpeg scale by 1/2–1/8 on the way."""
    target = _fit(image.size, long_side)
    image.draft("RGB", target)  # JPEG only: picks the smallest DCT scale still at least the target
    image.load()
    image = _to_rgb(image)
    if image.size != target:
        # reducing_gap makes resize() reduce() by a whole factor first, so PNG/WebP/HEIC stay quick too.
        # BOX is area averaging, the right filter for shrinking, and after libjpeg's scaling only a mild
        # step is left: Lanczos would cost 40 ms more on a 12 MP photo for no visible gain.
        image = image.resize(target, Image.Resampling.BOX, reducing_gap=2.0)
    return image


def _to_rgb(image: Image.Image) -> Image.Image:
    """RGB, laying any transparency on white (screenshots would otherwise turn black)."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        image = Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255, 255)), rgba)
    return image if image.mode == "RGB" else image.convert("RGB")


def _upright(image: Image.Image, orientation: int) -> Image.Image:
    return image.transpose(_TRANSPOSE[orientation]) if orientation in _TRANSPOSE else image


def _fit(size: tuple[int, int], long_side: int) -> tuple[int, int]:
    scale = min(1.0, long_side / max(size))  # never enlarge
    return max(1, round(size[0] * scale)), max(1, round(size[1] * scale))


def make_derivatives(
    data: bytes,
    facts: PhotoFacts,
    *,
    browser_lat: float | None = None,
    browser_lon: float | None = None,
    browser_time: datetime | None = None,
) -> tuple[bytes, bytes]:
    """The upright display JPEG (≤1600 px, with EXIF) and thumbnail JPEG (≤320 px) of a checked photo."""
    image = _open(data, facts.mime, max(MAX_PIXELS, facts.width * facts.height))
    with _recent_lock:
        display = _recent.pop(facts.sha256, None) if len(data) == facts.size else None
    if display is None:
        display = _upright(_decode_small(image, DISPLAY_LONG_SIDE), _turn(image, facts.exif))
    # A whole-factor box reduce lands on 320 px exactly for common sizes; the resize mops up the rest.
    thumbnail = display.resize(_fit(display.size, THUMBNAIL_LONG_SIDE), Image.Resampling.BILINEAR, reducing_gap=1.0)
    browser = (browser_lat, browser_lon) if browser_lat is not None and browser_lon is not None else None
    exif = display_exif(image.info.get("exif"), facts.exif, browser, browser_time)
    icc = image.info.get("icc_profile")  # iPhone photos are Display P3: without the profile colours go flat
    return _jpeg(display, 82, exif, icc), _jpeg(thumbnail, 75, b"", icc)


PRINT_QUALITY = 75


def print_copy(display: bytes, box: tuple[int, int]) -> bytes:
    """The copy a report prints from an (upright) display copy: fitted in box, sRGB, no metadata, JPEG q75."""
    image = Image.open(io.BytesIO(display))
    scale = min(1.0, box[0] / image.width, box[1] / image.height)  # never enlarge
    target = max(1, round(image.width * scale)), max(1, round(image.height * scale))  # ≤ box: box edges are whole
    image.draft("RGB", target)  # libjpeg scales by 1/2 on the way: a 1600 px copy decodes at 800 px
    image.load()
    image = _to_srgb(_to_rgb(image), image.info.get("icc_profile"))
    if image.size != target:
        image = image.resize(target, Image.Resampling.LANCZOS)  # printed: worth the sharper filter at this size
    # 75, what WeasyPrint re-encoded the scaled display copies at, keeps the report the size it was (80 made a
    # 20-station report 8 % larger).
    return _jpeg(image, PRINT_QUALITY, b"", None)


def _to_srgb(image: Image.Image, icc: bytes | None) -> Image.Image:
    """RGB pixels in sRGB: a PDF viewer or browser takes untagged RGB as sRGB, so Display P3 pixels (iPhone photos)
    must be converted, not just left untagged."""
    if not icc:
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        return ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"), outputMode="RGB")
    except ImageCms.PyCMSError:  # a broken profile: the pixels as they are beat no photo
        return image


def _jpeg(image: Image.Image, quality: int, exif: bytes, icc: bytes | None) -> bytes:
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=quality, exif=exif, icc_profile=icc)
    return out.getvalue()


def _exif_dict(raw: bytes | None) -> dict | None:
    """piexif's tags from the EXIF bytes Pillow found, None when there are none; raises when malformed."""
    if not raw:
        return None
    tiff = raw[6:] if raw.startswith(b"Exif\x00\x00") else raw  # WebP carries it without the prefix
    if tiff[:4] not in (b"II*\x00", b"MM\x00*"):
        raise ValueError("EXIF without a TIFF header")  # piexif would take such bytes for a file name
    _check_counts(tiff)
    return piexif.load(tiff)


# The IFDs piexif follows from each IFD, and the integer types whose single value it takes for a pointer.
_LINKS = {"0th": {_IMAGE.ExifTag: "Exif", _IMAGE.GPSTag: "GPS"}, "Exif": {_EXIF.InteroperabilityTag: "Interop"}}
_INTEGER_FORMATS = {1: "B", 3: "H", 4: "L", 6: "b", 8: "h", 9: "l"}


def _check_counts(tiff: bytes) -> None:
    """ValueError when an IFD entry claims more values than the whole EXIF holds.

    piexif builds a struct format of one letter per claimed value, so a count of four billion in a
    60-byte EXIF takes gigabytes of memory and minutes before it fails. The walk reads the IFDs piexif
    reads, slicing as it does; ASCII (2) and UNDEFINED (7) values are only sliced, so any count is harmless.
    """
    endian = "<" if tiff[:2] == b"II" else ">"
    pending = [(struct.unpack(endian + "L", tiff[4:8])[0], "0th")]
    while pending:
        pointer, name = pending.pop()
        count = struct.unpack(endian + "H", tiff[pointer : pointer + 2])[0]
        links: dict[str, int | None] = {}
        for at in range(pointer + 2, pointer + 2 + 12 * count, 12):
            tag, kind, values = (
                struct.unpack(endian + fmt, tiff[at + start : at + end])[0]
                for fmt, start, end in (("H", 0, 2), ("H", 2, 4), ("L", 4, 8))
            )
            if values > len(tiff) and kind not in (2, 7):
                raise ValueError("EXIF entry claims more values than the EXIF holds")
            if tag in _LINKS.get(name, {}):  # the last of repeated tags wins, as in piexif's dict
                fmt = _INTEGER_FORMATS.get(kind) if values == 1 else None
                links[_LINKS[name][tag]] = (
                    struct.unpack(endian + fmt, tiff[at + 8 : at + 8 + struct.calcsize(endian + fmt)])[0]
                    if fmt
                    else None
                )
        pending += [(link, child) for child, link in links.items() if link is not None]
        following = tiff[pointer + 2 + 12 * count : pointer + 6 + 12 * count]
        if name == "0th" and following != b"\x00\x00\x00\x00":
            pending.append((struct.unpack(endian + "L", following)[0], "1st"))


def read_exif(raw: bytes | None, assume_local_offset: str | None = "+08:00") -> ExifFacts:
    """The facts in raw EXIF bytes; anything malformed gives unreadable=True instead of an error."""
    try:
        tags = _exif_dict(raw)
        if tags is None:
            return ExifFacts()
        zeroth, exif, gps = tags["0th"], tags["Exif"], tags["GPS"]
        latitude = _degrees(gps.get(_GPS.GPSLatitude), gps.get(_GPS.GPSLatitudeRef), "S", 90)
        longitude = _degrees(gps.get(_GPS.GPSLongitude), gps.get(_GPS.GPSLongitudeRef), "W", 180)
        # A position is both numbers or nothing; 0,0 is what some phones write when they had no fix.
        if latitude is None or longitude is None or (latitude == 0 and longitude == 0):
            latitude = longitude = None
        local, offset = _text(exif.get(_EXIF.DateTimeOriginal)), _text(exif.get(_EXIF.OffsetTimeOriginal))
        offset = offset if _zone(offset) else None
        try:
            naive = datetime.strptime(local or "", "%Y:%m:%d %H:%M:%S")
            if naive.year in (1, 9999):  # a broken clock, and a time not every zone can show (10000 in Beijing)
                raise ValueError(local)
        except ValueError:  # blank or "0000:00:00 00:00:00", as cheap cameras write
            naive = local = None
        zone = _zone(offset or assume_local_offset)
        orientation = zeroth.get(_IMAGE.Orientation)
        return ExifFacts(
            latitude=latitude,
            longitude=longitude,
            taken_at=naive.replace(tzinfo=zone).astimezone(timezone.utc) if naive and zone else None,
            taken_at_local=local,
            offset=offset,
            make=_text(zeroth.get(_IMAGE.Make)),
            model=_text(zeroth.get(_IMAGE.Model)),
            orientation=orientation if orientation in range(1, 9) else None,
        )
    except Exception:  # piexif fails in many ways on hostile bytes; the photo itself is still good
        return ExifFacts(unreadable=True)


def _degrees(value, ref, negative: str, limit: float) -> float | None:
    """Decimal degrees from EXIF degree/minute/second rationals; None when missing or impossible."""
    if isinstance(value, tuple) and len(value) == 2 and all(isinstance(v, int) for v in value):
        value = (value,)  # a lone rational: degrees only
    try:
        parts = [numerator / denominator for numerator, denominator in value]
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    if not 1 <= len(parts) <= 3 or any(p < 0 for p in parts):
        return None
    degrees = sum(part / 60**i for i, part in enumerate(parts))
    if (_text(ref) or "").upper().startswith(negative):
        degrees = -degrees
    return degrees if abs(degrees) <= limit else None


def _text(value) -> str | None:
    value = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
    # NUL pads EXIF text; inside a value it would also be refused by PostgreSQL, so it reads as a space.
    return (value.replace("\x00", " ").strip(" ") or None) if isinstance(value, str) else None


def _zone(offset: str | None) -> timezone | None:
    if not offset or not re.fullmatch(r"[+-](0\d|1[0-4]):[0-5]\d", offset):
        return None
    return timezone(int(offset[0] + "1") * timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6])))


def display_exif(
    raw: bytes | None, facts: ExifFacts, browser: tuple[float, float] | None, browser_time: datetime | None
) -> bytes:
    """EXIF for the display copy: camera, time and GPS kept; the browser position only where GPS is missing."""
    try:
        tags = _exif_dict(raw)
    except Exception:  # unreadable: nothing of the original to keep
        tags = None
    tags = tags or {"0th": {}, "Exif": {}, "GPS": {}}
    zeroth = {tag: tags["0th"][tag] for tag in (_IMAGE.Make, _IMAGE.Model) if tag in tags["0th"]}
    zeroth[_IMAGE.Orientation] = 1  # the pixels are upright now
    exif = {tag: tags["Exif"][tag] for tag in (_EXIF.DateTimeOriginal, _EXIF.OffsetTimeOriginal) if tag in tags["Exif"]}
    if facts.latitude is not None and facts.longitude is not None:
        gps, fallback = dict(tags["GPS"]), _gps_tags(facts.latitude, facts.longitude, None, "")
    elif browser is not None:
        gps = fallback = _gps_tags(browser[0], browser[1], browser_time, "BROWSER")
    else:
        gps = fallback = {}
    try:
        return piexif.dump({"0th": zeroth, "Exif": exif, "GPS": gps})
    except Exception:  # an odd value piexif read but cannot write back: keep what we understood
        return piexif.dump({"0th": {_IMAGE.Orientation: 1}, "Exif": {}, "GPS": fallback})


def _gps_tags(lat: float, lon: float, at: datetime | None, method: str) -> dict:
    if at is not None and at.tzinfo is None:
        raise ValueError("browser_time must be timezone-aware")
    tags = {
        _GPS.GPSVersionID: (2, 3, 0, 0),
        _GPS.GPSMapDatum: b"WGS-84",
        _GPS.GPSLatitudeRef: b"N" if lat >= 0 else b"S",
        _GPS.GPSLatitude: _dms(abs(lat)),
        _GPS.GPSLongitudeRef: b"E" if lon >= 0 else b"W",
        _GPS.GPSLongitude: _dms(abs(lon)),
    }
    if method:  # tells a later reader that this position did not come from the camera
        tags[_GPS.GPSProcessingMethod] = b"ASCII\x00\x00\x00" + method.encode()
    if at is not None:
        utc = at.astimezone(timezone.utc)
        tags[_GPS.GPSDateStamp] = utc.strftime("%Y:%m:%d").encode()
        tags[_GPS.GPSTimeStamp] = ((utc.hour, 1), (utc.minute, 1), (utc.second * 1000 + utc.microsecond // 1000, 1000))
    return tags


def _dms(value: float) -> tuple:
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    return (degrees, 1), (minutes, 1), (round((value - degrees - minutes / 60) * 36_000_000), 10000)


def photo_report(path_name: str, data: bytes) -> dict:
    """What `flask photos inspect` prints for one file: its facts, or the reason it is refused."""
    try:
        facts = read_photo(data)
    except PhotoRejected as error:
        return {"path": path_name, "error": str(error)}
    with _recent_lock:
        _recent.pop(facts.sha256, None)  # no derivatives follow a report
    report = {"path": path_name, **{k: v for k, v in asdict(facts).items() if k != "extension"}}
    report["exif"]["taken_at"] = facts.exif.taken_at.isoformat() if facts.exif.taken_at else None
    return report


SIGNATURE_MAX_BYTES, SIGNATURE_MAX_SIDE = 2 * 2**20, 4000


def check_signature_png(data: bytes) -> bytes:
    """A finger-drawn signature (canvas PNG) checked and re-encoded clean; PhotoRejected says what is wrong."""
    if not data:
        raise PhotoRejected("请先在框内手写签名")
    if len(data) > SIGNATURE_MAX_BYTES or data[:8] != b"\x89PNG\r\n\x1a\n":
        raise PhotoRejected("签名图片无效，请重新签名")
    image = _open(data, "image/png", SIGNATURE_MAX_SIDE * SIGNATURE_MAX_SIDE // 4)
    if max(image.size) > SIGNATURE_MAX_SIDE:
        raise PhotoRejected("签名图片尺寸过大，请重新签名")
    try:
        image = image.convert("RGBA")
    except Exception as error:
        raise PhotoRejected("签名图片已损坏，请重新签名") from error
    extrema = image.getextrema()
    if extrema[3][1] == 0 or all(low == high for low, high in extrema):  # all transparent, or one flat colour
        raise PhotoRejected("签名为空，请在框内手写签名")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)  # a fresh file: no text chunks or anything else carried over
    return out.getvalue()


# A portrait as the plaque frames it: 3:4, the size the signboard lays out (4 × 5.3 cm at 300 dpi is about this).
PORTRAIT_SIZE = (480, 640)
PORTRAIT_MIN = (120, 160)  # below this a printed face is a blur: the upload is refused rather than blown up
PORTRAIT_QUALITY = 85


def portrait(data: bytes, *, max_bytes: int = MAX_BYTES, max_pixels: int = MAX_PIXELS) -> bytes:
    """A staff member's or officer's photo for the plaque: checked as an evidence photo is, turned upright by its
    EXIF, cropped to the frame's 3:4 (the excess above the head cut less than below, where a face sits in the top
    third), scaled to PORTRAIT_SIZE, sRGB, and re-encoded as a JPEG carrying no metadata. PhotoRejected says why not."""
    _, image = _checked_open(data, max_bytes, max_pixels)
    turn = _turn(image, read_exif(image.info.get("exif")))
    icc = image.info.get("icc_profile")
    upright_size = (image.height, image.width) if turn >= 5 else image.size
    box = _portrait_box(upright_size)
    if box[2] - box[0] < PORTRAIT_MIN[0] or box[3] - box[1] < PORTRAIT_MIN[1]:
        raise PhotoRejected(f"照片太小，请上传不小于 {PORTRAIT_MIN[0]}×{PORTRAIT_MIN[1]} 像素的正面照片")
    # Decode at the smallest JPEG scale whose crop still fills the frame: a 12 MP photo decodes at 1/4.
    scale = max(PORTRAIT_SIZE[0] / (box[2] - box[0]), PORTRAIT_SIZE[1] / (box[3] - box[1]), 0.0)
    wanted = (max(1, int(image.width * scale) + 1), max(1, int(image.height * scale) + 1))
    try:
        image.draft("RGB", wanted)
        image.load()
        image = _upright(_to_rgb(image), turn)
    except Exception as error:  # a truncated or corrupt file shows only when decoding
        raise PhotoRejected("照片文件已损坏或不完整") from error
    image = image.crop(_portrait_box(image.size)).resize(PORTRAIT_SIZE, Image.Resampling.LANCZOS)
    return _jpeg(_to_srgb(image, icc), PORTRAIT_QUALITY, b"", None)


def _portrait_box(size: tuple[int, int]) -> tuple[int, int, int, int]:
    """The largest 3:4 box in an upright image: centred across, and a third of the height it drops cut from the
    top (two thirds from the bottom), so that a head near the top stays in the frame."""
    width, height = size
    frame_w, frame_h = PORTRAIT_SIZE
    if width * frame_h > height * frame_w:  # wider than 3:4: trim the sides
        crop_w = height * frame_w // frame_h
        left = (width - crop_w) // 2
        return left, 0, left + crop_w, height
    crop_h = width * frame_h // frame_w
    top = (height - crop_h) // 3
    return 0, top, width, top + crop_h
