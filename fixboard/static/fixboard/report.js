/* Report flow: locate (GPS, map, address, photo EXIF), questions, duplicates, draft, send. */
(function () {
  "use strict";
  var form = document.getElementById("report-form");
  if (!form) return;
  var t = document.getElementById("i18n-report").dataset;
  var $ = function (sel, root) { return (root || form).querySelector(sel); };
  var lat = $("#id_lat"), long = $("#id_long"), address = $("#id_address");
  var statusEl = $("#location-status"), draftNote = $("#draft-note");
  var map = null, pin = null;

  form.querySelectorAll("[data-js-only]").forEach(function (el) { el.hidden = false; });

  /* ---- location ---- */
  function setLocation(la, lo, message, zoom) {
    lat.value = (+la).toFixed(6); long.value = (+lo).toFixed(6);
    statusEl.textContent = (message || t.located) + ": " + lat.value + ", " + long.value;
    if (map) {
      if (pin) pin.setLatLng([la, lo]); else pin = L.marker([la, lo], { draggable: true, keyboard: true }).addTo(map).on("dragend", function (e) {
        var p = e.target.getLatLng(); setLocation(p.lat, p.lng);
      });
      map.setView([la, lo], Math.max(map.getZoom(), zoom || 17));
    }
    saveDraft(); checkNearby(); showNearestAddress();
  }

  /* The known address nearest the pin, under the map; it fills the address field when that
     is empty or holds the previous pin's address (never what the person typed). */
  var nearestEl = $("#nearest-address"), filledByPin = "";
  function showNearestAddress() {
    var q = "?lat=" + lat.value + "&long=" + long.value;
    fetch(form.dataset.nearestAddress + q).then(function (r) { return r.json(); }).then(function (found) {
      if (!found || found.error) { nearestEl.textContent = t.noNearest; return; }
      nearestEl.textContent = t.nearest + ": " + found.label;
      if (!address.value.trim() || address.value === filledByPin) { address.value = filledByPin = found.address; saveDraft(); }
    });
  }

  if (window.L) {
    // Leaflet guesses its images' folder from its style sheet, which fails once the static
    // files are renamed with their hashes: it then asks for them under the page's own path.
    L.Icon.Default.imagePath = "";
    L.Icon.Default.mergeOptions({ iconUrl: form.dataset.pin, iconRetinaUrl: form.dataset.pin2x, shadowUrl: form.dataset.pinShadow });
    map = L.map("report-map", { maxZoom: 19 });
    if (form.dataset.tiles) L.tileLayer(form.dataset.tiles, { maxZoom: 19, attribution: form.dataset.attribution }).addTo(map);
    var bounds = JSON.parse(document.getElementById("map-bounds").textContent);
    if (bounds) map.fitBounds(bounds); else map.setView([0, 0], 2);
    map.on("click", function (e) { setLocation(e.latlng.lat, e.latlng.lng, null, map.getZoom()); });
    fetch(form.dataset.areas).then(function (r) { return r.json(); }).then(function (d) {
      L.geoJSON(d, { interactive: false, style: function (f) { return { color: f.properties.kind === "boundary" ? "#0b5cad" : "#8795a3", weight: f.properties.kind === "boundary" ? 3 : 1, fillOpacity: 0 }; } }).addTo(map);
    });
  }

  $("#use-location").addEventListener("click", function () {
    if (!navigator.geolocation) { statusEl.textContent = t.geoFailed; return; }
    statusEl.textContent = t.locating;
    navigator.geolocation.getCurrentPosition(function (pos) {
      setLocation(pos.coords.latitude, pos.coords.longitude);
    }, function () { statusEl.textContent = t.geoFailed; }, { enableHighAccuracy: true, timeout: 15000 });
  });

  /* ---- address autocomplete (ARIA combobox) ---- */
  var list = $("#address-suggestions"), active = -1, timer = null, items = [];
  function closeList() { list.hidden = true; address.setAttribute("aria-expanded", "false"); address.removeAttribute("aria-activedescendant"); active = -1; }
  function choose(i) {
    var a = items[i]; if (!a) return;
    address.value = a.address; closeList(); setLocation(a.lat, a.long);
  }
  function highlight(i) {
    var opts = list.querySelectorAll("li");
    opts.forEach(function (li, j) { li.setAttribute("aria-selected", j === i ? "true" : "false"); });
    active = i; if (opts[i]) address.setAttribute("aria-activedescendant", opts[i].id);
  }
  address.addEventListener("input", function () {
    clearTimeout(timer);
    var q = address.value.trim();
    if (q.length < 3) { closeList(); return; }
    timer = setTimeout(function () {
      fetch(form.dataset.addresses + "?q=" + encodeURIComponent(q)).then(function (r) { return r.json(); }).then(function (found) {
        items = found; list.textContent = "";
        found.forEach(function (a, i) {
          var li = document.createElement("li");
          li.id = "addr-opt-" + i; li.setAttribute("role", "option"); li.textContent = a.label;
          li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(i); });
          list.appendChild(li);
        });
        list.hidden = !found.length; address.setAttribute("aria-expanded", found.length ? "true" : "false");
      }).catch(function () {});
    }, 180);
  });
  address.addEventListener("keydown", function (e) {
    if (list.hidden) return;
    if (e.key === "ArrowDown") { e.preventDefault(); highlight(Math.min(active + 1, items.length - 1)); }
    else if (e.key === "ArrowUp") { e.preventDefault(); highlight(Math.max(active - 1, 0)); }
    else if (e.key === "Enter" && active >= 0) { e.preventDefault(); choose(active); }
    else if (e.key === "Escape") { closeList(); }
  });
  address.addEventListener("blur", function () { setTimeout(closeList, 150); });

  /* ---- photo EXIF GPS, read from the JPEG's APP1 segment ---- */
  function exifGps(buf) {
    var v = new DataView(buf);
    if (v.getUint16(0) !== 0xFFD8) return null;
    var off = 2;
    while (off + 4 < v.byteLength) {
      var marker = v.getUint16(off), size = v.getUint16(off + 2);
      if (marker === 0xFFE1 && v.getUint32(off + 4) === 0x45786966) return tiffGps(v, off + 10);
      if ((marker & 0xFF00) !== 0xFF00) return null;
      off += 2 + size;
    }
    return null;
  }
  function tiffGps(v, start) {
    var le = v.getUint16(start) === 0x4949;
    var u16 = function (o) { return v.getUint16(start + o, le); }, u32 = function (o) { return v.getUint32(start + o, le); };
    function entries(ifd) {
      var out = {}, n = u16(ifd);
      for (var i = 0; i < n; i++) { var e = ifd + 2 + i * 12; out[u16(e)] = e; }
      return out;
    }
    var ifd0 = entries(u32(4));
    if (!ifd0[0x8825]) return null;
    var gps = entries(u32(ifd0[0x8825] + 8));
    function rational3(tag) {
      var o = u32(gps[tag] + 8), r = [];
      for (var i = 0; i < 3; i++) r.push(u32(o + i * 8) / u32(o + i * 8 + 4));
      return r[0] + r[1] / 60 + r[2] / 3600;
    }
    function ref(tag) { return String.fromCharCode(v.getUint8(start + gps[tag] + 8)); }
    if (!gps[2] || !gps[4]) return null;
    var la = rational3(2), lo = rational3(4);
    if (gps[1] && ref(1) === "S") la = -la;
    if (gps[3] && ref(3) === "W") lo = -lo;
    return isFinite(la) && isFinite(lo) ? [la, lo] : null;
  }
  var photos = $("#id_photos"), photoStatus = $("#photo-status");
  photos.addEventListener("change", function () {
    var file = photos.files[0];
    if (!file) return;
    file.slice(0, 262144).arrayBuffer().then(function (buf) {
      var at = null;
      try { at = exifGps(buf); } catch (e) { at = null; }
      if (at && !lat.value) { setLocation(at[0], at[1], t.fromPhoto); photoStatus.textContent = t.fromPhoto; }
      else if (!at && !lat.value) photoStatus.textContent = t.photoNoGps;
    });
  });

  /* ---- service search, questions and nearby duplicates ---- */
  var search = $("#service-search");
  search.addEventListener("input", function () {
    var q = search.value.trim().toLowerCase();
    form.querySelectorAll(".service-option").forEach(function (o) { o.hidden = q && o.dataset.search.indexOf(q) < 0; });
    form.querySelectorAll(".service-group").forEach(function (g) { g.hidden = !g.querySelector(".service-option:not([hidden])"); });
  });
  function service() { var c = form.querySelector("input[name=service]:checked"); return c ? c.value : ""; }
  form.querySelectorAll("input[name=service]").forEach(function (r) {
    r.addEventListener("change", function () {
      fetch(form.dataset.questions + "?service=" + encodeURIComponent(service())).then(function (r) { return r.text(); }).then(function (html) {
        $("#questions").innerHTML = html; restoreDraft(true); restoring = false; checkNearby();
      });
    });
  });
  function checkNearby() {
    if (!service() || !lat.value || !long.value) return;
    var q = new URLSearchParams({ service: service(), lat: lat.value, long: long.value });
    fetch(form.dataset.nearby + "?" + q).then(function (r) { return r.text(); }).then(function (html) { $("#nearby").innerHTML = html; });
  }
  $("#nearby").addEventListener("click", function (e) {
    var b = e.target.closest("[data-support]");
    if (!b) return;
    b.disabled = true;
    var body = new FormData(); body.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
    fetch(b.dataset.support, { method: "POST", body: body, credentials: "same-origin" }).then(function () {
      localStorage.removeItem(form.dataset.draftKey);
      window.location = b.dataset.then;
    });
  });

  /* ---- draft kept in this browser ---- */
  var restoring = false;  // no saving until a restored draft's questions are back in the form
  function saveDraft(announce) {
    if (restoring) return;
    var data = {};
    new FormData(form).forEach(function (value, key) {
      if (key === "csrfmiddlewaretoken" || value instanceof File) return;
      (data[key] = data[key] || []).push(value);
    });
    try { localStorage.setItem(form.dataset.draftKey, JSON.stringify(data)); if (announce === true) draftNote.textContent = t.draftSaved; } catch (e) { /* storage full or blocked */ }
  }
  function restoreDraft(onlyQuestions) {
    var data;
    try { data = JSON.parse(localStorage.getItem(form.dataset.draftKey) || "null"); } catch (e) { data = null; }
    if (!data) return false;
    Object.keys(data).forEach(function (key) {
      if (onlyQuestions && key.indexOf("attribute[") !== 0) return;
      form.querySelectorAll("[name='" + key.replace(/'/g, "\\'") + "']").forEach(function (input) {
        if (input.type === "radio" || input.type === "checkbox") input.checked = data[key].indexOf(input.value) >= 0;
        else if (input.type !== "file") input.value = data[key][0];
      });
    });
    return true;
  }
  form.addEventListener("input", function () { saveDraft(true); });
  form.addEventListener("change", function () { saveDraft(true); });
  if (!form.dataset.bound && restoreDraft(false)) {
    draftNote.textContent = t.draftRestored;
    if (service() && !$("#questions").textContent.trim()) {
      restoring = true;
      form.querySelector("input[name=service]:checked").dispatchEvent(new Event("change"));
    }
    if (lat.value && long.value) setLocation(lat.value, long.value);
  } else if (lat.value && long.value) {
    setLocation(lat.value, long.value);
  }

  /* ---- send without losing photos or typing when something is wrong ---- */
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var button = $("#send-report");
    button.disabled = true; button.textContent = t.sending;
    fetch(form.action, { method: "POST", body: new FormData(form), headers: { "X-Fixboard-Fetch": "1" }, credentials: "same-origin" })
      .then(function (r) {
        if (r.ok && r.headers.get("Content-Type").indexOf("json") >= 0) {
          return r.json().then(function (d) { localStorage.removeItem(form.dataset.draftKey); window.location = d.location; });
        }
        return r.text().then(showErrors);
      })
      .catch(function () { saveDraft(); draftNote.textContent = t.offline; })
      .finally(function () { button.disabled = false; button.textContent = button.dataset.label; });
  });
  $("#send-report").dataset.label = $("#send-report").textContent;

  function showErrors(html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    form.querySelectorAll("[data-errors-for]").forEach(function (box) {
      var fresh = doc.querySelector("[data-errors-for='" + box.dataset.errorsFor + "']");
      box.innerHTML = fresh ? fresh.innerHTML : "";
      var field = box.closest("[data-field]");
      if (field) field.classList.toggle("has-error", !!box.textContent.trim());
    });
    var summary = $("#error-summary");
    summary.innerHTML = doc.getElementById("error-summary").innerHTML;
    summary.focus();
    summary.scrollIntoView({ block: "start" });
  }
})();
