/* The leader's view: draws the trend and the categories from the JSON the page embeds
   (#stats-charts). The same figures are in the tables below each chart, for screen readers and
   for a browser without scripts. Tooltips are drawn on the canvas (renderMode "richText"): the
   page's CSP allows no inline styles, which HTML tooltips would need. */
(function () {
  "use strict";
  // The hot topics panel, when the page did not have it kept: grouped by its own request
  // (stats:hot), so the figures above are not held up by it.
  var waiting = document.querySelector("[data-hot-src]");
  if (waiting && window.fetch) {
    window.fetch(waiting.getAttribute("data-hot-src"), { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.text();
      })
      .then(function (html) {
        var holder = document.createElement("div");
        holder.innerHTML = html;
        var panel = holder.querySelector("#hot-topics");
        if (panel) { waiting.replaceWith(panel); }
      })
      .catch(function () { waiting.removeAttribute("aria-busy"); });
  }
})();

(function () {
  "use strict";
  var source = document.getElementById("stats-charts");
  if (!source || !window.echarts) { return; }
  var data = JSON.parse(source.textContent);
  var charts = [];

  function make(id, option) {
    var element = document.getElementById(id);
    if (!element) { return; }
    var chart = window.echarts.init(element, null, { renderer: "canvas" });
    chart.setOption(option);
    charts.push(chart);
  }

  var narrow = window.matchMedia("(max-width: 40rem)").matches;
  var tooltip = { trigger: "axis", renderMode: "richText" };
  var trend = data.trend;
  make("chart-trend", {
    animation: false,
    tooltip: tooltip,
    legend: { top: 0, textStyle: { fontSize: narrow ? 10 : 12 } },
    grid: { left: 8, right: 8, top: narrow ? 56 : 48, bottom: 8, containLabel: true },
    xAxis: { type: "category", data: trend.labels, axisLabel: { hideOverlap: true } },
    yAxis: [
      // On a phone the legend says what each axis counts; the axis names would collide with it.
      { type: "value", minInterval: 1, name: narrow ? "" : trend.names.reported },
      { type: "value", min: 0, max: 100, name: narrow ? "" : "%", splitLine: { show: false } }
    ],
    series: [
      { name: trend.names.reported, type: "bar", data: trend.reported, itemStyle: { color: "#90a4ae" } },
      { name: trend.names.closure, type: "line", yAxisIndex: 1, data: trend.closure, connectNulls: false,
        itemStyle: { color: "#b71c1c" } },
      { name: trend.names.closed_in_time, type: "line", yAxisIndex: 1, data: trend.closed_in_time,
        connectNulls: false, itemStyle: { color: "#1b7f3b" } }
    ]
  });

  var categories = data.categories;
  make("chart-categories", {
    animation: false,
    tooltip: { trigger: "axis", renderMode: "richText", axisPointer: { type: "shadow" } },
    grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", data: categories.labels.slice().reverse(),
      axisLabel: { width: narrow ? 90 : 160, overflow: "truncate" } },
    series: [{ name: categories.names.reported, type: "bar", data: categories.reported.slice().reverse(),
      itemStyle: { color: "#b71c1c" } }]
  });

  window.addEventListener("resize", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
}());
