// A carrier file's page while the worker reads it (templates/admin/usage/carrierfile/
// change_form.html): poll the file's JSON status, move the progress bar, and reload
// the page once the file is done so that it shows the outcome.
(function () {
  "use strict";
  function follow(panel) {
    var url = panel.dataset.statusUrl;
    var bar = document.getElementById("file-progress-bar");
    var text = document.getElementById("file-progress-text");
    var label = document.getElementById("file-progress-label");
    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.json(); })
        .then(function (status) {
          if (!status.running) {
            window.location.reload();
            return;
          }
          if (label) { label.textContent = status.label; }
          if (bar) { bar.value = status.percent; bar.textContent = status.percent + "%"; }
          if (text && status.estimate) {
            text.textContent = status.lines + " of about " + status.estimate + " records read";
          }
          window.setTimeout(poll, 1000);
        })
        .catch(function () { window.setTimeout(poll, 5000); });
    }
    window.setTimeout(poll, 1000);
  }
  document.addEventListener("DOMContentLoaded", function () {
    var panel = document.getElementById("file-progress");
    if (panel && panel.dataset.running === "1") { follow(panel); }
  });
})();
