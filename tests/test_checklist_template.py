import copy
import json

import pytest

from inspect_app.demo.seed import default_template
from inspect_app.domain.checklists.checklist import (
    Outcome,
    ScoringMode,
    TemplateError,
    band_descriptions,
    canonical_data,
    content_digest,
    parse_template,
    template_digest,
    template_problems,
)


@pytest.fixture
def data():
    return default_template()


def problems_of(data) -> list[str]:
    with pytest.raises(TemplateError) as caught:
        parse_template(data)
    return [str(problem) for problem in caught.value.problems]


def located(data) -> dict[str, list[str]]:
    """Each problem's message under the field it is about."""
    found: dict[str, list[str]] = {}
    for problem in template_problems(data):
        found.setdefault(problem.path, []).append(problem.message)
    return found


def test_default_template_matches_the_brief(data):
    template = parse_template(data)
    assert [s.title for s in template.sections] == ["基本条件", "标识内容", "运行情况"]
    assert [i.code for i in template.items] == [
        "A1",
        "A2",
        "A3",
        "A4",
        "A5",
        "A6",
        "A7",
        "A8",
        "B1",
        "B2",
        "B3",
        "B4",
        "B5",
        "C1",
        "C2",
        "C3",
        "C4",
        "C5",
        "C6",
    ]
    assert sum(i.points for i in template.items) == 100
    assert {i.code for i in template.items if i.critical} == {"A1", "A2", "A3", "A7"}
    required = {(i.code, p.slot) for i in template.items for p in i.photos if p.required}
    assert required == {("A2", "signboard"), ("A4", "bulletin_board")}
    c4 = next(i for i in template.items if i.code == "C4")
    assert c4.scoring is ScoringMode.GRADED and c4.na_allowed and [lv.points for lv in c4.levels] == [8, 4, 0]
    assert [(b.min_score, b.outcome) for b in template.outcome_bands] == [
        (90, Outcome.DEMONSTRATION_ELIGIBLE),
        (80, Outcome.PASS),
        (0, Outcome.RECTIFY),
    ]
    assert template.slot_label("bulletin_board") == "宣传栏"
    assert template_problems(data) == []


def test_duplicate_item_code_is_named_with_both_places(data):
    data["sections"][1]["items"][0]["code"] = "A3"
    problems = problems_of(data)
    assert any("“A3” 重复" in p and "第1节第3项" in p and "第2节第1项" in p for p in problems), problems
    assert "sections.1.items.0.code" in located(data)


def test_points_not_summing_to_the_total(data):
    data["sections"][0]["items"][0]["points"] = 9
    assert problems_of(data) == ["各项分值合计 101 分，与总分 100 分不符"]
    assert list(located(data)) == ["total_points"]


def test_the_sum_is_checked_even_while_other_fields_are_wrong(data):
    # The editor shows every problem at once: a blank text elsewhere does not hide the sum.
    data["sections"][0]["items"][0]["points"] = 9
    data["sections"][1]["items"][0]["text"] = ""
    assert located(data) == {
        "total_points": ["各项分值合计 101 分，与总分 100 分不符"],
        "sections.1.items.0.text": ["第2节第1项（B1）的核查内容不能为空"],
    }


def test_unknown_photo_slot(data):
    data["sections"][0]["items"][1]["photos"][0]["slot"] = "doorplate"
    assert problems_of(data) == ["第1节第2项（A2）引用了未定义的照片栏目 “doorplate”"]
    assert list(located(data)) == ["sections.0.items.1.photos.0.slot"]


def test_missing_field_and_bad_types_are_named_in_chinese(data):
    del data["sections"][2]["items"][0]["text"]
    data["sections"][2]["items"][1]["points"] = "7"
    data["sections"][2]["items"][2]["critical"] = "yes"
    data["sections"][0]["items"][0]["points"] = 4.9
    assert located(data) == {
        "sections.2.items.0.text": ["第3节第1项（C1）缺少核查内容"],
        "sections.2.items.1.points": ["第3节第2项（C2）的分值应为整数，实为“7”"],
        "sections.2.items.2.critical": ["第3节第3项（C3）的关键项应为“是”或“否”"],
        "sections.0.items.0.points": ["第1节第1项（A1）的分值应为整数，实为“4.9”"],
    }


def test_unknown_scoring_mode_and_levels_out_of_range(data):
    data["sections"][2]["items"][3]["levels"][0]["points"] = 12
    data["sections"][2]["items"][4]["scoring"] = "stars"
    found = located(data)
    assert found["sections.2.items.3.levels.0.points"] == ["第3节第4项（C4）的第1档分值 12 超出 0 至 8"]
    assert found["sections.2.items.4.scoring"] == [
        "第3节第5项（C5）的评分方式 “stars” 未知，应为 pass_fail（符合/不符合）或 graded（评分）"
    ]


def test_blank_texts_bad_codes_and_too_long_texts(data):
    data["name"] = "  "
    data["sections"][0]["code"] = "A 1"
    data["sections"][0]["items"][0]["code"] = "A1/2"
    data["sections"][0]["items"][1]["text"] = "长" * 301
    data["sections"][2]["items"][3]["levels"][1]["label"] = ""
    data["photo_slots"][0]["label"] = "标识\x07"
    assert located(data) == {
        "name": ["核查表名称不能为空"],
        "sections.0.code": ["第1节的节代码“A 1”只能由英文字母、数字、“-”和“_”组成"],
        "sections.0.items.0.code": ["第1节第1项的项目代码“A1/2”只能由英文字母、数字、“-”和“_”组成"],
        "sections.0.items.1.text": ["第1节第2项（A2）的核查内容不能超过300个字，现有301个字"],
        "sections.2.items.3.levels.1.label": ["第3节第4项（C4）的第2档说明不能为空"],
        "photo_slots.0.label": ["第1个照片栏目的名称含有无法显示的控制字符"],
    }


def test_levels_only_for_graded_items_and_each_level_points_once(data):
    data["sections"][0]["items"][0]["levels"] = [{"points": 8, "label": "有"}]
    data["sections"][2]["items"][3]["levels"][1]["points"] = 8
    found = located(data)
    assert found["sections.0.items.0.levels"] == ["第1节第1项（A1）为“符合/不符合”评分，不能设置档次"]
    assert found["sections.2.items.3.levels.1.points"] == ["第3节第4项（C4）的第2档分值 8 与第1档重复"]


def test_outcome_bands_must_start_at_zero(data):
    data["outcome_bands"] = [{"min_score": 80, "outcome": "pass"}]
    assert "结论档次须有一个最低分为 0 的档次，使每个得分都有结论" in problems_of(data)
    assert "outcome_bands" in located(data)


def test_band_problems_name_the_band_as_given_not_as_sorted(data):
    data["outcome_bands"] = [
        {"min_score": 0, "outcome": "rectify"},
        {"min_score": 101, "outcome": "pass"},
        {"min_score": 90, "outcome": "gold"},
    ]
    found = located(data)
    assert found["outcome_bands.1.min_score"] == ["第2个结论档次的最低分 101 应在 0 至 100 之间"]
    assert found["outcome_bands.2.outcome"] == [
        "第3个结论档次的结论 “gold” 未知，应为 demonstration_eligible（可推荐示范站）、pass（合格）或 rectify（需整改）"
    ]


def test_a_section_without_items_and_a_template_without_sections():
    data = default_template()
    data["sections"][1]["items"] = []
    data["total_points"] = 85
    assert located(data) == {"sections.1.items": ["第2节没有任何项目"]}
    data["sections"] = []
    assert located(data)["sections"] == ["核查表没有任何节"]


def test_not_an_object():
    with pytest.raises(TemplateError, match="JSON 对象"):
        parse_template([1, 2])


def test_digest_ignores_key_order_but_not_content(data):
    shuffled = json.loads(json.dumps(data, sort_keys=True))
    assert content_digest(shuffled) == content_digest(data)
    changed = copy.deepcopy(data)
    changed["sections"][0]["items"][0]["guidance"] += "。"
    assert content_digest(changed) != content_digest(data)


def test_canonical_data_spells_out_every_default_and_parses_to_the_same_template(data):
    canonical = canonical_data(parse_template(data))
    b1 = canonical["sections"][1]["items"][0]
    assert b1 == {
        "code": "B1",
        "text": "标志牌标明服务站名称",
        "guidance": "",
        "points": 3,
        "scoring": "pass_fail",
        "critical": False,
        "na_allowed": False,
        "photos": [],
        "levels": [],
    }
    assert parse_template(canonical) == parse_template(data)
    assert canonical_data(parse_template(canonical)) == canonical


def test_the_template_digest_is_the_same_however_the_defaults_were_written(data):
    explicit = canonical_data(parse_template(data))
    padded = copy.deepcopy(explicit)
    padded["sections"][0]["items"][0]["text"] = "  " + padded["sections"][0]["items"][0]["text"] + " "
    padded["outcome_bands"].reverse()
    assert template_digest(parse_template(data)) == template_digest(parse_template(padded)) == content_digest(explicit)
    explicit["sections"][0]["items"][0]["critical"] = False
    assert template_digest(parse_template(explicit)) != template_digest(parse_template(data))


def test_band_descriptions_say_which_scores_each_band_takes(data):
    template = parse_template(data)
    assert [text for _, text in band_descriptions(template.outcome_bands)] == ["90分及以上", "80至89分", "80分以下"]


def test_one_line_fields_refuse_line_breaks(data):
    # A level or a slot is one line of the editor's box and of a printed cell; texts may have several lines.
    data["sections"][2]["items"][3]["levels"][0]["label"] = "和解率\n≥90%"
    data["photo_slots"][1]["label"] = "宣传\n栏"
    data["sections"][0]["items"][0]["text"] += "\n（含接待区）"
    assert located(data) == {
        "sections.2.items.3.levels.0.label": ["第3节第4项（C4）的第1档说明不能换行"],
        "photo_slots.1.label": ["第2个照片栏目的名称不能换行"],
    }
