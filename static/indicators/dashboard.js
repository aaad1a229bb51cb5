/* The indicator dashboard's charts (Apache ECharts, vendored): the numbers come from the
   page's json_script element "indicator-charts"; the tables under each chart hold the
   same numbers. No inline script (CSP). */
(function () {
  "use strict";

  function lineChart(element, chart) {
    var series = chart.trend.map(function (s) {
      return { name: s.name, type: "line", data: s.data, connectNulls: false };
    });
    if (chart.target !== null && series.length) {
      series[0].markLine = { symbol: "none", data: [{ yAxis: chart.target }], lineStyle: { type: "dashed" } };
    }
    var instance = echarts.init(element);
    instance.setOption({
      tooltip: { trigger: "axis" },
      legend: { show: chart.trend.length > 1, bottom: 0 },
      grid: { left: 48, right: 16, top: 24, bottom: chart.trend.length > 1 ? 48 : 24 },
      xAxis: { type: "category", data: chart.months },
      yAxis: { type: "value", name: chart.unit },
      series: series
    });
    return instance;
  }

  function barChart(element, chart) {
    var instance = echarts.init(element);
    instance.setOption({
      tooltip: { trigger: "axis" },
      legend: { show: chart.breakdown.length > 1, bottom: 0 },
      grid: { left: 48, right: 16, top: 24, bottom: 72 },
      xAxis: { type: "category", data: chart.divisions, axisLabel: { rotate: 30, interval: 0 } },
      yAxis: { type: "value", name: chart.unit },
      series: chart.breakdown.map(function (s) {
        return { name: s.name, type: "bar", data: s.data, cursor: "pointer" };
      })
    });
    // A bar drills down to its division, as the division's name in the table does.
    instance.on("click", function (params) {
      var url = chart.urls[params.dataIndex];
      if (url) { window.location.href = url; }
    });
    return instance;
  }

  function draw() {
    var source = document.getElementById("indicator-charts");
    if (!source || typeof echarts === "undefined") { return; }
    var drawn = [];
    JSON.parse(source.textContent).forEach(function (chart) {
      var trend = document.getElementById("trend-" + chart.code);
      var breakdown = document.getElementById("breakdown-" + chart.code);
      if (trend) { drawn.push(lineChart(trend, chart)); }
      if (breakdown && chart.divisions.length) { drawn.push(barChart(breakdown, chart)); }
      else if (breakdown) { breakdown.hidden = true; }
    });
    window.addEventListener("resize", function () {
      drawn.forEach(function (instance) { instance.resize(); });
    });
  }

  // The 24-month tables are folded on screen (the chart above says the same); printed,
  // every table is open, since paper has no chart to hover.
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details.indicator-table").forEach(function (details) { details.open = true; });
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
