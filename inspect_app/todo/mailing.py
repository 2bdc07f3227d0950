"""E-mail each person with an address the to-do items no earlier e-mail carried (only when SMTP is configured).

Called by `flask todo send-mail` and by the housekeeping sweep. One connection per run; each person's message is
sent, then what it carried is remembered (MailedItem) with an audit entry in one transaction, so that a run cut
short sends the rest next time and a delivered item is not sent again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Mapping

from sqlalchemy import delete, select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from inspect_app.adapters import mail
from inspect_app.audit import trail as audit
from inspect_app.domain import todo
from inspect_app.models import MailedItem, User
from inspect_app.todo.items import items_for


@dataclass
class MailReport:
    """What one run did: whether SMTP is configured, whom it wrote to, with how many items, and what failed."""

    configured: bool
    messages: int = 0
    items: int = 0
    failures: list[str] = field(default_factory=list)


def send_todo_mail(session: Session, config: Mapping[str, Any], today: date, now: datetime | None = None) -> MailReport:
    """Send every person with an e-mail address the items not yet mailed to them; nothing without SMTP_HOST."""
    settings = mail.SmtpSettings.from_config(config)
    if settings is None:
        return MailReport(configured=False)
    report = MailReport(configured=True)
    plan = _plan(session, today, now)
    if not plan:
        return report  # nobody to write to: no connection is opened
    try:
        with mail.outbox(settings) as box:
            for user_id, address, name, district_id, items in plan:
                try:
                    box.send(
                        mail.Mail(
                            address,
                            name,
                            todo.mail_subject(len(items)),
                            todo.mail_body(name, items, config["APP_BASE_URL"]),
                        )
                    )
                except mail.MailError as error:
                    report.failures.append(str(error))
                    continue
                _remember(session, user_id, district_id, items)
                report.messages += 1
                report.items += len(items)
    except mail.MailError as error:
        report.failures.append(str(error))
    return report


def _plan(
    session: Session, today: date, now: datetime | None
) -> list[tuple[int, str, str, int | None, list[todo.Item]]]:
    """Each person with an address and the items not yet mailed to them, newest first (only people with some)."""
    people = list(session.scalars(select(User).where(User.email.is_not(None), User.active).order_by(User.id)))
    mailed: dict[int, set[str]] = {}
    if people:
        for user_id, key in session.execute(
            select(MailedItem.user_id, MailedItem.item_key).where(MailedItem.user_id.in_([u.id for u in people]))
        ):
            mailed.setdefault(user_id, set()).add(key)
    plan, done = [], []
    for user in people:
        waiting = items_for(session, user, today, now)
        new = todo.not_yet_mailed(waiting, mailed.get(user.id, set()))
        if new and user.email:
            plan.append((user.id, user.email, user.display_name, user.district_id, new))
        done += [(user.id, key) for key in mailed.get(user.id, set()) - {item.key for item in waiting}]
    session.rollback()  # read only: no transaction stays open while the SMTP server is talked to
    _forget(session, done, [u.id for u in people])
    return plan


def _forget(session: Session, done: list[tuple[int, str]], people: list[int]) -> None:
    """Forget that items no longer waiting were mailed, and what was mailed to people who get no e-mail any more:
    the table keeps only what is on someone's list, and an item that comes back (an inspection returned and sent
    again) is new work, mailed again."""
    if done:
        session.execute(delete(MailedItem).where(tuple_(MailedItem.user_id, MailedItem.item_key).in_(done)))
    session.execute(delete(MailedItem).where(MailedItem.user_id.not_in(people)))
    session.commit()


def _remember(session: Session, user_id: int, district_id: int | None, items: list[todo.Item]) -> None:
    try:
        session.add_all(MailedItem(user_id=user_id, item_key=item.key) for item in items)
        audit.record(session, None, "mail_todo", "user", user_id, district_id, {"items": [item.key for item in items]})
        session.commit()
    except IntegrityError:
        # Another run (the command beside the sweep) mailed and recorded some of them meanwhile: its record stands,
        # and an item it did not record goes out again next time (twice rather than never).
        session.rollback()
