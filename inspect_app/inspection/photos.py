"""Use cases for photo evidence: add (with its findings), replace and remove, all or nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from inspect_app.adapters.filestore import FileStore, PartialUploads
from inspect_app.adapters.imaging import PhotoFacts, PhotoRejected, make_derivatives, read_photo
from inspect_app.campaigns.operations import require_changeable
from inspect_app.domain.findings import DuplicateHit, Finding, Position, Thresholds, photo_findings
from inspect_app.domain.geo import LatLon
from inspect_app.domain.identity.permissions import Action, Actor
from inspect_app.housekeeping import stored_files
from inspect_app.inspection import sync
from inspect_app.inspection.operations import audit_inspection, editable_inspection, template_of
from inspect_app.models import Inspection, Photo, Station
from inspect_app.models.types import utcnow
from inspect_app.shared.access import require
from inspect_app.shared.errors import Invalid, NotFound


class PhotoRefused(Invalid):
    """The bytes themselves are no photo we keep (not an image, broken, too large): sending them again is futile."""


@dataclass(frozen=True)
class BrowserPosition:
    """Where the browser said the phone was when the photo was taken."""

    latitude: float
    longitude: float
    accuracy_m: float | None
    taken_at: datetime | None


def _hamming(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def _duplicates(
    session: Session, inspection: Inspection, facts: PhotoFacts, thresholds: Thresholds
) -> list[DuplicateHit]:
    """Earlier uses of the same or a near-identical photo outside this inspection, one per station and kind."""
    others = session.execute(
        select(Photo.sha256, Photo.perceptual_hash, Station.id, Station.name, Station.number)
        .join(Inspection, Photo.inspection_id == Inspection.id)
        .join(Station, Inspection.station_id == Station.id)
        .where(Photo.inspection_id != inspection.id)
    ).all()
    hits: dict[tuple[str, int], DuplicateHit] = {}
    for sha, phash, station_id, name, number in others:
        distance = 0 if sha == facts.sha256 else _hamming(phash, facts.perceptual_hash)
        if distance > thresholds.near_duplicate_distance:
            continue
        kind = "same" if sha == facts.sha256 else "similar"
        hits.setdefault(
            (kind, station_id), DuplicateHit(kind, name, number, station_id == inspection.station_id, distance)
        )
    return list(hits.values())


def _findings(
    session: Session,
    inspection: Inspection,
    facts: PhotoFacts,
    browser: BrowserPosition | None,
    thresholds: Thresholds,
    now: datetime,
) -> list[Finding]:
    exif = facts.exif
    station = inspection.station
    return photo_findings(
        exif_position=Position(exif.latitude, exif.longitude, None, exif.taken_at, "exif")
        if exif.latitude is not None and exif.longitude is not None
        else None,
        browser_position=Position(browser.latitude, browser.longitude, browser.accuracy_m, browser.taken_at, "browser")
        if browser is not None
        else None,
        station_position=LatLon(station.latitude, station.longitude)
        if station.latitude is not None and station.longitude is not None
        else None,
        exif_time=exif.taken_at,
        campaign_starts_on=inspection.campaign.starts_on,
        now=now,
        exif_unreadable=exif.unreadable,
        duplicates=_duplicates(session, inspection, facts, thresholds),
        thresholds=thresholds,
    )


def add_photo(
    session: Session,
    actor: Actor,
    store: FileStore,
    inspection_id: int,
    slot: str,
    data: bytes,
    browser: BrowserPosition | None,
    thresholds: Thresholds,
    max_bytes: int,
    replaces: int | None = None,
) -> Photo:
    """Keep a photo for a slot with its derived copies and findings; nothing half-stored on failure."""
    inspection = editable_inspection(session, actor, inspection_id)
    template = template_of(inspection.checklist_version)
    if slot not in {s.code for s in template.photo_slots}:
        raise Invalid({"slot": "照片栏目不存在"})
    old = None
    if replaces is not None:
        old = next((p for p in inspection.photos if p.id == replaces), None)
        if old is None:
            raise NotFound()
    try:
        facts = read_photo(data, max_bytes=max_bytes)
    except PhotoRejected as error:
        raise PhotoRefused({"photo": str(error)}) from None
    if any(p.sha256 == facts.sha256 and p is not old for p in inspection.photos):
        raise Invalid({"photo": "这张照片已经上传过了"})
    display, thumbnail = make_derivatives(
        data,
        facts,
        browser_lat=browser.latitude if browser else None,
        browser_lon=browser.longitude if browser else None,
        browser_time=browser.taken_at if browser else None,
    )
    now = utcnow()
    findings = _findings(session, inspection, facts, browser, thresholds, now)
    # The files' locks first, then the files (each written atomically), then the row, all in one transaction:
    # a removal of the same content waits for it, and a failed commit takes back files no other row names.
    contents = [(data, facts.extension), (display, "jpg"), (thumbnail, "jpg")]
    try:
        written = stored_files.put_all(session, store, contents)
        # Decoding took a while: the campaign may have closed meanwhile (the write above holds SQLite's lock).
        require_changeable(session, inspection.campaign_id, inspection.station.district_id)
    except BaseException:
        session.rollback()
        stored_files.collect(session, store, [stored_files.key_of(*content) for content in contents])
        raise
    exif = facts.exif
    photo = Photo(
        slot=slot,
        sha256=facts.sha256,
        perceptual_hash=facts.perceptual_hash,
        original_key=written[0],
        display_key=written[1],
        thumbnail_key=written[2],
        mime=facts.mime,
        size=facts.size,
        width=facts.width,
        height=facts.height,
        exif_latitude=exif.latitude,
        exif_longitude=exif.longitude,
        exif_taken_at=exif.taken_at,
        exif_taken_at_local=exif.taken_at_local,
        exif_offset=exif.offset,
        camera_make=(exif.make or "")[:60] or None,
        camera_model=(exif.model or "")[:60] or None,
        orientation=exif.orientation,
        exif_unreadable=exif.unreadable,
        browser_latitude=browser.latitude if browser else None,
        browser_longitude=browser.longitude if browser else None,
        browser_accuracy_m=browser.accuracy_m if browser else None,
        browser_taken_at=browser.taken_at if browser else None,
        findings=[f.to_dict() for f in findings],
        uploaded_at=now,
        uploaded_by_id=actor.user_id,
    )
    try:
        released = _detach(session, old) if old is not None else []
        session.flush()  # the delete goes first: a flush would otherwise insert before it deletes
        inspection.photos.append(photo)
        audit_inspection(
            session,
            actor,
            "add_photo",
            inspection,
            slot=slot,
            sha256=facts.sha256,
            replaces=old.sha256 if old is not None else None,
        )
        session.commit()
    except BaseException:
        session.rollback()
        stored_files.collect(session, store, written)
        raise
    stored_files.collect(session, store, released)
    return photo


def add_uploaded_photo(
    session: Session,
    actor: Actor,
    store: FileStore,
    parts: PartialUploads,
    inspection_id: int,
    slot: str,
    sha256: str,
    browser: BrowserPosition | None,
    thresholds: Thresholds,
    max_bytes: int,
    replaces: int | None = None,
) -> Photo:
    """Turn the actor's finished upload into a photo of a slot; the upload is let go once it is kept (or is no
    photo we keep), while a request refused for another reason (a wrong slot) keeps it for the corrected one."""
    assert actor.user_id is not None
    existing = photo_by_sha(session, actor, inspection_id, sha256)
    if existing is not None:  # the same photo sent again: already kept, the re-sent upload is not needed
        sync.discard_upload(session, parts, actor.user_id, sha256)
        return existing
    data = sync.completed_bytes(session, parts, actor.user_id, sha256)
    try:
        photo = add_photo(session, actor, store, inspection_id, slot, data, browser, thresholds, max_bytes, replaces)
    except PhotoRefused:
        sync.discard_upload(session, parts, actor.user_id, sha256)
        raise
    sync.discard_upload(session, parts, actor.user_id, sha256)
    return photo


def _detach(session: Session, photo: Photo) -> list[str]:
    """Delete the photo's row (not yet committed); returns its file keys for deletion after the commit."""
    photo.inspection.photos.remove(photo)
    session.delete(photo)
    return [photo.original_key, photo.display_key, photo.thumbnail_key, *filter(None, [photo.print_key])]


def remove_photo(session: Session, actor: Actor, store: FileStore, photo_id: int) -> int:
    """Remove a photo of an editable inspection; returns the inspection's id."""
    photo = session.get(Photo, photo_id)
    if photo is None:
        raise NotFound()
    inspection = editable_inspection(session, actor, photo.inspection_id)
    released = _detach(session, photo)
    audit_inspection(session, actor, "remove_photo", inspection, slot=photo.slot, sha256=photo.sha256)
    session.commit()
    stored_files.collect(session, store, released)  # only files no other row names (the same photo elsewhere)
    return inspection.id


def get_photo(session: Session, actor: Actor, photo_id: int) -> Photo:
    """A photo the actor may see; NotFound across 旗区."""
    photo = session.get(Photo, photo_id)
    if photo is None:
        raise NotFound()
    require(actor, Action.VIEW_INSPECTION, photo.inspection.station.district_id)
    return photo


def photo_by_sha(session: Session, actor: Actor, inspection_id: int, sha256: str) -> Photo | None:
    """The inspection's photo with these bytes, if it has one (a repeated upload is then no new photo)."""
    inspection = editable_inspection(session, actor, inspection_id)
    return next((p for p in inspection.photos if p.sha256 == sha256), None)


def findings_of(photo: Photo) -> list[Finding]:
    return [Finding.from_dict(f) for f in photo.findings or []]
