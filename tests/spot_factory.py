"""Spot checks and the inspections they follow, stored directly (the phone's spot-check flow is tested apart)."""

from __future__ import annotations

from support import TEMPLATE, make_station, make_user

from inspect_app.domain.checklists.scoring import Verdict
from inspect_app.domain.evidence.figures import DONE
from inspect_app.domain.inspections import InspectionKind, InspectionStatus
from inspect_app.follow_up import spot_checks
from inspect_app.inspection.operations import recompute
from inspect_app.models import Inspection, InspectionAnswer
from inspect_app.models.types import utcnow

RECTIFY = {"A1": ("fail", None)}  # a critical item failed: 需整改 whatever the total
PASS = {"C1": ("fail", 0), "C2": ("fail", 0)}  # 100 − 8 − 7 = 85: 合格
# all answers passed: 100, 可推荐示范站


def inspect(session, campaign, station, user, status=InspectionStatus.SUBMITTED, follows=None, **changes):
    """An inspection stored directly: every item passed with full points except `changes` (code → verdict,
    points); the district's own unless it follows another (then the city's spot check)."""
    inspection = Inspection(
        station_id=station.id,
        campaign_id=campaign.id,
        kind=InspectionKind.SPOT_CHECK if follows else InspectionKind.OWN,
        follows_id=follows.id if follows else None,
        checklist_version_id=campaign.checklist_version_id,
        inspector_id=user.id,
        status=status,
        submitted_at=utcnow() if status in DONE else None,
    )
    for item in TEMPLATE.items:
        verdict, points = changes.get(item.code, ("pass", item.points if item.scoring == "graded" else None))
        inspection.answers.append(
            InspectionAnswer(item_code=item.code, verdict=Verdict(verdict), points=points, updated_by_id=user.id)
        )
    recompute(inspection, TEMPLATE)
    session.add(inspection)
    session.commit()
    return inspection


def compared_season(session, campaign):
    """东胜区: X (district 100, city fails A2 and gives C4 4 of 8) and Y (district gives C1 6 of 8, city fails B1);
    康巴什区: Z, its spot check still in progress. All three sampled at 100% and assigned to one city inspector."""
    ds, kbs = make_user(session, "inspector", "150602"), make_user(session, "inspector", "150603")
    checker, city = make_user(session, "city_inspector", username="checker.cmp"), make_user(session, "city")
    x, y, z = make_station(session, "150602"), make_station(session, "150602"), make_station(session, "150603")
    own_x, own_y = inspect(session, campaign, x, ds), inspect(session, campaign, y, ds, C1=("pass", 6))
    own_z = inspect(session, campaign, z, kbs, C5=("fail", None))
    sample = spot_checks.draw_sample(session, city.actor, campaign, 100)
    for row in sample.stations:
        spot_checks.assign(session, city.actor, row.id, checker.id)
    inspect(session, campaign, x, checker, follows=own_x, A2=("fail", None), C4=("pass", 4))
    inspect(session, campaign, y, checker, follows=own_y, B1=("fail", None))
    inspect(session, campaign, z, checker, InspectionStatus.IN_PROGRESS, follows=own_z)
    return {"city": city, "checker": checker, "x": x, "y": y, "z": z}
