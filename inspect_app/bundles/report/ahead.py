"""Station parts laid out ahead: when an inspection is submitted (or recommended as a 示范站; accepting it changes
nothing the part shows), its station's part of the district report is laid out in the background and kept where
the district's builds look for parts (build.parts_dir, named by build.part_path). A build then lays out only what
no inspection decides alone (the cover, narrative and directory, and the sign-off page) and the stations that
changed since.

The part is the very HTML a build makes for the station (report_html.station_part with the same header and the
same StationReport), so the build finds it by the same name; an inspection returned and submitted again has
other HTML, and its old part goes once no build has used it for a while (build.UNUSED_PART_S).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from inspect_app.adapters.filestore import FileStore
from inspect_app.adapters.pdf.report_html import station_part
from inspect_app.bundles.report import build
from inspect_app.bundles.report.data import PhotoView, print_copies_of, station_report
from inspect_app.bundles.report.print_copies import make_print_copies
from inspect_app.domain.inspections import PhotoState, is_editable
from inspect_app.models import Campaign, District, Inspection


@dataclass(frozen=True)
class PartHeader:
    """What a station part shows besides its station, as a district's ReportData gives it."""

    district: str
    campaign: str
    print_copies: dict[Path, Path] = field(default_factory=dict)

    def printed(self, photo: PhotoView) -> Path:
        return self.print_copies.get(photo.path, photo.path)


def lay_out_station(session: Session, store: FileStore, inspection_id: int, work_dir: Path) -> Path | None:
    """Lay out the inspection's station part unless it is kept already; returns the part, or None when the
    inspection is gone or open again (editable: the report does not show it)."""
    inspection = session.get(Inspection, inspection_id)
    if inspection is None or is_editable(inspection.status):
        return None
    if any(photo.state is PhotoState.PROCESSING for photo in inspection.photos):
        return None  # not submittable in this state; the submit that follows lays it out
    station = inspection.station
    make_print_copies(session, store, [p for p in inspection.ready_photos if p.print_key is None])
    header = PartHeader(
        district=session.get_one(District, station.district_id).name,
        campaign=session.get_one(Campaign, inspection.campaign_id).name,
        print_copies=print_copies_of(store, [inspection]),
    )
    html = station_part(header, [station_report(station, inspection, store)])
    folder = build.parts_dir(work_dir, station.district_id, inspection.campaign_id)
    session.rollback()  # no transaction left open through the layout (PostgreSQL would hold it idle)
    return build.laid_out(html, folder)
