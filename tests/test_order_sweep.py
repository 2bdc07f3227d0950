"""Orders past their deadline are escalated by the housekeeping sweep and by `flask orders escalate-overdue`."""

from __future__ import annotations

from datetime import timedelta

import pytest
from order_support import order_world
from support import PIN, keyed

from inspect_app.domain.directory.stations import StationStatus
from inspect_app.domain.follow_up.rectification import OrderStatus
from inspect_app.follow_up import issue, orders
from inspect_app.housekeeping import sweeper
from inspect_app.models import RectificationOrder
from inspect_app.web.context import today


@pytest.fixture
def issued(app, session, campaign, tmp_path) -> RectificationOrder:
    """Dongsheng's failing station with its order issued today."""
    world = order_world(app, session, campaign)
    leader = world["leader"]
    (order,) = orders.draft_orders(session, leader.actor, leader.district_id, campaign, today())
    return issue.issue_order(
        session, leader.actor, app.extensions["filestore"], leader, order.id, keyed(app, PIN), tmp_path, today()
    )


def test_the_sweep_escalates_an_order_past_its_deadline(app, session, issued, runner):
    assert sweeper.run(app).orders_escalated == 0  # still in time
    session.get(RectificationOrder, issued.id).deadline = today() - timedelta(days=1)
    session.commit()
    assert sweeper.run(app).orders_escalated == 1
    session.expire_all()
    order = session.get(RectificationOrder, issued.id)
    assert order.status is OrderStatus.ESCALATED and order.station.status is StationStatus.RECTIFYING
    result = runner.invoke(args=["uploads", "sweep"])
    assert result.exit_code == 0 and "逾期转为待决定的整改通知：0" in result.output


def test_the_command_escalates_the_overdue(app, session, issued, runner):
    late = (issued.deadline + timedelta(days=1)).isoformat()
    result = runner.invoke(args=["orders", "escalate-overdue", "--today", issued.deadline.isoformat()])
    assert result.exit_code == 0 and "共0份整改通知逾期" in result.output
    result = runner.invoke(args=["orders", "escalate-overdue", "--today", late])
    assert result.exit_code == 0 and "共1份整改通知逾期" in result.output and "东胜万达广场" in result.output
    assert runner.invoke(args=["orders", "escalate-overdue", "--today", late]).output.startswith("共0份")
    session.expire_all()
    assert session.get(RectificationOrder, issued.id).status is OrderStatus.ESCALATED
