/* 联盟贡献 chart: alerts handled per month by category (bars), on-time share (line).
 * Words come from the page's <template id="contribution-words">. */
(function () {
  "use strict";
  function words() {
    var out = {};
    var t = document.getElementById("contribution-words");
    if (t) {
      t.content.querySelectorAll("[data-key]").forEach(function (el) {
        out[el.getAttribute("data-key")] = el.textContent;
      });
    }
    return out;
  }

  function draw(box, data) {
    var w = words();
    var series = data.categories.map(function (c) {
      return { name: c.label, type: "bar", stack: "alerts", data: c.values, barMaxWidth: 26 };
    });
    series.push({ name: w.ontime, type: "line", yAxisIndex: 1, data: data.on_time_share, connectNulls: false });
    series.push({ name: w.inspections, type: "line", data: data.inspections, lineStyle: { type: "dashed" } });
    series.push({ name: w.open, type: "line", data: data.open_rectifications, lineStyle: { type: "dotted" } });
    if (data.catches && data.catches.some(function (n) { return n > 0; })) {
      series.push({ name: w.catches, type: "line", data: data.catches, symbol: "diamond" });
    }
    var chart = echarts.init(box, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis" },
      legend: { top: 0, type: "scroll" },
      grid: { left: 8, right: 8, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: data.months },
      yAxis: [
        { type: "value", minInterval: 1, name: w.alerts },
        { type: "value", min: 0, max: 100, name: w.ontime, splitLine: { show: false } },
      ],
      series: series,
    });
    window.addEventListener("resize", function () {
      chart.resize();
    });
    box.setAttribute("data-rendered", "true");
  }

  function start() {
    var box = document.getElementById("contribution-chart");
    if (!box || !window.echarts) {
      return;
    }
    fetch(box.getAttribute("data-src"), { credentials: "same-origin" })
      .then(function (r) {
        if (r.status === 403) {
          box.hidden = true; // this role does not see alert assignments: show nothing, not zeros
          throw new Error("hidden");
        }
        if (!r.ok) {
          throw new Error(String(r.status));
        }
        return r.json();
      })
      .then(function (data) {
        draw(box, data);
      })
      .catch(function () {
        if (box.hidden) {
          return;
        }
        box.textContent = words().empty || "";
        box.setAttribute("data-rendered", "error");
      });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
