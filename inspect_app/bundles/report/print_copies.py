"""The copies of the photos that the report prints: made from the display copies on first need, then kept.

The report prints a photo at most 80 × 62 mm (report.css) at the layout's 200 dpi. Embedding the 1600 px display
copy instead made WeasyPrint decode and encode each one twice and scale it down on every build; a print copy
of that size with no EXIF is laid out as it is.
"""

from __future__ import annotations

from typing import Callable, Sequence

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from inspect_app.adapters import imaging
from inspect_app.adapters.filestore import FileStore
from inspect_app.domain.inspections import PhotoState, is_editable
from inspect_app.housekeeping import stored_files
from inspect_app.models import Inspection, Photo, Station
from inspect_app.shared.results import rowcount

# 80 mm × 62 mm (figure.photo img in report.css) at report.IMAGE_DPI = 200, rounded down.
PRINT_BOX = (629, 488)
# Photos encoded before their files and rows are written in one short transaction: on SQLite it holds the
# database's write lock, which uploads wait for.
BATCH = 16


def photos_to_print(session: Session, district_id: int, campaign_id: int) -> list[Photo]:
    """The photos of the district's submitted inspections in the campaign that have no print copy yet."""
    rows = session.execute(
        select(Photo, Inspection.status)
        .join(Inspection, Photo.inspection_id == Inspection.id)
        .join(Station, Inspection.station_id == Station.id)
        .where(
            Station.district_id == district_id,
            Inspection.is_own,
            Inspection.campaign_id == campaign_id,
            Photo.state == PhotoState.READY,  # the report prints only photos that were read (no display copy else)
            Photo.print_key.is_(None),
        )
        .order_by(Photo.id)
    )
    return [photo for photo, status in rows if not is_editable(status)]


def make_print_copies(
    session: Session, store: FileStore, photos: Sequence[Photo], progress: Callable[[float], None] | None = None
) -> int:
    """Make and keep the print copy of each photo that has none; returns how many this call made.

    Commits (a batch at a time). A photo given its copy meanwhile by another build keeps that one: the row is
    set only while it names none, and the copy is the same bytes anyway (made the same way from the same file).
    """
    made, unnamed = 0, []
    todo = [photo for photo in photos if photo.print_key is None and photo.ready_key("display")]
    for start in range(0, len(todo), BATCH):
        batch = todo[start : start + BATCH]
        copies = [imaging.print_copy(store.read(photo.ready_key("display") or ""), PRINT_BOX) for photo in batch]
        keys = stored_files.put_all(session, store, [(copy, "jpg") for copy in copies])
        for photo, key in zip(batch, keys):
            result = session.execute(
                update(Photo)
                .where(Photo.id == photo.id, Photo.print_key.is_(None))
                .values(print_key=key)
                .execution_options(synchronize_session=False)
            )
            if rowcount(result):
                made += 1
            else:  # removed meanwhile, or given its copy by another build
                unnamed.append(key)
        session.commit()
        for photo in batch:
            session.expire(photo, ["print_key"])  # what was committed, by this build or another
        if progress is not None:
            progress(min(1.0, (start + len(batch)) / len(todo)))
    stored_files.collect(session, store, unnamed)  # only those no row names (the other build's copy is the same)
    return made
