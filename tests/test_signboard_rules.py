"""The signboard rules: what a plaque still lacks, whom it names as the officer, and what a scanned code says."""

from inspect_app.domain.directory.signboards import (
    Person,
    PlaqueFacts,
    PlaqueFinding,
    SignboardKind,
    normalise_short_code,
    plaque_finding,
    plaque_gaps,
    printed_short_code,
    responsible_officer,
    token_in,
)

TOKEN = "q2Vx-9_AbCdEfGhIjKlMnOpQr"


def facts(**changes) -> PlaqueFacts:
    values = dict(
        name="东胜区万达广场消费维权服务站",
        retired=False,
        demonstration=False,
        staff=(Person("王丽", "13800000001", "ab/photo.jpg", "站长"),),
        officer=Person("李强", "0477-8888888", "cd/officer.jpg"),
    )
    values.update(changes)
    return PlaqueFacts(**values)


def test_a_complete_station_can_be_printed_as_attachment_1_but_not_as_2_until_confirmed():
    assert plaque_gaps(facts(), SignboardKind.STATION) == []
    assert plaque_gaps(facts(), SignboardKind.DEMONSTRATION) == ["未经市级确认为示范站，不能制作示范站牌匾（附件2）"]
    assert plaque_gaps(facts(demonstration=True), SignboardKind.DEMONSTRATION) == []


def test_each_missing_thing_is_named_once_in_chinese():
    gaps = plaque_gaps(
        facts(staff=(Person("王丽", None, None), Person("赵敏", "139", "x.jpg")), officer=None), SignboardKind.STATION
    )
    assert gaps == [
        "工作人员王丽没有照片",
        "工作人员王丽没有电话",
        "没有责任监管人员（所属监管所未设置，本站也未指定）",
    ]
    assert plaque_gaps(facts(staff=()), SignboardKind.STATION) == ["没有登记工作人员"]
    assert plaque_gaps(facts(officer=Person("李强", None, None)), SignboardKind.STATION) == [
        "责任监管人员李强没有照片",
        "责任监管人员李强没有电话",
    ]
    assert plaque_gaps(facts(retired=True), SignboardKind.STATION) == ["服务站已撤销，不再制作牌匾"]


def test_the_station_officer_replaces_the_office_one_as_a_whole():
    own, office = Person("张三", "1", None), Person("李四", "2", "p.jpg")
    assert responsible_officer(own, office) is own
    assert responsible_officer(None, office) is office
    assert responsible_officer(Person("", None, None), office) is office
    assert responsible_officer(None, None) is None


def test_short_codes_are_read_as_typed_and_printed_in_two_halves():
    assert normalise_short_code("abcd-efgh") == "ABCDEFGH"
    assert normalise_short_code("abcd-efgi") is None  # I is never printed (it reads as 1)
    assert normalise_short_code(" 7k3m-9pxq ") == "7K3M9PXQ"
    assert normalise_short_code("7K3M 9PX") is None  # too short
    assert normalise_short_code("7K3M-9PX0") is None  # 0 is never printed
    assert printed_short_code("7K3M9PXQ") == "7K3M-9PXQ"


def test_a_token_is_found_in_the_public_address_or_alone():
    assert token_in(f"https://12315.ordos.gov.cn/s/{TOKEN}") == TOKEN
    assert token_in(f"http://127.0.0.1:5000/s/{TOKEN}/?from=qr#top") == TOKEN
    assert token_in(TOKEN) == TOKEN
    assert token_in("https://example.com/s/<script>") is None
    assert token_in("7K3M-9PXQ") is None


def test_a_plaque_is_judged_against_the_station_inspected():
    assert plaque_finding(None, False, 5) is PlaqueFinding.UNKNOWN
    assert plaque_finding(6, False, 5) is PlaqueFinding.OTHER_STATION
    assert plaque_finding(5, True, 5) is PlaqueFinding.WITHDRAWN
    assert plaque_finding(5, False, 5) is PlaqueFinding.CURRENT
    assert PlaqueFinding.WITHDRAWN.belongs and not PlaqueFinding.WITHDRAWN.is_current
    assert not PlaqueFinding.OTHER_STATION.belongs
