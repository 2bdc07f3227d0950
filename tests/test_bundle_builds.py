"""One build per district and campaign at a time: a second request joins the first; a build whose process died
is recognised as interrupted by its silence and can be built again; a version is signed once."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest
from photo_factory import signature_png
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from support import PIN, AuthActions, accepted_inspection_submitted, keyed, make_station, make_user

from inspect_app.bundles import builds as bundle_builds
from inspect_app.bundles import operations as bundles
from inspect_app.bundles import views as bundle_views
from inspect_app.campaigns import operations as campaigns
from inspect_app.models import Bundle, BundleStatus, Campaign, Station, User
from inspect_app.models.types import utcnow
from inspect_app.shared.errors import Invalid


@pytest.fixture
def builds(monkeypatch):
    """The builds the pages start, recorded instead of run: (bundle id, token)."""
    started: list[tuple[int, str]] = []
    monkeypatch.setattr(
        bundle_views,
        "_build_in_background",
        lambda app, bundle_id, leader_name, token: started.append((bundle_id, token)),
    )
    return started


def _clicks(app, count: int = 2) -> list[int]:
    """The leader's 生成证据包 clicked `count` times at the same moment (two tabs, a double click)."""
    clients = [app.test_client() for _ in range(count)]
    for client in clients:
        assert AuthActions(client).login("leader.ds").status_code == 302
    start, answers = threading.Barrier(count), []

    def click(client) -> None:
        start.wait()
        answers.append(client.post("/review/bundle/build", data={"narrative": "东胜区文字说明。"}).status_code)

    threads = [threading.Thread(target=click, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_two_build_requests_at_once_start_one_build(app, session, season, builds):
    assert _clicks(app) == [302, 302]
    assert session.scalar(select(func.count()).select_from(Bundle)) == 1
    assert len(builds) == 1, builds  # the second joined the first
    bundle_id, token = builds[0]
    bundle = bundles.build_preview(
        session, app.extensions["filestore"], bundle_id, "分管领导", Path(app.instance_path), token
    )
    assert bundle.status is BundleStatus.READY and bundle.preview_key
    # Built again (a changed narrative), twice at once: still one build.
    builds.clear()
    assert _clicks(app) == [302, 302]
    assert len(builds) == 1 and session.scalar(select(func.count()).select_from(Bundle)) == 1


def test_a_build_that_stopped_beating_is_shown_interrupted_and_can_be_built_again(
    app, client, auth, session, season, builds
):
    auth.login("leader.ds")
    client.post("/review/bundle/build", data={"narrative": "文字说明。"})
    ((bundle_id, dead_token),) = builds
    assert client.get(f"/review/bundle/{bundle_id}/status").get_json()["status"] == "building"
    # Its process was killed: nothing beats for it any more.
    session.execute(
        update(Bundle)
        .where(Bundle.id == bundle_id)
        .values(heartbeat_at=utcnow() - timedelta(seconds=app.config["BUNDLE_BUILD_STALE_SECONDS"] + 1))
    )
    session.commit()
    state = client.get(f"/review/bundle/{bundle_id}/status").get_json()
    assert (state["status"], state["label"]) == ("interrupted", "生成中断")
    page = client.get("/review/bundle/").get_data(as_text=True)
    assert "生成中断" in page and "重新生成证据包" in page
    client.post("/review/bundle/build", data={"narrative": "文字说明。"})
    assert len(builds) == 2 and builds[1][1] != dead_token
    # Should the old build come back to life, it finds its claim gone and stops without touching the bundle.
    with pytest.raises(bundle_builds.BuildLost):
        bundle_builds.report(session, bundle_id, dead_token, progress=50)
    session.rollback()
    assert session.get(Bundle, bundle_id).claim_token == builds[1][1]


def test_the_heartbeat_keeps_a_long_step_alive(app, session, season, monkeypatch):
    leader = season["leader"]
    bundle, token = bundles.begin_build(
        session, leader.actor, leader.district_id, season["campaign"].id, "文字说明。", stale_after_s=1
    )
    claimed_at = bundle.heartbeat_at
    real_write = bundles.write_report
    seen: list[list[int]] = []

    def slow_write(*args, **kwargs):
        # One layout step that lasts longer than the stale time: held until the heartbeat has beaten past it.
        watcher = app.extensions["db_sessionmaker"]()
        beat = threading.Event()
        for _ in range(200):
            watcher.expire_all()
            if watcher.get(Bundle, bundle.id).heartbeat_at > claimed_at + timedelta(seconds=1.5):
                beat.set()
                break
            watcher.rollback()
            beat.wait(0.05)
        assert beat.is_set(), "the heartbeat did not beat during the step"
        seen.append(bundle_builds.mark_interrupted(watcher, [watcher.get(Bundle, bundle.id)], stale_after_s=1))
        watcher.close()
        return real_write(*args, **kwargs)

    monkeypatch.setattr(bundles, "write_report", slow_write)
    built = bundles.build_preview(
        session,
        app.extensions["filestore"],
        bundle.id,
        leader.display_name,
        Path(app.instance_path),
        token,
        stale_after_s=1,
    )
    assert seen == [[]]  # not taken for dead while it worked
    assert built.status is BundleStatus.READY


def test_a_version_is_signed_once_when_signed_twice_at_once(app, session, season, tmp_path):
    leader, store = season["leader"], app.extensions["filestore"]
    bundle = bundles.start_draft(session, leader.actor, leader.district_id, season["campaign"].id, "说明")
    bundles.build_preview(session, store, bundle.id, leader.display_name, tmp_path)
    start, outcomes = threading.Barrier(2), []

    def sign() -> None:
        own = app.extensions["db_sessionmaker"]()
        start.wait()
        try:
            bundles.sign_off(
                own,
                leader.actor,
                store,
                own.get(type(leader), leader.id),
                bundle.id,
                keyed(app, PIN),
                signature_png(),
                tmp_path,
            )
            outcomes.append("signed")
        except Invalid as error:
            outcomes.append(str(error))
        finally:
            own.close()

    threads = [threading.Thread(target=sign) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("signed") == 1 and any("未重复签字" in o for o in outcomes), outcomes
    session.expire_all()
    signed = session.get(Bundle, bundle.id)
    assert signed.status is BundleStatus.SIGNED and store.exists(signed.archive_key)


@pytest.mark.parametrize("meanwhile", ["an inspection is submitted", "the campaign is closed"])
def test_what_happens_while_a_sign_off_lays_out_is_checked_before_it_seals(
    app,
    session,
    season,
    tmp_path,
    monkeypatch,
    meanwhile,
):
    leader, store = season["leader"], app.extensions["filestore"]
    # The station is in the directory before the preview: a station added after it would expire the version at once.
    station = make_station(session, "150602", latitude="39.82", longitude="109.96")
    bundle = bundles.start_draft(session, leader.actor, leader.district_id, season["campaign"].id, "说明")
    bundles.build_preview(session, store, bundle.id, leader.display_name, tmp_path)
    city = make_user(session, "city", username="city.meanwhile")
    inspector = session.scalar(select(User).where(User.username == "insp.ds"))
    real = bundles._layout

    def slow_layout(*args, **kwargs):
        with Session(app.extensions["db_engine"]) as other:  # someone else, during the minutes of layout
            campaign = other.get(Campaign, season["campaign"].id)
            if meanwhile == "an inspection is submitted":
                accepted_inspection_submitted(
                    other, app, campaign, other.get(Station, station.id), other.get(User, inspector.id)
                )
            else:
                campaigns.close_campaign(other, city.actor, campaign.id)
        return real(*args, **kwargs)

    monkeypatch.setattr(bundles, "_layout", slow_layout)
    with pytest.raises(Invalid, match="等待审核" if meanwhile == "an inspection is submitted" else "已结束"):
        bundles.sign_off(session, leader.actor, store, leader, bundle.id, keyed(app, PIN), signature_png(), tmp_path)
    session.expire_all()
    unsigned = session.get(Bundle, bundle.id)
    assert unsigned.status is BundleStatus.READY and unsigned.archive_key is None and unsigned.claim_token is None


def test_a_failed_build_says_in_chinese_what_to_do(app, session, season, tmp_path, monkeypatch):
    leader, store = season["leader"], app.extensions["filestore"]
    bundle = bundles.start_draft(session, leader.actor, leader.district_id, season["campaign"].id, "说明")

    def broken(*_args, **_kwargs):
        raise RuntimeError("weasyprint: unexpected token at line 3")

    monkeypatch.setattr(bundles, "write_report", broken)
    with pytest.raises(RuntimeError):
        bundles.build_preview(session, store, bundle.id, leader.display_name, tmp_path)
    session.expire_all()
    failed = session.get(Bundle, bundle.id)
    assert failed.status is BundleStatus.FAILED and failed.claim_token is None
    assert "请重新生成" in failed.error and "weasyprint" not in failed.error
