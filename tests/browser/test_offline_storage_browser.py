"""What the phone keeps, in every engine: photos stored in a form WebKit accepts in memory too, photos an earlier
version kept as Blobs moved without a loss, a storage refusal told in Chinese, and the notice where the browser
does not promise to keep the site's data."""

import base64
import hashlib

import pytest
from photo_factory import jpeg
from sqlalchemy import select

from inspect_app.campaigns import operations as campaigns
from inspect_app.inspection import operations as inspections
from inspect_app.models import Inspection

from .offline import HERE

pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings("ignore:setting remote_server_addr:DeprecationWarning")]
NOTICE = "此浏览器没有承诺长期保留本机保存的检查数据"

# The location prompt answered at once from the page, so that storing the photo is all that is tested.
ANSWER_LOCATION = """(here) => { navigator.geolocation.getCurrentPosition = (ok) => setTimeout(() => ok({
    coords: { latitude: here.latitude, longitude: here.longitude, accuracy: here.accuracy },
    timestamp: Date.now() }), 0); }"""


def open_station(phone, live_server, station_id):
    phone.sign_in(live_server, "inspector.ds")
    phone.goto(live_server + "/inspect/app")
    phone.settled()
    phone.click(f"[data-station='{station_id}'] button")
    phone.wait("#slot-signboard")
    phone.synced()
    phone.idle()


def test_photo_is_kept_when_the_browser_keeps_site_data_in_memory(field, live_server, phones, session, tmp_path):
    """WebKit refuses Blobs in a database kept in memory (private browsing): the photo is kept as bytes."""
    user, station, recorder = field
    path = tmp_path / "signboard.jpg"
    path.write_bytes(jpeg(seed=7))
    phone = phones("webkit-memory")
    open_station(phone, live_server, station.id)
    phone.evaluate(ANSWER_LOCATION, HERE)
    phone.set_files("#slot-signboard input[type=file]:not([capture])", str(path))
    phone.wait("#slot-signboard figure.photo", context="#slot-signboard")
    phone.wait_text("#slot-signboard figure.photo", "拍摄时手机定位")
    assert "照片未保存" not in phone.text("#slot-signboard")
    phone.wait_drawn("#slot-signboard figure.photo img")  # drawn from the phone's copy
    phone.synced()
    session.expire_all()
    kept = session.scalars(select(Inspection)).one().photos
    assert [(p.slot, p.sha256) for p in kept] == [("signboard", hashlib.sha256(path.read_bytes()).hexdigest())]
    assert kept[0].browser_latitude == HERE["latitude"]
    phone.wait_text("#slot-signboard figure.photo", "已上传")


REFUSE_WRITES = """(name) => {
  IDBObjectStore.prototype.put = function () {
    throw new DOMException("Error preparing Blob/File data to be stored in object store", name);
  };
}"""


def test_a_refused_write_is_told_in_chinese(field, live_server, phones, tmp_path):
    user, station, recorder = field
    path = tmp_path / "signboard.jpg"
    path.write_bytes(jpeg(seed=8))
    phone = phones("chromium")
    open_station(phone, live_server, station.id)

    phone.evaluate(REFUSE_WRITES, "UnknownError")
    phone.set_files("#slot-signboard input[type=file]:not([capture])", str(path))
    phone.wait_text("#slot-signboard .upload-state", "照片未保存")
    said = phone.text("#slot-signboard .upload-state")
    assert "浏览器拒绝了本机保存" in said and "无痕" in said
    phone.click("#item-A1 label.choice-pass")
    phone.wait_text("#item-A1 .save-state", "未能保存：浏览器拒绝了本机保存")
    assert "Error preparing" not in phone.text("main")  # never the engine's own words

    phone.evaluate(REFUSE_WRITES, "QuotaExceededError")
    phone.set_files("#slot-bulletin_board input[type=file]:not([capture])", str(path))
    phone.wait_text("#slot-bulletin_board .upload-state", "照片未保存：手机可用于离线保存的空间已满")
    assert phone.count("figure.photo") == 0


# The database as the version before this one left it: the photo's Blob inside its record.
EARLIER_VERSION = """async ({ user, stationId, bytes, sha256 }) => {
  const data = Uint8Array.from(atob(bytes), (c) => c.charCodeAt(0));
  const db = await new Promise((resolve, reject) => {
    const request = indexedDB.open("inspect-app-user-" + user, 1);
    request.onupgradeneeded = () => {
      const d = request.result;
      d.createObjectStore("meta");
      d.createObjectStore("inspections", { keyPath: "station_id" });
      d.createObjectStore("outbox", { keyPath: "seq", autoIncrement: true });
      d.createObjectStore("photos", { keyPath: "id" });
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  const now = new Date().toISOString();
  const boot = await (await fetch("/api/v1/bootstrap", { credentials: "same-origin" })).json();
  await new Promise((resolve, reject) => {
    const tx = db.transaction(["meta", "inspections", "outbox", "photos"], "readwrite");
    tx.objectStore("meta").put(Object.assign({ fetched_at: now }, boot), "bootstrap");
    boot.inspections.forEach((i) => tx.objectStore("inspections").put(i));
    tx.objectStore("photos").put({ id: "p-1", station_id: stationId, slot: "signboard", sha256: sha256,
      size: data.length, name: "IMG_0001.jpg", blob: new Blob([data], { type: "image/jpeg" }), chosen_at: now,
      latitude: 39.8203, longitude: 109.9602, accuracy: 15, position_time: now });
    tx.objectStore("outbox").put({ id: crypto.randomUUID(), kind: "photo", station_id: stationId, state: "pending",
      attempts: 0, created_at: now, data: { photo_id: "p-1", slot: "signboard", sha256: sha256, size: data.length,
      latitude: 39.8203, longitude: 109.9602, accuracy: 15, position_time: now, uploaded: false, replaces: null } });
    tx.oncomplete = resolve;
    tx.onerror = () => reject(tx.error);
  });
  db.close();
}"""

STORED = """(user) => new Promise((resolve) => {
  const request = indexedDB.open("inspect-app-user-" + user);
  request.onsuccess = () => {
    const db = request.result, out = { version: db.version, stores: [...db.objectStoreNames] };
    if (!db.objectStoreNames.contains("photo_files")) { db.close(); resolve(out); return; }
    const tx = db.transaction(["photos", "photo_files"], "readonly");
    tx.objectStore("photos").getAll().onsuccess = (e) => { out.blobs = e.target.result.filter((p) => p.blob).length; };
    tx.objectStore("photo_files").getAll().onsuccess = (e) => {
      out.files = e.target.result.map((f) => [f.id, f.bytes instanceof ArrayBuffer, f.bytes.byteLength, f.type]);
    };
    tx.oncomplete = () => { db.close(); resolve(out); };
  };
})"""


def test_photos_an_earlier_version_kept_as_blobs_are_moved_and_sent(field, gate, live_server, phones, session):
    user, station, recorder = field
    inspections.open_inspection(session, user.actor, station.id, campaigns.current_campaign(session))
    data = jpeg(seed=9)
    sha256 = hashlib.sha256(data).hexdigest()
    phone = phones("chromium")
    phone.sign_in(live_server, "inspector.ds")
    phone.goto(live_server + "/inspect/offline")  # the site's origin, before the app has opened its database
    phone.evaluate(
        EARLIER_VERSION,
        {"user": user.id, "stationId": station.id, "bytes": base64.b64encode(data).decode(), "sha256": sha256},
    )

    gate.lose(only="/api/")  # the page loads, its sync does not: what the upgrade did stays to be seen
    phone.goto(f"{live_server}/inspect/app#/station/{station.id}")
    phone.settled()
    stored = phone.evaluate(STORED, user.id)
    assert stored["version"] == 2 and "photo_files" in stored["stores"]
    assert stored["blobs"] == 0 and stored["files"] == [["p-1", True, len(data), "image/jpeg"]]
    phone.until(
        "() => { const img = document.querySelector('#slot-signboard figure.photo img'); "
        "return !!img && img.src.startsWith('blob:') && img.complete && img.naturalWidth > 0; }",
        what="the moved photo drawn",
    )
    assert "待上传" in phone.text("#slot-signboard figure.photo")

    gate.restore()
    phone.click("#sync-now")
    phone.synced()
    session.expire_all()
    kept = session.scalars(select(Inspection)).one().photos
    assert [(p.slot, p.sha256, p.browser_latitude) for p in kept] == [("signboard", sha256, 39.8203)]
    assert phone.evaluate(STORED, user.id)["files"] == []  # sent: the phone lets its copy go


@pytest.mark.parametrize("engine", ["webkit-memory", "chromium"])
def test_where_the_browser_promises_nothing_the_inspector_is_told(engine, field, live_server, phones):
    """WebKit has no navigator.storage; Chromium here refuses persist(). Both are told, with Safari's seven days."""
    user, station, recorder = field
    phone = phones(engine)
    phone.sign_in(live_server, "inspector.ds")
    phone.goto(live_server + "/inspect/app")
    phone.settled()
    assert phone.attribute("#syncbar", "data-storage") == "unpromised"
    notice = phone.text("#storage-notice")
    assert NOTICE in notice and "约 7 天" in notice and "7 天内" in notice and "无痕" in notice
    phone.wait("#storage-notice")
    phone.wait("#storage-state")  # in the sync bar for good
    assert phone.text("#storage-state") == "本机数据可能被浏览器清除"
    assert phone.scroll_width() <= phone.evaluate("() => innerWidth")

    phone.click("#storage-notice-ok")  # put away, and it stays away
    phone.wait("#storage-notice", "hidden")
    phone.reload()
    phone.settled()
    phone.wait("#storage-state")
    assert phone.count("#storage-notice:not([hidden])") == 0
    phone.click("#storage-state")  # the bar's note opens it again
    phone.wait("#storage-notice")


AGED = """async ({ user, stationId }) => {
  const db = await new Promise((resolve) => {
    const request = indexedDB.open("inspect-app-user-" + user);
    request.onsuccess = () => resolve(request.result);
  });
  await new Promise((resolve) => {
    const tx = db.transaction(["outbox"], "readwrite");
    tx.objectStore("outbox").put({ id: crypto.randomUUID(), kind: "open", station_id: stationId, state: "pending",
      attempts: 0, created_at: new Date(Date.now() - 6 * 86400000).toISOString(), data: { station_id: stationId } });
    tx.oncomplete = resolve;
  });
  db.close();
}"""

PROMISED = """() => { StorageManager.prototype.persisted = () => Promise.resolve(true); }"""


def test_a_change_waiting_for_days_brings_the_notice_back(field, gate, live_server, phones):
    user, station, recorder = field
    phone = phones("chromium")
    phone.sign_in(live_server, "inspector.ds")
    phone.goto(live_server + "/inspect/app")
    phone.settled()
    phone.click("#storage-notice-ok")
    phone.controlled()  # the reload below, with the server gone, is served by the service worker
    gate.lose()
    phone.evaluate(AGED, {"user": user.id, "stationId": station.id})
    phone.reload()
    phone.settled()
    phone.wait("#storage-notice")
    assert "至今没有同步：请尽快到有信号的地方同步" in phone.text("#storage-notice-urgent")


def test_where_the_browser_promises_to_keep_the_data_nothing_is_said(field, live_server, phones):
    user, station, recorder = field
    phone = phones("chromium", init_script="(" + PROMISED + ")()")
    phone.sign_in(live_server, "inspector.ds")
    phone.goto(live_server + "/inspect/app")
    phone.settled()
    assert phone.attribute("#syncbar", "data-storage") == "promised"
    assert phone.count("#storage-notice:not([hidden]), #storage-state:not([hidden])") == 0
