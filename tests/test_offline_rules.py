"""Outcome bands and labels decided once in the domain: the recommendation rule quotes the version's own bands, and
the phone's scripts receive every label instead of carrying copies."""

from __future__ import annotations

import json
from html import unescape
from pathlib import Path

import pytest

from inspect_app.demo.seed import default_template
from inspect_app.domain.checklists.checklist import Outcome, OutcomeBand, outcome_scores, parse_template
from inspect_app.domain.inspections import InspectionStatus, may_recommend
from inspect_app.domain.offline import offline_rules

STATIC = Path(__file__).parents[1] / "static"
STRICTER = (
    OutcomeBand(85, Outcome.DEMONSTRATION_ELIGIBLE),
    OutcomeBand(70, Outcome.PASS),
    OutcomeBand(0, Outcome.RECTIFY),
)


def test_outcome_scores_name_the_band_of_the_version():
    bands = parse_template(default_template()).outcome_bands
    assert outcome_scores(bands, Outcome.DEMONSTRATION_ELIGIBLE) == "90分及以上"
    assert outcome_scores(STRICTER, Outcome.DEMONSTRATION_ELIGIBLE) == "85分及以上"
    assert outcome_scores(STRICTER, Outcome.PASS) == "70至84分"
    assert outcome_scores(STRICTER[1:], Outcome.DEMONSTRATION_ELIGIBLE) is None


def test_recommendation_quotes_the_versions_standard_not_a_fixed_one():
    assert may_recommend(InspectionStatus.SUBMITTED, Outcome.DEMONSTRATION_ELIGIBLE, STRICTER) is None
    refused = may_recommend(InspectionStatus.SUBMITTED, Outcome.PASS, STRICTER)
    assert refused == "得分达到示范站标准（85分及以上且无关键项不符合）的服务站才能推荐为示范站"
    assert "可推荐示范站" in may_recommend(InspectionStatus.ACCEPTED, Outcome.PASS, STRICTER[1:])
    assert (
        may_recommend(InspectionStatus.IN_PROGRESS, Outcome.DEMONSTRATION_ELIGIBLE, STRICTER) == "只能推荐已提交的检查"
    )


def test_offline_rules_are_json_and_cover_every_code_the_api_sends():
    rules = json.loads(json.dumps(offline_rules(), ensure_ascii=False))
    assert set(rules["outcomes"]) == {o.value for o in Outcome}
    assert rules["roles"] == [["representative", "服务站代表"], ["inspector", "检查员"]]
    assert set(rules["statuses"]) == {"not_started"} | {s.value for s in InspectionStatus}
    assert rules["positions"] == {"browser": "拍摄时手机定位", "exif": "照片 GPS 位置"}


def _labels(rules):
    """Every label in the rules: the values of the maps, the second of the [code, label] pairs."""
    return [
        label for part in rules.values() for label in (part.values() if isinstance(part, dict) else dict(part).values())
    ]


@pytest.mark.parametrize(
    "script", ["pwa/rules.js", "pwa/app.js", "pwa/station.js", "checklist_preview.js", "inspect.js"]
)
def test_the_phones_scripts_copy_no_label(script):
    text = (STATIC / script).read_text(encoding="utf-8")
    copied = [label for label in _labels(offline_rules()) if f'"{label}"' in text]
    assert copied == []


def test_the_offline_shell_carries_the_labels_for_a_bootstrap_kept_from_before(client, login_as):
    # A phone may hold a bootstrap saved before the labels were sent; the shell, cached with the scripts, has them.
    login_as("inspector", "150602")
    html = client.get("/inspect/app").get_data(as_text=True)
    carried = html.split("data-rules='", 1)[1].split("'", 1)[0]
    assert json.loads(unescape(carried)) == json.loads(json.dumps(offline_rules(), ensure_ascii=False))
