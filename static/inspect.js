// The online pages' forms: the board sorted by distance, the checklist page, and the signatures drawn with a
// finger (the checklist, the leader's bundle, the city's report). On the checklist page every answer, note,
// conflict choice, photo and signature goes through the phone's outbox, the same module as the offline app's
// (static/pwa/), so nothing is lost when the signal drops: it waits on the phone until the server has it.
// Where there is no outbox (another campaign's inspection, a browser that cannot keep one, other pages) the
// page's own forms post as they are.
"use strict";
(function (ns) {
  const dom = ns.dom;

  // Board: nearest stations first.
  const sortButton = document.getElementById("sort-by-distance");
  if (sortButton) {
    sortButton.addEventListener("click", async function () {
      const message = document.getElementById("location-message");
      const form = document.getElementById(sortButton.getAttribute("data-form"));
      message.hidden = false; message.textContent = "正在获取您的位置…";
      const p = await dom.locate(0);
      if (!p) { message.textContent = "暂时无法获取位置：请在浏览器或微信设置中允许使用位置"; return; }
      ["lat", "lon"].forEach(function (name) {
        let input = form.querySelector("input[name=" + name + "]");
        if (!input) { input = dom.h("input", { type: "hidden", name: name }); form.appendChild(input); }
        input.value = (name === "lat" ? p.latitude : p.longitude).toFixed(6);
      });
      form.submit();
    });
  }

  const checklist = document.getElementById("checklist");

  // ---- through the outbox ---------------------------------------------------------------------------

  async function outboxPage() {
    if (!ns.syncbar || !(await ns.syncbar.open(document.getElementById("syncbar")))) { return false; }
    const data = ns.data, station = ns.station;
    ns.rules.use(JSON.parse(checklist.dataset.rules));
    let all = null, editing = true;
    const ctx = {
      stationId: Number(checklist.dataset.station), checklist: JSON.parse(checklist.dataset.checklist), editable: true,
      state: function () { return data.stationState(all, ctx.stationId); },
    };
    await data.adopt(JSON.parse(checklist.dataset.snapshot));
    // What the server drew and the outbox now draws: conflicts become the shared card, figures are matched by key.
    document.querySelectorAll("[data-server-conflict]").forEach(function (el) { el.remove(); });
    document.querySelectorAll("figure.photo[id^='photo-']").forEach(function (f) { f.setAttribute("data-photo", "s" + f.id.slice(6)); });

    checklist.addEventListener("submit", function (event) { event.preventDefault(); });
    station.bindItems(checklist, ctx);
    document.querySelectorAll("form.photo-upload").forEach(function (form) {
      const slot = form.querySelector("[name=slot]").value, replaces = form.querySelector("[name=replaces]");
      const state = document.querySelector("#slot-" + slot + " .upload-state");
      form.addEventListener("submit", function (event) { event.preventDefault(); });
      form.querySelectorAll("input[type=file]").forEach(function (input) {
        input.addEventListener("change", function () {
          station.takePhoto(ctx, slot, input, state, replaces ? Number(replaces.value) : null);
        });
      });
    });
    // After app.js has asked data-confirm's question: a removal the inspector confirmed goes to the outbox.
    document.addEventListener("submit", function (event) {
      const removal = /\/photos\/(\d+)\/remove$/.exec(event.target.getAttribute("action") || "");
      if (!removal || event.defaultPrevented) { return; }
      event.preventDefault();
      data.removePhoto(ctx.stationId, { server_id: Number(removal[1]) });
    });
    document.querySelectorAll(".signature-block[data-role]").forEach(function (block) { station.bindSignature(block, ctx); });
    station.bindPlaque(document.querySelector("[data-plaque-check]"), ctx);

    let drawing = null, leaving = false;
    function refresh() {
      // Once the page reloads, events still arriving must not reload it again: that would abort the first load.
      if (leaving) { return Promise.resolve(); }
      if (drawing) { return drawing; }  // many events during a sync make one redraw
      drawing = new Promise(function (resolve) { setTimeout(resolve, 50); }).then(async function () {
        drawing = null;
        all = await data.loadAll();
        const st = ctx.state(), still = st.editable || st.submitPending;
        // Submitted and on the server: the server's page shows it as it now stands, read-only.
        if (leaving) { return; }
        if (editing && !still && navigator.onLine !== false) { leaving = true; window.location.reload(); return; }
        editing = editing && still;
        station.update(st, ctx);
      });
      return drawing;
    }
    data.on(function (what, detail) {
      if (what === "outbox" || what === "data") { refresh(); }
      else if (what === "progress") { station.progress(detail); }
    });
    await refresh();
    ns.syncbar.start();
    return true;
  }

  // ---- the page's plain forms -----------------------------------------------------------------------

  function plainForms() {
    document.querySelectorAll("[data-plain-form]").forEach(function (el) { el.hidden = false; });
    // Photos: the position at the moment the photo is chosen goes with it.
    document.querySelectorAll("form.photo-upload input[type=file]").forEach(function (input) {
      input.addEventListener("change", async function () {
        if (!input.files || !input.files.length) { return; }
        const form = input.form, state = form.querySelector(".upload-state");
        form.querySelectorAll("input[type=file]").forEach(function (other) { if (other !== input) { other.value = ""; } });
        if (state) { state.textContent = "正在获取位置…"; }
        const p = await dom.locate(0);
        if (p) {
          form.querySelector("[name=lat]").value = p.latitude;
          form.querySelector("[name=lon]").value = p.longitude;
          form.querySelector("[name=accuracy]").value = p.accuracy;
          form.querySelector("[name=position_time]").value = p.timestamp;
        }
        if (state) { state.textContent = "正在上传…"; }
        form.submit();
      });
    });
    // Signatures drawn with a finger.
    document.querySelectorAll("form.signature-form").forEach(function (form) {
      const drawing = dom.pad(form.querySelector("canvas"));
      form.querySelector("[data-clear-signature]").addEventListener("click", drawing.clear);
      form.addEventListener("submit", function (event) {
        if (!drawing.drawn()) { event.preventDefault(); form.querySelector(".sign-state").textContent = "请先在框内手写签名"; return; }
        form.querySelector("[name=signature]").value = form.querySelector("canvas").toDataURL("image/png");
      });
    });
  }

  if (checklist && checklist.dataset.station) {
    outboxPage().then(function (ok) { if (!ok) { plainForms(); } });
  } else {
    plainForms();
  }
})(window.Inspect);
