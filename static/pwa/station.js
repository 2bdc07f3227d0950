// One inspection as the phone shows it, the same on the offline app and on the online checklist page: the
// server's state with the outbox laid over it (data.stationState), drawn into elements both pages have
// (#scorebar, #conflicts, #failed-box, #checklist .item, .slot, .signature-block, #submit), and every change
// written to the outbox. `ctx` says which inspection: { stationId, checklist, editable, state() }.
"use strict";
window.Inspect = window.Inspect || {};
(function (ns) {
  const dom = ns.dom, h = dom.h, $ = dom.$, rules = ns.rules, data = ns.data;
  const MAX_PHOTO = 20 * 1024 * 1024;
  const ITEM_STATE = { pending: "已保存在本机，待同步", held: "与其他设备的修改冲突，请在上方选择" };
  const blobUrls = {};

  function describe(answer, item) {
    if (!answer) { return "未作答"; }
    let text = rules.label("verdicts", answer.verdict);
    if (item && item.scoring === "graded" && answer.verdict !== "na") { text += " · " + (answer.points || 0) + "分"; }
    return text + (answer.note ? " · 备注：" + answer.note : "");
  }

  function itemOf(ctx, code) { return rules.items(ctx.checklist).find(function (i) { return i.code === code; }); }

  // ---- answers --------------------------------------------------------------------------------------

  // The answer the item's controls show, in canonical form; null when no verdict is chosen.
  function readItem(item, block) {
    const note = ($("textarea", block).value || "").trim() || null;
    const radio = $("input[type=radio]:checked", block), select = $("select", block);
    const value = radio ? radio.value : select ? select.value : "";
    if (!value) { return null; }
    const answer = value.indexOf("p:") === 0 ? rules.canonical(item, "pass", Number(value.slice(2))) : rules.canonical(item, value, null);
    answer.note = note;
    return answer;
  }

  function showItem(item, block, given) {
    if (!block || !$(".choices, .graded", block)) { return; }
    const focused = block.contains(document.activeElement) && document.activeElement.tagName === "TEXTAREA";
    if (given) {
      const radio = $("input[value='" + given.verdict + "']", block);
      if (radio) { radio.checked = true; }
      const select = $("select", block);
      if (select) { select.value = given.verdict === "na" ? "na" : "p:" + (given.points || 0); }
      if (!focused) { $("textarea", block).value = given.note || ""; }
      if (given.note) { $("details", block).open = true; }
    }
    block.classList.toggle("answered", !!given);
    const state = $(".save-state", block);
    // "已保存" only where this page saw the answer given or waiting; elsewhere a saved answer is quiet.
    if (given && given.state !== "saved") { block.setAttribute("data-saving", ""); }
    state.textContent = !given ? "" : given.state === "failed" ? "未能同步：" + (given.error || "") :
      ITEM_STATE[given.state] || (block.hasAttribute("data-saving") ? "已保存" : "");
    state.className = "save-state " + (given ? "state-" + given.state : "");
  }

  async function saveItem(ctx, item, block) {
    const answer = readItem(item, block);
    if (!answer) { $(".save-state", block).textContent = "请先选择结论，备注会一同保存"; return; }
    block.classList.add("answered");
    block.setAttribute("data-saving", "");
    try {
      await data.answer(ctx.stationId, item.code, answer);
    } catch (error) {
      block.classList.remove("answered");
      $(".save-state", block).textContent = "未能保存：" + ns.storageMessage(error);
    }
  }

  // Every control of every item saves as it is given; a note saves a second after typing stops.
  function bindItems(container, ctx) {
    const typing = {};
    function target(event) {
      const block = event.target.closest(".item[data-code]");
      return block && ctx.editable ? { block: block, item: itemOf(ctx, block.getAttribute("data-code")) } : null;
    }
    container.addEventListener("change", function (event) {
      const t = target(event);
      if (!t) { return; }
      clearTimeout(typing[t.item.code]);
      saveItem(ctx, t.item, t.block);
    });
    container.addEventListener("input", function (event) {
      const t = target(event);
      if (!t || event.target.tagName !== "TEXTAREA") { return; }
      clearTimeout(typing[t.item.code]);
      typing[t.item.code] = setTimeout(function () { saveItem(ctx, t.item, t.block); }, 1000);
    });
  }

  // `scored`, for a re-check: the whole checklist and the answers of the inspection it follows, which its own
  // answers replace item by item (its `list` holds the order's items only).
  function scorebar(list, answers, scored) {
    const total = rules.items(list).length;
    const answered = total - rules.score(list, answers).unanswered.length, started = answered > 0;
    const result = scored ? rules.score(scored.checklist, Object.assign({}, scored.base, answers)) : rules.score(list, answers);
    result.complete = answered === total;
    return [
      h("span", null, "得分 ", h("b", { id: "score-value" }, started ? result.score.toFixed(1) : "—")),
      h("span", { class: "tag " + (started ? "outcome-" + result.outcome : ""), id: "score-outcome" },
        started ? result.outcome_label + (result.complete ? "" : "（未完成）") : "尚未作答"),
      h("span", { class: "muted" }, "已答 ", h("b", { id: "score-answered" }, String(answered)), "/" + total),
      result.failed_critical.length ? h("span", { class: "critical" }, "关键项不符合：" + result.failed_critical.join("、")) : null,
    ];
  }

  function conflictsCard(st, ctx) {
    if (!st.conflicts.length) { return null; }
    return h("section", { class: "card conflict-card", role: "alert" }, h("h2", null, "需要您选择的结果"),
      h("p", { class: "hint" }, "同一项目在两处被改成了不同的结果，两个结果都已保留。请确认后选择其一。"),
      st.conflicts.map(function (c) {
        const item = itemOf(ctx, c.item_code), mine = c.mine || c.proposed;
        const other = c.mine ? "本机的修改" : (c.proposed_by ? c.proposed_by + "的修改" : "另一处的修改");
        return h("div", { class: "conflict", "data-conflict": c.id },
          h("p", null, h("b", null, c.item_code), " " + (item ? item.text : "")),
          h("div", { class: "conflict-options" },
            c.server ? h("div", { class: "option" }, h("h3", null, "服务器上的结果"), h("p", null, describe(c.server, item)),
              h("button", { class: "button small", type: "button", onclick: function () {
                data.resolveConflict(ctx.stationId, c.id, "server");
              } }, "采用服务器上的结果")) : null,
            h("div", { class: "option" }, h("h3", null, other), h("p", null, describe(mine, item)),
              h("button", { class: "button small primary", type: "button", onclick: function () {
                data.resolveConflict(ctx.stationId, c.id, "mine");
              } }, "采用" + other))));
      }));
  }

  // ---- entries the server refused -------------------------------------------------------------------

  function entryLabel(e, checklist, stationName) {
    const slot = e.data.slot && checklist ? rules.slotLabel(checklist, e.data.slot) : "";
    const what = { open: "开始检查", answer: (e.data.code || "") + " 作答", photo: "照片（" + slot + "）",
                   photo_delete: "删除照片", signature: rules.label("roles", e.data.role) + "签名",
                   submit: "提交检查", plaque: "牌匾核验" }[e.kind] || e.kind;
    return (stationName ? stationName + "：" : "") + what;
  }

  // `failed` are outbox entries; `nameOf(stationId)` names their station on a list of several stations.
  function failedCard(failed, checklist, stationId, nameOf) {
    if (!failed.length) { return null; }
    return h("section", { class: "card failed-card", role: "alert" },
      h("h2", null, failed.length + " 条记录未能同步"),
      h("p", { class: "hint" }, "服务器拒绝了以下记录，它们仍保存在本机。修改后重试，或放弃这条记录。"),
      h("ul", { class: "failed-list" }, failed.map(function (e) {
        return h("li", null, h("b", null, entryLabel(e, checklist, nameOf ? nameOf(e.station_id) : null)), "：", e.error || "",
          e.missing && e.missing.length ? dom.bullets(e.missing) : null,
          h("button", { class: "button small danger", type: "button", onclick: function () {
            if (window.confirm("放弃这条记录？它将不会再同步到服务器。")) { data.discard(e.seq); }
          } }, "放弃"));
      })),
      h("button", { class: "button small primary", type: "button", onclick: function () {
        data.retryFailed(stationId === null ? undefined : stationId);
      } }, "全部重试"));
  }

  // ---- photos ---------------------------------------------------------------------------------------

  // The photo is kept at once; the position of the moment it was chosen is asked for at the same time and joins
  // it when it comes, within dom.LOCATE_LIMIT_MS (a location prompt nobody answers must not hold the photo).
  async function takePhoto(ctx, slot, input, state, replaces) {
    const file = input.files && input.files[0];
    if (!file) { return; }
    input.value = "";
    if (file.size > MAX_PHOTO) { state.textContent = "照片超过 20 MB，未保存"; return; }
    const locating = dom.locate(15000), until = Date.now() + dom.LOCATE_LIMIT_MS;
    state.textContent = "正在保存到本机…";
    let record;
    try {
      record = await data.addPhoto(ctx.stationId, slot, file, replaces, until);
    } catch (error) {
      state.textContent = "照片未保存：" + ns.storageMessage(error);
      return;
    }
    state.textContent = "已保存在本机，正在记录位置…";
    const position = await locating;
    try {
      await data.placePhoto(record.id, position);
      state.textContent = position ? "已保存在本机（已记录位置）" : "已保存在本机（未能取得位置，请检查定位权限）";
    } catch (error) {
      state.textContent = "已保存在本机（位置未能保存）";
    }
    ns.syncbar.checkStorage();
  }

  function taken(p) {
    const meta = p.server || p.local;
    // The server's caption (domain.findings.capture_time) once it has the photo; until then the phone's own time,
    // named for what it is (the phone reads no EXIF).
    if (!p.server) { return rules.label("times", "phone") + "：" + dom.when(meta.position_time || meta.chosen_at); }
    if (meta.caption_time_label) { return meta.caption_time_label + "：" + meta.caption_time_text; }
    return meta.taken_at ? rules.label("times", "exif") + "：" + dom.when(meta.taken_at) :
      rules.label("times", "upload") + "：" + dom.when(meta.uploaded_at);
  }

  // A photo the browser cannot draw (HEIC in most browsers, a thumbnail out of reach with no network) shows
  // its slot and time instead of a broken image.
  function guardImage(img, p, ctx) {
    if (!img || img.dataset.guarded) { return; }
    img.dataset.guarded = "1";
    function swap() {
      img.replaceWith(h("div", { class: "photo-placeholder", role: "img", "aria-label": rules.slotLabel(ctx.checklist, p.slot) + "照片" },
        h("b", null, rules.slotLabel(ctx.checklist, p.slot)), h("span", null, taken(p)),
        h("small", null, p.server ? "联网后可查看照片" : "此浏览器无法显示这张照片（如 HEIC 格式）；照片已保存，上传后可查看预览")));
    }
    if (img.complete && img.getAttribute("src") && !img.naturalWidth) { swap(); } else { img.addEventListener("error", swap); }
  }

  // A photo taken here is drawn from its bytes in the phone's storage, made into an object URL once.
  function localUrl(p) {
    if (!blobUrls[p.key]) {
      blobUrls[p.key] = data.photoBlob(p.local.id).then(function (blob) { return blob && URL.createObjectURL(blob); },
                                                         function () { return null; });
    }
    return blobUrls[p.key];
  }

  // What a figure shows that can change: drawn again when it does.
  function drawnAs(p) {
    const meta = p.server || p.local;
    return [p.state, meta.latitude != null ? "located" : "", p.local && p.local.locating ? "locating" : ""].join(" ");
  }

  function photoFigure(p, ctx) {
    const meta = p.server || p.local;
    const lat = meta.latitude, lon = meta.longitude, accuracy = p.server ? meta.accuracy_m : meta.accuracy;
    // Which position counts is the server's choice (domain.findings.photo_position); a photo not yet uploaded has
    // only the phone's.
    const source = rules.label("positions", p.server ? meta.position_source : "browser");
    const state = { saved: "已上传", pending: "待上传", failed: "未能上传：" + (p.error || ""), processing: "已上传，处理中…",
                    rejected: "照片未通过：" + (p.server && p.server.rejected_reason || "") + "（不计入本栏目，请删除后重新拍摄）" }[p.state] || "";
    const findings = p.server && p.server.findings || [];
    const read = p.state === "saved";  // the server's findings exist once it has read the photo
    const where = lat != null ? lat.toFixed(5) + ", " + lon.toFixed(5) + "（" + source +
      (accuracy ? "，±" + Math.round(accuracy) + "米" : "") + "）" : "无位置" + (p.local && p.local.locating ? "（正在记录位置…）" : "");
    const img = p.server && !p.server.thumbnail_url ?  // being read on the server, or rejected: no copy to show
      h("div", { class: "photo-pending", role: "img", "aria-label": rules.slotLabel(ctx.checklist, p.slot) + "照片" },
        p.state === "processing" ? "处理中" : "未通过") :
      h("img", { src: p.server ? p.server.thumbnail_url : null, loading: p.server ? "lazy" : null,
                 alt: rules.slotLabel(ctx.checklist, p.slot) + "照片" });
    if (img.tagName === "IMG") { guardImage(img, p, ctx); }
    if (!p.server) {
      localUrl(p).then(function (url) { if (url) { img.src = url; } else { img.dispatchEvent(new Event("error")); } });
    }
    return h("figure", { class: "photo", "data-photo": p.key }, img,
      h("figcaption", null,
        h("div", null, taken(p)),
        h("div", null, "位置：", where),
        h("div", { class: "hash", title: meta.sha256 }, "SHA-256 " + meta.sha256.slice(0, 12) + "…"),
        h("div", { class: "photo-state state-" + p.state }, state),
        p.server && read ? (findings.length ? h("ul", { class: "findings" }, findings.map(function (f) {
          return h("li", { class: "finding-" + f.severity }, f.message);
        })) : h("div", { class: "ok-note" }, "未发现问题")) : null,
        ctx.editable ? h("div", { class: "photo-actions" }, h("button", { class: "button small danger", type: "button", onclick: function () {
          if (window.confirm("删除这张照片？")) {
            data.removePhoto(ctx.stationId, p.server ? { server_id: p.server.id } : { local_id: p.local.id });
          }
        } }, "删除")) : null));
  }

  // Each slot shows its photos in order: a figure already on the page (drawn by the server or earlier) stays,
  // a new one is drawn, one that is gone (deleted, replaced) leaves.
  function updatePhotos(st, ctx) {
    const list = ctx.checklist, required = rules.requiredSlots(list, st.answers), seen = {};
    list.photo_slots.forEach(function (slot) {
      const block = document.getElementById("slot-" + slot.code);
      if (!block) { return; }
      const grid = $(".photo-grid", block), photos = st.photos.filter(function (p) { return p.slot === slot.code; });
      const must = required.indexOf(slot.code) >= 0;
      dom.fill($("h3", block), [slot.label, " ", h("span", { class: must ? "tag warn" : "tag" }, must ? "必拍" : "选拍"),
        " ", h("small", { class: "muted" }, photos.length + " 张")]);
      const figures = photos.map(function (p) {
        seen[p.key] = true;
        let figure = $("[data-photo='" + p.key + "']", grid);
        const drawn = figure && figure.getAttribute("data-drawn");  // none: the server drew it, and it stays…
        // …unless it drew the photo while still reading it, and has read it since.
        const served = figure && !drawn && figure.getAttribute("data-photo-state");
        if (!figure || (drawn && drawn !== drawnAs(p)) || (served && p.server && p.server.state && served !== p.server.state)) {
          figure = photoFigure(p, ctx);
        }
        figure.setAttribute("data-state", p.state);
        figure.setAttribute("data-drawn", drawnAs(p));
        guardImage($("img", figure), p, ctx);
        return figure;
      });
      Array.prototype.slice.call(grid.children).forEach(function (el) { if (figures.indexOf(el) < 0) { el.remove(); } });
      figures.forEach(function (figure, i) {
        if (grid.children[i] !== figure) { grid.insertBefore(figure, grid.children[i] || null); }
      });
    });
    Object.keys(blobUrls).forEach(function (key) {
      if (!seen[key]) {
        blobUrls[key].then(function (url) { if (url) { URL.revokeObjectURL(url); } });
        delete blobUrls[key];
      }
    });
  }

  // ---- signatures -----------------------------------------------------------------------------------

  // A .signature-block[data-role] with its form (name, canvas, 清除, 确认签名): the signature goes to the outbox.
  function bindSignature(block, ctx) {
    const form = $("form.signature-form", block);
    if (!form) { return; }
    const drawing = dom.pad($("canvas", form)), state = $(".sign-state", form), name = $("input[name=name]", form);
    $("[data-clear-signature]", form).addEventListener("click", drawing.clear);
    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      if (!name.value.trim()) { state.textContent = "请填写签名人姓名"; return; }
      if (!drawing.drawn()) { state.textContent = "请先在框内手写签名"; return; }
      const image = $("canvas", form).toDataURL("image/png");
      try {
        await data.sign(ctx.stationId, block.getAttribute("data-role"), name.value.trim(), image);
      } catch (error) {
        state.textContent = "签名未保存：" + ns.storageMessage(error);
        return;
      }
      drawing.clear();
      $("details", block).open = false;
      state.textContent = "签名已保存在本机";
    });
  }

  function updateSignatures(st) {
    document.querySelectorAll(".signature-block[data-role]").forEach(function (block) {
      const signed = st.signatures[block.getAttribute("data-role")];
      dom.fill($(".signed-slot", block), signed ? h("figure", { class: "signed" }, h("img", { src: signed.image, alt: "签名" }),
        h("figcaption", null, signed.name + " · " + dom.when(signed.signed_at) +
          ({ pending: " · 待同步", failed: " · 未能同步：" + (signed.error || "") }[signed.state] || ""))) : null);
    });
  }

  // ---- the plaque check -----------------------------------------------------------------------------

  // A stored plaque code as a reader sees it (domain.directory.signboards.shown_plaque_code).
  function shownCode(code) {
    return code.length === 8 ? code.slice(0, 4) + "-" + code.slice(4) : code.slice(0, 8) + "…";
  }

  // A [data-plaque-check] block: the code typed (or read by the camera) goes to the outbox, once it is a code the
  // server would take; the server's finding comes back with the sync.
  function bindPlaque(block, ctx) {
    const input = block && $("[data-plaque-input]", block);
    if (!input || !input.form) { return; }
    const state = $("[data-plaque-state]", block);
    async function save(text) {
      const value = String(text || "").trim(), code = value ? rules.plaqueCode(value) : "";
      if (code === null) {
        state.textContent = rules.label("plaque", "unreadable");
        state.className = "plaque-state state-failed";
        return;
      }
      state.textContent = ""; state.className = "plaque-state";
      try {
        await data.plaque(ctx.stationId, code);
      } catch (error) {
        state.textContent = "未能保存：" + ns.storageMessage(error);
      }
    }
    input.form.addEventListener("submit", function (event) { event.preventDefault(); save(input.value); });
    if (ns.scan) { ns.scan.attach(block, function (text) { input.value = text; save(text); }); }
  }

  function updatePlaque(st) {
    const block = document.querySelector("[data-plaque-check]");
    if (!block) { return; }
    const p = st.plaque, result = $("[data-plaque-result]", block);
    let text = rules.label("plaque", "unchecked"), warn = false;
    if (p && p.state === "saved") { text = p.text; warn = !p.is_current; }
    else if (p && p.state === "failed") { text = "未能核验：" + (p.error || ""); warn = true; }
    else if (p && p.code) { text = shownCode(p.code) + " · " + rules.label("plaque", "pending"); }
    else if (p) { text += "（清除待同步）"; }
    result.textContent = text;
    result.classList.toggle("warn", warn);
    result.classList.toggle("none", !p);
    result.setAttribute("data-state", p ? p.state : "none");
  }

  // ---- submission -----------------------------------------------------------------------------------

  function missingOf(st, ctx) {
    // A photo the server rejected is no photo of its slot (domain.inspections.counted_photo_slots).
    const slots = st.photos.filter(function (p) { return p.state !== "rejected"; }).map(function (p) { return p.slot; });
    return rules.missing(ctx.checklist, st.answers, slots, Object.keys(st.signatures));
  }

  function updateSubmit(st, ctx) {
    const box = document.getElementById("submit");
    if (st.status === "submitted" || st.status === "accepted") {
      dom.fill(box, [h("h2", null, "提交"), h("p", { id: "submitted-note" }, st.submitPending ?
        "已提交，保存在本机，联网后自动发送到服务器。" :
        "已于 " + dom.when(st.inspection && st.inspection.submitted_at) + " 提交，" +
        (st.status === "accepted" ? "分管领导已审核通过。" : "等待分管领导审核。"))]);
      return;
    }
    const missing = missingOf(st, ctx);
    dom.fill(box, [h("h2", null, "提交"),
      missing.length ? [h("p", null, "提交前还需完成："), dom.bullets(missing, "missing")]
        : h("p", null, "所有项目、必拍照片和签名均已完成。提交后将不能再修改。"),
      h("div", { id: "submit-message" }),
      h("button", { class: "button primary wide", type: "button", id: "submit-button", onclick: async function () {
        const now = ctx.state(), left = missingOf(now, ctx);
        if (left.length) {
          updateSubmit(now, ctx);
          dom.fill(document.getElementById("submit-message"), h("div", { class: "flash flash-error", role: "alert" },
            "还不能提交：请先完成上面列出的 " + left.length + " 项内容。"));
          return;
        }
        if (window.confirm("确定提交？提交后将不能再修改。")) { await data.submit(ctx.stationId); }
      } }, "提交检查结果")]);
  }

  // Everything of the inspection that changes as answers, photos and signatures are given or synced.
  function update(st, ctx) {
    dom.fill(document.getElementById("scorebar"), scorebar(ctx.checklist, st.answers, ctx.scored));
    dom.fill(document.getElementById("conflicts"), conflictsCard(st, ctx));
    dom.fill(document.getElementById("failed-box"), failedCard(st.failed, ctx.checklist, ctx.stationId));
    rules.items(ctx.checklist).forEach(function (item) {
      showItem(item, document.getElementById("item-" + item.code), st.answers[item.code]);
    });
    updatePhotos(st, ctx);
    updateSignatures(st);
    updatePlaque(st);
    updateSubmit(st, ctx);
  }

  ns.station = {
    describe: describe, bindItems: bindItems, bindPlaque: bindPlaque, shownCode: shownCode, takePhoto: takePhoto, bindSignature: bindSignature, update: update,
    failedCard: failedCard, progress: function (detail) {
      const state = document.querySelector("[data-photo='l" + detail.photo_id + "'] .photo-state");
      if (state) { state.textContent = "上传中 " + Math.round(100 * detail.received / detail.size) + "%"; }
    },
  };
})(window.Inspect);
