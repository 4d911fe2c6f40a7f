/* The work queue: keyboard (j/k move, Enter opens, x selects, ? shows the shortcuts),
   "select all on this page", the selection count, the count in the page's title, and the
   bulk form's fields for the chosen action. No build step; works with or without htmx. */
(function () {
  "use strict";

  var root = document.querySelector("[data-queue]");
  if (!root) return;

  function rows() {
    return Array.prototype.slice.call(root.querySelectorAll("tr.queue-row"));
  }

  function current() {
    return root.querySelector("tr.queue-row.is-focused");
  }

  function focusRow(row) {
    var old = current();
    if (old) old.classList.remove("is-focused");
    if (!row) return;
    row.classList.add("is-focused");
    row.focus({ preventScroll: false });
    row.scrollIntoView({ block: "nearest" });
  }

  function move(step) {
    var all = rows();
    if (!all.length) return;
    var index = all.indexOf(current());
    if (index < 0 && document.activeElement) index = all.indexOf(document.activeElement.closest("tr.queue-row"));
    var next = index < 0 ? (step > 0 ? 0 : all.length - 1) : Math.min(Math.max(index + step, 0), all.length - 1);
    focusRow(all[next]);
  }

  function typing(target) {
    if (!target) return false;
    var tag = target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
  }

  function checkbox(row) {
    return row && row.querySelector('input[type="checkbox"][name="ids"]');
  }

  function updateSelection() {
    var boxes = root.querySelectorAll('input[type="checkbox"][name="ids"]');
    var checked = 0;
    boxes.forEach(function (box) {
      if (box.checked) checked += 1;
      var row = box.closest("tr");
      if (row) row.classList.toggle("is-selected", box.checked);
    });
    var all = root.querySelector("[data-select-page]");
    if (all) {
      all.checked = boxes.length > 0 && checked === boxes.length;
      all.indeterminate = checked > 0 && checked < boxes.length;
    }
    var label = root.querySelector("[data-selected-count]");
    if (label) label.textContent = "(" + checked + ")";
  }

  function updateTitle() {
    var live = root.querySelector("[data-live-count]");
    if (!live) return;
    var count = live.getAttribute("data-live-count");
    document.title = document.title.replace(/\([^)]*\)/, "(" + count + ")");
    var head = root.querySelector("[data-queue-count]");
    if (head) head.textContent = count;
  }

  function showBulkFields() {
    var action = root.querySelector("#bulk-form select[name=action]");
    if (!action) return;
    var wanted = {
      assign: ["assignee", "department"],
      acknowledge: [],
      status: ["status"],
      close: ["close_reason", "message"],
    }[action.value] || [];
    root.querySelectorAll("[data-bulk-field]").forEach(function (field) {
      var name = field.getAttribute("data-bulk-field");
      if (name === "action") return;
      field.hidden = wanted.indexOf(name) < 0;
    });
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    var row;
    switch (event.key) {
      case "j":
        move(1);
        break;
      case "k":
        move(-1);
        break;
      case "Enter":
        row = event.target.closest && event.target.closest("tr.queue-row");
        if (!row || event.target.tagName === "A" || event.target.tagName === "BUTTON") return;
        window.location.href = row.getAttribute("data-href");
        break;
      case "x":
        row = current();
        if (!row) return;
        var box = checkbox(row);
        if (!box) return;
        box.checked = !box.checked;
        updateSelection();
        break;
      case "?":
        var help = document.getElementById("kbd-help");
        if (help) help.open = !help.open;
        break;
      default:
        return;
    }
    event.preventDefault();
  });

  root.addEventListener("click", function (event) {
    var row = event.target.closest("tr.queue-row");
    if (row && !typing(event.target) && event.target.tagName !== "A") {
      focusRow(row);
    }
  });

  root.addEventListener("change", function (event) {
    if (event.target.matches("[data-select-page]")) {
      root.querySelectorAll('input[type="checkbox"][name="ids"]').forEach(function (box) {
        box.checked = event.target.checked;
      });
    }
    if (event.target.matches('input[name="ids"], [data-select-page]')) updateSelection();
    if (event.target.matches("#bulk-form select[name=action]")) showBulkFields();
  });

  function refresh() {
    updateSelection();
    updateTitle();
    showBulkFields();
  }

  document.body.addEventListener("htmx:afterSettle", refresh);
  refresh();
})();
