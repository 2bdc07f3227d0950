// The sync bar of every page where an inspector enters something (the offline app and the online checklist
// page): it opens the phone's outbox, says in Chinese what waits and when sync tries again by itself, and syncs
// on load, when the network returns and when the page is shown again, as well as from 立即同步.
"use strict";
window.Inspect = window.Inspect || {};
(function (ns) {
  const dom = ns.dom, data = ns.data;
  let bar = null, waiting = 0, kept = false, stopped = null, retry = null;

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

  function retryText() {
    if (!retry) { return null; }
    const s = retry.seconds;
    return [" · ", dom.h("span", { class: "retry" }, retry.now ? "正在重试…" :
      (s < 60 ? s + " 秒" : Math.round(s / 60) + " 分钟") + "后自动重试")];
  }

  // The count in the status line changes when a sync ends, not with every tap: a line that grew or shrank
  // under the inspector's finger would move the checklist as it is being answered.
  function showStopped() {
    const detail = stopped;
    if (!detail.offline) {
      status([detail.message, detail.login ? [" ", dom.h("a", { href: bar.dataset.login }, "重新登录")] : null, retryText()]);
      return;
    }
    updateBadge().then(function () {
      if (stopped !== detail) { return; }
      const prefix = navigator.onLine === false ? "离线：" : "网络不可用：";
      // With a retry on its way, the line says when rather than "联网后": four lines are too many on a phone.
      status(retry && waiting ? [prefix + waiting + " 条改动已保存在本机", retryText()] : saved(prefix));
    });
  }

  function onEvent(what, detail) {
    if (what === "outbox") { updateBadge(); }
    else if (what === "running") { bar.setAttribute("data-sync", detail ? "running" : "idle"); }
    else if (what === "retry") {
      retry = detail;
      if (detail) { bar.setAttribute("data-retry-in", detail.seconds); } else { bar.removeAttribute("data-retry-in"); }
      if (stopped) { showStopped(); }
    } else if (what === "status") {
      if (detail.state === "syncing" && stopped) {
        // While the server is out of reach, another try keeps the line as it is but for its end: a line that
        // changed its length with every tap and every retry would move the page under the inspector's finger.
        retry = { now: true };
        showStopped();
        return;
      }
      stopped = detail.state === "stopped" ? detail : null;
      if (detail.state === "syncing") { status("正在同步…"); }
      else if (detail.state === "done") {
        updateBadge().then(function (c) {
          const open = [c.failed ? c.failed + " 条未能同步" : "", c.held ? c.held + " 项冲突待选择" : ""].filter(Boolean);
          status(detail.locating ? "照片正在记录位置，随后自动上传" :
            (open.length ? "同步完成，" + open.join("，") : "已同步") + " · " + dom.when(new Date().toISOString()));
        });
        keepPages();
      } else { showStopped(); }
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
      status("无法使用本机存储：" + ns.storageMessage(error));
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
    ns.storage.check();
    document.getElementById("sync-now").addEventListener("click", function () { data.sync(); });
    window.addEventListener("online", function () { data.sync(); });
    window.addEventListener("offline", function () { stopped = { offline: true }; showStopped(); });
    document.addEventListener("visibilitychange", function () { if (document.visibilityState === "visible") { data.sync(); } });
    data.sync();
  }

  ns.syncbar = { open: open, start: start, checkStorage: function () { return ns.storage.check(); },
                 waiting: function () { return waiting; } };
})(window.Inspect);
