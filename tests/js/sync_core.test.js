// The outbox's rules (static/pwa/sync_core.js) without a browser: run with `node --test tests/js/`.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const core = require("../../static/pwa/sync_core.js");

const ST = 11, OTHER = 12;

// An outbox entry as IndexedDB keeps it (`seq` is the store's key).
function entry(seq, kind, data, extra) {
  return Object.assign({ seq: seq, id: "e" + seq, kind: kind, station_id: ST, data: data, state: "pending",
                         attempts: 0, created_at: "2025-06-01T08:00:0" + (seq % 10) + ".000Z" }, extra);
}

function answer(seq, code, verdict, extra) {
  return entry(seq, "answer", { code: code, verdict: verdict, points: null, note: "" }, extra);
}

// New ids and times in order, as sync.js's fresh() gives them.
function freshes() {
  let n = 0;
  return function () { n += 1; return { id: "new" + n, created_at: "2025-06-02T00:00:0" + n + ".000Z" }; };
}

// The outbox after `writes`, as the object store would hold it: a put without `seq` gets the next key.
function applied(outbox, writes) {
  const rows = new Map(outbox.map(function (e) { return [e.seq, e]; }));
  let next = Math.max(0, ...rows.keys()) + 1;
  for (const w of writes) {
    if ("delete" in w) { rows.delete(w.delete); continue; }
    const row = w.put.seq === undefined ? Object.assign({ seq: next++ }, w.put) : w.put;
    rows.set(row.seq, row);
  }
  return [...rows.values()].sort(function (a, b) { return a.seq - b.seq; });
}

const OPENING = { station_id: ST, campaign_id: 3 };
const OPENED = { id: 501, station_id: ST, status: "in_progress", answers: { A1: { verdict: "pass", points: null, note: "", version: 4 } } };

function fold(outbox, snap, kind, data, stationId) {
  const writes = core.fold(outbox, snap, OPENING, kind, stationId === undefined ? ST : stationId, data, freshes());
  return { writes: writes, outbox: applied(outbox, writes) };
}

function state(snap, outbox, photos, stationId) {
  return core.stationState({ inspections: snap ? { [snap.station_id]: snap } : {}, outbox: outbox, photos: photos || [] },
                           stationId === undefined ? ST : stationId);
}

// ---- the retry wait -------------------------------------------------------------------------------

test("the retry wait starts at 5 s, doubles, and stops at 5 minutes", function () {
  const waits = [0, 1, 2, 3, 4, 5, 6, 7, 20].map(core.retryDelay);
  assert.deepEqual(waits, [5000, 10000, 20000, 40000, 80000, 160000, 300000, 300000, 300000]);
  assert.equal(core.RETRY_FIRST_MS, 5000);
  assert.equal(core.RETRY_MAX_MS, 300000);
});

test("photos being read are asked after again after 2 s, half as long again each time, at most every minute", function () {
  const waits = [0, 1, 2, 3, 8, 9, 30].map(core.pollDelay);
  assert.deepEqual(waits, [2000, 3000, 4500, 6750, 51258, 60000, 60000]);
  assert.equal(core.POLL_FIRST_MS, 2000);
  assert.equal(core.POLL_MAX_MS, 60000);
});

test("only inspections the server has with a photo still processing are polled", function () {
  const reading = Object.assign({}, OPENED, { photos: [{ id: 70, state: "ready" }, { id: 71, state: "processing" }] });
  const done = Object.assign({}, OPENED, { id: 502, station_id: OTHER, photos: [{ id: 72, state: "rejected" }] });
  assert.deepEqual(core.processing({ [ST]: reading, [OTHER]: done }), [{ station_id: ST, id: 501 }]);
  assert.deepEqual(core.processing({ [OTHER]: done, 13: { station_id: 13, photos: [{ id: 1, state: "processing" }] } }), []);
  const after = core.polled(reading, [{ id: 71, state: "ready" }]);
  assert.deepEqual(after.photos, [{ id: 71, state: "ready" }]);
  assert.equal(after.answers, reading.answers);
  assert.equal(reading.photos.length, 2);  // the snapshot it came from is left as it was
});

test("a server photo shows as processing or rejected while it is, and saved once read", function () {
  const snap = Object.assign({}, OPENED, { photos: [{ id: 70, slot: "door", state: "processing" },
                                                    { id: 71, slot: "door", state: "rejected", rejected_reason: "照片文件已损坏或不完整" },
                                                    { id: 72, slot: "board", state: "ready" }] });
  assert.deepEqual(state(snap, []).photos.map(function (p) { return [p.key, p.state]; }),
                   [["s70", "processing"], ["s71", "rejected"], ["s72", "saved"]]);
});

// ---- the station as the phone shows it ------------------------------------------------------------

test("a station with nothing on the server and nothing waiting has not been started and may be", function () {
  const st = state(null, []);
  assert.equal(st.status, "not_started");
  assert.equal(st.editable, true);
  assert.equal(st.inspection, null);
  assert.deepEqual([st.answers, st.signatures, st.photos, st.conflicts, st.failed, st.waiting, st.submitPending],
                   [{}, {}, [], [], [], 0, false]);
});

test("the server's answers show as saved, with everything the server said", function () {
  const st = state(OPENED, []);
  assert.deepEqual(st.answers, { A1: { state: "saved", verdict: "pass", points: null, note: "", version: 4 } });
  assert.equal(st.status, "in_progress");
  assert.equal(st.inspection, OPENED);
});

test("an answer waiting in the outbox wins over the server's, and shows its state and place", function () {
  const st = state(OPENED, [answer(7, "A1", "fail", { data: { code: "A1", verdict: "fail", points: 0, note: "门牌缺" } })]);
  assert.deepEqual(st.answers.A1, { verdict: "fail", points: 0, note: "门牌缺", state: "pending", error: undefined, seq: 7 });
});

test("the last of several waiting answers to one item is the one shown", function () {
  const st = state(OPENED, [answer(1, "A1", "fail"), answer(2, "B2", "na"), answer(3, "A1", "na", { state: "held" })]);
  assert.equal(st.answers.A1.verdict, "na");
  assert.equal(st.answers.A1.state, "held");
  assert.equal(st.answers.B2.verdict, "na");
  assert.equal(st.waiting, 3);
});

test("a refused answer still shows, with the server's message, and is listed as failed", function () {
  const refused = answer(4, "A1", "fail", { state: "failed", error: "该项不存在" });
  const st = state(OPENED, [refused]);
  assert.equal(st.answers.A1.state, "failed");
  assert.equal(st.answers.A1.error, "该项不存在");
  assert.deepEqual(st.failed, [refused]);
});

test("once its entry is gone (sent or discarded) the server's answer shows again", function () {
  const waiting = [answer(4, "A1", "fail")];
  assert.equal(state(OPENED, waiting).answers.A1.state, "pending");
  const st = state(OPENED, []);
  assert.equal(st.answers.A1.state, "saved");
  assert.equal(st.answers.A1.verdict, "pass");
});

test("signatures: the server's under the phone's names, a waiting one over it", function () {
  const snap = Object.assign({}, OPENED, { signatures: {
    inspector: { signer_name: "李检查", signed_at: "2025-06-01T09:00:00Z", image_url: "/sig/1.png", id: 9 },
    representative: { signer_name: "王站长", signed_at: "2025-06-01T09:01:00Z", image_url: "/sig/2.png" },
  } });
  const sign = entry(5, "signature", { role: "representative", name: "张站长", signed_at: "2025-06-01T10:00:00Z", image: "data:x" });
  const st = state(snap, [sign]);
  assert.deepEqual(st.signatures.inspector, { name: "李检查", signed_at: "2025-06-01T09:00:00Z", image: "/sig/1.png", state: "saved" });
  assert.deepEqual(st.signatures.representative,
                   { name: "张站长", signed_at: "2025-06-01T10:00:00Z", image: "data:x", state: "pending", error: undefined });
});

test("photos: the server's, then those taken here with their entry's state", function () {
  const snap = Object.assign({}, OPENED, { photos: [{ id: 70, slot: "door" }, { id: 71, slot: "board" }] });
  const photos = [{ id: "p1", station_id: ST, slot: "desk" }, { id: "p2", station_id: ST, slot: "desk" },
                  { id: "p3", station_id: OTHER, slot: "desk" }];
  const outbox = [entry(1, "photo", { photo_id: "p1" }, { state: "failed", error: "照片太大" })];
  const st = state(snap, outbox, photos);
  assert.deepEqual(st.photos.map(function (p) { return [p.key, p.slot, p.state, p.error]; }), [
    ["s70", "door", "saved", undefined], ["s71", "board", "saved", undefined],
    ["lp1", "desk", "failed", "照片太大"], ["lp2", "desk", "pending", undefined],
  ]);
  assert.equal(st.photos[0].server, snap.photos[0]);
  assert.equal(st.photos[2].local, photos[0]);
});

test("a removal waiting in the outbox hides the photo, on the server or taken here", function () {
  const snap = Object.assign({}, OPENED, { photos: [{ id: 70, slot: "door" }, { id: 71, slot: "board" }] });
  const photos = [{ id: "p1", station_id: ST, slot: "desk" }, { id: "p2", station_id: ST, slot: "desk" }];
  const outbox = [entry(1, "photo_delete", { server_id: 71 }), entry(2, "photo_delete", { local_id: "p1" })];
  assert.deepEqual(state(snap, outbox, photos).photos.map(function (p) { return p.key; }), ["s70", "lp2"]);
});

test("a photo queued to replace one on the server takes its place, unless it was refused", function () {
  const snap = Object.assign({}, OPENED, { photos: [{ id: 70, slot: "door" }] });
  const photos = [{ id: "p1", station_id: ST, slot: "door" }];
  const queued = entry(1, "photo", { photo_id: "p1", replaces: 70 });
  assert.deepEqual(state(snap, [queued], photos).photos.map(function (p) { return p.key; }), ["lp1"]);
  const refused = Object.assign({}, queued, { state: "failed" });
  assert.deepEqual(state(snap, [refused], photos).photos.map(function (p) { return p.key; }), ["s70", "lp1"]);
});

test("a submission waiting makes the station submitted and closed to edits; a refused one does not", function () {
  const submitted = state(OPENED, [entry(1, "submit", {})]);
  assert.deepEqual([submitted.status, submitted.submitPending, submitted.editable], ["submitted", true, false]);
  const refused = state(OPENED, [entry(1, "submit", {}, { state: "failed", missing: ["A1"] })]);
  assert.deepEqual([refused.status, refused.submitPending, refused.editable], ["in_progress", false, true]);
});

test("the status: the server's, or in progress when only the phone has begun", function () {
  assert.equal(state(null, [entry(1, "open", OPENING)]).status, "in_progress");
  assert.equal(state(Object.assign({}, OPENED, { status: "returned" }), []).editable, true);
  const done = state(Object.assign({}, OPENED, { status: "submitted" }), []);
  assert.deepEqual([done.status, done.editable], ["submitted", false]);
  assert.equal(state(Object.assign({}, OPENED, { status: "approved" }), []).editable, false);
});

test("conflicts: the phone's held edit beside the server's, none once a choice is waiting to go", function () {
  const conflict = { id: 31, item_code: "A1", server: { verdict: "pass" }, proposed: { verdict: "fail" } };
  const snap = Object.assign({}, OPENED, { conflicts: [conflict, { id: 32, item_code: "B2" }] });
  const held = [answer(1, "A1", "fail", { state: "held", conflict_id: 31 }),
                answer(2, "A1", "na", { state: "held", conflict_id: 31 })];
  const st = state(snap, held);
  assert.deepEqual(st.conflicts.map(function (c) { return [c.id, c.mine && c.mine.verdict]; }), [[31, "na"], [32, null]]);
  assert.equal(st.conflicts[0].item_code, "A1");
  const choosing = answer(3, "A1", "pass", { data: { code: "A1", verdict: "pass", resolves: 31 } });
  assert.deepEqual(state(snap, [choosing]).conflicts.map(function (c) { return c.id; }), [32]);
});

test("several stations: each sees only its own inspection, entries and photos", function () {
  const other = { id: 502, station_id: OTHER, status: "returned", answers: { A1: { verdict: "fail", version: 1 } } };
  const all = {
    inspections: { [ST]: OPENED, [OTHER]: other },
    outbox: [answer(1, "A1", "na"), Object.assign(answer(2, "B2", "pass"), { station_id: OTHER }),
             Object.assign(entry(3, "submit", {}), { station_id: OTHER })],
    photos: [{ id: "p9", station_id: OTHER, slot: "door" }],
  };
  const mine = core.stationState(all, ST), theirs = core.stationState(all, OTHER);
  assert.deepEqual(Object.keys(mine.answers), ["A1"]);
  assert.equal(mine.answers.A1.verdict, "na");
  assert.deepEqual([mine.status, mine.waiting, mine.photos.length], ["in_progress", 1, 0]);
  assert.deepEqual(Object.keys(theirs.answers).sort(), ["A1", "B2"]);
  assert.equal(theirs.answers.A1.state, "saved");
  assert.deepEqual([theirs.status, theirs.waiting, theirs.photos.length], ["submitted", 2, 1]);
  assert.equal(core.stationState(all, 99).status, "not_started");
});

// ---- how a change joins the outbox ----------------------------------------------------------------

test("a first change to a station the server has no inspection for opens it first", function () {
  const { outbox } = fold([], null, "answer", { code: "A1", verdict: "pass" });
  assert.deepEqual(outbox.map(function (e) { return [e.seq, e.kind, e.id, e.state, e.attempts]; }),
                   [[1, "open", "new1", "pending", 0], [2, "answer", "new2", "pending", 0]]);
  assert.deepEqual(outbox[0].data, OPENING);
  assert.equal(outbox[0].station_id, ST);
  assert.equal(outbox[0].created_at, "2025-06-02T00:00:01.000Z");
  assert.equal(outbox[1].data.base_version, null);  // nothing on the server to rest on
});

test("a station opened on the phone or on the server is not opened again", function () {
  assert.deepEqual(fold([entry(1, "open", OPENING)], null, "open", {}).writes, []);
  assert.deepEqual(fold([], OPENED, "answer", { code: "B2", verdict: "pass" }).outbox.map(function (e) { return e.kind; }),
                   ["answer"]);
  const waiting = fold([entry(1, "open", OPENING, { attempts: 1 })], null, "signature", { role: "inspector", name: "李" });
  assert.deepEqual(waiting.outbox.map(function (e) { return e.kind; }), ["open", "signature"]);
  // Another station's opening does not count.
  const elsewhere = fold([Object.assign(entry(1, "open", {}), { station_id: OTHER })], null, "open", {});
  assert.deepEqual(elsewhere.writes.map(function (w) { return w.put.kind; }), ["open"]);
});

test("opening: an inspection the server already has still gets an open entry when asked for, once", function () {
  // kind "open" only looks at the outbox (the caller asks only for a station not started).
  const { writes } = fold([], OPENED, "open", {});
  assert.equal(writes.length, 1);
  assert.equal(writes[0].put.kind, "open");
  assert.deepEqual(writes[0].put.data, OPENING);
});

test("a change to a station whose opening was refused tries the opening again under a new key", function () {
  const refusedOpen = entry(1, "open", OPENING, { state: "failed", attempts: 2, error: "不在本区", missing: [] });
  const { writes, outbox } = fold([refusedOpen], null, "answer", { code: "A1", verdict: "pass" });
  assert.deepEqual(outbox[0], Object.assign({}, refusedOpen, { id: "new1", state: "pending", attempts: 0, error: null, missing: null }));
  assert.equal(outbox[1].kind, "answer");
  assert.equal(refusedOpen.state, "failed");  // the entry read is left as it was
  assert.equal(writes.length, 2);
});

test("asking to open again does not retry a refused opening", function () {
  const refusedOpen = entry(1, "open", OPENING, { state: "failed" });
  assert.deepEqual(fold([refusedOpen], null, "open", {}).writes, []);
});

test("repeated answers to one item, none sent yet, fold into the first entry", function () {
  let outbox = fold([], OPENED, "answer", { code: "A1", verdict: "fail", points: 0, note: "缺" }).outbox;
  outbox = fold(outbox, OPENED, "answer", { code: "A1", verdict: "pass", points: null }).outbox;
  outbox = fold(outbox, OPENED, "answer", { code: "A1", note: "已补" }).outbox;
  assert.equal(outbox.length, 1);
  assert.deepEqual(outbox[0].data, { code: "A1", verdict: "pass", points: null, note: "已补", base_version: 4 });
  assert.equal(outbox[0].id, "new1");  // the same entry, key and all
  assert.equal(outbox[0].seq, 1);
});

test("folding leaves the entry read unchanged and writes a changed copy", function () {
  const first = answer(3, "A1", "fail");
  const { writes } = fold([first], OPENED, "answer", { code: "A1", verdict: "pass" });
  assert.equal(writes.length, 1);
  assert.equal(writes[0].put.seq, 3);
  assert.equal(writes[0].put.data.verdict, "pass");
  assert.equal(first.data.verdict, "fail");
});

test("answers to different items stay separate entries, each resting on the server's version", function () {
  let outbox = fold([], OPENED, "answer", { code: "A1", verdict: "fail" }).outbox;
  outbox = fold(outbox, OPENED, "answer", { code: "B2", verdict: "pass" }).outbox;
  assert.deepEqual(outbox.map(function (e) { return [e.seq, e.data.code, e.data.base_version]; }), [[1, "A1", 4], [2, "B2", null]]);
});

test("an answer after one already sent gets its own entry, resting on the sent one", function () {
  const sent = answer(5, "A1", "fail", { attempts: 1 });
  const { outbox } = fold([sent], OPENED, "answer", { code: "A1", verdict: "pass" });
  assert.equal(outbox.length, 2);
  assert.equal(outbox[1].base_from, "e5");
  assert.equal("base_version" in outbox[1].data, false);  // known once e5 is through
});

test("an answer after a held one is held beside the same conflict", function () {
  const held = answer(5, "A1", "fail", { state: "held", conflict_id: 31 });
  const { outbox } = fold([held], OPENED, "answer", { code: "A1", verdict: "na" });
  assert.equal(outbox.length, 2);
  assert.deepEqual([outbox[1].state, outbox[1].conflict_id, outbox[1].base_from], ["held", 31, undefined]);
});

test("an answer that brings its own base version keeps it", function () {
  const sent = answer(5, "A1", "fail", { attempts: 1 });
  const { outbox } = fold([sent], OPENED, "answer", { code: "A1", verdict: "pass", base_version: 9 });
  assert.deepEqual([outbox[1].data.base_version, outbox[1].base_from], [9, undefined]);
});

test("a newer answer makes an older refused one moot: it goes, and the new one rests on the server's version", function () {
  const refused = answer(5, "A1", "fail", { state: "failed", error: "x", attempts: 1 });
  const { writes, outbox } = fold([refused, answer(6, "B2", "pass")], OPENED, "answer", { code: "A1", verdict: "pass" });
  assert.deepEqual(writes[0], { delete: 5 });
  assert.deepEqual(outbox.map(function (e) { return [e.seq, e.data.code, e.state]; }), [[6, "B2", "pending"], [7, "A1", "pending"]]);
  assert.equal(outbox[1].data.base_version, 4);
  assert.equal(outbox[1].base_from, undefined);
});

test("a refused answer goes and the change folds into the unsent one after it", function () {
  const refused = answer(5, "A1", "fail", { state: "failed", attempts: 1 });
  const { writes, outbox } = fold([refused, answer(6, "A1", "na")], OPENED, "answer", { code: "A1", verdict: "pass" });
  assert.deepEqual(writes.map(function (w) { return "delete" in w ? "delete " + w.delete : "put " + w.put.seq; }),
                   ["delete 5", "put 6"]);
  assert.deepEqual(outbox.map(function (e) { return [e.seq, e.data.verdict]; }), [[6, "pass"]]);
});

test("signatures fold by role like answers by item, with no base version", function () {
  let outbox = fold([], OPENED, "signature", { role: "inspector", name: "李", image: "a" }).outbox;
  outbox = fold(outbox, OPENED, "signature", { role: "representative", name: "王", image: "b" }).outbox;
  outbox = fold(outbox, OPENED, "signature", { role: "inspector", name: "李四", image: "c" }).outbox;
  assert.deepEqual(outbox.map(function (e) { return [e.data.role, e.data.name, e.data.image]; }),
                   [["inspector", "李四", "c"], ["representative", "王", "b"]]);
  assert.equal("base_version" in outbox[0].data, false);
  const sent = Object.assign({}, outbox[0], { attempts: 1 });
  const after = fold([sent], OPENED, "signature", { role: "inspector", name: "李五" }).outbox;
  assert.deepEqual(after.map(function (e) { return e.data.name; }), ["李四", "李五"]);
  assert.equal(after[1].base_from, undefined);
});

test("an entry no longer pending is never folded into, even unsent", function () {
  const held = entry(5, "signature", { role: "inspector", name: "李" }, { state: "held" });
  assert.equal(fold([held], OPENED, "signature", { role: "inspector", name: "王" }).outbox.length, 2);
});

test("a submission is queued once; a refused one is replaced by the new one", function () {
  const once = fold([entry(1, "submit", {}, { attempts: 1 })], OPENED, "submit", {});
  assert.deepEqual(once.writes, []);
  const unsent = fold([entry(1, "submit", {})], OPENED, "submit", {});
  assert.deepEqual(unsent.writes, []);
  const refused = entry(1, "submit", {}, { state: "failed", missing: ["A1"] });
  const again = fold([refused], OPENED, "submit", {});
  assert.deepEqual(again.outbox.map(function (e) { return [e.seq, e.kind, e.state, e.id]; }), [[2, "submit", "pending", "new1"]]);
  // With a refused one and a live one, the refused one still goes and nothing new is added.
  const both = fold([refused, entry(2, "submit", {})], OPENED, "submit", {});
  assert.deepEqual(both.writes, [{ delete: 1 }]);
});

test("photos never fold: each is its own entry", function () {
  const first = entry(1, "photo", { photo_id: "p1", slot: "door" });
  const { outbox } = fold([first], OPENED, "photo", { photo_id: "p2", slot: "door" });
  assert.deepEqual(outbox.map(function (e) { return e.data.photo_id; }), ["p1", "p2"]);
  assert.equal("base_version" in outbox[1].data, false);
});

test("another station's entries are never folded into or removed", function () {
  const theirs = Object.assign(answer(1, "A1", "fail", { state: "failed" }), { station_id: OTHER });
  const { writes } = fold([theirs, Object.assign(answer(2, "A1", "na"), { station_id: OTHER })], OPENED, "answer",
                          { code: "A1", verdict: "pass" });
  assert.equal(writes.length, 1);
  assert.equal(writes[0].put.seq, undefined);
  assert.equal(writes[0].put.data.base_version, 4);
});

test("a new entry is pending, unsent, and has the identity it was given", function () {
  const made = core.newEntry("submit", ST, { x: 1 }, { id: "k1", created_at: "2025-06-03T00:00:00.000Z" });
  assert.deepEqual(made, { id: "k1", kind: "submit", station_id: ST, data: { x: 1 }, state: "pending", attempts: 0,
                           created_at: "2025-06-03T00:00:00.000Z" });
});

// ---- refusals: marking and clearing -----------------------------------------------------------------

test("a refused entry keeps its place with the server's message and what was missing", function () {
  const claimed = entry(4, "submit", {}, { attempts: 1 });
  const marked = core.failed(claimed, { message: "还有未答的项目", missing: ["A1", "照片：门头"] });
  assert.deepEqual(marked, Object.assign({}, claimed, { state: "failed", error: "还有未答的项目", missing: ["A1", "照片：门头"] }));
  assert.equal(claimed.state, "pending");
});

test("retrying a refused entry clears the refusal and gives it a new key, keeping its place and data", function () {
  const refused = answer(4, "A1", "fail", { state: "failed", attempts: 3, error: "拒绝", missing: ["A1"] });
  const again = core.retried(refused, "k2");
  assert.deepEqual(again, Object.assign({}, refused, { id: "k2", state: "pending", attempts: 0, error: null, missing: null }));
  assert.equal(refused.id, "e4");
  // Cleared, it shows as waiting again.
  assert.deepEqual(state(OPENED, [again]).failed, []);
  assert.equal(state(OPENED, [again]).answers.A1.state, "pending");
});

test("a refused answer hands its base version to the answers resting on it", function () {
  const refused = answer(4, "A1", "fail", { data: { code: "A1", verdict: "fail", base_version: 4 }, attempts: 1 });
  const after = answer(5, "A1", "na", { base_from: "e4" });
  const unrelated = answer(6, "B2", "pass", { base_from: "e9" });
  const { removal, rebased } = core.refusal([refused, after, unrelated], refused);
  assert.equal(removal, null);
  assert.equal(rebased.length, 1);
  assert.deepEqual([rebased[0].seq, rebased[0].base_from, rebased[0].data.base_version], [5, undefined, 4]);
  assert.equal("base_from" in rebased[0], false);
  assert.equal(after.base_from, "e4");  // the entry read is left as it was
});

test("a refused answer that rested on another passes that on instead", function () {
  const refused = answer(4, "A1", "fail", { base_from: "e2", attempts: 1 });
  const after = answer(5, "A1", "na", { base_from: "e4" });
  const { rebased } = core.refusal([answer(2, "A1", "pass", { attempts: 1 }), refused, after], refused);
  assert.deepEqual(rebased.map(function (e) { return [e.seq, e.base_from, "base_version" in e.data]; }), [[5, "e2", false]]);
});

test("a refused photo the inspector has removed since is withdrawn with its removal", function () {
  const photo = entry(4, "photo", { photo_id: "p1" }, { attempts: 1 });
  const removal = entry(6, "photo_delete", { local_id: "p1" });
  const other = entry(7, "photo_delete", { local_id: "p2" });
  assert.deepEqual(core.refusal([photo, removal, other], photo), { removal: removal, rebased: [] });
  assert.deepEqual(core.refusal([photo, other], photo), { removal: null, rebased: [] });
});

// ---- the outbox in numbers --------------------------------------------------------------------------

test("the tally counts waiting, refused and held entries and finds the oldest", function () {
  const outbox = [answer(1, "A1", "fail", { created_at: "2025-06-01T09:00:00.000Z" }),
                  answer(2, "A2", "fail", { state: "failed", created_at: "2025-06-01T07:00:00.000Z" }),
                  answer(3, "A3", "fail", { state: "held", created_at: "2025-06-01T08:00:00.000Z" })];
  assert.deepEqual(core.tally(outbox), { waiting: 3, failed: 1, held: 1, oldest: "2025-06-01T07:00:00.000Z" });
  assert.deepEqual(core.tally([]), { waiting: 0, failed: 0, held: 0, oldest: null });
});

// ---- follow-ups: filed under their own keys --------------------------------------------------------------

test("a re-check and a spot check are filed apart from the station's own inspection", function () {
  assert.equal(core.parseKey("12"), 12);
  assert.equal(core.parseKey("r7"), "r7");
  assert.equal(core.parseKey("c12"), "c12");
  assert.equal(core.parseKey("x12"), null);
  assert.equal(core.parseKey("r"), null);
  assert.deepEqual(core.openBody(12, 3), { station_id: 12, campaign_id: 3 });
  assert.deepEqual(core.openBody("r7", 3), { order_id: 7, campaign_id: 3 });
  assert.deepEqual(core.openBody("c12", null), { station_id: 12, kind: "spot_check" });
  const recheck = { id: 40, key: "r7", station_id: 12, answers: {} };
  assert.equal(core.filed(recheck).station_id, "r7");
  assert.equal(recheck.station_id, 12);  // the server's copy is left as it came
  assert.equal(core.filed({ id: 41, key: 12, station_id: 12 }).station_id, 12);
  assert.equal(core.filed({ id: 42, station_id: 12 }).station_id, 12);  // kept before keys were sent
  // Entries of the re-check never count for the station's own inspection, nor the other way round.
  const outbox = [answer(1, "A1", "fail"), answer(2, "A2", "pass", { station_id: "r7" })];
  const own = core.stationState({ inspections: {}, outbox: outbox, photos: [] }, ST);
  const again = core.stationState({ inspections: {}, outbox: outbox, photos: [] }, "r7");
  assert.deepEqual(Object.keys(own.answers), ["A1"]);
  assert.deepEqual(Object.keys(again.answers), ["A2"]);
});

test("a re-check's checklist holds its order's items and the sections they are in", function () {
  const checklist = { photo_slots: [{ code: "signboard" }, { code: "premises" }], sections: [
    { code: "A", title: "甲", items: [{ code: "A1", photos: [{ slot: "premises" }] }, { code: "A2", photos: [{ slot: "signboard" }] }] },
    { code: "B", title: "乙", items: [{ code: "B1" }] },
    { code: "C", title: "丙", items: [{ code: "C1" }, { code: "C2" }] },
  ] };
  const scoped = core.scoped(checklist, ["A2", "C1"]);
  assert.deepEqual(scoped.sections.map(function (s) { return [s.code, s.items.map(function (i) { return i.code; })]; }),
                   [["A", ["A2"]], ["C", ["C1"]]]);
  assert.deepEqual(scoped.photo_slots, [{ code: "signboard" }]);
  assert.equal(checklist.sections[0].items.length, 2);
  assert.equal(core.scoped(checklist, null), checklist);
});

// ---- the plaque check ----------------------------------------------------------------------------------

test("the plaque: the server's finding as saved, a code waiting here over it, none before either", function () {
  assert.equal(state(OPENED, []).plaque, null);
  const checked = { code: "7K3M9PXQ", finding: "current", finding_label: "牌匾属于本站，为现行牌匾", text: "x" };
  const snap = Object.assign({}, OPENED, { plaque: checked });
  assert.deepEqual(state(snap, []).plaque, Object.assign({ state: "saved" }, checked));
  const typed = entry(5, "plaque", { code: "ABCD2345", entered_at: "2025-06-01T10:00:00Z" });
  assert.deepEqual(state(snap, [typed]).plaque,
                   { code: "ABCD2345", entered_at: "2025-06-01T10:00:00Z", state: "pending", error: undefined });
  const refused = entry(6, "plaque", { code: "ABCD2345" }, { state: "failed", error: "无法识别" });
  assert.equal(state(snap, [refused]).plaque.error, "无法识别");
  assert.equal(state(snap, [refused]).failed.length, 1);
});

test("plaque codes fold into the one not yet sent; once sent, a new code gets its own entry", function () {
  let outbox = fold([], OPENED, "plaque", { code: "AAAA2222" }).outbox;
  outbox = fold(outbox, OPENED, "plaque", { code: "BBBB3333" }).outbox;
  assert.deepEqual(outbox.map(function (e) { return [e.kind, e.data.code]; }), [["plaque", "BBBB3333"]]);
  const sent = Object.assign({}, outbox[0], { attempts: 1 });
  const after = fold([sent], OPENED, "plaque", { code: "" }).outbox;
  assert.deepEqual(after.map(function (e) { return e.data.code; }), ["BBBB3333", ""]);
  assert.equal(after[1].attempts, 0);
  assert.notEqual(after[1].seq, sent.seq);
});

test("a plaque code for a station the server has no inspection for opens it first", function () {
  const outbox = fold([], null, "plaque", { code: "AAAA2222" }).outbox;
  assert.deepEqual(outbox.map(function (e) { return e.kind; }), ["open", "plaque"]);
});
