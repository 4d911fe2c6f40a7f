/* City map: outlines of areas, counted cells when zoomed out, clustered points close in. */
(function () {
  "use strict";
  var el = document.getElementById("city-map");
  if (!el || !window.L) return;
  var map = L.map(el, { zoomControl: true, maxZoom: 19 });
  var status = document.getElementById("map-status");
  var layer = L.layerGroup().addTo(map);
  var bounds = JSON.parse(document.getElementById("map-bounds").textContent);
  if (el.dataset.tiles) {
    L.tileLayer(el.dataset.tiles, { maxZoom: 19, attribution: el.dataset.attribution }).addTo(map);
  }
  if (bounds) map.fitBounds(bounds); else map.setView([0, 0], 2);

  fetch(el.dataset.areas).then(function (r) { return r.json(); }).then(function (data) {
    L.geoJSON(data, {
      style: function (f) {
        var edge = f.properties.kind === "boundary";
        return { color: edge ? "#0b5cad" : "#5b6b7b", weight: edge ? 3 : 1.2, fillOpacity: edge ? 0 : 0.03, dashArray: edge ? null : "4 3" };
      },
      onEachFeature: function (f, l) {
        if (f.properties.url) {
          var a = document.createElement("a");
          a.href = f.properties.url; a.textContent = f.properties.name;
          l.bindPopup(a);
        }
      }
    }).addTo(map).bringToBack();
  });

  function dot(open) {
    return L.divIcon({ className: "", html: '<span class="dot ' + (open ? "dot-open" : "dot-closed") + '" style="width:16px;height:16px"></span>', iconSize: [16, 16] });
  }

  function popup(p) {
    var box = document.createElement("div");
    var title = document.createElement("strong"); title.textContent = p.service;
    var meta = document.createElement("div"); meta.textContent = p.status + " · " + p.date;
    var link = document.createElement("a"); link.href = "/requests/" + p.id + "/"; link.textContent = el.dataset.viewLabel + " " + p.id;
    box.append(title, meta, link);
    return box;
  }

  /* A group's ring shows its share of open (red) and closed (green) requests. */
  function groupIcon(n, nOpen) {
    var size = Math.round(30 + Math.min(18, Math.log10(n + 1) * 6));
    var label = n >= 10000 ? Math.round(n / 1000) + "k" : n >= 1000 ? (n / 1000).toFixed(1) + "k" : String(n);
    var kind = nOpen === n ? "agg-open" : nOpen === 0 ? "agg-closed" : "agg-mixed";
    var style = "width:" + size + "px;height:" + size + "px;--open:" + Math.round(100 * nOpen / n) + "%";
    return L.divIcon({ className: "", html: '<div class="agg-icon ' + kind + '" style="' + style + '"><span>' + label + "</span></div>", iconSize: [size, size] });
  }
  function groupTitle(n, nOpen) {
    return n + " " + el.dataset.countLabel + " (" + nOpen + " " + el.dataset.openLabel + ")";
  }
  function clusterIcon(cluster) {
    var children = cluster.getAllChildMarkers();
    var nOpen = children.filter(function (m) { return m.options.open; }).length;
    return groupIcon(children.length, nOpen);
  }

  var pending = null;
  function load() {
    var b = map.getBounds();
    var params = new URLSearchParams(window.location.search);
    params.set("south", b.getSouth()); params.set("west", b.getWest());
    params.set("north", b.getNorth()); params.set("east", b.getEast());
    params.set("zoom", map.getZoom());
    if (pending) pending.abort();
    pending = new AbortController();
    fetch(el.dataset.url + "?" + params, { signal: pending.signal })
      .then(function (r) { return r.json(); })
      .then(render)
      .catch(function (e) { if (e.name !== "AbortError") throw e; });
  }

  function render(data) {
    layer.clearLayers();
    if (data.mode === "points") {
      var cluster = L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 45, iconCreateFunction: clusterIcon });
      data.points.forEach(function (p) {
        cluster.addLayer(L.marker([p.lat, p.long], { icon: dot(p.open), open: p.open, title: p.service + " " + p.id, keyboard: true }).bindPopup(popup(p)));
      });
      layer.addLayer(cluster);
    } else {
      data.cells.forEach(function (c) {
        var m = L.marker([c[0], c[1]], { icon: groupIcon(c[2], c[3]), title: groupTitle(c[2], c[3]) });
        m.on("click", function () { map.setView([c[0], c[1]], Math.min(map.getZoom() + 2, 18)); });
        layer.addLayer(m);
      });
    }
    status.textContent = data.total.toLocaleString() + " " + el.dataset.totalLabel;
    status.setAttribute("data-mode", data.mode);
  }

  map.on("moveend", load);
  load();
})();
