from inspect_app.domain.evidence.fingerprint import contents, described, fingerprint


def test_a_change_is_described_by_the_parts_it_touched():
    before = contents({"服务站 001 甲 的检查": {"score": 90}, "服务站 002 乙 的检查": {"score": 80}, "文字说明": "x"})
    after = contents({"服务站 001 甲 的检查": {"score": 95}, "文字说明": "x", "服务站 003 丙 的检查": {}})
    assert described(before, after) == [
        "服务站 001 甲 的检查：有改动",
        "服务站 002 乙 的检查：已移除",
        "服务站 003 丙 的检查：新增",
    ]
    assert described(before, dict(before)) == [] and fingerprint(before) != fingerprint(after)
