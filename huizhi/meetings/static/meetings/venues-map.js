// Draws the meeting places handed over in <script id="venue-map-config" type="application/json">
// as points. No tiles are needed: without a configured tile server the points draw on a plain
// background (a government intranet has no internet).
(function () {
  "use strict";
  var element = document.getElementById("map");
  var configElement = document.getElementById("venue-map-config");
  if (!element || !configElement || typeof L === "undefined") { return; }
  var config = JSON.parse(configElement.textContent);
  var map = L.map(element, { attributionControl: Boolean(config.tileUrl) });
  if (config.tileUrl) {
    L.tileLayer(config.tileUrl, { attribution: config.tileAttribution, maxZoom: 19 }).addTo(map);
  }
  // Leaflet draws vectors only once the map has a view: fit it to the points first.
  var markers = config.points.map(function (point) {
    var marker = L.circleMarker([point.lat, point.lon], { radius: 8, color: "#b71c1c", fillOpacity: 0.6 });
    // Leaflet reads a string tooltip as HTML: hand it a node whose text is set as text.
    var label = document.createElement("span");
    label.textContent = point.name + " · " + point.kind;
    marker.bindTooltip(label);
    return marker;
  });
  if (markers.length) {
    map.fitBounds(L.featureGroup(markers).getBounds(), { padding: [24, 24], maxZoom: 16 });
  } else {
    map.setView([32.31, 118.33], 13);
  }
  // The communities' grids, faint, under the points, so the map reads without a tile server.
  L.geoJSON({ type: "FeatureCollection", features: config.features || [] }, {
    interactive: false,
    style: function () { return { color: "#8a9199", weight: 1, fillColor: "#ffffff", fillOpacity: 0.5 }; }
  }).addTo(map);
  markers.forEach(function (marker) { marker.addTo(map); });
  element.dataset.drawn = String(markers.length);
})();
