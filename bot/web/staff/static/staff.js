// stay-concierge staff console: the only script. Confirms destructive forms and follows a
// running publish by polling its status (any worker answers it from the state database).
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (ev) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { ev.preventDefault(); }
    });
  });
  var run = document.getElementById("run");
  if (!run || run.getAttribute("data-status") !== "running") { return; }
  var url = run.getAttribute("data-status-url");
  var bar = document.getElementById("run-progress");
  var count = document.getElementById("run-count");
  var message = document.getElementById("run-message");
  var summary = document.getElementById("run-summary");
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        bar.max = Math.max(s.total, 1);
        bar.value = s.status === "running" ? s.done : Math.max(s.total, 1);
        count.textContent = s.done + " / " + s.total;
        message.textContent = s.message;
        run.setAttribute("data-status", s.status);
        if (s.status === "running") { window.setTimeout(poll, 400); return; }
        var lines = [s.summary || ""];
        if (s.result && s.result.problems && s.result.problems.length && !s.summary) { lines = s.result.problems; }
        summary.textContent = lines.join("\n");
        var button = document.getElementById("publish-button");
        if (button) { button.disabled = false; }
      })
      .catch(function () { window.setTimeout(poll, 1000); });
  }
  poll();
});
