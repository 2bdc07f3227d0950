from inspect_app.domain.checklists.checklist import Outcome
from inspect_app.domain.evidence.narrative import StationResult, draft_narrative


def test_draft_counts_recommends_and_lists_what_to_rectify():
    results = [
        StationResult("甲超市服务站", "超市", Outcome.DEMONSTRATION_ELIGIBLE, 96.0, (), True),
        StationResult(
            "乙商场服务站", "商场", Outcome.RECTIFY, 70.0, ("A2 标识标志牌悬挂在醒目位置", "A4 设有宣传栏"), False
        ),
        StationResult("丙超市服务站", "超市", Outcome.PASS, 85.0, ("A4 设有宣传栏",), False),
        StationResult("丁市场服务站", "市场", None, None, (), False),
    ]
    text = draft_narrative("东胜区", "2026年度自查验收", 5, results)
    assert "名录在册服务站5个，本次完成自查验收3个，尚有2个未完成。" in text
    assert "按依托单位类型：商场1个，超市2个。" in text
    assert "平均得分83.7分" in text
    assert "推荐甲超市服务站为示范站。" in text
    assert "A4 设有宣传栏（2个服务站）" in text.split("三、")[1].split("；")[0]
    assert "1. 乙商场服务站：A2 标识标志牌悬挂在醒目位置；A4 设有宣传栏。" in text
    assert "丙超市服务站：" not in text.split("四、")[1]


def test_draft_without_results():
    text = draft_narrative("杭锦旗", "2026年度自查验收", 0, [])
    assert "本次暂不推荐示范站" in text and "未发现不符合项" in text and "无需整改的服务站" in text


def _figures(**overrides):
    from inspect_app.domain.evidence.narrative import Figures

    values = {
        "stations": 5,
        "done": 3,
        "outcomes": {Outcome.DEMONSTRATION_ELIGIBLE: 1, Outcome.PASS: 1, Outcome.RECTIFY: 1},
        "average_score": 83.7,
        "recommended": ("甲超市服务站",),
    }
    values.update(overrides)
    return Figures(**values)


def test_a_draft_quotes_its_own_figures_right():
    from inspect_app.domain.evidence.narrative import figure_mismatches

    results = [
        StationResult("甲超市服务站", "超市", Outcome.DEMONSTRATION_ELIGIBLE, 96.0, (), True),
        StationResult("乙商场服务站", "商场", Outcome.RECTIFY, 70.0, ("A4 设有宣传栏",), False),
        StationResult("丙超市服务站", "超市", Outcome.PASS, 85.0, (), False),
    ]
    assert figure_mismatches(draft_narrative("东胜区", "2026年度自查验收", 5, results), _figures()) == []
    assert (
        figure_mismatches(
            draft_narrative("杭锦旗", "2026年度自查验收", 0, []),
            _figures(stations=0, done=0, outcomes={}, average_score=None, recommended=()),
        )
        == []
    )


def test_figures_quoted_anywhere_that_differ_are_named():
    from inspect_app.domain.evidence.narrative import figure_mismatches

    text = (
        "本旗区名录在册服务站6个，本次完成自查验收3个，尚有3个未完成。\n验收结论：合格2个，需整改1个，"
        "平均得分90.1分。不合格0个。推荐甲超市服务站、乙商场服务站为示范站。"
    )
    assert figure_mismatches(text, _figures()) == [
        "文字说明中写“名录在册服务站6个”，本版实际为5个",
        "文字说明中写“尚有3个未完成”，本版实际为2个",
        "文字说明中写“合格2个”，本版实际为1个",
        "文字说明中写“平均得分90.1分”，本版实际为83.7分",
        "文字说明中写“推荐甲超市服务站、乙商场服务站为示范站”，本版推荐的是甲超市服务站",
    ]


def test_figures_the_version_does_not_have_are_named_too():
    from inspect_app.domain.evidence.narrative import figure_mismatches

    none_done = _figures(done=0, outcomes={}, average_score=None, recommended=())
    assert figure_mismatches(
        "完成自查验收1个，尚有4个未完成，可推荐示范站1个，平均得分96分。推荐甲为示范站。", none_done
    ) == [
        "文字说明中写“完成自查验收1个”，本版实际为0个",
        "文字说明中写“尚有4个未完成”，本版实际为5个",
        "文字说明中写“可推荐示范站1个”，本版实际为0个",
        "文字说明中写“平均得分96分”，本版没有已完成的检查",
        "文字说明中写“推荐甲为示范站”，本版没有推荐示范站",
    ]
    assert figure_mismatches("本次暂不推荐示范站。", _figures()) == [
        "文字说明中写“暂不推荐示范站”，本版推荐的是甲超市服务站"
    ]
    assert figure_mismatches("没有数字的说明。", _figures()) == []
