// Small DOM helpers for every page's scripts (loaded by base.html): elements, Beijing time, the phone's
// position, and drawing a signature with a finger.
"use strict";
window.Inspect = window.Inspect || {};
(function (ns) {
  // An element with attributes (on… keys become listeners: the CSP forbids handler attributes) and children.
  function h(tag, attrs) {
    const el = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      const v = attrs[k];
      if (v === null || v === undefined || v === false) { return; }
      if (k.slice(0, 2) === "on") { el.addEventListener(k.slice(2), v); }
      else if (k === "class") { el.className = v; }
      else if (k === "value") { el.value = v; }
      else { el.setAttribute(k, v === true ? "" : v); }
    });
    append(el, Array.prototype.slice.call(arguments, 2));
    return el;
  }
  function append(el, children) {
    children.forEach(function (c) {
      if (Array.isArray(c)) { append(el, c); }
      else if (c !== null && c !== undefined && c !== false) { el.appendChild(c.nodeType ? c : document.createTextNode(String(c))); }
    });
  }
  function fill(el, children) { if (el) { el.textContent = ""; append(el, [children]); } }
  function $(selector, scope) { return (scope || document).querySelector(selector); }

  // Times are shown in Beijing time whatever the phone's zone.
  function when(iso) {
    if (!iso) { return ""; }
    return new Date(iso).toLocaleString("zh-CN", { timeZone: "Asia/Shanghai", hour12: false, year: "numeric",
      month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" });
  }
  function bullets(lines, id) {
    return h("ul", { class: "errors-list", id: id }, lines.map(function (m) { return h("li", null, m); }));
  }

  // The phone's position, or null when it is refused or unknown (never an error: a photo is kept without it).
  // The wait is bounded from this call: the browser's own timeout starts only once the inspector has answered
  // the location prompt, and a prompt nobody answers (WebKit's) would hold the caller for ever.
  const LOCATE_LIMIT_MS = 20000;
  function locate(maximumAge) {
    return new Promise(function (resolve) {
      if (!navigator.geolocation) { resolve(null); return; }
      const limit = setTimeout(function () { resolve(null); }, LOCATE_LIMIT_MS);
      navigator.geolocation.getCurrentPosition(function (p) {
        clearTimeout(limit);
        resolve({ latitude: p.coords.latitude, longitude: p.coords.longitude, accuracy: p.coords.accuracy, timestamp: p.timestamp });
      }, function () {
        clearTimeout(limit);
        resolve(null);
      }, { enableHighAccuracy: true, timeout: 10000, maximumAge: maximumAge });
    });
  }

  // Finger drawing on a canvas; `drawn()` says whether anything was drawn since the last clear.
  function pad(canvas) {
    const ctx = canvas.getContext("2d");
    let drawn = false, last = null;
    ctx.lineWidth = 4; ctx.lineCap = "round"; ctx.lineJoin = "round"; ctx.strokeStyle = "#111";
    function point(event) {
      const box = canvas.getBoundingClientRect();
      return { x: (event.clientX - box.left) * canvas.width / box.width, y: (event.clientY - box.top) * canvas.height / box.height };
    }
    canvas.addEventListener("pointerdown", function (event) {
      canvas.setPointerCapture(event.pointerId); last = point(event); event.preventDefault();
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!last) { return; }
      const next = point(event);
      ctx.beginPath(); ctx.moveTo(last.x, last.y); ctx.lineTo(next.x, next.y); ctx.stroke();
      last = next; drawn = true; event.preventDefault();
    });
    ["pointerup", "pointercancel", "pointerleave"].forEach(function (n) { canvas.addEventListener(n, function () { last = null; }); });
    return {
      drawn: function () { return drawn; },
      clear: function () { ctx.clearRect(0, 0, canvas.width, canvas.height); drawn = false; },
    };
  }

  ns.dom = { h: h, append: append, fill: fill, $: $, when: when, bullets: bullets, locate: locate, pad: pad,
             LOCATE_LIMIT_MS: LOCATE_LIMIT_MS };
})(window.Inspect);
