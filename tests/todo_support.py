"""Hand-made rows for the to-do tests: inspections, orders, submissions and a spot-check sample stored directly, in
whatever state a test needs (the use cases that make them are tested elsewhere)."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta, timezone

from inspect_app.domain.evidence.submissions import SubmissionSource, SubmissionStatus
from inspect_app.domain.follow_up.rectification import OrderStatus
from inspect_app.domain.inspections import InspectionKind, InspectionStatus
from inspect_app.models import (
    Campaign,
    Inspection,
    RectificationOrder,
    SampledStation,
    SpotCheckSample,
    Station,
    Submission,
    User,
)

_numbers = itertools.count(1)
NOW = datetime(2026, 11, 22, 4, 0, tzinfo=timezone.utc)  # 12:00 in 鄂尔多斯 on the `today` fixture's day
TODAY = date(2026, 11, 22)


def at(hours_ago: float) -> datetime:
    """A moment `hours_ago` before NOW."""
    return NOW - timedelta(hours=hours_ago)


def inspection(
    session,
    campaign: Campaign,
    station: Station,
    inspector: User,
    status: InspectionStatus,
    *,
    kind: InspectionKind = InspectionKind.OWN,
    submitted_at: datetime | None = None,
    reviewed_at: datetime | None = None,
    comment: str | None = None,
    score: float = 72.5,
) -> Inspection:
    row = Inspection(
        station_id=station.id,
        campaign_id=campaign.id,
        kind=kind,
        checklist_version_id=campaign.checklist_version_id,
        inspector_id=inspector.id,
        status=status,
        started_at=at(200),
        updated_at=reviewed_at or submitted_at or at(200),
        submitted_at=submitted_at,
        reviewed_at=reviewed_at,
        return_comment=comment,
        score=score,
    )
    session.add(row)
    session.commit()
    return row


def order(
    session,
    campaign: Campaign,
    station: Station,
    inspector: User,
    status: OrderStatus,
    deadline: date,
    *,
    issued_at: datetime | None = None,
    escalated_at: datetime | None = None,
) -> RectificationOrder:
    """An order on its own (finished) inspection of the station."""
    found = inspection(session, campaign, station, inspector, InspectionStatus.ACCEPTED, submitted_at=at(500))
    row = RectificationOrder(
        inspection_id=found.id,
        station_id=station.id,
        campaign_id=campaign.id,
        district_id=station.district_id,
        status=status,
        items=[],
        deadline=deadline,
        inspector_id=inspector.id,
        number=f"整改〔2026〕{next(_numbers)}号",
        issued_at=issued_at,
        escalated_at=escalated_at,
    )
    session.add(row)
    session.commit()
    return row


def submission(
    session,
    campaign: Campaign,
    district_id: int,
    by: User,
    status: SubmissionStatus,
    *,
    version: int = 1,
    received_at: datetime | None = None,
    decided_at: datetime | None = None,
    comment: str | None = None,
    verified: bool = True,
) -> Submission:
    row = Submission(
        district_id=district_id,
        campaign_id=campaign.id,
        version=version,
        source=SubmissionSource.APP,
        received_at=received_at or at(100),
        received_by_id=by.id,
        archive_key=f"submissions/{next(_numbers)}.zip",
        archive_sha256="0" * 64,
        archive_size=1,
        verified=verified,
        status=status,
        decided_at=decided_at,
        comment=comment,
    )
    session.add(row)
    session.commit()
    return row


def sample(session, campaign: Campaign, drawn_by: User, stations: list[tuple[Station, User | None]], drawn_at=None):
    """The city's sample of the campaign: each station with the city inspector assigned (or None)."""
    row = SpotCheckSample(
        campaign_id=campaign.id,
        seed="s" * 64,
        percent=10,
        strata=[],
        drawn_at=drawn_at or at(48),
        drawn_by_id=drawn_by.id,
    )
    row.stations = [
        SampledStation(
            station_id=station.id,
            district_id=station.district_id,
            outcome="pass",
            rank=f"{n:064x}",
            inspector_id=assigned.id if assigned else None,
        )
        for n, (station, assigned) in enumerate(stations)
    ]
    session.add(row)
    session.commit()
    return row
