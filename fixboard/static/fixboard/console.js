/* The call console's keys: focus follows the call, Alt+letter for the actions, digits pick
   from the list in focus. Everything here also works as plain forms without it. */
(function () {
  "use strict";

  function call() { return document.getElementById("call"); }

  function focusStep() {
    var root = call();
    if (!root) return;
    var id = root.dataset.focus;
    var el = id && document.getElementById(id);
    if (el && el.id === "questions") {
      el = el.querySelector("input:not([type=hidden]), select, textarea") || document.getElementById("create");
    }
    if (!el) el = document.getElementById("call-errors");
    if (el) el.focus();
    initMap();
  }

  function keyed(name) {
    var root = call();
    return root && root.querySelector('[data-key~="' + name + '"]');
  }

  function typing(el) {
    return el && (el.tagName === "TEXTAREA" || el.tagName === "SELECT" ||
      (el.tagName === "INPUT" && !/^(checkbox|radio|submit|button)$/.test(el.type)));
  }

  function picksOf(el) {
    return el && el.closest && el.closest("[data-picks]");
  }

  function searchOf(list) {
    var section = list.closest("section, form");
    return section && section.querySelector("[data-search]");
  }

  document.addEventListener("keydown", function (e) {
    var target = e.target;
    if (e.altKey && !e.ctrlKey && !e.metaKey && /^Key[A-Z]$/.test(e.code)) {
      var el = keyed("alt+" + e.code.slice(3).toLowerCase());
      if (!el) return;
      e.preventDefault();
      if (e.code === "KeyI") el.focus(); else el.click();
      return;
    }
    var list = picksOf(target);
    if (list && /^[1-9]$/.test(e.key)) {
      var picks = list.querySelectorAll("[data-pick]");
      var pick = picks[parseInt(e.key, 10) - 1];
      if (pick) { e.preventDefault(); pick.click(); }
      return;
    }
    if (list && (e.key === "ArrowDown" || e.key === "ArrowUp")) {
      var all = Array.prototype.slice.call(list.querySelectorAll("[data-pick]"));
      var at = all.indexOf(target);
      var next = all[at + (e.key === "ArrowDown" ? 1 : -1)];
      e.preventDefault();
      if (next) next.focus(); else if (e.key === "ArrowUp" && searchOf(list)) searchOf(list).focus();
      return;
    }
    if (list && e.key === "Escape") {
      var back = searchOf(list);
      if (back) { e.preventDefault(); back.focus(); }
      return;
    }
    if (target.matches && target.matches("[data-search]") && e.key === "ArrowDown") {
      var box = document.getElementById(target.getAttribute("aria-controls") || "");
      var first = box && box.querySelector("[data-pick]");
      if (first) { e.preventDefault(); first.focus(); }
      return;
    }
    if (e.key === "Escape" && call()) {
      var step = call().dataset.focus;
      var search = document.getElementById(step);
      if (search && search !== target) { e.preventDefault(); search.focus(); }
      return;
    }
    if (e.key === "/" && !typing(target)) {
      var root = call();
      var wanted = root && document.getElementById(root.dataset.focus);
      var field = wanted && wanted.matches("[data-search]") ? wanted : root && root.querySelector("[data-search]");
      if (field) { e.preventDefault(); field.focus(); }
    }
  });

  var map = null;
  function initMap() {
    var el = document.getElementById("console-map");
    if (!el || !window.L || el.dataset.ready) return;
    var details = el.closest("details");
    if (details && !details.open) {
      details.addEventListener("toggle", function once() {
        details.removeEventListener("toggle", once);
        initMap();
      });
      return;
    }
    el.dataset.ready = "1";
    map = L.map(el, { maxZoom: 19 });
    if (el.dataset.tiles) L.tileLayer(el.dataset.tiles, { maxZoom: 19, attribution: el.dataset.attribution }).addTo(map);
    var b = el.dataset.bounds.split(",").map(parseFloat);
    if (el.dataset.lat) {
      var at = [parseFloat(el.dataset.lat), parseFloat(el.dataset.long)];
      map.setView(at, 17);
      L.circleMarker(at, { radius: 9, color: "#fff", weight: 3, fillColor: "#d9480f", fillOpacity: 1 }).addTo(map);
    } else if (b.every(isFinite)) {
      map.fitBounds([[b[0], b[1]], [b[2], b[3]]]);
    }
    map.on("click", function (ev) { pickPoint(ev.latlng); });
    var centre = document.getElementById("map-centre");
    if (centre) {
      centre.hidden = false;
      centre.addEventListener("click", function () { pickPoint(map.getCenter()); });
    }
  }

  function pickPoint(latlng) {
    var form = document.getElementById("place-form");
    document.getElementById("place-lat").value = latlng.lat.toFixed(6);
    document.getElementById("place-long").value = latlng.lng.toFixed(6);
    form.querySelector("[data-search]").value = "";
    form.requestSubmit();
  }

  // As soon as a step's answer is in place, focus where the next key goes: before any key
  // pressed meanwhile is handled, so none is lost or taken back.
  document.addEventListener("htmx:afterSwap", function (e) {
    if (e.detail && e.detail.target && e.detail.target.id === "call") focusStep();
  });
  document.addEventListener("DOMContentLoaded", focusStep);
  if (document.readyState !== "loading") focusStep();
})();
