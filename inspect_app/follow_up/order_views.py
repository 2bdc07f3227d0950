"""Pages of rectification orders: the leader's list and decisions (under /review/orders), an order's page and its
signed 整改通知书, the inspector's orders to re-check, the city's list of every district's open orders."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from inspect_app.domain.checklists.checklist import OUTCOME_LABELS
from inspect_app.domain.follow_up.orders import urgency
from inspect_app.domain.follow_up.rectification import OrderStatus
from inspect_app.domain.identity.permissions import Action, may
from inspect_app.follow_up import issue, order_queries, orders
from inspect_app.shared.errors import Invalid
from inspect_app.web.context import actor, allow, chosen_campaign, chosen_district, get_session, signing_pin, today
from inspect_app.web.stored import send_stored

bp = Blueprint("orders", __name__)


def _date(name: str) -> date | None:
    try:
        return date.fromisoformat(request.form.get(name, "").strip())
    except ValueError:
        return None


@bp.route("/review/orders/")
@login_required
def index():
    allow(Action.RECTIFY)
    district, districts = chosen_district()
    choice = chosen_campaign()
    campaign = choice.campaign
    rows = order_queries.district_orders(
        get_session(), actor(), district.id, campaign.id if campaign else None, today()
    )
    return render_template(
        "follow_up/orders.html", district=district, districts=districts, rows=rows, **choice.context()
    )


@bp.route("/review/orders/draft", methods=["POST"])
@login_required
def draft():
    allow(Action.RECTIFY)
    district, _ = chosen_district()
    campaign = chosen_campaign(required=True).campaign
    assert campaign is not None  # required: no campaign answered a page saying so
    made = orders.draft_orders(get_session(), actor(), district.id, campaign, today())
    flash(f"已起草{len(made)}份整改通知。" if made else "没有需要新起草的整改通知。", "success")
    return redirect(url_for(".index", district=district.id))


@bp.route("/review/orders/<id:order_id>")
@login_required
def show(order_id: int):
    session = get_session()
    order = order_queries.get_order(session, actor(), order_id)
    deciding = may(actor(), Action.RECTIFY, order.district_id)
    return render_template(
        "follow_up/order.html",
        order=order,
        urgency=urgency(order.status, order.deadline, today()),
        rechecks=order_queries.rechecks(session, order),
        inspectors=order_queries.district_inspectors(session, order.district_id) if deciding else [],
        deciding=deciding,
        OrderStatus=OrderStatus,
        outcomes=OUTCOME_LABELS,
    )


def _back(order_id: int, anchor: str | None = None):
    return redirect(url_for(".show", order_id=order_id, _anchor=anchor))


@bp.route("/review/orders/<id:order_id>/edit", methods=["POST"])
@login_required
def edit(order_id: int):
    inspector = request.form.get("inspector", type=int)
    try:
        orders.update_draft(get_session(), actor(), order_id, _date("deadline"), inspector, today())
    except Invalid as error:
        flash("未保存：" + str(error), "error")
    else:
        flash("已保存整改期限和复查检查员。", "success")
    return _back(order_id, "edit")


@bp.route("/review/orders/<id:order_id>/issue", methods=["POST"])
@login_required
def issue_order(order_id: int):
    try:
        order = issue.issue_order(
            get_session(),
            actor(),
            current_app.extensions["filestore"],
            current_user,
            order_id,
            signing_pin(),
            Path(current_app.instance_path),
            today(),
        )
    except Invalid as error:
        flash("未下达：" + str(error), "error")
        return _back(order_id, "issue")
    flash(f"已下达整改通知书 {order.number}。", "success")
    return _back(order_id)


@bp.route("/review/orders/<id:order_id>/extend", methods=["POST"])
@login_required
def extend(order_id: int):
    try:
        orders.extend_order(
            get_session(), actor(), order_id, _date("deadline"), request.form.get("reason", ""), today()
        )
    except Invalid as error:
        flash("未延期：" + str(error), "error")
        return _back(order_id, "decide")
    flash("已延期整改。", "success")
    return _back(order_id)


@bp.route("/review/orders/<id:order_id>/retire", methods=["POST"])
@login_required
def retire(order_id: int):
    try:
        orders.retire_station(get_session(), actor(), order_id, request.form.get("reason", ""))
    except Invalid as error:
        flash("未撤销：" + str(error), "error")
        return _back(order_id, "decide")
    flash("已撤销该服务站。", "success")
    return _back(order_id)


@bp.route("/review/orders/<id:order_id>/notice.pdf")
@login_required
def notice(order_id: int):
    order = order_queries.get_order(get_session(), actor(), order_id)
    if not order.notice_key:
        abort(404)
    return send_stored(
        order.notice_key, "application/pdf", f"整改通知书-{order.number}-{order.station.name}.pdf", max_age=0
    )


@bp.route("/inspect/orders")
@login_required
def assigned():
    allow(Action.INSPECT)
    rows = order_queries.assigned_orders(get_session(), actor(), today())
    return render_template("follow_up/assigned.html", rows=rows)


@bp.route("/city/orders")
@login_required
def city():
    everything = request.args.get("all") == "1"
    rows = order_queries.city_orders(get_session(), actor(), today(), open_only=not everything)
    return render_template("follow_up/city_orders.html", rows=rows, everything=everything)


@bp.route("/city/spot-checks/<id:inspection_id>/order", methods=["POST"])
@login_required
def from_spot_check(inspection_id: int):
    try:
        order = orders.draft_from_spot_check(get_session(), actor(), inspection_id, today())
    except Invalid as error:
        flash("未起草：" + str(error), "error")
        return redirect(request.referrer or url_for(".city"))
    flash(f"已为{order.station.name}起草整改通知，待{order.district.name}分管领导下达。", "success")
    return _back(order.id)
