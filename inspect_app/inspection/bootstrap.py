"""What the offline app's bootstrap reads: the stations of the actor's 旗区 and their inspections in a campaign,
with everything the API shows of them, in a fixed number of statements however large the 旗区 is."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, subqueryload

from inspect_app.accounts import operations as users
from inspect_app.domain.identity.permissions import Action, Actor
from inspect_app.inspection import conflicts
from inspect_app.inspection.operations import board_statement
from inspect_app.models import AnswerConflict, Campaign, Inspection, Station
from inspect_app.shared.access import require


@dataclass(frozen=True)
class DistrictInspections:
    """A 旗区's board as the phone takes it away: stations by number, their inspections in the same order, the
    edits waiting on each inspection and the names of those who proposed them."""

    stations: Sequence[Station]
    inspections: list[Inspection]
    conflicts: dict[int, list[AnswerConflict]]  # inspection id → its open conflicts
    names: dict[int, str]  # user id → display name, for the proposers


def district_inspections(session: Session, actor: Actor, campaign: Campaign) -> DistrictInspections:
    """The board's stations and their inspections, answers, photos, signatures and open conflicts loaded at once."""
    board = board_statement(actor, campaign)
    stations = session.scalars(board).all()
    # subqueryload rather than selectinload: one statement per collection whatever the count (selectinload
    # splits its IN list every 500 parents).
    found = {
        i.station_id: i
        for i in session.scalars(
            select(Inspection)
            .where(
                Inspection.is_own,
                Inspection.campaign_id == campaign.id,
                Inspection.station_id.in_(board.with_only_columns(Station.id).order_by(None)),
            )
            .options(
                subqueryload(Inspection.answers),
                subqueryload(Inspection.photos),
                subqueryload(Inspection.signatures),
            )
        )
    }
    rows = [found[s.id] for s in stations if s.id in found]
    for inspection in rows:
        # The stations were loaded above, so this reads the identity map, not the database.
        require(actor, Action.VIEW_INSPECTION, inspection.station.district_id)
    waiting = conflicts.open_conflicts_of(session, [i.id for i in rows])
    names = users.display_names(session, {c.proposed_by_id for pending in waiting.values() for c in pending})
    return DistrictInspections(stations, rows, waiting, names)
