// The checklist rules the phone needs offline, the same as inspect_app/domain/scoring.py and inspections.py.
// The bands come with each checklist version; every label comes from the server (domain/offline.py) with the
// bootstrap or the page, through use(): none is written here.
"use strict";
window.Inspect = window.Inspect || {};
(function (ns) {
  let given = { outcomes: {}, verdicts: {}, roles: [], statuses: {}, positions: {}, times: {} };

  // The server's labels: the bootstrap's, or the page's `rules` (the offline app's shell carries them too, for a
  // bootstrap kept from before they were sent).
  function use(labels) {
    if (labels) { given = labels; }
    return given;
  }

  // The label of a code: outcomes, verdicts, statuses, positions, times are maps; roles are [code, label] pairs.
  function label(kind, code) {
    const known = given[kind] || {};
    const found = Array.isArray(known) ? (known.find(function (pair) { return pair[0] === code; }) || [])[1] : known[code];
    return found != null ? found : code;
  }

  function roles() { return given.roles || []; }

  function items(checklist) {
    return checklist.sections.reduce(function (all, section) { return all.concat(section.items); }, []);
  }

  function slotLabel(checklist, code) {
    const slot = checklist.photo_slots.find(function (s) { return s.code === code; });
    return slot ? slot.label : code;
  }

  // An answer in the server's canonical form (check_answer): a graded item given 0 points has failed.
  function canonical(item, verdict, points) {
    if (verdict === "na") { return { verdict: "na", points: null }; }
    if ((item.scoring || "pass_fail") === "pass_fail") { return { verdict: verdict, points: null }; }
    if (verdict === "fail") { return { verdict: "fail", points: 0 }; }
    return { verdict: points > 0 ? "pass" : "fail", points: points };
  }

  function earned(item, answer) {
    if (answer.verdict === "fail") { return 0; }
    return item.scoring === "graded" ? (answer.points || 0) : item.points;
  }

  // Unanswered items count in the maximum with no points, so a running score never flatters.
  // Integer arithmetic keeps the rounding and the band edges exact, as Fraction does on the server.
  function score(checklist, answers) {
    let points = 0, maximum = 0;
    const failed = [], unanswered = [];
    items(checklist).forEach(function (item) {
      const answer = answers[item.code];
      if (!answer) { unanswered.push(item.code); maximum += item.points; return; }
      if (answer.verdict === "na") { return; }
      const got = earned(item, answer);
      points += got; maximum += item.points;
      if (item.critical && got === 0) { failed.push(item.code); }
    });
    let outcome = "rectify";
    if (!failed.length) {
      const bands = checklist.outcome_bands.slice().sort(function (a, b) { return b.min_score - a.min_score; });
      const band = bands.find(function (b) { return maximum ? points * 100 >= b.min_score * maximum : b.min_score <= 0; });
      outcome = band ? band.outcome : "rectify";
    }
    return {
      points: points, maximum: maximum, outcome: outcome, outcome_label: label("outcomes", outcome),
      score: maximum ? Math.floor((points * 2000 + maximum) / (2 * maximum)) / 10 : 0,  // one decimal, half up
      failed_critical: failed, unanswered: unanswered, complete: unanswered.length === 0,
    };
  }

  // Photo slots that must hold a photo: required by an item that is not 不适用.
  function requiredSlots(checklist, answers) {
    const slots = [];
    items(checklist).forEach(function (item) {
      const answer = answers[item.code];
      if (answer && answer.verdict === "na") { return; }
      (item.photos || []).forEach(function (photo) {
        if (photo.required && slots.indexOf(photo.slot) < 0) { slots.push(photo.slot); }
      });
    });
    return slots;
  }

  // What still stands between the inspection and its submission, worded as the server words it.
  function missing(checklist, answers, photoSlots, signedRoles) {
    const lines = [];
    const unanswered = items(checklist).filter(function (i) { return !answers[i.code]; }).map(function (i) { return i.code; });
    if (unanswered.length) { lines.push("还有" + unanswered.length + "项未作答：" + unanswered.join("、")); }
    requiredSlots(checklist, answers).forEach(function (slot) {
      if (photoSlots.indexOf(slot) >= 0) { return; }
      const codes = items(checklist).filter(function (i) {
        return (i.photos || []).some(function (p) { return p.slot === slot && p.required; });
      }).map(function (i) { return i.code; });
      lines.push("缺少必拍照片：" + slotLabel(checklist, slot) + "（" + codes.join("、") + "）");
    });
    roles().forEach(function (role) {
      if (signedRoles.indexOf(role[0]) < 0) { lines.push("缺少" + role[1] + "签名"); }
    });
    return lines;
  }

  // Great-circle distance in metres between two WGS-84 points (haversine, as domain/geo.py).
  function distance(lat1, lon1, lat2, lon2) {
    const rad = Math.PI / 180, p1 = lat1 * rad, p2 = lat2 * rad;
    const h = Math.pow(Math.sin((p2 - p1) / 2), 2) +
      Math.cos(p1) * Math.cos(p2) * Math.pow(Math.sin((lon2 - lon1) * rad / 2), 2);
    return 2 * 6371008.8 * Math.asin(Math.min(1, Math.sqrt(h)));
  }

  // A scanned or typed plaque code in the form the server keeps (domain.directory.signboards.plaque_code_of):
  // the short code, or the token of the QR code's address; null when it can be neither. Rules kept from before
  // they carried the plaque's leave the judgement to the server.
  function plaqueCode(text) {
    const p = given.plaque, value = String(text || "").trim();
    if (!p) { return value || null; }
    const code = value.replace(/[\s\-_.·]/g, "").toUpperCase();
    if (code.length === p.length && code.split("").every(function (c) { return p.alphabet.indexOf(c) >= 0; })) { return code; }
    let token = value;
    if (token.indexOf(p.path) >= 0) {
      token = token.slice(token.lastIndexOf(p.path) + p.path.length).split("?")[0].split("#")[0].replace(/\/+$/, "");
    }
    return new RegExp(p.token).test(token) ? token : null;
  }

  // The checklist's items on the signboard, beside which the plaque check is shown.
  function plaqueItems() { return (given.plaque && given.plaque.items) || []; }

  ns.rules = {
    use: use, label: label, roles: roles, plaqueCode: plaqueCode, plaqueItems: plaqueItems,
    items: items, slotLabel: slotLabel, canonical: canonical, score: score, requiredSlots: requiredSlots,
    missing: missing, distance: distance,
  };
})(window.Inspect);
