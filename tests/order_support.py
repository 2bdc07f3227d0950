"""Helpers of the rectification-order tests: inspections stored directly with the findings a test needs, and the
stock tools' view of a signed 整改通知书."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from asn1crypto import cms
from stock_tools import openssl_cms_verify
from support import PIN, TEMPLATE, make_station, make_user

from inspect_app.domain.checklists.checklist import Outcome
from inspect_app.domain.checklists.scoring import Verdict
from inspect_app.domain.inspections import InspectionKind, InspectionStatus
from inspect_app.models import Inspection, InspectionAnswer
from inspect_app.models.types import utcnow
from inspect_app.signing import keys

SIGNBOARD_NOTE = "标识标志牌未悬挂，仅放置在仓库内"
ITEMS = {item.code: item for item in TEMPLATE.items}


def stored_inspection(
    session,
    campaign,
    station,
    inspector,
    failed: dict[str, str] | None = None,
    *,
    kind: InspectionKind = InspectionKind.OWN,
    status: InspectionStatus = InspectionStatus.SUBMITTED,
    follows: Inspection | None = None,
) -> Inspection:
    """An inspection stored directly: every item passed but the `failed` ones (code -> the inspector's note)."""
    failed = failed or {}
    critical = [code for code in failed if ITEMS[code].critical]
    outcome = Outcome.RECTIFY if failed else Outcome.PASS
    inspection = Inspection(
        station_id=station.id,
        campaign_id=campaign.id,
        kind=kind,
        follows_id=follows.id if follows else None,
        checklist_version_id=campaign.checklist_version_id,
        inspector_id=inspector.id,
        status=status,
        submitted_at=utcnow(),
        points=100 - 6 * len(failed),
        maximum=100,
        score=100.0 - 6 * len(failed),
        outcome=outcome,
        failed_critical=critical,
    )
    for item in TEMPLATE.items:
        bad = item.code in failed
        inspection.answers.append(
            InspectionAnswer(
                item_code=item.code,
                verdict=Verdict.FAIL if bad else Verdict.PASS,
                points=(0 if bad else item.points) if item.scoring == "graded" else None,
                note=failed.get(item.code),
                updated_by_id=inspector.id,
            )
        )
    session.add(inspection)
    session.commit()
    return inspection


def order_world(app, session, campaign):
    """Dongsheng with a failing and a passing station, its inspector and leader (with a certificate); Kangbashi's
    leader and inspector."""
    passphrase = app.config["PKI_CA_PASSPHRASE"]
    inspector = make_user(session, "inspector", "150602", username="insp.ds")
    leader = make_user(session, "leader", "150602", username="leader.ds")
    other_leader = make_user(session, "leader", "150603", username="leader.kbs")
    other_inspector = make_user(session, "inspector", "150603", username="insp.kbs")
    failing = make_station(
        session, "150602", name="东胜万达广场12315消费维权服务站", head_name="张伟", phone="0477-8881234"
    )
    passing = make_station(session, "150602", name="东胜维多利超市12315消费维权服务站")
    bad = stored_inspection(session, campaign, failing, inspector, {"C1": "台账缺三个月", "A2": SIGNBOARD_NOTE})
    good = stored_inspection(session, campaign, passing, inspector, status=InspectionStatus.ACCEPTED)
    keys.init_authority(session, passphrase)
    keys.issue_certificate(session, passphrase, leader.id, PIN)
    return {
        "inspector": inspector,
        "leader": leader,
        "other_leader": other_leader,
        "other_inspector": other_inspector,
        "failing": failing,
        "passing": passing,
        "bad": bad,
        "good": good,
    }


def pdfsig(path: Path) -> str:
    return subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, check=True).stdout


def openssl_verify_pdf_signature(pdf: bytes, ca_pem: bytes, folder: Path) -> subprocess.CompletedProcess:
    """openssl cms -verify of the PDF's signature (its /Contents) over the bytes its /ByteRange names, laid out as
    stock_tools expects a bundle's manifest and its signature."""
    start, length, second, second_length = map(
        int, re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)", pdf).groups()
    )
    padded = bytes.fromhex(pdf[start + length : second].strip(b"<> \n").decode())  # then zeros to the reserved size
    folder.mkdir(exist_ok=True)
    (folder / "manifest.json").write_bytes(pdf[start : start + length] + pdf[second : second + second_length])
    (folder / "manifest.p7s").write_bytes(cms.ContentInfo.load(padded, strict=False).dump())
    (folder / "city-ca.pem").write_bytes(ca_pem)
    return openssl_cms_verify(folder)
