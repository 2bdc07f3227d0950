"""The 整改通知书 of an order laid out as a one-page A4 PDF with the bureau's seal (unsigned: issue.py signs it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from inspect_app.adapters.pdf.report import write_pdf
from inspect_app.adapters.pdf.report_html import order_notice_html
from inspect_app.adapters.pdf.seal import seal_png
from inspect_app.bundles.report.data import bureau_name
from inspect_app.domain.checklists.checklist import OUTCOME_LABELS
from inspect_app.domain.follow_up.rectification import OrderItem
from inspect_app.domain.inspections import KIND_LABELS
from inspect_app.models import RectificationOrder


@dataclass(frozen=True)
class Notice:
    """What the notice prints."""

    bureau: str
    number: str
    station: str
    station_number: str
    address: str
    campaign: str
    inspected_on: datetime | None
    inspected_by: str  # 旗区检查 or 市级抽查
    score: float
    outcome: str
    items: tuple[OrderItem, ...]
    deadline: date
    contact_name: str
    contact_phone: str
    inspector: str
    issued_on: datetime


def notice_of(order: RectificationOrder, issued_on: datetime) -> Notice:
    """The notice of an order being issued now (its number given)."""
    inspection, station = order.inspection, order.station
    return Notice(
        bureau=bureau_name(order.district.name),
        number=order.number or "",
        station=station.name,
        station_number=station.number,
        address=station.address or "",
        campaign=order.campaign.name,
        inspected_on=inspection.submitted_at,
        inspected_by=KIND_LABELS[inspection.kind],
        score=inspection.score,
        outcome=OUTCOME_LABELS[inspection.outcome] if inspection.outcome else "",
        items=tuple(OrderItem(**item) for item in order.items),
        deadline=order.deadline,
        contact_name=order.contact_name or "",
        contact_phone=order.contact_phone or "",
        inspector=order.inspector.display_name,
        issued_on=issued_on,
    )


def write_notice(notice: Notice, folder: Path) -> Path:
    """Lay the notice out in `folder` (the seal beside it) and return the PDF's path."""
    seal = folder / "seal.png"
    seal.write_bytes(seal_png(notice.bureau, word=""))  # the bureau's official seal, not the acceptance one
    target = folder / "notice.pdf"
    write_pdf(order_notice_html(notice=notice, seal_png_path=seal), target)
    return target
