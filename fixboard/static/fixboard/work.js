/* The work view: its small map (again after each htmx swap) and, when the location form is
   on the page, picking a new place on the map. Every form works without this script. */
(function () {
  "use strict";

  function initMap() {
    var el = document.getElementById("work-map");
    if (!el || !window.L || el.dataset.ready) return;
    el.dataset.ready = "1";
    var at = [parseFloat(el.dataset.lat), parseFloat(el.dataset.long)];
    var map = L.map(el, { maxZoom: 19, scrollWheelZoom: false, attributionControl: !!el.dataset.tiles });
    if (el.dataset.tiles) L.tileLayer(el.dataset.tiles, { maxZoom: 19, attribution: el.dataset.attribution }).addTo(map);
    map.setView(at, 16);
    L.circleMarker(at, { radius: 9, color: "#fff", weight: 3, fillColor: "#d9480f", fillOpacity: 1 }).addTo(map);

    // Location form: a click on the map fills latitude and longitude.
    var lat = document.getElementById("id_location-lat");
    var long = document.getElementById("id_location-long");
    if (!lat || !long) return;
    var picked = null;
    map.on("click", function (ev) {
      lat.value = ev.latlng.lat.toFixed(6);
      long.value = ev.latlng.lng.toFixed(6);
      if (picked) picked.setLatLng(ev.latlng);
      else picked = L.circleMarker(ev.latlng, { radius: 9, color: "#fff", weight: 3, fillColor: "#0b5cad", fillOpacity: 1 }).addTo(map);
      var status = document.getElementById("location-picked");
      if (status) status.textContent = lat.value + ", " + long.value;
    });
  }

  initMap();
  document.addEventListener("htmx:afterSettle", initMap);
})();
