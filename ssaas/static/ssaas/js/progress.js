// Long work under way (templates/admin/includes/progress.html): poll the panel's JSON
// status ({running, label, text, percent}), move the bar and the sentence, and reload
// the page once the work is no longer running so that it shows the outcome.
(function () {
  "use strict";
  function follow(panel) {
    var url = panel.dataset.statusUrl;
    var bar = document.getElementById(panel.id + "-bar");
    var text = document.getElementById(panel.id + "-text");
    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.json(); })
        .then(function (status) {
          if (!status.running) {
            panel.dataset.running = "0";
            window.location.reload();
            return;
          }
          if (text) { text.textContent = status.text ? status.label + ": " + status.text : status.label; }
          if (bar && status.percent !== null && status.percent !== undefined) {
            bar.value = status.percent;
            bar.textContent = status.percent + "%";
          }
          window.setTimeout(poll, 1000);
        })
        .catch(function () { window.setTimeout(poll, 5000); });
    }
    window.setTimeout(poll, 1000);
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".ssaas-progress[data-status-url]").forEach(function (panel) {
      if (panel.dataset.running === "1") { follow(panel); }
    });
  });
})();
