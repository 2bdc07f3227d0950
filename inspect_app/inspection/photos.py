"""Use cases for photo evidence: keep (at once), read (its findings and copies, later), replace and remove."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from inspect_app.adapters.filestore import FileStore, MissingFile, PartialUploads
from inspect_app.adapters.imaging import (
    PhotoFacts,
    PhotoRejected,
    extension_of,
    make_derivatives,
    read_photo,
    sniff_mime,
)
from inspect_app.campaigns.operations import require_changeable
from inspect_app.domain.findings import DuplicateHit, Finding, Position, Thresholds, photo_findings
from inspect_app.domain.geo import LatLon
from inspect_app.domain.identity.permissions import Action, Actor
from inspect_app.domain.inspections import PhotoState
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
        if sha == facts.sha256:
            distance = 0
        elif phash is None:  # not read yet (or rejected): only the same bytes are known of it
            continue
        else:
            distance = _hamming(phash, facts.perceptual_hash)
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


def store_photo(
    session: Session,
    actor: Actor,
    store: FileStore,
    inspection_id: int,
    slot: str,
    data: bytes,
    browser: BrowserPosition | None,
    max_bytes: int,
    replaces: int | None = None,
    source: Path | None = None,
) -> Photo:
    """Keep a photo's original for a slot, to be read later (process_photo): refused here only for what its
    first bytes and size tell, so that the inspector's request never waits for the decoding. `source`, a file
    holding `data` on the store's file system (a finished upload), is moved into the store rather than copied."""
    inspection = editable_inspection(session, actor, inspection_id)
    template = template_of(inspection.checklist_version)
    if slot not in {s.code for s in template.photo_slots}:
        raise Invalid({"slot": "照片栏目不存在"})
    old = None
    if replaces is not None:
        old = next((p for p in inspection.photos if p.id == replaces), None)
        if old is None:
            raise NotFound()
    if not data:
        raise PhotoRefused({"photo": "照片文件为空"})
    if len(data) > max_bytes:
        raise PhotoRefused({"photo": f"照片超过 {max_bytes / 2**20:g} MB"})
    try:
        mime = sniff_mime(data)
    except PhotoRejected as error:
        raise PhotoRefused({"photo": str(error)}) from None
    sha256 = hashlib.sha256(data).hexdigest()
    if any(p.sha256 == sha256 and p is not old for p in inspection.photos):
        raise Invalid({"photo": "这张照片已经上传过了"})
    now = utcnow()
    # The file's lock first, then the file (written atomically), then the row, all in one transaction:
    # a removal of the same content waits for it, and a failed commit takes back a file no other row names.
    contents = [(data, extension_of(mime))]
    try:
        written = _keep_original(session, store, contents[0], sha256, source)
        require_changeable(session, inspection.campaign_id, inspection.station.district_id)
    except BaseException:
        session.rollback()
        stored_files.collect(session, store, [stored_files.key_of(*content) for content in contents])
        raise
    photo = Photo(
        slot=slot,
        state=PhotoState.PROCESSING,
        queued_at=now,
        sha256=sha256,
        original_key=written[0],
        mime=mime,
        size=len(data),
        browser_latitude=browser.latitude if browser else None,
        browser_longitude=browser.longitude if browser else None,
        browser_accuracy_m=browser.accuracy_m if browser else None,
        browser_taken_at=browser.taken_at if browser else None,
        findings=[],
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
            sha256=sha256,
            replaces=old.sha256 if old is not None else None,
        )
        session.commit()
    except BaseException:
        session.rollback()
        stored_files.collect(session, store, written)
        raise
    stored_files.collect(session, store, released)
    return photo


def _keep_original(
    session: Session, store: FileStore, content: tuple[bytes, str], sha256: str, source: Path | None
) -> list[str]:
    if source is not None:
        return [stored_files.put_file(session, store, source, content[1], digest=sha256)]
    return stored_files.put_all(session, store, [content])


def process_photo(
    session: Session, store: FileStore, photo_id: int, thresholds: Thresholds, max_bytes: int
) -> Photo | None:
    """Read a stored photo: its facts, findings and copies make it ready, or the reason it cannot be used makes it
    rejected. A photo removed meanwhile, or already read (a job run twice), is left as it is."""
    photo = session.get(Photo, photo_id)
    if photo is None or photo.state is not PhotoState.PROCESSING:
        session.rollback()
        return photo
    try:
        data = store.read(photo.original_key)
    except MissingFile:
        return _reject(session, photo_id, "照片文件已丢失，请重新上传")
    try:
        facts = read_photo(data, max_bytes=max_bytes)
    except PhotoRejected as error:
        return _reject(session, photo_id, str(error))
    browser = _browser_of(photo)
    display, thumbnail = make_derivatives(
        data,
        facts,
        browser_lat=browser.latitude if browser else None,
        browser_lon=browser.longitude if browser else None,
        browser_time=browser.taken_at if browser else None,
    )
    findings = _findings(session, photo.inspection, facts, browser, thresholds, utcnow())
    session.rollback()  # what was read is in hand: the write below begins with the files' locks
    contents = [(display, "jpg"), (thumbnail, "jpg")]
    try:
        written = stored_files.put_all(session, store, contents)
        if _locked_state(session, photo_id) is not PhotoState.PROCESSING:  # removed or read meanwhile
            session.rollback()
            stored_files.collect(session, store, written)
            return session.get(Photo, photo_id)
        photo = session.get_one(Photo, photo_id)
        exif = facts.exif
        photo.perceptual_hash = facts.perceptual_hash
        photo.display_key, photo.thumbnail_key = written
        photo.width, photo.height = facts.width, facts.height
        photo.exif_latitude, photo.exif_longitude = exif.latitude, exif.longitude
        photo.exif_taken_at, photo.exif_taken_at_local, photo.exif_offset = (
            exif.taken_at,
            exif.taken_at_local,
            exif.offset,
        )
        photo.camera_make = (exif.make or "")[:60] or None
        photo.camera_model = (exif.model or "")[:60] or None
        photo.orientation = exif.orientation
        photo.exif_unreadable = exif.unreadable
        photo.findings = [f.to_dict() for f in findings]
        photo.state = PhotoState.READY
        session.commit()
    except BaseException:
        session.rollback()
        stored_files.collect(session, store, [stored_files.key_of(*content) for content in contents])
        raise
    return photo


def _locked_state(session: Session, photo_id: int) -> PhotoState | None:
    """The photo's state, its row locked until the transaction ends (PostgreSQL; SQLite's write lock is held)."""
    return session.scalar(select(Photo.state).where(Photo.id == photo_id).with_for_update())


def _reject(session: Session, photo_id: int, reason: str) -> Photo | None:
    session.rollback()
    if _locked_state(session, photo_id) is PhotoState.PROCESSING:
        photo = session.get_one(Photo, photo_id)
        photo.state, photo.rejected_reason = PhotoState.REJECTED, reason[:200]
        session.commit()
        return photo
    session.rollback()
    return session.get(Photo, photo_id)


def _browser_of(photo: Photo) -> BrowserPosition | None:
    if photo.browser_latitude is None or photo.browser_longitude is None:
        return None
    return BrowserPosition(
        photo.browser_latitude, photo.browser_longitude, photo.browser_accuracy_m, photo.browser_taken_at
    )


def stalled_photos(session: Session, stalled_seconds: int, inspection_id: int | None = None) -> list[int]:
    """Photos whose reading was asked for longer ago than `stalled_seconds` and never done (the worker died):
    marked as asked for again now, so that one requeue each, whoever finds them first; their ids."""
    cutoff = utcnow() - timedelta(seconds=stalled_seconds)
    statement = select(Photo).where(Photo.state == PhotoState.PROCESSING, Photo.queued_at < cutoff)
    if inspection_id is not None:
        statement = statement.where(Photo.inspection_id == inspection_id)
    found = session.scalars(statement.with_for_update(skip_locked=True)).all()
    now = utcnow()
    for photo in found:
        photo.queued_at = now
    ids = [p.id for p in found]
    session.commit()
    return ids


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
    """Keep and read a photo in one call (the demo, scripts, tests): a photo that cannot be used is refused and
    not kept, as before photos were read off the request."""
    photo = store_photo(session, actor, store, inspection_id, slot, data, browser, max_bytes, replaces)
    photo_id = photo.id
    done = process_photo(session, store, photo_id, thresholds, max_bytes)
    if done is not None and done.state is PhotoState.REJECTED:
        reason = done.rejected_reason or "照片无法读取"
        released = _detach(session, done)
        session.commit()
        stored_files.collect(session, store, released)
        raise PhotoRefused({"photo": reason})
    return session.get_one(Photo, photo_id)


def add_uploaded_photo(
    session: Session,
    actor: Actor,
    store: FileStore,
    parts: PartialUploads,
    inspection_id: int,
    slot: str,
    sha256: str,
    browser: BrowserPosition | None,
    max_bytes: int,
    replaces: int | None = None,
) -> tuple[Photo, bool]:
    """Keep the actor's finished upload as a photo of a slot, to be read later; with True when it is new (False:
    the same photo sent again). The upload is let go once it is kept (or is no photo we keep), while a request
    refused for another reason (a wrong slot) keeps it for the corrected one."""
    assert actor.user_id is not None
    existing = photo_by_sha(session, actor, inspection_id, sha256)
    if existing is not None:  # the same photo sent again: already kept, the re-sent upload is not needed
        sync.discard_upload(session, parts, actor.user_id, sha256)
        return existing, False
    data = sync.completed_bytes(session, parts, actor.user_id, sha256)
    # A part file on this machine (made durable when its last chunk came) becomes the original: moved, not written
    # again. Parts in a bucket are chunks: the original is written from the bytes.
    source = parts.local_file(actor.user_id, sha256)
    try:
        photo = store_photo(session, actor, store, inspection_id, slot, data, browser, max_bytes, replaces, source)
    except PhotoRefused:
        sync.discard_upload(session, parts, actor.user_id, sha256)
        raise
    sync.discard_upload(session, parts, actor.user_id, sha256)
    return photo, True


def _detach(session: Session, photo: Photo) -> list[str]:
    """Delete the photo's row (not yet committed); returns its file keys for deletion after the commit."""
    photo.inspection.photos.remove(photo)
    session.delete(photo)
    return [k for k in (photo.original_key, photo.display_key, photo.thumbnail_key, photo.print_key) if k]


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
