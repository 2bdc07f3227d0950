"""Checking an evidence bundle: every hash, the manifest's CMS signature, the certificate and the PDF signature."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from .. import signatures
from ..archive import read_members
from ..domain.manifest import (CITY_REPORT, MANIFEST, REPORT, SIGNATURE, FileEntry, compare_files, parse_manifest,
                               report_name)
from ..domain.submissions import CITY_CODE

HASHES, MANIFEST_SIGNATURE, CERTIFICATE, PDF_SIGNATURE = "文件哈希", "清单签名", "签名证书", "PDF签名"


@dataclass(frozen=True)
class Aspect:
    """One part of the verdict as the city's inbox shows it: what was checked, whether it held, and why."""

    name: str
    ok: bool
    details: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "details": list(self.details)}


@dataclass
class BundleCheck:
    ok: bool
    problems: list[str] = field(default_factory=list)
    manifest: dict[str, Any] = field(default_factory=dict)
    signer: str | None = None
    signed_at: datetime | None = None
    signer_district: str | None = None  # the division code in the signer's certificate
    aspects: list[Aspect] = field(default_factory=list)


def verify_bundle(source: Path | BinaryIO, ca_certificate_pem: bytes, revoked: dict[int, datetime]) -> BundleCheck:
    """Everything that can be proven about a bundle (a district's or the city's); each problem names its file."""
    try:
        members = read_members(source, [MANIFEST, SIGNATURE, REPORT, CITY_REPORT])
    except Exception:  # noqa: BLE001 - a damaged ZIP fails in many ways: BadZipFile, zlib.error, EOFError,
        # NotImplementedError for a compression method flipped to an unknown one, RuntimeError for the
        # "encrypted" flag; whichever it is, the archive cannot be read and that is the verdict.
        problem = "文件不是有效的 ZIP 证据包（文件损坏或被截断）"
        return BundleCheck(False, [problem], aspects=[Aspect(HASHES, False, [problem])])
    present, contents, unreadable = members.present, members.contents, members.unreadable
    if MANIFEST not in contents:
        problem = f"{MANIFEST}：{unreadable.get(MANIFEST, '证据包中缺少此文件')}"
        return BundleCheck(False, [problem], aspects=[Aspect(HASHES, False, [problem])])
    try:
        manifest = parse_manifest(contents[MANIFEST])
        listed = [FileEntry(str(f["path"]), int(f["size"]), str(f["sha256"])) for f in manifest["files"]]
    except (ValueError, KeyError, TypeError, OverflowError) as error:  # OverflowError: a size of 1e400 reads as inf
        problem = f"{MANIFEST}：{error}"
        return BundleCheck(False, [problem], aspects=[Aspect(HASHES, False, [problem])])
    report = report_name(manifest)
    check = BundleCheck(False, manifest=manifest)
    hashes = [f"{name}：{reason}" for name, reason in sorted(unreadable.items())]
    hashes += [f"{name}：证据包中缺少此文件" for name in (SIGNATURE, report)
               if name not in contents and name not in unreadable]
    hashes += compare_files(listed, present, unreadable)
    cms_problems: list[str] = []
    certificate: list[str] = []
    pdf_problems: list[str] = []
    cms = pdf = None
    if SIGNATURE in contents:
        cms = signatures.verify_detached_cms(contents[MANIFEST], contents[SIGNATURE], ca_certificate_pem, revoked)
        cms_problems = [f"{SIGNATURE}：{p}" for p in cms.problems if p not in cms.certificate_problems]
        certificate += [f"{SIGNATURE}：{p}" for p in cms.certificate_problems]
        check.signer, check.signed_at, check.signer_district = cms.signer_name, cms.signing_time, cms.district_code
        district = manifest.get("district")
        district = district.get("code") if isinstance(district, dict) else None  # any JSON until the CMS holds
        if cms.ok and cms.district_code != district:
            signer = "市中心" if cms.district_code == CITY_CODE else f"旗区 {cms.district_code}"
            certificate.append(f"{SIGNATURE}：签名人属于{signer}，与证据包的旗区 {district} 不符")
    if report in contents:
        pdf = signatures.verify_pdf(contents[report], ca_certificate_pem, revoked)
        pdf_problems = [f"{report}：{p}" for p in pdf.problems if p not in pdf.certificate_problems]
        certificate += [f"{report}：{p}" for p in pdf.certificate_problems]
        if pdf.ok and cms is not None and cms.ok and pdf.serial != cms.serial:
            certificate.append(f"{report}：PDF 签名人与清单签名人不是同一证书")
    # A missing file is reported once, under the hashes; the aspects it stops say so briefly.
    check.aspects = [
        Aspect(HASHES, not hashes, hashes or [f"{len(listed)} 个文件的大小和 SHA-256 与清单一致"]),
        _aspect(MANIFEST_SIGNATURE, cms, cms_problems, f"{MANIFEST} 的 CMS 签名有效，签名人 {check.signer}"),
        _aspect(CERTIFICATE, cms, certificate, "由市中心根证书签发，签名时在有效期内，未吊销"),
        _aspect(PDF_SIGNATURE, pdf, pdf_problems, f"{report} 的签名有效，覆盖整个文件"),
    ]
    check.problems = hashes + cms_problems + certificate + pdf_problems
    check.ok = not check.problems
    return check


def _aspect(name: str, check: signatures.SignatureCheck | None, problems: list[str], fine: str) -> Aspect:
    if check is None:
        return Aspect(name, False, ["无法检查：所需文件缺失"])
    return Aspect(name, not problems, problems or [fine])
