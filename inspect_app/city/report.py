"""The consolidated city report: built as an unsigned preview, then signed by the city center like a bundle
(city-report.pdf and city-directory.xlsx in a ZIP), but only while what it holds is what the preview showed."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from inspect_app.adapters import pki, scratch, signatures, spreadsheet
from inspect_app.adapters.filestore import FileStore
from inspect_app.adapters.pdf.report import write_pdf
from inspect_app.adapters.pdf.report_html import city_report_html
from inspect_app.adapters.pdf.seal import seal_png
from inspect_app.adapters.spreadsheet import Sheet
from inspect_app.audit import trail as audit
from inspect_app.campaigns.operations import require_changeable
from inspect_app.city.demonstrations import Candidate, candidates
from inspect_app.city.figures import Dashboard, StationResult, dashboard
from inspect_app.city.submissions import InboxRow, inbox
from inspect_app.domain.evidence import city_report as rules
from inspect_app.domain.evidence import fingerprint
from inspect_app.domain.evidence.city_report import CityReportStatus
from inspect_app.domain.evidence.manifest import CITY_DIRECTORY, CITY_REPORT
from inspect_app.domain.evidence.submissions import CITY_CENTER, CITY_CODE, CITY_NAME, SubmissionStatus
from inspect_app.domain.identity.permissions import Action, Actor
from inspect_app.housekeeping import stored_files
from inspect_app.models import Campaign, CityReport, SigningCertificate, User
from inspect_app.models.types import utcnow
from inspect_app.shared.access import require
from inspect_app.shared.errors import Invalid, NotFound
from inspect_app.shared.failures import build_failure
from inspect_app.shared.results import rowcount
from inspect_app.signing import keys
from inspect_app.signing import signed_archive as signing

HEADERS = [
    "旗区",
    "站点编号",
    "服务站名称",
    "依托单位",
    "依托单位类型",
    "所属监管所",
    "地址",
    "联系电话",
    "ODR企业",
    "得分",
    "结论",
    "旗区推荐示范站",
    "市中心确认示范站",
]
WIDTHS = [12, 16, 34, 30, 12, 20, 36, 16, 8, 8, 14, 10, 10]


REASON = "市12315消费维权服务中心汇总确认"
# A claim (a build or a sign-off under way) older than this was left by a process that died: both take seconds.
CLAIM_LAPSES_AFTER_S = 300


def reports(session: Session, actor: Actor, campaign_id: int) -> list[CityReport]:
    """Every version of the city report for the campaign, newest first."""
    require(actor, Action.VIEW_CITY)
    return list(
        session.scalars(
            select(CityReport).where(CityReport.campaign_id == campaign_id).order_by(CityReport.version.desc())
        )
    )


def get_report(session: Session, actor: Actor, report_id: int) -> CityReport:
    require(actor, Action.VIEW_CITY)
    report = session.get(CityReport, report_id)
    if report is None:
        raise NotFound()
    return report


@dataclass(frozen=True)
class Contents:
    """What a version of the report is made of, as the database holds it now."""

    campaign: Campaign
    board: Dashboard
    rows: list[InboxRow]
    confirmed: list[Candidate]

    def parts(self) -> dict[str, Any]:
        """The named parts its fingerprint covers: each district's bundle, the figures, the lists."""
        c = self.campaign
        parts: dict[str, Any] = {
            "campaign": {"name": c.name, "starts_on": c.starts_on, "deadline": c.deadline},
            "figures": {
                "districts": self.board.districts,
                "total": self.board.total,
                "findings": self.board.findings,
                "failed_items": self.board.failed_items,
            },
            "directory": self.board.results,
            "spot_checks": self.board.reliability,
            "orders": [(name, counts.shown) for name, counts in self.board.order_rows],
            "demonstrations": [
                {
                    "district": d.station.district.code,
                    "number": d.station.number,
                    "name": d.station.name,
                    "host": d.station.host_organisation,
                    "score": d.inspection.score,
                }
                for d in self.confirmed
            ],
        }
        for row in self.rows:
            latest = row.latest
            parts[rules.district_part(row.district.code)] = (
                None
                if latest is None
                else {"status": latest.status, "version": latest.version, "archive_sha256": latest.archive_sha256}
            )
        return parts

    def digests(self) -> dict[str, str]:
        return fingerprint.contents(self.parts())

    def states(self) -> list[tuple[str, SubmissionStatus | None]]:
        return [(r.district.name, r.latest.status if r.latest else None) for r in self.rows]

    def district_names(self) -> dict[str, str]:
        return {r.district.code: r.district.name for r in self.rows}


def gather(session: Session, actor: Actor, campaign: Campaign, today: date) -> Contents:
    """The report's contents now."""
    return Contents(
        campaign,
        dashboard(session, actor, campaign),
        inbox(session, actor, campaign, today),
        [c for c in candidates(session, actor, campaign.id) if c.confirmed],
    )


def missing_districts(session: Session, actor: Actor, campaign: Campaign, today: date) -> list[str]:
    """The districts whose bundle the city has not accepted yet, each with its state: 康巴什区（未提交）."""
    require(actor, Action.VIEW_CITY)
    rows = inbox(session, actor, campaign, today)
    return rules.missing_with_state((r.district.name, r.latest.status if r.latest else None) for r in rows)


def changes(session: Session, actor: Actor, report: CityReport, today: date) -> list[str]:
    """What changed (in Chinese) since the version's preview; empty while it may be signed."""
    if report.status not in (CityReportStatus.READY, CityReportStatus.STALE) or report.contents is None:
        return []
    contents = gather(session, actor, report.campaign, today)
    return rules.change_labels(fingerprint.changed(report.contents, contents.digests()), contents.district_names())


def mark_if_stale(session: Session, actor: Actor, report: CityReport, today: date) -> list[str]:
    """changes(); a version ready to sign whose contents changed is marked 已过期 (commits)."""
    changed = changes(session, actor, report, today)
    if changed and report.status is CityReportStatus.READY:
        _expire(session, report.id)
        session.refresh(report)
    return changed


def _expire(session: Session, report_id: int) -> None:
    session.execute(
        update(CityReport)
        .where(CityReport.id == report_id, CityReport.status == CityReportStatus.READY)
        .values(status=CityReportStatus.STALE)
        .execution_options(synchronize_session=False)
    )
    session.commit()


# ---- claims: one build or sign-off of a version at a time -----------------------------------------------------


class ClaimLost(Exception):
    """The version's claim lapsed and another build or sign-off took it."""


def _free() -> Any:
    cutoff = utcnow() - timedelta(seconds=CLAIM_LAPSES_AFTER_S)
    return or_(CityReport.claim_token.is_(None), CityReport.claimed_at.is_(None), CityReport.claimed_at < cutoff)


def _newest(session: Session, campaign_id: int) -> CityReport | None:
    return session.scalar(
        select(CityReport).where(CityReport.campaign_id == campaign_id).order_by(CityReport.version.desc()).limit(1)
    )


REBUILT = "第{version}版全市汇总报告在您打开页面之后已重新生成，未签字：请刷新页面，查看新的预览后再签字"
BUSY = "第{version}版全市汇总报告正在生成或正在签字，未重复操作：请稍候刷新页面查看"


def _claim_for_build(session: Session, campaign_id: int, user_id: int) -> tuple[CityReport, str]:
    """The unsigned newest version claimed for a new build, or a new version; Invalid when someone works on it.
    Commits. Two clicks at once: the unique (campaign, version) or the claim lets only one through."""
    token, newest = secrets.token_hex(16), _newest(session, campaign_id)
    if newest is not None and newest.status is not CityReportStatus.SIGNED:
        claimed = rowcount(
            session.execute(
                update(CityReport)
                .where(CityReport.id == newest.id, CityReport.status != CityReportStatus.SIGNED, _free())
                .values(status=CityReportStatus.BUILDING, claim_token=token, claimed_at=utcnow(), error=None)
                .execution_options(synchronize_session=False)
            )
        )
        session.commit()
        if claimed != 1:
            raise Invalid(BUSY.format(version=newest.version))
        session.refresh(newest)
        return newest, token
    version = newest.version + 1 if newest else 1
    report = CityReport(
        campaign_id=campaign_id,
        version=version,
        status=CityReportStatus.BUILDING,
        claim_token=token,
        claimed_at=utcnow(),
        created_by_id=user_id,
    )
    session.add(report)
    try:
        session.commit()
    except IntegrityError:  # the same version begun a moment ago by another request
        session.rollback()
        raise Invalid(BUSY.format(version=version)) from None
    return report, token


def _claim_for_signing(session: Session, report_id: int) -> str | None:
    token = secrets.token_hex(16)
    claimed = rowcount(
        session.execute(
            update(CityReport)
            .where(CityReport.id == report_id, CityReport.status == CityReportStatus.READY, _free())
            .values(claim_token=token, claimed_at=utcnow())
            .execution_options(synchronize_session=False)
        )
    )
    session.commit()
    return token if claimed == 1 else None


def _report(session: Session, report_id: int, token: str, **values: Any) -> None:
    """Change the version if the claim still holds (does not commit); ClaimLost if not."""
    result = session.execute(
        update(CityReport)
        .where(CityReport.id == report_id, CityReport.claim_token == token)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if rowcount(result) != 1:
        raise ClaimLost(report_id)


def _release(session: Session, report_id: int, token: str, **values: Any) -> None:
    try:
        _report(session, report_id, token, claim_token=None, **values)
        session.commit()
    except ClaimLost:
        session.rollback()


# ---- build and preview -----------------------------------------------------------------------------------------


def build_preview(
    session: Session,
    actor: Actor,
    store: FileStore,
    user: User,
    campaign_id: int,
    work_dir: Path,
    today: date,
    now: datetime | None = None,
) -> CityReport:
    """Lay out the unsigned city-report.pdf for the city center to read, and record the fingerprint of what it
    shows. The unsigned newest version is built again; after a signed one a new version begins. A city summary
    of nine districts takes seconds, so it runs in the request."""
    require(actor, Action.RECEIVE_BUNDLES)
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound()
    require_changeable(session, campaign.id)
    report, token = _claim_for_build(session, campaign.id, user.id)
    old_preview = report.preview_key
    try:
        contents = gather(session, actor, campaign, today)
        generated_at = (now or utcnow()).replace(microsecond=0)
        with scratch.folder(work_dir, "cityreport") as folder:
            pdf = _render(contents, folder, generated_at)
            preview = stored_files.put_file(session, store, pdf, "pdf")
        digests = contents.digests()
        whole = fingerprint.fingerprint(digests)
        _report(
            session,
            report.id,
            token,
            status=CityReportStatus.READY,
            claim_token=None,
            preview_key=preview,
            fingerprint=whole,
            contents=digests,
            generated_at=generated_at,
            error=None,
        )
        audit.record(
            session,
            actor,
            "build_city_report",
            "city_report",
            report.id,
            None,
            {"version": report.version, "fingerprint": whole},
        )
        session.commit()
    except ClaimLost:
        session.rollback()
        raise Invalid(BUSY.format(version=report.version)) from None
    except Exception as error:
        session.rollback()
        _release(session, report.id, token, status=CityReportStatus.FAILED, error=build_failure(error))
        raise
    if old_preview and old_preview != preview:
        stored_files.collect(session, store, [old_preview])
    session.refresh(report)
    return report


def _render(
    contents: Contents,
    folder: Path,
    generated_at: datetime,
    signer: str = "",
    signed_at: datetime | None = None,
    signature_png: Path | None = None,
) -> Path:
    """city-report.pdf: the preview (no signature, seal, name or date) or the same pages signed and sealed."""
    seal = None
    if signature_png is not None:
        seal = folder / "seal.png"
        seal.write_bytes(seal_png(CITY_CENTER))
    board, rows = contents.board, contents.rows
    html = city_report_html(
        title=f"{CITY_NAME}{contents.campaign.name}汇总报告",
        city=CITY_NAME,
        center=CITY_CENTER,
        board=board,
        rows=list(zip(board.districts, rows)),
        inbox=rows,
        demonstrations=contents.confirmed,
        accepted=sum(1 for r in rows if r.latest and r.latest.status is SubmissionStatus.ACCEPTED),
        generated_at=generated_at,
        signed_at=signed_at,
        signer=signer,
        signature_png=signature_png,
        seal_png=seal,
    )
    pdf = folder / "city-report.pdf"
    write_pdf(html, pdf)
    return pdf


# ---- sign-off -----------------------------------------------------------------------------------------------------


def sign_off(
    session: Session,
    actor: Actor,
    store: FileStore,
    user: User,
    report_id: int,
    pin: pki.SigningPin,
    drawn_signature: bytes,
    work_dir: Path,
    today: date,
    confirm_missing: bool = False,
    now: datetime | None = None,
    seen: str | None = None,
) -> CityReport:
    """Sign the previewed version with the city center's certificate, if it still holds what the preview showed;
    with districts not yet accepted only when `confirm_missing` says the city center means it."""
    report = get_report(session, actor, report_id)
    contents, waiting, certificate = _check_signable(session, actor, report, user, today, confirm_missing, seen, now)
    checked = report.fingerprint
    ca = keys.authority(session)
    # Claimed before the PIN is tried, so that a version being signed answers the same whatever the PIN.
    token = _claim_for_signing(session, report.id)
    if token is None:
        raise Invalid(BUSY.format(version=report.version))
    try:
        # A build that ended between the checks above and the claim: `contents` are no longer this version's.
        session.refresh(report)
        if report.fingerprint != checked:
            raise Invalid(REBUILT.format(version=report.version))
        drawn = signing.unlock(session, actor, certificate, pin, drawn_signature, now)
    except BaseException:
        session.rollback()
        _release(session, report.id, token)
        raise
    assert ca is not None  # it issued the certificate just unlocked
    signer = signing.Signer(user, certificate, ca.certificate_pem, pin, drawn, (now or utcnow()).replace(microsecond=0))
    result = None
    try:
        spec = _archive_spec(report, contents, signer)
        result = signing.build_signed_archive(session, store, spec, signer, work_dir)
        _record_signed(session, actor, report, token, today, result, waiting)
    except BaseException as error:
        session.rollback()
        _release(
            session, report.id, token, **({"status": CityReportStatus.STALE} if isinstance(error, Expired) else {})
        )
        if result is not None:
            stored_files.collect(session, store, [result.key])  # a ZIP no row came to name
        if isinstance(error, ClaimLost):
            raise Invalid("签字过程中这一版被重新生成了，未签字：请刷新页面后重新签字") from None
        raise
    session.refresh(report)
    return report


def _check_signable(
    session: Session,
    actor: Actor,
    report: CityReport,
    user: User,
    today: date,
    confirm_missing: bool,
    seen: str | None,
    now: datetime | None,
) -> tuple[Contents, list[str], SigningCertificate]:
    """The contents, the districts still waiting and the city center's certificate, once every check of the
    request has passed (all before the PIN is tried)."""
    require(actor, Action.RECEIVE_BUNDLES)
    require_changeable(session, report.campaign_id)
    if report.status is CityReportStatus.SIGNED:
        raise Invalid(f"第{report.version}版全市汇总报告已签字，不能再次签字")
    if report.status is not CityReportStatus.READY and report.status is not CityReportStatus.STALE:
        raise Invalid(f"第{report.version}版全市汇总报告尚未生成完毕，请生成预览后再签字")
    contents = gather(session, actor, report.campaign, today)
    _require_unchanged(session, report, contents)
    if report.status is CityReportStatus.STALE:
        raise Invalid(rules.expired_message(report.version, ["报告内容"]))
    waiting = rules.missing(contents.states())
    if waiting and not confirm_missing:
        raise Invalid({"confirm": rules.unconfirmed_message(waiting)})
    if seen is not None and seen != report.fingerprint:
        raise Invalid(REBUILT.format(version=report.version))
    certificate = keys.usable_certificate(session, user, now)
    if certificate is None or certificate.district_id is not None:
        raise Invalid("您没有可用的市中心签名证书，请联系系统管理员签发")
    return contents, waiting, certificate


def _record_signed(
    session: Session,
    actor: Actor,
    report: CityReport,
    token: str,
    today: date,
    result: signing.SignedArchiveResult,
    waiting: list[str],
) -> None:
    """Name the stored ZIP on the version and audit it, in one transaction that checks again what it seals."""
    # The final transaction: its first write takes SQLite's write lock (no decision can commit meanwhile),
    # then what is signed is checked once more against the preview, as committed now. (No FOR UPDATE on the
    # campaign: a session left holding its FOR SHARE would stall every sign-off.)
    _report(session, report.id, token, claimed_at=utcnow())
    session.expire_all()  # read what is committed now, not the copies this session loaded before
    require_changeable(session, report.campaign_id)
    _require_unchanged(session, report, gather(session, actor, report.campaign, today), in_claim=True)
    _report(session, report.id, token, status=CityReportStatus.SIGNED, claim_token=None, **result.columns())
    audit.record(
        session,
        actor,
        "sign_city_report",
        "city_report",
        report.id,
        None,
        {
            "version": report.version,
            **result.audit_details(),
            "fingerprint": report.fingerprint,
            "confirmed_missing": waiting,
        },
    )
    session.commit()


class Expired(Invalid):
    """The version's contents changed since its preview."""


def _require_unchanged(session: Session, report: CityReport, contents: Contents, in_claim: bool = False) -> None:
    """Expired (naming what changed) when the contents differ from the preview's; outside a claim the version is
    marked 已过期 at once."""
    changed = fingerprint.changed(report.contents or {}, contents.digests())
    if not changed:
        return
    if not in_claim:
        _expire(session, report.id)
    raise Expired(rules.expired_message(report.version, rules.change_labels(changed, contents.district_names())))


def _archive_spec(report: CityReport, contents: Contents, signer: signing.Signer) -> signing.SignedArchive:
    """What the city's ZIP holds: the signed city-report.pdf and every district's 名录表, with the districts' states."""
    campaign, version, generated_at = contents.campaign, report.version, report.generated_at
    assert generated_at is not None  # set by the build that made the version signable
    return signing.SignedArchive(
        scratch_kind="cityreport",
        zip_name="city.zip",
        report_name=CITY_REPORT,
        layout=lambda folder, signature: _render(
            contents, folder, generated_at, signer.user.display_name, signer.signed_at, signature
        ),
        parts=[(CITY_DIRECTORY, directory_workbook(contents.board.results))],
        bundle_id=f"{CITY_CODE}-C{campaign.id}-V{version}",
        version=version,
        district={"code": CITY_CODE, "name": CITY_NAME},
        campaign={"id": campaign.id, "name": campaign.name},
        extra={
            "kind": "city",
            "report": CITY_REPORT,
            "districts": [
                {
                    "code": r.district.code,
                    "name": r.district.name,
                    "status": r.label,
                    "version": r.latest.version if r.latest else None,
                    "archive_sha256": r.latest.archive_sha256 if r.latest else None,
                }
                for r in contents.rows
            ],
        },
        reason=REASON,
        field_name=signatures.CITY_SIGNATURE_FIELD,
    )


def directory_workbook(results: list[StationResult]) -> bytes:
    """Every district's 名录表 with its results: all districts on the first sheet, then one sheet each."""

    def row(r: StationResult) -> list:
        return [
            r.district_name,
            r.number,
            r.name,
            r.host,
            r.host_type,
            r.office,
            r.address,
            r.phone,
            "是" if r.is_odr else "否",
            r.score,
            r.state,
            "是" if r.recommended else "",
            "是" if r.confirmed else "",
        ]

    names = list(dict.fromkeys(r.district_name for r in results))
    sheets = [
        Sheet(f"{name}名录表", HEADERS, [row(r) for r in results if r.district_name == name], WIDTHS) for name in names
    ]
    return spreadsheet.write_workbook("全市名录表", HEADERS, [row(r) for r in results], WIDTHS, sheets)
