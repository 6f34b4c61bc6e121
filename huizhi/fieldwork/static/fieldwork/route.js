// Draws a patrol's route handed over in <script id="route-config" type="application/json">: the
// grid's outline, the check-ins as numbered points in order, joined by a line. No tiles are
// needed: without a configured tile server it draws on a plain background (intranets).
(function () {
  "use strict";
  var element = document.getElementById("route-map");
  var configElement = document.getElementById("route-config");
  if (!element || !configElement || typeof L === "undefined") { return; }
  var config = JSON.parse(configElement.textContent);
  var map = L.map(element, { attributionControl: Boolean(config.tileUrl) });
  if (config.tileUrl) {
    L.tileLayer(config.tileUrl, { attribution: config.tileAttribution, maxZoom: 19 }).addTo(map);
  }
  var points = config.route.map(function (stop) { return [stop.lat, stop.lon]; });
  var bounds = L.latLngBounds(points);
  var outline = config.boundary && L.geoJSON(config.boundary, {
    style: function () { return { color: "#b71c1c", weight: 2, fillColor: "#e57373", fillOpacity: 0.12 }; }
  });
  if (outline) { bounds.extend(outline.getBounds()); }
  // The view first, without animation: a path drawn on a map without a view has no pixel bounds
  // to draw in, and a zoom animating after the drawing shows it stretched for a moment.
  if (bounds.isValid()) {
    map.fitBounds(bounds, { padding: [24, 24], maxZoom: 17, animate: false });
  } else {
    map.setView([32.31, 118.33], 13);
  }
  if (outline) { outline.addTo(map); }
  if (points.length > 1) {
    L.polyline(points, { color: "#0d47a1", weight: 3 }).addTo(map);
  }
  config.route.forEach(function (stop, index) {
    var marker = L.circleMarker([stop.lat, stop.lon], {
      radius: 8, color: stop.far ? "#e65100" : "#0d47a1", fillOpacity: 0.7
    });
    // Leaflet reads a string tooltip as HTML: hand it a node whose text is set as text.
    var label = document.createElement("span");
    label.textContent = (index + 1) + ". " + stop.label;
    marker.bindTooltip(label);
    marker.addTo(map);
  });
  element.dataset.drawn = String(config.route.length);
})();
