"""Waiting, bounded: a photo is kept at once while the location prompt waits for an answer, and when the server comes
back the outbox goes by itself, the browser having said nothing (navigator.onLine true all along), after a wait
that grows while the server stays away and starts again after any request that succeeds."""

import hashlib

import pytest
from photo_factory import jpeg
from sqlalchemy import select

from inspect_app.models import Inspection

from .offline import HERE

pytestmark = pytest.mark.browser

# A location prompt nobody answers (as WebKit's, until the inspector taps it): the page's requests are kept, and
# the test answers them when it chooses.
UNANSWERED_PROMPT = """
navigator.geolocation.getCurrentPosition = function (ok) { (window.__asked = window.__asked || []).push(ok); };
window.__answer = function (here) {
  (window.__asked || []).splice(0).forEach(function (ok) {
    ok({ coords: { latitude: here.latitude, longitude: here.longitude, accuracy: here.accuracy },
         timestamp: Date.now() });
  });
};
"""


def open_station(phone, live_server, station_id):
    phone.sign_in(live_server, "inspector.ds")
    phone.goto(live_server + "/inspect/app")
    phone.settled()
    phone.click(f"[data-station='{station_id}'] button")
    phone.wait("#slot-signboard")
    phone.synced()
    phone.idle()


def test_photo_is_kept_at_once_and_gets_its_position_when_it_comes(field, live_server, phones, session, tmp_path):
    user, station, recorder = field
    path = tmp_path / "signboard.jpg"
    path.write_bytes(jpeg(seed=11))
    phone = phones("chromium", position=None, init_script=UNANSWERED_PROMPT)
    open_station(phone, live_server, station.id)
    mark = len(recorder.requests)

    phone.set_files("#slot-signboard input[type=file]:not([capture])", str(path))
    phone.wait("#slot-signboard figure.photo")  # kept while the prompt still waits
    assert "无位置" in phone.text("#slot-signboard figure.photo")
    assert "正在记录位置" in phone.text("#slot-signboard .upload-state")
    # The server is there, yet the photo waits for its position rather than going without it.
    phone.wait_text("#sync-status", "照片正在记录位置")
    phone.idle()
    assert not [r for r in recorder.since(mark) if "/uploads" in r[1] or r[1].endswith("/photos")]

    phone.evaluate("(here) => window.__answer(here)", HERE)  # the inspector answers the prompt
    phone.wait_text("#slot-signboard figure.photo", "拍摄时手机定位")
    phone.wait_text("#slot-signboard .upload-state", "已记录位置")
    phone.synced()
    session.expire_all()
    kept = session.scalars(select(Inspection)).one().photos
    assert [(p.sha256, p.browser_latitude, p.browser_longitude) for p in kept] == [
        (hashlib.sha256(path.read_bytes()).hexdigest(), HERE["latitude"], HERE["longitude"])
    ]


def test_outbox_goes_by_itself_when_the_server_comes_back(field, gate, live_server, phones, session):
    user, station, recorder = field
    phone = phones("chromium")
    open_station(phone, live_server, station.id)

    gate.lose()  # the browser still believes it is online
    phone.click("#item-A1 label.choice-pass")
    phone.wait("#syncbar[data-retry-in='5']", "attached")  # the first wait, shown in the status
    phone.wait_text("#sync-status", "5 秒后自动重试")
    assert "网络不可用" in phone.text("#sync-status")
    assert phone.evaluate("() => navigator.onLine")
    phone.wait("#syncbar[data-retry-in='10']", "attached", timeout=30)  # the retry reached nothing: twice as long
    phone.wait_text("#sync-status", "10 秒后自动重试")

    gate.restore()  # no `online` event, no tap: the next retry finds the server
    phone.synced(timeout=30)
    assert phone.attribute("#syncbar", "data-retry-in") is None
    session.expire_all()
    answers = session.scalars(select(Inspection)).one().answers
    assert [(a.item_code, a.verdict.value) for a in answers] == [("A1", "pass")]

    gate.lose()  # the requests that succeeded started the count again
    phone.click("#item-A2 label.choice-pass")
    phone.wait("#syncbar[data-retry-in='5']", "attached")
