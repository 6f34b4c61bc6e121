// Draws the grid polygons handed over in <script id="map-config" type="application/json">.
// No tiles are needed: without a configured tile server the polygons draw on a plain background.
(function () {
  "use strict";
  var element = document.getElementById("map");
  var configElement = document.getElementById("map-config");
  if (!element || !configElement || typeof L === "undefined") { return; }
  var config = JSON.parse(configElement.textContent);
  var map = L.map(element, { attributionControl: Boolean(config.tileUrl) });
  if (config.tileUrl) {
    L.tileLayer(config.tileUrl, { attribution: config.tileAttribution, maxZoom: 19 }).addTo(map);
  }
  var layer = L.geoJSON({ type: "FeatureCollection", features: config.features }, {
    style: function () { return { color: "#b71c1c", weight: 2, fillColor: "#e57373", fillOpacity: 0.25 }; },
    onEachFeature: function (feature, polygon) {
      var link = document.createElement("a");
      link.href = feature.properties.url;
      link.textContent = feature.properties.name + " (" + feature.properties.code + ")";
      polygon.bindTooltip(feature.properties.name);
      polygon.bindPopup(link);
    }
  }).addTo(map);
  if (config.features.length) {
    map.fitBounds(layer.getBounds(), { padding: [12, 12] });
  } else {
    map.setView([32.31, 118.33], 13);
  }
  element.dataset.drawn = String(config.features.length);
})();
