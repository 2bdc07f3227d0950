"""The offline app in Chromium at phone size: a cut upload resumes, edits from two places wait for a choice, and the
phone scores as the server does. (The whole inspection without the server, in every engine:
test_offline_engines_browser.py.)"""

import hashlib
import io
import math
import random
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import func, select

from inspect_app.campaigns import operations as campaigns
from inspect_app.demo.seed import default_template
from inspect_app.inspection import operations as inspections
from inspect_app.models import AnswerConflict, Inspection, Upload

from .offline import controlled, go_offline, go_online, hang_up, idle, signed_in_phone, stopped, synced

pytestmark = pytest.mark.browser
CHUNK = 512 * 1024
ITEMS = 19


@pytest.fixture
def app_page(field, browser, live_server):
    """Signed in, with the app opened once online: its shell kept by the service worker, its data in IndexedDB."""
    page = signed_in_phone(browser, live_server, "inspector.ds")
    page.goto(live_server + "/inspect/app")
    controlled(page)
    page.wait_for_selector("#sync-status:has-text('已同步')")
    idle(page)  # a sync asked for during the first one runs right after it: let it finish before going offline
    yield page
    page.context.close()


def noisy_jpeg(width: int = 2000, height: int = 1500) -> bytes:
    """A JPEG of noise, which does not compress: well over 1 MB."""
    image = Image.frombytes("RGB", (width, height), random.Random(7).randbytes(width * height * 3))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def test_cut_photo_upload_resumes_from_its_last_chunk(field, app_page, app, monkeypatch, session, tmp_path):
    user, station, recorder = field
    page = app_page
    data = noisy_jpeg()
    assert len(data) > 3 * CHUNK
    path = tmp_path / "big.jpg"
    path.write_bytes(data)
    page.click(f"[data-station='{station.id}'] button:has-text('开始检查')")
    synced(page)

    arrived, aborted, down = [], [], [True]
    inner = app.wsgi_app

    def cut(environ, start_response):
        # The connection drops halfway through the photo and stays down: a sync the app had queued meanwhile (it may
        # run right after) stops at the same chunk, so the page settles on 网络不可用. Cut at the server, as the
        # Gate does: a browser route can miss a request of a page a service worker controls (it once let every
        # chunk through in CI).
        if environ["REQUEST_METHOD"] == "PUT" and environ["PATH_INFO"].startswith("/api/v1/uploads/"):
            offset = int(parse_qs(environ["QUERY_STRING"])["offset"][0])
            if down[0] and offset >= len(data) // 2:
                aborted.append(offset)
                hang_up(environ)
            arrived.append((offset, int(environ.get("CONTENT_LENGTH") or 0)))
        return inner(environ, start_response)

    monkeypatch.setattr(app, "wsgi_app", cut)
    page.locator("#slot-signboard input[type=file]:not([capture])").set_input_files(str(path))
    stopped(page)
    assert aborted and aborted[0] % CHUNK == 0 and set(aborted) == {aborted[0]}
    session.expire_all()
    assert session.scalars(select(Upload)).one().received == aborted[0]  # the server kept the first half

    down[0] = False
    page.click("#sync-now")
    synced(page)
    offsets = [offset for offset, _ in arrived]
    assert sum(size for _, size in arrived) == len(data)  # every byte once: no restart from 0
    assert offsets == list(range(0, len(data), CHUNK)) and len(arrived) == math.ceil(len(data) / CHUNK)
    session.expire_all()
    inspection = session.scalars(select(Inspection)).one()
    assert [p.sha256 for p in inspection.photos] == [hashlib.sha256(data).hexdigest()]
    expect(page.locator("#slot-signboard figure.photo")).to_contain_text("已上传")


def test_edits_from_two_places_stay_until_the_inspector_chooses(field, app_page, session):
    user, station, recorder = field
    page = app_page
    page.click(f"[data-station='{station.id}'] button:has-text('开始检查')")
    page.locator("#item-A1 label.choice-pass").click()
    synced(page)

    go_offline(page)
    page.locator("#item-A1 label.choice-fail").click()  # made on the phone, based on version 1
    session.expire_all()
    inspection = session.scalars(select(Inspection)).one()
    inspections.answer_item(session, user.actor, inspection.id, "A1", "pass", None, "另一台设备的备注")

    go_online(page)
    card = page.locator(".conflict-card")
    card.wait_for()
    text = card.inner_text()
    assert "服务器上的结果" in text and "符合 · 备注：另一台设备的备注" in text
    assert "本机的修改" in text and "不符合" in text
    session.expire_all()
    assert (
        session.scalar(select(func.count()).select_from(AnswerConflict).where(AnswerConflict.resolved_at.is_(None)))
        == 1
    )
    assert {a.item_code: a.verdict.value for a in inspection.answers}["A1"] == "pass"  # nothing overwritten

    card.locator("button:has-text('采用本机的修改')").click()
    card.wait_for(state="detached")
    synced(page)
    session.expire_all()
    a1 = next(a for a in session.scalars(select(Inspection)).one().answers if a.item_code == "A1")
    assert a1.verdict.value == "fail" and a1.version == 3
    assert (
        session.scalar(select(func.count()).select_from(AnswerConflict).where(AnswerConflict.resolved_at.is_(None)))
        == 0
    )
    expect(page.locator("#item-A1 input[value=fail]")).to_be_checked()


def test_phone_scores_and_checks_submission_as_the_server_does(browser):
    """rules.js against domain/scoring.py and domain/inspections.py on many random answer sets."""
    from inspect_app.domain.checklists.checklist import OUTCOME_LABELS, parse_template
    from inspect_app.domain.checklists.scoring import check_answer, score
    from inspect_app.domain.inspections import SignatureRole, missing_for_submit
    from inspect_app.domain.offline import offline_rules

    page = browser.new_page()
    page.set_content("<script>" + (Path(__file__).parents[2] / "static/pwa/rules.js").read_text() + "</script>")
    page.evaluate("rules => Inspect.rules.use(rules)", offline_rules())  # as the bootstrap hands them over
    rng = random.Random(4)
    stricter = {
        **default_template(),
        "outcome_bands": [
            {"min_score": 85, "outcome": "demonstration_eligible"},
            {"min_score": 70, "outcome": "pass"},
            {"min_score": 0, "outcome": "rectify"},
        ],
    }
    cases = []
    for data in (default_template(), stricter):
        template = parse_template(data)
        for _ in range(150):
            answers = {}
            for item in template.items:
                # Mostly passes, so every outcome band is reached.
                choice = rng.choices(["skip", "pass", "fail", "na" if item.na_allowed else "pass"], [1, 30, 2, 2])[0]
                if choice == "skip":
                    continue
                points = None
                if item.scoring.value == "graded" and choice == "pass":
                    points = rng.choice([lvl.points for lvl in item.levels] or list(range(item.points + 1)))
                answers[item.code] = check_answer(item, choice, points)
            slots = [s.code for s in template.photo_slots if rng.random() < 0.5]
            roles = [r for r in SignatureRole if rng.random() < 0.5]
            result = score(template, answers)
            cases.append(
                {
                    "checklist": data,
                    "slots": slots,
                    "roles": [r.value for r in roles],
                    "answers": {code: {"verdict": a.verdict.value, "points": a.points} for code, a in answers.items()},
                    "expected": {
                        "score": result.rounded,
                        "outcome": result.outcome.value,
                        "outcome_label": OUTCOME_LABELS[result.outcome],
                        "failed": list(result.failed_critical),
                        "unanswered": list(result.unanswered),
                        "missing": missing_for_submit(template, answers, slots, roles),
                    },
                }
            )
    got = page.evaluate(
        """cases => cases.map(c => {
        const r = Inspect.rules.score(c.checklist, c.answers);
        return {score: r.score, outcome: r.outcome, outcome_label: r.outcome_label, failed: r.failed_critical,
                unanswered: r.unanswered,
                missing: Inspect.rules.missing(c.checklist, c.answers, c.slots, c.roles)};
    })""",
        cases,
    )
    page.close()
    mismatches = [(case["answers"], case["expected"], g) for case, g in zip(cases, got) if case["expected"] != g]
    assert not mismatches, mismatches[:3]
    assert {c["expected"]["outcome"] for c in cases} == {"rectify", "pass", "demonstration_eligible"}


def test_a_station_begun_offline_opens_in_the_campaign_the_phone_showed(field, app_page, session, live_server):
    user, station, recorder = field
    earlier = campaigns.current_campaign(session)
    later = campaigns.create_campaign(
        session, "2027年度自查验收", date(2027, 9, 1), date(2027, 12, 15), earlier.checklist_version_id
    )
    page = app_page
    page.reload()
    synced(page)
    idle(page)
    expect(page.locator("body")).to_contain_text("2027年度自查验收")  # the newest open campaign, as bootstrapped
    go_offline(page)
    page.click(f"[data-station='{station.id}'] button:has-text('开始检查')")
    page.locator("#item-A1 label.choice-pass").click()
    expect(page.locator("#sync-badge")).to_contain_text("待同步")
    # Back at the office, the inspector reads last year's campaign on the web pages before the phone syncs.
    page.context.unroute("**/*")
    page.context.route("**/api/v1/**", lambda route: route.abort("internetdisconnected"))
    page.context.set_offline(False)
    reader = page.context.new_page()
    reader.goto(f"{live_server}/inspect/?campaign={earlier.id}")
    expect(reader.get_by_label("验收批次").locator("option:checked")).to_contain_text("2026年度自查验收")
    reader.close()
    page.context.unroute("**/api/v1/**")
    page.click("#sync-now")
    synced(page)
    session.expire_all()
    opened = session.scalars(select(Inspection)).one()
    assert opened.campaign_id == later.id  # not the campaign chosen since
