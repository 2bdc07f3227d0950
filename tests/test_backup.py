"""Backup and restore: a whole season comes back row for row and file for file, into SQLite and PostgreSQL;
refusals change nothing; a backup taken while the app writes is consistent."""

from __future__ import annotations

import hashlib
import json
import tarfile
import threading
import time
import uuid
from contextlib import ExitStack, contextmanager
from datetime import datetime, timedelta, timezone

import pytest
from alembic.script import ScriptDirectory
from photo_factory import jpeg
from sqlalchemy import Column, Integer, Interval, MetaData, Numeric, String, Table, func, select
from sqlalchemy.engine import make_url
from support import PIN, cli, is_postgres, keyed, make_station, make_user, open_inspection_with_photo, sign_version

from inspect_app.accounts import user_sessions
from inspect_app.adapters import migrate
from inspect_app.adapters.filestore import DiskHolding as Staging
from inspect_app.adapters.filestore import DiskStore, sha256_of
from inspect_app.adapters.pki import SigningPin
from inspect_app.backup import SEEDED_TABLES, rows
from inspect_app.backup.codec import TableCodec, UnknownColumnType, check_types
from inspect_app.city import demonstrations, submissions
from inspect_app.db import Base, make_engine
from inspect_app.domain.checklists.scoring import Verdict
from inspect_app.domain.directory.signboards import PlaqueFinding
from inspect_app.follow_up import issue, notices, orders, spot_checks
from inspect_app.housekeeping import sweep as housekeeping
from inspect_app.inspection import follow_ups, photos, sync
from inspect_app.inspection import operations as inspections
from inspect_app.models import (
    AnswerConflict,
    IdempotentRequest,
    Office,
    Photo,
    RateLimitEntry,
    SigningCertificate,
    Station,
)
from inspect_app.models.signboard import StationStaff
from inspect_app.models.stored_file import NOT_FILE_KEYS, file_key_columns
from inspect_app.models.todo import MailedItem
from inspect_app.review import operations as review
from inspect_app.shared.errors import Invalid
from inspect_app.signboards import plaques
from inspect_app.signing import enrolments, keys, pin_attempts

FILE_KEYS = [
    ("bundles", "preview_key"),
    ("bundles", "archive_key"),
    ("city_reports", "archive_key"),
    ("city_reports", "preview_key"),
    ("offices", "officer_photo_key"),
    ("photos", "original_key"),
    ("photos", "display_key"),
    ("photos", "thumbnail_key"),
    ("photos", "print_key"),
    ("rectification_orders", "notice_key"),
    ("results_notices", "pdf_key"),
    ("signatures", "image_key"),
    ("station_staff", "photo_key"),
    ("stations", "officer_photo_key"),
    ("submissions", "archive_key"),
]


# ---- helpers ------------------------------------------------------------------------------------------------


@contextmanager
def postgres_database(database_url: str):
    """A new, empty PostgreSQL database on the suite's server, dropped afterwards."""
    name = f"backup_{uuid.uuid4().hex[:12]}"
    admin = make_engine(database_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(database_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def everything(app) -> tuple[dict, dict]:
    """Every row of every table by primary key (all columns), and every stored file with its SHA-256."""
    tables = {}
    with app.extensions["db_engine"].connect() as connection:
        for table in Base.metadata.sorted_tables:
            pk = [c.name for c in table.primary_key.columns]
            tables[table.name] = {
                tuple(r[n] for n in pk): dict(r) for r in connection.execute(select(table)).mappings()
            }
    store = app.extensions["filestore"]
    files = {}
    for key in store.keys():
        with store.open(key) as stream:
            files[key] = hashlib.file_digest(stream, "sha256").hexdigest()
    return tables, files


# ---- rules that need no season ------------------------------------------------------------------------------


def test_every_key_column_is_either_a_file_key_the_backup_follows_or_declared_otherwise():
    named = {(t.name, c.name) for t in Base.metadata.sorted_tables for c in t.columns if c.name.endswith("_key")}
    # A new `*_key` column fails here until somebody adds it to FILE_KEYS or to stored_file.NOT_FILE_KEYS.
    assert sorted(file_key_columns(Base.metadata)) == sorted(FILE_KEYS)
    assert named == set(FILE_KEYS) | NOT_FILE_KEYS


def test_every_column_type_round_trips_and_an_unknown_one_is_refused():
    check_types(Base.metadata)
    codec = TableCodec(Photo.__table__.columns)
    row = {c.name: None for c in Photo.__table__.columns} | {
        "id": 7,
        "slot": "标识标志牌",
        "exif_taken_at": datetime(2026, 11, 2, 3, 4, 5, 678901, tzinfo=timezone.utc),
        "browser_latitude": 39.123456789012345,
        "exif_unreadable": True,
        "findings": [{"code": "far", "米": [1.5]}],
    }
    assert codec.decode(codec.encode([row[n] for n in codec.names])) == row
    blobs = TableCodec(SigningCertificate.__table__.columns)
    line = blobs.encode([b"\x00\xff-----BEGIN" if n == "certificate_pem" else None for n in blobs.names])
    assert blobs.decode(line)["certificate_pem"] == b"\x00\xff-----BEGIN"
    assert json.loads(line)["certificate_pem"] == "AP8tLS0tLUJFR0lO"
    for odd in (Numeric(10, 2), Interval()):
        with pytest.raises(UnknownColumnType):
            check_types(_table_with(odd))


def _table_with(type_) -> MetaData:
    metadata = MetaData()
    Table("odd", metadata, Column("id", String, primary_key=True), Column("value", type_))
    return metadata


def test_a_freshly_migrated_database_holds_rows_only_in_the_seeded_tables(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    with engine.connect() as connection:
        filled = {name for name, count in rows.row_counts(connection, Base.metadata).items() if count}
    engine.dispose()
    assert filled == set(SEEDED_TABLES)


# ---- the whole season ---------------------------------------------------------------------------------------


def whole_season(app, session, season, runner, tmp_path) -> None:
    """Bundles signed and submitted by both districts, decisions, the city report, sync rows, a stray file."""
    store, campaign, city = app.extensions["filestore"], season["campaign"], season["city"]
    ds, kbs = season["ds"], season["kbs"]
    review.recommend(session, ds["leader"].actor, ds["inspections"][0].id, True)
    for people in (ds, kbs):
        bundle = sign_version(app, session, people["leader"], campaign, tmp_path)
        sent = submissions.submit_bundle(session, people["leader"].actor, store, bundle.id)
        submissions.decide(session, city.actor, sent.id, "accept")
    demonstrations.decide_demonstration(session, city.actor, campaign.id, ds["stations"][0].id, True)
    pin = tmp_path / "pin"
    pin.write_text(PIN)
    result = runner.invoke(
        args=[
            "city",
            "report",
            "--campaign",
            str(campaign.id),
            "--sign-as",
            "city.center",
            "--pin-file",
            str(pin),
            "--out",
            str(tmp_path / "city.zip"),
            "--confirm-missing",
        ]
    )
    assert result.exit_code == 0, result.output
    enrolments.enrol(session, make_user(session, "admin").actor, kbs["leader"].id)  # a re-issue waiting for a PIN
    leader = ds["leader"]
    with pytest.raises(Invalid):  # a wrong signing PIN, counted against the certificate
        pin_attempts.try_pin(
            session,
            leader.actor,
            keys.usable_certificate(session, leader),
            SigningPin("000000", app.config["PKI_CA_PASSPHRASE"]),
        )
    inspector = ds["inspector"]
    sync.start_upload(session, app.extensions["uploads"], inspector.id, "a" * 64, 1000, 20 * 2**20, 200 * 2**20)
    session.add(
        IdempotentRequest(
            user_id=inspector.id,
            key=str(uuid.uuid4()),
            method="PUT",
            path="/api/v1/x",
            status_code=200,
            body='{"ok": true}',
        )
    )
    session.add(
        AnswerConflict(
            inspection_id=ds["inspections"][0].id,
            item_code="A1",
            base_version=1,
            verdict="fail",
            points=None,
            note="另一台设备：未公示",
            proposed_by_id=inspector.id,
        )
    )
    user_sessions.start_session(session, inspector)  # signed in on a phone
    now = datetime.now(timezone.utc)
    session.add(RateLimitEntry(key_sha256="f" * 64, at=now, expires_at=now + timedelta(minutes=15)))
    session.commit()
    housekeeping.record_run(session, housekeeping.SWEEP, now, housekeeping.SweepReport(uploads_expired=1))
    _follow_up(app, session, season, tmp_path)
    _signboards(app, session, season)
    make_station(session, "150602", office="天骄市场监管所")  # not inspected yet
    store.put("没有行指向的文件".encode(), "txt")  # complete, unreferenced: kept as well
    if isinstance(store, DiskStore):
        (store.root / ".tmp-half.jpg").write_bytes(b"half written")  # not a stored file: left out


def _follow_up(app, session, season, tmp_path) -> None:
    """The follow-up: an issued rectification order and its re-check begun, the city's sample and a spot check
    begun (inspections that follow others), the signed and published results notice, a to-do item mailed."""
    store, campaign, city = app.extensions["filestore"], season["campaign"], season["city"]
    ds = season["ds"]
    own = ds["inspections"][1]
    next(a for a in own.answers if a.item_code == "A2").verdict = Verdict.FAIL
    inspections.recompute(own, inspections.template_of(own.checklist_version))
    session.commit()
    today = datetime.now(timezone.utc).date()
    (draft,) = orders.draft_orders(session, ds["leader"].actor, ds["leader"].district_id, campaign, today)
    order = issue.issue_order(
        session, ds["leader"].actor, store, ds["leader"], draft.id, keyed(app, PIN), tmp_path, today
    )
    assert order.notice_key is not None
    follow_ups.open_recheck(session, ds["inspector"].actor, order.id)
    sample = spot_checks.draw_sample(session, city.actor, campaign, 50)
    checker = make_user(session, "city_inspector")
    follow_ups.open_spot_check(session, checker.actor, sample.stations[0].station_id, campaign)
    notice = notices.start_draft(session, city.actor, city, campaign.id, today)
    notice = notices.sign_notice(session, city.actor, store, city, notice.id, keyed(app, PIN), tmp_path)
    notices.publish_notice(session, city.actor, notice.id)
    session.add(MailedItem(user_id=ds["leader"].id, item_key=f"order_due:{order.id}"))
    session.commit()


def _signboards(app, session, season) -> None:
    """A station's staff with a portrait, its own officer and its 监管所's officer with theirs, a plaque issued and
    reissued, and the plaque an inspector found on site."""
    store, ds = app.extensions["filestore"], season["ds"]
    station = ds["stations"][0]
    station.staff.append(
        StationStaff(name="王丽", duty="站长", phone="13800000001", photo_key=store.put(jpeg(seed=71), "jpg"))
    )
    station.officer_name, station.officer_phone = "李强", "0477-8888888"
    station.officer_photo_key = store.put(jpeg(seed=72), "jpg")
    if station.office is not None:
        station.office.officer_photo_key = store.put(jpeg(seed=73), "jpg")
    plaques.plaque_for_printing(session, ds["leader"].actor, station)
    session.commit()
    plaque = plaques.reissue_plaque(session, ds["leader"].actor, station)
    inspection = ds["inspections"][0]
    inspection.plaque_code, inspection.plaque_finding = plaque.short_code, PlaqueFinding.CURRENT
    inspection.plaque_checked_at = datetime.now(timezone.utc)
    session.commit()


def test_a_whole_season_comes_back_row_for_row_and_file_for_file(
    app, session, city_season, runner, tmp_path, database_url, other
):
    whole_season(app, session, city_season, runner, tmp_path)
    archive = tmp_path / "backup.tar"
    created = runner.invoke(args=["backup", "create", str(archive)])
    assert created.exit_code == 0, created.output
    rows_before, files_before = everything(app)
    empty = sorted(name for name, found in rows_before.items() if not found)
    assert empty == [], f"every table should hold rows for this test: {empty}"
    total = sum(len(found) for found in rows_before.values())
    assert f"数据表 {len(rows_before)} 张，共 {total} 行" in created.output
    assert f"文件 {len(files_before)} 个" in created.output

    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile("manifest.json").read())
    assert names[-1] == "manifest.json" and not any(".tmp" in n for n in names)
    assert [t["name"] for t in manifest["tables"]] == [t.name for t in Base.metadata.sorted_tables]
    assert {t["name"]: t["rows"] for t in manifest["tables"]} == {k: len(v) for k, v in rows_before.items()}
    assert manifest["alembic_revision"] == migrate.current_revision(app.extensions["db_engine"])
    assert {m["path"] for m in manifest["members"]} == set(names) - {"manifest.json"}

    bundle_key = min(rows_before["bundles"].items())[1]["archive_key"]  # ids need not start at 1 (PostgreSQL)
    with ExitStack() as stack:
        targets = [other("target-sqlite")]
        if is_postgres(database_url):
            targets.append(other("target-postgresql", stack.enter_context(postgres_database(database_url))))
            stack.callback(targets[-1].extensions["db_engine"].dispose)  # before the database is dropped
        for target in targets:
            result = cli(target, "backup", "restore", str(archive))
            assert result.exit_code == 0, result.output
            assert created.output.splitlines()[-1] == result.output.splitlines()[-1]  # the archive's SHA-256
            rows_after, files_after = everything(target)
            for name in rows_before:
                assert rows_after[name] == rows_before[name], name
            assert files_after == files_before
            _restored_instance_works(target, bundle_key)


def _restored_instance_works(target, bundle_key: str) -> None:
    verified = cli(target, "bundle", "verify", str(target.extensions["filestore"].local_path(bundle_key)))
    assert verified.exit_code == 0 and "证据包完整有效" in verified.output, verified.output
    session = target.extensions["db_sessionmaker"]()
    session.info["passwords"] = target.extensions["passwords"]
    try:
        newest = session.scalar(select(func.max(Station.id)))
        assert make_station(session, "150621").id == newest + 1  # the sequences start after the restored rows
        assert make_user(session, "leader", "150621").id > 1
    finally:
        session.close()
    engine = target.extensions["db_engine"]
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            for table in Base.metadata.sorted_tables:
                keys = list(table.primary_key.columns)
                if len(keys) != 1 or not isinstance(keys[0].type, Integer):
                    continue  # keyed by name, content or a pair (stored_files, campaign_districts): no sequence
                pk = keys[0]
                newest = connection.scalar(select(func.max(pk)))
                following = connection.exec_driver_sql(
                    f"SELECT nextval(pg_get_serial_sequence('{table.name}', '{pk.name}'))"
                ).scalar()
                assert following > (newest or 0), table.name


# ---- refusals -----------------------------------------------------------------------------------------------


def test_a_target_that_is_not_empty_is_refused_and_left_as_it_was(app, session, runner, tmp_path, other):
    open_inspection_with_photo(app, session)
    archive = tmp_path / "backup.tar"
    assert runner.invoke(args=["backup", "create", str(archive)]).exit_code == 0
    target = other("target")
    own = target.extensions["db_sessionmaker"]()
    own.info["passwords"] = target.extensions["passwords"]
    make_station(own, "150603")
    own.close()
    target.extensions["filestore"].put(b"already here", "txt")
    before = everything(target)
    result = cli(target, "backup", "restore", str(archive))
    assert result.exit_code == 1 and "目标实例不是空的，未恢复任何数据：数据表 stations（1 行）" in result.output
    assert everything(target) == before
    # The source itself is not empty either.
    refused = runner.invoke(args=["backup", "restore", str(archive)])
    assert refused.exit_code == 1 and "目标实例不是空的" in refused.output


def test_a_target_at_another_revision_is_refused(app, session, runner, tmp_path, other):
    open_inspection_with_photo(app, session)
    archive = tmp_path / "backup.tar"
    assert runner.invoke(args=["backup", "create", str(archive)]).exit_code == 0
    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    previous = script.get_revision(script.get_current_head()).down_revision
    target = other("target", revision=previous)
    result = cli(target, "backup", "restore", str(archive))
    assert result.exit_code == 1 and f"与目标实例（{previous}）不同，未恢复任何数据" in result.output
    assert migrate.current_revision(target.extensions["db_engine"]) == previous


@pytest.mark.parametrize("member", ["files/", "tables/photos.jsonl"])
def test_an_archive_with_one_byte_changed_is_refused_before_anything_is_written(
    app, session, runner, tmp_path, other, member
):
    open_inspection_with_photo(app, session)
    archive = tmp_path / "backup.tar"
    assert runner.invoke(args=["backup", "create", str(archive)]).exit_code == 0
    with tarfile.open(archive) as tar:
        chosen = next(m for m in tar.getmembers() if m.name.startswith(member))
    with archive.open("r+b") as stream:
        stream.seek(chosen.offset_data + chosen.size // 2)
        byte = stream.read(1)
        stream.seek(-1, 1)
        stream.write(bytes([byte[0] ^ 0x01]))
    target = other("target")
    result = cli(target, "backup", "restore", str(archive))
    assert result.exit_code == 1
    assert f"备份文件已损坏或被改动，未恢复任何数据：{chosen.name} 的 SHA-256 与清单不符" in result.output
    tables, files = everything(target)
    assert {name for name, found in tables.items() if found} == set(SEEDED_TABLES) and files == {}


def test_a_backup_is_not_written_over_an_existing_file(app, session, runner, tmp_path):
    open_inspection_with_photo(app, session)
    existing = tmp_path / "old.tar"
    existing.write_bytes(b"an older backup")
    result = runner.invoke(args=["backup", "create", str(existing)])
    assert result.exit_code == 1 and "已存在，不会覆盖" in result.output and existing.read_bytes() == b"an older backup"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".tar")) == ["old.tar"]
    assert not list(tmp_path.glob(".backup-rows-*")) and not list(app.extensions["filestore"].root.glob(".backup-*"))


# ---- while the app runs -------------------------------------------------------------------------------------


def _keep_writing(
    app, district_id: int, inspection_id: int, user_id: int, stop: threading.Event, log: list, going: threading.Event
):
    """Until stopped: an office, a station in it and a photo with three new files, each time in one commit; `going`
    is set once three commits are in."""
    store, n = app.extensions["filestore"], 0
    while not stop.is_set():
        n += 1
        keys = [store.put(f"{uuid.uuid4()}".encode(), "jpg") for _ in range(3)]  # files first, as the app does
        with app.extensions["db_sessionmaker"]() as session:
            office = Office(district_id=district_id, name=f"并发所{n}")
            session.add(
                Station(
                    number=f"C-{n:05d}",
                    name=f"并发{n}号站",
                    host_organisation="并发商贸",
                    host_type="other",
                    district_id=district_id,
                    office=office,
                    address="并发路1号",
                )
            )
            session.add(
                Photo(
                    inspection_id=inspection_id,
                    slot="signboard",
                    sha256=keys[0][6:70],
                    perceptual_hash="f" * 16,
                    original_key=keys[0],
                    display_key=keys[1],
                    thumbnail_key=keys[2],
                    mime="image/jpeg",
                    size=36,
                    width=1,
                    height=1,
                    uploaded_by_id=user_id,
                )
            )
            session.commit()
        log.append(time.monotonic())
        if len(log) >= 3:
            going.set()


def _writer_rows(app) -> tuple[int, int, int]:
    with app.extensions["db_engine"].connect() as connection:
        count = lambda query: connection.scalar(select(func.count()).select_from(query.subquery()))
        return (
            count(select(Office.id).where(Office.name.like("并发所%"))),
            count(select(Station.id).where(Station.number.like("C-%"))),
            count(select(Photo.id).where(Photo.perceptual_hash == "f" * 16)),
        )


@pytest.mark.parametrize("source", ["the suite's database", "SQLite in WAL mode"])
def test_a_backup_taken_while_rows_keep_coming_is_consistent(app, session, tmp_path, monkeypatch, other, source):
    if source == "SQLite in WAL mode":
        app = other("wal-source")
        with app.extensions["db_engine"].connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode=WAL").scalar() == "wal"
        session = app.extensions["db_sessionmaker"]()
        session.info["passwords"] = app.extensions["passwords"]
    inspector, inspection, _ = open_inspection_with_photo(app, session)
    slow = rows.dump_table

    def slowly(*args):  # time between the tables, for the writer to commit in
        count = slow(*args)
        time.sleep(0.05)
        return count

    monkeypatch.setattr(rows, "dump_table", slowly)
    stop, going, log, failures = threading.Event(), threading.Event(), [], []

    def writer():
        try:
            _keep_writing(app, inspector.district_id, inspection.id, inspector.id, stop, log, going)
        except Exception as error:  # noqa: BLE001  (reported by the test below)
            failures.append(error)
        finally:
            going.set()  # a writer that failed early must not keep the test waiting

    thread = threading.Thread(target=writer)
    thread.start()
    assert going.wait(timeout=120), "the writer made no commits"
    started = time.monotonic()
    result = cli(app, "backup", "create", str(tmp_path / "backup.tar"))
    finished = time.monotonic()
    stop.set()
    thread.join()
    assert result.exit_code == 0 and not failures, (result.output, failures)
    if source == "SQLite in WAL mode" or app.extensions["db_engine"].dialect.name == "postgresql":
        assert any(started < at < finished for at in log), "the writer should commit during the backup"

    target = other("target")
    restored = cli(target, "backup", "restore", str(tmp_path / "backup.tar"))
    assert restored.exit_code == 0, restored.output
    offices, stations, photo_rows = _writer_rows(target)
    assert 3 <= offices == stations == photo_rows <= len(log)  # whole commits only, from one instant
    with target.extensions["db_engine"].connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_key_check").all() == []
    store, (tables, _) = target.extensions["filestore"], everything(target)
    for table, column in file_key_columns(Base.metadata):
        for row in tables[table].values():
            if row[column] is not None:
                assert sha256_of(store.path(row[column])) == row[column].rsplit("/", 1)[1].split(".")[0]
    session.close()


@pytest.mark.parametrize("moment", ["before its files are held", "while the files are copied"])
def test_a_photo_removed_during_the_backup_leaves_it_consistent(
    app, session, runner, tmp_path, monkeypatch, other, moment
):
    photo_removed_during_backup(app, session, runner, tmp_path, monkeypatch, other, moment, Staging)
    assert not list(app.extensions["filestore"].root.glob(".backup-*"))


def photo_removed_during_backup(app, session, runner, tmp_path, monkeypatch, other, moment, holding, **target):
    """A photo removed while the backup runs: before its files are held (a newer snapshot leaves it out) or
    after (the held files go in with the snapshot's row); `holding` is the store's holding class."""
    inspector, _, photo = open_inspection_with_photo(app, session)
    store, removed = app.extensions["filestore"], []

    def remove():  # the row goes, then its files, exactly as the app does it
        if not removed:
            removed.append(photos.remove_photo(session, inspector.actor, store, photo.id))

    if moment == "before its files are held":
        dump = rows.dump
        monkeypatch.setattr(rows, "dump", lambda *args: (dump(*args), remove())[0])
    else:
        hold = holding.hold
        monkeypatch.setattr(holding, "hold", lambda self, keys: (hold(self, keys), remove())[0])
    result = runner.invoke(args=["backup", "create", str(tmp_path / "backup.tar")])
    assert result.exit_code == 0, result.output
    assert removed and not store.exists(photo.original_key)
    restored = other("target", **target)
    assert cli(restored, "backup", "restore", str(tmp_path / "backup.tar")).exit_code == 0
    tables, files = everything(restored)
    keys = [photo.original_key, photo.display_key, photo.thumbnail_key]
    if moment == "before its files are held":  # a newer snapshot, without the photo
        assert tables["photos"] == {} and not set(keys) & set(files)
    else:  # the snapshot's photo, with its files held
        assert list(tables["photos"]) == [(photo.id,)] and set(keys) <= set(files)


def test_a_target_that_has_only_been_tried_restores_and_its_sweep_waits_for_the_rows(
    app, session, runner, tmp_path, other, monkeypatch
):
    """The new server was started and tried before the restore: a failed sign-in and the sweep's turn leave rows,
    which give way to the backup's; while the files wait for their rows, no sweep runs."""
    from inspect_app.backup import restore as restoring
    from inspect_app.housekeeping import sweep as housekeeping

    open_inspection_with_photo(app, session)
    assert runner.invoke(args=["backup", "create", str(tmp_path / "backup.tar")]).exit_code == 0
    target = other("target")
    target.config["WTF_CSRF_ENABLED"] = False
    target.test_client().post("/login", data={"username": "nobody.yet", "password": "wrong-password-1"})
    with target.extensions["db_sessionmaker"]() as tried:
        housekeeping.claim_run(tried, housekeeping.SWEEP, 3600)  # the request may have started its sweep already
        assert housekeeping.last_run(tried) is not None
    turns = []
    put_files = restoring._put_files

    def copying(*args):  # the running server's sweep asks for its turn while the files are copied
        with target.extensions["db_sessionmaker"]() as sweeping:
            turns.append(housekeeping.claim_run(sweeping, housekeeping.SWEEP, 0))
        return put_files(*args)

    monkeypatch.setattr(restoring, "_put_files", copying)
    result = cli(target, "backup", "restore", str(tmp_path / "backup.tar"))
    assert result.exit_code == 0, result.output
    assert turns == [False]
    tables, _ = everything(target)
    assert tables["rate_limit_entries"] == {}  # the backup's (none), not the try's
