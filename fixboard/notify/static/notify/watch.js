/* Watch-area form: the visible map view becomes the rectangle to watch. */
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
  var status = document.getElementById("watch-bbox-status");
  var rectangle = null;
  function field(name) { return form.querySelector("input[name=" + name + "]"); }
  document.getElementById("watch-use-view").addEventListener("click", function () {
    var b = map.getBounds();
    field("min_lat").value = b.getSouth().toFixed(6);
    field("min_long").value = b.getWest().toFixed(6);
    field("max_lat").value = b.getNorth().toFixed(6);
    field("max_long").value = b.getEast().toFixed(6);
    form.querySelector("select[name=area]").value = "";
    if (rectangle) { rectangle.remove(); }
    rectangle = L.rectangle(b, { weight: 2, fill: false }).addTo(map);
    status.textContent = status.getAttribute("data-done") || "\u2713";
  });
})();
