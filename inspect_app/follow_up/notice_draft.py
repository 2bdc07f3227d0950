"""The facts a results notice is drafted from, read from the campaign's figures, inspections, rectification orders,
spot checks, demonstration decisions and directory (read-only: the orders and spot checks belong to their own use
cases; the draft reads their tables as they stand, empty ones included)."""

from __future__ import annotations

from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from inspect_app.campaigns.checklists import template_of
from inspect_app.city.demonstrations import candidates
from inspect_app.city.figures import dashboard
from inspect_app.domain.checklists.checklist import OUTCOME_LABELS, ChecklistTemplate, Outcome
from inspect_app.domain.checklists.scoring import Answer
from inspect_app.domain.evidence.figures import DONE
from inspect_app.domain.follow_up import notice as rules
from inspect_app.domain.follow_up.spot_checks import compare
from inspect_app.domain.identity.permissions import Action, Actor
from inspect_app.domain.inspections import InspectionKind
from inspect_app.models import Campaign, Inspection, RectificationOrder, Station
from inspect_app.shared.access import require

LOW_SCORE = "得分未达到合格线"
FROM_SPOT_CHECK = "市级抽查结论为需整改"


def facts(session: Session, actor: Actor, campaign: Campaign) -> rules.NoticeFacts:
    """Everything the notice's draft says, as the database holds it now."""
    require(actor, Action.ISSUE_NOTICE)
    board = dashboard(session, actor, campaign)
    template = template_of(campaign.checklist_version)
    return rules.NoticeFacts(
        campaign=campaign.name,
        districts=[
            rules.DistrictLine(f.name, f.submitted, f.passed - f.candidates, f.candidates, f.rectify, f.average_score)
            for f in board.districts
        ],
        rectify=_rectify(session, campaign, template),
        spot_checks=_spot_checks(session, campaign, template),
        demonstrations=[
            rules.NamedStation(c.station.district.name, c.station.name, c.station.host_organisation)
            for c in candidates(session, actor, campaign.id)
            if c.confirmed
        ],
        odr=[rules.NamedStation(r.district_name, r.name, r.host) for r in board.results if r.is_odr and not r.retired],
    )


def _own_done(session: Session, campaign: Campaign) -> list[Inspection]:
    return list(
        session.scalars(
            select(Inspection)
            .join(Station)
            .where(Inspection.is_own, Inspection.campaign_id == campaign.id, Inspection.status.in_(DONE))
            .options(selectinload(Inspection.station).selectinload(Station.district))
        )
    )


def _rectify(session: Session, campaign: Campaign, template: ChecklistTemplate) -> list[rules.RectifyLine]:
    """The district-own inspections that need rectification (需整改, or a critical item failed), then the stations
    whose only order came from elsewhere (a spot check), each with its newest order's state."""
    texts = {item.code: f"{item.code} {item.text}" for item in template.items}
    orders: dict[int, RectificationOrder] = {}
    for order in session.scalars(
        select(RectificationOrder)
        .where(RectificationOrder.campaign_id == campaign.id)
        .order_by(RectificationOrder.id)
        .options(selectinload(RectificationOrder.inspection), selectinload(RectificationOrder.station))
    ):
        orders[order.station_id] = order  # the newest wins
    found: list[tuple[tuple[str, str], rules.RectifyLine]] = []
    for inspection in _own_done(session, campaign):
        if (inspection.outcome or Outcome.RECTIFY) is not Outcome.RECTIFY and not inspection.failed_critical:
            continue
        station = inspection.station
        reasons = _reasons(inspection, texts)
        found_order = orders.pop(station.id, None) if station.id in orders else None
        line = rules.RectifyLine(
            station.district.name,
            station.name,
            inspection.score,
            reasons,
            found_order.status.label if found_order else None,
        )
        found.append(((station.district.code, station.number), line))
    for order in orders.values():  # from a spot check, or the district's inspection no longer submitted
        station, listed = order.station, order.inspection
        reasons = (FROM_SPOT_CHECK,) if listed.kind is InspectionKind.SPOT_CHECK else _reasons(listed, texts)
        line = rules.RectifyLine(station.district.name, station.name, listed.score, reasons, order.status.label)
        found.append(((station.district.code, station.number), line))
    return [line for _, line in sorted(found, key=lambda pair: pair[0])]


def _reasons(inspection: Inspection, texts: dict[str, str]) -> tuple[str, ...]:
    return tuple(f"关键项不符合：{texts.get(code, code)}" for code in inspection.failed_critical) or (LOW_SCORE,)


def _side(inspection: Inspection) -> tuple[Fraction, Outcome, dict[str, Answer]]:
    score = Fraction(inspection.points * 100, inspection.maximum) if inspection.maximum else Fraction(0)
    answers = {a.item_code: Answer(a.verdict, a.points) for a in inspection.answers}
    return score, inspection.outcome or Outcome.RECTIFY, answers


def _spot_checks(session: Session, campaign: Campaign, template: ChecklistTemplate) -> list[rules.SpotCheckLine]:
    """Every submitted spot check compared with the district's own inspection of the station, when that is done."""
    own = {i.station_id: i for i in _own_done(session, campaign)}
    lines: list[tuple[tuple[str, str], rules.SpotCheckLine]] = []
    for check in session.scalars(
        select(Inspection)
        .join(Station)
        .where(
            Inspection.kind == InspectionKind.SPOT_CHECK,
            Inspection.campaign_id == campaign.id,
            Inspection.status.in_(DONE),
        )
        .order_by(Station.number)
        .options(selectinload(Inspection.station).selectinload(Station.district))
    ):
        district = own.get(check.station_id)
        if district is None:
            continue
        c = compare(template, _side(district), _side(check))
        station = check.station
        lines.append(
            (
                (station.district.code, station.number),
                rules.SpotCheckLine(
                    station.district.name,
                    station.name,
                    district.score,
                    check.score,
                    OUTCOME_LABELS[c.district_outcome],
                    OUTCOME_LABELS[c.city_outcome],
                    len(c.disagreements),
                ),
            )
        )
    return [line for _, line in sorted(lines, key=lambda pair: pair[0])]


def draft_text(session: Session, actor: Actor, campaign: Campaign) -> str:
    """The notice's body written afresh from the campaign's figures."""
    return rules.draft_body(facts(session, actor, campaign))
