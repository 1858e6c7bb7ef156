/* ECharts on server-rendered pages. Data comes from json_script tags; labels from the
 * accessible table printed next to each chart (so the chart and the table always agree). */
(function () {
  "use strict";
  var Z = window.Zhengyi || {};

  function labelsFrom(tableId) {
    var labels = {};
    var table = document.getElementById(tableId);
    if (table) {
      table.querySelectorAll("tr[data-category]").forEach(function (row) {
        var th = row.querySelector("th");
        labels[row.getAttribute("data-category")] = th ? th.textContent.trim() : row.getAttribute("data-category");
      });
    }
    return labels;
  }

  function byCategory(box) {
    var data = Z.readJSON(box.getAttribute("data-source")) || {};
    var labels = labelsFrom(box.getAttribute("data-table"));
    var codes = Object.keys(data).sort(function (a, b) {
      return data[a] - data[b];
    });
    var colours = Z.palette ? Z.palette.building : {};
    var chart = echarts.init(box, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      grid: { left: 8, right: 40, top: 8, bottom: 8, containLabel: true },
      tooltip: { trigger: "item", formatter: "{b}: {c}" },
      xAxis: { type: "value", minInterval: 1, splitLine: { lineStyle: { color: "#e6eaf0" } } },
      yAxis: {
        type: "category",
        data: codes.map(function (c) {
          return labels[c] || c;
        }),
        axisTick: { show: false },
        axisLine: { lineStyle: { color: "#aab4c0" } },
        axisLabel: { color: "#33404d" },
      },
      series: [
        {
          type: "bar",
          barMaxWidth: 26,
          label: { show: true, position: "right", color: "#1f2933" },
          data: codes.map(function (c) {
            return { value: data[c], itemStyle: { color: colours[c] || colours.other || "#1d4e89" } };
          }),
        },
      ],
    });
    window.addEventListener("resize", function () {
      chart.resize();
    });
    box.setAttribute("data-rendered", "true");
  }

  function start() {
    if (!window.echarts) {
      return;
    }
    document.querySelectorAll("[data-chart]").forEach(function (box) {
      if (box.getAttribute("data-chart") === "by-category") {
        byCategory(box);
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
