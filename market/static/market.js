// Partner Market: progressive enhancements only; every page works without this file.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    // Move focus to the error summary so screen readers announce what is wrong.
    var summary = document.getElementById("error-summary");
    if (summary) { summary.focus(); }
    // The menu button (narrow screens): folds the main menu away until asked for.
    var menuButton = document.querySelector(".pm-menu-button");
    var menu = document.getElementById("main-menu");
    if (menuButton && menu) {
      document.documentElement.classList.add("pm-menu-ready");
      menuButton.hidden = false;
      menuButton.addEventListener("click", function () {
        var open = menuButton.getAttribute("aria-expanded") !== "true";
        menuButton.setAttribute("aria-expanded", open ? "true" : "false");
        menu.classList.toggle("pm-nav-open", open);
      });
      document.addEventListener("keydown", function (event) {
        if (event.key === "Escape" && menuButton.getAttribute("aria-expanded") === "true") {
          menuButton.click();
          menuButton.focus();
        }
      });
    }
    // File inputs with a size limit: say which file is too large before anything is sent.
    document.querySelectorAll("input[type=file][data-max-bytes]").forEach(function (input) {
      var limit = parseInt(input.getAttribute("data-max-bytes"), 10);
      function check() {
        var message = "";
        Array.prototype.forEach.call(input.files || [], function (file) {
          if (!message && file.size > limit) {
            message = input.getAttribute("data-too-large").replace("{name}", file.name);
          }
        });
        input.setCustomValidity(message);
        return message;
      }
      input.addEventListener("change", function () { if (check()) { input.reportValidity(); } });
      if (input.form) {
        input.form.addEventListener("submit", function (event) {
          if (check()) { event.preventDefault(); input.reportValidity(); }
        });
      }
    });
    // Tables that scroll sideways inside the page (narrow screens) can be scrolled with the
    // keyboard: each such table, or its scrolling wrapper, takes focus.
    function focusableScrollers() {
      document.querySelectorAll(".pm-main table, .pm-table-scroll").forEach(function (box) {
        if (box.hasAttribute("tabindex") && !box.hasAttribute("data-pm-scroll")) { return; }
        if (box.scrollWidth > box.clientWidth + 1) {
          box.setAttribute("tabindex", "0");
          box.setAttribute("data-pm-scroll", "");
        } else if (box.hasAttribute("data-pm-scroll")) {
          box.removeAttribute("tabindex");
          box.removeAttribute("data-pm-scroll");
        }
      });
    }
    focusableScrollers();
    window.addEventListener("resize", focusableScrollers);
    // Confirm destructive actions marked with data-confirm.
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
      });
    });
  });
})();
