"""The demo season: submitted inspections with photos and signatures; and the demo signers' certificates with
their demo PINs."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from inspect_app.adapters import pki
from inspect_app.adapters.filestore import FileStore
from inspect_app.adapters.pdf.seal import demo_photo, name_signature_png
from inspect_app.campaigns import operations as campaigns
from inspect_app.domain.checklists.scoring import Verdict
from inspect_app.domain.evidence.submissions import CITY_CODE, CITY_NAME
from inspect_app.domain.findings import Thresholds
from inspect_app.domain.identity.permissions import Role
from inspect_app.follow_up import spot_checks
from inspect_app.inspection import operations as inspections
from inspect_app.inspection import photos
from inspect_app.inspection.photos import BrowserPosition
from inspect_app.models import Campaign, Inspection, Station, User
from inspect_app.models.types import utcnow
from inspect_app.review import operations as review
from inspect_app.signing import keys

INSPECTIONS_PER_DISTRICT = 4
SPOT_CHECK_PERCENT = 10  # one station a district: the demo's city inspector has nine to check


@dataclass(frozen=True)
class LeaderPin:
    district: str
    username: str
    pin: str


def demo_pin(district_code: str) -> str:
    """A demo leader's signing PIN (demo only: real PINs are chosen by the leaders)."""
    return "20" + district_code[-4:]


def seed_season(session: Session, store: FileStore, passphrase: str, seed_value: int = 2026) -> list[LeaderPin]:
    """Fill the demo campaign: a few submitted inspections per 旗区 (half of them accepted), the leaders' and the
    city center's certificates (see seed_signers)."""
    rng = random.Random(seed_value)
    campaign = campaigns.current_campaign(session)
    if campaign is None:
        raise ValueError("demo campaign missing: run `flask demo seed` first")
    template = campaigns.template_of(campaign.checklist_version)
    leaders = session.scalars(select(User).where(User.role == Role.LEADER).order_by(User.district_id)).all()
    for leader in leaders:
        inspector = session.scalar(
            select(User).where(User.role == Role.INSPECTOR, User.district_id == leader.district_id)
        )
        assert inspector is not None  # `flask demo seed` made one per 旗区
        stations = session.scalars(
            select(Station)
            .where(Station.district_id == leader.district_id)
            .order_by(Station.number)
            .limit(INSPECTIONS_PER_DISTRICT)
        ).all()
        for n, station in enumerate(stations):
            if session.scalar(
                select(Inspection.id).where(
                    Inspection.is_own, Inspection.station_id == station.id, Inspection.campaign_id == campaign.id
                )
            ):
                continue
            inspection = inspections.open_inspection(session, inspector.actor, station.id, campaign)
            for item in template.items:
                verdict = Verdict.FAIL if rng.random() < 0.08 else Verdict.PASS
                points = item.points if item.scoring == "graded" and verdict is Verdict.PASS else None
                inspections.answer_item(
                    session,
                    inspector.actor,
                    inspection.id,
                    item.code,
                    verdict.value,
                    points,
                    "现场核实" if verdict is Verdict.FAIL else None,
                )
            # The demo's stations all have coordinates.
            assert station.latitude is not None and station.longitude is not None
            for slot in ("signboard", "bulletin_board"):
                position = BrowserPosition(
                    station.latitude + rng.uniform(-0.0003, 0.0003),
                    station.longitude + rng.uniform(-0.0003, 0.0003),
                    rng.uniform(5, 30),
                    utcnow() - timedelta(minutes=rng.randint(5, 90)),
                )
                picture = demo_photo(
                    station.name.replace("12315消费维权服务站", ""),
                    "12315消费维权服务站 · " + template.slot_label(slot),
                    seed=station.id * 10 + len(slot),
                )
                photos.add_photo(
                    session,
                    inspector.actor,
                    store,
                    inspection.id,
                    slot,
                    picture,
                    position,
                    Thresholds(),
                    20 * 2**20,
                )
            for role, name in (
                ("representative", station.head_name or "服务站负责人"),
                ("inspector", inspector.display_name),
            ):
                inspections.sign(session, inspector.actor, store, inspection.id, role, name, name_signature_png(name))
            inspections.submit(session, inspector.actor, inspection.id)
            if n % 2 == 0:
                review.review(session, leader.actor, inspection.id, "accept")
    _draw_spot_checks(session, campaign)
    return seed_signers(session, passphrase)


def _draw_spot_checks(session: Session, campaign: Campaign) -> None:
    """The city's spot-check sample of the season, drawn once and given to the demo's city inspectors in turn."""
    city = session.scalar(select(User).where(User.role == Role.CITY, User.active.is_(True)).order_by(User.id))
    checkers = session.scalars(
        select(User).where(User.role == Role.CITY_INSPECTOR, User.active.is_(True)).order_by(User.id)
    ).all()
    if city is None or spot_checks.sample_of(session, campaign.id) is not None:
        return
    sample = spot_checks.draw_sample(session, city.actor, campaign, SPOT_CHECK_PERCENT)
    for n, row in enumerate(list(sample.stations) if checkers else []):
        spot_checks.assign(session, city.actor, row.id, checkers[n % len(checkers)].id)


def _demo_signers(session: Session) -> list[tuple[User, str, str]]:
    """Each demo signer with the place shown beside it and its demo PIN: the leaders, then the city center."""
    leaders = session.scalars(
        select(User).where(User.role == Role.LEADER, User.active.is_(True)).order_by(User.district_id, User.id)
    ).all()
    signers = []
    for leader in leaders:
        district = leader.district
        assert district is not None  # a leader's 旗区 (the users table's district_role check)
        signers.append((leader, district.name, demo_pin(district.code)))
    city = session.scalar(select(User).where(User.role == Role.CITY, User.active.is_(True)).order_by(User.id).limit(1))
    if city is not None:
        signers.append((city, CITY_NAME, demo_pin(CITY_CODE)))  # it signs the consolidated report the same way
    return signers


def seed_signers(session: Session, passphrase: str) -> list[LeaderPin]:
    """The city CA and a certificate for every demo signer under their demo PIN, so that the quick start signs
    (real signers choose their PINs themselves on 我的签名证书)."""
    if keys.authority(session) is None:
        keys.init_authority(session, passphrase)
    pins = []
    for user, place, pin in _demo_signers(session):
        if keys.usable_certificate(session, user) is None and not keys.open_enrolments(session, user.id):
            keys.issue_certificate(session, passphrase, user.id, pin)
        pins.append(LeaderPin(place, user.username, pin))
    return pins


def signer_pins(session: Session, passphrase: str) -> list[LeaderPin]:
    """The demo signers whose certificate their demo PIN still opens (a PIN its holder changed, or a certificate
    made from an enrolment, is not printed)."""
    opened = []
    for user, place, pin in _demo_signers(session):
        certificate = keys.usable_certificate(session, user)
        if certificate is None:
            continue
        try:
            pki.load_signing_key(certificate.encrypted_key_pem, keys.signing_pin(pin, passphrase))
        except pki.WrongPin:
            continue
        opened.append(LeaderPin(place, user.username, pin))
    return opened
