/* metroplan charts: draws every <canvas data-chart="ID"> from the JSON spec the
   page embeds in <script type="application/json" id="ID"> (Django json_script).
   Spec: {kind: line|bar|doughnut, labels, series: [{label, data, style?, color?}],
   unit, horizontal, max, colors?}. Each chart has a table or text alternative
   in the page; the canvas carries an aria-label. Numbers on axes, labels and
   tooltips are written in the page's language (<html lang>): "22,5 %" in
   French, "22.5%" in English; Chart.js is given the same locale. */
(function () {
  "use strict";
  var PALETTE = ["#0b5cad", "#1e7b3a", "#a15c00", "#b3261e", "#6b3fa0", "#5b6475", "#0f8b8d", "#c2185b"];
  var LOCALE = document.documentElement.lang || "en";
  var NUMBER = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 2 });
  var PERCENT = new Intl.NumberFormat(LOCALE, { style: "percent", maximumFractionDigits: 1 });

  /* A value of a chart as the page's language writes it, with its unit. */
  function valueText(value, unit) {
    if (value === null || value === undefined || value === "") { return "—"; }
    if (unit === "%") { return PERCENT.format(Number(value) / 100); }
    return NUMBER.format(Number(value)) + (unit ? " " + unit : "");
  }
  window.metroplanChartValue = valueText;

  function readSpec(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function dataset(series, index, spec) {
    var color = series.color || PALETTE[index % PALETTE.length];
    var ds = {
      label: series.label,
      data: series.data,
      borderColor: color,
      backgroundColor: spec.kind === "line" ? color : color + "cc",
      spanGaps: true,
      pointRadius: 3,
      tension: 0
    };
    if (series.style === "dashed") {
      ds.borderDash = [6, 4];
      ds.pointRadius = 0;
      ds.borderWidth = 1.5;
    } else if (series.style === "projection") {
      ds.borderDash = [3, 3];
      ds.pointRadius = 4;
      ds.pointStyle = "triangle";
    } else if (series.style === "points") {
      ds.showLine = false;
      ds.pointRadius = 6;
      ds.pointStyle = "rectRot";
    }
    if (spec.kind === "doughnut") {
      ds.backgroundColor = spec.colors || PALETTE;
      ds.borderColor = "#fff";
    }
    return ds;
  }

  function draw(canvas) {
    var spec = readSpec(canvas.dataset.chart);
    if (!spec || typeof Chart === "undefined") { return; }
    var valueAxis = spec.horizontal ? "x" : "y";
    var options = {
      locale: LOCALE,
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      indexAxis: spec.horizontal ? "y" : "x",
      plugins: {
        legend: { display: spec.kind === "doughnut" || spec.series.length > 1, position: "bottom" },
        tooltip: {
          callbacks: {
            label: function (ctx) {
              return ctx.dataset.label + ": " + valueText(ctx.raw, spec.unit);
            }
          }
        }
      }
    };
    if (spec.kind !== "doughnut") {
      options.scales = {};
      options.scales[valueAxis] = {
        beginAtZero: true,
        ticks: { callback: function (v) { return spec.unit === "%" ? valueText(v, "%") : NUMBER.format(v); } }
      };
      if (spec.max !== null && spec.max !== undefined) { options.scales[valueAxis].max = spec.max; }
    }
    new Chart(canvas, {
      type: spec.kind,
      data: { labels: spec.labels, datasets: spec.series.map(function (s, i) { return dataset(s, i, spec); }) },
      options: options
    });
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("canvas[data-chart]"), draw);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
