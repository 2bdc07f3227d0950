"""Rules without a database: account fields, one-time passwords, office fields, a signer's standing."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pytest

from inspect_app.domain.directory.offices import parse_office
from inspect_app.domain.identity.accounts import one_time_password, parse_account, parse_role
from inspect_app.domain.identity.certificates import (
    CertificateFacts,
    RevocationReason,
    Standing,
    holder_standing,
    state_label,
)
from inspect_app.domain.identity.password_policy import password_problem
from inspect_app.domain.identity.permissions import Role

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=timezone.utc)


def test_an_account_row_reads_labels_codes_and_names():
    fields, errors = parse_account(" Leader.HJ ", "李建国", "分管领导", "杭锦旗", 13904770001.0)
    assert errors == {} and (fields.username, fields.role, fields.district_code, fields.phone) == (
        "leader.hj",
        Role.LEADER,
        "150625",
        "13904770001",
    )
    city, _ = parse_account("city.two", "张敏", "city", "150602", None)
    assert city.role is Role.CITY and city.district_code is None  # the city's roles see every 旗区
    assert parse_role("市中心") is Role.CITY and parse_role("管理员") is Role.ADMIN and parse_role("boss") is None


def test_an_account_row_names_each_problem():
    fields, errors = parse_account("x", "", "领导人", "北京", "call me")
    assert fields is None
    assert set(errors) == {"username", "display_name", "role", "district", "phone"}
    assert "角色“领导人”无效" in errors["role"] and "旗区“北京”不存在" in errors["district"]
    _, errors = parse_account("inspector.a", "王", "检查员", "", None)
    assert errors == {"district": "检查员和分管领导必须属于一个旗区"}


@pytest.mark.parametrize("seed", range(50))
def test_a_one_time_password_passes_the_policy_and_reads_off_paper(seed):
    password = one_time_password("abcd", random.Random(seed).choice)
    assert password_problem(password, "abcd") is None
    assert len(password) == 14 and password.count("-") == 2
    assert not set(password) & set("0O1lI")


def test_an_office_needs_a_name_and_a_phone_that_is_one():
    fields, errors = parse_office({"name": " 林荫市场监管所 ", "address": "", "officer_phone": "0477-8520001"})
    assert errors == {} and (fields.name, fields.address, fields.officer_phone) == (
        "林荫市场监管所",
        None,
        "0477-8520001",
    )
    _, errors = parse_office({"name": "", "officer_phone": "ring", "officer_name": "长" * 41})
    assert set(errors) == {"name", "officer_phone", "officer_name"}


def _certificate(days_left: int = 300, revoked: RevocationReason | None = None) -> CertificateFacts:
    return CertificateFacts(
        "4611686018427387905",
        NOW - timedelta(days=30),
        NOW + timedelta(days=days_left),
        NOW - timedelta(days=1) if revoked else None,
        revoked,
    )


@pytest.mark.parametrize(
    "certificates, waiting, state, words",
    [
        ([], False, Standing.NONE, "您还没有签名证书"),
        ([], True, Standing.WAITING, "尚待您本人设置签名PIN"),
        ([_certificate()], False, Standing.VALID, "有效，至 2027-09-16"),
        ([_certificate()], True, Standing.VALID, "设置新证书的签名PIN后，新证书生效"),
        ([_certificate(revoked=RevocationReason.ADMIN)], False, Standing.REVOKED, "原因：管理员撤销"),
        ([_certificate(revoked=RevocationReason.ADMIN)], True, Standing.WAITING, "尚待您本人设置签名PIN"),
        ([_certificate(days_left=-2)], False, Standing.EXPIRED, "已于 2026-11-18 过期"),
    ],
)
def test_a_signer_is_told_where_they_stand(certificates, waiting, state, words):
    standing = holder_standing(True, certificates, waiting, NOW)
    assert standing.state is state and words in standing.message
    assert standing.can_sign is (state is Standing.VALID)


def test_only_leaders_and_the_city_hold_certificates():
    assert holder_standing(False, [], True, NOW).state is Standing.NOT_A_SIGNER


def test_the_state_label_says_why_a_certificate_was_revoked():
    assert state_label(_certificate(), NOW) == "有效"
    assert state_label(_certificate(days_left=-1), NOW) == "已过期"
    assert state_label(_certificate(revoked=RevocationReason.REISSUED), NOW) == "已撤销（已换发）"
    assert state_label(_certificate(revoked=RevocationReason.ADMIN), NOW) == "已撤销（管理员撤销）"
