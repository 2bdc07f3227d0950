// The offline app's screens: the station board and a station's checklist, drawn from IndexedDB. The
// checklist's parts are the shared ones of station.js, the same as on the online checklist page.
"use strict";
(function (ns) {
  const root = document.getElementById("app");
  if (!root) { return; }
  const view = document.getElementById("view");
  const dom = ns.dom, h = dom.h, rules = ns.rules, data = ns.data, station = ns.station;
  // The shell's labels (cached with it, so they match these scripts) until a bootstrap brings its own.
  const shellRules = JSON.parse(root.dataset.rules || "null");
  rules.use(shellRules);
  const ACTION = { not_started: "开始检查", in_progress: "继续检查", returned: "修改并重新提交", submitted: "查看检查",
                   accepted: "查看检查" };
  let all = null, here = null, query = "", current = null;

  function km(m) { return m >= 1000 ? (m / 1000).toFixed(1) + " 公里" : Math.round(m) + " 米"; }
  function checklist() { return all && all.bootstrap && all.bootstrap.checklist; }
  // A follow-up (re-check or spot check) on this board, by its key; undefined for a station's own inspection.
  function followUpOf(key) { return ((all && all.bootstrap && all.bootstrap.follow_ups) || []).find(function (f) { return f.key === key; }); }
  function stationOf(id) {
    if (typeof id === "string") { const f = followUpOf(id); return f && f.station; }
    return ((all && all.bootstrap && all.bootstrap.stations) || []).find(function (s) { return s.id === id; });
  }
  function nameOf(id) { const s = stationOf(id); return s ? s.name : ""; }

  // ---- the board --------------------------------------------------------------------------------------

  function renderBoard() {
    current = null;
    const boot = all && all.bootstrap;
    if (!boot) {
      dom.fill(view, h("section", { class: "card" }, h("h1", null, "现场检查"),
        h("p", null, "首次使用需要联网：请在有信号的地方打开一次本页面，以便下载本旗区的服务站和核查表。之后没有信号也能检查。")));
      return;
    }
    if (!boot.campaign) {
      dom.fill(view, h("p", { class: "card" }, "目前没有验收批次，请联系市12315中心。"));
      return;
    }
    dom.fill(view, [
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
      followUpsSection(boot.follow_ups || []),
      h("ul", { class: "station-list", id: "stations" }),
    ]);
    renderStations();
  }

  // Re-checks of the district's orders, or the city's sampled stations: above the stations, each filed under
  // its own key so that it never mixes with the station's own inspection.
  function followUpsSection(work) {
    if (!work.length) { return null; }
    return h("section", { class: "follow-ups", id: "follow-ups", "aria-label": "跟进检查" },
      h("h2", null, work[0].kind === "recheck" ? "整改复查" : "市级抽查"),
      h("ul", { class: "station-list" }, work.map(function (f) {
        const st = data.stationState(all, f.key), s = f.station;
        const begun = st.status !== "not_started";
        return h("li", { class: "station-card board-card", "data-follow-up": f.key },
          h("h2", null, s.name),
          h("p", null, s.number, " · ", s.address),
          h("div", { class: "tags" },
            h("span", { class: "tag warn" }, f.kind_label),
            f.order ? h("span", { class: "tag" }, "整改期限 " + f.order.deadline) : null,
            f.order ? h("span", { class: "tag" }, "复查项目 " + f.order.items.join("、")) : null,
            begun ? h("span", { class: "tag status-" + st.status }, rules.label("statuses", st.status) + (st.submitPending ? "（待同步）" : "")) : null,
            st.waiting ? h("span", { class: "tag warn" }, st.waiting + " 条待同步") : null),
          h("button", { class: "button wide " + (st.status === "submitted" || st.status === "accepted" ? "" : "primary"), type: "button",
                        onclick: function () { openStation(f.key, st.status); } },
            (st.status === "submitted" || st.status === "accepted" ? "查看" : begun ? "继续" : "开始") + f.kind_label));
      })));
  }

  async function sortByDistance() {
    const message = document.getElementById("location-message");
    message.hidden = false; message.textContent = "正在获取您的位置…";
    const p = await dom.locate(60000);
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
      " · 数据更新于 " + dom.when(boot.fetched_at);
    const q = query.trim().toLowerCase();
    let rows = boot.stations.filter(function (s) {
      return !q || s.name.toLowerCase().indexOf(q) >= 0 || s.number.toLowerCase().indexOf(q) >= 0;
    }).map(function (s) {
      const d = here && s.latitude != null && s.longitude != null ?
        rules.distance(here.latitude, here.longitude, s.latitude, s.longitude) : null;
      return { station: s, distance: d, state: data.stationState(all, s.id) };
    });
    if (here) { rows.sort(function (a, b) { return (a.distance == null) - (b.distance == null) || a.distance - b.distance; }); }
    dom.fill(document.getElementById("station-count"), ["共 ", h("b", null, String(rows.length)), " 个服务站", here ? " · 按距离由近到远" : ""]);
    // A city inspector's board holds sampled stations only: no district board to search.
    const onlyFollowUps = !boot.stations.length && (boot.follow_ups || []).length;
    document.querySelector(".board-search").hidden = !!onlyFollowUps;
    document.querySelector(".result-bar").hidden = !!onlyFollowUps;
    dom.fill(list, rows.length ? rows.map(stationCard) : onlyFollowUps ? [] : h("li", { class: "card" }, "没有找到服务站。"));
    dom.fill(document.getElementById("failed-box"), station.failedCard(all.outbox.filter(function (e) {
      return e.state === "failed";
    }), checklist(), null, nameOf));
  }

  function stationCard(row) {
    const s = row.station, st = row.state, answered = Object.keys(st.answers).length;
    const result = answered ? rules.score(checklist(), st.answers) : null;
    return h("li", { class: "station-card board-card", "data-station": s.id },
      h("h2", null, s.name),
      h("p", null, s.number, row.distance != null ? [" · 距您 ", h("b", null, km(row.distance))] : null),
      h("p", null, s.address),
      h("p", null, s.host_organisation, s.phone ? [" · ", h("a", { href: "tel:" + s.phone }, s.phone)] : null),
      h("div", { class: "tags" },
        h("span", { class: "tag status-" + st.status }, rules.label("statuses", st.status) + (st.submitPending ? "（待同步）" : "")),
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

  // ---- a station's checklist ----------------------------------------------------------------------------

  function renderStation(id) {
    const s = stationOf(id), full = checklist(), follow = typeof id === "string" ? followUpOf(id) : null;
    if (!s || !full) { dom.fill(view, h("p", { class: "card" }, "找不到这个服务站。", h("a", { href: "#/" }, "返回"))); return; }
    const st = data.stationState(all, id);
    // A re-check asks its order's items only, and scores the station with them answered again over the
    // inspection it follows, as the bootstrap brought its answers (the server scores it the same way).
    const list = data.scoped(full, follow && follow.order ? follow.order.items : null);
    current = { stationId: id, checklist: list, editable: st.editable, state: function () { return data.stationState(all, id); },
                scored: follow && follow.order ? { checklist: full, base: follow.followed_answers || {} } : null };
    const items = h("div", { id: "checklist" }, list.sections.map(function (section) {
      // The plaque check follows the last of the signboard's items the section asks.
      const signboard = section.items.filter(function (item) { return rules.plaqueItems().indexOf(item.code) >= 0; });
      const last = signboard.length ? signboard[signboard.length - 1].code : null;
      return h("fieldset", { class: "section" }, h("legend", null, section.code + ". " + section.title),
        section.items.map(function (item) { return [itemBlock(item, st), item.code === last ? plaqueBlock(st) : null]; }));
    }));
    station.bindItems(items, current);
    station.bindPlaque(items.querySelector("[data-plaque-check]"), current);
    dom.fill(view, [
      h("p", null, h("a", { href: "#/" }, "← 返回")),
      h("h1", null, s.name),
      h("p", { class: "muted", id: "station-head" }),
      follow ? h("p", { class: "hint", id: "follow-up-head" }, follow.order ?
        "整改复查只核查整改通知所列项目（" + follow.order.items.join("、") + "），整改期限 " + follow.order.deadline +
        "；其余项目沿用原检查的结果计分。" : "市级抽查：按同一张核查表全面检查，结果与旗区的检查对比。") : null,
      st.status === "returned" && st.inspection && st.inspection.return_comment ?
        h("div", { class: "flash flash-warning", role: "alert" }, h("b", null, "分管领导退回补正："), st.inspection.return_comment) : null,
      h("div", { class: "scorebar", id: "scorebar", "aria-live": "polite" }),
      h("div", { id: "conflicts" }),
      h("div", { id: "failed-box" }),
      items,
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
      dom.append(block, [h("p", { class: "given" }, h("b", null, station.describe(given, item)))]);
      return block;
    }
    if ((item.scoring || "pass_fail") === "pass_fail") {
      const choices = ["pass", "fail"].concat(item.na_allowed ? ["na"] : []).map(function (v) { return [v, rules.label("verdicts", v)]; });
      dom.append(block, [h("div", { class: "choices", role: "radiogroup", "aria-label": item.code + " 结论" }, choices.map(function (c) {
        return h("label", { class: "choice choice-" + c[0] },
          h("input", { type: "radio", name: "answer-" + item.code, value: c[0] }), h("span", null, c[1]));
      }))]);
    } else {
      const levels = item.levels && item.levels.length ? item.levels.map(function (l) { return [l.points, l.points + "分 · " + l.label]; }) :
        Array.from({ length: item.points + 1 }, function (_, i) { return [item.points - i, (item.points - i) + "分"]; });
      dom.append(block, [h("label", { class: "graded" }, "得分", h("select", { name: "answer-" + item.code, "aria-label": item.code + " 得分" },
        h("option", { value: "" }, "请选择"),
        levels.map(function (l) { return h("option", { value: "p:" + l[0] }, l[1]); }),
        item.na_allowed ? h("option", { value: "na" }, rules.label("verdicts", "na")) : null))]);
    }
    dom.append(block, [
      h("details", { class: "note", open: !!(given && given.note) }, h("summary", null, "备注"),
        h("textarea", { name: "note-" + item.code, maxlength: "500", rows: "2", placeholder: "发现的问题、整改要求等" })),
      h("small", { class: "save-state", "aria-live": "polite" }),
    ]);
    return block;
  }

  // The same block as the online page's (templates/inspect/_plaque_check.html), with its own small form.
  function plaqueBlock(st) {
    const block = h("div", { class: "plaque-check card", id: "plaque-check", "data-plaque-check": true },
      h("h2", null, "牌匾核验"),
      h("p", { class: "plaque-result", "data-plaque-result": true, role: "status", "aria-live": "polite" }));
    if (!st.editable) { return block; }
    const typed = st.plaque && st.plaque.code && st.plaque.code.length === 8 ? station.shownCode(st.plaque.code) : "";
    dom.append(block, [
      h("p", { class: "hint" }, "扫描牌匾上的二维码，或输入二维码下方的8位编码，核对牌匾是否属于本站且为现行牌匾，作为B1–B4的佐证。"),
      h("form", { class: "plaque-entry" },
        h("label", { class: "field" }, "牌匾编码", h("input", { type: "text", name: "plaque_code", maxlength: "1000", value: typed,
          placeholder: "如 7K3M-9PXQ", autocapitalize: "characters", autocomplete: "off", autocorrect: "off",
          spellcheck: "false", inputmode: "text", enterkeyhint: "done", "data-plaque-input": true })),
        h("div", { class: "actions" }, h("button", { class: "button primary small", type: "submit" }, "核验"),
          h("button", { class: "button small", type: "button", "data-plaque-scan": true, hidden: true }, "扫码"))),
      h("div", { class: "plaque-camera", "data-plaque-camera": true, hidden: true },
        h("video", { playsinline: true, muted: true, "aria-label": "扫码取景" }),
        h("button", { class: "button small", type: "button", "data-plaque-stop": true }, "关闭摄像头")),
      h("small", { class: "plaque-state", "data-plaque-state": true, "aria-live": "polite" }),
    ]);
    return block;
  }

  function photosSection(list, st) {
    return h("section", { class: "card", id: "photos" }, h("h2", null, "照片"),
      h("p", { class: "hint" }, "拍照时会记录当时的位置和时间；没有信号时照片保存在本机，联网后自动上传。"),
      list.photo_slots.map(function (slot) {
        const block = h("div", { class: "slot", id: "slot-" + slot.code }, h("h3", { class: "slot-head" }), h("div", { class: "photo-grid" }));
        if (st.editable) {
          const state = h("small", { class: "upload-state", "aria-live": "polite" });
          const input = function (attrs, label) {
            return h("label", { class: "button" }, label, h("input", Object.assign({ type: "file", class: "visually-hidden",
              onchange: function (e) { station.takePhoto(current, slot.code, e.target, state, null); } }, attrs)));
          };
          dom.append(block, [h("div", { class: "actions" }, input({ accept: "image/*", capture: "environment" }, "拍照"),
            input({ accept: "image/*,.heic,.heif" }, "从相册选择")), state]);
        }
        return block;
      }));
  }

  // The same blocks as the online page's: the signed figure, and the form station.bindSignature wires.
  function signaturesSection(st) {
    return h("section", { class: "card", id: "signatures" }, h("h2", null, "现场签名"),
      h("p", { class: "hint" }, "服务站代表确认检查结果后在屏幕上手写签名并填写姓名；检查员同样签名。"),
      rules.roles().map(function (role) {
        const signed = st.signatures[role[0]];
        const block = h("div", { class: "signature-block", "data-role": role[0] },
          h("h3", null, role[1] + "签名"), h("div", { class: "signed-slot" }));
        if (!st.editable) { return block; }
        dom.append(block, [h("details", { open: !signed }, h("summary", null, signed ? "重新签名" : "签名"),
          h("form", { class: "signature-form" },
            h("label", { class: "field" }, "签名人姓名", h("input", { type: "text", name: "name", maxlength: "30", required: true,
              value: role[0] === "inspector" && !signed ? root.dataset.name : (signed ? signed.name : "") })),
            h("canvas", { class: "signature-pad", width: "600", height: "240", "aria-label": role[1] + "手写签名区域" }),
            h("div", { class: "actions" },
              h("button", { class: "button small", type: "button", "data-clear-signature": true }, "清除"),
              h("button", { class: "button primary small", type: "submit" }, "确认签名")),
            h("small", { class: "sign-state", "aria-live": "polite" })))]);
        station.bindSignature(block, current);
        return block;
      }));
  }

  function updateStation(st) {
    const s = stationOf(current.stationId), boot = all.bootstrap;
    const follow = typeof current.stationId === "string" ? followUpOf(current.stationId) : null;
    dom.fill(document.getElementById("station-head"), [s.number + " · " + s.address + " · " + boot.campaign.name + " · ",
      h("span", { class: "tag status-" + st.status }, rules.label("statuses", st.status) + (st.submitPending ? "（待同步）" : "")),
      follow ? [" ", h("span", { class: "tag warn" }, follow.kind_label)] : null]);
    station.update(st, current);
  }

  // ---- routing and refresh ----------------------------------------------------------------------------

  function route() {
    const m = /^#\/station\/([rc]?[0-9]+)$/.exec(location.hash);
    return m ? data.parseKey(m[1]) : null;
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
      rules.use((all.bootstrap && all.bootstrap.rules) || shellRules);
      const id = route();
      const usable = all.bootstrap && all.bootstrap.campaign && all.bootstrap.checklist;
      if (usable && id === null && current === null && document.getElementById("stations")) { renderStations(); return; }
      if (!usable || id === null) { render(); return; }
      const st = data.stationState(all, id);
      if (!current || current.stationId !== id || current.editable !== st.editable) { render(); } else { updateStation(st); }
    });
    return reloading;
  }

  data.on(function (what, detail) {
    if (what === "outbox" || what === "data") { refresh(); }
    else if (what === "progress") { station.progress(detail); }
  });

  async function start() {
    if (!(await ns.syncbar.open(document.getElementById("syncbar")))) {
      dom.fill(view, h("p", { class: "card flash-error" }, "无法使用离线存储：此浏览器不能在本机保存数据。"));
      return;
    }
    all = await data.loadAll();
    rules.use(all.bootstrap && all.bootstrap.rules);
    render();
    window.addEventListener("hashchange", render);
    ns.syncbar.start();
  }

  start();
})(window.Inspect);
