"""The signing PIN cannot be guessed: wrong PINs are counted per certificate, lock signing for 15 minutes after 5
and until an admin unlocks it after 10 in a day, every one is audited, and nothing but success tells a right PIN
from a wrong one."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest
from photo_factory import signature_png
from sqlalchemy import func, select
from support import PIN, keyed, make_user

from inspect_app.adapters import pki
from inspect_app.bundles import builds as bundle_builds
from inspect_app.bundles import operations as bundles
from inspect_app.domain.identity.pin_attempts import PinLock, pin_lock, wrong_pin_message
from inspect_app.models import AuditEntry, SigningPinFailure
from inspect_app.shared.errors import Invalid
from inspect_app.signing import enrolments, keys, pin_attempts
from inspect_app.signing import signed_archive as signing

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)  # 10:00 北京时间
WRONG = "000000"


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


# The rule.


def test_a_fresh_certificate_has_five_tries():
    assert pin_lock([], T0) == PinLock(False, None, 5)
    assert pin_lock([T0 - minutes(3)] * 4, T0).remaining == 1


def test_five_wrong_within_15_minutes_lock_for_15_minutes_after_the_fifth():
    failures = [T0 + minutes(n) for n in range(5)]
    lock = pin_lock(failures, T0 + minutes(4))
    assert lock.locked and lock.until == T0 + minutes(19) and not lock.needs_admin
    assert lock.message == "签名PIN连续输错，签名已锁定至 10:19（北京时间）"
    assert pin_lock(failures, T0 + minutes(18.9)).locked
    after = pin_lock(failures, T0 + minutes(19))
    assert not after.locked and after.remaining == 5  # the day's count leaves 5 of 10


def test_five_wrong_spread_over_more_than_15_minutes_do_not_lock():
    failures = [T0 + minutes(4 * n) for n in range(5)]  # 0, 4, 8, 12, 16: never 5 within 15 minutes
    lock = pin_lock(failures, T0 + minutes(16))
    assert not lock.locked and lock.remaining == 1


def test_ten_wrong_within_a_day_lock_until_an_admin_unlocks():
    failures = [T0 + minutes(n) for n in range(5)] + [T0 + minutes(30 + n) for n in range(5)]
    assert pin_lock(failures[:9], T0 + minutes(34)).remaining == 1
    lock = pin_lock(failures, T0 + minutes(34))
    assert lock.locked and lock.needs_admin and lock.until is None
    assert lock.message == "签名PIN今日输错10次，签名已锁定，请联系系统管理员解锁"
    assert pin_lock(failures, T0 + timedelta(days=30)).needs_admin  # time alone does not lift it


def test_ten_wrong_over_more_than_a_day_do_not_need_the_admin():
    failures = [T0 + minutes(n) for n in range(5)] + [T0 + timedelta(hours=25) + minutes(n) for n in range(5)]
    lock = pin_lock(failures, T0 + timedelta(hours=25, minutes=4))
    assert lock.locked and not lock.needs_admin


def test_the_wrong_pin_message_counts_down_or_names_the_lock():
    assert wrong_pin_message(PinLock(False, None, 3)) == "签名PIN错误，还可尝试3次"
    assert wrong_pin_message(PinLock(True, None, 0)).endswith("请联系系统管理员解锁")


# The use cases, on one certificate.


@pytest.fixture
def signer(app, session):
    leader = make_user(session, "leader", "150602", username="leader.pin")
    passphrase = app.config["PKI_CA_PASSPHRASE"]
    keys.init_authority(session, passphrase)
    certificate = keys.issue_certificate(session, passphrase, leader.id, PIN)
    return leader, certificate


def _try(app, session, leader, certificate, pin: str, at: datetime, drawn: bytes | None = None) -> str:
    """What the signer reads (or "ok")."""
    try:
        signing.unlock(session, leader.actor, certificate, keyed(app, pin), drawn or signature_png(), now=at)
    except Invalid as error:
        session.rollback()  # as a failed request ends
        return str(error)
    return "ok"


def _audit(session, action: str) -> int:
    return session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action))


def test_five_wrong_pins_lock_even_the_right_one_for_15_minutes(app, session, signer):
    leader, certificate = signer
    answers = [_try(app, session, leader, certificate, WRONG, T0 + minutes(n)) for n in range(5)]
    assert answers[:4] == [f"签名PIN错误，还可尝试{n}次" for n in (4, 3, 2, 1)]
    assert answers[4] == "签名PIN连续输错，签名已锁定至 10:19（北京时间）"
    # Locked: the right PIN is not tried and reads exactly as a wrong one does.
    assert _try(app, session, leader, certificate, PIN, T0 + minutes(6)) == answers[4]
    assert _try(app, session, leader, certificate, WRONG, T0 + minutes(6)) == answers[4]
    assert _try(app, session, leader, certificate, PIN, T0 + minutes(19)) == "ok"
    # Every failure survived its request's rollback, with its audit entry.
    assert session.scalar(select(func.count()).select_from(SigningPinFailure)) == 5
    assert (_audit(session, "signing_pin_failed"), _audit(session, "signing_locked")) == (5, 1)
    assert keys_audit_chain_intact(session)


def keys_audit_chain_intact(session) -> bool:
    from inspect_app.audit import trail as audit

    return audit.verify(session)[1] == []


def test_ten_wrong_in_a_day_wait_for_the_admin_who_unlocks(app, session, signer):
    leader, certificate = signer
    for n in range(5):
        _try(app, session, leader, certificate, WRONG, T0 + minutes(n))
    answers = [_try(app, session, leader, certificate, WRONG, T0 + minutes(20 + n)) for n in range(5)]
    assert answers[0] == "签名PIN错误，还可尝试4次"  # after the short lock: the day's five left
    assert answers[4] == "签名PIN今日输错10次，签名已锁定，请联系系统管理员解锁"
    assert _try(app, session, leader, certificate, PIN, T0 + timedelta(days=3)) == answers[4]
    admin = make_user(session, "admin", username="admin.pin")
    assert pin_attempts.lock_in(session, certificate.id).needs_admin
    pin_attempts.unlock_signing(session, admin.actor, certificate.id)
    assert _audit(session, "unlock_signing") == 1
    assert not pin_attempts.lock_in(session, certificate.id).locked
    assert _try(app, session, leader, certificate, PIN, T0 + timedelta(days=3)) == "ok"
    with pytest.raises(Invalid, match="没有被锁定"):
        pin_attempts.unlock_signing(session, admin.actor, certificate.id)
    with pytest.raises(Exception):
        pin_attempts.unlock_signing(session, leader.actor, certificate.id)  # only the admin


def test_a_broken_drawing_is_refused_before_the_pin_is_tried(app, session, signer):
    leader, certificate = signer
    broken = b"\x89PNG\r\n\x1a\nnot really"
    right = _try(app, session, leader, certificate, PIN, T0, drawn=broken)
    wrong = _try(app, session, leader, certificate, WRONG, T0, drawn=broken)
    assert right == wrong and "损坏" in right
    assert session.scalar(select(func.count()).select_from(SigningPinFailure)) == 0


def test_the_citys_signer_is_counted_the_same_way(app, session):
    city = make_user(session, "city", username="city.pin")
    passphrase = app.config["PKI_CA_PASSPHRASE"]
    keys.init_authority(session, passphrase)
    certificate = keys.issue_certificate(session, passphrase, city.id, PIN)
    answers = [_try(app, session, city, certificate, WRONG, T0 + minutes(n)) for n in range(5)]
    assert answers[-1].startswith("签名PIN连续输错")
    assert _try(app, session, city, certificate, PIN, T0 + minutes(5)) == answers[-1]


def test_two_at_once_never_get_a_sixth_try(app, signer, monkeypatch):
    """Threads against one certificate, each with its own session as requests have: at most 5 PINs are tried."""
    _, certificate = signer
    tried, count_lock = [], threading.Lock()
    real = pki.current_key

    def counting(*args, **kwargs):
        with count_lock:
            tried.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(pin_attempts.pki, "current_key", counting)
    threads_n = 8
    start, answers = threading.Barrier(threads_n), []

    def attempt():
        own = app.extensions["db_sessionmaker"]()
        try:
            start.wait()
            pin_attempts.try_pin(own, None, certificate, keyed(app, WRONG), now=T0)
        except Invalid as error:
            answers.append(str(error))
        finally:
            own.close()

    threads = [threading.Thread(target=attempt) for _ in range(threads_n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(tried) == 5
    assert sorted(a for a in answers if "还可尝试" in a) == [f"签名PIN错误，还可尝试{n}次" for n in (1, 2, 3, 4)]
    assert sum("已锁定" in a for a in answers) == threads_n - 4


def test_a_wrong_old_pin_on_the_change_page_counts_too(app, session, signer):
    leader, certificate = signer
    passphrase = app.config["PKI_CA_PASSPHRASE"]
    for n in range(4):
        with pytest.raises(Invalid, match=f"还可尝试{4 - n}次"):
            enrolments.change_pin(session, passphrase, leader, WRONG, "86420975", "86420975")
    session.rollback()
    with pytest.raises(Invalid, match="签名已锁定"):
        enrolments.change_pin(session, passphrase, leader, WRONG, "86420975", "86420975")
    with pytest.raises(Invalid, match="签名已锁定"):  # the right old PIN is not tried either
        enrolments.change_pin(session, passphrase, leader, PIN, "86420975", "86420975")
    assert _audit(session, "signing_pin_failed") == 5


# Through the bundle sign-off, as the leader meets it.


def _ready_bundle(app, session, season, tmp_path):
    leader, store = season["leader"], app.extensions["filestore"]
    bundle = bundles.start_draft(session, leader.actor, leader.district_id, season["campaign"].id, "")
    bundles.build_preview(session, store, bundle.id, leader.display_name, tmp_path)
    return leader, store, bundle


def test_the_sign_off_stops_guessing_and_records_every_wrong_pin(app, session, season, tmp_path):
    leader, store, bundle = _ready_bundle(app, session, season, tmp_path)
    answers = []
    for _ in range(6):
        with pytest.raises(Invalid) as refused:
            bundles.sign_off(
                session, leader.actor, store, leader, bundle.id, keyed(app, WRONG), signature_png(), tmp_path
            )
        answers.append(refused.value.errors)
    assert answers[0] == {"pin": "签名PIN错误，还可尝试4次"}
    assert answers[4]["pin"].startswith("签名PIN连续输错，签名已锁定至") and answers[5] == answers[4]
    with pytest.raises(Invalid) as right:
        bundles.sign_off(session, leader.actor, store, leader, bundle.id, keyed(app, PIN), signature_png(), tmp_path)
    assert right.value.errors == answers[4]
    session.rollback()
    assert (_audit(session, "signing_pin_failed"), _audit(session, "signing_locked")) == (5, 1)
    session.refresh(bundle)
    assert bundle.status.value == "ready" and bundle.archive_key is None


def test_the_sign_off_answers_a_broken_drawing_alike_for_a_right_and_a_wrong_pin(
    app,
    session,
    season,
    tmp_path,
):
    leader, store, bundle = _ready_bundle(app, session, season, tmp_path)
    answers = []
    for pin in (PIN, WRONG):
        with pytest.raises(Invalid) as refused:
            bundles.sign_off(
                session, leader.actor, store, leader, bundle.id, keyed(app, pin), b"not a drawing", tmp_path
            )
        answers.append(refused.value.errors)
    assert answers[0] == answers[1] == {"signature": "签名图片无效，请重新签名"}
    assert _audit(session, "signing_pin_failed") == 0


def test_a_version_being_signed_answers_alike_for_a_right_and_a_wrong_pin(
    app,
    session,
    season,
    tmp_path,
):
    leader, store, bundle = _ready_bundle(app, session, season, tmp_path)
    token = bundle_builds.claim_signing(session, bundle.id, 120)  # another sign-off of the same version, running
    answers = []
    for pin in (PIN, WRONG):
        with pytest.raises(Invalid) as refused:
            bundles.sign_off(
                session, leader.actor, store, leader, bundle.id, keyed(app, pin), signature_png(), tmp_path
            )
        answers.append(str(refused.value))
    assert answers[0] == answers[1] and "正在签字" in answers[0]
    assert _audit(session, "signing_pin_failed") == 0
    bundle_builds.release(session, bundle.id, token)
    # A wrong PIN gives the version back: the right one then signs it.
    with pytest.raises(Invalid):
        bundles.sign_off(session, leader.actor, store, leader, bundle.id, keyed(app, WRONG), signature_png(), tmp_path)
    signed = bundles.sign_off(
        session, leader.actor, store, leader, bundle.id, keyed(app, PIN), signature_png(), tmp_path
    )
    assert signed.status.value == "signed" and _audit(session, "signing_pin_failed") == 1


# The pages: the holder is told at sign-in, the admin sees the lock and lifts it.


def _sign_in(client, user):
    client.post("/logout")
    return client.post(
        "/login", data={"username": user.username, "password": "secret-pass-1"}, follow_redirects=True
    ).get_data(as_text=True)


def test_the_holder_is_told_at_the_next_sign_in(app, client, session, signer):
    leader, certificate = signer
    assert "签名PIN输入错误" not in _sign_in(client, leader)
    client.post("/logout")
    for _ in range(2):
        with pytest.raises(Invalid):
            pin_attempts.try_pin(session, leader.actor, certificate, keyed(app, WRONG))
    page = _sign_in(client, leader)
    assert "您的签名证书自上次登录以来有2次签名PIN输入错误（最近一次 " in page
    assert "如非本人操作请联系系统管理员" in page
    assert "签名PIN输入错误" not in _sign_in(client, leader)  # told once


def test_the_admin_sees_the_lock_and_lifts_it(app, client, session, signer):
    leader, certificate = signer
    for _ in range(5):
        with pytest.raises(Invalid):
            pin_attempts.try_pin(session, leader.actor, certificate, keyed(app, WRONG))
    holder_page = _sign_in(client, leader) and client.get("/account/certificate").get_data(as_text=True)
    assert "签名PIN连续输错，签名已锁定至" in holder_page and "到时自动解除" in holder_page
    admin = make_user(session, "admin", username="admin.unlock")
    _sign_in(client, admin)
    page = client.get("/admin/certificates").get_data(as_text=True)
    assert "已锁定" in page and "15分钟内签名PIN输错5次" in page and "解除锁定" in page
    done = client.post(f"/admin/certificates/{certificate.id}/unlock", follow_redirects=True).get_data(as_text=True)
    assert f"已解除证书 {certificate.serial} 的签名锁定" in done and "已锁定" not in done
    assert _audit(session, "unlock_signing") == 1
    again = client.post(f"/admin/certificates/{certificate.id}/unlock", follow_redirects=True).get_data(as_text=True)
    assert "没有被锁定" in again and _audit(session, "unlock_signing") == 1
    assert "签名已锁定" not in (_sign_in(client, leader) and client.get("/account/certificate").get_data(as_text=True))
