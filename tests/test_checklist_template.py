import copy
import json

import pytest

from inspect_app.domain.checklist import Outcome, ScoringMode, TemplateError, content_digest, parse_template
from inspect_app.services.demo import default_template


@pytest.fixture
def data():
    return default_template()


def problems_of(data) -> list[str]:
    with pytest.raises(TemplateError) as caught:
        parse_template(data)
    return caught.value.problems


def test_default_template_matches_the_brief(data):
    template = parse_template(data)
    assert [s.title for s in template.sections] == ["基本条件", "标识内容", "运行情况"]
    assert [i.code for i in template.items] == [
        "A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8", "B1", "B2", "B3", "B4", "B5",
        "C1", "C2", "C3", "C4", "C5", "C6"]
    assert sum(i.points for i in template.items) == 100
    assert {i.code for i in template.items if i.critical} == {"A1", "A2", "A3", "A7"}
    required = {(i.code, p.slot) for i in template.items for p in i.photos if p.required}
    assert required == {("A2", "signboard"), ("A4", "bulletin_board")}
    c4 = next(i for i in template.items if i.code == "C4")
    assert c4.scoring is ScoringMode.GRADED and c4.na_allowed and [lv.points for lv in c4.levels] == [8, 4, 0]
    assert [(b.min_score, b.outcome) for b in template.outcome_bands] == [
        (90, Outcome.DEMONSTRATION_ELIGIBLE), (80, Outcome.PASS), (0, Outcome.RECTIFY)]
    assert template.slot_label("bulletin_board") == "宣传栏"


def test_duplicate_item_code_is_named_with_both_places(data):
    data["sections"][1]["items"][0]["code"] = "A3"
    problems = problems_of(data)
    assert any("“A3” 重复" in p and "第1节第3项" in p and "第2节第1项" in p for p in problems), problems


def test_points_not_summing_to_the_total(data):
    data["sections"][0]["items"][0]["points"] = 9
    assert problems_of(data) == ["各项分值合计 101 分，与总分 100 分不符"]


def test_unknown_photo_slot(data):
    data["sections"][0]["items"][1]["photos"][0]["slot"] = "doorplate"
    assert problems_of(data) == ["第1节第2项（A2）引用了未定义的照片栏目 “doorplate”"]


def test_missing_field_and_bad_types(data):
    del data["sections"][2]["items"][0]["text"]
    data["sections"][2]["items"][1]["points"] = "7"
    problems = problems_of(data)
    assert "第3节第1项（C1）缺少字段 “text”" in problems
    assert "第3节第2项（C2）的字段 “points” 类型错误" in problems


def test_unknown_scoring_mode_and_levels_out_of_range(data):
    data["sections"][2]["items"][3]["levels"][0]["points"] = 12
    data["sections"][2]["items"][4]["scoring"] = "stars"
    problems = problems_of(data)
    assert "第3节第4项（C4）的档次分值 12 超出 0 至 8" in problems
    assert any("评分方式 “stars” 未知" in p for p in problems)


def test_outcome_bands_must_start_at_zero(data):
    data["outcome_bands"] = [{"min_score": 80, "outcome": "pass"}]
    assert "结论档次须有一个最低分为 0 的档次，使每个得分都有结论" in problems_of(data)


def test_not_an_object():
    with pytest.raises(TemplateError, match="JSON 对象"):
        parse_template([1, 2])


def test_digest_ignores_key_order_but_not_content(data):
    shuffled = json.loads(json.dumps(data, sort_keys=True))
    assert content_digest(shuffled) == content_digest(data)
    changed = copy.deepcopy(data)
    changed["sections"][0]["items"][0]["guidance"] += "。"
    assert content_digest(changed) != content_digest(data)
