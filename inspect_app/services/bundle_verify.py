"""Checking an evidence bundle: every hash, the manifest's CMS signature, the certificate and the PDF signature."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from .. import signatures
from ..archive import read_members
from ..domain.manifest import MANIFEST, REPORT, SIGNATURE, FileEntry, compare_files, parse_manifest


@dataclass
class BundleCheck:
    ok: bool
    problems: list[str] = field(default_factory=list)
    manifest: dict[str, Any] = field(default_factory=dict)
    signer: str | None = None
    signed_at: datetime | None = None


def verify_bundle(source: Path | BinaryIO, ca_certificate_pem: bytes, revoked: dict[int, datetime]) -> BundleCheck:
    """Everything that can be proven about a bundle; each problem names its file and why."""
    try:
        present, contents = read_members(source, [MANIFEST, SIGNATURE, REPORT])
    except (zipfile.BadZipFile, OSError, EOFError):
        return BundleCheck(False, ["文件不是有效的 ZIP 证据包（文件损坏或被截断）"])
    problems: list[str] = []
    for name in (MANIFEST, SIGNATURE, REPORT):
        if name not in contents:
            problems.append(f"{name}：证据包中缺少此文件")
    if MANIFEST not in contents:
        return BundleCheck(False, problems)
    try:
        manifest = parse_manifest(contents[MANIFEST])
        listed = [FileEntry(str(f["path"]), int(f["size"]), str(f["sha256"])) for f in manifest["files"]]
    except (ValueError, KeyError, TypeError) as error:
        return BundleCheck(False, problems + [f"{MANIFEST}：{error}"])
    check = BundleCheck(False, problems, manifest)

    cms = None
    if SIGNATURE in contents:
        cms = signatures.verify_detached_cms(contents[MANIFEST], contents[SIGNATURE], ca_certificate_pem, revoked)
        problems += [f"{SIGNATURE}：{p}" for p in cms.problems]
        check.signer, check.signed_at = cms.signer_name, cms.signing_time
        district = (manifest.get("district") or {}).get("code")
        if cms.ok and cms.district_code != district:
            problems.append(f"{SIGNATURE}：签名人属于旗区 {cms.district_code}，与证据包的旗区 {district} 不符")
    if REPORT in contents:
        pdf = signatures.verify_pdf(contents[REPORT], ca_certificate_pem, revoked)
        problems += [f"{REPORT}：{p}" for p in pdf.problems]
        if pdf.ok and cms is not None and cms.ok and pdf.serial != cms.serial:
            problems.append(f"{REPORT}：PDF 签名人与清单签名人不是同一证书")
    problems += compare_files(listed, present)
    check.ok = not problems
    return check
