from inspect_app.domain.narrative import StationResult, draft_narrative


def test_draft_counts_recommends_and_lists_what_to_rectify():
    results = [
        StationResult("甲超市服务站", "超市", "可推荐示范站", 96.0, (), True),
        StationResult("乙商场服务站", "商场", "需整改", 70.0, ("A2 标识标志牌悬挂在醒目位置", "A4 设有宣传栏"), False),
        StationResult("丙超市服务站", "超市", "合格", 85.0, ("A4 设有宣传栏",), False),
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
