"""Inspections that follow another: the re-check of a rectification order's items by the district's inspector,
and the city inspector's spot check of a sampled station. They are opened, answered, photographed, signed and
submitted in the same flow as the district's own inspection (online and from the phone's outbox)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from inspect_app.campaigns.operations import template_of
from inspect_app.domain.follow_up.rectification import OrderStatus
from inspect_app.domain.identity.permissions import Action, Actor, district_scope, is_whoever, may
from inspect_app.domain.inspections import InspectionKind, InspectionStatus, is_editable, phone_key
from inspect_app.inspection.operations import recompute
from inspect_app.models import Campaign, Inspection, RectificationOrder, SampledStation, SpotCheckSample, Station
from inspect_app.shared.access import require
from inspect_app.shared.errors import Invalid, NotFound


@dataclass
class FollowUp:
    """One piece of follow-up field work on the actor's board: a re-check of an order, or a spot check of a
    sampled station; `inspection` is the one begun (None before it is)."""

    kind: InspectionKind
    station: Station
    inspection: Inspection | None
    order: RectificationOrder | None = None

    @property
    def done(self) -> bool:
        """Its inspection submitted: there is only reading left to do on it."""
        return self.inspection is not None and not is_editable(self.inspection.status)

    @property
    def key(self) -> str:
        """The name the phone files it under (domain phone_key)."""
        return str(phone_key(self.kind, self.station.id, self.order.id if self.order is not None else None))


def _first_start(session: Session, found: Callable[[], Inspection | None], new: Inspection) -> Inspection:
    """Add the new inspection, or, when another device began it a moment ago, open that one."""
    session.add(new)
    try:
        recompute(new, template_of(new.checklist_version))
        session.commit()
    except IntegrityError:
        session.rollback()
        existing = found()
        if existing is None:
            raise
        return existing
    return new


def open_recheck(session: Session, actor: Actor, order_id: int) -> Inspection:
    """The order's open re-check, begun now if there is none: its items only, following the inspection the order
    lists findings of. Only an order waiting for its re-check (整改中) can be re-checked."""
    order = session.get(RectificationOrder, order_id)
    if order is None:
        raise NotFound()
    require(actor, Action.INSPECT, order.district_id)
    if not is_whoever(actor, order.inspector_id):
        raise NotFound()  # another inspector's re-check, as its order page is
    current = _open_recheck_of(session, order.inspection_id)
    if current is not None:
        return current
    if order.status is not OrderStatus.ISSUED:
        raise Invalid(f"整改通知{order.status.label}，不能开始复查")
    rounds = (
        session.scalar(
            select(func.count()).where(
                Inspection.kind == InspectionKind.RECHECK, Inspection.follows_id == order.inspection_id
            )
        )
        or 0
    )
    new = Inspection(
        kind=InspectionKind.RECHECK,
        station=order.station,
        campaign=order.campaign,
        checklist_version=order.inspection.checklist_version,
        inspector_id=actor.user_id,
        follows=order.inspection,
        recheck_round=rounds + 1,
        item_scope=[item["code"] for item in order.items],
        failed_critical=[],
    )
    return _first_start(session, lambda: _open_recheck_of(session, order.inspection_id), new)


def _open_recheck_of(session: Session, listed_id: int) -> Inspection | None:
    """The re-check under way of the order listing the findings of inspection `listed_id`."""
    return session.scalar(
        select(Inspection)
        .where(
            Inspection.kind == InspectionKind.RECHECK,
            Inspection.follows_id == listed_id,
            Inspection.status.in_([InspectionStatus.IN_PROGRESS, InspectionStatus.RETURNED]),
        )
        .order_by(Inspection.recheck_round.desc())
        .limit(1)
    )


def open_spot_check(session: Session, actor: Actor, station_id: int, campaign: Campaign) -> Inspection:
    """The city's spot check of a sampled station, begun now if there is none: the whole checklist the district
    used, following the district's own inspection. Only a station in the campaign's sample, assigned to this city
    inspector or to nobody yet."""
    require(actor, Action.SPOT_CHECK)
    # The sample's row locked (PostgreSQL; SQLite's writer lock is taken by the first write), as a redraw locks
    # it: a redraw and a first spot check cannot cross.
    sample = session.scalar(select(SpotCheckSample).where(SpotCheckSample.campaign_id == campaign.id).with_for_update())
    sampled = (
        session.scalar(
            select(SampledStation).where(SampledStation.sample_id == sample.id, SampledStation.station_id == station_id)
        )
        if sample is not None
        else None
    )
    if sampled is None:
        session.rollback()
        raise NotFound()
    if sampled.inspector_id not in (None, actor.user_id):
        session.rollback()
        raise Invalid("该服务站的抽查已分配给其他市级检查员")
    found = _spot_check_of(session, station_id, campaign.id)
    if found is not None:
        session.rollback()
        return found
    sampled.inspector_id = actor.user_id  # one nobody was given is the first city inspector's to open it
    own = session.scalar(
        select(Inspection).where(
            Inspection.is_own, Inspection.station_id == station_id, Inspection.campaign_id == campaign.id
        )
    )
    if own is None:
        raise Invalid("该服务站还没有旗区的检查，不能抽查")
    new = Inspection(
        kind=InspectionKind.SPOT_CHECK,
        station=own.station,
        campaign=campaign,
        checklist_version=own.checklist_version,
        inspector_id=actor.user_id,
        follows=own,
        failed_critical=[],
    )
    return _first_start(session, lambda: _spot_check_of(session, station_id, campaign.id), new)


def _spot_check_of(session: Session, station_id: int, campaign_id: int) -> Inspection | None:
    return session.scalar(
        select(Inspection).where(
            Inspection.kind == InspectionKind.SPOT_CHECK,
            Inspection.station_id == station_id,
            Inspection.campaign_id == campaign_id,
        )
    )


def follow_ups(session: Session, actor: Actor, campaign: Campaign) -> list[FollowUp]:
    """The actor's follow-up work in the campaign: a district inspector's orders waiting for a re-check (整改中),
    a city inspector's sampled stations; each with its latest inspection."""
    work: list[FollowUp] = []
    if may(actor, Action.INSPECT):
        orders = select(RectificationOrder).where(
            RectificationOrder.campaign_id == campaign.id,
            RectificationOrder.status == OrderStatus.ISSUED,
        )
        scope = district_scope(actor)
        if scope is not None:
            orders = orders.where(RectificationOrder.district_id == scope)
        found = [
            o
            for o in session.scalars(orders.options(selectinload(RectificationOrder.station)))
            if is_whoever(actor, o.inspector_id)
        ]
        # The re-check under way, if any: after an extension the failed one is done with, and the next is to begin.
        under_way = _rechecks_under_way(session, [o.inspection_id for o in found])
        work += [FollowUp(InspectionKind.RECHECK, o.station, under_way.get(o.inspection_id), o) for o in found]
    if may(actor, Action.SPOT_CHECK):
        rows = session.scalars(
            select(SampledStation)
            .join(SpotCheckSample)
            .where(
                SpotCheckSample.campaign_id == campaign.id,
                (SampledStation.inspector_id == actor.user_id) | SampledStation.inspector_id.is_(None),
            )
            .options(selectinload(SampledStation.station))
            .order_by(SampledStation.id)
        ).all()
        checks = {
            i.station_id: i
            for i in session.scalars(
                select(Inspection).where(
                    Inspection.kind == InspectionKind.SPOT_CHECK,
                    Inspection.campaign_id == campaign.id,
                    Inspection.station_id.in_([r.station_id for r in rows]),
                )
            )
        }
        work += [FollowUp(InspectionKind.SPOT_CHECK, r.station, checks.get(r.station_id)) for r in rows]
    for item in work:
        require(actor, Action.VIEW_INSPECTION, item.station.district_id)
    return sorted(work, key=lambda w: (w.kind.value, w.station.number))


def _rechecks_under_way(session: Session, listed_ids: list[int]) -> dict[int, Inspection]:
    """The re-check in progress (or returned) of each order, by the inspection the order lists."""
    if not listed_ids:
        return {}
    return {
        r.follows_id: r
        for r in session.scalars(
            select(Inspection).where(
                Inspection.kind == InspectionKind.RECHECK,
                Inspection.follows_id.in_(listed_ids),
                Inspection.status.in_([InspectionStatus.IN_PROGRESS, InspectionStatus.RETURNED]),
            )
        )
        if r.follows_id is not None
    }
