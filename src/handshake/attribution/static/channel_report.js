/* Draws the channel performance report's charts from the page's JSON blocks
   (#channel-chart-data: the figures; #channel-chart-labels: the translated labels).
   The same figures are in the tables beside each chart, for screen readers and without JS. */
(function () {
  "use strict";

  var BLUE = "#0b5cad";
  var ORANGE = "#b55d00";
  var GREEN = "#1b6e2d";
  var GREY = "#6b6b6b";

  function readJson(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function options(scales, extra) {
    var base = { responsive: true, maintainAspectRatio: false, animation: false, scales: scales };
    for (var key in extra || {}) {
      base[key] = extra[key];
    }
    return base;
  }

  function count(position) {
    return { type: "linear", position: position, beginAtZero: true, ticks: { precision: 0 } };
  }

  function side(position) {
    return { type: "linear", position: position, beginAtZero: true,
      grid: { drawOnChartArea: false } };
  }

  function daily(canvas, data, labels) {
    var money = " (" + data.currency + ")";
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.days,
        datasets: [
          { type: "bar", label: labels.orders, data: data.orders, backgroundColor: GREY,
            yAxisID: "orders" },
          { type: "bar", label: labels.attributed_orders, data: data.attributed_orders,
            backgroundColor: BLUE, yAxisID: "orders" },
          { type: "line", label: labels.revenue + money, data: data.revenue, borderColor: GREEN,
            backgroundColor: GREEN, yAxisID: "revenue", tension: 0.2 },
          { type: "line", label: labels.attributed_revenue + money, data: data.attributed_revenue,
            borderColor: ORANGE, backgroundColor: ORANGE, yAxisID: "revenue", tension: 0.2 }
        ]
      },
      options: options({ orders: count("left"), revenue: side("right") })
    });
  }

  function events(canvas, data, labels) {
    new window.Chart(canvas, {
      type: "line",
      data: {
        labels: data.days,
        datasets: [
          { label: labels.impressions, data: data.impressions, borderColor: BLUE,
            backgroundColor: BLUE, yAxisID: "impressions", tension: 0.2 },
          { label: labels.clicks, data: data.clicks, borderColor: ORANGE,
            backgroundColor: ORANGE, yAxisID: "clicks", tension: 0.2 }
        ]
      },
      options: options({ impressions: count("left"), clicks: count("right") })
    });
  }

  function funnel(canvas, data, labels) {
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: labels.funnel,
        datasets: [{ label: labels.funnel[0], data: data.funnel,
          backgroundColor: [BLUE, ORANGE, GREEN, GREY] }]
      },
      options: options({ x: count("bottom") }, {
        indexAxis: "y", plugins: { legend: { display: false } }
      })
    });
  }

  function channels(canvas, data, labels) {
    var names = data.channels.map(function (channel) {
      return labels.channels[channel] || channel;
    });
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: names,
        datasets: [
          { type: "bar", label: labels.attributed_orders, data: data.channel_orders,
            backgroundColor: BLUE, yAxisID: "orders" },
          { type: "bar", label: labels.attributed_revenue + " (" + data.currency + ")",
            data: data.channel_revenue, backgroundColor: ORANGE, yAxisID: "revenue" },
          { type: "line", label: labels.conversion, data: data.channel_conversion,
            borderColor: GREEN, backgroundColor: GREEN, yAxisID: "conversion", showLine: false,
            pointRadius: 6, pointStyle: "rectRot" }
        ]
      },
      options: options({ orders: count("left"), revenue: side("right"),
        conversion: side("right") })
    });
  }

  function draw() {
    var data = readJson("channel-chart-data");
    var labels = readJson("channel-chart-labels");
    if (!data || !labels || typeof window.Chart === "undefined") {
      return;
    }
    var charts = [
      ["chart-daily", daily], ["chart-events", events], ["chart-funnel", funnel],
      ["chart-channels", channels]
    ];
    charts.forEach(function (entry) {
      var canvas = document.getElementById(entry[0]);
      if (canvas) {
        entry[1](canvas, data, labels);
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
