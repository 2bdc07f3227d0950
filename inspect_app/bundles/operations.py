"""Use cases of the evidence bundle: build a preview, sign it off into an immutable ZIP, list versions."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import cast

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from inspect_app.adapters import pki, scratch, spreadsheet
from inspect_app.adapters.filestore import FileStore
from inspect_app.adapters.pdf.seal import seal_png
from inspect_app.audit import trail as audit
from inspect_app.bundles import builds as bundle_builds
from inspect_app.bundles import contents as bundle_contents
from inspect_app.bundles.builds import STALE_AFTER_S
from inspect_app.bundles.report.build import parts_dir, write_report
from inspect_app.bundles.report.data import ReportData, gather_report
from inspect_app.bundles.report.print_copies import make_print_copies, photos_to_print
from inspect_app.campaigns.operations import require_changeable, template_of
from inspect_app.city import submissions
from inspect_app.domain.checklists.scoring import Verdict
from inspect_app.domain.clock import BEIJING
from inspect_app.domain.directory.stations import StationStatus
from inspect_app.domain.evidence.bundles import BundleStatus
from inspect_app.domain.evidence.manifest import DIRECTORY, REPORT
from inspect_app.domain.evidence.narrative import StationResult, draft_narrative
from inspect_app.domain.evidence.submissions import SubmissionRefused, check_new_version
from inspect_app.domain.identity.permissions import Action, Actor
from inspect_app.domain.inspections import InspectionStatus
from inspect_app.follow_up import bundle_parts, order_queries
from inspect_app.housekeeping import stored_files
from inspect_app.models import Bundle, Campaign, District, Inspection, SigningCertificate, Station, User
from inspect_app.models.types import utcnow
from inspect_app.shared.access import require
from inspect_app.shared.errors import Invalid, NotFound
from inspect_app.shared.failures import build_failure
from inspect_app.signing import keys
from inspect_app.signing import signed_archive as signing

REBUILT = "第{version}版在您打开页面之后已重新生成，未签字：请刷新页面，查看新的预览后再签字"
DIRECTORY_HEADERS = [
    "站点编号",
    "服务站名称",
    "依托单位",
    "依托单位类型",
    "所属监管所",
    "地址",
    "联系电话",
    "得分",
    "结论",
]
DIRECTORY_WIDTHS = [16, 34, 30, 12, 20, 36, 16, 8, 14]


def versions(session: Session, actor: Actor, district_id: int, campaign_id: int) -> list[Bundle]:
    """Every version of the district's bundle for the campaign, newest first."""
    require(actor, Action.REVIEW, district_id)
    return list(
        session.scalars(
            select(Bundle)
            .where(Bundle.district_id == district_id, Bundle.campaign_id == campaign_id)
            .order_by(Bundle.version.desc())
        )
    )


def get_bundle(session: Session, actor: Actor, bundle_id: int) -> Bundle:
    bundle = session.get(Bundle, bundle_id)
    if bundle is None:
        raise NotFound()
    require(actor, Action.VIEW_INSPECTION, bundle.district_id)
    return bundle


def _newest(session: Session, district_id: int, campaign_id: int) -> Bundle | None:
    return session.scalar(
        select(Bundle)
        .where(Bundle.district_id == district_id, Bundle.campaign_id == campaign_id)
        .order_by(Bundle.version.desc())
        .limit(1)
    )


def signed_newest(session: Session, district_id: int, campaign_id: int) -> Bundle | None:
    """The district's newest bundle when it is signed: its signature locks the inspections it holds."""
    newest = _newest(session, district_id, campaign_id)
    return newest if newest is not None and newest.status is BundleStatus.SIGNED else None


def new_version_refusal(session: Session, district_id: int, campaign_id: int) -> str | None:
    """Why no new version may begin after the newest signed one (the city holds or has accepted it), or None."""
    latest = _newest(session, district_id, campaign_id)
    if latest is None or latest.status is not BundleStatus.SIGNED:
        return None
    try:
        check_new_version(submissions.state_of(submissions.latest(session, district_id, campaign_id)), latest.version)
    except SubmissionRefused as error:
        return str(error)
    return None


def build_refusal(session: Session, district_id: int, campaign_id: int) -> str | None:
    """Why the district has nothing to put in a bundle yet, or None."""
    accepted = (
        session.scalar(
            select(func.count())
            .select_from(Inspection)
            .join(Station)
            .where(
                Station.district_id == district_id,
                Inspection.is_own,
                Inspection.campaign_id == campaign_id,
                Inspection.status == InspectionStatus.ACCEPTED,
            )
        )
        or 0
    )
    return None if accepted else "还没有审核通过的检查，不能生成证据包：请先在审核页面审核通过至少一个检查"


def _narrative_to_keep(
    latest: Bundle | None, narrative: str | None, drafted_from: str | None
) -> tuple[str, str | None]:
    """The narrative and the draft it came from, as the new build keeps them (see Bundle.narrative_draft).

    None for the narrative: the newest version's, when the leader edited it; otherwise the draft, written afresh
    from the figures when the build runs."""
    if narrative is None:
        if latest is not None and latest.narrative_edited:
            return latest.narrative, latest.narrative_draft
        return "", ""
    narrative = narrative.strip()
    drafted_from = drafted_from.strip() if drafted_from is not None else None
    if len(narrative) > 20000 or len(drafted_from or "") > 20000:
        raise Invalid({"narrative": "文字说明不能超过20000字"})
    return narrative, drafted_from


def begin_build(
    session: Session,
    actor: Actor,
    district_id: int,
    campaign_id: int,
    narrative: str | None,
    stale_after_s: int = STALE_AFTER_S,
    *,
    drafted_from: str | None = None,
) -> tuple[Bundle, str | None]:
    """A bundle to build and the token of its build, or None for the token when a build of it is already
    running (a second click joins that one). The open draft is reused; after a signed version a new version
    begins (which unlocks the inspections), unless the city holds that version or has accepted the bundle.

    `drafted_from`: the draft the leader was shown beside the narrative (unchanged: the narrative keeps following
    the figures); None for a narrative typed in whole. A narrative of None carries the newest version's."""
    require(actor, Action.REVIEW, district_id)
    require_changeable(session, campaign_id, district_id)
    latest = _newest(session, district_id, campaign_id)
    narrative, drafted_from = _narrative_to_keep(latest, narrative, drafted_from)
    refusal = new_version_refusal(session, district_id, campaign_id) or build_refusal(session, district_id, campaign_id)
    if refusal:
        raise Invalid({"narrative": refusal})
    if latest is not None and latest.status is not BundleStatus.SIGNED:
        token = bundle_builds.claim_build(session, latest.id, narrative, stale_after_s, narrative_draft=drafted_from)
        session.refresh(latest)
        return latest, token
    token = bundle_builds.new_token()
    bundle = Bundle(
        district_id=district_id,
        campaign_id=campaign_id,
        version=(latest.version + 1) if latest else 1,
        narrative=narrative,
        narrative_draft=drafted_from,
        created_by_id=actor.user_id,
        claim_token=token,
        heartbeat_at=utcnow(),
    )
    session.add(bundle)
    try:
        session.flush()
    except IntegrityError:  # the same version begun a moment ago by another request: join its build
        session.rollback()
        joined = _newest(session, district_id, campaign_id)
        assert joined is not None  # the row that won the race; every caller reads it
        return joined, None
    audit.record(session, actor, "start_bundle", "bundle", bundle.id, district_id, {"version": bundle.version})
    session.commit()
    return bundle, token


def start_draft(session: Session, actor: Actor, district_id: int, campaign_id: int, narrative: str | None) -> Bundle:
    """begin_build for a caller that then builds it itself, at once (the command line)."""
    return begin_build(session, actor, district_id, campaign_id, narrative)[0]


def _layout(
    data: ReportData,
    bundle: Bundle,
    signature: Path | None,
    folder: Path,
    work_dir: Path,
    progress=None,
    processes: int = 1,
) -> Path:
    seal = folder / "seal.png"
    seal.write_bytes(seal_png(data.bureau))
    target = folder / "report.pdf"
    write_report(
        data,
        target,
        leader_signature_png=signature,
        seal_png_path=seal,
        parts_dir=parts_dir(work_dir, bundle.district_id, bundle.campaign_id),
        progress=progress,
        processes=processes,
    )
    return target


def _redraft(session: Session, bundle: Bundle, token: str) -> None:
    """Write the unedited narrative again from the figures as they are now (under the build's claim)."""
    if bundle.narrative_edited:
        return
    text = _draft_text(session, bundle.district_id, session.get_one(Campaign, bundle.campaign_id))
    bundle_builds.report(session, bundle.id, token, narrative=text, narrative_draft=text)
    session.commit()
    session.refresh(bundle)


def build_preview(
    session: Session,
    store: FileStore,
    bundle_id: int,
    leader_name: str,
    work_dir: Path,
    token: str | None = None,
    stale_after_s: int = STALE_AFTER_S,
    layout_processes: int = 1,
) -> Bundle:
    """Render the unsigned report for the leader to check (runs off the request path, reporting progress).

    `token`: the build's claim from begin_build (None: the bundle's current one, for a caller that has just
    begun it). A build that lost its claim stops without touching the bundle. `layout_processes`: how many
    processes lay out the report's parts when many were not laid out ahead."""
    bundle = session.get_one(Bundle, bundle_id)
    # Begun just now, so claimed: the bundle's token is a string (None would match only an unclaimed row).
    token = token or cast(str, bundle.claim_token)
    old_preview = bundle.preview_key

    def progress(percent: int) -> None:
        bundle_builds.report(session, bundle_id, token, progress=percent)
        session.commit()

    try:
        with bundle_builds.Heartbeat(session, bundle_id, token, stale_after_s):
            _redraft(session, bundle, token)
            # The first build of a district makes the photos' print copies; later ones find them kept.
            missing = photos_to_print(session, bundle.district_id, bundle.campaign_id)
            make_print_copies(session, store, missing, progress=lambda share: progress(int(5 * share)))
            progress(5)
            with scratch.folder(work_dir, "build") as folder:
                # The version records what it shows, from the very data laid out (bundle_contents).
                data = gather_report(
                    session,
                    bundle.district_id,
                    bundle.campaign_id,
                    leader_name=leader_name,
                    narrative=bundle.narrative,
                    store=store,
                    signed_at=None,
                )
                pdf = _layout(
                    data,
                    bundle,
                    None,
                    folder,
                    work_dir,
                    progress=lambda share: progress(5 + int(90 * share)),
                    processes=layout_processes,
                )
                preview = stored_files.put_file(session, store, pdf, "pdf")
            bundle_builds.report(
                session,
                bundle_id,
                token,
                status=BundleStatus.READY,
                progress=100,
                preview_key=preview,
                claim_token=None,
                **bundle_contents.recorded(data),
            )
            session.commit()
    except bundle_builds.BuildLost:
        session.rollback()  # another build has it now; whatever this one stored is swept if nobody names it
        raise
    except Exception as error:  # the page shows why; the leader can build again
        session.rollback()
        bundle_builds.release(session, bundle_id, token, status=BundleStatus.FAILED, error=build_failure(error))
        raise
    if old_preview and old_preview != preview:
        stored_files.collect(session, store, [old_preview])  # the previous build's preview, unless named elsewhere
    session.refresh(bundle)
    return bundle


def _pending_review(session: Session, bundle: Bundle) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Inspection)
            .join(Station)
            .where(
                Station.district_id == bundle.district_id,
                Inspection.is_own,
                Inspection.campaign_id == bundle.campaign_id,
                Inspection.status == InspectionStatus.SUBMITTED,
            )
        )
        or 0
    )


def sign_off(
    session: Session,
    actor: Actor,
    store: FileStore,
    user: User,
    bundle_id: int,
    pin: pki.SigningPin,
    drawn_signature: bytes,
    work_dir: Path,
    now: datetime | None = None,
    stale_after_s: int = STALE_AFTER_S,
    seen: str | None = None,
) -> Bundle:
    """Sign the bundle with the leader's certificate: report.pdf (PAdES), the directory, the original photos
    and a manifest with a detached CMS signature, in one ZIP that never changes afterwards.

    `seen`: the fingerprint of the preview the leader's page showed (None from the command line): a version
    built again since then is not signed, even if it is ready."""
    bundle = get_bundle(session, actor, bundle_id)
    certificate = _check_signable(session, store, bundle, actor, user, seen, now)
    checked = bundle.fingerprint
    ca = keys.authority(session)
    # One sign-off at a time, and none while it is being built again: a double click waits for the first. Claimed
    # before the PIN is tried, so that a busy version answers the same whatever the PIN.
    token = bundle_builds.claim_signing(session, bundle.id, stale_after_s)
    if token is None:
        raise Invalid("这一版证据包正在签字或正在重新生成，未重复签字：请稍候刷新页面查看")
    try:
        # A build that ended between the checks above and the claim: what was checked is no longer the version.
        session.refresh(bundle)
        if bundle.fingerprint != checked:
            raise Invalid({"bundle": REBUILT.format(version=bundle.version)})
        drawn = signing.unlock(session, actor, certificate, pin, drawn_signature, now)
    except BaseException:
        session.rollback()
        bundle_builds.release(session, bundle.id, token)
        raise
    assert ca is not None  # it issued the certificate just unlocked
    signer = signing.Signer(user, certificate, ca.certificate_pem, pin, drawn, (now or utcnow()).replace(microsecond=0))
    result = None
    try:
        with bundle_builds.Heartbeat(session, bundle.id, token, stale_after_s):
            spec = _archive_spec(session, store, bundle, signer, work_dir)
            result = signing.build_signed_archive(session, store, spec, signer, work_dir)
            _record_signed(session, actor, store, bundle, token, result)
    except BaseException:
        session.rollback()
        bundle_builds.release(session, bundle.id, token)
        if result is not None:
            stored_files.collect(session, store, [result.key])  # a ZIP no row came to name
        raise
    session.refresh(bundle)
    return bundle


def _check_signable(
    session: Session,
    store: FileStore,
    bundle: Bundle,
    actor: Actor,
    user: User,
    seen: str | None,
    now: datetime | None,
) -> SigningCertificate:
    """The leader's certificate, once every check of the request has passed (all before the PIN is tried)."""
    require(actor, Action.REVIEW, bundle.district_id)
    require_changeable(session, bundle.campaign_id, bundle.district_id)
    if bundle.status is not BundleStatus.READY:
        raise Invalid("证据包尚未生成完毕，或已经签字")
    pending = _pending_review(session, bundle)
    if pending:
        raise Invalid(f"还有{pending}个检查等待审核，请先审核通过或退回")
    _require_as_previewed(session, store, bundle)
    if seen is not None and seen != bundle.fingerprint:
        raise Invalid({"bundle": REBUILT.format(version=bundle.version)})
    certificate = keys.usable_certificate(session, user, now)
    if certificate is None or certificate.district_id != bundle.district_id:
        raise Invalid("您没有可用的签名证书，请联系系统管理员签发")
    return certificate


def _record_signed(
    session: Session, actor: Actor, store: FileStore, bundle: Bundle, token: str, result: signing.SignedArchiveResult
) -> None:
    """Name the stored ZIP on the version and audit it, in one transaction that checks again what it seals."""
    # The layout took minutes without the campaign's lock: check again now that this transaction writes
    # (the file's lock above), so that a close or an inspection submitted meanwhile is not sealed.
    require_changeable(session, bundle.campaign_id, bundle.district_id)
    if _pending_review(session, bundle):
        raise Invalid("签字期间有新提交的检查等待审核：请先审核，再重新签字")
    _require_as_previewed(session, store, bundle)
    bundle_builds.report(session, bundle.id, token, status=BundleStatus.SIGNED, claim_token=None, **result.columns())
    audit.record(
        session,
        actor,
        "sign_bundle",
        "bundle",
        bundle.id,
        bundle.district_id,
        {"version": bundle.version, **result.audit_details()},
    )
    session.commit()


def _require_as_previewed(session: Session, store: FileStore, bundle: Bundle) -> None:
    """Invalid (已过期) unless the version holds what its preview showed."""
    changes = bundle_contents.check(session, store, bundle).changes
    if changes:
        raise Invalid({"bundle": bundle_contents.expired_message(bundle, changes)})


def _archive_spec(
    session: Session, store: FileStore, bundle: Bundle, signer: signing.Signer, work_dir: Path
) -> signing.SignedArchive:
    """What the bundle's ZIP holds: the report, the directory, each included inspection's original photos, the
    issued rectification orders' signed notices (listed in the manifest's "orders" too)."""
    # The previewed version and nothing newer: with the contents unchanged, the body is the preview's parts as
    # laid out then (report_build keeps them by their HTML), and only the cover and the sign-off page are new.
    data = bundle_contents.gather(session, store, bundle, signer.user.display_name, signer.signed_at)
    changes = bundle_contents.compare(bundle, data)
    if changes:
        raise Invalid({"bundle": bundle_contents.expired_message(bundle, changes)})
    rows = [
        [r.number, r.name, r.host, r.host_type, r.office, r.address, r.phone, r.score, r.outcome_label]
        for r in data.directory
    ]
    directory = spreadsheet.write_workbook("名录表", DIRECTORY_HEADERS, rows, DIRECTORY_WIDTHS)
    included = _included(session, bundle)
    notices, orders = bundle_parts.notice_parts(session, store, bundle.district_id, bundle.campaign_id)
    district, campaign = session.get_one(District, bundle.district_id), session.get_one(Campaign, bundle.campaign_id)
    return signing.SignedArchive(
        scratch_kind="signoff",
        zip_name="bundle.zip",
        report_name=REPORT,
        layout=lambda folder, signature: _layout(data, bundle, signature, folder, work_dir),
        parts=[(DIRECTORY, directory), *_photos(store, included), *notices],
        bundle_id=f"{district.code}-C{campaign.id}-V{bundle.version}",
        version=bundle.version,
        district={"code": district.code, "name": district.name},
        campaign={"id": campaign.id, "name": campaign.name},
        inspections=[
            {
                "station_number": s.number,
                "station_name": s.name,
                "status": i.status.value,
                "score": i.score,
                "outcome": i.outcome.value if i.outcome else None,
            }
            for s, i in included
        ],
        extra={"orders": orders} if orders else None,
    )


def _photos(store: FileStore, included: list[tuple[Station, Inspection]]) -> list[tuple[str, Path]]:
    """Each original photo as the ZIP names it: photos/<station>/<slot>-<n>.<ext>, numbered within its slot."""
    photos = []
    for station, inspection in included:
        counts: dict[str, int] = {}
        for photo in sorted(inspection.ready_photos, key=lambda p: (p.slot, p.id)):
            counts[photo.slot] = counts.get(photo.slot, 0) + 1
            extension = photo.original_key.rsplit(".", 1)[-1]
            name = f"photos/{station.number}/{photo.slot}-{counts[photo.slot]}.{extension}"
            photos.append((name, store.local_path(photo.original_key)))
    return photos


def _included(session: Session, bundle: Bundle) -> list[tuple[Station, Inspection]]:
    rows = session.execute(
        select(Station, Inspection)
        .join(Inspection, Inspection.station_id == Station.id)
        .where(
            Station.district_id == bundle.district_id,
            Inspection.is_own,
            Inspection.campaign_id == bundle.campaign_id,
            Inspection.status.in_([InspectionStatus.SUBMITTED, InspectionStatus.ACCEPTED]),
        )
        .order_by(Station.number)
    )
    return [(station, inspection) for station, inspection in rows]


def narrative_draft(session: Session, actor: Actor, district_id: int, campaign: Campaign) -> str:
    """A 文字说明 written from the campaign's figures, for the leader to edit."""
    require(actor, Action.REVIEW, district_id)
    return _draft_text(session, district_id, campaign)


def _draft_text(session: Session, district_id: int, campaign: Campaign) -> str:
    district = session.get_one(District, district_id)
    template = template_of(campaign.checklist_version)
    texts = {item.code: f"{item.code} {item.text}" for item in template.items}
    stations = (
        session.scalar(
            select(func.count())
            .select_from(Station)
            .where(Station.district_id == district_id, Station.status != StationStatus.RETIRED)
        )
        or 0
    )
    results = []
    for station, inspection in session.execute(
        select(Station, Inspection)
        .join(Inspection, Inspection.station_id == Station.id)
        .where(Station.district_id == district_id, Inspection.is_own, Inspection.campaign_id == campaign.id)
        .order_by(Station.number)
    ):
        done = inspection.status in (InspectionStatus.SUBMITTED, InspectionStatus.ACCEPTED)
        failed = tuple(
            texts.get(a.item_code, a.item_code)
            for a in sorted(inspection.answers, key=lambda a: a.item_code)
            if a.verdict is Verdict.FAIL
        )
        results.append(
            StationResult(
                station.name,
                station.host_type.label,
                inspection.outcome if done else None,
                inspection.score if done else None,
                failed,
                inspection.recommended_demonstration,
            )
        )
    today = utcnow().astimezone(BEIJING).date()
    return draft_narrative(
        district.name, campaign.name, stations, results, order_queries.counts(session, district_id, campaign.id, today)
    )
