// Draws the grid polygons handed over in <script id="map-config" type="application/json">.
// No tiles are needed: without a configured tile server the polygons draw on a plain background.
// With `pickForm` in the config (the post form), a tap places the problem: it fills that form's
// hidden lon/lat fields and marks the spot.
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
      if (!feature.properties.url) { return; }
      // Leaflet puts a string given to a tooltip or popup in as HTML: hand it DOM nodes whose
      // text is set as text, so a grid name is never read as markup.
      var link = document.createElement("a");
      link.href = feature.properties.url;
      link.textContent = feature.properties.name + " (" + feature.properties.code + ")";
      var label = document.createElement("span");
      label.textContent = feature.properties.name;
      polygon.bindTooltip(label);
      polygon.bindPopup(link);
    }
  }).addTo(map);
  if (config.features.length) {
    map.fitBounds(layer.getBounds(), { padding: [12, 12] });
  } else {
    map.setView([32.31, 118.33], 13);
  }
  element.dataset.drawn = String(config.features.length);

  var form = config.pickForm && document.getElementById(config.pickForm);
  if (!form) { return; }
  var marker = null;
  function place(latlng) {
    form.elements.lon.value = latlng.lng.toFixed(6);
    form.elements.lat.value = latlng.lat.toFixed(6);
    if (marker) { marker.setLatLng(latlng); } else { marker = L.circleMarker(latlng, { radius: 8, color: "#0d47a1" }).addTo(map); }
    element.dataset.picked = form.elements.lon.value + "," + form.elements.lat.value;
  }
  map.on("click", function (event) { place(event.latlng); });
  if (form.elements.lon.value && form.elements.lat.value) {
    place(L.latLng(parseFloat(form.elements.lat.value), parseFloat(form.elements.lon.value)));
  }
})();
