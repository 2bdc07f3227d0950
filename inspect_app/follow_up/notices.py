"""The city's results notice (通报): draft it from the figures, edit it, preview it, sign it with the city center's
certificate as a PDF laid out like an official document, and publish it to the districts' leaders."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from inspect_app.adapters import pki, scratch, signatures
from inspect_app.adapters.filestore import FileStore
from inspect_app.adapters.pdf.report import write_pdf
from inspect_app.adapters.pdf.report_html import notice_html
from inspect_app.adapters.pdf.seal import seal_png
from inspect_app.audit import trail as audit
from inspect_app.domain.follow_up import notice as rules
from inspect_app.domain.follow_up.notice import NoticeStatus
from inspect_app.domain.identity.permissions import Action, Actor
from inspect_app.follow_up.notice_draft import draft_text
from inspect_app.housekeeping import stored_files
from inspect_app.models import Campaign, ResultsNotice, User
from inspect_app.models.types import utcnow
from inspect_app.shared.access import require
from inspect_app.shared.errors import Invalid, NotFound
from inspect_app.shared.results import rowcount
from inspect_app.signing import keys, pin_attempts
from inspect_app.signing.signed_archive import sign_report

REASON = "鄂尔多斯市市场监督管理局签发通报"
SEAL_WORD = "通报专用章"
CHANGED = "第{version}版通报在您打开页面之后已被修改或签发，未签发：请刷新页面，预览后再签发"


def notices(session: Session, actor: Actor, campaign_id: int) -> list[ResultsNotice]:
    """Every version of the campaign's notice, newest first (the city's list)."""
    require(actor, Action.ISSUE_NOTICE)
    return list(
        session.scalars(
            select(ResultsNotice).where(ResultsNotice.campaign_id == campaign_id).order_by(ResultsNotice.version.desc())
        )
    )


def get_notice(session: Session, actor: Actor, notice_id: int) -> ResultsNotice:
    require(actor, Action.ISSUE_NOTICE)
    notice = session.get(ResultsNotice, notice_id)
    if notice is None:
        raise NotFound()
    return notice


def published_notices(session: Session, actor: Actor) -> list[ResultsNotice]:
    """The notices published to the districts, newest first: nothing before it is published."""
    require(actor, Action.VIEW_NOTICES)
    return list(
        session.scalars(
            select(ResultsNotice)
            .where(ResultsNotice.status == NoticeStatus.PUBLISHED)
            .order_by(ResultsNotice.published_at.desc(), ResultsNotice.id.desc())
        )
    )


def get_published(session: Session, actor: Actor, notice_id: int) -> ResultsNotice:
    """A published notice; any other answers as if it did not exist."""
    require(actor, Action.VIEW_NOTICES)
    notice = session.get(ResultsNotice, notice_id)
    if notice is None or notice.status is not NoticeStatus.PUBLISHED:
        raise NotFound()
    return notice


def _draft_of(notice: ResultsNotice) -> None:
    if notice.status is not NoticeStatus.DRAFT:
        raise Invalid(f"第{notice.version}版通报已签发，不能再修改：如需更正，请起草新一版")


def start_draft(session: Session, actor: Actor, user: User, campaign_id: int, today: date) -> ResultsNotice:
    """The campaign's open draft, or a new version drafted from the figures (after a signed one too)."""
    require(actor, Action.ISSUE_NOTICE)
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound()
    versions = notices(session, actor, campaign_id)
    if versions and versions[0].status is NoticeStatus.DRAFT:
        return versions[0]
    version = versions[0].version + 1 if versions else 1
    issued_this_year = session.scalar(
        select(func.count())
        .select_from(ResultsNotice)
        .where(ResultsNotice.status != NoticeStatus.DRAFT, ResultsNotice.number.contains(f"〔{today.year}〕"))
    )
    notice = ResultsNotice(
        campaign_id=campaign.id,
        version=version,
        number=rules.document_number(today.year, (issued_this_year or 0) + 1),
        title=rules.default_title(campaign.name),
        body=draft_text(session, actor, campaign),
        created_by_id=user.id,
    )
    session.add(notice)
    try:
        session.flush()
    except IntegrityError:  # the same version drafted a moment ago by another request
        session.rollback()
        raise Invalid(f"第{version}版通报刚刚已起草，请刷新页面") from None
    audit.record(session, actor, "draft_notice", "results_notice", notice.id, None, {"version": version})
    session.commit()
    return notice


def redraft(session: Session, actor: Actor, notice_id: int) -> ResultsNotice:
    """The draft's body written again from the figures as they stand now (its number and title kept)."""
    notice = get_notice(session, actor, notice_id)
    _draft_of(notice)
    notice.body = draft_text(session, actor, notice.campaign)
    audit.record(session, actor, "redraft_notice", "results_notice", notice.id, None, {"version": notice.version})
    session.commit()
    return notice


def edit_notice(session: Session, actor: Actor, notice_id: int, number: str, title: str, body: str) -> ResultsNotice:
    """Change the draft's number, title and body; Invalid (by field, in Chinese) changes nothing."""
    notice = get_notice(session, actor, notice_id)
    _draft_of(notice)
    number, title, body = number.strip(), title.strip(), body.strip()
    errors = rules.check_fields(number, title, body)
    if errors:
        raise Invalid(errors)
    notice.number, notice.title, notice.body = number, title, body
    audit.record(
        session,
        actor,
        "edit_notice",
        "results_notice",
        notice.id,
        None,
        {"version": notice.version, "number": number, "body_sha256": hashlib.sha256(body.encode()).hexdigest()},
    )
    session.commit()
    return notice


def _render(notice: ResultsNotice, folder: Path, day: date | datetime, preview: bool) -> Path:
    """notice.pdf: the preview (marked 预览, no seal) or the page to be signed, sealed."""
    seal = None
    if not preview:
        seal = folder / "seal.png"
        seal.write_bytes(seal_png(rules.BUREAU, word=SEAL_WORD))
    html = notice_html(
        bureau=rules.BUREAU,
        number=notice.number,
        title=notice.title,
        paragraphs=rules.paragraphs(notice.body),
        day=day,
        seal_png=seal,
        preview=preview,
    )
    pdf = folder / "notice.pdf"
    write_pdf(html, pdf)
    return pdf


def preview_pdf(session: Session, actor: Actor, notice_id: int, work_dir: Path, today: date) -> bytes:
    """The draft laid out as it will be signed, unsigned and marked 预览, dated today."""
    notice = get_notice(session, actor, notice_id)
    with scratch.folder(work_dir, "notice") as folder:
        return _render(notice, folder, today, preview=True).read_bytes()


def sign_notice(
    session: Session,
    actor: Actor,
    store: FileStore,
    user: User,
    notice_id: int,
    pin: pki.SigningPin,
    work_dir: Path,
    now: datetime | None = None,
    seen: str | None = None,
) -> ResultsNotice:
    """Lay out the draft with the bureau's seal and sign it with the city center's certificate (PAdES, time-stamped
    by the city's authority). Every other check comes before the PIN is tried; a wrong PIN is counted against the
    certificate as for every signature, and changes nothing else."""
    notice = get_notice(session, actor, notice_id)
    _draft_of(notice)
    errors = rules.check_fields(notice.number, notice.title, notice.body)
    if errors:
        raise Invalid(errors)
    if seen is not None and seen != rules.digest(notice.number, notice.title, notice.body):
        raise Invalid(CHANGED.format(version=notice.version))
    certificate = keys.usable_certificate(session, user, now)
    if certificate is None or certificate.district_id is not None:
        raise Invalid({"pin": "您没有可用的市中心签名证书，请联系系统管理员签发"})
    ca = keys.authority(session)
    assert ca is not None  # it issued the certificate
    current = pin_attempts.try_pin(session, actor, certificate, pin, now)
    if current != certificate.encrypted_key_pem:  # a key under the PIN alone is kept under the keyed PIN
        certificate.encrypted_key_pem = current
    signed_at = (now or utcnow()).replace(microsecond=0)
    laid_out = (notice.number, notice.title, notice.body)
    key = None
    try:
        with scratch.folder(work_dir, "notice") as folder:
            pdf = _render(notice, folder, signed_at, preview=False)
            signed = sign_report(
                pdf,
                certificate,
                ca.certificate_pem,
                pin,
                user.display_name,
                signed_at,
                reason=REASON,
                field_name=signatures.CITY_SIGNATURE_FIELD,
                trusted=keys.trusted_time(session, pin.secret),
            )
            digest = hashlib.sha256(signed.read_bytes()).hexdigest()
            key = stored_files.put_file(session, store, signed, "pdf", digest=digest)
        # Only a draft still as laid out becomes signed: a second signing at once, or an edit meanwhile, loses.
        signed_now = session.execute(
            update(ResultsNotice)
            .where(
                ResultsNotice.id == notice.id,
                ResultsNotice.status == NoticeStatus.DRAFT,
                ResultsNotice.number == laid_out[0],
                ResultsNotice.title == laid_out[1],
                ResultsNotice.body == laid_out[2],
            )
            .values(
                status=NoticeStatus.SIGNED,
                pdf_key=key,
                pdf_sha256=digest,
                signed_at=signed_at,
                signed_by_id=user.id,
                certificate_id=certificate.id,
            )
            .execution_options(synchronize_session=False)
        )
        if rowcount(signed_now) != 1:
            raise Invalid(CHANGED.format(version=notice.version))
        audit.record(
            session,
            actor,
            "sign_notice",
            "results_notice",
            notice.id,
            None,
            {
                "version": notice.version,
                "number": notice.number,
                "pdf_sha256": digest,
                "certificate": certificate.serial,
            },
        )
        session.commit()
    except BaseException:
        session.rollback()
        if key is not None:
            stored_files.collect(session, store, [key])
        raise
    session.refresh(notice)
    return notice


def publish_notice(session: Session, actor: Actor, notice_id: int) -> ResultsNotice:
    """Publish a signed notice: from now on the districts' leaders read it in the app."""
    notice = get_notice(session, actor, notice_id)
    if notice.status is NoticeStatus.DRAFT:
        raise Invalid(f"第{notice.version}版通报尚未签发，签发后才能发布")
    if notice.status is NoticeStatus.PUBLISHED:
        raise Invalid(f"第{notice.version}版通报已发布")
    notice.status, notice.published_at, notice.published_by_id = NoticeStatus.PUBLISHED, utcnow(), actor.user_id
    audit.record(session, actor, "publish_notice", "results_notice", notice.id, None, {"version": notice.version})
    session.commit()
    return notice
