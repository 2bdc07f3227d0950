"""The campaign rules in plain Python: states, what each allows, the form's fields, the choice of campaign."""

from __future__ import annotations

from datetime import date

import pytest

from inspect_app.domain.campaigns import (
    CampaignState,
    change_refusal,
    default_choice,
    parse_fields,
    removal_refusal,
    settings_refusal,
    transition_refusal,
    visible,
)

DRAFT, OPEN, CLOSED = CampaignState.DRAFT, CampaignState.OPEN, CampaignState.CLOSED
NINE = {1, 2, 3, 4, 5, 6, 7, 8, 9}


def raw(**overrides):
    values = {
        "name": "2027年度自查验收",
        "starts_on": "2027-09-01",
        "deadline": "2027-12-15",
        "checklist_version": "4",
        "districts": ["1", "2", "3"],
    }
    values.update(overrides)
    return values


def test_states_have_chinese_labels():
    assert [s.label for s in CampaignState] == ["筹备中", "进行中", "已结束"]


def test_only_an_open_campaign_takes_changes_and_the_refusal_says_why():
    assert change_refusal("2026年度自查验收", OPEN) is None
    assert change_refusal("2026年度自查验收", CLOSED) == (
        "“2026年度自查验收”已结束，内容只读，不能再修改（证据包和报告仍可下载）"
    )
    assert change_refusal("2027年度自查验收", DRAFT) == "“2027年度自查验收”尚未开始，还不能检查或提交"


def test_an_open_campaign_refuses_a_district_it_does_not_cover():
    assert change_refusal("2027年度自查验收", OPEN, covers=False, district="杭锦旗") == "“2027年度自查验收”不包括杭锦旗"
    # Closed says closed first: that is what the reader must know.
    assert "已结束" in change_refusal("2026年度自查验收", CLOSED, covers=False, district="杭锦旗")


def test_lifecycle_goes_draft_open_closed_and_never_back():
    assert transition_refusal(DRAFT, OPEN) is None
    assert transition_refusal(OPEN, CLOSED) is None
    assert transition_refusal(OPEN, OPEN) == "该批次已经开放"
    assert transition_refusal(CLOSED, OPEN) == "已结束的批次不能重新开放"
    assert transition_refusal(DRAFT, CLOSED) == "尚未开放的批次不能结束"
    assert transition_refusal(CLOSED, CLOSED) == "该批次已经结束"


def test_dates_and_districts_change_until_the_campaign_closes():
    assert settings_refusal(DRAFT) is None and settings_refusal(OPEN) is None
    assert settings_refusal(CLOSED) == "已结束的验收批次不能再修改"


def test_a_district_with_work_in_the_campaign_stays_in_it():
    assert removal_refusal([]) is None
    assert removal_refusal(["东胜区", "康巴什区"]) == "东胜区、康巴什区在本批次已有检查或证据包，不能移出"


def test_drafts_are_seen_only_by_those_who_manage_campaigns_and_districts_see_what_covers_them():
    assert visible(DRAFT, manages=True, covers=True) and not visible(DRAFT, manages=False, covers=True)
    assert visible(OPEN, manages=False, covers=True) and not visible(OPEN, manages=False, covers=False)
    assert visible(CLOSED, manages=True, covers=False)


def test_default_is_the_newest_open_campaign_else_the_newest_that_was_opened():
    # Newest first, as the campaigns are listed.
    assert default_choice([DRAFT, CLOSED, OPEN, OPEN]) == 2
    assert default_choice([DRAFT, CLOSED, CLOSED]) == 1
    assert default_choice([DRAFT]) is None and default_choice([]) is None


def test_fields_parse_into_dates_a_version_and_districts():
    fields, errors = parse_fields(raw(starts_on="2027/9/1", deadline="2027年12月15日"), NINE)
    assert errors == {}
    assert fields.name == "2027年度自查验收" and fields.starts_on == date(2027, 9, 1)
    assert fields.deadline == date(2027, 12, 15) and fields.checklist_version_id == 4
    assert fields.district_ids == frozenset({1, 2, 3})


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"name": "  "}, "name", "请填写批次名称"),
        ({"name": "批" * 61}, "name", "批次名称不能超过60个字"),
        ({"starts_on": ""}, "starts_on", "请填写开始日期"),
        ({"starts_on": "九月一日"}, "starts_on", "开始日期应写成 2027-09-01 这样的日期"),
        ({"deadline": "2027-02-30"}, "deadline", "截止日期应写成 2027-09-01 这样的日期"),
        ({"deadline": "1999-12-31"}, "deadline", "截止日期应在2000年至2100年之间"),
        ({"deadline": "2027-08-31"}, "deadline", "截止日期不能早于开始日期"),
        ({"checklist_version": ""}, "checklist_version", "请选择核查表版本"),
        ({"checklist_version": "x"}, "checklist_version", "请选择核查表版本"),
        ({"districts": []}, "districts", "请至少选择一个旗区"),
        ({"districts": ["1", "99"]}, "districts", "所选旗区不存在"),
        ({"districts": ["1", "²"]}, "districts", "所选旗区不存在"),
    ],
)
def test_each_bad_field_is_named_in_chinese(overrides, field, message):
    fields, errors = parse_fields(raw(**overrides), NINE)
    assert fields is None and errors == {field: message}
