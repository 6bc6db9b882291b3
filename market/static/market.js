// Partner Market: progressive enhancements only; every page works without this file.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    // Move focus to the error summary so screen readers announce what is wrong.
    var summary = document.getElementById("error-summary");
    if (summary) { summary.focus(); }
    // Confirm destructive actions marked with data-confirm.
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
      });
    });
  });
})();
