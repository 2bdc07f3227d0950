// The inspector's pages: position for sorting and photos, autosaving answers, finger signatures.
"use strict";
(function () {
  function locate(onDone, onFail) {
    if (!navigator.geolocation) { onFail("此浏览器不支持定位"); return; }
    navigator.geolocation.getCurrentPosition(function (p) { onDone(p); }, function (e) {
      onFail(e.code === 1 ? "未允许定位：请在浏览器或微信设置中允许使用位置" : "暂时无法获取位置");
    }, { enableHighAccuracy: true, timeout: 10000, maximumAge: 0 });
  }

  // Board: nearest stations first.
  var sortButton = document.getElementById("sort-by-distance");
  if (sortButton) {
    sortButton.addEventListener("click", function () {
      var message = document.getElementById("location-message");
      var form = document.getElementById(sortButton.getAttribute("data-form"));
      message.hidden = false; message.textContent = "正在获取您的位置…";
      locate(function (p) {
        ["lat", "lon"].forEach(function (name) {
          var input = form.querySelector("input[name=" + name + "]");
          if (!input) { input = document.createElement("input"); input.type = "hidden"; input.name = name; form.appendChild(input); }
          input.value = name === "lat" ? p.coords.latitude.toFixed(6) : p.coords.longitude.toFixed(6);
        });
        form.submit();
      }, function (text) { message.textContent = text; });
    });
  }

  // Checklist: every answer saves as it is given.
  var checklist = document.getElementById("checklist");
  function updateScore(score) {
    document.getElementById("score-value").textContent = Number(score.score).toFixed(1);
    var outcome = document.getElementById("score-outcome");
    outcome.textContent = score.outcome_label + (score.complete ? "" : "（未完成）");
    outcome.className = "tag outcome-" + score.outcome;
    document.getElementById("score-answered").textContent =
      Number(checklist.getAttribute("data-total")) - score.unanswered.length;
    var critical = document.getElementById("score-critical");
    critical.hidden = score.failed_critical.length === 0;
    critical.querySelector("span").textContent = score.failed_critical.join("、");
  }
  function send(item, body, onSaved) {
    var code = item.getAttribute("data-code"), state = item.querySelector(".save-state");
    var version = item.getAttribute("data-version");
    body.base_version = version ? Number(version) : null;  // the server keeps both edits when it moved on
    if (state) { state.textContent = "保存中…"; state.className = "save-state"; }
    fetch(checklist.getAttribute("data-api").replace("CODE", encodeURIComponent(code)), {
      method: "PUT", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": checklist.getAttribute("data-csrf") },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().then(function (data) { return { status: response.status, data: data }; });
    }).then(function (result) {
      if (result.status === 409) { window.location.reload(); return; }  // show both results to choose from
      if (result.status !== 200) { throw new Error(result.data.error ? result.data.error.message : "保存失败"); }
      item.classList.add("answered");
      item.setAttribute("data-version", result.data.answer.version);
      if (state) { state.textContent = "已保存"; state.className = "save-state saved"; }
      updateScore(result.data.score);
      if (onSaved) { onSaved(); }
    }).catch(function (error) {
      if (state) { state.textContent = "未保存：" + (error.message || "网络不可用，请稍后重试"); state.className = "save-state failed"; }
    });
  }
  function saveItem(item) {
    var code = item.getAttribute("data-code");
    var control = item.querySelector("[name='answer-" + code + "']:checked") ||
      item.querySelector("select[name='answer-" + code + "']");
    if (!control || !control.value) { item.querySelector(".save-state").textContent = ""; return; }
    var value = control.value, body = { verdict: value, points: null, note: item.querySelector("textarea").value };
    if (value.indexOf("p:") === 0) { body.verdict = "pass"; body.points = Number(value.slice(2)); }
    send(item, body);
  }
  if (checklist) {
    checklist.addEventListener("change", function (event) {
      var item = event.target.closest(".item");
      if (item) { saveItem(item); }
    });
    checklist.addEventListener("click", function (event) {
      var button = event.target.closest("[data-resolve]");
      if (!button || !button.getAttribute("data-verdict")) { return; }
      var points = button.getAttribute("data-points");
      send(button.closest(".item"), { verdict: button.getAttribute("data-verdict"),
        points: points === "" ? null : Number(points), note: button.getAttribute("data-note"),
        resolves: Number(button.getAttribute("data-resolve")) }, function () { window.location.reload(); });
    });
  }

  // Photos: the position at the moment the photo is chosen goes with it.
  document.querySelectorAll("form.photo-upload input[type=file]").forEach(function (input) {
    input.addEventListener("change", function () {
      if (!input.files || !input.files.length) { return; }
      var form = input.form, state = form.querySelector(".upload-state");
      form.querySelectorAll("input[type=file]").forEach(function (other) { if (other !== input) { other.value = ""; } });
      function send() { if (state) { state.textContent = "正在上传…"; } form.submit(); }
      if (state) { state.textContent = "正在获取位置…"; }
      locate(function (p) {
        form.querySelector("[name=lat]").value = p.coords.latitude;
        form.querySelector("[name=lon]").value = p.coords.longitude;
        form.querySelector("[name=accuracy]").value = p.coords.accuracy;
        form.querySelector("[name=position_time]").value = p.timestamp;
        send();
      }, function () { send(); });
    });
  });

  // Signatures drawn with a finger.
  document.querySelectorAll("form.signature-form").forEach(function (form) {
    var canvas = form.querySelector("canvas"), ctx = canvas.getContext("2d"), drawn = false, last = null;
    ctx.lineWidth = 4; ctx.lineCap = "round"; ctx.lineJoin = "round"; ctx.strokeStyle = "#111";
    function point(event) {
      var box = canvas.getBoundingClientRect();
      return { x: (event.clientX - box.left) * canvas.width / box.width, y: (event.clientY - box.top) * canvas.height / box.height };
    }
    canvas.addEventListener("pointerdown", function (event) {
      canvas.setPointerCapture(event.pointerId); last = point(event); event.preventDefault();
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!last) { return; }
      var next = point(event);
      ctx.beginPath(); ctx.moveTo(last.x, last.y); ctx.lineTo(next.x, next.y); ctx.stroke();
      last = next; drawn = true; event.preventDefault();
    });
    ["pointerup", "pointercancel", "pointerleave"].forEach(function (name) {
      canvas.addEventListener(name, function () { last = null; });
    });
    form.querySelector("[data-clear-signature]").addEventListener("click", function () {
      ctx.clearRect(0, 0, canvas.width, canvas.height); drawn = false;
    });
    form.addEventListener("submit", function (event) {
      var state = form.querySelector(".sign-state");
      if (!drawn) { event.preventDefault(); state.textContent = "请先在框内手写签名"; return; }
      form.querySelector("[name=signature]").value = canvas.toDataURL("image/png");
    });
  });
})();
