/* A small static map: the area outline (area pages) or the request's pin (request pages). */
(function () {
  "use strict";
  var el = document.getElementById("small-map");
  if (!el || !window.L) return;
  var map = L.map(el, { maxZoom: 19, scrollWheelZoom: false, attributionControl: !!el.dataset.tiles });
  if (el.dataset.tiles) L.tileLayer(el.dataset.tiles, { maxZoom: 19, attribution: el.dataset.attribution }).addTo(map);
  var boundsEl = document.getElementById("area-bounds");
  if (el.dataset.lat) {
    var at = [parseFloat(el.dataset.lat), parseFloat(el.dataset.long)];
    map.setView(at, 16);
    L.circleMarker(at, { radius: 9, color: "#fff", weight: 3, fillColor: "#d9480f", fillOpacity: 1 }).addTo(map);
  } else if (boundsEl) {
    map.fitBounds(JSON.parse(boundsEl.textContent));
  }
  fetch(el.dataset.areas).then(function (r) { return r.json(); }).then(function (data) {
    L.geoJSON(data, {
      style: function (f) {
        var focus = f.properties.name === el.dataset.focus;
        return { color: focus ? "#0b5cad" : "#8795a3", weight: focus ? 3 : 1, fillOpacity: focus ? 0.08 : 0 };
      }
    }).addTo(map).bringToBack();
  });
})();
