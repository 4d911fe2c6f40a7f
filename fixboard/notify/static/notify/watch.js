/* Watch-area form: area outlines for orientation (a click picks the area), and the middle of
   the visible map becomes the rectangle to watch. */
(function () {
  "use strict";
  var el = document.getElementById("watch-map");
  if (!el || !window.L) { return; }
  var map = L.map(el);
  var tiles = el.getAttribute("data-tiles");
  if (tiles) { L.tileLayer(tiles, { attribution: el.getAttribute("data-attribution") || "" }).addTo(map); }
  var bounds = (el.getAttribute("data-bounds") || "").split(",").map(Number);
  if (bounds.length === 4 && bounds.every(isFinite)) {
    map.fitBounds([[bounds[0], bounds[1]], [bounds[2], bounds[3]]]);
  } else {
    map.setView([0, 0], 2);
  }
  var form = el.closest("form");
  var select = form.querySelector("select[name=area]");
  var status = document.getElementById("watch-bbox-status");
  var rectangle = null;

  function pickArea(name, kind) {
    var label = name + " (" + kind + ")";
    Array.prototype.forEach.call(select.options, function (option) {
      if (option.text === label) { select.value = option.value; }
    });
    if (rectangle) { rectangle.remove(); rectangle = null; }
    status.textContent = "";
  }

  var outlines = el.getAttribute("data-areas");
  if (outlines) {
    fetch(outlines, { headers: { Accept: "application/geo+json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        L.geoJSON(data, {
          style: function (feature) {
            var boundary = feature.properties.kind === "boundary";
            return { weight: boundary ? 2 : 1, color: boundary ? "#0b5cad" : "#5b6875", fillOpacity: boundary ? 0 : 0.04 };
          },
          onEachFeature: function (feature, layer) {
            if (feature.properties.kind === "boundary") { return; }
            layer.bindTooltip(feature.properties.name);
            layer.on("click", function () { pickArea(feature.properties.name, feature.properties.kind); });
          }
        }).addTo(map);
      })
      .catch(function () { /* outlines only help orientation; the form works without them */ });
  }

  function field(name) { return form.querySelector("input[name=" + name + "]"); }
  document.getElementById("watch-use-view").addEventListener("click", function () {
    var b = map.getBounds().pad(-0.1);
    field("min_lat").value = b.getSouth().toFixed(6);
    field("min_long").value = b.getWest().toFixed(6);
    field("max_lat").value = b.getNorth().toFixed(6);
    field("max_long").value = b.getEast().toFixed(6);
    select.value = "";
    if (rectangle) { rectangle.remove(); }
    rectangle = L.rectangle(b, { weight: 3, color: "#d9480f", fillOpacity: 0.08 }).addTo(map);
    status.textContent = status.getAttribute("data-done") || "\u2713";
  });
})();
