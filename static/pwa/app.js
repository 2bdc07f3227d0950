// The offline app's screens: the station board and a station's checklist, drawn from IndexedDB.
"use strict";
(function (ns) {
  const root = document.getElementById("app");
  if (!root) { return; }
  const view = document.getElementById("view");
  const rules = ns.rules, data = ns.data;
  const STATUS = { not_started: "未检查", in_progress: "进行中", submitted: "已提交", returned: "已退回",
                   accepted: "已审核通过" };
  const ACTION = { not_started: "开始检查", in_progress: "继续检查", returned: "修改并重新提交", submitted: "查看检查",
                   accepted: "查看检查" };
  const MAX_PHOTO = 20 * 1024 * 1024;
  let all = null, here = null, query = "", waiting = 0, current = null, blobUrls = {};

  // ---- small helpers --------------------------------------------------------------------------------

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
  function when(iso) {
    if (!iso) { return ""; }
    return new Date(iso).toLocaleString("zh-CN", { timeZone: "Asia/Shanghai", hour12: false, year: "numeric",
      month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" });
  }
  function bullets(lines, id) {
    return h("ul", { class: "errors-list", id: id }, lines.map(function (m) { return h("li", null, m); }));
  }
  function km(m) { return m >= 1000 ? (m / 1000).toFixed(1) + " 公里" : Math.round(m) + " 米"; }

  function locate(maximumAge) {
    return new Promise(function (resolve) {
      if (!navigator.geolocation) { resolve(null); return; }
      navigator.geolocation.getCurrentPosition(function (p) {
        resolve({ latitude: p.coords.latitude, longitude: p.coords.longitude, accuracy: p.coords.accuracy, timestamp: p.timestamp });
      }, function () { resolve(null); }, { enableHighAccuracy: true, timeout: 10000, maximumAge: maximumAge });
    });
  }

  function checklist() { return all && all.bootstrap && all.bootstrap.checklist; }
  function station(id) { return ((all && all.bootstrap && all.bootstrap.stations) || []).find(function (s) { return s.id === id; }); }
  function itemOf(code) { return rules.items(checklist()).find(function (i) { return i.code === code; }); }

  function describe(answer, item) {
    if (!answer) { return "未作答"; }
    let text = rules.VERDICT_LABELS[answer.verdict] || answer.verdict;
    if (item && item.scoring === "graded" && answer.verdict !== "na") { text += " · " + (answer.points || 0) + "分"; }
    return text + (answer.note ? " · 备注：" + answer.note : "");
  }

  function entryLabel(e, withStation) {
    const s = station(e.station_id), name = s && withStation ? s.name + "：" : "";
    const slot = e.data.slot ? rules.slotLabel(checklist(), e.data.slot) : "";
    const what = { open: "开始检查", answer: (e.data.code || "") + " 作答", photo: "照片（" + slot + "）",
                   photo_delete: "删除照片", signature: (e.data.role === "inspector" ? "检查员" : "服务站代表") + "签名",
                   submit: "提交检查" }[e.kind] || e.kind;
    return name + what;
  }

  // ---- sync bar, storage, sign-out ------------------------------------------------------------------

  async function updateBadge() {
    const c = await data.counts();
    waiting = c.waiting;
    const badge = document.getElementById("sync-badge");
    badge.hidden = c.waiting === 0;
    badge.textContent = c.waiting + " 条待同步";
    badge.className = "badge" + (c.failed || c.held ? " badge-error" : "");
    badge.title = c.failed ? c.failed + " 条未能同步" : "";
    return c;
  }

  function showStatus(text, login) {
    const el = document.getElementById("sync-status");
    fill(el, [text, login ? [" ", h("a", { href: root.dataset.login }, "重新登录")] : null]);
  }

  async function checkStorage() {
    if (!navigator.storage) { return; }
    try {
      if (navigator.storage.persist && !(await data.meta("persist_requested"))) {
        await data.meta("persist_requested", true);
        await navigator.storage.persist();
      }
      if (!navigator.storage.estimate) { return; }
      const e = await navigator.storage.estimate();
      const free = e.quota - e.usage, warning = document.getElementById("storage-warning");
      const low = e.quota > 0 && (free < 50 * 1024 * 1024 || free < e.quota * 0.1);
      warning.hidden = !low;
      warning.textContent = low ? "手机可用于离线保存的空间不足（约剩 " + Math.max(0, Math.round(free / 1048576)) +
        " MB）：请尽快联网同步，或清理手机存储后再拍照。" : "";
    } catch (error) { /* storage estimates are advisory */ }
  }

  function guardSignOut() {
    const form = document.querySelector('form[action$="/logout"]');
    if (!form) { return; }
    form.addEventListener("submit", function (event) {
      if (waiting > 0 && !window.confirm("还有 " + waiting + " 条记录没有同步到服务器。退出后它们仍保存在本机，" +
          "但要用同一账号重新登录后才能同步。确定退出？")) {
        event.preventDefault();
      }
    });
  }

  // ---- the board --------------------------------------------------------------------------------------

  function renderBoard() {
    current = null;
    const boot = all && all.bootstrap;
    if (!boot) {
      fill(view, h("section", { class: "card" }, h("h1", null, "现场检查"),
        h("p", null, "首次使用需要联网：请在有信号的地方打开一次本页面，以便下载本旗区的服务站和核查表。之后没有信号也能检查。")));
      return;
    }
    if (!boot.campaign) {
      fill(view, h("p", { class: "card" }, "目前没有验收批次，请联系市12315中心。"));
      return;
    }
    fill(view, [
      h("h1", null, "现场检查"),
      h("p", { class: "muted", id: "board-meta" }),
      h("div", { id: "failed-box" }),
      h("div", { class: "filters board-search" }, h("div", { class: "search" },
        h("input", { type: "search", id: "station-search", value: query, placeholder: "服务站名称或编号",
                     "aria-label": "搜索服务站", oninput: function (e) { query = e.target.value; renderStations(); } }))),
      h("div", { class: "result-bar" }, h("span", { id: "station-count" }),
        h("button", { class: "button small", type: "button", id: "sort-by-distance", onclick: sortByDistance },
          here ? "更新我的位置" : "按距离排序")),
      h("p", { class: "hint", id: "location-message", role: "status", hidden: true }),
      h("ul", { class: "station-list", id: "stations" }),
    ]);
    renderStations();
    renderFailed(null);
  }

  async function sortByDistance() {
    const message = document.getElementById("location-message");
    message.hidden = false; message.textContent = "正在获取您的位置…";
    const p = await locate(60000);
    if (!p) { message.textContent = "暂时无法获取位置：请在浏览器或微信设置中允许使用位置"; return; }
    here = p; message.hidden = true;
    document.getElementById("sort-by-distance").textContent = "更新我的位置";
    renderStations();
  }

  function renderStations() {
    const list = document.getElementById("stations");
    if (!list) { return; }
    const boot = all.bootstrap;
    document.getElementById("board-meta").textContent = boot.campaign.name + " · 截止 " + boot.campaign.deadline +
      " · 数据更新于 " + when(boot.fetched_at);
    const q = query.trim().toLowerCase();
    let rows = boot.stations.filter(function (s) {
      return !q || s.name.toLowerCase().indexOf(q) >= 0 || s.number.toLowerCase().indexOf(q) >= 0;
    }).map(function (s) {
      const d = here && s.latitude != null && s.longitude != null ?
        rules.distance(here.latitude, here.longitude, s.latitude, s.longitude) : null;
      return { station: s, distance: d, state: data.stationState(all, s.id) };
    });
    if (here) { rows.sort(function (a, b) { return (a.distance == null) - (b.distance == null) || a.distance - b.distance; }); }
    fill(document.getElementById("station-count"), ["共 ", h("b", null, String(rows.length)), " 个服务站", here ? " · 按距离由近到远" : ""]);
    fill(list, rows.length ? rows.map(stationCard) : h("li", { class: "card" }, "没有找到服务站。"));
  }

  function stationCard(row) {
    const s = row.station, st = row.state, answered = Object.keys(st.answers).length;
    const result = answered ? rules.score(checklist(), st.answers) : null;
    return h("li", { class: "station-card board-card", "data-station": s.id },
      h("h3", null, s.name),
      h("p", null, s.number, row.distance != null ? [" · 距您 ", h("b", null, km(row.distance))] : null),
      h("p", null, s.address),
      h("p", null, s.host_organisation, s.phone ? [" · ", h("a", { href: "tel:" + s.phone }, s.phone)] : null),
      h("div", { class: "tags" },
        h("span", { class: "tag status-" + st.status }, STATUS[st.status] + (st.submitPending ? "（待同步）" : "")),
        result ? h("span", { class: "tag" }, "当前 " + result.score.toFixed(1) + " 分") : null,
        st.waiting ? h("span", { class: "tag warn" }, st.waiting + " 条待同步") : null,
        st.conflicts.length ? h("span", { class: "tag off" }, "有冲突待选择") : null),
      h("button", { class: "button wide " + (st.status === "submitted" || st.status === "accepted" ? "" : "primary"), type: "button",
                    onclick: function () { openStation(s.id, st.status); } }, ACTION[st.status]));
  }

  async function openStation(id, status) {
    if (status === "not_started") { await data.open(id); }
    location.hash = "#/station/" + id;
  }

  function renderFailed(stationId) {
    const box = document.getElementById("failed-box");
    if (!box) { return; }
    const failed = all.outbox.filter(function (e) {
      return e.state === "failed" && (stationId === null || e.station_id === stationId);
    });
    fill(box, failed.length ? h("section", { class: "card failed-card", role: "alert" },
      h("h2", null, failed.length + " 条记录未能同步"),
      h("p", { class: "hint" }, "服务器拒绝了以下记录，它们仍保存在本机。修改后重试，或放弃这条记录。"),
      h("ul", { class: "failed-list" }, failed.map(function (e) {
        return h("li", null, h("b", null, entryLabel(e, stationId === null)), "：", e.error || "",
          e.missing && e.missing.length ? bullets(e.missing) : null,
          h("button", { class: "button small danger", type: "button", onclick: function () {
            if (window.confirm("放弃这条记录？它将不会再同步到服务器。")) { data.discard(e.seq); }
          } }, "放弃"));
      })),
      h("button", { class: "button small primary", type: "button", onclick: function () {
        data.retryFailed(stationId === null ? undefined : stationId);
      } }, "全部重试"))
      : null);
  }

  // ---- a station's checklist ----------------------------------------------------------------------------

  function renderStation(id) {
    const s = station(id), list = checklist();
    if (!s || !list) { fill(view, h("p", { class: "card" }, "找不到这个服务站。", h("a", { href: "#/" }, "返回"))); return; }
    const st = data.stationState(all, id);
    current = { id: id, editable: st.editable };
    fill(view, [
      h("p", null, h("a", { href: "#/" }, "← 返回")),
      h("h1", null, s.name),
      h("p", { class: "muted", id: "station-head" }),
      st.status === "returned" && st.inspection && st.inspection.return_comment ?
        h("div", { class: "flash flash-warning", role: "alert" }, h("b", null, "分管领导退回补正："), st.inspection.return_comment) : null,
      h("div", { class: "scorebar", id: "scorebar", "aria-live": "polite" }),
      h("div", { id: "conflicts" }),
      h("div", { id: "failed-box" }),
      h("div", { id: "checklist" }, list.sections.map(function (section) {
        return h("fieldset", { class: "section" }, h("legend", null, section.code + ". " + section.title),
          section.items.map(function (item) { return itemBlock(item, st); }));
      })),
      photosSection(list, st),
      signaturesSection(st),
      h("section", { class: "card", id: "submit" }),
    ]);
    updateStation(st);
    window.scrollTo(0, 0);
  }

  function itemBlock(item, st) {
    const given = st.answers[item.code];
    const tags = h("div", { class: "tags" }, h("span", { class: "tag" }, item.points + "分"),
      item.critical ? h("span", { class: "tag off" }, "关键") : null,
      (item.photos || []).map(function (p) {
        return h("span", { class: "tag " + (p.required ? "warn" : "") }, rules.slotLabel(checklist(), p.slot) + (p.required ? "必拍" : "选拍"));
      }));
    const block = h("div", { class: "item", "data-code": item.code, "data-scoring": item.scoring || "pass_fail", id: "item-" + item.code },
      h("p", { class: "item-text" }, h("b", null, item.code), " " + item.text), tags,
      item.guidance ? h("p", { class: "hint" }, item.guidance) : null);
    if (!st.editable) {
      append(block, [h("p", { class: "given" }, h("b", null, describe(given, item)))]);
      return block;
    }
    if ((item.scoring || "pass_fail") === "pass_fail") {
      const choices = [["pass", "符合"], ["fail", "不符合"]].concat(item.na_allowed ? [["na", "不适用"]] : []);
      append(block, [h("div", { class: "choices", role: "radiogroup", "aria-label": item.code + " 结论" }, choices.map(function (c) {
        return h("label", { class: "choice choice-" + c[0] },
          h("input", { type: "radio", name: "answer-" + item.code, value: c[0], onchange: function () { saveItem(item, block); } }),
          h("span", null, c[1]));
      }))]);
    } else {
      const levels = item.levels && item.levels.length ? item.levels.map(function (l) { return [l.points, l.points + "分 · " + l.label]; }) :
        Array.from({ length: item.points + 1 }, function (_, i) { return [item.points - i, (item.points - i) + "分"]; });
      append(block, [h("label", { class: "graded" }, "得分", h("select", { name: "answer-" + item.code, "aria-label": item.code + " 得分",
        onchange: function () { saveItem(item, block); } },
        h("option", { value: "" }, "请选择"),
        levels.map(function (l) { return h("option", { value: "p:" + l[0] }, l[1]); }),
        item.na_allowed ? h("option", { value: "na" }, "不适用") : null))]);
    }
    let typing = null;
    append(block, [
      h("details", { class: "note", open: !!(given && given.note) }, h("summary", null, "备注"),
        h("textarea", { name: "note-" + item.code, maxlength: "500", rows: "2", placeholder: "发现的问题、整改要求等",
          oninput: function () { clearTimeout(typing); typing = setTimeout(function () { saveItem(item, block); }, 1000); },
          onchange: function () { clearTimeout(typing); saveItem(item, block); } })),
      h("small", { class: "save-state", "aria-live": "polite" }),
    ]);
    return block;
  }

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
    }
    block.classList.toggle("answered", !!given);
    const state = $(".save-state", block);
    const text = !given ? "" : { pending: "已保存在本机，待同步", held: "与其他设备的修改冲突，请在上方选择",
                                 failed: "未能同步：" + (given.error || "") }[given.state] || "";
    state.textContent = text;
    state.className = "save-state " + (given ? "state-" + given.state : "");
  }

  async function saveItem(item, block) {
    const answer = readItem(item, block);
    const state = $(".save-state", block);
    if (!answer) { state.textContent = "请先选择结论，备注会一同保存"; return; }
    block.classList.add("answered");
    await data.answer(current.id, item.code, answer);
  }

  function scorebar(st) {
    const list = checklist(), total = rules.items(list).length;
    const result = rules.score(list, st.answers), started = result.unanswered.length < total;
    return [
      h("span", null, "得分 ", h("b", { id: "score-value" }, started ? result.score.toFixed(1) : "—")),
      h("span", { class: "tag " + (started ? "outcome-" + result.outcome : ""), id: "score-outcome" },
        started ? result.outcome_label + (result.complete ? "" : "（未完成）") : "尚未作答"),
      h("span", { class: "muted" }, "已答 ", h("b", { id: "score-answered" }, String(total - result.unanswered.length)), "/" + total),
      result.failed_critical.length ? h("span", { class: "critical" }, "关键项不符合：" + result.failed_critical.join("、")) : null,
    ];
  }

  function conflictsCard(st) {
    if (!st.conflicts.length) { return null; }
    return h("section", { class: "card conflict-card", role: "alert" }, h("h2", null, "需要您选择的结果"),
      h("p", { class: "hint" }, "同一项目在两处被改成了不同的结果，两个结果都已保留。请确认后选择其一。"),
      st.conflicts.map(function (c) {
        const item = itemOf(c.item_code), mine = c.mine || c.proposed;
        const other = c.mine ? "本机的修改" : (c.proposed_by ? c.proposed_by + "的修改" : "另一处的修改");
        return h("div", { class: "conflict", "data-conflict": c.id },
          h("p", null, h("b", null, c.item_code), " " + (item ? item.text : "")),
          h("div", { class: "conflict-options" },
            c.server ? h("div", { class: "option" }, h("h3", null, "服务器上的结果"), h("p", null, describe(c.server, item)),
              h("button", { class: "button small", type: "button", onclick: function () {
                data.resolveConflict(current.id, c.id, "server");
              } }, "采用服务器上的结果")) : null,
            h("div", { class: "option" }, h("h3", null, other), h("p", null, describe(mine, item)),
              h("button", { class: "button small primary", type: "button", onclick: function () {
                data.resolveConflict(current.id, c.id, "mine");
              } }, "采用" + other))));
      }));
  }

  // ---- photos -----------------------------------------------------------------------------------------

  function photosSection(list, st) {
    return h("section", { class: "card", id: "photos" }, h("h2", null, "照片"),
      h("p", { class: "hint" }, "拍照时会记录当时的位置和时间；没有信号时照片保存在本机，联网后自动上传。"),
      list.photo_slots.map(function (slot) {
        const block = h("div", { class: "slot", id: "slot-" + slot.code },
          h("h3", { class: "slot-head" }), h("div", { class: "photo-grid" }));
        if (st.editable) {
          const state = h("small", { class: "upload-state", "aria-live": "polite" });
          const input = function (attrs, label) {
            return h("label", { class: "button" }, label, h("input", Object.assign({ type: "file", class: "visually-hidden",
              onchange: function (e) { takePhoto(slot.code, e.target, state); } }, attrs)));
          };
          append(block, [h("div", { class: "actions" }, input({ accept: "image/*", capture: "environment" }, "拍照"),
            input({ accept: "image/*,.heic,.heif" }, "从相册选择")), state]);
        }
        return block;
      }));
  }

  async function takePhoto(slot, input, state) {
    const file = input.files && input.files[0];
    if (!file) { return; }
    const stationId = current.id;
    if (file.size > MAX_PHOTO) { state.textContent = "照片超过 20 MB，未保存"; input.value = ""; return; }
    state.textContent = "正在记录位置…";
    const position = await locate(15000);  // the moment the photo is chosen: its place and time go with it
    state.textContent = "正在保存到本机…";
    try {
      await data.addPhoto(stationId, slot, file, position);
      state.textContent = position ? "已保存在本机（已记录位置）" : "已保存在本机（未能取得位置，请检查定位权限）";
      if (position) { setTimeout(function () { state.textContent = ""; }, 5000); }
    } catch (error) {
      state.textContent = "照片未保存：" + error.message;
    }
    input.value = "";
    checkStorage();
  }

  function photoUrl(p) {
    if (p.server) { return p.server.thumbnail_url; }
    if (!blobUrls[p.key]) { blobUrls[p.key] = URL.createObjectURL(p.local.blob); }
    return blobUrls[p.key];
  }

  function photoFigure(p, editable) {
    const meta = p.server || p.local;
    const lat = meta.latitude, lon = meta.longitude, accuracy = p.server ? meta.accuracy_m : meta.accuracy;
    const source = p.server ? (meta.position_source === "exif" ? "照片EXIF" : "浏览器定位") : "浏览器定位";
    const taken = !p.server ? "拍摄：" + when(meta.position_time || meta.chosen_at) :
      meta.taken_at ? "拍摄：" + when(meta.taken_at) : "上传：" + when(meta.uploaded_at);
    const state = { saved: "已上传", pending: "待上传", failed: "未能上传：" + (p.error || "") }[p.state] || "";
    const findings = p.server && p.server.findings || [];
    return h("figure", { class: "photo", "data-photo": p.key },
      h("img", { src: photoUrl(p), alt: rules.slotLabel(checklist(), p.slot) + "照片", loading: p.server ? "lazy" : null }),
      h("figcaption", null,
        h("div", null, taken),
        h("div", null, "位置：", lat != null ? lat.toFixed(5) + ", " + lon.toFixed(5) + "（" + source +
          (accuracy ? "，±" + Math.round(accuracy) + "米" : "") + "）" : "无位置"),
        h("div", { class: "hash", title: meta.sha256 }, "SHA-256 " + meta.sha256.slice(0, 12) + "…"),
        h("div", { class: "photo-state state-" + p.state }, state),
        p.server ? (findings.length ? h("ul", { class: "findings" }, findings.map(function (f) {
          return h("li", { class: "finding-" + f.severity }, f.message);
        })) : h("div", { class: "ok-note" }, "未发现问题")) : null,
        editable ? h("div", { class: "photo-actions" }, h("button", { class: "button small danger", type: "button", onclick: function () {
          if (window.confirm("删除这张照片？")) {
            data.removePhoto(current.id, p.server ? { server_id: p.server.id } : { local_id: p.local.id });
          }
        } }, "删除")) : null));
  }

  function updatePhotos(st) {
    const list = checklist(), required = rules.requiredSlots(list, st.answers), seen = {};
    list.photo_slots.forEach(function (slot) {
      const block = document.getElementById("slot-" + slot.code);
      const photos = st.photos.filter(function (p) { return p.slot === slot.code; });
      photos.forEach(function (p) { seen[p.key] = true; });
      const must = required.indexOf(slot.code) >= 0;
      fill($(".slot-head", block), [slot.label, " ", h("span", { class: must ? "tag warn" : "tag" }, must ? "必拍" : "选拍"),
        " ", h("small", { class: "muted" }, photos.length + " 张")]);
      fill($(".photo-grid", block), photos.map(function (p) { return photoFigure(p, st.editable); }));
    });
    Object.keys(blobUrls).forEach(function (key) {
      if (!seen[key]) { URL.revokeObjectURL(blobUrls[key]); delete blobUrls[key]; }
    });
  }

  // ---- signatures -------------------------------------------------------------------------------------

  function signaturesSection(st) {
    return h("section", { class: "card", id: "signatures" }, h("h2", null, "现场签名"),
      h("p", { class: "hint" }, "服务站代表确认检查结果后在屏幕上手写签名并填写姓名；检查员同样签名。"),
      rules.ROLES.map(function (role) {
        const signed = st.signatures[role[0]];
        const block = h("div", { class: "signature-block", "data-role": role[0] },
          h("h3", null, role[1] + "签名"), h("div", { class: "signed-slot" }));
        if (st.editable) { append(block, [signaturePad(role, signed)]); }
        return block;
      }));
  }

  function signaturePad(role, signed) {
    const canvas = h("canvas", { class: "signature-pad", width: "600", height: "240", "aria-label": role[1] + "手写签名区域" });
    const name = h("input", { type: "text", name: "name", maxlength: "30", required: true,
                              value: role[0] === "inspector" && !signed ? root.dataset.name : (signed ? signed.name : "") });
    const state = h("small", { class: "sign-state", "aria-live": "polite" });
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
    function clear() { ctx.clearRect(0, 0, canvas.width, canvas.height); drawn = false; }
    const details = h("details", { open: !signed }, h("summary", null, signed ? "重新签名" : "签名"),
      h("div", { class: "signature-form" },
        h("label", { class: "field" }, "签名人姓名", name), canvas,
        h("div", { class: "actions" },
          h("button", { class: "button small", type: "button", onclick: clear }, "清除"),
          h("button", { class: "button primary small", type: "button", onclick: async function () {
            if (!name.value.trim()) { state.textContent = "请填写签名人姓名"; return; }
            if (!drawn) { state.textContent = "请先在框内手写签名"; return; }
            await data.sign(current.id, role[0], name.value.trim(), canvas.toDataURL("image/png"));
            clear(); details.open = false; state.textContent = "签名已保存在本机";
          } }, "确认签名")),
        state));
    return details;
  }

  function updateSignatures(st) {
    document.querySelectorAll(".signature-block").forEach(function (block) {
      const signed = st.signatures[block.getAttribute("data-role")];
      fill($(".signed-slot", block), signed ? h("figure", { class: "signed" }, h("img", { src: signed.image, alt: "签名" }),
        h("figcaption", null, signed.name + " · " + when(signed.signed_at) +
          ({ pending: " · 待同步", failed: " · 未能同步：" + (signed.error || "") }[signed.state] || ""))) : null);
    });
  }

  // ---- submission -------------------------------------------------------------------------------------

  function missingOf(st) {
    const slots = st.photos.map(function (p) { return p.slot; });
    return rules.missing(checklist(), st.answers, slots, Object.keys(st.signatures));
  }

  function updateSubmit(st) {
    const box = document.getElementById("submit");
    if (st.status === "submitted" || st.status === "accepted") {
      fill(box, [h("h2", null, "提交"), h("p", { id: "submitted-note" }, st.submitPending ?
        "已提交，保存在本机，联网后自动发送到服务器。" :
        "已于 " + when(st.inspection && st.inspection.submitted_at) + " 提交，" +
        (st.status === "accepted" ? "分管领导已审核通过。" : "等待分管领导审核。"))]);
      return;
    }
    const missing = missingOf(st);
    const message = h("div", { id: "submit-message" });
    fill(box, [h("h2", null, "提交"),
      missing.length ? [h("p", null, "提交前还需完成："), bullets(missing, "missing")]
        : h("p", null, "所有项目、必拍照片和签名均已完成。提交后将不能再修改。"),
      message,
      h("button", { class: "button primary wide", type: "button", id: "submit-button", onclick: async function () {
        const now = missingOf(data.stationState(all, current.id));
        if (now.length) {
          updateSubmit(data.stationState(all, current.id));
          fill(document.getElementById("submit-message"), h("div", { class: "flash flash-error", role: "alert" },
            "还不能提交：请先完成上面列出的 " + now.length + " 项内容。"));
          return;
        }
        if (window.confirm("确定提交？提交后将不能再修改。")) { await data.submit(current.id); }
      } }, "提交检查结果")]);
  }

  function updateStation(st) {
    const s = station(current.id), boot = all.bootstrap;
    fill(document.getElementById("station-head"), [s.number + " · " + s.address + " · " + boot.campaign.name + " · ",
      h("span", { class: "tag status-" + st.status }, STATUS[st.status] + (st.submitPending ? "（待同步）" : ""))]);
    fill(document.getElementById("scorebar"), scorebar(st));
    fill(document.getElementById("conflicts"), conflictsCard(st));
    renderFailed(current.id);
    rules.items(checklist()).forEach(function (item) {
      showItem(item, document.getElementById("item-" + item.code), st.answers[item.code]);
    });
    updatePhotos(st);
    updateSignatures(st);
    updateSubmit(st);
  }

  // ---- routing and refresh ----------------------------------------------------------------------------

  function route() {
    const m = /^#\/station\/(\d+)/.exec(location.hash);
    return m ? Number(m[1]) : null;
  }

  function render() {
    const id = route();
    if (id !== null && all && all.bootstrap && all.bootstrap.checklist) { renderStation(id); } else { renderBoard(); }
  }

  let reloading = null;
  function refresh() {
    // Many events during a sync make one redraw.
    if (reloading) { return reloading; }
    reloading = new Promise(function (resolve) { setTimeout(resolve, 50); }).then(async function () {
      reloading = null;
      all = await data.loadAll();
      const id = route();
      const usable = all.bootstrap && all.bootstrap.campaign && all.bootstrap.checklist;
      if (usable && id === null && current === null && document.getElementById("stations")) {
        renderStations(); renderFailed(null); return;
      }
      if (!usable || id === null) { render(); return; }
      const st = data.stationState(all, id);
      if (!current || current.id !== id || current.editable !== st.editable) { render(); } else { updateStation(st); }
    });
    return reloading;
  }

  data.on(function (what, detail) {
    if (what === "outbox") { updateBadge(); refresh(); }
    else if (what === "data") { refresh(); }
    else if (what === "running") { root.setAttribute("data-sync", detail ? "running" : "idle"); }
    else if (what === "status") {
      if (detail.state === "syncing") { showStatus("正在同步…"); }
      else if (detail.state === "done") {
        updateBadge().then(function (c) {
          const open = [c.failed ? c.failed + " 条未能同步" : "", c.held ? c.held + " 项冲突待选择" : ""].filter(Boolean);
          showStatus((open.length ? "同步完成，" + open.join("，") : "已同步") + " · " + when(new Date().toISOString()));
        });
      }
      else { showStatus(detail.message, detail.login); }
    } else if (what === "progress") {
      const state = document.querySelector("[data-photo='l" + detail.photo_id + "'] .photo-state");
      if (state) { state.textContent = "上传中 " + Math.round(100 * detail.received / detail.size) + "%"; }
    }
  });

  async function start() {
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register(root.dataset.worker).catch(function () { /* the app still works online */ });
    }
    guardSignOut();
    let db;
    try { db = await ns.openDatabase(root.dataset.user); } catch (error) {
      fill(view, h("p", { class: "card flash-error" }, "无法使用离线存储：" + error.message));
      return;
    }
    data.init(db, root.dataset.api, Number(root.dataset.user));
    all = await data.loadAll();
    render();
    await updateBadge();
    showStatus(navigator.onLine === false ? "离线：改动保存在本机，联网后自动同步" :
      all.lastSync ? "上次同步 " + when(all.lastSync) : "尚未同步");
    checkStorage();
    document.getElementById("sync-now").addEventListener("click", function () { data.sync(); });
    window.addEventListener("hashchange", render);
    window.addEventListener("online", function () { data.sync(); });
    window.addEventListener("offline", function () { showStatus("离线：改动保存在本机，联网后自动同步"); });
    document.addEventListener("visibilitychange", function () { if (document.visibilityState === "visible") { data.sync(); } });
    data.sync();
  }

  start();
})(window.Inspect);
