// The leader's map (/console/stats/map/), drawn from <script id="stats-map-data" type="application/json">
// (huizhi/stats/map.py): the grids as polygons with their names and figures, compounds and
// buildings labelled as the map zooms in, open cases as pins coloured by their clock, and the
// period's hot spots. Without a tile server everything draws on a plain background.
//
// Leaflet puts a string given to a tooltip, popup or icon in as HTML: every name and title is
// handed over as a DOM node whose text is set as text, so nothing in the data is read as markup.
(function () {
  "use strict";
  var element = document.getElementById("stats-map");
  var dataElement = document.getElementById("stats-map-data");
  if (!element || !dataElement || typeof L === "undefined") { return; }
  var data = JSON.parse(dataElement.textContent);
  var text = data.text || {};

  var COLOURS = { red: "#c62828", yellow: "#f9a825", green: "#2e7d32", paused: "#607d8b", none: "#9e9e9e" };
  var COMPOUND_ZOOM = 16; // compounds' names from this zoom on
  var BUILDING_ZOOM = 18; // buildings' names from this zoom on

  var map = L.map(element, { attributionControl: Boolean(data.tileUrl), maxZoom: 19, zoomSnap: 0.25 });
  if (data.tileUrl) {
    L.tileLayer(data.tileUrl, { attribution: data.tileAttribution, maxZoom: 19 }).addTo(map);
  } else {
    element.classList.add("stats-map-plain");
  }

  // Panes above the grids: hot spots, then labels, then pins. A pane lets clicks through except
  // on what is interactive in it (Leaflet's own SVG of a pane would otherwise catch them).
  [["hot", 410], ["labels", 420], ["pins", 450]].forEach(function (pane) {
    map.createPane(pane[0]).style.zIndex = String(pane[1]);
    map.getPane(pane[0]).style.pointerEvents = "none";
  });

  function node(tag, className, content) {
    var el = document.createElement(tag);
    if (className) { el.className = className; }
    if (content !== undefined && content !== null) { el.textContent = String(content); }
    return el;
  }

  function label(className, name, dx, dy) {
    var span = node("span", className, name);
    if (dx || dy) { span.style.setProperty("--dx", dx + "px"); span.style.setProperty("--dy", dy + "px"); }
    return span;
  }

  function labelMarker(latlng, span) {
    return L.marker(latlng, {
      pane: "labels",
      interactive: false,
      keyboard: false,
      icon: L.divIcon({ className: "map-label-anchor", html: span, iconSize: null }),
    });
  }

  // --- the grids, and what a click on one shows -------------------------------------------------
  var panel = document.getElementById("grid-figures-body");
  var selected = null;

  // In the side panel the grid's name is a heading under "Grid figures"; in the popup, plain text.
  function figuresNode(properties, headingTag) {
    var box = node("div", "grid-card");
    var title = node(headingTag, "grid-card-title", properties.name);
    title.appendChild(document.createTextNode(" "));
    title.appendChild(node("span", "code", properties.code));
    box.appendChild(title);
    var list = node("dl", "grid-card-figures");
    (data.figureLabels || []).forEach(function (name, i) {
      var row = node("div");
      row.appendChild(node("dt", "", name));
      row.appendChild(node("dd", "", properties.figures ? properties.figures[i] : "—"));
      list.appendChild(row);
    });
    box.appendChild(list);
    if (properties.url) {
      var link = node("a", "", text.gridPage);
      link.href = properties.url;
      box.appendChild(link);
    }
    return box;
  }

  var gridStyle = { color: "#b71c1c", weight: 1.5, fillColor: "#e57373", fillOpacity: 0.12 };
  var selectedStyle = { color: "#7f0000", weight: 3.5, fillColor: "#e57373", fillOpacity: 0.32 };

  function show(polygon, latlng) {
    var properties = polygon.feature.properties;
    if (selected) { selected.setStyle(gridStyle); }
    selected = polygon;
    polygon.setStyle(selectedStyle);
    if (panel) {
      panel.replaceChildren(figuresNode(properties, "h3"));
    }
    element.dataset.selected = properties.code;
    L.popup({ maxWidth: 260, autoPanPadding: [16, 16] })
      .setLatLng(latlng || polygon.getCenter())
      .setContent(figuresNode(properties, "strong"))
      .openOn(map);
  }

  var grids = L.geoJSON({ type: "FeatureCollection", features: data.features || [] }, {
    style: function (feature) {
      // The class names the grid's path (browser tests find a grid by it); setStyle keeps it.
      return L.extend({ className: "grid grid-" + feature.properties.code }, gridStyle);
    },
    onEachFeature: function (feature, polygon) {
      polygon.on("click", function (event) { show(polygon, event.latlng); });
    },
  }).addTo(map);

  if (grids.getLayers().length) {
    map.fitBounds(grids.getBounds(), { padding: [8, 8] });
  } else {
    map.setView([32.31, 118.33], 14);
  }

  // Grid names: each shown when it fits inside its polygon on screen, on one line or, when the
  // grid is narrow, on two (a name like 花园街第1网格 breaks before its number: 花园街 / 第1网格).
  function textWidth(words) {
    var width = 0;
    for (var i = 0; i < words.length; i++) { width += words.charCodeAt(i) < 256 ? 7.5 : 13; }
    return width + 8;
  }
  var gridLabels = L.layerGroup();
  var gridNames = grids.getLayers().map(function (polygon) {
    var name = polygon.feature.properties.name || "";
    var at = name.lastIndexOf("第");
    var lines = at > 0 ? [name.slice(0, at), name.slice(at)] : [name];
    var span = node("span", "map-label grid-label");
    lines.forEach(function (line) { span.appendChild(node("span", "grid-label-line", line)); });
    return {
      bounds: polygon.getBounds(),
      oneLine: textWidth(name),
      twoLines: Math.max.apply(null, lines.map(textWidth)),
      stacks: lines.length > 1,
      span: span,
      marker: labelMarker(polygon.getCenter(), span),
    };
  });

  // Compounds at their points; a compound's buildings (which often share its point) in a ring.
  var compoundLabels = L.layerGroup();
  var buildingLabels = L.layerGroup();
  var labels = data.labels || { compounds: [], buildings: [] };
  labels.compounds.forEach(function (row) {
    compoundLabels.addLayer(labelMarker([row[2], row[1]], label("map-label compound-label", row[0])));
  });
  var atPoint = {};
  labels.buildings.forEach(function (row) {
    var key = row[1] + "," + row[2];
    (atPoint[key] = atPoint[key] || []).push(row);
  });
  Object.keys(atPoint).forEach(function (key) {
    var rows = atPoint[key];
    var radius = rows.length > 1 ? 30 + rows.length * 4 : 0;
    rows.forEach(function (row, i) {
      var angle = (2 * Math.PI * i) / rows.length - Math.PI / 2;
      var span = label("map-label building-label", row[0], Math.round(radius * Math.cos(angle)), Math.round(radius * Math.sin(angle)));
      buildingLabels.addLayer(labelMarker([row[2], row[1]], span));
    });
  });
  var allLabels = L.layerGroup([gridLabels]).addTo(map);

  function fitLabels() {
    var zoom = map.getZoom();
    gridNames.forEach(function (item) {
      var sw = map.latLngToContainerPoint(item.bounds.getSouthWest());
      var ne = map.latLngToContainerPoint(item.bounds.getNorthEast());
      var width = Math.abs(ne.x - sw.x);
      var height = Math.abs(sw.y - ne.y);
      var stacked = width < item.oneLine && item.stacks;
      var fits = stacked ? width >= item.twoLines && height >= 40 : width >= item.oneLine && height >= 22;
      item.span.classList.toggle("grid-label-stacked", stacked);
      if (fits && !gridLabels.hasLayer(item.marker)) { gridLabels.addLayer(item.marker); }
      if (!fits && gridLabels.hasLayer(item.marker)) { gridLabels.removeLayer(item.marker); }
    });
    [[compoundLabels, COMPOUND_ZOOM], [buildingLabels, BUILDING_ZOOM]].forEach(function (pair) {
      var wanted = zoom >= pair[1];
      if (wanted && !allLabels.hasLayer(pair[0])) { allLabels.addLayer(pair[0]); }
      if (!wanted && allLabels.hasLayer(pair[0])) { allLabels.removeLayer(pair[0]); }
    });
    element.dataset.zoom = String(zoom);
    element.dataset.labels = String(gridLabels.getLayers().length);
  }
  map.on("zoomend", fitLabels);
  fitLabels();

  // --- hot spots: the period's reports per cell, the area of a circle for the count ------------------
  var hot = L.layerGroup();
  var most = (data.hot || []).reduce(function (m, cell) { return Math.max(m, cell[2]); }, 1);
  (data.hot || []).forEach(function (cell) {
    L.circleMarker([cell[1], cell[0]], {
      pane: "hot",
      interactive: false,
      stroke: false,
      fillColor: "#ef6c00",
      fillOpacity: 0.38,
      radius: 5 + 20 * Math.sqrt(cell[2] / most),
    }).addTo(hot);
  });
  hot.addTo(map);

  // --- open cases: pins coloured by their clock ----------------------------------------------------
  // Pins at one point (cases at one building) are spread a few metres apart on a spiral, so each
  // can be told apart and tapped once the map is zoomed in.
  var pins = L.layerGroup();
  var seen = {};
  (data.pins || []).forEach(function (pin) {
    var key = pin.lon + "," + pin.lat;
    var n = (seen[key] = (seen[key] || 0) + 1) - 1;
    var step = 0.00004 * Math.sqrt(n);
    var latlng = [pin.lat + step * Math.sin(n * 2.4), pin.lon + step * Math.cos(n * 2.4)];
    var marker = L.circleMarker(latlng, {
      pane: "pins",
      radius: 7,
      color: "#ffffff",
      weight: 1.5,
      fillColor: COLOURS[pin.clock] || COLOURS.none,
      fillOpacity: 0.95,
      className: "case-pin case-pin-" + pin.clock,
    });
    var card = node("div", "pin-card");
    var heading = node("strong", "", pin.ref);
    card.appendChild(heading);
    card.appendChild(node("div", "pin-title", pin.title));
    card.appendChild(node("div", "muted", pin.category));
    card.appendChild(node("div", "pin-left pin-left-" + pin.clock, pin.left));
    marker.bindPopup(card, { maxWidth: 260 });
    pins.addLayer(marker);
  });
  pins.addTo(map);

  var overlays = {};
  overlays[text.layerPins] = pins;
  overlays[text.layerHot] = hot;
  overlays[text.layerLabels] = allLabels;
  L.control.layers(null, overlays, { collapsed: window.matchMedia("(max-width: 40rem)").matches }).addTo(map);
  L.control.scale({ imperial: false }).addTo(map);

  element.dataset.grids = String(grids.getLayers().length);
  element.dataset.pins = String(pins.getLayers().length);
  element.dataset.hot = String(hot.getLayers().length);
  element.dataset.drawn = "true";
})();
