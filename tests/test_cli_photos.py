"""`flask photos inspect`: one JSON line per file, a failing exit code only for files that are not photos."""

from __future__ import annotations

import io
import json

import piexif
from click.testing import CliRunner
from PIL import Image

from inspect_app.inspection.cli import group


def photo(path, taken: bytes | None = None):
    exif_ifd = {piexif.ExifIFD.DateTimeOriginal: taken} if taken else {}
    exif = piexif.dump({"0th": {piexif.ImageIFD.Make: "华为".encode()}, "Exif": exif_ifd, "GPS": {}})
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 100, 50)).save(out, format="JPEG", exif=exif)
    path.write_bytes(out.getvalue())
    return path


def run(*paths):
    result = CliRunner().invoke(group, ["inspect", *map(str, paths)])
    return result, [json.loads(line) for line in result.output.splitlines()]


def test_readable_photos_exit_zero_with_one_line_each(tmp_path):
    first = photo(tmp_path / "一.jpg", b"2026:09:15 10:30:00")
    second = photo(tmp_path / "two.jpeg")
    result, reports = run(first, second)
    assert result.exit_code == 0, result.output
    assert [r["path"] for r in reports] == [str(first), str(second)]
    assert reports[0]["mime"] == "image/jpeg" and (reports[0]["width"], reports[0]["height"]) == (40, 30)
    assert reports[0]["exif"]["taken_at"] == "2026-09-15T02:30:00+00:00"
    assert "华为" in result.output and "一.jpg" in result.output  # not escaped


def test_a_text_file_named_jpg_fails_the_run_but_the_others_are_reported(tmp_path):
    fake = tmp_path / "fake.jpg"
    fake.write_text("not a photo at all\n", encoding="utf-8")
    good = photo(tmp_path / "good.jpg")
    result, reports = run(fake, good)
    assert result.exit_code == 1
    assert reports[0] == {"path": str(fake), "error": "文件不是照片，请上传 JPEG、PNG、WebP、HEIC 格式的照片"}
    assert reports[1]["sha256"] and "error" not in reports[1]


def test_a_missing_file_is_reported_not_crashed_on(tmp_path):
    result, reports = run(tmp_path / "absent.jpg")
    assert result.exit_code == 1
    assert reports[0]["path"].endswith("absent.jpg") and reports[0]["error"].startswith("无法读取文件")


def test_an_oversized_file_is_refused_without_reading_it_all(tmp_path):
    big = tmp_path / "big.jpg"
    with big.open("wb") as stream:
        stream.write(b"\xff\xd8\xff")
        stream.truncate(25 * 2**20)
    result, reports = run(big)
    assert result.exit_code == 1 and reports[0]["error"] == "照片超过 20 MB"


def test_at_least_one_file_is_required():
    result = CliRunner().invoke(group, ["inspect"])
    assert result.exit_code == 2 and "FILES" in result.output
