"""Use cases of the city's inbox: receive a district's bundle (from the app or a ZIP), verify, accept or return."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from inspect_app.adapters.filestore import FileStore, sha256_of
from inspect_app.audit import trail as audit
from inspect_app.campaigns.operations import require_changeable
from inspect_app.city.verify import BundleCheck, verify_bundle
from inspect_app.domain.evidence.bundles import BundleStatus
from inspect_app.domain.evidence.submissions import (
    CITY_CODE,
    Latest,
    SubmissionRefused,
    SubmissionSource,
    SubmissionStatus,
    check_decision,
    check_submission,
    days_left,
    district_label,
    is_overdue,
)
from inspect_app.domain.identity.permissions import Action, Actor
from inspect_app.housekeeping import stored_files
from inspect_app.models import Bundle, Campaign, District, Submission
from inspect_app.models.types import utcnow
from inspect_app.shared.access import require
from inspect_app.shared.errors import Invalid, NotFound
from inspect_app.signing import keys


def latest(session: Session, district_id: int, campaign_id: int) -> Submission | None:
    """The district's newest submission for the campaign."""
    return session.scalar(
        select(Submission)
        .where(Submission.district_id == district_id, Submission.campaign_id == campaign_id)
        .order_by(Submission.version.desc())
        .limit(1)
    )


def state_of(submission: Submission | None) -> Latest | None:
    return Latest(submission.version, submission.status) if submission is not None else None


def _verify(session: Session, source: Path | BinaryIO) -> BundleCheck:
    authority = keys.authority(session)
    if authority is None:
        raise Invalid("还没有市中心根证书，无法验证证据包")
    return verify_bundle(source, authority.certificate_pem, keys.revocation_list(session))


def _verify_stored(session: Session, store: FileStore, key: str) -> BundleCheck:
    """A stored archive verified where it lies: read once, as the checks go (no local copy of a bucket's object)."""
    with store.open(key) as stream:
        return _verify(session, stream)


def _record(session: Session, actor: Actor, check: BundleCheck, **fields) -> Submission:
    # The stations as the signed manifest lists them, for reasons per station and the leader's view.
    stations = [
        {
            "number": str(row.get("station_number", "")),
            "name": str(row.get("station_name", "")),
            "score": row.get("score"),
            "outcome": row.get("outcome"),
        }
        for row in check.manifest.get("inspections", [])
        if isinstance(row, dict)
    ]
    submission = Submission(
        verified=check.ok,
        checks=[a.as_dict() for a in check.aspects],
        stations=stations,
        signer_name=check.signer,
        signed_at=check.signed_at,
        **fields,
    )
    session.add(submission)
    session.flush()
    action = "submit_bundle" if submission.source is SubmissionSource.APP else "receive_bundle"
    audit.record(
        session,
        actor,
        action,
        *_target(submission),
        submission.district_id,
        {
            "submission": submission.id,
            "version": submission.version,
            "archive_sha256": submission.archive_sha256,
            "verified": submission.verified,
        },
    )
    session.commit()
    return submission


def _target(submission: Submission) -> tuple[str, int]:
    # A ZIP from elsewhere has no bundle of ours: its history hangs on the submission itself.
    return ("bundle", submission.bundle_id) if submission.bundle_id else ("submission", submission.id)


def submit_bundle(session: Session, actor: Actor, store: FileStore, bundle_id: int) -> Submission:
    """The leader sends a signed version to the city; it is verified first and refused if anything fails."""
    bundle = session.get(Bundle, bundle_id)
    if bundle is None:
        raise NotFound()
    require(actor, Action.SUBMIT_BUNDLE, bundle.district_id)
    require_changeable(session, bundle.campaign_id, bundle.district_id)
    if bundle.status is not BundleStatus.SIGNED:
        raise Invalid("只有已签字的证据包才能提交市中心")
    try:
        check_submission(state_of(latest(session, bundle.district_id, bundle.campaign_id)), bundle.version)
    except SubmissionRefused as error:
        raise Invalid(str(error)) from None
    assert bundle.archive_key is not None  # the sign-off stored it with the SIGNED status
    check = _verify_stored(session, store, bundle.archive_key)
    if not check.ok:
        raise Invalid("证据包验证未通过，未提交：" + "；".join(check.problems))
    return _record(
        session,
        actor,
        check,
        district_id=bundle.district_id,
        campaign_id=bundle.campaign_id,
        bundle_id=bundle.id,
        version=bundle.version,
        source=SubmissionSource.APP,
        received_by_id=actor.user_id,
        archive_key=bundle.archive_key,
        archive_sha256=bundle.archive_sha256,
        archive_size=bundle.archive_size,
    )


def receive_upload(session: Session, actor: Actor, store: FileStore, path: Path) -> Submission:
    """The city files a bundle ZIP that came by e-mail or USB stick: the same checks, nothing kept if any fails.

    The file at `path` is moved into the store when it is accepted into the inbox.
    """
    require(actor, Action.RECEIVE_BUNDLES)
    check = _verify(session, path)
    if not check.ok:
        raise Invalid("证据包验证未通过，未接收：" + "；".join(check.problems))
    manifest = check.manifest
    code = str((manifest.get("district") or {}).get("code", ""))
    district = session.scalar(select(District).where(District.code == code)) if code != CITY_CODE else None
    if district is None:
        raise Invalid(f"证据包的旗区代码 {code} 不是本市的旗区")
    campaign_info = manifest.get("campaign") or {}
    campaign = session.get(Campaign, campaign_info.get("id")) if isinstance(campaign_info.get("id"), int) else None
    if campaign is None or campaign.name != campaign_info.get("name"):
        raise Invalid(f"证据包的验收批次“{campaign_info.get('name')}”在本系统中不存在")
    require_changeable(session, campaign.id, district.id)
    version = manifest.get("version")
    if not isinstance(version, int) or version < 1:
        raise Invalid("证据包清单中的版本号无效")
    try:
        check_submission(state_of(latest(session, district.id, campaign.id)), version)
    except SubmissionRefused as error:
        raise Invalid(str(error)) from None
    sha256 = sha256_of(path)
    size = path.stat().st_size
    bundle = session.scalar(select(Bundle).where(Bundle.archive_sha256 == sha256))
    key = stored_files.put_file(session, store, path, "zip", digest=sha256)
    return _record(
        session,
        actor,
        check,
        district_id=district.id,
        campaign_id=campaign.id,
        bundle_id=bundle.id if bundle else None,
        version=version,
        source=SubmissionSource.UPLOAD,
        received_by_id=actor.user_id,
        archive_key=key,
        archive_sha256=sha256,
        archive_size=size,
    )


def returned_reasons(session: Session, district_id: int, campaign_id: int) -> dict[str, str]:
    """Station number → what the city asked to correct, while the district's newest submission stands returned."""
    newest = latest(session, district_id, campaign_id)
    if newest is None or newest.status is not SubmissionStatus.RETURNED:
        return {}
    return {row["number"]: row["reason"] for row in newest.station_reasons}


def get_submission(session: Session, actor: Actor, submission_id: int) -> Submission:
    """A submission, for the city or for the leader of its district."""
    submission = session.get(Submission, submission_id)
    if submission is None:
        raise NotFound()
    require(actor, Action.VIEW_INSPECTION, submission.district_id)
    return submission


def verify_again(session: Session, actor: Actor, store: FileStore, submission_id: int) -> Submission:
    """Check the stored file once more (a certificate revoked since, a damaged disk) and keep the new verdict."""
    require(actor, Action.RECEIVE_BUNDLES)
    submission = get_submission(session, actor, submission_id)
    check = _verify_stored(session, store, submission.archive_key)
    submission.verified, submission.checks = check.ok, [a.as_dict() for a in check.aspects]
    session.commit()
    return submission


def decide(
    session: Session,
    actor: Actor,
    submission_id: int,
    decision: str,
    comment: str = "",
    station_reasons: dict[str, str] | None = None,
) -> Submission:
    """Accept a verified submission, or return it for correction with reasons (overall and per station)."""
    require(actor, Action.RECEIVE_BUNDLES)
    submission = get_submission(session, actor, submission_id)
    require_changeable(session, submission.campaign_id, submission.district_id)
    comment = (comment or "").strip()
    reasons = {number: text.strip() for number, text in (station_reasons or {}).items() if text and text.strip()}
    try:
        check_decision(submission.status, submission.verified, decision, comment, reasons)
    except SubmissionRefused as error:
        raise Invalid(str(error)) from None
    names = {row["number"]: row["name"] for row in submission.stations}
    unknown = sorted(set(reasons) - set(names))
    if unknown:
        raise Invalid(f"服务站 {'、'.join(unknown)} 不在该证据包中")
    submission.status = SubmissionStatus.ACCEPTED if decision == "accept" else SubmissionStatus.RETURNED
    submission.comment = comment or None
    submission.station_reasons = [{"number": n, "name": names[n], "reason": r} for n, r in sorted(reasons.items())]
    submission.decided_at, submission.decided_by_id = utcnow(), actor.user_id
    audit.record(
        session,
        actor,
        f"{decision}_bundle",
        *_target(submission),
        submission.district_id,
        {
            "submission": submission.id,
            "version": submission.version,
            "comment": comment or None,
            "stations": submission.station_reasons,
        },
    )
    session.commit()
    return submission


@dataclass(frozen=True)
class InboxRow:
    district: District
    latest: Submission | None
    label: str
    days_left: int
    overdue: bool
    versions: int


def inbox(session: Session, actor: Actor, campaign: Campaign, today: date) -> list[InboxRow]:
    """The districts the campaign covers with their state, newest submission and the deadline."""
    require(actor, Action.VIEW_CITY)
    newest: dict[int, Submission] = {}
    counts: dict[int, int] = {}
    for submission in session.scalars(
        select(Submission).where(Submission.campaign_id == campaign.id).order_by(Submission.version)
    ):
        newest[submission.district_id] = submission
        counts[submission.district_id] = counts.get(submission.district_id, 0) + 1
    rows = []
    for district in campaign.districts:  # in code order
        found = newest.get(district.id)
        state = state_of(found)
        rows.append(
            InboxRow(
                district,
                found,
                district_label(state),
                days_left(campaign.deadline, today),
                is_overdue(state, campaign.deadline, today),
                counts.get(district.id, 0),
            )
        )
    return rows


def submissions_of(session: Session, actor: Actor, district_id: int, campaign_id: int) -> list[Submission]:
    """Every version the district sent for the campaign, newest first."""
    require(actor, Action.VIEW_INSPECTION, district_id)
    return list(
        session.scalars(
            select(Submission)
            .where(Submission.district_id == district_id, Submission.campaign_id == campaign_id)
            .order_by(Submission.version.desc())
        )
    )


def history(session: Session, actor: Actor, district_id: int, campaign_id: int) -> list[audit.HistoryLine]:
    """Who did what to the district's bundle for the campaign, and when, from the audit trail."""
    bundle_ids = list(
        session.scalars(select(Bundle.id).where(Bundle.district_id == district_id, Bundle.campaign_id == campaign_id))
    )
    submission_ids = [s.id for s in submissions_of(session, actor, district_id, campaign_id) if s.bundle_id is None]
    return audit.history(session, actor, district_id, bundle_ids=bundle_ids, submission_ids=submission_ids)
