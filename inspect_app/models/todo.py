"""What the to-do e-mails already carried: one row per person and item, so that no item is sent twice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from inspect_app.models.base import Base
from inspect_app.models.types import UTCDateTime, utcnow


class MailedItem(Base):
    """An item (domain/todo.py's `Item.key`) e-mailed to a user, and when."""

    __tablename__ = "mailed_items"
    __table_args__ = (UniqueConstraint("user_id", "item_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    item_key: Mapped[str] = mapped_column(String(120))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
