"""Stations whose plaques can be printed: staff and an officer with portraits (made with Pillow) in the file store."""

from __future__ import annotations

import io
import itertools

from PIL import Image, ImageDraw
from support import make_station

from inspect_app.models import StationStaff

_numbers = itertools.count(1)
NAMES = ("王丽", "张伟", "李娜", "刘洋", "陈静", "杨帆")
DUTIES = ("站长", "工作人员", "兼职调解员")


def portrait(seed: int) -> bytes:
    """A 3:4 portrait JPEG: a head and shoulders on a plain background, coloured by seed."""
    image = Image.new("RGB", (300, 400), (200 + seed * 7 % 50, 215, 235 - seed * 11 % 60))
    draw = ImageDraw.Draw(image)
    tone = (60 + seed * 23 % 120, 70, 90)
    draw.ellipse((90, 70, 210, 200), fill=(236, 200, 170))
    draw.pieslice((30, 210, 270, 520), 180, 360, fill=tone)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def ready_station(session, store, code: str = "150602", staff: int = 3, demonstration: bool = False, **overrides):
    """A station with `staff` staff members and its own officer, every portrait stored: its plaque can be printed."""
    n = next(_numbers)
    station = make_station(session, code, **overrides)
    station.is_demonstration = demonstration
    for position in range(staff):
        station.staff.append(
            StationStaff(
                position=position,
                name=NAMES[position % len(NAMES)],
                duty=DUTIES[min(position, 2)],
                phone=f"1380477{n:02d}{position:02d}",
                photo_key=store.put(portrait(n * 10 + position), "jpg"),
            )
        )
    station.officer_name = "赵志刚"
    station.officer_phone = "0477-8591234"
    station.officer_photo_key = store.put(portrait(n * 10 + 9), "jpg")
    session.commit()
    return station
