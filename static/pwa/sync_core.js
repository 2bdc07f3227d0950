// The outbox's rules, apart from the storage and the network they act on (sync.js does the reading, writing and
// sending): how a station looks with the outbox laid over the server's inspection, how a new change joins the
// entries already waiting, what a refused entry leaves behind, and how long to wait before trying again.
// Nothing here touches the DOM, fetch or IndexedDB, and nothing reads the clock or makes an id: the caller
// hands those in, so the same file runs in the browser and under `node --test` (tests/js/).
"use strict";
(function (root) {
  // While entries wait and the server cannot be reached, sync tries again by itself: after 5 s, then twice as
  // long after each retry that got nothing through, up to 5 minutes. The network's own signals cannot be
  // trusted to say when the server is back (navigator.onLine stays true while it is unreachable, and no
  // `online` event comes), so only trying tells. Any request that succeeds starts the count again.
  const RETRY_FIRST_MS = 5000, RETRY_MAX_MS = 300000;

  // The wait before the next retry after `streak` retries in a row that reached nothing.
  function retryDelay(streak) {
    return Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * Math.pow(2, streak));
  }

  // A photo the server has kept is read there afterwards (processing, then ready or rejected): the phone asks
  // after 2 s, then half as long again after each answer that still says processing, at most every minute.
  const POLL_FIRST_MS = 2000, POLL_FACTOR = 1.5, POLL_MAX_MS = 60000;

  // The wait before asking for the photos' states again, after `polls` answers that still said processing.
  function pollDelay(polls) {
    return Math.min(POLL_MAX_MS, Math.round(POLL_FIRST_MS * Math.pow(POLL_FACTOR, polls)));
  }

  // The server's inspections with a photo still being read: [{ station_id, id }].
  function processing(inspections) {
    return Object.keys(inspections).map(function (k) { return inspections[k]; }).filter(function (snap) {
      return snap && snap.id && (snap.photos || []).some(function (p) { return p.state === "processing"; });
    }).map(function (snap) { return { station_id: snap.station_id, id: snap.id }; });
  }

  // The snapshot with the photos' states and findings as the server now tells them (photos it no longer lists
  // were removed meanwhile; ones it lists that the phone did not know came from another phone).
  function polled(snap, photos) {
    return Object.assign({}, snap, { photos: photos });
  }

  const SERVER_PHOTO_STATES = { processing: "processing", rejected: "rejected" };

  // One station as the phone should show it: the server's inspection with the outbox laid over it.
  // `all` is { inspections: {station_id: snapshot}, outbox: [entries in order], photos: [photos taken here] }.
  function stationState(all, stationId) {
    const snap = all.inspections[stationId] || null;
    const entries = all.outbox.filter(function (e) { return e.station_id === stationId; });
    const answers = {}, signatures = {};
    if (snap) {
      Object.keys(snap.answers || {}).forEach(function (code) {
        answers[code] = Object.assign({ state: "saved" }, snap.answers[code]);
      });
      Object.keys(snap.signatures || {}).forEach(function (role) {
        const s = snap.signatures[role];
        signatures[role] = { name: s.signer_name, signed_at: s.signed_at, image: s.image_url, state: "saved" };
      });
    }
    // The plaque check: the server's finding, or the code typed here while it waits (cleared: code "").
    let plaque = snap && snap.plaque ? Object.assign({ state: "saved" }, snap.plaque) : null;
    const deleted = { server: {}, local: {} };
    entries.forEach(function (e) {
      if (e.kind === "plaque") {
        plaque = { code: e.data.code, entered_at: e.data.entered_at, state: e.state, error: e.error };
      }
      if (e.kind === "answer") {
        answers[e.data.code] = { verdict: e.data.verdict, points: e.data.points, note: e.data.note, state: e.state,
                                 error: e.error, seq: e.seq };
      } else if (e.kind === "signature") {
        signatures[e.data.role] = { name: e.data.name, signed_at: e.data.signed_at, image: e.data.image,
                                    state: e.state, error: e.error };
      } else if (e.kind === "photo_delete") {
        if (e.data.server_id) { deleted.server[e.data.server_id] = true; }
        if (e.data.local_id) { deleted.local[e.data.local_id] = true; }
      } else if (e.kind === "photo" && e.data.replaces && e.state !== "failed") {
        deleted.server[e.data.replaces] = true;  // the new photo takes the old one's place when it arrives
      }
    });
    const photos = [];
    ((snap && snap.photos) || []).forEach(function (p) {
      if (!deleted.server[p.id]) {
        photos.push({ key: "s" + p.id, slot: p.slot, server: p, state: SERVER_PHOTO_STATES[p.state] || "saved" });
      }
    });
    all.photos.filter(function (p) { return p.station_id === stationId && !deleted.local[p.id]; }).forEach(function (p) {
      const entry = entries.find(function (e) { return e.kind === "photo" && e.data.photo_id === p.id; });
      photos.push({ key: "l" + p.id, slot: p.slot, local: p, state: entry ? entry.state : "pending",
                    error: entry && entry.error });
    });
    const submit = entries.find(function (e) { return e.kind === "submit" && e.state !== "failed"; });
    let status = snap ? snap.status : (entries.length ? "in_progress" : "not_started");
    if (submit) { status = "submitted"; }
    const conflicts = ((snap && snap.conflicts) || []).filter(function (c) {
      return !entries.some(function (e) { return e.kind === "answer" && e.data.resolves === c.id; });
    }).map(function (c) {
      const held = entries.filter(function (e) { return e.state === "held" && e.conflict_id === c.id; });
      return Object.assign({ mine: held.length ? held[held.length - 1].data : null }, c);
    });
    return {
      inspection: snap, answers: answers, photos: photos, signatures: signatures, plaque: plaque, status: status,
      submitPending: !!submit, editable: status === "in_progress" || status === "returned" || status === "not_started",
      conflicts: conflicts, failed: entries.filter(function (e) { return e.state === "failed"; }),
      waiting: entries.length,
    };
  }

  // A new outbox entry; `fresh` is { id, created_at }, a new UUID (its Idempotency-Key) and the time now.
  function newEntry(kind, stationId, data, fresh) {
    return { id: fresh.id, kind: kind, station_id: stationId, data: data, state: "pending", attempts: 0,
             created_at: fresh.created_at };
  }

  // A refused entry given another go: a new key, since the server may have kept the refusal under the old one.
  function retried(entry, id) {
    return Object.assign({}, entry, { id: id, state: "pending", attempts: 0, error: null, missing: null });
  }

  // How one change joins the outbox: the writes to make, in order, each { put: entry } or { delete: seq }.
  // `outbox` is every entry in order, `snap` the station's inspection as last seen (or null), `opening` the data
  // of the entry that opens the inspection, and `fresh()` gives each new entry its { id, created_at }.
  function fold(outbox, snap, opening, kind, stationId, data, fresh) {
    const writes = [];
    const mine = outbox.filter(function (e) { return e.station_id === stationId; });
    if (kind !== "open" && !(snap && snap.id)) {
      // The inspection must exist on the server before anything is added to it.
      const open = mine.find(function (e) { return e.kind === "open"; });
      if (!open) { writes.push({ put: newEntry("open", stationId, opening, fresh()) }); }
      else if (open.state === "failed") { writes.push({ put: retried(open, fresh().id) }); }
    }
    if (kind === "open") {
      if (!mine.some(function (e) { return e.kind === "open"; })) {
        writes.push({ put: newEntry("open", stationId, opening, fresh()) });
      }
      return writes;
    }
    const same = mine.filter(function (e) {
      return e.kind === kind && (kind === "answer" ? e.data.code === data.code :
                                 kind === "signature" ? e.data.role === data.role :
                                 kind === "submit" || kind === "plaque");
    });
    // A newer change makes an older refused one moot.
    same.filter(function (x) { return x.state === "failed"; }).forEach(function (e) { writes.push({ delete: e.seq }); });
    const live = same.filter(function (x) { return x.state !== "failed"; });
    const last = live[live.length - 1];
    if (kind === "submit" && last) { return writes; }
    // Never sent: safe to change in place. Once sent it may have reached the server under its key,
    // so a later change needs its own entry (and key).
    if ((kind === "answer" || kind === "signature" || kind === "plaque") && last && last.state === "pending" && !last.attempts) {
      writes.push({ put: Object.assign({}, last, { data: Object.assign({}, last.data, data) }) });
      return writes;
    }
    const entry = newEntry(kind, stationId, data, fresh());
    if (kind === "answer" && !("base_version" in data)) {
      if (last && last.state === "held") { entry.state = "held"; entry.conflict_id = last.conflict_id; }
      else if (last) { entry.base_from = last.id; }  // its version is known once `last` is through
      else {
        entry.data = Object.assign({}, data, {
          base_version: snap && snap.answers && snap.answers[data.code] ? snap.answers[data.code].version : null,
        });
      }
    }
    writes.push({ put: entry });
    return writes;
  }

  // What the server's refusal of `entry` does to the rest of the outbox. A photo the inspector has removed
  // since leaves nothing to do: `removal` is that removal, and both entries (and the photo) go. Otherwise the
  // refused entry changed nothing, so each entry resting on it now rests on what it rested on: `rebased`.
  function refusal(outbox, entry) {
    if (entry.kind === "photo") {
      const removal = outbox.find(function (e) { return e.kind === "photo_delete" && e.data.local_id === entry.data.photo_id; });
      if (removal) { return { removal: removal, rebased: [] }; }
    }
    const rebased = outbox.filter(function (x) { return x.base_from === entry.id; }).map(function (e) {
      const next = Object.assign({}, e);
      if (entry.base_from) { next.base_from = entry.base_from; }
      else { delete next.base_from; next.data = Object.assign({}, e.data, { base_version: entry.data.base_version }); }
      return next;
    });
    return { removal: null, rebased: rebased };
  }

  // The entry as kept once the server refused it: it stays, with the server's message and what it found missing.
  function failed(entry, error) {
    return Object.assign({}, entry, { state: "failed", error: error.message, missing: error.missing });
  }

  // The outbox in numbers: entries waiting, refused, held beside a conflict, and when the oldest was made.
  function tally(outbox) {
    return { waiting: outbox.length, failed: outbox.filter(function (e) { return e.state === "failed"; }).length,
             held: outbox.filter(function (e) { return e.state === "held"; }).length,
             oldest: outbox.reduce(function (first, e) { return !first || e.created_at < first ? e.created_at : first; }, null) };
  }

  // Where the phone files a piece of work (the inspections store's key): a station's own inspection under the
  // station's id, as it always has; a re-check under "r" and its order; a spot check under "c" and its station.
  function parseKey(text) {
    if (/^[rc][0-9]+$/.test(text)) { return text; }
    return /^[0-9]+$/.test(text) ? Number(text) : null;
  }

  // What opens the work on the server: the body of POST /inspections for its key.
  function openBody(key, campaignId) {
    const body = typeof key === "number" ? { station_id: key } :
      key[0] === "r" ? { order_id: Number(key.slice(1)) } : { station_id: Number(key.slice(1)), kind: "spot_check" };
    if (campaignId) { body.campaign_id = campaignId; }
    return body;
  }

  // The server's inspection as the phone files it: under its key (the same as its station for the district's own).
  function filed(snap) {
    return snap && snap.key !== undefined && snap.key !== null ? Object.assign({}, snap, { station_id: snap.key }) : snap;
  }

  // A re-check's checklist: the sections and items of its order only, and the photo slots of those items, so that
  // what it asks, scores as complete and requires photos for is what the server asks of it.
  function scoped(checklist, codes) {
    if (!codes) { return checklist; }
    const sections = checklist.sections.map(function (section) {
      return Object.assign({}, section, { items: section.items.filter(function (i) { return codes.indexOf(i.code) >= 0; }) });
    }).filter(function (section) { return section.items.length; });
    const slots = {};
    sections.forEach(function (section) {
      section.items.forEach(function (i) { (i.photos || []).forEach(function (p) { slots[p.slot] = true; }); });
    });
    return Object.assign({}, checklist, { sections: sections,
                                          photo_slots: checklist.photo_slots.filter(function (s) { return slots[s.code]; }) });
  }

  const syncCore = {
    parseKey: parseKey, openBody: openBody, filed: filed, scoped: scoped,
    RETRY_FIRST_MS: RETRY_FIRST_MS, RETRY_MAX_MS: RETRY_MAX_MS, retryDelay: retryDelay,
    stationState: stationState, newEntry: newEntry, retried: retried, fold: fold, refusal: refusal, failed: failed,
    tally: tally, POLL_FIRST_MS: POLL_FIRST_MS, POLL_MAX_MS: POLL_MAX_MS, pollDelay: pollDelay, processing: processing,
    polled: polled,
  };
  if (typeof module !== "undefined" && module.exports) { module.exports = syncCore; }
  else { root.Inspect = root.Inspect || {}; root.Inspect.syncCore = syncCore; }
})(typeof window !== "undefined" ? window : globalThis);
