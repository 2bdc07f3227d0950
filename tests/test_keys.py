"""`flask pki`: the city's root CA, signers' certificates bound to user and district, revocation (the pages:
tests/test_enrolment.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from support import keyed, make_user

from inspect_app.adapters import pki
from inspect_app.models import SigningCertificate
from inspect_app.models.types import utcnow
from inspect_app.shared.errors import Invalid
from inspect_app.signing import keys


def test_init_issue_and_revoke_from_the_command_line(app, runner, session, tmp_path):
    leader = make_user(session, "leader", "150625", username="leader.hj")
    ca_file = tmp_path / "city-ca.pem"
    result = runner.invoke(args=["pki", "init", "--out", str(ca_file)])
    assert result.exit_code == 0, result.output
    assert ca_file.read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")
    again = runner.invoke(args=["pki", "init", "--out", str(ca_file)])
    assert again.exit_code != 0 and "根证书已存在" in again.output

    pin = tmp_path / "pin"
    pin.write_text("12ab\n")
    bad = runner.invoke(args=["pki", "issue", "--user", "leader.hj", "--pin-file", str(pin)])
    assert bad.exit_code != 0 and "6至12位数字" in bad.output
    pin.write_text("246810\n")
    result = runner.invoke(args=["pki", "issue", "--user", "leader.hj", "--pin-file", str(pin)])
    assert result.exit_code == 0 and "杭锦旗" in result.output, result.output
    row = keys.usable_certificate(session, leader)
    assert pki.certificate_identity(row.certificate_pem) == ("150625", "leader.hj")
    assert pki.is_issued_by(row.certificate_pem, ca_file.read_bytes())
    with pytest.raises(pki.WrongPin):
        pki.load_signing_key(row.encrypted_key_pem, keyed(app, "000000"))
    assert pki.load_signing_key(row.encrypted_key_pem, keyed(app, "246810"))

    revoked = runner.invoke(args=["pki", "revoke", row.serial])
    assert revoked.exit_code == 0 and "已撤销证书" in revoked.output and "管理员撤销" in revoked.output
    session.expire_all()
    assert keys.usable_certificate(session, leader) is None
    assert int(row.serial) in keys.revocation_list(session)
    assert keys.state_of(session.get(SigningCertificate, row.id)) == "已撤销（管理员撤销）"


def test_the_command_line_enrols_and_the_holder_chooses_the_pin(app, runner, session):
    leader = make_user(session, "leader", "150621", username="leader.dlt")
    assert "请先" in runner.invoke(args=["pki", "enrol", "--user", "leader.dlt"]).output
    keys.init_authority(session, app.config["PKI_CA_PASSPHRASE"])
    result = runner.invoke(args=["pki", "enrol", "--user", "leader.dlt"])
    assert result.exit_code == 0 and "我的签名证书" in result.output, result.output
    assert keys.usable_certificate(session, leader) is None and len(keys.open_enrolments(session, leader.id)) == 1
    assert runner.invoke(args=["pki", "enrol", "--user", "nobody"]).exit_code != 0


def test_only_leaders_and_the_city_get_signing_certificates(session, app):
    inspector = make_user(session, "inspector", "150602")
    keys.init_authority(session, app.config["PKI_CA_PASSPHRASE"])
    with pytest.raises(Invalid, match="只能为分管领导或市12315中心签发签名证书"):
        keys.issue_certificate(session, app.config["PKI_CA_PASSPHRASE"], inspector.id, "123456")
    city = make_user(session, "city")
    row = keys.issue_certificate(session, app.config["PKI_CA_PASSPHRASE"], city.id, "123456")
    info = pki.certificate_info(row.certificate_pem)
    assert row.district_id is None and (info.district_code, info.district_name) == (
        "150600",
        "鄂尔多斯市12315消费维权服务中心",
    )


def test_issue_needs_the_authority_and_its_passphrase(session, app):
    leader = make_user(session, "leader", "150602")
    with pytest.raises(Invalid, match="还没有市中心根证书"):
        keys.issue_certificate(session, "x", leader.id, "123456")
    keys.init_authority(session, app.config["PKI_CA_PASSPHRASE"])
    with pytest.raises(ValueError, match="根证书口令错误"):
        keys.issue_certificate(session, "wrong passphrase", leader.id, "123456")


def test_an_expired_certificate_is_not_usable(session, app):
    leader = make_user(session, "leader", "150602")
    keys.init_authority(session, app.config["PKI_CA_PASSPHRASE"])
    row = keys.issue_certificate(session, app.config["PKI_CA_PASSPHRASE"], leader.id, "123456")
    assert keys.usable_certificate(session, leader) is not None
    assert keys.usable_certificate(session, leader, now=row.not_after + timedelta(seconds=1)) is None
    assert keys.usable_certificate(session, leader, now=utcnow()) == row


def test_a_copied_database_alone_does_not_open_a_leaders_key(session, app):
    """The key is encrypted under the PIN keyed with the CA passphrase: the PIN alone, found by trying all of
    them against a copy of the database, opens nothing."""
    leader = make_user(session, "leader", "150602")
    keys.init_authority(session, app.config["PKI_CA_PASSPHRASE"])
    row = keys.issue_certificate(session, app.config["PKI_CA_PASSPHRASE"], leader.id, "123456")
    assert pki.load_signing_key(row.encrypted_key_pem, keyed(app, "123456"))
    with pytest.raises(pki.WrongPin):
        pki.load_signing_key(row.encrypted_key_pem, "123456")
    with pytest.raises(pki.WrongPin):
        pki.load_signing_key(row.encrypted_key_pem, pki.SigningPin("123456", "another secret"))
    with pytest.raises(pki.WrongPin):
        pki.current_key(row.encrypted_key_pem, keyed(app, "654321"))


def test_the_ca_passphrase_is_kept_in_the_instance(tmp_path):
    from inspect_app.config import load_config

    first = load_config(env={"INSTANCE_PATH": str(tmp_path)})["PKI_CA_PASSPHRASE"]
    assert len(first) >= 32 and load_config(env={"INSTANCE_PATH": str(tmp_path)})["PKI_CA_PASSPHRASE"] == first
    assert (tmp_path / "ca_passphrase").stat().st_mode & 0o777 == 0o600
    production = load_config(
        env={"INSTANCE_PATH": str(tmp_path / "p"), "APP_ENV": "production", "SECRET_KEY": "s" * 40}
    )
    assert production["PKI_CA_PASSPHRASE"] == ""  # production must give one: `flask pki init` says so


def test_init_refuses_without_a_passphrase(session):
    with pytest.raises(Invalid, match="PKI_CA_PASSPHRASE"):
        keys.init_authority(session, "")
    assert keys.authority(session) is None


def test_certificate_pages_are_the_admins(client, login_as):
    login_as("leader", "150602")
    assert client.get("/admin/certificates").status_code == 403
    assert client.get("/admin/certificates/city-ca.pem").status_code == 403
