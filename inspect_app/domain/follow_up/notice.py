"""The city's results notice (通报): its states, document number, limits, and the body drafted from the figures.

A notice is laid out as GB/T 9704 lays out official documents: the issuing bureau's red name, the document number
(发文字号, 机关代字〔年份〕序号号), a red rule, the centred title, the body, the bureau's name, the date and the seal.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Sequence

BUREAU = "鄂尔多斯市市场监督管理局"
NUMBER_PREFIX = "鄂市监消"
ADDRESSEE = "各旗区市场监督管理局："
NUMBER_MAX, TITLE_MAX, BODY_MAX = 40, 80, 20000
# 机关代字〔2026〕12号: a code of Chinese characters, the year in hexagonal brackets, a sequence number.
NUMBER_PATTERN = re.compile(r"^[\u4e00-\u9fff]{2,12}〔(19|20)\d{2}〕[1-9]\d{0,3}号$")
HEADING = re.compile(r"^[一二三四五六七八九十]+、")


class NoticeStatus(StrEnum):
    DRAFT = "draft"
    SIGNED = "signed"
    PUBLISHED = "published"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS = {NoticeStatus.DRAFT: "草稿", NoticeStatus.SIGNED: "已签发，待发布", NoticeStatus.PUBLISHED: "已发布"}


def document_number(year: int, sequence: int) -> str:
    """The default document number: 鄂市监消〔2026〕3号."""
    return f"{NUMBER_PREFIX}〔{year}〕{sequence}号"


def default_title(campaign_name: str) -> str:
    return f"关于{campaign_name}12315消费维权服务站验收结果的通报"


def check_fields(number: str, title: str, body: str) -> dict[str, str]:
    """Chinese messages by field for a number, title or body the notice cannot carry; empty when all are fine."""
    errors = {}
    if not number:
        errors["number"] = "请填写文号"
    elif len(number) > NUMBER_MAX:
        errors["number"] = f"文号不能超过{NUMBER_MAX}个字"
    elif not NUMBER_PATTERN.match(number):
        errors["number"] = "文号格式应为“机关代字〔年份〕序号号”，如“鄂市监消〔2026〕3号”（括号为六角括号〔〕）"
    if not title:
        errors["title"] = "请填写标题"
    elif len(title) > TITLE_MAX:
        errors["title"] = f"标题不能超过{TITLE_MAX}个字"
    if not body:
        errors["body"] = "请填写正文"
    elif len(body) > BODY_MAX:
        errors["body"] = f"正文不能超过{BODY_MAX}个字"
    return errors


def digest(number: str, title: str, body: str) -> str:
    """What a version says, as one SHA-256: the page signs only the text it showed."""
    return hashlib.sha256("\x1f".join((number, title, body)).encode()).hexdigest()


@dataclass(frozen=True)
class Paragraph:
    text: str
    heading: bool  # 一、二、…: a first-level heading, set in 黑体 without indent


def paragraphs(body: str) -> list[Paragraph]:
    """The body's non-empty lines as paragraphs; the addressee line and the headings are marked by their form."""
    lines = (line.strip() for line in body.replace("\r\n", "\n").split("\n"))
    return [Paragraph(line, bool(HEADING.match(line))) for line in lines if line]


# ---- the draft -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DistrictLine:
    """One district's results: stations inspected and submitted, outcomes, average score."""

    name: str
    submitted: int
    passed: int  # 合格, those at the 示范站 standard left out
    demonstration_standard: int  # 90 and above with no critical item failed
    rectify: int
    average_score: float | None


@dataclass(frozen=True)
class RectifyLine:
    district: str
    station: str
    score: float
    reasons: tuple[str, ...]  # failed critical items, or "得分低于80分"
    order: str | None  # the rectification order's state label, None when no order was drafted


@dataclass(frozen=True)
class SpotCheckLine:
    district: str
    station: str
    district_score: float
    city_score: float
    district_outcome: str
    city_outcome: str
    disagreements: int


@dataclass(frozen=True)
class NamedStation:
    district: str
    name: str
    host: str


@dataclass(frozen=True)
class NoticeFacts:
    campaign: str
    districts: Sequence[DistrictLine]
    rectify: Sequence[RectifyLine]
    spot_checks: Sequence[SpotCheckLine]
    demonstrations: Sequence[NamedStation]
    odr: Sequence[NamedStation]


NUMERALS = "一二三四五六七八九十"


def _score(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def _results(facts: NoticeFacts) -> list[str]:
    submitted = sum(d.submitted for d in facts.districts)
    passed = sum(d.passed for d in facts.districts)
    standard = sum(d.demonstration_standard for d in facts.districts)
    rectify = sum(d.rectify for d in facts.districts)
    weighted = [(d.average_score, d.submitted) for d in facts.districts if d.average_score is not None]
    total = sum(n for _, n in weighted)
    average = round(sum(s * n for s, n in weighted) / total, 1) if total else None
    lines = [
        f"全市共完成验收服务站{submitted}个，其中合格{passed}个，达到示范站标准{standard}个，"
        f"需整改{rectify}个，平均得分{_score(average)}分。各旗区情况如下："
    ]
    lines += [
        f"{d.name}：完成验收{d.submitted}个，合格{d.passed}个，达到示范站标准{d.demonstration_standard}个，"
        f"需整改{d.rectify}个，平均得分{_score(d.average_score)}分。"
        if d.submitted
        else f"{d.name}：尚未提交验收结果。"
        for d in facts.districts
    ]
    return lines


def _rectify(facts: NoticeFacts) -> list[str]:
    if not facts.rectify:
        return ["本批次验收中没有需整改的服务站。"]
    lines = [f"以下{len(facts.rectify)}个服务站需整改，请所在旗区督促其限期整改并组织复查："]
    for n, r in enumerate(facts.rectify, 1):
        order = f"；整改通知：{r.order}" if r.order else "；尚未下达整改通知"
        lines.append(f"{n}．{r.district} {r.station}（{_score(r.score)}分）：{'；'.join(r.reasons)}{order}。")
    return lines


def _spot_checks(facts: NoticeFacts) -> list[str]:
    if not facts.spot_checks:
        return ["本批次市级抽查尚无已提交的结果。"]
    changed = [s for s in facts.spot_checks if s.city_outcome != s.district_outcome]
    lines = [
        f"市12315消费维权服务中心共抽查服务站{len(facts.spot_checks)}个，"
        f"其中{len(changed)}个抽查结论与旗区自查结论不一致。"
    ]
    for n, s in enumerate(facts.spot_checks, 1):
        verdict = "结论一致" if s.city_outcome == s.district_outcome else "结论不一致"
        lines.append(
            f"{n}．{s.district} {s.station}：旗区自查{_score(s.district_score)}分（{s.district_outcome}），"
            f"市级抽查{_score(s.city_score)}分（{s.city_outcome}），{s.disagreements}项评定不同，{verdict}。"
        )
    return lines


def _named(stations: Sequence[NamedStation], none: str, lead: str) -> list[str]:
    if not stations:
        return [none]
    return [lead.format(n=len(stations))] + [
        f"{n}．{s.district} {s.name}（{s.host}）" for n, s in enumerate(stations, 1)
    ]


def draft_body(facts: NoticeFacts) -> str:
    """The notice's body written from the campaign's figures, for the city to edit: addressee, opening, five
    sections and the requirements."""
    sections = [
        ("各旗区验收结果", _results(facts)),
        ("需整改的服务站", _rectify(facts)),
        ("市级抽查情况", _spot_checks(facts)),
        (
            "确认的示范站",
            _named(
                facts.demonstrations,
                "本批次尚无经市中心确认的示范站。",
                "经旗区推荐、市中心确认，以下{n}个服务站为示范站：",
            ),
        ),
        ("ODR企业", _named(facts.odr, "名录中尚无ODR企业。", "名录中共有ODR企业{n}家：")),
        (
            "工作要求",
            [
                "请各旗区对需整改的服务站逐一下达整改通知，在整改期限内完成复查，并将整改结果报市12315消费维权服务中心。"
                "对抽查结论与自查结论不一致的，请查明原因，完善自查工作。"
            ],
        ),
    ]
    lines = [
        ADDRESSEE,
        f"按照{facts.campaign}工作安排，各旗区对辖区内12315消费维权服务站开展了验收，"
        "市12315消费维权服务中心对各旗区报送的证据材料进行了汇总并组织了抽查。现将有关情况通报如下：",
    ]
    for n, (heading, body) in enumerate(sections):
        lines.append(f"{NUMERALS[n]}、{heading}")
        lines.extend(body)
    return "\n".join(lines)
