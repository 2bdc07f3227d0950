"""QR codes: the only module that imports segno.

A plaque's QR code holds the address of its station's public page. It is drawn as vector SVG (sharp at any
print size) with error correction Q (a quarter of the code may be scratched, sun-bleached or dirty on a plaque
that hangs for years) and the standard quiet zone of four modules, which phone cameras need to find the code.
"""

from __future__ import annotations

import segno

QUIET_ZONE = 4  # modules of white around the code, as ISO/IEC 18004 asks


def qr_data_uri(text: str) -> str:
    """The QR code of `text` as an SVG data URI (black on white, sized by its viewBox) for an HTML <img>."""
    code = segno.make_qr(text, error="q", boost_error=False)
    return code.svg_data_uri(border=QUIET_ZONE, dark="#000", light="#fff", omitsize=True)
