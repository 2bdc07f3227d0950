"""The picture of a district bureau's red round seal (公章) for the report's last page, drawn with Pillow.

It is an illustration generated from the bureau's name, not a legal seal: what binds the bundle is the
leader's digital signature. The only module besides imaging.py that imports Pillow.
"""

from __future__ import annotations

import io
import math
import random
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

SEAL_RED = (215, 0, 15)
DEFAULT_WORD = "验收专用章"
_OVERSAMPLE = 2  # drawn at twice the size and shrunk: smooth edges without per-shape anti-aliasing
_FONT_PATTERNS = (
    "Noto Sans CJK SC:style=Bold",
    "Noto Serif CJK SC:style=Bold",
    ":lang=zh-cn:style=Bold",
    ":lang=zh-cn",
)
# Where Debian, Ubuntu, Fedora and Alpine put common CJK fonts, for hosts without fontconfig's tools.
_FALLBACK_FONTS = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Bold.ttc", 2),
    ("/usr/share/fonts/google-noto-cjk/NotoSansCJK-Bold.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
)


class SealFontMissing(RuntimeError):
    """No font with Chinese glyphs is installed, so the seal's text cannot be drawn."""


@lru_cache(maxsize=1)
def cjk_font_file() -> tuple[str, int]:
    """The path and face index of an installed bold CJK font; SealFontMissing when there is none."""
    if shutil.which("fc-match"):
        for pattern in _FONT_PATTERNS:
            try:
                found = subprocess.run(
                    ["fc-match", "-f", "%{file}\t%{index}\t%{lang}", pattern],
                    capture_output=True,
                    text=True,
                    timeout=10,
                    check=True,
                ).stdout
            except (OSError, subprocess.SubprocessError):
                break
            path, _, rest = found.partition("\t")
            index, _, langs = rest.partition("\t")
            # fc-match always answers with something: only a font that covers Chinese will do.
            if path and "zh-cn" in langs.split("|") and Path(path).is_file():
                return path, int(index or 0)
    for path, index in _FALLBACK_FONTS:
        if Path(path).is_file():
            return path, index
    raise SealFontMissing("未找到中文字体，无法生成印章图片：请安装 fonts-noto-cjk（apt-get install fonts-noto-cjk）")


def _font(size: int) -> ImageFont.FreeTypeFont:
    path, index = cjk_font_file()
    return ImageFont.truetype(path, size=size, index=index)


def _glyph(char: str, font: ImageFont.FreeTypeFont, width: int, height: int) -> Image.Image:
    """One character as a white-on-black mask in its em square, squeezed to width × height like a seal face."""
    em = round(font.size * 1.1)
    cell = Image.new("L", (em, em), 0)
    # Centred on the em square, not on the ink: every character keeps its own proportions and weight.
    ImageDraw.Draw(cell).text((em / 2, em / 2), char, font=font, fill=255, anchor="mm")
    return cell.resize((width, height), Image.Resampling.LANCZOS)


def _paste_centred(mask: Image.Image, tile: Image.Image, centre: tuple[float, float]) -> None:
    box = (round(centre[0] - tile.width / 2), round(centre[1] - tile.height / 2))
    layer = Image.new("L", mask.size, 0)
    layer.paste(tile, box)
    mask.paste(ImageChops.lighter(mask, layer))


def _star(draw: ImageDraw.ImageDraw, centre: tuple[float, float], outer: float) -> None:
    inner = outer * math.sin(math.radians(18)) / math.sin(math.radians(54))  # a regular five-pointed star
    points = []
    for k in range(10):
        radius = outer if k % 2 == 0 else inner
        angle = math.radians(-90 + 36 * k)
        points.append((centre[0] + radius * math.cos(angle), centre[1] + radius * math.sin(angle)))
    draw.polygon(points, fill=255)


def _ring(draw: ImageDraw.ImageDraw, centre: float, radius: float, width: float) -> None:
    draw.ellipse(
        [centre - radius, centre - radius, centre + radius, centre + radius], outline=255, width=max(1, round(width))
    )


def seal_png(organisation: str, size: int = 600, word: str = DEFAULT_WORD) -> bytes:
    """A red round seal picture (transparent PNG): the name along the upper arc, a star, and `word` below it.

    A picture of a seal for the printed report, not a legal seal.
    """
    name = "".join(organisation.split())
    if not name:
        raise ValueError("organisation name is empty")
    s = size * _OVERSAMPLE
    c = s / 2
    mask = Image.new("L", (s, s), 0)
    draw = ImageDraw.Draw(mask)

    outer_radius, outer_width = 0.485 * s, 0.034 * s
    _ring(draw, c, outer_radius, outer_width)
    _ring(draw, c, outer_radius - 0.058 * s, 0.009 * s)  # the thin inner ring of a double-ring seal

    # The name runs clockwise over the top, upright as read from the centre; long names get a wider arc
    # and narrower characters, as engravers do, instead of a smaller font.
    # Digits and Latin letters are half as wide as a Chinese character, and take half the arc ("12315").
    weights = [0.55 if char.isascii() else 1.0 for char in name]
    span = min(250.0, 28.0 * sum(weights))
    step = span / sum(weights)
    glyph_height = round(0.14 * s)  # of the em square; the ink is about nine tenths of it
    text_radius = outer_radius - 0.145 * s
    # Characters are widest at their foot, on the inner edge of the band: sized there, they do not touch.
    inner = text_radius - 0.4 * glyph_height
    glyph_width = round(min(glyph_height * 0.95, 2 * math.pi * inner * step / 360 * 0.98))
    name_font = _font(glyph_height)
    done = 0.0
    for char, weight in zip(name, weights):
        angle = -span / 2 + step * (done + weight / 2)  # degrees clockwise from 12 o'clock
        done += weight
        tile = _glyph(char, name_font, round(glyph_width * weight), glyph_height).rotate(
            -angle, resample=Image.Resampling.BICUBIC, expand=True
        )
        rad = math.radians(angle)
        _paste_centred(mask, tile, (c + text_radius * math.sin(rad), c - text_radius * math.cos(rad)))

    _star(draw, (c, c), 0.135 * s)

    if word:
        word_height = round(0.085 * s)
        word_font = _font(word_height)
        word_width = round(min(0.5 * s, word_height * 0.95 * len(word)))
        char_width = word_width / len(word)
        for i, char in enumerate(word):
            tile = _glyph(char, word_font, round(char_width * 0.88), word_height)
            _paste_centred(mask, tile, (c - word_width / 2 + char_width * (i + 0.5), c + 0.27 * s))

    alpha = mask.resize((size, size), Image.Resampling.LANCZOS)
    image = Image.new("RGBA", (size, size), SEAL_RED + (0,))
    image.putalpha(alpha)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


INK = (20, 24, 70)


def name_signature_png(name: str, width: int = 600, height: int = 240) -> bytes:
    """A signature-like picture of a typed name (slanted dark ink on transparent) for batch sign-off from the CLI.

    It stands in for the drawn signature where nobody can draw one; the binding signature is the certificate's.
    """
    text = "".join(name.split())
    if not text:
        raise ValueError("name is empty")
    s = _OVERSAMPLE
    font = _font(round(height * 0.55 * s))
    left, top, right, bottom = font.getbbox(text)
    tile = Image.new("L", (right - left + 20 * s, bottom - top + 20 * s), 0)
    ImageDraw.Draw(tile).text((10 * s - left, 10 * s - top), text, font=font, fill=255)
    tile = tile.filter(ImageFilter.MinFilter(2 * (font.size // 40) + 1))  # thinner strokes: a pen, not a stamp
    # A handwritten name leans forward and rises a little: shear, then tilt.
    shear = 0.25
    tile = tile.transform(
        (tile.width + round(tile.height * shear), tile.height),
        Image.Transform.AFFINE,
        (1, shear, -tile.height * shear, 0, 1, 0),
        resample=Image.Resampling.BICUBIC,
    )
    tile = tile.rotate(6, resample=Image.Resampling.BICUBIC, expand=True)
    tile.thumbnail((width * s * 9 // 10, height * s * 9 // 10), Image.Resampling.LANCZOS)
    mask = Image.new("L", (width * s, height * s), 0)
    mask.paste(tile, ((mask.width - tile.width) // 2, (mask.height - tile.height) // 2))
    image = Image.new("RGBA", (width, height), INK + (0,))
    image.putalpha(mask.resize((width, height), Image.Resampling.LANCZOS))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def demo_photo(title: str, subtitle: str, seed: int, size: tuple[int, int] = (1600, 1200)) -> bytes:
    """A stand-in photo for the demo season: a wall with a blue board carrying the station's name.

    Only for demo data (`flask demo seed --season`); real photos come from the inspectors' phones.
    """
    rng = random.Random(seed)
    width, height = size
    wall = tuple(rng.randrange(170, 225) for _ in range(3))
    image = Image.new("RGB", size, wall)
    draw = ImageDraw.Draw(image)
    for _ in range(40):  # texture, so that no two demo photos look alike to the perceptual hash
        x, y = rng.randrange(width), rng.randrange(height)
        shade = tuple(max(0, c - rng.randrange(10, 60)) for c in wall)
        draw.rectangle([x, y, x + rng.randrange(20, width // 3), y + rng.randrange(20, height // 3)], fill=shade)
    board = (width // 10, height // 5, width * 9 // 10, height * 3 // 5)
    draw.rectangle(board, fill=(29, 79, 145), outline=(240, 240, 240), width=max(4, width // 200))
    for text, scale, row in ((title, 0.09, 0.30), (subtitle, 0.06, 0.46)):
        font = _font(round(height * scale))
        while font.getlength(text) > (board[2] - board[0]) * 0.9 and font.size > 12:
            font = _font(font.size - 4)
        draw.text((width // 2, round(height * row)), text, font=font, fill=(255, 255, 255), anchor="mm")
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()


def demo_portrait(seed: int, size: tuple[int, int] = (480, 640)) -> bytes:
    """A stand-in portrait for the demo's staff and officers: a figure's head and shoulders on a plain backdrop,
    already in the plaque's 3:4 frame. Only for demo data; real portraits are uploaded on the station's page."""
    rng = random.Random(seed)
    width, height = size
    image = Image.new("RGB", size, tuple(rng.randrange(200, 240) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    cloth = rng.choice([(38, 52, 84), (30, 30, 36), (70, 78, 92), (24, 66, 110)])
    skin = rng.choice([(236, 200, 170), (224, 184, 150), (210, 170, 135)])
    hair = rng.choice([(20, 20, 24), (40, 32, 28), (60, 50, 44)])
    cx, head_w, head_h = width // 2, width * rng.randrange(38, 43) // 100, height * rng.randrange(37, 41) // 100
    top = height * rng.randrange(15, 19) // 100
    draw.ellipse([cx - width * 0.5, height * 0.66, cx + width * 0.5, height * 1.3], fill=cloth)  # shoulders
    draw.rectangle([cx - head_w * 0.22, top + head_h * 0.8, cx + head_w * 0.22, height * 0.7], fill=skin)  # neck
    draw.polygon(
        [(cx - width * 0.09, height * 0.72), (cx, height * 0.84), (cx + width * 0.09, height * 0.72)],
        fill=(245, 245, 245),
    )
    draw.ellipse([cx - head_w // 2, top, cx + head_w // 2, top + head_h], fill=skin)
    draw.chord([cx - head_w // 2 - 4, top - 10, cx + head_w // 2 + 4, top + head_h * 0.55], 180, 360, fill=hair)
    for side in (-1, 1):  # eyes
        x, y = cx + side * head_w * 0.2, top + head_h * 0.5
        draw.ellipse([x - 7, y - 5, x + 7, y + 5], fill=(40, 40, 40))
    draw.arc(
        [cx - head_w * 0.18, top + head_h * 0.62, cx + head_w * 0.18, top + head_h * 0.82],
        20,
        160,
        fill=(150, 80, 80),
        width=4,
    )
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()
