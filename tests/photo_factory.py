"""Photos made in the tests with Pillow and piexif: no binary files in the repository."""

from __future__ import annotations

import io
import random
from datetime import datetime
from fractions import Fraction

import piexif
from PIL import Image, ImageDraw


def _rational(value: float) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]]:
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = Fraction((value - degrees - minutes / 60) * 3600).limit_denominator(10000)
    return (degrees, 1), (minutes, 1), (seconds.numerator, seconds.denominator)


def jpeg(
    lat: float | None = None,
    lon: float | None = None,
    taken: datetime | None = None,
    size: tuple[int, int] = (800, 600),
    seed: int = 1,
    orientation: int | None = None,
) -> bytes:
    """A JPEG with optional EXIF GPS and DateTimeOriginal; `seed` makes visibly different pictures."""
    rng = random.Random(seed)
    image = Image.new("RGB", size, (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        draw.rectangle(
            [x, y, x + size[0] // 4, y + size[1] // 4],
            fill=(rng.randrange(256), rng.randrange(256), rng.randrange(256)),
        )
    exif: dict = {"0th": {}, "Exif": {}, "GPS": {}}
    exif["0th"][piexif.ImageIFD.Make] = b"TestMake"
    exif["0th"][piexif.ImageIFD.Model] = b"TestPhone 1"
    if orientation:
        exif["0th"][piexif.ImageIFD.Orientation] = orientation
    if taken is not None:
        exif["Exif"][piexif.ExifIFD.DateTimeOriginal] = taken.strftime("%Y:%m:%d %H:%M:%S").encode()
        if taken.utcoffset() is not None:
            offset = taken.strftime("%z")
            exif["Exif"][piexif.ExifIFD.OffsetTimeOriginal] = f"{offset[:3]}:{offset[3:]}".encode()
    if lat is not None and lon is not None:
        exif["GPS"] = {
            piexif.GPSIFD.GPSLatitudeRef: b"N" if lat >= 0 else b"S",
            piexif.GPSIFD.GPSLatitude: _rational(lat),
            piexif.GPSIFD.GPSLongitudeRef: b"E" if lon >= 0 else b"W",
            piexif.GPSIFD.GPSLongitude: _rational(lon),
        }
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85, exif=piexif.dump(exif))
    return buffer.getvalue()


def signature_png(blank: bool = False) -> bytes:
    """A drawn signature as the page sends it (transparent PNG with a stroke)."""
    image = Image.new("RGBA", (600, 240), (0, 0, 0, 0))
    if not blank:
        ImageDraw.Draw(image).line([(40, 180), (200, 60), (360, 190), (560, 70)], fill=(17, 17, 17, 255), width=4)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()
