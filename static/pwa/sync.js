// The inspector's data on the phone: every change goes to the IndexedDB outbox first, then sync sends it to
// /api/v1. The offline app and the online checklist page both write through this one module.
//
// What the phone shows is the server's inspection as last seen with the outbox entries laid over it
// (stationState), so a refresh from the server never hides a change still waiting. Sync sends the outbox
// in order, one entry at a time, each with its own UUID as Idempotency-Key, so a request repeated after a
// lost answer changes nothing on the server.
"use strict";
window.Inspect = window.Inspect || {};
(function (ns) {
  const CHUNK = 512 * 1024;
  const OFFLINE = "网络不可用";
  // The outbox's rules (the overlay, folding, refusals, the retry wait) are in sync_core.js; this module reads
  // and writes IndexedDB and talks to the server.
  const core = ns.syncCore;
  let db = null, api = "", csrf = null, running = null, again = false, lockName = "", userId = null;
  let streak = 0, reached = false, retryTimer = null, pollTimer = null, polls = 0;
  const listeners = [];

  // Ends the run and leaves the entry for next time (no network, server trouble, signed out).
  class Stop extends Error {
    constructor(message, login, offline) { super(message); this.login = !!login; this.offline = !!offline; }
  }
  // The server refused the entry: it stays in the outbox, marked failed, with the server's message.
  class Failed extends Error {
    constructor(message, missing) { super(message); this.missing = missing || []; }
  }

  function emit(what, detail) { listeners.forEach(function (fn) { fn(what, detail); }); }

  // ---- requests -------------------------------------------------------------------------------------

  async function call(method, path, options) {
    options = options || {};
    const headers = { Accept: "application/json" };
    if (method !== "GET" && csrf) { headers["X-CSRFToken"] = csrf; }
    if (options.key) { headers["Idempotency-Key"] = options.key; }
    let body = options.body;
    if (options.json !== undefined) { headers["Content-Type"] = "application/json"; body = JSON.stringify(options.json); }
    if (options.type) { headers["Content-Type"] = options.type; }
    let response, data = null;
    try {
      response = await fetch(api + path, { method: method, headers: headers, body: body, credentials: "same-origin",
                                           cache: "no-store", redirect: "manual" });
      if (response.status !== 204 && (response.headers.get("Content-Type") || "").indexOf("json") >= 0) {
        data = await response.json();
      }
    } catch (error) {
      throw new Stop(OFFLINE, false, true);
    }
    if (response.ok) { reached = true; streak = 0; }
    // A form-style CSRF refusal is HTML, not JSON: fetch a fresh token once and try again.
    if (response.status === 400 && data === null && !options.retried && method !== "GET") {
      await fetchSession();
      return call(method, path, Object.assign({}, options, { retried: true }));
    }
    return { status: response.status, data: data, replayed: response.headers.get("Idempotent-Replayed") === "true" };
  }

  function message(r, fallback) {
    return r.data && r.data.error && r.data.error.message ? r.data.error.message : fallback;
  }

  function ok(r) {
    if (r.status >= 200 && r.status < 300) { return r; }
    if (r.status === 401 || r.status === 0 || (r.status >= 300 && r.status < 400)) {
      throw new Stop("登录已过期：请重新登录后同步（未同步的内容仍保存在本机）", true);
    }
    if (r.status >= 500 || r.status === 429) { throw new Stop("服务器暂时出错（" + r.status + "），未同步的内容仍保存在本机"); }
    throw new Failed(message(r, "服务器拒绝了这条记录（" + r.status + "）"));
  }

  async function fetchSession() {
    const r = ok(await call("GET", "/session"));
    if (r.data.user.id !== userId) {  // this phone's outbox belongs to the account it was made under
      throw new Stop("当前登录的是另一个账号：请用原账号登录后同步（未同步的内容仍保存在本机）", true);
    }
    csrf = r.data.csrf_token;
    return r.data;
  }

  // ---- reading --------------------------------------------------------------------------------------

  function loadAll() {
    return db.tx(["meta", "inspections", "outbox", "photos"], "readonly", async function (s) {
      const found = await Promise.all([s("meta").get("bootstrap"), s("inspections").all(), s("outbox").all(),
                                       s("photos").all(), s("meta").get("last_sync")]);
      const byStation = {};
      found[1].forEach(function (i) { byStation[i.station_id] = i; });
      return { bootstrap: found[0] || null, inspections: byStation, outbox: found[2], photos: found[3],
               lastSync: found[4] || null };
    });
  }

  const stationState = core.stationState;

  // ---- writing changes: each becomes an outbox entry ------------------------------------------------

  function fresh() { return { id: ns.uuid(), created_at: new Date().toISOString() }; }

  function newEntry(kind, stationId, data) { return core.newEntry(kind, stationId, data, fresh()); }

  // Inside a transaction over outbox and inspections: add (or fold into a not-yet-sent entry) one change.
  async function addEntry(s, kind, stationId, data) {
    const outbox = await s("outbox").all();
    const snap = await s("inspections").get(stationId);
    // The inspection opens in the campaign the phone showed when the change was made, whatever the account
    // has chosen by the time it is sent.
    const boot = await s("meta").get("bootstrap");
    const opening = { station_id: stationId, campaign_id: boot && boot.campaign ? boot.campaign.id : null };
    for (const write of core.fold(outbox, snap, opening, kind, stationId, data, fresh)) {
      if (write.put) { await s("outbox").put(write.put); } else { await s("outbox").delete(write.delete); }
    }
  }

  function change(kind, stationId, data) {
    return db.tx(["meta", "outbox", "inspections"], "readwrite", function (s) { return addEntry(s, kind, stationId, data); })
      .then(function () { emit("outbox"); schedule(); });
  }

  async function hex(buffer) {
    const digest = await crypto.subtle.digest("SHA-256", buffer);
    return Array.prototype.map.call(new Uint8Array(digest), function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
  }

  function placed(position) {
    return { latitude: position.latitude, longitude: position.longitude, accuracy: position.accuracy,
             position_time: new Date(position.timestamp).toISOString() };
  }

  // A photo is hashed and kept here at once, with the time it was chosen. Its position may still be on its way:
  // until `locatingUntil` (ms) the photo waits for placePhoto() before it is sent, so that it reaches the server
  // with the place it was taken at. `replaces` names a photo on the server that this one takes the place of.
  async function addPhoto(stationId, slot, file, replaces, locatingUntil) {
    if (!window.crypto || !crypto.subtle) { throw ns.told("此浏览器无法计算照片校验值（需要 HTTPS 访问）"); }
    const buffer = await ns.bytesOf(file);
    const sha256 = await hex(buffer);
    const chosen = new Date().toISOString();
    const record = {
      id: ns.uuid(), station_id: stationId, slot: slot, sha256: sha256, size: buffer.byteLength, name: file.name,
      type: file.type || "image/jpeg", chosen_at: chosen, latitude: null, longitude: null, accuracy: null,
      position_time: chosen, locating: !!locatingUntil,
    };
    const added = await db.tx(["meta", "outbox", "inspections", "photos", "photo_files"], "readwrite", async function (s) {
      const found = await Promise.all([s("inspections").get(stationId), s("photos").all(), s("outbox").all()]);
      const here = stationState({ inspections: { [stationId]: found[0] }, photos: found[1], outbox: found[2] }, stationId);
      if (here.photos.some(function (p) { return (p.server || p.local).sha256 === sha256; })) { return false; }
      await s("photo_files").put({ id: record.id, bytes: buffer, type: record.type });
      await s("photos").put(record);
      await addEntry(s, "photo", stationId, {
        photo_id: record.id, slot: slot, sha256: sha256, size: record.size, latitude: null, longitude: null,
        accuracy: null, position_time: chosen, uploaded: false, replaces: replaces || null,
        locating_until: locatingUntil ? new Date(locatingUntil).toISOString() : null,
      });
      return true;
    });
    if (!added) { throw ns.told("这张照片已经添加过了"); }
    emit("outbox"); schedule();
    return record;
  }

  // The position of a photo's moment, when it came (or null when none will): the photo and its entry get it, and
  // the entry may be sent. An entry already sent keeps the body it was sent with.
  async function placePhoto(photoId, position) {
    await db.tx(["outbox", "photos"], "readwrite", async function (s) {
      const record = await s("photos").get(photoId);
      const entry = (await s("outbox").all()).find(function (e) { return e.kind === "photo" && e.data.photo_id === photoId; });
      if (!record || !record.locating) { return; }
      if (entry && (entry.attempts || entry.state !== "pending")) { position = null; }
      if (position) { Object.assign(record, placed(position)); }
      record.locating = false;
      await s("photos").put(record);
      if (entry && !entry.attempts) {
        if (position) { Object.assign(entry.data, placed(position)); }
        entry.data.locating_until = null;
        await s("outbox").put(entry);
      }
    });
    emit("outbox"); emit("data"); schedule();
  }

  // A photo taken here, as a Blob to draw: from its bytes (or the Blob an earlier version kept, not yet moved).
  async function photoBlob(photoId) {
    const file = await db.get("photo_files", photoId);
    if (file) { return new Blob([file.bytes], { type: file.type }); }
    const record = await db.get("photos", photoId);
    return record && record.blob ? record.blob : null;
  }

  async function photoBytes(photoId) {
    const file = await db.get("photo_files", photoId);
    if (file) { return file.bytes; }
    const record = await db.get("photos", photoId);
    return record && record.blob ? ns.bytesOf(record.blob) : null;
  }

  // Inside a transaction over photos and photo_files: a photo taken here is gone, bytes and all.
  function dropPhoto(s, photoId) {
    return Promise.all([s("photos").delete(photoId), s("photo_files").delete(photoId)]);
  }

  async function removePhoto(stationId, ref) {
    await db.tx(["outbox", "inspections", "photos", "photo_files"], "readwrite", async function (s) {
      if (ref.server_id) { return addDelete(s, stationId, { server_id: ref.server_id }); }
      const outbox = await s("outbox").all();
      const entry = outbox.find(function (e) { return e.kind === "photo" && e.data.photo_id === ref.local_id; });
      if (entry && entry.state === "pending" && entry.attempts) {
        return addDelete(s, stationId, { local_id: ref.local_id });  // it may be on the server already
      }
      if (entry) { await s("outbox").delete(entry.seq); }
      await dropPhoto(s, ref.local_id);
    });
    emit("outbox"); schedule();
  }

  function addDelete(s, stationId, data) {
    return s("outbox").put(newEntry("photo_delete", stationId, data));
  }

  async function resolveConflict(stationId, conflictId, choice) {
    await db.tx(["outbox", "inspections"], "readwrite", async function (s) {
      const snap = await s("inspections").get(stationId);
      const conflict = ((snap && snap.conflicts) || []).find(function (c) { return c.id === conflictId; });
      if (!conflict) { return; }
      const outbox = await s("outbox").all();
      const held = outbox.filter(function (e) { return e.state === "held" && e.conflict_id === conflictId; });
      const mine = held.length ? held[held.length - 1].data : conflict.proposed;
      const chosen = choice === "server" && conflict.server ? conflict.server : mine;
      for (const e of held) { await s("outbox").delete(e.seq); }
      await s("outbox").put(newEntry("answer", stationId, {
        code: conflict.item_code, verdict: chosen.verdict, points: chosen.points, note: chosen.note,
        base_version: conflict.server ? conflict.server.version : null, resolves: conflictId,
      }));
    });
    emit("outbox"); schedule();
  }

  // A page that came with the server's inspection gives it to the phone when the phone has none yet (opened
  // before any sync): later changes then rest on it. A snapshot the phone already holds is never replaced
  // from a page, which may be an older copy; sync brings the newer one.
  function adopt(snapshot) {
    return db.tx(["inspections"], "readwrite", async function (s) {
      const mine = core.filed(snapshot);
      if (!(await s("inspections").get(mine.station_id))) { await s("inspections").put(mine); }
    }).then(function () { emit("data"); });
  }

  async function retryFailed(stationId) {
    await db.tx(["outbox"], "readwrite", async function (s) {
      for (const e of await s("outbox").all()) {
        if (e.state === "failed" && (stationId === undefined || e.station_id === stationId)) {
          await s("outbox").put(core.retried(e, ns.uuid()));
        }
      }
    });
    emit("outbox"); schedule();
  }

  async function discard(seq) {
    await db.tx(["outbox", "photos", "photo_files"], "readwrite", async function (s) {
      const entry = await s("outbox").get(seq);
      if (!entry) { return; }
      await s("outbox").delete(seq);
      if (entry.kind === "photo") { await dropPhoto(s, entry.data.photo_id); }
    });
    emit("outbox"); emit("data");
  }

  // ---- sending --------------------------------------------------------------------------------------

  // The next entry to send, marked as attempted in the same transaction (so no edit folds into it now). A photo
  // whose position is still on its way holds the queue (what comes after it may need it, a submission does)
  // until the position comes or its time is up: then { until } says when.
  function claim() {
    return db.tx(["outbox"], "readwrite", async function (s) {
      const entry = (await s("outbox").all()).find(function (e) { return e.state === "pending"; });
      if (!entry) { return null; }
      const locating = entry.kind === "photo" && !entry.attempts && entry.data.locating_until;
      const until = locating ? Date.parse(entry.data.locating_until) : 0;
      if (until > Date.now()) { return { until: until }; }
      entry.attempts = (entry.attempts || 0) + 1;
      await s("outbox").put(entry);
      return entry;
    });
  }

  // Finish an entry: drop it from the outbox and apply what the server answered, in one transaction.
  function settle(entry, work) {
    return db.tx(["outbox", "inspections", "photos", "photo_files"], "readwrite", async function (s) {
      await s("outbox").delete(entry.seq);
      const snap = await s("inspections").get(entry.station_id);
      const outbox = await s("outbox").all();
      const next = await work(s, snap, outbox);
      if (next) { await s("inspections").put(core.filed(next)); }  // filed under its key, whatever the server sent
    });
  }

  async function inspectionId(entry) {
    const snap = await db.get("inspections", entry.station_id);
    if (snap && snap.id) { return snap.id; }
    throw new Failed("服务器上还没有这个服务站的检查（开始检查未成功），请先重试“开始检查”");
  }

  async function send(entry) {
    const d = entry.data;
    if (entry.kind === "open") {
      const body = core.openBody(entry.station_id, entry.data && entry.data.campaign_id);
      const r = ok(await call("POST", "/inspections", { json: body, key: entry.id }));
      return settle(entry, function () { return r.data; });
    }
    if (entry.kind === "photo") { return sendPhoto(entry); }
    if (entry.kind === "photo_delete") { return sendDelete(entry); }
    const id = await inspectionId(entry);
    if (entry.kind === "answer") {
      if (entry.base_from) {
        // The entry it was based on never got through: the phone last saw the server's version. Kept with the
        // entry before it is sent, so that a resend under the same key carries the very same body.
        const snap = await db.get("inspections", entry.station_id);
        d.base_version = snap.answers && snap.answers[d.code] ? snap.answers[d.code].version : null;
        delete entry.base_from;
        await db.put("outbox", entry);
      }
      const body = { verdict: d.verdict, points: d.points, note: d.note, base_version: d.base_version };
      if (d.resolves) { body.resolves = d.resolves; }
      const r = await call("PUT", "/inspections/" + id + "/answers/" + encodeURIComponent(d.code), { json: body, key: entry.id });
      if (r.status === 409 && r.data && r.data.error && r.data.error.conflict) { return conflicted(entry, r.data.error.conflict); }
      ok(r);
      return settle(entry, async function (s, snap, outbox) {
        for (const e of outbox.filter(function (x) { return x.base_from === entry.id; })) {
          delete e.base_from; e.data.base_version = r.data.answer.version; await s("outbox").put(e);
        }
        snap.answers = Object.assign({}, snap.answers, { [d.code]: r.data.answer });
        snap.score = r.data.score;
        if (d.resolves) { snap.conflicts = (snap.conflicts || []).filter(function (c) { return c.id !== d.resolves; }); }
        return snap;
      });
    }
    if (entry.kind === "signature") {
      const r = ok(await call("PUT", "/inspections/" + id + "/signatures/" + d.role,
                              { json: { name: d.name, image: d.image }, key: entry.id }));
      return settle(entry, function (s, snap) {
        snap.signatures = Object.assign({}, snap.signatures, { [d.role]: r.data });
        return snap;
      });
    }
    if (entry.kind === "plaque") {
      const r = ok(await call("PUT", "/inspections/" + id + "/plaque", { json: { code: d.code }, key: entry.id }));
      return settle(entry, function (s, snap) {
        snap.plaque = r.data.plaque;
        return snap;
      });
    }
    if (entry.kind === "submit") {
      const r = await call("POST", "/inspections/" + id + "/submit", { key: entry.id });
      if (r.status === 422 && r.data && r.data.error) { throw new Failed(r.data.error.message, r.data.error.missing); }
      // Photos still being read: not refused, only early. The submission waits, and is sent again by the retry.
      if (r.status === 409 && r.data && r.data.error && r.data.error.code === "photos_processing") {
        throw new Stop(r.data.error.message);
      }
      ok(r);
      return settle(entry, function () { return r.data; });
    }
    throw new Failed("未知的记录类型：" + entry.kind);
  }

  // Both edits stay on the server; the phone keeps its own edit (and any made after it) held beside the
  // server's until somebody chooses.
  function conflicted(entry, conflict) {
    return db.tx(["outbox", "inspections"], "readwrite", async function (s) {
      for (const e of (await s("outbox").all()).filter(function (x) {
        return x.kind === "answer" && x.station_id === entry.station_id && x.data.code === entry.data.code &&
          x.state !== "failed" && x.seq >= entry.seq;
      })) {
        delete e.base_from; e.state = "held"; e.conflict_id = conflict.id; await s("outbox").put(e);
      }
      const snap = await s("inspections").get(entry.station_id);
      snap.conflicts = (snap.conflicts || []).filter(function (c) { return c.id !== conflict.id; }).concat([conflict]);
      if (conflict.server) { snap.answers = Object.assign({}, snap.answers, { [conflict.item_code]: conflict.server }); }
      await s("inspections").put(snap);
    });
  }

  async function sendPhoto(entry, again) {
    const d = entry.data;
    const id = await inspectionId(entry);
    if (!d.uploaded) {
      const bytes = await photoBytes(d.photo_id);
      if (!bytes) { throw new Failed("本机保存的照片文件已丢失，请重新拍摄"); }
      let r = ok(await call("POST", "/uploads", { json: { sha256: d.sha256, size: d.size } }));
      let received = r.data.received, complete = r.data.complete, mismatches = 0;
      // Resumable: start from what the server already has, so a cut upload continues from its last chunk.
      while (!complete) {
        emit("progress", { photo_id: d.photo_id, received: received, size: d.size });
        r = await call("PUT", "/uploads/" + d.sha256 + "?offset=" + received,
                       { body: bytes.slice(received, received + CHUNK), type: "application/octet-stream" });
        if (r.status === 409 && r.data && r.data.error && typeof r.data.error.received === "number" && mismatches++ < 3) {
          received = r.data.error.received;
          continue;
        }
        ok(r);
        received = r.data.received; complete = r.data.complete;
      }
      d.uploaded = true;
      await db.put("outbox", entry);
    }
    const r = await call("POST", "/inspections/" + id + "/photos", { key: entry.id, json: {
      slot: d.slot, sha256: d.sha256, latitude: d.latitude, longitude: d.longitude, accuracy: d.accuracy,
      position_time: d.position_time, replaces: d.replaces || null } });
    if (r.status === 422 && !again && r.data && r.data.error && r.data.error.fields && r.data.error.fields.sha256) {
      d.uploaded = false;  // the finished upload is gone from the server: send the file again
      return sendPhoto(entry, true);
    }
    ok(r);
    return settle(entry, async function (s, snap, outbox) {
      for (const e of outbox.filter(function (x) { return x.kind === "photo_delete" && x.data.local_id === d.photo_id; })) {
        e.data.server_id = r.data.id; await s("outbox").put(e);
      }
      await dropPhoto(s, d.photo_id);
      snap.photos = (snap.photos || []).filter(function (p) { return p.id !== r.data.id && p.id !== d.replaces; })
        .concat([r.data]);
      if (r.data.state === "processing") { polls = 0; }  // a new photo being read: ask soon, not in a minute
      return snap;
    });
  }

  // ---- photos being read on the server --------------------------------------------------------------

  // Ask again, after pollDelay, while a photo the server kept is still being read; none left, no timer.
  async function planPoll() {
    clearTimeout(pollTimer);
    pollTimer = null;
    const waiting = core.processing(await loadSnapshots());
    if (!waiting.length) { polls = 0; return; }
    pollTimer = setTimeout(function () { poll(waiting); }, core.pollDelay(polls));
  }

  async function loadSnapshots() {
    const byStation = {};
    (await db.all("inspections")).forEach(function (snap) { byStation[snap.station_id] = snap; });
    return byStation;
  }

  async function poll(waiting) {
    pollTimer = null;
    polls += 1;
    let changed = false;
    for (const w of waiting) {
      let r;
      try { r = await call("GET", "/inspections/" + w.id + "/photos"); } catch (error) { break; }  // offline: later
      if (r.status !== 200 || !r.data) { continue; }
      changed = await db.tx(["inspections"], "readwrite", async function (s) {
        const snap = await s("inspections").get(w.station_id);
        if (!snap || snap.id !== w.id) { return false; }
        await s("inspections").put(core.polled(snap, r.data.photos));
        return true;
      }) || changed;
    }
    if (changed) { emit("data"); }
    await planPoll();
  }

  async function sendDelete(entry) {
    const sid = entry.data.server_id;
    if (sid) {
      const r = await call("DELETE", "/photos/" + sid, { key: entry.id });
      if (r.status !== 404) { ok(r); }  // already gone is what was wanted
    }
    return settle(entry, async function (s, snap) {
      if (entry.data.local_id) { await dropPhoto(s, entry.data.local_id); }
      if (!snap) { return null; }
      snap.photos = (snap.photos || []).filter(function (p) { return p.id !== sid; });
      return snap;
    });
  }

  function markFailed(entry, error) {
    return db.tx(["outbox", "photos", "photo_files"], "readwrite", async function (s) {
      const refused = core.refusal(await s("outbox").all(), entry);
      if (refused.removal) {  // refused, and removed by the inspector anyway: nothing left to do
        await s("outbox").delete(refused.removal.seq); await s("outbox").delete(entry.seq); await dropPhoto(s, entry.data.photo_id);
        return;
      }
      for (const e of refused.rebased) { await s("outbox").put(e); }
      const current = await s("outbox").get(entry.seq);
      if (current) { await s("outbox").put(core.failed(current, error)); }
    });
  }

  async function refresh() {
    const r = await call("GET", "/bootstrap");
    if (r.status === 403) { throw new Stop(message(r, "您的账号不能进行现场检查")); }
    ok(r);
    await db.tx(["meta", "inspections", "outbox"], "readwrite", async function (s) {
      await s("meta").put(Object.assign({ fetched_at: new Date().toISOString() }, r.data), "bootstrap");
      await s("inspections").clear();
      const open = {};
      for (const inspection of r.data.inspections.concat(r.data.follow_up_inspections || [])) {
        await s("inspections").put(core.filed(inspection));
        (inspection.conflicts || []).forEach(function (c) { open[c.id] = true; });
      }
      // A conflict settled elsewhere (by the leader, or on another phone) has no choice left to make here.
      for (const e of await s("outbox").all()) {
        if (e.state === "held" && !open[e.conflict_id]) { await s("outbox").delete(e.seq); }
      }
    });
  }

  // One pass over the outbox; resolves with how it ended: done, stopped, or waiting { until } for a position.
  async function runOnce() {
    emit("status", { state: "syncing" });
    let sent = 0, waiting = null;
    reached = false;
    try {
      await fetchSession();
      for (;;) {
        const entry = await claim();
        if (!entry) { break; }
        if (entry.until) { waiting = entry.until; break; }
        try {
          await send(entry);
          sent += 1;
        } catch (error) {
          if (!(error instanceof Failed)) { throw error; }
          await markFailed(entry, error);
        }
        emit("outbox"); emit("data");
      }
      await refresh();
      await db.put("meta", new Date().toISOString(), "last_sync");
      emit("status", { state: "done", sent: sent, locating: !!waiting });
      emit("outbox"); emit("data");
      return waiting ? { state: "waiting", until: waiting } : { state: "done" };
    } catch (error) {
      if (error instanceof Stop) {
        emit("status", { state: "stopped", message: error.message, login: error.login, offline: error.offline });
      }
      else { emit("status", { state: "stopped", message: "同步出错：" + ns.storageMessage(error) }); }
    }
    // Each entry sent has been drawn already: a run that stopped redraws nothing (retries would make the
    // pages flicker under the inspector's finger every few seconds).
    return { state: "stopped" };
  }

  // After a run: when to run again by itself (see RETRY_FIRST_MS in sync_core.js). A retry that reached nothing
  // doubles the wait; a run for another reason (a change, 立即同步, the page shown again) leaves it as it is.
  async function plan(outcome, retry) {
    clearTimeout(retryTimer);
    retryTimer = null;
    let delay = null;
    if (outcome.state === "waiting") {
      delay = Math.max(0, outcome.until - Date.now()) + 100;
    } else if (outcome.state === "stopped") {
      const c = await counts();
      if (c.waiting - c.failed - c.held <= 0) { emit("retry", null); return; }  // nothing a retry could send
      if (retry && !reached) { streak += 1; }
      delay = core.retryDelay(streak);
    }
    if (delay === null) { emit("retry", null); return; }
    retryTimer = setTimeout(function () { sync(outcome.state === "stopped"); }, delay);
    emit("retry", outcome.state === "stopped" ? { seconds: Math.round(delay / 1000) } : null);
  }

  // One run at a time (across tabs too, where Web Locks exist); a request during a run queues one more.
  // `retry` marks a run the retry timer started.
  function sync(retry) {
    if (running) { again = true; return running; }
    clearTimeout(retryTimer);
    emit("running", true);
    running = (async function () {
      let outcome, automatic = retry === true;
      do {
        again = false;
        outcome = navigator.locks ? await navigator.locks.request(lockName, runOnce) : await runOnce();
        if (again) { automatic = false; }
      } while (again);
      await plan(outcome, automatic);
    })().finally(function () { running = null; emit("running", false); planPoll(); });
    return running;
  }

  let timer = null;
  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(function () { sync(); }, 300);  // a burst of taps makes one run
  }

  async function counts() {
    return core.tally(await db.all("outbox"));
  }

  ns.data = {
    init: function (database, apiRoot, user) { db = database; api = apiRoot; userId = user; lockName = "inspect-sync-" + user; },
    on: function (fn) { listeners.push(fn); },
    loadAll: loadAll, stationState: stationState, parseKey: core.parseKey, scoped: core.scoped, counts: counts, sync: function () { return sync(); },
    open: function (stationId) { return change("open", stationId, {}); },
    answer: function (stationId, code, answer) { return change("answer", stationId, Object.assign({ code: code }, answer)); },
    sign: function (stationId, role, name, image) {
      return change("signature", stationId, { role: role, name: name, image: image, signed_at: new Date().toISOString() });
    },
    submit: function (stationId) { return change("submit", stationId, {}); },
    // The plaque's code as scanned or typed (already in the form the server keeps; "" clears the check).
    plaque: function (stationId, code) {
      return change("plaque", stationId, { code: code, entered_at: new Date().toISOString() });
    },
    addPhoto: addPhoto, placePhoto: placePhoto, photoBlob: photoBlob, removePhoto: removePhoto,
    resolveConflict: resolveConflict, retryFailed: retryFailed, discard: discard, adopt: adopt,
    meta: function (key, value) { return value === undefined ? db.get("meta", key) : db.put("meta", value, key); },
  };
})(window.Inspect);
