"""The offline app's bootstrap reads a 旗区 in a fixed number of statements, and shows what the per-inspection
endpoint shows of each inspection."""

from __future__ import annotations

from contextlib import contextmanager

from photo_factory import jpeg, signature_png
from sqlalchemy import event
from support import make_station

from inspect_app.domain.findings import Thresholds
from inspect_app.inspection import operations as inspections
from inspect_app.inspection import photos
from inspect_app.shared.errors import Conflict


@contextmanager
def statements(app):
    """The SQL statements the app's engine runs inside the block."""
    seen: list[str] = []

    def count(_conn, _cursor, statement, _parameters, _context, _many):
        seen.append(statement)

    engine = app.extensions["db_engine"]
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def inspected_stations(app, session, inspector, campaign, count: int, with_photos: bool) -> None:
    """`count` stations of 东胜 with an inspection each: answered, signed, with a waiting edit, some with a photo."""
    actor = inspector.actor
    for n in range(count):
        station = make_station(session, "150602", latitude="39.82", longitude="109.96")
        inspection = inspections.open_inspection(session, actor, station.id, campaign)
        inspections.answer_item(session, actor, inspection.id, "A4", "pass", note=f"第{n}站")
        try:  # an edit made on a stale phone: kept beside the answer
            inspections.answer_item(session, actor, inspection.id, "A4", "fail", base_version=None)
        except Conflict:
            pass
        inspections.sign(
            session, actor, app.extensions["filestore"], inspection.id, "representative", "王敏", signature_png()
        )
        if with_photos:
            photos.add_photo(
                session,
                actor,
                app.extensions["filestore"],
                inspection.id,
                "signboard",
                jpeg(39.82, 109.96, seed=n + 1),
                None,
                Thresholds(),
                20 * 2**20,
            )


def test_bootstrap_takes_as_many_statements_for_30_inspections_as_for_2(app, client, session, campaign, login_as):
    inspector = login_as("inspector", "150602")
    make_station(session, "150602", name="尚未检查的服务站")  # a station without an inspection is on the board too
    inspected_stations(app, session, inspector, campaign, 2, with_photos=True)
    with statements(app) as small:
        boot = client.get("/api/v1/bootstrap")
    assert boot.status_code == 200 and len(boot.get_json()["inspections"]) == 2
    inspected_stations(app, session, inspector, campaign, 28, with_photos=False)
    with statements(app) as large:
        boot = client.get("/api/v1/bootstrap")
    body = boot.get_json()
    assert len(body["inspections"]) == 30 and len(body["stations"]) == 31
    assert len(large) == len(small) <= 15, large


def test_bootstrap_shows_each_inspection_as_the_inspection_endpoint_does(app, client, session, campaign, login_as):
    inspector = login_as("inspector", "150602")
    inspected_stations(app, session, inspector, campaign, 3, with_photos=True)
    make_station(session, "150603", name="别的旗区")  # not on this inspector's board
    inspected_stations(app, session, inspector, campaign, 1, with_photos=False)
    body = client.get("/api/v1/bootstrap").get_json()
    shown = body["inspections"]
    assert len(shown) == 4 and all(i["conflicts"] and i["signatures"] for i in shown)
    assert sum(len(i["photos"]) for i in shown) == 3
    # The per-inspection endpoint reads one inspection at a time, as the bootstrap did before it loaded a 旗区 at once.
    assert shown == [client.get(f"/api/v1/inspections/{i['id']}").get_json() for i in shown]
    # In station-number order, as the board shows them.
    numbers = {s["id"]: s["number"] for s in body["stations"]}
    assert [numbers[i["station_id"]] for i in shown] == sorted(numbers[i["station_id"]] for i in shown)
