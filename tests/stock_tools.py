"""What a person with stock tools would run on an extracted bundle: OpenSSL on the manifest, poppler on the PDF."""

from __future__ import annotations

import subprocess
from pathlib import Path


def openssl_cms_verify(folder: Path) -> subprocess.CompletedProcess:
    """openssl cms -verify of manifest.p7s over manifest.json against city-ca.pem, all in folder."""
    return subprocess.run(
        [
            "openssl",
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            "manifest.p7s",
            "-content",
            "manifest.json",
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
