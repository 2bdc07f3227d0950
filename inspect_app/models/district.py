"""旗区 and their 市场监管所."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from inspect_app.models.base import Base


class District(Base):
    __tablename__ = "districts"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(6), unique=True)
    name: Mapped[str] = mapped_column(String(20), unique=True)
    seat: Mapped[str] = mapped_column(String(40))
    seat_latitude: Mapped[float]
    seat_longitude: Mapped[float]

    offices: Mapped[list[Office]] = relationship(back_populates="district", order_by="Office.name")

    def __repr__(self) -> str:
        return f"<District {self.code} {self.name}>"


class Office(Base):
    """A market supervision office (市场监管所) of one district."""

    __tablename__ = "offices"
    __table_args__ = (UniqueConstraint("district_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    address: Mapped[str | None] = mapped_column(String(120))
    # The regulator's officer responsible for the area, whom a station's signboard names.
    officer_name: Mapped[str | None] = mapped_column(String(40))
    officer_phone: Mapped[str | None] = mapped_column(String(20))
    officer_photo_key: Mapped[str | None] = mapped_column(String(120))  # the officer's portrait

    district: Mapped[District] = relationship(back_populates="offices")
