"""The rectification orders a district's signed bundle carries: each issued 整改通知书 as signed, under orders/, and
what the manifest says of each (its number, station, status and deadline as the bundle was signed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from inspect_app.adapters.filestore import FileStore
from inspect_app.follow_up.order_queries import issued_orders
from inspect_app.models import RectificationOrder

FOLDER = "orders"


def notice_name(order: RectificationOrder) -> str:
    """Where the order's notice lies in the ZIP: plain ASCII (every unzip tool reads it the same)."""
    return f"{FOLDER}/{order.station.number}-{order.id}.pdf"


def notice_parts(
    session: Session, store: FileStore, district_id: int, campaign_id: int
) -> tuple[list[tuple[str, Path]], list[dict[str, Any]]]:
    """The issued notices of the district's campaign as ZIP parts, and their manifest entries, in number order."""
    issued = issued_orders(session, district_id, campaign_id)
    parts, listed = [], []
    for order in issued:
        assert order.notice_key is not None  # selected so
        parts.append((notice_name(order), store.local_path(order.notice_key)))
        listed.append(
            {
                "number": order.number,
                "station_number": order.station.number,
                "station_name": order.station.name,
                "status": order.status.value,
                "deadline": order.deadline.isoformat(),
                "extensions": order.extensions,
                "notice": notice_name(order),
                "notice_sha256": order.notice_sha256,
            }
        )
    return parts, listed
