// Shortlist progress: while the ranking job is queued or running, ask the status endpoint
// every two seconds and reload the page once the new shortlist is stored. Without
// JavaScript the "Reload the page" link does the same.
(function () {
  "use strict";

  var box = document.getElementById("shortlist-status");
  if (!box) { return; }
  var url = box.dataset.statusUrl;
  var waiting = box.dataset.status === "queued" || box.dataset.status === "running";
  if (!url || !waiting) { return; }
  var known = box.dataset.computedAt || "";
  var tries = 0;

  function check() {
    tries += 1;
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (data && (data.status === "ready" || data.status === "failed") &&
            (data.computed_at || "") !== known) {
          box.textContent = box.dataset.doneText || "";
          window.location.reload();
          return;
        }
        if (data && data.status === "failed") { window.location.reload(); return; }
        if (tries < 150) { window.setTimeout(check, 2000); }
      })
      .catch(function () { if (tries < 150) { window.setTimeout(check, 4000); } });
  }

  window.setTimeout(check, 1000);
})();
