"""A district's signed bundle carries its issued 整改通知书 under orders/, listed in the manifest's files and its
"orders", and the city's verification and stock OpenSSL still accept it."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import zipfile
from datetime import timedelta

import pytest
from photo_factory import signature_png
from sqlalchemy import select
from stock_tools import openssl_cms_verify
from support import PIN, keyed, signed_bundle

from inspect_app.bundles import operations as bundles
from inspect_app.city.verify import verify_bundle
from inspect_app.domain.checklists.scoring import Verdict
from inspect_app.domain.follow_up.rectification import OrderStatus
from inspect_app.follow_up import issue
from inspect_app.inspection import operations as inspections
from inspect_app.models import Inspection, RectificationOrder
from inspect_app.shared.errors import Invalid
from inspect_app.signing import keys
from inspect_app.web.context import today


def _issued_order(app, session, season, tmp_path) -> RectificationOrder:
    """An order on the first station's inspection, issued by the leader."""
    leader, station = season["leader"], season["stations"][0]
    inspection = session.scalars(select(Inspection).where(Inspection.station_id == station.id)).one()
    signboard = next(a for a in inspection.answers if a.item_code == "A2")  # a critical item failed: an order
    signboard.verdict, signboard.note = Verdict.FAIL, "标识标志牌未悬挂"
    inspections.recompute(inspection, inspections.template_of(inspection.checklist_version))
    session.commit()
    order = RectificationOrder(
        inspection_id=inspection.id,
        station_id=station.id,
        campaign_id=season["campaign"].id,
        district_id=leader.district_id,
        items=[],  # issuing lists the inspection's findings as they are then
        deadline=today() + timedelta(days=30),
        inspector_id=inspection.inspector_id,
    )
    session.add(order)
    session.commit()
    store = app.extensions["filestore"]
    return issue.issue_order(session, leader.actor, store, leader, order.id, keyed(app, PIN), tmp_path, today())


def test_the_signed_bundle_carries_the_issued_notices(app, session, season, tmp_path):
    order = _issued_order(app, session, season, tmp_path)
    assert order.status is OrderStatus.ISSUED and [i["code"] for i in order.items] == ["A2"]
    bundle, path = signed_bundle(app, session, season, tmp_path)
    name = f"orders/{season['stations'][0].number}-{order.id}.pdf"
    with zipfile.ZipFile(path) as archive:
        notice = archive.read(name)
        manifest = json.loads(archive.read("manifest.json"))
        archive.extractall(tmp_path / "unpacked")
    assert hashlib.sha256(notice).hexdigest() == order.notice_sha256
    listed = {f["path"]: f["sha256"] for f in manifest["files"]}
    assert listed[name] == order.notice_sha256
    assert manifest["orders"] == [
        {
            "number": "东胜市监整改〔2026〕1号",
            "station_number": season["stations"][0].number,
            "station_name": season["stations"][0].name,
            "status": "issued",
            "deadline": order.deadline.isoformat(),
            "extensions": 0,
            "notice": name,
            "notice_sha256": order.notice_sha256,
        }
    ]
    check = verify_bundle(path, season["ca"], keys.revocation_list(session))
    assert check.ok, check.problems
    report = subprocess.run(
        ["pdftotext", str(tmp_path / "unpacked" / "report.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    text = re.sub(r"\s", "", report)
    section = text[text.index("本批次已下达整改通知1份") :]
    assert "东胜市监整改〔2026〕1号" in section and "整改中" in section
    (tmp_path / "unpacked" / "city-ca.pem").write_bytes(season["ca"])
    assert openssl_cms_verify(tmp_path / "unpacked").returncode == 0


def test_a_bundle_without_orders_has_no_orders_entry(app, session, season, tmp_path):
    _, path = signed_bundle(app, session, season, tmp_path)
    with zipfile.ZipFile(path) as archive:
        assert not [n for n in archive.namelist() if n.startswith("orders/")]
        assert "orders" not in json.loads(archive.read("manifest.json"))


def test_an_order_issued_after_the_preview_expires_it(app, session, season, tmp_path):
    leader, store = season["leader"], app.extensions["filestore"]
    bundle = bundles.start_draft(session, leader.actor, leader.district_id, season["campaign"].id, "文字说明。")
    bundles.build_preview(session, store, bundle.id, leader.display_name, tmp_path)
    _issued_order(app, session, season, tmp_path)
    with pytest.raises(Invalid, match="整改通知"):
        bundles.sign_off(session, leader.actor, store, leader, bundle.id, keyed(app, PIN), signature_png(), tmp_path)
    session.refresh(bundle)
    assert bundle.status.value == "ready" and bundle.archive_key is None
