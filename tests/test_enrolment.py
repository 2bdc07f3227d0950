"""Keys that belong to their holders: the admin enrols, the holder chooses the signing PIN in the app, re-issuing
revokes the earlier certificate as 已换发, and a signer who cannot sign is told why and what to ask for."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from support import PIN, keyed, make_user

from inspect_app import models
from inspect_app.adapters import pki
from inspect_app.bundles import operations as bundles
from inspect_app.models import AuditEntry, CertificateAuthority, SigningCertificate
from inspect_app.models.types import utcnow
from inspect_app.signing import keys

ADMIN_PIN = "123456"


def _certificates(session, user) -> list[SigningCertificate]:
    session.expire_all()
    return list(
        session.scalars(
            select(SigningCertificate).where(SigningCertificate.user_id == user.id).order_by(SigningCertificate.id)
        )
    )


def _with_authority(app, session):
    keys.init_authority(session, app.config["PKI_CA_PASSPHRASE"])


def _sign_in(client, user):
    client.post("/logout")
    response = client.post("/login", data={"username": user.username, "password": "secret-pass-1"})
    assert response.status_code == 302, response.get_data(as_text=True)


def test_the_admin_can_neither_set_nor_learn_a_signing_pin(app, client, session):
    admin = make_user(session, "admin", username="admin.x")
    leader = make_user(session, "leader", "150626", username="leader.ws")
    _with_authority(app, session)
    _sign_in(client, admin)
    page = client.get("/admin/certificates").get_data(as_text=True)
    assert not re.search(r'name="pin', page), "the admin's page asks for no PIN"
    # A PIN posted anyway sets nothing: the admin only enrols; nothing is made until the leader chooses.
    client.post("/admin/certificates", data={"user": str(leader.id), "pin": ADMIN_PIN, "pin_again": ADMIN_PIN})
    assert _certificates(session, leader) == []
    assert session.scalar(select(func.count()).select_from(models.CertificateEnrolment)) == 1
    page = client.get("/admin/certificates").get_data(as_text=True)
    assert "等待本人设置签名PIN" in page and ADMIN_PIN not in page
    # Nor can the admin complete the leader's enrolment: the holder's page acts on the signed-in user only.
    assert client.post("/account/certificate/pin", data={"pin": ADMIN_PIN, "pin_again": ADMIN_PIN}).status_code in (
        200,
        403,
    )
    assert _certificates(session, leader) == []

    _sign_in(client, leader)
    assert "尚待您本人设置签名PIN" in client.get("/account/certificate").get_data(as_text=True)
    done = client.post(
        "/account/certificate/pin", data={"pin": "24681357", "pin_again": "24681357"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "签名证书已生成" in done
    [row] = _certificates(session, leader)
    assert pki.load_signing_key(row.encrypted_key_pem, keyed(app, "24681357"))
    with pytest.raises(pki.WrongPin):
        pki.load_signing_key(row.encrypted_key_pem, keyed(app, ADMIN_PIN))
    assert pki.certificate_identity(row.certificate_pem) == ("150626", "leader.ws")
    actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)).all()
    assert {"init_authority", "enrol_certificate", "issue_certificate"} <= set(actions)
    assert all(
        ADMIN_PIN not in str(e.details) and "24681357" not in str(e.details)
        for e in session.scalars(select(AuditEntry))
    )


def test_the_holder_types_the_pin_twice_and_nothing_is_made_until_both_agree(app, client, session):
    admin = make_user(session, "admin")
    city = make_user(session, "city", username="city.center")
    _with_authority(app, session)
    from inspect_app.signing import enrolments

    enrolments.enrol(session, admin.actor, city.id)
    _sign_in(client, city)
    differ = client.post("/account/certificate/pin", data={"pin": "246810", "pin_again": "246811"})
    assert "两次输入的签名PIN不一致" in differ.get_data(as_text=True)
    short = client.post("/account/certificate/pin", data={"pin": "12ab", "pin_again": "12ab"})
    assert "6至12位数字" in short.get_data(as_text=True)
    assert _certificates(session, city) == []
    back = client.post(
        "/account/certificate/pin", data={"pin": "246810", "pin_again": "246810", "back": "/city/report"}
    )
    assert back.status_code == 302 and back.location.endswith("/city/report")
    [row] = _certificates(session, city)
    assert row.district_id is None and pki.load_signing_key(row.encrypted_key_pem, keyed(app, "246810"))
    # The enrolment is spent: a second post makes nothing more.
    again = client.post("/account/certificate/pin", data={"pin": "135791", "pin_again": "135791"})
    assert "没有等待您设置签名PIN的证书签发" in again.get_data(as_text=True)
    assert len(_certificates(session, city)) == 1


def test_reissuing_revokes_the_earlier_certificate_as_reissued_once_the_new_one_is_made(app, client, session):
    admin = make_user(session, "admin", username="admin.x")
    leader = make_user(session, "leader", "150602", username="leader.ds")
    _with_authority(app, session)
    first = keys.issue_certificate(session, app.config["PKI_CA_PASSPHRASE"], leader.id, PIN)
    _sign_in(client, admin)
    client.post("/admin/certificates", data={"user": str(leader.id)})
    # Until the leader chooses the new PIN, the old certificate still signs.
    assert keys.usable_certificate(session, leader).id == first.id
    assert "已撤销" not in client.get("/admin/certificates").get_data(as_text=True)

    _sign_in(client, leader)
    page = client.get("/account/certificate").get_data(as_text=True)
    assert "已为您换发新证书" in page and "设置新证书的签名PIN" in page
    client.post("/account/certificate/pin", data={"pin": "97531086", "pin_again": "97531086"})
    old, new = _certificates(session, leader)
    assert old.id == first.id and old.revoked_at is not None and old.revocation_reason.value == "reissued"
    assert keys.usable_certificate(session, leader).id == new.id
    assert int(old.serial) in keys.revocation_list(session)

    _sign_in(client, admin)
    page = client.get("/admin/certificates").get_data(as_text=True)
    assert "已撤销（已换发）" in _row_of(page, old.serial)
    revoked = session.scalars(select(AuditEntry).where(AuditEntry.action == "revoke_certificate")).one()
    assert revoked.details["reason"] == "reissued" and revoked.details["replaced_by"] == new.serial


def _row_of(page: str, serial: str) -> str:
    start = page.index(serial)
    return page[start : page.index("</tr>", start)]


def test_a_second_certificate_revokes_the_first_shown_as_reissued(app, client, session):
    """Issued from a script as well: the first no longer shows 有效 once its PIN no longer signs."""
    admin = make_user(session, "admin")
    leader = make_user(session, "leader", "150602")
    _with_authority(app, session)
    first = keys.issue_certificate(session, app.config["PKI_CA_PASSPHRASE"], leader.id, PIN)
    second = keys.issue_certificate(session, app.config["PKI_CA_PASSPHRASE"], leader.id, "8642086")
    _sign_in(client, admin)
    page = client.get("/admin/certificates").get_data(as_text=True)
    assert "已撤销（已换发）" in _row_of(page, first.serial)
    assert "有效" in _row_of(page, second.serial) and "已撤销" not in _row_of(page, second.serial)
    session.expire_all()
    assert session.get(SigningCertificate, first.id).revoked_at is not None
    assert keys.usable_certificate(session, leader).id == second.id


def test_the_admin_revokes_with_the_reason_admin(app, client, session):
    admin = make_user(session, "admin")
    leader = make_user(session, "leader", "150602")
    _with_authority(app, session)
    row = keys.issue_certificate(session, app.config["PKI_CA_PASSPHRASE"], leader.id, PIN)
    _sign_in(client, admin)
    page = client.post(f"/admin/certificates/{row.id}/revoke", follow_redirects=True).get_data(as_text=True)
    assert "已撤销（管理员撤销）" in page
    session.expire_all()
    assert session.get(SigningCertificate, row.id).revocation_reason.value == "admin"


def test_a_pin_change_needs_the_old_pin(app, client, session):
    leader = make_user(session, "leader", "150603")
    _with_authority(app, session)
    row = keys.issue_certificate(session, app.config["PKI_CA_PASSPHRASE"], leader.id, PIN)
    _sign_in(client, leader)
    wrong = client.post(
        "/account/certificate/pin/change",
        data={"old_pin": "000000", "new_pin": "86420975", "new_pin_again": "86420975"},
    )
    assert "签名PIN错误，还可尝试4次" in wrong.get_data(as_text=True)
    differ = client.post(
        "/account/certificate/pin/change", data={"old_pin": PIN, "new_pin": "86420975", "new_pin_again": "86420976"}
    )
    assert "两次输入的签名PIN不一致" in differ.get_data(as_text=True)
    session.expire_all()
    assert pki.load_signing_key(session.get(SigningCertificate, row.id).encrypted_key_pem, keyed(app, PIN))
    changed = client.post(
        "/account/certificate/pin/change",
        data={"old_pin": PIN, "new_pin": "86420975", "new_pin_again": "86420975"},
        follow_redirects=True,
    )
    assert "签名PIN已修改" in changed.get_data(as_text=True)
    session.expire_all()
    key = session.get(SigningCertificate, row.id).encrypted_key_pem
    assert pki.load_signing_key(key, keyed(app, "86420975"))
    with pytest.raises(pki.WrongPin):
        pki.load_signing_key(key, keyed(app, PIN))
    assert session.scalars(select(AuditEntry.action).where(AuditEntry.action == "change_signing_pin")).one()


@pytest.mark.parametrize(
    "state, expected",
    [
        ("none", "您还没有签名证书。请联系系统管理员在“证书”页为您签发"),
        ("waiting", "尚待您本人设置签名PIN"),
        ("revoked", "撤销，原因：管理员撤销。请联系系统管理员重新签发"),
        ("expired", "过期。请联系系统管理员重新签发"),
    ],
)
def test_a_signer_who_cannot_sign_is_told_why_and_what_to_ask_for(app, client, session, campaign, state, expected):
    admin = make_user(session, "admin")
    city = make_user(session, "city", username="city.center")
    _with_authority(app, session)
    passphrase = app.config["PKI_CA_PASSPHRASE"]
    if state == "waiting":
        from inspect_app.signing import enrolments

        enrolments.enrol(session, admin.actor, city.id)
    elif state == "revoked":
        keys.revoke(session, keys.issue_certificate(session, passphrase, city.id, PIN).id)
    elif state == "expired":
        row = keys.issue_certificate(session, passphrase, city.id, PIN)
        row.not_before, row.not_after = utcnow() - timedelta(days=400), utcnow() - timedelta(days=1)
        session.commit()
    _sign_in(client, city)
    for url in ("/account/certificate", "/city/report"):
        page = client.get(url).get_data(as_text=True)
        assert expected in page, url
        assert ("签字并生成汇总报告" in page) is False


def test_a_leader_whose_certificate_was_revoked_is_told_so_on_the_bundle_page(
    app,
    client,
    session,
    season,
    tmp_path,
):
    leader = season["leader"]
    draft = bundles.start_draft(session, leader.actor, leader.district_id, season["campaign"].id, "说明")
    bundles.build_preview(session, app.extensions["filestore"], draft.id, leader.display_name, tmp_path)
    keys.revoke(session, keys.usable_certificate(session, leader).id)
    _sign_in(client, leader)
    page = client.get("/review/bundle/").get_data(as_text=True)
    assert "您还没有签名证书" not in page
    assert "撤销，原因：管理员撤销" in page and "请联系系统管理员重新签发" in page
    assert 'name="pin"' not in page


def test_the_admin_creates_the_city_ca_from_the_page(app, client, session):
    admin = make_user(session, "admin")
    _sign_in(client, admin)
    page = client.get("/admin/certificates").get_data(as_text=True)
    assert "创建根证书" in page and "flask pki init" not in page
    done = client.post("/admin/certificates/authority", follow_redirects=True).get_data(as_text=True)
    assert "已创建市中心根证书" in done and "下载 city-ca.pem" in done
    again = client.post("/admin/certificates/authority", follow_redirects=True).get_data(as_text=True)
    assert "根证书已存在" in again
    assert session.scalar(select(func.count()).select_from(CertificateAuthority)) == 1


def test_without_the_passphrase_in_production_the_page_says_what_is_missing(app, client, session):
    app.config["PKI_CA_PASSPHRASE"] = ""  # as production loads it when PKI_CA_PASSPHRASE is not set
    admin = make_user(session, "admin")
    _sign_in(client, admin)
    page = client.get("/admin/certificates").get_data(as_text=True)
    assert "PKI_CA_PASSPHRASE" in page and 'action="/admin/certificates/authority"' not in page
    refused = client.post("/admin/certificates/authority", follow_redirects=True).get_data(as_text=True)
    assert "服务器没有设置根证书私钥口令（环境变量 PKI_CA_PASSPHRASE）" in refused
    assert session.scalar(select(func.count()).select_from(CertificateAuthority)) == 0


def test_enrolment_is_for_signers_once_at_a_time_and_can_be_withdrawn(app, client, session):
    admin = make_user(session, "admin")
    inspector = make_user(session, "inspector", "150602")
    leader = make_user(session, "leader", "150602")
    _sign_in(client, admin)
    before = client.post("/admin/certificates", data={"user": str(leader.id)}).get_data(as_text=True)
    assert "还没有市中心根证书" in before
    _with_authority(app, session)
    refused = client.post("/admin/certificates", data={"user": str(inspector.id)}).get_data(as_text=True)
    assert "只能为分管领导或市12315中心签发签名证书" in refused
    client.post("/admin/certificates", data={"user": str(leader.id)})
    twice = client.post("/admin/certificates", data={"user": str(leader.id)}).get_data(as_text=True)
    assert "无需重复签发" in twice
    [waiting] = keys.open_enrolments(session)
    client.post(f"/admin/certificates/enrolments/{waiting.id}/cancel")
    assert keys.open_enrolments(session) == []
    _sign_in(client, leader)
    assert "您还没有签名证书" in client.get("/account/certificate").get_data(as_text=True)


def test_the_holders_page_is_for_leaders_and_the_city(client, login_as):
    login_as("inspector", "150602")
    assert client.get("/account/certificate").status_code == 403
    assert client.post("/account/certificate/pin", data={"pin": "123456", "pin_again": "123456"}).status_code == 403
