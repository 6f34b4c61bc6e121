// Post form: tap the map to say where the problem is; fills the hidden lon/lat fields.
// Grid outlines draw without tiles, so the map works on an intranet without a tile server.
(function () {
  "use strict";
  var element = document.getElementById("pick-map");
  var configElement = document.getElementById("pick-config");
  var form = document.getElementById("report-form");
  if (!element || !configElement || !form || typeof L === "undefined") { return; }
  var config = JSON.parse(configElement.textContent);
  var map = L.map(element, { attributionControl: Boolean(config.tileUrl) });
  if (config.tileUrl) {
    L.tileLayer(config.tileUrl, { attribution: config.tileAttribution, maxZoom: 19 }).addTo(map);
  }
  var layer = L.geoJSON({ type: "FeatureCollection", features: config.features }, {
    style: function () { return { color: "#b71c1c", weight: 1, fillColor: "#e57373", fillOpacity: 0.15 }; }
  }).addTo(map);
  if (config.features.length) { map.fitBounds(layer.getBounds()); } else { map.setView([32.31, 118.33], 14); }
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
