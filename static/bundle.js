// The bundle page: follow a build's progress and reload when it is done.
"use strict";
(function () {
  var box = document.getElementById("progress");
  if (!box || box.getAttribute("data-status") !== "building") { return; }
  var bar = box.querySelector("progress");
  function poll() {
    fetch(box.getAttribute("data-status-url"), { credentials: "same-origin" }).then(function (r) { return r.json(); })
      .then(function (state) {
        if (bar) { bar.value = state.progress; bar.textContent = state.progress + "%"; }
        if (state.status === "building") { window.setTimeout(poll, 1500); } else { window.location.reload(); }
      }).catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
