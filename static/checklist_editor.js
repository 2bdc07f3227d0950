// The checklist editor: as the admin types, the draft is checked by the server's one validator (POST to the
// form's data-check-url, debounced; nothing is saved) and each message is put under its field, as the server
// puts them when it draws the page. Buttons that remove something ask first. Without this script every button
// still saves the draft and the page comes back with the same messages.
"use strict";
(function () {
  document.addEventListener("click", function (event) {
    const button = event.target.closest ? event.target.closest("button[data-confirm]") : null;
    if (button && !window.confirm(button.getAttribute("data-confirm"))) { event.preventDefault(); }
  });

  const form = document.getElementById("editor");
  if (!form) { return; }
  const url = form.getAttribute("data-check-url");
  const state = document.getElementById("check-state");
  const summary = document.getElementById("problem-summary");
  let timer = null, sent = 0;

  function fill(list, messages) {
    while (list.firstChild) { list.removeChild(list.firstChild); }
    messages.forEach(function (message) {
      const li = document.createElement("li");
      li.textContent = message;
      list.appendChild(li);
    });
  }

  function show(result) {
    const lists = {};
    form.querySelectorAll("[data-errors-for]").forEach(function (list) {
      lists[list.getAttribute("data-errors-for")] = list;
    });
    const fields = result.fields || {}, general = (fields[""] || []).slice();
    Object.keys(fields).forEach(function (path) {
      if (path && !lists[path]) { general.push.apply(general, fields[path]); }
    });
    Object.keys(lists).forEach(function (path) {
      const messages = path ? (fields[path] || []) : general, holder = lists[path].parentElement;
      fill(lists[path], messages);
      const folded = holder.closest("details");
      if (folded && messages.length) { folded.open = true; }  // a message is never hidden in a closed box
      // A field turns red; a group (a section, an item) only gets a red edge, not every field inside it.
      holder.classList.toggle(holder.classList.contains("field") ? "has-error" : "group-error", messages.length > 0);
      holder.querySelectorAll(":scope > input, :scope > select, :scope > textarea").forEach(function (input) {
        if (messages.length) { input.setAttribute("aria-invalid", "true"); }
        else { input.removeAttribute("aria-invalid"); }
      });
    });
    summary.classList.toggle("has-problems", result.count > 0);
    summary.classList.toggle("no-problems", result.count === 0);
    const count = document.getElementById("problem-count");
    count.textContent = result.count ? "还有 " + result.count + " 处需要修改，改正后才能发布："
      : "没有发现问题，可以预览并发布。";
    fill(document.getElementById("problem-list"), result.messages || []);
    const same = document.getElementById("same-as");
    same.hidden = !result.same_as;
    same.querySelector("span").textContent = result.same_as || "";
  }

  function check() {
    const mine = ++sent;
    const body = new URLSearchParams(new FormData(form));  // as the form posts itself, never multipart
    state.textContent = "正在检查…";
    fetch(url, { method: "POST", body: body, credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (result) {
        if (mine !== sent) { return; }  // an answer overtaken by a later check
        show(result);
        state.textContent = result.count ? "已检查，尚未保存" : "已检查，没有问题，尚未保存";
      })
      .catch(function () {
        if (mine === sent) { state.textContent = "暂时无法检查；保存时会再检查"; }
      });
  }

  function soon() {
    window.clearTimeout(timer);
    timer = window.setTimeout(check, 400);
  }
  form.addEventListener("input", soon);
  form.addEventListener("change", soon);
})();
