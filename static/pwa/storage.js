// The phone's storage of the offline app: whether the browser promised to keep it, and how much room is left.
// Without that promise (WebKit, the engine of every iPhone browser, has no navigator.storage at all; other
// browsers may refuse) the browser may clear the site's data: when the phone runs short of space, when a private
// window is closed, and in Safari after about seven days without a visit. The inspector is told so plainly: in
// the sync bar for good, once in full (知道了 puts it away), and in full again while a change has waited for days.
"use strict";
window.Inspect = window.Inspect || {};
(function (ns) {
  const dom = ns.dom, data = ns.data;
  const URGENT_DAYS = 5;  // Safari's seven days, less the time it takes to find signal
  let bound = false;

  function $(id) { return document.getElementById(id); }

  async function promised() {
    const storage = navigator.storage;
    if (!storage || !storage.persisted || !storage.persist) { return false; }
    try {
      if (await storage.persisted()) { return true; }
      // Asked once per phone: some browsers put the question to the inspector, who has answered it then.
      if (await data.meta("persist_requested")) { return false; }
      await data.meta("persist_requested", true);
      return await storage.persist();
    } catch (error) { return false; }
  }

  async function room() {
    if (!navigator.storage || !navigator.storage.estimate) { return; }
    try {
      const e = await navigator.storage.estimate();
      const free = e.quota - e.usage, warning = $("storage-warning");
      const low = e.quota > 0 && (free < 50 * 1024 * 1024 || free < e.quota * 0.1);
      warning.hidden = !low;
      warning.textContent = low ? "手机可用于离线保存的空间不足（约剩 " + Math.max(0, Math.round(free / 1048576)) +
        " MB）：请尽快联网同步，或清理手机存储后再拍照。" : "";
    } catch (error) { /* storage estimates are advisory */ }
  }

  function bind() {
    if (bound) { return; }
    bound = true;
    $("storage-state").addEventListener("click", function () { $("storage-notice").hidden = !$("storage-notice").hidden; });
    $("storage-notice-ok").addEventListener("click", function () {
      $("storage-notice").hidden = true;
      data.meta("storage_notice_seen", true);
    });
  }

  async function check() {
    bind();
    const kept = await promised(), notice = $("storage-notice"), urgent = $("storage-notice-urgent");
    $("syncbar").setAttribute("data-storage", kept ? "promised" : "unpromised");
    $("storage-state").hidden = kept;
    if (kept) {
      notice.hidden = true;
    } else {
      const c = await data.counts(), seen = await data.meta("storage_notice_seen");
      const late = !!c.oldest && Date.now() - Date.parse(c.oldest) > URGENT_DAYS * 86400000;
      urgent.hidden = !late;
      urgent.textContent = late ? "有改动自 " + dom.when(c.oldest) + " 起保存在本机，至今没有同步：请尽快到有信号的地方同步。" : "";
      notice.hidden = !!seen && !late;
    }
    await room();
  }

  ns.storage = { check: check };
})(window.Inspect);
