// Competency picker: an accessible combobox (ARIA 1.2 pattern) over GET /api/v1/competencies
// that fills a plain text field: "code level" lines (a vendor profile, data-levels set) or
// "code, code" (a task's competencies). Without JavaScript the text field is the form. Each
// picker names its parts with data-prefix, its text field with data-target and the search
// address with data-search-url (the page writes it from the route name).
(function () {
  "use strict";

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) { return values[key]; });
  }

  function init(picker) {
    var data = picker.dataset;
    var prefix = data.prefix || "competency";
    var textarea = document.getElementById(data.target || "field-competencies");
    var textGroup = document.getElementById(data.textGroup || "competency-text");
    var input = document.getElementById(prefix + "-search");
    var listbox = document.getElementById(prefix + "-options");
    var chosenList = document.getElementById(prefix + "-chosen");
    var status = document.getElementById(prefix + "-status");
    if (!textarea || !input || !listbox || !chosenList) { return; }
    var withLevels = !!data.levels;
    var levels = withLevels ? data.levels.split(",") : [];
    var levelLabels = withLevels ? data.levelLabels.split(",") : [];
    var english = data.language === "en";
    var options = [];
    var active = -1;
    var timer = null;
    var serial = 0;

    picker.hidden = false;
    if (textarea.getAttribute("aria-invalid") !== "true") { textGroup.hidden = true; }

    function announce(text) { status.textContent = text; }

    function sync() {
      var lines = [];
      chosenList.querySelectorAll("li[data-code]").forEach(function (row) {
        lines.push(withLevels ? row.dataset.code + " " + row.dataset.level : row.dataset.code);
      });
      textarea.value = lines.join(withLevels ? "\n" : ", ");
    }

    function renderRow(row) {
      var code = row.dataset.code;
      var name = row.dataset.label || code;
      var id = prefix + "-level-" + code.replace(/[^a-z0-9]/gi, "-");
      row.textContent = "";
      row.className = "pm-chosen-item";
      var label = document.createElement("label");
      label.setAttribute("for", id);
      label.className = "pm-chosen-label";
      label.textContent = name + " ";
      var small = document.createElement("code");
      small.textContent = code;
      label.appendChild(small);
      var select = null;
      if (withLevels) {
        select = document.createElement("select");
        select.className = "form-select pm-chosen-level";
        select.id = id;
        select.setAttribute("aria-label", fill(data.labelLevel, { name: name }));
        levels.forEach(function (level, n) {
          var option = document.createElement("option");
          option.value = level;
          option.textContent = levelLabels[n];
          if (level === row.dataset.level) { option.selected = true; }
          select.appendChild(option);
        });
        select.addEventListener("change", function () { row.dataset.level = select.value; sync(); });
      } else {
        label = document.createElement("span");
        label.className = "pm-chosen-label";
        label.textContent = name + " ";
        label.appendChild(small);
      }
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "button button-secondary pm-chosen-remove";
      remove.textContent = data.labelRemove;
      remove.setAttribute("aria-label", data.labelRemove + " " + name);
      remove.addEventListener("click", function () {
        row.remove();
        sync();
        announce(fill(data.labelRemoved, { name: name }));
        input.focus();
      });
      row.appendChild(label);
      if (select) { row.appendChild(select); }
      row.appendChild(remove);
    }

    function close() {
      listbox.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      var items = listbox.querySelectorAll("[role=option]");
      items.forEach(function (item, n) { item.setAttribute("aria-selected", n === index ? "true" : "false"); });
      active = index;
      if (index >= 0 && items[index]) {
        input.setAttribute("aria-activedescendant", items[index].id);
        items[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function choose(index) {
      var item = options[index];
      if (!item) { return; }
      var name = english ? item.label_en : item.label_da;
      var existing = chosenList.querySelector('li[data-code="' + item.code + '"]');
      if (!existing) {
        var row = document.createElement("li");
        row.dataset.code = item.code;
        row.dataset.label = name;
        if (withLevels) { row.dataset.level = "experienced"; }
        chosenList.appendChild(row);
        renderRow(row);
        sync();
      }
      input.value = "";
      close();
      announce(fill(data.labelAdded, { name: name }));
    }

    function show(items) {
      options = items;
      listbox.textContent = "";
      items.forEach(function (item, n) {
        var li = document.createElement("li");
        li.id = prefix + "-option-" + n;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.className = "pm-option";
        var path = (item.path || []).map(function (p) { return english ? p.label_en : p.label_da; });
        li.textContent = (english ? item.label_en : item.label_da) + " (" + item.code + ")";
        if (path.length) {
          var small = document.createElement("span");
          small.className = "pm-option-path";
          small.textContent = path.join(" › ");
          li.appendChild(small);
        }
        li.addEventListener("mousedown", function (event) { event.preventDefault(); choose(n); });
        listbox.appendChild(li);
      });
      if (!items.length) {
        close();
        announce(data.labelNone);
        return;
      }
      listbox.hidden = false;
      input.setAttribute("aria-expanded", "true");
      highlight(0);
      announce(fill(data.labelResults, { n: items.length }));
    }

    function search() {
      var q = input.value.trim();
      if (q.length < 2) { close(); return; }
      var mine = ++serial;
      fetch(data.searchUrl + "?per_page=15&q=" + encodeURIComponent(q), {
        headers: { Accept: "application/json" }, credentials: "same-origin"
      }).then(function (answer) { return answer.ok ? answer.json() : { items: [] }; })
        .then(function (body) { if (mine === serial) { show(body.items || []); } })
        .catch(function () { if (mine === serial) { show([]); } });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(search, 150);
    });
    input.addEventListener("keydown", function (event) {
      var open = !listbox.hidden;
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (!open) { search(); return; }
        highlight(Math.min(active + 1, options.length - 1));
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        if (open) { highlight(Math.max(active - 1, 0)); }
      } else if (event.key === "Enter") {
        if (open && active >= 0) { event.preventDefault(); choose(active); }
        else if (input.value.trim()) { event.preventDefault(); }
      } else if (event.key === "Escape") {
        if (open) { event.preventDefault(); close(); }
      }
    });
    input.addEventListener("blur", function () { window.setTimeout(close, 100); });

    chosenList.querySelectorAll("li[data-code]").forEach(renderRow);
    sync();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".pm-picker[data-prefix], #competency-picker").forEach(init);
  });
})();
