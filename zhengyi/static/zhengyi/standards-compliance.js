/* 处警考核 charts: on-time shares with their 95% intervals, the initial × final priority heatmap,
 * and the distribution of received → on-scene minutes. Data from the "compliance-data"
 * json_script tag; every number is also in the table beneath each chart. */
(function () {
  "use strict";
  var Z = window.Zhengyi || {};
  var COLOURS = { below: "#c8102e", above: "#1e7b34", noise: "#5b8fd1", "": "#5b8fd1" };
  var GRID_LINE = { lineStyle: { color: "#e6eaf0" } };
  var AXIS_LINE = { lineStyle: { color: "#aab4c0" } };
  var TEXT = "#33404d";
  var charts = [];

  /* Fill the {name} slots of a translated pattern ("{label}：{value}" / "{label}: {value}"). */
  function fmt(pattern, values) {
    return String(pattern).replace(/\{(\w+)\}/g, function (slot, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : slot;
    });
  }

  function pct(v) {
    return v === null || v === undefined ? "—" : (v * 100).toFixed(1) + "%";
  }

  function small() {
    return window.matchMedia && window.matchMedia("(max-width: 600px)").matches;
  }

  function init(box) {
    var chart = echarts.init(box, null, { renderer: "svg" });
    charts.push(chart);
    return chart;
  }

  function tooltipFor(item, L) {
    return (
      "<strong>" + echarts.format.encodeHTML(item.label) + "</strong><br>" +
      fmt(L.labelled, { label: L.share, value: pct(item.share) }) + "<br>" +
      fmt(L.labelled, { label: L.interval, value: pct(item.low) + " – " + pct(item.high) }) + "<br>" +
      L.onTime + " " + item.hits + " / " + L.of + " " + item.total +
      (item.signal ? "<br>" + (L[item.signal] || "") : "")
    );
  }

  /* A custom series drawing an interval [low, high] as a line with end caps, one per category,
   * shifted by ``offset(bandHeight)`` pixels when several bars share a category. */
  function intervalSeries(rows, horizontal, offset) {
    return {
      type: "custom",
      silent: true,
      z: 10,
      data: rows,
      encode: horizontal ? { x: [1, 2], y: 0 } : { y: [1, 2], x: 0 },
      renderItem: function (params, api) {
        var cat = api.value(0);
        if (isNaN(api.value(1))) {
          return null;
        }
        var lo = api.coord(horizontal ? [api.value(1), cat] : [cat, api.value(1)]);
        var hi = api.coord(horizontal ? [api.value(2), cat] : [cat, api.value(2)]);
        var band = api.size(horizontal ? [0, 1] : [1, 0])[horizontal ? 1 : 0];
        var shift = offset ? offset(band) : 0;
        var cap = Math.max(4, Math.min(10, band * 0.18));
        var style = { stroke: "#1f2933", lineWidth: 1.5 };
        if (horizontal) {
          var y = lo[1] + shift;
          return {
            type: "group",
            children: [
              { type: "line", shape: { x1: lo[0], y1: y, x2: hi[0], y2: y }, style: style },
              { type: "line", shape: { x1: lo[0], y1: y - cap / 2, x2: lo[0], y2: y + cap / 2 }, style: style },
              { type: "line", shape: { x1: hi[0], y1: y - cap / 2, x2: hi[0], y2: y + cap / 2 }, style: style },
            ],
          };
        }
        var x = lo[0] + shift;
        return {
          type: "group",
          children: [
            { type: "line", shape: { x1: x, y1: lo[1], x2: x, y2: hi[1] }, style: style },
            { type: "line", shape: { x1: x - cap / 2, y1: lo[1], x2: x + cap / 2, y2: lo[1] }, style: style },
            { type: "line", shape: { x1: x - cap / 2, y1: hi[1], x2: x + cap / 2, y2: hi[1] }, style: style },
          ],
        };
      },
    };
  }

  /* Horizontal bars: one per group, coloured by how it compares with the rest of the station. */
  function shareChart(box, items, data) {
    var L = data.labels;
    if (!items.length) {
      box.style.height = "60px";
      box.textContent = "—";
      return;
    }
    box.style.height = Math.max(200, items.length * (small() ? 30 : 34) + 70) + "px";
    var chart = init(box);
    var overall = data.overall && data.overall.share !== null ? data.overall.share * 100 : null;
    chart.setOption({
      animation: false,
      grid: { left: 8, right: 24, top: 26, bottom: 8, containLabel: true },
      tooltip: {
        trigger: "axis",
        axisPointer: { type: "shadow" },
        formatter: function (params) {
          var item = items[params[0].dataIndex];
          return tooltipFor(item, L);
        },
      },
      xAxis: {
        type: "value",
        min: 0,
        max: 100,
        axisLabel: { formatter: "{value}%", color: TEXT },
        splitLine: GRID_LINE,
      },
      yAxis: {
        type: "category",
        inverse: true,
        data: items.map(function (i) {
          return i.label;
        }),
        axisTick: { show: false },
        axisLine: AXIS_LINE,
        axisLabel: { color: TEXT, width: small() ? 96 : 180, overflow: "truncate" },
      },
      series: [
        {
          type: "bar",
          name: L.share,
          barMaxWidth: 22,
          data: items.map(function (i) {
            return { value: i.share * 100, itemStyle: { color: COLOURS[i.signal] || COLOURS[""] } };
          }),
          label: {
            show: true,
            position: "insideLeft",
            color: "#fff",
            fontSize: 11,
            formatter: function (p) {
              return p.value >= 12 ? p.value.toFixed(0) + "%" : "";
            },
          },
          markLine:
            overall === null
              ? undefined
              : {
                  silent: true,
                  symbol: "none",
                  lineStyle: { color: "#c8102e", type: "dashed" },
                  label: { formatter: L.overall + " " + overall.toFixed(1) + "%", position: "start", color: "#c8102e" },
                  data: [{ xAxis: overall }],
                },
        },
        intervalSeries(
          items.map(function (i, idx) {
            return [idx, i.low * 100, i.high * 100];
          }),
          true
        ),
      ],
    });
  }

  /* Grouped bars per priority level: counted by the initial priority and by the final one. */
  function priorityChart(box, data) {
    var L = data.labels;
    var p = data.priority;
    var gapCategory = 0.35;
    var gapBar = 0.15;
    function offset(index) {
      return function (band) {
        var width = (band * (1 - gapCategory)) / (2 + gapBar);
        var start = (-band * (1 - gapCategory)) / 2;
        return start + index * width * (1 + gapBar) + width / 2;
      };
    }
    function bars(list) {
      return list.map(function (i) {
        return i.share === null ? null : i.share * 100;
      });
    }
    function intervals(list) {
      return list.map(function (i, idx) {
        return i.share === null ? [idx, NaN, NaN] : [idx, i.low * 100, i.high * 100];
      });
    }
    var chart = init(box);
    chart.setOption({
      animation: false,
      legend: { top: 0, textStyle: { color: TEXT } },
      grid: { left: 8, right: 12, top: 34, bottom: 8, containLabel: true },
      tooltip: {
        trigger: "axis",
        axisPointer: { type: "shadow" },
        formatter: function (params) {
          var idx = params[0].dataIndex;
          return [p.initial[idx], p.final[idx]]
            .map(function (item, k) {
              return (k ? L.final : L.initial) + "<br>" + tooltipFor(item, L);
            })
            .join("<hr style='margin:4px 0;border:0;border-top:1px solid #ddd'>");
        },
      },
      xAxis: { type: "category", data: p.levels, axisTick: { show: false }, axisLine: AXIS_LINE, axisLabel: { color: TEXT } },
      yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%", color: TEXT }, splitLine: GRID_LINE },
      series: [
        {
          type: "bar",
          name: L.initial,
          barCategoryGap: gapCategory * 100 + "%",
          barGap: gapBar * 100 + "%",
          itemStyle: { color: "#1d4e89" },
          data: bars(p.initial),
        },
        {
          type: "bar",
          name: L.final,
          barCategoryGap: gapCategory * 100 + "%",
          barGap: gapBar * 100 + "%",
          itemStyle: { color: "#9ab6dc" },
          data: bars(p.final),
        },
        intervalSeries(intervals(p.initial), false, offset(0)),
        intervalSeries(intervals(p.final), false, offset(1)),
      ],
    });
  }

  /* Heatmap: rows the initial priority, columns the final one; off the diagonal, reclassified. */
  function matrixChart(box, data) {
    var L = data.labels;
    var m = data.matrix;
    var cells = [];
    var max = 0;
    m.counts.forEach(function (row, i) {
      row.forEach(function (n, j) {
        cells.push([j, i, n]);
        max = Math.max(max, n);
      });
    });
    var chart = init(box);
    chart.setOption({
      animation: false,
      grid: { left: 30, right: 12, top: 10, bottom: 48, containLabel: true },
      tooltip: {
        formatter: function (p) {
          return (
            fmt(L.labelled, { label: L.initialAxis, value: m.levels[p.value[1]] }) + "<br>" +
            fmt(L.labelled, { label: L.finalAxis, value: m.levels[p.value[0]] }) + "<br>" +
            fmt(L.labelled, { label: L.alerts, value: p.value[2] })
          );
        },
      },
      xAxis: {
        type: "category",
        data: m.levels,
        name: L.finalAxis,
        nameLocation: "middle",
        nameGap: 26,
        position: "bottom",
        axisTick: { show: false },
        axisLabel: { color: TEXT },
        splitArea: { show: true },
      },
      yAxis: {
        type: "category",
        data: m.levels,
        inverse: true,
        name: L.initialAxis,
        nameLocation: "middle",
        nameGap: 44,
        axisTick: { show: false },
        axisLabel: { color: TEXT },
        splitArea: { show: true },
      },
      visualMap: { min: 0, max: Math.max(1, max), show: false, inRange: { color: ["#f3f6fa", "#5b8fd1", "#143763"] } },
      series: [
        {
          type: "heatmap",
          data: cells,
          label: {
            show: true,
            formatter: function (p) {
              return p.value[2];
            },
          },
          itemStyle: { borderColor: "#fff", borderWidth: 2 },
        },
      ],
    });
  }

  /* Received → on-scene minutes in 1-minute bins, with the median and 90th percentile marked. */
  function histogramChart(box, data) {
    var L = data.labels;
    var h = data.histogram;
    if (!h.counts.length) {
      return;
    }
    var names = h.counts.map(function (_n, i) {
      var from = i * h.bin;
      return i === h.counts.length - 1 ? from + "+" : String(from);
    });
    var marks = [];
    if (h.median !== null) {
      marks.push({ xAxis: Math.min(Math.floor(h.median / h.bin), h.counts.length - 1), name: L.median + " " + h.medianText });
    }
    if (h.p90 !== null) {
      marks.push({ xAxis: Math.min(Math.floor(h.p90 / h.bin), h.counts.length - 1), name: L.p90 + " " + h.p90Text });
    }
    var chart = init(box);
    chart.setOption({
      animation: false,
      grid: { left: 8, right: 16, top: 30, bottom: 30, containLabel: true },
      tooltip: {
        trigger: "axis",
        axisPointer: { type: "shadow" },
        formatter: function (params) {
          var i = params[0].dataIndex;
          var range = i === h.counts.length - 1 ? i * h.bin + " " + L.minutes + L.more : i * h.bin + "–" + (i + 1) * h.bin + " " + L.minutes;
          return range + "<br>" + fmt(L.labelled, { label: L.alerts, value: params[0].value });
        },
      },
      xAxis: {
        type: "category",
        data: names,
        name: L.minutes,
        nameLocation: "middle",
        nameGap: 24,
        axisTick: { alignWithLabel: true },
        axisLine: AXIS_LINE,
        axisLabel: { color: TEXT, interval: small() ? 4 : 1 },
      },
      yAxis: { type: "value", minInterval: 1, axisLabel: { color: TEXT }, splitLine: GRID_LINE },
      series: [
        {
          type: "bar",
          name: L.alerts,
          barCategoryGap: "8%",
          itemStyle: { color: "#5b8fd1" },
          data: h.counts,
          markLine: {
            silent: true,
            symbol: "none",
            lineStyle: { color: "#c8102e", type: "dashed" },
            label: { formatter: "{b}", color: "#c8102e", position: "end" },
            data: marks,
          },
        },
      ],
    });
  }

  function start() {
    if (!window.echarts) {
      return;
    }
    var data = Z.readJSON ? Z.readJSON("compliance-data") : null;
    if (!data) {
      return;
    }
    document.querySelectorAll("[data-compliance-chart]").forEach(function (box) {
      var kind = box.getAttribute("data-compliance-chart");
      if (kind === "matrix") {
        matrixChart(box, data);
      } else if (kind === "priority") {
        priorityChart(box, data);
      } else if (kind === "histogram") {
        histogramChart(box, data);
      } else if (data[kind]) {
        shareChart(box, data[kind], data);
      }
      box.setAttribute("data-rendered", "true");
    });
    window.addEventListener("resize", function () {
      charts.forEach(function (c) {
        c.resize();
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
