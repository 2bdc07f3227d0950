"""The audit trail: every sign-in, answer, photo, signature, submission, decision and receipt is chained, and
`flask audit verify` finds any entry edited, inserted or deleted."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text
from support import make_user, sign_version

from inspect_app.audit import trail as audit
from inspect_app.city import submissions
from inspect_app.domain.audit import GENESIS, Entry, chain_problems, entry_hash
from inspect_app.inspection import operations as inspections
from inspect_app.models import AuditEntry
from inspect_app.review import operations as review
from inspect_app.shared.errors import Invalid


def actions(session) -> list[str]:
    session.expire_all()
    return [e.action for e in session.query(AuditEntry).order_by(AuditEntry.seq)]


def chained(n: int) -> list[Entry]:
    entries, previous = [], GENESIS
    for seq in range(1, n + 1):
        fields = (f"2026-10-0{seq}T08:00:00+00:00", 7, "answer", "inspection", 3, 1, {"item": f"A{seq}"})
        digest = entry_hash(previous, seq, *fields)
        entries.append(Entry(seq, *fields, previous, digest))
        previous = digest
    return entries


def test_an_intact_chain_has_no_problems_and_every_kind_of_break_is_named():
    entries = chained(4)
    assert chain_problems(entries, 4, entries[-1].hash) == []
    edited = list(entries)
    edited[1] = Entry(**{**edited[1].__dict__, "details": {"item": "B9"}})
    assert chain_problems(edited, 4, entries[-1].hash) == ["第2条记录的内容被修改（哈希不符）"]
    gap = [entries[0], entries[2], entries[3]]
    assert any("缺少第2至第2条" in p for p in chain_problems(gap, 4, entries[-1].hash))
    assert chain_problems(entries[:3], 4, entries[-1].hash) == [
        "日志应有4条记录，实际最后一条是第3条（末尾的记录被删除或插入）"
    ]


def test_a_season_leaves_every_step_on_a_chain_that_verifies(
    app,
    client,
    session,
    city_season,
    auth,
    runner,
    tmp_path,
):
    ds, campaign, city = city_season["ds"], city_season["campaign"], city_season["city"]
    done = actions(session)
    for expected in ("answer", "add_photo", "sign_inspection", "submit_inspection", "accept_inspection"):
        assert done.count(expected) >= 2, (expected, done)
    auth.login("leader.ds")
    client.post("/logout")
    auth.login("leader.ds", "wrong-password")
    bundle = sign_version(app, session, ds["leader"], campaign, tmp_path)
    sent = submissions.submit_bundle(session, ds["leader"].actor, app.extensions["filestore"], bundle.id)
    submissions.decide(session, city.actor, sent.id, "return", "请补正")
    tail = actions(session)[len(done) :]
    assert tail == ["sign_in", "sign_in_failed", "start_bundle", "sign_bundle", "submit_bundle", "return_bundle"]
    entry = session.query(AuditEntry).filter_by(action="return_bundle").one()
    assert (entry.user_id, entry.target_type, entry.target_id, entry.district_id) == (
        city.id,
        "bundle",
        bundle.id,
        ds["leader"].district_id,
    )
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and f"审计日志完整：{len(done) + len(tail)} 条记录" in result.output, result.output


def test_refused_actions_leave_no_entry(app, session, city_season):
    ds = city_season["ds"]
    before = actions(session)
    with pytest.raises(Invalid):
        review.review(session, ds["leader"].actor, ds["inspections"][0].id, "return", "")
    with pytest.raises(Invalid):
        inspections.answer_item(
            session, ds["inspector"].actor, ds["inspections"][0].id, "A1", "pass"
        )  # accepted: no longer editable
    assert actions(session) == before


@pytest.mark.parametrize(
    "tamper, message",
    [
        ('UPDATE audit_entries SET details = \'{"item": "A9"}\' WHERE seq = 3', "第3条记录的内容被修改"),
        ("UPDATE audit_entries SET user_id = NULL WHERE seq = 2", "第2条记录的内容被修改"),
        ("DELETE FROM audit_entries WHERE seq = 4", "缺少第4至第4条记录"),
        ("DELETE FROM audit_entries WHERE seq = (SELECT MAX(seq) FROM audit_entries)", "末尾的记录被删除或插入"),
        ("UPDATE audit_entries SET seq = seq + 100 WHERE seq = 5", "缺少第5"),
    ],
)
def test_audit_verify_names_each_edited_inserted_or_deleted_entry(app, session, runner, tamper, message):
    inspector = make_user(session, "inspector", "150602")
    for n in range(6):
        audit.record(session, inspector.actor, "answer", "inspection", 1, inspector.district_id, {"item": f"A{n}"})
        session.commit()
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    session.execute(text(tamper))
    session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and message in result.output, result.output


def test_a_forged_entry_inserted_in_the_middle_is_found(app, session, runner):
    for n in range(3):
        audit.record(session, None, "sign_in", "user", n, None)
        session.commit()
    second = session.query(AuditEntry).filter_by(seq=2).one()
    # A forger who knows the scheme rebuilds entry 2 with new content and a correct hash of its own...
    at = second.at
    forged = entry_hash(second.prev_hash, 2, at, None, "sign_in", "user", 99, None, {})
    session.execute(text("UPDATE audit_entries SET target_id = 99, hash = :h WHERE seq = 2"), {"h": forged})
    session.commit()
    # ...but entry 3 still points at the old hash.
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "第3条记录与前一条不衔接" in result.output, result.output


def test_writers_in_parallel_never_fork_the_chain(app, session):
    maker = app.extensions["db_sessionmaker"]
    errors = []

    def write(worker: int) -> None:
        own = maker()
        try:
            for n in range(15):
                audit.record(own, None, "answer", "inspection", worker, None, {"n": n})
                own.commit()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            own.close()

    threads = [threading.Thread(target=write, args=(w,)) for w in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    count, problems = audit.verify(session)
    assert count == 45 and problems == []


def test_leaders_and_the_city_read_a_station_and_an_inspection_history_inspectors_do_not(
    app, client, session, city_season, auth
):
    ds = city_season["ds"]
    station, inspection = ds["stations"][0], ds["inspections"][0]
    for username in ("leader.ds", "city.center"):
        auth.login(username)
        page = client.get(f"/inspect/inspections/{inspection.id}").get_data(as_text=True)
        assert "操作记录" in page and "提交检查" in page and "审核通过" in page, username
        assert "上传照片" in client.get(f"/directory/{station.id}").get_data(as_text=True), username
        client.post("/logout")
    auth.login("insp.ds")
    assert "操作记录" not in client.get(f"/inspect/inspections/{inspection.id}").get_data(as_text=True)
    client.post("/logout")
    auth.login("leader.kbs")
    assert client.get(f"/directory/{station.id}").status_code == 404
    with pytest.raises(Exception):
        audit.history(session, city_season["kbs"]["leader"].actor, station.district_id, station_id=station.id)


def rewrite_history(session, drop: list[int], entry_hasher=entry_hash, edit: int | None = None) -> None:
    """What anyone who can write the database can do: delete or edit entries, renumber, recompute every hash and
    the head."""
    if edit is not None:
        session.execute(text("UPDATE audit_entries SET target_id = 999 WHERE seq = :seq"), {"seq": edit})
    session.execute(
        text("DELETE FROM audit_entries WHERE seq IN :seqs").bindparams(
            __import__("sqlalchemy").bindparam("seqs", expanding=True)
        ),
        {"seqs": drop},
    )
    session.commit()
    rows = session.query(AuditEntry).order_by(AuditEntry.seq).all()
    previous = GENESIS
    for seq, row in enumerate(rows, start=1):
        digest = entry_hasher(
            previous,
            seq,
            row.at,
            row.user_id,
            row.action,
            row.target_type,
            row.target_id,
            row.district_id,
            row.details or {},
        )
        session.execute(
            text("UPDATE audit_entries SET seq = :new, prev_hash = :p, hash = :h WHERE id = :id"),
            {"new": -seq, "p": previous, "h": digest, "id": row.id},
        )
        previous = digest
    session.execute(text("UPDATE audit_entries SET seq = -seq"))
    session.execute(
        text("UPDATE audit_head SET seq = :n, last_hash = :h WHERE id = 1"), {"n": len(rows), "h": previous}
    )
    session.commit()
    session.expire_all()  # the rows were changed behind the ORM's back


@pytest.mark.parametrize("drop, edit, now", [([2, 3], None, "现在日志只有"), ([], 2, "现在不符")])
def test_a_signed_bundle_anchors_the_chain_and_a_rewritten_history_contradicts_it(
    app, session, city_season, runner, tmp_path, drop, edit, now
):
    import json
    import zipfile

    ds = city_season["ds"]
    count, _ = audit.verify(session)
    bundle = sign_version(app, session, ds["leader"], city_season["campaign"], tmp_path)
    with zipfile.ZipFile(app.extensions["filestore"].local_path(bundle.archive_key)) as archive:
        anchor = json.loads(archive.read("manifest.json"))["audit"]
    entry = session.query(AuditEntry).filter_by(seq=anchor["entries"]).one()
    assert anchor == {"entries": entry.seq, "hash": entry.hash} and anchor["entries"] >= count
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    rewrite_history(session, drop=drop, edit=edit)
    assert audit.verify(session)[1] == []  # the chain alone looks whole again...
    result = runner.invoke(args=["audit", "verify"])
    # ...but the bundle the city holds says otherwise.
    assert result.exit_code == 1, result.output
    assert (
        f"第1版东胜区证据包签字时日志第{anchor['entries']}条的哈希为{anchor['hash'][:12]}…，{now}" in result.output
    ), result.output


def test_a_keyed_chain_catches_a_rewrite_without_the_key(app_config, database_url, runner):
    from inspect_app import create_app

    keyed_app = create_app({**app_config, "AUDIT_HMAC_KEY": "a-key-only-the-server-holds"})
    own = keyed_app.extensions["db_sessionmaker"]()
    try:
        for n in range(5):
            audit.record(own, None, "answer", "inspection", 1, None, {"item": f"A{n}"})
            own.commit()
        assert audit.verify(own)[1] == []
        rewrite_history(own, drop=[2])
        problems = audit.verify(own)[1]
        assert any("第1条记录的内容被修改" in p for p in problems), problems
        result = keyed_app.test_cli_runner().invoke(args=["audit", "verify"])
        assert result.exit_code == 1 and "哈希不符" in result.output, result.output
    finally:
        own.close()
        keyed_app.extensions["db_engine"].dispose()


def test_keyed_entries_cannot_be_verified_without_the_key_and_unkeyed_ones_after_them_are_named(
    app, session, app_config
):
    from inspect_app import create_app

    audit.record(session, None, "sign_in", "user", 1, None)  # before the key was set: plain SHA-256
    session.commit()
    keyed_app = create_app({**app_config, "AUDIT_HMAC_KEY": "a-key-only-the-server-holds"})
    own = keyed_app.extensions["db_sessionmaker"]()
    try:
        audit.record(own, None, "sign_in", "user", 2, None)
        own.commit()
        assert audit.verify(own)[1] == []
        problems = audit.verify(session)[1]  # the app without the key
        assert any("AUDIT_HMAC_KEY" in p and "无法验证" in p for p in problems), problems
        audit.record(session, None, "sign_in", "user", 3, None)  # written without the key after keyed ones
        session.commit()
        problems = audit.verify(own)[1]
        assert any("第3条" in p and "未加密钥" in p for p in problems), problems
    finally:
        own.close()
        keyed_app.extensions["db_engine"].dispose()


def test_a_bundle_received_from_another_installation_is_not_held_against_this_chain(
    app, session, city_season, runner, tmp_path
):
    """A ZIP uploaded by the city was signed elsewhere: its anchor names that installation's log, not ours."""
    import io
    import json
    import zipfile

    from inspect_app.domain.evidence.submissions import SubmissionSource
    from inspect_app.models import Submission

    ds = city_season["ds"]
    bundle = sign_version(app, session, ds["leader"], city_season["campaign"], tmp_path)
    store = app.extensions["filestore"]
    with zipfile.ZipFile(store.local_path(bundle.archive_key)) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    manifest["audit"] = {"entries": 10**6, "hash": "f" * 64}  # another installation's much longer log
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("manifest.json", json.dumps(manifest))
    key = store.put(out.getvalue(), "zip")
    session.add(
        Submission(
            district_id=ds["leader"].district_id,
            campaign_id=city_season["campaign"].id,
            bundle_id=None,
            version=99,
            source=SubmissionSource.UPLOAD,
            received_by_id=city_season["city"].id,
            archive_key=key,
            archive_sha256="0" * 64,
            archive_size=len(out.getvalue()),
            verified=False,
        )
    )
    session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "第1000000条" not in result.output, result.output
