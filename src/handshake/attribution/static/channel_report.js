/* Draws the channel report's charts from the page's JSON block (#channel-chart-data).
   The same figures are in the tables below each chart, for screen readers and without JS. */
(function () {
  "use strict";

  function draw() {
    var source = document.getElementById("channel-chart-data");
    if (!source || typeof window.Chart === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    var labels = JSON.parse(document.getElementById("channel-chart-labels").textContent);
    var daily = document.getElementById("chart-daily");
    var partners = document.getElementById("chart-partners");
    var accent = "#0b5cad";
    var second = "#b55d00";
    if (daily) {
      new window.Chart(daily, {
        type: "bar",
        data: {
          labels: data.days,
          datasets: [
            { type: "bar", label: labels.orders, data: data.orders, backgroundColor: accent,
              yAxisID: "orders" },
            { type: "line", label: labels.revenue + " (" + data.currency + ")", data: data.revenue,
              borderColor: second, backgroundColor: second, yAxisID: "revenue", tension: 0.2 }
          ]
        },
        options: {
          responsive: true,
          maintainAspectRatio: false,
          animation: false,
          scales: {
            orders: { type: "linear", position: "left", beginAtZero: true,
              ticks: { precision: 0 } },
            revenue: { type: "linear", position: "right", beginAtZero: true,
              grid: { drawOnChartArea: false } }
          }
        }
      });
    }
    if (partners) {
      new window.Chart(partners, {
        type: "bar",
        data: {
          labels: data.partners,
          datasets: [
            { label: labels.orders, data: data.partner_orders, backgroundColor: accent,
              xAxisID: "orders" },
            { label: labels.revenue + " (" + data.currency + ")", data: data.partner_revenue,
              backgroundColor: second, xAxisID: "revenue" }
          ]
        },
        options: {
          indexAxis: "y",
          responsive: true,
          maintainAspectRatio: false,
          animation: false,
          scales: {
            orders: { type: "linear", position: "bottom", beginAtZero: true,
              ticks: { precision: 0 } },
            revenue: { type: "linear", position: "top", beginAtZero: true,
              grid: { drawOnChartArea: false } }
          }
        }
      });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
