"""People who sign in: inspectors and leaders of a 旗区, the city center, admins."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import CheckConstraint, ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from inspect_app.domain.identity.permissions import Actor, Role
from inspect_app.models.base import Base
from inspect_app.models.district import District
from inspect_app.models.types import UTCDateTime, str_enum, utcnow


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('city', 'city_inspector', 'admin') OR district_id IS NOT NULL", name="district_role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    display_name: Mapped[str] = mapped_column(String(40))
    role: Mapped[Role] = mapped_column(str_enum(Role))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"), index=True)
    phone: Mapped[str | None] = mapped_column(String(20))
    # Where the to-do e-mails go (when an SMTP server is configured); None: nothing is sent to this user.
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(200))
    # A password someone else saw (the one-time password of a new or reset account): every page asks for a new
    # one until the user has chosen it.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    district: Mapped[District | None] = relationship()

    # The attributes Flask-Login reads, without importing it into the model layer.
    is_authenticated = True
    is_anonymous = False
    # Not a column: the token of the sign-in this object was loaded through (services/user_sessions.py), which
    # is all the session cookie carries. Typed through cast: a plain annotation would make the ORM map it.
    session_token = cast("str | None", None)

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str | None:
        return self.session_token

    @property
    def actor(self) -> Actor:
        return Actor(self.role, self.district_id, self.id)

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"
