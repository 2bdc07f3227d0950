// The sync bar of every page where an inspector enters something (the offline app and the online checklist
// page): it opens the phone's outbox, says in Chinese what waits, and syncs by itself on load, when the network
// returns and when the page is shown again, as well as from 立即同步.
"use strict";
window.Inspect = window.Inspect || {};
(function (ns) {
  const dom = ns.dom, data = ns.data;
  let bar = null, waiting = 0, kept = false;

  function status(children) { dom.fill(document.getElementById("sync-status"), children); }

  function saved(prefix) {
    return prefix + (waiting ? waiting + " 条改动已保存在本机，联网后自动同步" : "改动会保存在本机，联网后自动同步");
  }

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

  // The count in the status line changes when a sync ends, not with every tap: a line that grew or shrank
  // under the inspector's finger would move the checklist as it is being answered.
  function stoppedOffline() {
    updateBadge().then(function () { status(saved(navigator.onLine === false ? "离线：" : "网络不可用：")); });
  }

  function onEvent(what, detail) {
    if (what === "outbox") { updateBadge(); }
    else if (what === "running") { bar.setAttribute("data-sync", detail ? "running" : "idle"); }
    else if (what === "status") {
      if (detail.state === "syncing") { status("正在同步…"); }
      else if (detail.state === "done") {
        updateBadge().then(function (c) {
          const open = [c.failed ? c.failed + " 条未能同步" : "", c.held ? c.held + " 项冲突待选择" : ""].filter(Boolean);
          status((open.length ? "同步完成，" + open.join("，") : "已同步") + " · " + dom.when(new Date().toISOString()));
        });
        keepPages();
      } else if (detail.offline) { stoppedOffline(); }
      else { status([detail.message, detail.login ? [" ", dom.h("a", { href: bar.dataset.login }, "重新登录")] : null]); }
    }
  }

  // Pages to read with no network (the current campaign's checklist, this page): the service worker keeps a
  // copy of each it does not hold yet, once per visit, after a sync has shown the network works.
  function keepPages() {
    if (kept || !bar.dataset.keep || !("serviceWorker" in navigator)) { return; }
    kept = true;
    navigator.serviceWorker.ready.then(function (registration) {
      return new Promise(function (resolve) {
        const channel = new MessageChannel();
        channel.port1.onmessage = function () { resolve(); };
        registration.active.postMessage({ keep: JSON.parse(bar.dataset.keep) }, [channel.port2]);
      });
    }).then(function () { bar.setAttribute("data-offline", "kept"); }, function () { kept = false; });
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

  // Opens the signed-in inspector's outbox; resolves false (and says why) when this browser cannot keep one.
  async function open(element) {
    bar = element;
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register(bar.dataset.worker).catch(function () { /* the pages still work online */ });
    }
    let db;
    try { db = await ns.openDatabase(bar.dataset.user); } catch (error) {
      status("无法使用本机存储：" + error.message);
      return false;
    }
    data.init(db, bar.dataset.api, Number(bar.dataset.user));
    data.on(onEvent);
    return true;
  }

  // Once the page shows what the phone holds: the bar's counts, and sync now and whenever it may succeed.
  async function start() {
    guardSignOut();
    await updateBadge();
    const last = await data.meta("last_sync");
    status(navigator.onLine === false ? saved("离线：") : last ? "上次同步 " + dom.when(last) : "尚未同步");
    checkStorage();
    document.getElementById("sync-now").addEventListener("click", function () { data.sync(); });
    window.addEventListener("online", function () { data.sync(); });
    window.addEventListener("offline", stoppedOffline);
    document.addEventListener("visibilitychange", function () { if (document.visibilityState === "visible") { data.sync(); } });
    data.sync();
  }

  ns.syncbar = { open: open, start: start, checkStorage: checkStorage, waiting: function () { return waiting; } };
})(window.Inspect);
