// The preview's score simulator: the answers chosen on the inspector's own controls, scored by rules.js, the
// rules the phone uses offline (a test holds them equal to the server's). Without scripts the form asks the
// server, which scores with the Python domain.
"use strict";
(function (ns) {
  const form = document.getElementById("simulator");
  if (!form || !ns.rules) { return; }
  const rules = ns.rules, checklist = JSON.parse(form.getAttribute("data-checklist"));
  rules.use(JSON.parse(form.getAttribute("data-rules")));
  form.querySelectorAll("[data-plain-form]").forEach(function (el) { el.hidden = true; });
  form.addEventListener("submit", function (event) { event.preventDefault(); });

  function chosen() {
    const given = {};
    rules.items(checklist).forEach(function (item) {
      const control = form.elements["answer-" + item.code];
      const value = control ? control.value : "";
      if (!value) { return; }
      if (value.slice(0, 2) === "p:") { given[item.code] = rules.canonical(item, "pass", Number(value.slice(2))); }
      else { given[item.code] = rules.canonical(item, value, null); }
    });
    return given;
  }

  function update() {
    const given = chosen(), result = rules.score(checklist, given), started = Object.keys(given).length > 0;
    document.getElementById("score-value").textContent = started ? result.score.toFixed(1) : "—";
    const outcome = document.getElementById("score-outcome");
    outcome.className = "tag" + (started ? " outcome-" + result.outcome : "");
    outcome.textContent = started ? result.outcome_label + (result.complete ? "" : "（未完成）") : "尚未作答";
    document.getElementById("score-answered").textContent = String(Object.keys(given).length);
    const critical = document.getElementById("score-critical");
    critical.hidden = result.failed_critical.length === 0;
    critical.querySelector("span").textContent = result.failed_critical.join("、");
    form.querySelectorAll(".item[data-code]").forEach(function (el) {
      el.classList.toggle("answered", Boolean(given[el.getAttribute("data-code")]));
    });
  }
  form.addEventListener("change", update);
})(window.Inspect);
