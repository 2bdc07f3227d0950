"""Checking an evidence bundle: every hash, the manifest's CMS signature, the certificate and the PDF signature."""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from inspect_app.adapters import scratch, signatures
from inspect_app.adapters.archive import STRUCTURE, Archive, Refused, Unreadable
from inspect_app.domain.evidence.manifest import (
    MANIFEST,
    SIGNATURE,
    FileEntry,
    compare_files,
    listing_problems,
    parse_manifest,
    report_name,
)
from inspect_app.domain.evidence.submissions import CITY_CODE

HASHES, MANIFEST_SIGNATURE, CERTIFICATE, PDF_SIGNATURE = "文件哈希", "清单签名", "签名证书", "PDF签名"
# Caps for the two members read whole. A 300-station bundle's manifest is about 300 KB with five photos a station
# and 1 MB with twenty; its CMS signature about 3 KB (with a time-stamp token and its chain, under 20 KB).
MANIFEST_CAP = 8 << 20
SIGNATURE_CAP = 256 << 10
# All members together, as the central directory declares them, before any is inflated. Photos and the PDF are
# stored uncompressed, so a bundle the city can upload (BUNDLE_UPLOAD_MAX_BYTES, 8 GiB) unpacks to about its own
# size; four times that leaves room for a large district's in-app bundle and still bounds the hashing.
TOTAL_SIZE_CAP = 32 << 30
# The CMS signature must hold, and by a certificate of this city, before members other than the manifest are
# inflated: whoever forges a bundle writes the ZIP and the manifest alike, so without it a bomb listed in a forged
# manifest would be inflated whole. Other certificate problems (revoked, expired, no trusted time) are reported
# but the files are still checked: the signer was one of ours, and the page should say what else is wrong.
FOREIGN_CERTIFICATE = "证书不是由市中心根证书签发"
NOT_CHECKED = "清单签名无效，未检查其他文件"


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
    signed_at: datetime | None = None  # as the signer claims it
    timestamped_at: datetime | None = None  # as the city's time-stamping authority vouches for it
    signer_district: str | None = None  # the division code in the signer's certificate
    aspects: list[Aspect] = field(default_factory=list)


def verify_bundle(
    source: Path | BinaryIO, ca_certificate_pem: bytes, revoked: dict[int, datetime], work_dir: Path | None = None
) -> BundleCheck:
    """Everything that can be proven about a bundle (a district's or the city's); each problem names its file.

    Nothing in the ZIP is trusted before it is checked: its structure and total declared size first, then the
    manifest and its signature read under small caps and the signature verified; only when it holds, every other
    member's declared size against the manifest before a byte of it is inflated; the PDF goes to a scratch file
    (under `work_dir`, the system's temp folder by default) and is parsed only when its SHA-256 is the listed one.
    """
    with scratch.folder(work_dir or Path(tempfile.gettempdir()), "verify") as folder:
        try:
            with Archive(source) as archive:
                return _verify_archive(archive, ca_certificate_pem, revoked, folder)
        except Unreadable as error:
            return _refused(str(error))


def _refused(problem: str) -> BundleCheck:
    return BundleCheck(False, [problem], aspects=[Aspect(HASHES, False, [problem])])


def _verify_archive(
    archive: Archive, ca_certificate_pem: bytes, revoked: dict[int, datetime], folder: Path
) -> BundleCheck:
    unreadable = dict(archive.name_problems)
    total = sum(info.file_size for info in archive.members.values())
    if total > TOTAL_SIZE_CAP:
        return _refused(f"{STRUCTURE}：证据包中的文件解压后共 {total} 字节，超过上限 {TOTAL_SIZE_CAP} 字节，未检查")
    if MANIFEST in unreadable or MANIFEST not in archive.members:
        return _refused(f"{MANIFEST}：{unreadable.get(MANIFEST, '证据包中缺少此文件')}")
    try:
        manifest_bytes = archive.read(MANIFEST, MANIFEST_CAP)
    except Refused as error:
        return _refused(f"{MANIFEST}：{error}")
    try:
        manifest = parse_manifest(manifest_bytes)
        listed = [FileEntry(str(f["path"]), int(f["size"]), str(f["sha256"])) for f in manifest["files"]]
    except (ValueError, KeyError, TypeError, OverflowError) as error:  # OverflowError: a size of 1e400 reads as inf
        return _refused(f"{MANIFEST}：{error}")
    report = report_name(manifest)
    contents = {MANIFEST: manifest_bytes}
    _read_signature(archive, unreadable, contents)
    check = BundleCheck(False, manifest=manifest)
    cms_problems: list[str] = []
    certificate: list[str] = []
    pdf_problems: list[str] = []
    cms = pdf = None
    if SIGNATURE in contents:
        cms = signatures.verify_detached_cms(contents[MANIFEST], contents[SIGNATURE], ca_certificate_pem, revoked)
        cms_problems = [f"{SIGNATURE}：{p}" for p in cms.problems if p not in cms.certificate_problems]
        certificate += [f"{SIGNATURE}：{p}" for p in cms.certificate_problems]
        check.signer, check.signed_at, check.signer_district = cms.signer_name, cms.signing_time, cms.district_code
        check.timestamped_at = cms.timestamp_time
        district = manifest.get("district")
        district = district.get("code") if isinstance(district, dict) else None  # any JSON until the CMS holds
        if cms.ok and cms.district_code != district:
            signer = "市中心" if cms.district_code == CITY_CODE else f"旗区 {cms.district_code}"
            certificate.append(f"{SIGNATURE}：签名人属于{signer}，与证据包的旗区 {district} 不符")
    hashes, report_file, pdf_unchecked = _check_members(
        archive, listed, report, unreadable, contents, folder, trusted=_may_read_members(cms)
    )
    if report_file is not None:
        pdf = signatures.verify_pdf_file(report_file, ca_certificate_pem, revoked)
        pdf_problems = [f"{report}：{p}" for p in pdf.problems if p not in pdf.certificate_problems]
        certificate += [f"{report}：{p}" for p in pdf.certificate_problems]
        if pdf.ok and cms is not None and cms.ok and pdf.serial != cms.serial:
            certificate.append(f"{report}：PDF 签名人与清单签名人不是同一证书")
    # A missing file is reported once, under the hashes; the aspects it stops say so briefly.
    check.aspects = [
        Aspect(HASHES, not hashes, hashes or [f"{len(listed)} 个文件的大小和 SHA-256 与清单一致"]),
        _aspect(
            MANIFEST_SIGNATURE,
            cms,
            cms_problems,
            f"{MANIFEST} 的 CMS 签名有效，签名人 {check.signer}，时间戳时间 {_stamped(check)}",
        ),
        _aspect(
            CERTIFICATE, cms, certificate, f"由市中心根证书签发，时间戳时间 {_stamped(check)} 时在有效期内，未吊销"
        ),
        _aspect(PDF_SIGNATURE, pdf, pdf_problems, f"{report} 的签名有效，覆盖整个文件", pdf_unchecked),
    ]
    check.problems = hashes + cms_problems + certificate + pdf_problems
    check.ok = not check.problems
    return check


def _check_members(
    archive: Archive,
    listed: list[FileEntry],
    report: str,
    unreadable: dict[str, str],
    contents: dict[str, bytes],
    folder: Path,
    trusted: bool,
) -> tuple[list[str], Path | None, str]:
    """The hash problems, the report's scratch copy when the manifest vouches for it, and why the PDF is not
    checked otherwise; no member beyond the manifest and its signature is inflated unless `trusted`."""
    present, report_file = (
        _read_members(archive, listed, report, unreadable, contents, folder) if trusted else ({}, None)
    )
    problems = listing_problems(entry.path for entry in listed)
    problems += [f"{name}：{reason}" for name, reason in sorted(unreadable.items())]
    if not trusted:
        if SIGNATURE not in contents and SIGNATURE not in unreadable:
            problems.append(f"{SIGNATURE}：证据包中缺少此文件")
        problems.append(f"{SIGNATURE}：{NOT_CHECKED}（请让旗区重新签名导出证据包）")
        return problems, None, f"无法检查：{NOT_CHECKED}"
    problems += [
        f"{name}：证据包中缺少此文件" for name in (SIGNATURE, report) if name not in present and name not in unreadable
    ]
    problems += compare_files(listed, present, unreadable)
    if report_file is not None and not _as_listed(present[report], listed):
        # Only a PDF the signed manifest vouches for reaches the parser (a stranger's may hold stream bombs).
        return problems, None, f"无法检查：{report} 与清单不符，未读取其中的签名"
    return problems, report_file, "无法检查：所需文件缺失"


def _read_signature(archive: Archive, unreadable: dict[str, str], contents: dict[str, bytes]) -> None:
    """The manifest's CMS signature into `contents`, under its small cap (or why not into `unreadable`)."""
    if SIGNATURE not in archive.members:
        return
    try:
        contents[SIGNATURE] = archive.read(SIGNATURE, SIGNATURE_CAP)
    except Refused as error:
        unreadable[SIGNATURE] = str(error)


def _may_read_members(cms: signatures.SignatureCheck | None) -> bool:
    """Whether the manifest is signed, intact, by a certificate of this city: then its sizes may be relied on."""
    return (
        cms is not None
        and cms.serial is not None
        and set(cms.problems) <= set(cms.certificate_problems)
        and FOREIGN_CERTIFICATE not in cms.certificate_problems
    )


def _as_listed(found: FileEntry, listed: list[FileEntry]) -> bool:
    return any(
        entry.path == found.path and (entry.size, entry.sha256) == (found.size, found.sha256) for entry in listed
    )


def _read_members(
    archive: Archive,
    listed: list[FileEntry],
    report: str,
    unreadable: dict[str, str],
    contents: dict[str, bytes],
    folder: Path,
) -> tuple[dict[str, FileEntry], Path | None]:
    """Each member's size and SHA-256, read only when its declared size is the one the manifest lists (an unlisted
    member is named without being read); the signature read already, the PDF streamed to a scratch file."""
    sizes = {entry.path: entry.size for entry in listed}
    present = {MANIFEST: FileEntry(MANIFEST, len(contents[MANIFEST]), hashlib.sha256(contents[MANIFEST]).hexdigest())}
    report_file = None
    for name, info in archive.members.items():
        try:
            if name == MANIFEST:
                continue
            if name == SIGNATURE:
                if name in contents:
                    present[name] = FileEntry(name, len(contents[name]), "")
            elif name not in sizes:
                present[name] = FileEntry(name, info.file_size, "")  # an extra file: named, never inflated
            elif info.file_size != sizes[name]:
                unreadable[name] = (
                    f"大小与清单不符（压缩包中声明 {info.file_size} 字节，清单为 {sizes[name]} 字节），未读取"
                )
            elif name == report:
                with open(folder / "report.pdf", "wb") as copy:
                    present[name] = archive.hash(name, copy)
                report_file = folder / "report.pdf"
            else:
                present[name] = archive.hash(name)
        except Refused as error:
            unreadable[name] = str(error)
    return present, report_file


def _stamped(check: BundleCheck) -> str:
    return signatures.shown(check.timestamped_at) if check.timestamped_at else "—"


def _aspect(
    name: str,
    check: signatures.SignatureCheck | None,
    problems: list[str],
    fine: str,
    unchecked: str = "无法检查：所需文件缺失",
) -> Aspect:
    if check is None:
        return Aspect(name, False, [unchecked])
    return Aspect(name, not problems, problems or [fine])
