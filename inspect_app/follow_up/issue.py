"""Issuing a rectification order: the leader's PIN opens the certificate (wrong ones counted as at a bundle's
sign-off), the order gets its document number, and its 整改通知书 is laid out, sealed, signed and stored."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from inspect_app.adapters import pki, scratch
from inspect_app.adapters.filestore import FileStore, sha256_of
from inspect_app.domain.clock import BEIJING
from inspect_app.domain.follow_up.orders import notice_number, number_prefix, serial_of
from inspect_app.domain.follow_up.rectification import (
    REFUSALS,
    OrderAction,
    OrderError,
    OrderStatus,
    check_deadline,
    next_status,
)
from inspect_app.domain.identity.permissions import Actor
from inspect_app.follow_up import order_notice
from inspect_app.follow_up.orders import _changeable, _move, audit_order, current_findings
from inspect_app.housekeeping import stored_files
from inspect_app.models import RectificationOrder, User
from inspect_app.models.types import utcnow
from inspect_app.shared.errors import Invalid
from inspect_app.shared.results import rowcount
from inspect_app.signing import keys, pin_attempts
from inspect_app.signing import signed_archive as signing

REASON = "签发整改通知书"


def _next_number(session: Session, order: RectificationOrder, year: int) -> str:
    """The district's next notice number of the year (the unique constraint settles a race)."""
    prefix = number_prefix(order.district.name, year)
    taken = session.scalars(
        select(RectificationOrder.number).where(
            RectificationOrder.district_id == order.district_id, RectificationOrder.number.startswith(prefix)
        )
    )
    serials = [s for s in (serial_of(n or "", prefix) for n in taken) if s is not None]
    return notice_number(order.district.name, year, max(serials, default=0) + 1)


def issue_order(
    session: Session,
    actor: Actor,
    store: FileStore,
    user: User,
    order_id: int,
    pin: pki.SigningPin,
    work_dir: Path,
    today: date,
    now: datetime | None = None,
) -> RectificationOrder:
    """Issue a draft order: number it, lay out its one-page 整改通知书 with the bureau's seal, sign it with the
    leader's certificate (PAdES, time-stamped by the city) and keep it in the file store."""
    order = _changeable(session, actor, order_id)
    try:
        next_status(order.status, OrderAction.ISSUE)
        check_deadline(order.deadline, today)
    except OrderError as error:
        raise Invalid(str(error)) from None
    findings = current_findings(order)  # the notice lists them as they are now; written after the PIN
    if not findings:
        raise Invalid("整改通知没有列出任何问题，不能下达")
    certificate = keys.usable_certificate(session, user, now)
    if certificate is None or certificate.district_id != order.district_id:
        raise Invalid({"pin": "您没有可用的签名证书，请联系系统管理员签发"})
    ca = keys.authority(session)
    # The PIN last: only success tells a right PIN from a wrong one, and wrong ones count against the certificate.
    current = pin_attempts.try_pin(session, actor, certificate, pin, now)
    if current != certificate.encrypted_key_pem:
        certificate.encrypted_key_pem = current
    assert ca is not None  # it issued the certificate just unlocked
    signed_at = (now or utcnow()).replace(microsecond=0)
    key = None
    try:
        _claim(session, order)
        _move(order, OrderAction.ISSUE)
        order.items = findings
        order.number = _next_number(session, order, signed_at.astimezone(BEIJING).year)
        order.issued_at, order.issued_by_id = signed_at, actor.user_id
        with scratch.folder(work_dir, "notice") as folder:
            pdf = order_notice.write_notice(order_notice.notice_of(order, signed_at), folder)
            signed = signing.sign_report(
                pdf,
                certificate,
                ca.certificate_pem,
                pin,
                user.display_name,
                signed_at,
                reason=REASON,
                trusted=keys.trusted_time(session, pin.secret, actor),
            )
            digest = sha256_of(signed)
            key = stored_files.put_file(session, store, signed, "pdf", digest)
        order.notice_key, order.notice_sha256 = key, digest
        audit_order(
            session, actor, "issue_order", order, number=order.number, notice_sha256=digest, serial=certificate.serial
        )
        session.commit()
    except IntegrityError:
        session.rollback()
        _collect(session, store, key)
        raise Invalid("文号刚被另一份整改通知占用，未下达：请重新下达") from None
    except BaseException:
        session.rollback()
        _collect(session, store, key)
        raise
    return order


def _claim(session: Session, order: RectificationOrder) -> None:
    """Take the draft for this issue (a row lock on PostgreSQL, the write lock on SQLite, until commit): a second
    click, waiting for the first, finds it issued and issues nothing again."""
    claimed = session.execute(
        update(RectificationOrder)
        .where(RectificationOrder.id == order.id, RectificationOrder.status == OrderStatus.DRAFT)
        .values(status=OrderStatus.DRAFT)
        .execution_options(synchronize_session=False)
    )
    if rowcount(claimed) != 1:
        raise Invalid(REFUSALS[OrderAction.ISSUE] + "：这份整改通知刚刚已经下达")


def _collect(session: Session, store: FileStore, key: str | None) -> None:
    if key is not None:
        stored_files.collect(session, store, [key])  # a notice no row came to name
