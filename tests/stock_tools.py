"""What a person with stock tools would run on an extracted bundle: OpenSSL on the manifest, poppler on the PDF."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path


def openssl_cms_verify(folder: Path, signature: str = "manifest.p7s", content: str = "manifest.json"):
    """openssl cms -verify of a detached signature (manifest.p7s) over its content (manifest.json) against
    city-ca.pem, all in folder."""
    return subprocess.run(
        [
            "openssl",
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            signature,
            "-content",
            content,
            "-CAfile",
            "city-ca.pem",
            "-purpose",
            "any",
            "-out",
            "/dev/null",
        ],
        cwd=folder,
        capture_output=True,
        text=True,
    )


def pdfsig(folder: Path, name: str) -> str:
    """What pdfsig reports of the PDF's signatures."""
    return subprocess.run(["pdfsig", name], cwd=folder, capture_output=True, text=True).stdout


def embedded_cms(pdf: bytes) -> tuple[bytes, bytes]:
    """The PDF's signature as a detached CMS (DER, trailing padding cut) and the bytes it covers (its ByteRange)."""
    start, length, second, second_length = map(
        int, re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)", pdf).groups()
    )
    covered = pdf[start : start + length] + pdf[second : second + second_length]
    der = bytes.fromhex(pdf[start + length : second].strip(b"<>").decode())
    size = der[1]  # DER length: short form, or 0x80 + the number of length bytes
    header = 2 if size < 0x80 else 2 + (size & 0x7F)
    body = size if size < 0x80 else int.from_bytes(der[2:header], "big")
    return der[: header + body], covered


def openssl_pdf_verify(folder: Path, name: str) -> subprocess.CompletedProcess:
    """openssl cms -verify of the PDF's embedded signature over its signed byte ranges, against city-ca.pem in
    folder: what anyone can run on a signed PDF without PDF tools of ours."""
    signature, covered = embedded_cms((folder / name).read_bytes())
    (folder / f"{name}.p7s").write_bytes(signature)
    (folder / f"{name}.signed-bytes").write_bytes(covered)
    return openssl_cms_verify(folder, f"{name}.p7s", f"{name}.signed-bytes")
