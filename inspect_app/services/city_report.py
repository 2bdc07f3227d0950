"""The consolidated city report: city-report.pdf and city-directory.xlsx, signed by the city center like a bundle."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import pki, scratch, spreadsheet
from ..archive import ArchiveWriter
from ..domain.manifest import CITY_DIRECTORY, CITY_REPORT, manifest_json
from ..domain.permissions import Action, Actor
from ..domain.submissions import CITY_CENTER, CITY_CODE, CITY_NAME, SubmissionStatus
from ..filestore import FileStore
from ..models import Campaign, CityReport, User
from ..models.types import utcnow
from ..report import write_pdf
from ..seal import seal_png
from ..spreadsheet import Sheet
from . import Invalid, NotFound, audit, keys, signing, stored_files
from .access import require
from .campaigns import require_changeable
from .city_charts import charts_for
from .city_figures import StationResult, dashboard
from .demonstrations import candidates
from .report_render import city_report_html
from .submissions import inbox

HEADERS = ["旗区", "站点编号", "服务站名称", "依托单位", "依托单位类型", "所属监管所", "地址", "联系电话", "ODR企业",
           "得分", "结论", "旗区推荐示范站", "市中心确认示范站"]
WIDTHS = [12, 16, 34, 30, 12, 20, 36, 16, 8, 8, 14, 10, 10]


def reports(session: Session, actor: Actor, campaign_id: int) -> list[CityReport]:
    """Every signed version of the city report for the campaign, newest first."""
    require(actor, Action.VIEW_CITY)
    return list(session.scalars(select(CityReport).where(CityReport.campaign_id == campaign_id)
                                .order_by(CityReport.version.desc())))


def get_report(session: Session, actor: Actor, report_id: int) -> CityReport:
    require(actor, Action.VIEW_CITY)
    report = session.get(CityReport, report_id)
    if report is None:
        raise NotFound()
    return report


def build_city_report(session: Session, actor: Actor, store: FileStore, user: User, campaign_id: int,
                      pin: pki.SigningPin, drawn_signature: bytes, work_dir: Path, today: date,
                      now: datetime | None = None) -> CityReport:
    """Sum up every district, sign the report with the city center's certificate and keep it as a new version."""
    require(actor, Action.RECEIVE_BUNDLES)
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound()
    require_changeable(session, campaign.id)
    certificate = keys.usable_certificate(session, user, now)
    if certificate is None or certificate.district_id is not None:
        raise Invalid("您没有可用的市中心签名证书，请联系系统管理员签发")
    ca = keys.authority(session)
    drawn = signing.unlock(certificate, pin, drawn_signature)
    signed_at = (now or utcnow()).replace(microsecond=0)
    board = dashboard(session, actor, campaign)
    rows = inbox(session, actor, campaign, today)
    confirmed = [c for c in candidates(session, actor, campaign.id) if c.confirmed]
    version = (session.scalar(select(func.max(CityReport.version)).where(CityReport.campaign_id == campaign.id))
               or 0) + 1
    with scratch.folder(work_dir, "cityreport") as folder:
        (folder / "signature.png").write_bytes(drawn)
        (folder / "seal.png").write_bytes(seal_png(CITY_CENTER))
        html = city_report_html(
            title=f"{CITY_NAME}{campaign.name}汇总报告", city=CITY_NAME, center=CITY_CENTER, board=board,
            rows=list(zip(board.districts, rows)), inbox=rows, charts=charts_for(board), demonstrations=confirmed,
            accepted=sum(1 for r in rows if r.latest and r.latest.status is SubmissionStatus.ACCEPTED),
            generated_at=utcnow(), signed_at=signed_at, signer=user.display_name,
            signature_png=folder / "signature.png", seal_png=folder / "seal.png")
        pdf = folder / "city-report.pdf"
        write_pdf(html, pdf)
        signed = signing.sign_report(pdf, certificate, ca.certificate_pem, pin, user.display_name, signed_at,
                                     reason="市12315消费维权服务中心汇总确认")
        target = folder / "city.zip"
        archive = ArchiveWriter(target)
        archive.add_file(CITY_REPORT, signed)
        archive.add_bytes(CITY_DIRECTORY, directory_workbook(board.results))
        manifest = manifest_json(
            bundle_id=f"{CITY_CODE}-C{campaign.id}-V{version}", version=version,
            district={"code": CITY_CODE, "name": CITY_NAME}, campaign={"id": campaign.id, "name": campaign.name},
            leader={"username": user.username, "name": user.display_name, "certificate_serial": certificate.serial},
            signed_at=signed_at.isoformat(), files=archive.entries,
            extra={"kind": "city", "report": CITY_REPORT, "districts": [
                {"code": r.district.code, "name": r.district.name, "status": r.label,
                 "version": r.latest.version if r.latest else None,
                 "archive_sha256": r.latest.archive_sha256 if r.latest else None} for r in rows]})
        signing.seal(archive, manifest, certificate, pin, signed_at)
        size = target.stat().st_size
        key = stored_files.put_file(session, store, target, "zip")
    report = CityReport(campaign_id=campaign.id, version=version, archive_key=key, archive_size=size,
                        archive_sha256=key.rsplit("/", 1)[-1].split(".")[0], signed_at=signed_at,
                        signed_by_id=user.id, certificate_id=certificate.id)
    session.add(report)
    session.flush()
    audit.record(session, actor, "sign_city_report", "city_report", report.id, None,
                 {"version": version, "archive_sha256": report.archive_sha256, "certificate": certificate.serial})
    session.commit()
    return report


def directory_workbook(results: list[StationResult]) -> bytes:
    """Every district's 名录表 with its results: all districts on the first sheet, then one sheet each."""
    def row(r: StationResult) -> list:
        return [r.district_name, r.number, r.name, r.host, r.host_type, r.office, r.address, r.phone,
                "是" if r.is_odr else "否", r.score, r.state, "是" if r.recommended else "", "是" if r.confirmed else ""]

    names = list(dict.fromkeys(r.district_name for r in results))
    sheets = [Sheet(f"{name}名录表", HEADERS, [row(r) for r in results if r.district_name == name], WIDTHS)
              for name in names]
    return spreadsheet.write_workbook("全市名录表", HEADERS, [row(r) for r in results], WIDTHS, sheets)
