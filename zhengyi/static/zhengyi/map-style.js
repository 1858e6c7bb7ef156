/* The precinct map's looks and words: the labels the server translated, the legend, each
 * feature's style and popup. map.js does the drawing and takes these from window.Zhengyi.map,
 * so this file loads after palette.js and before map.js.
 */
(function () {
  "use strict";

  var Z = (window.Zhengyi = window.Zhengyi || {});
  var M = (Z.map = Z.map || {});
  var P = Z.palette;

  M.readLabels = function () {
    var labels = {};
    var tpl = document.getElementById("map-i18n");
    if (tpl && tpl.content) {
      tpl.content.querySelectorAll("[data-k]").forEach(function (el) {
        labels[el.getAttribute("data-k")] = el.textContent.trim();
      });
    }
    return function (key, fallback) {
      return Object.prototype.hasOwnProperty.call(labels, key) ? labels[key] : fallback !== undefined ? fallback : key;
    };
  };

  /* Fill the {name} slots of a translated pattern: the translator's word order and punctuation. */
  function fmt(pattern, values) {
    return String(pattern).replace(/\{(\w+)\}/g, function (slot, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : slot;
    });
  }
  M.fmt = fmt;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined && text !== null) {
      node.textContent = text;
    }
    return node;
  }

  M.paintLegend = function (t) {
    document.querySelectorAll("[data-swatch]").forEach(function (swatch) {
      var path = swatch.getAttribute("data-swatch").split(".");
      var colour = (P[path[0]] || {})[path[1]] || "#999";
      if (swatch.hasAttribute("data-line")) {
        swatch.style.borderTopColor = colour;
        swatch.style.borderTopWidth = swatch.getAttribute("data-line") + "px";
      } else {
        swatch.style.background = colour;
        if (swatch.hasAttribute("data-fill")) {
          swatch.style.opacity = Math.min(1, parseFloat(swatch.getAttribute("data-fill")) * 2);
        }
      }
    });
    var legend = document.getElementById("map-legend");
    if (legend && window.matchMedia && window.matchMedia("(max-width: 600px)").matches) {
      legend.open = false;
    }
    return t;
  };

  /** Legend key of a feature, matching the data-swatch of its legend entry. */
  M.legendKey = function (f, level) {
    var p = f.properties;
    switch (p.layer) {
      case "building":
        return "building." + (p.category === "office_tower" && p.height_m >= 100 ? "office_tower_high" : p.category);
      case "zone":
        return "zone." + p.kind;
      case "area":
        return "area." + (p.level || level);
      case "network":
        return level === "street" ? (p.drive ? "network.drive" : "network.walk") : "network." + level;
      case "landmark":
        return "landmark." + (P.landmark[p.kind] ? p.kind : "other");
      default:
        return "";
    }
  };

  /** Show only the legend entries of what the level on screen actually holds. */
  M.showLegendFor = function (present) {
    var legend = document.getElementById("map-legend");
    if (!legend) {
      return;
    }
    legend.querySelectorAll("li").forEach(function (li) {
      var swatch = li.querySelector("[data-swatch]");
      li.hidden = !li.hasAttribute("data-always") && !(swatch && present[swatch.getAttribute("data-swatch")]);
    });
    legend.querySelectorAll("ul").forEach(function (ul) {
      var visible = ul.querySelector("li:not([hidden])") !== null;
      ul.hidden = !visible;
      var heading = ul.previousElementSibling;
      if (heading && heading.tagName === "H3") {
        heading.hidden = !visible;
      }
    });
  };

  // ---------- feature styles ----------

  function levelOf(f) {
    return (f.properties && f.properties.level) || "street";
  }

  M.zoneStyle = function (f) {
    var c = P.zone[f.properties.kind] || P.zone.other;
    return { color: c, weight: 1.2, opacity: 0.7, fillColor: c, fillOpacity: 0.13 };
  };

  M.buildingStyle = function (f) {
    var c = Z.buildingColor(f.properties);
    var style = { color: c, weight: 0.8, fillColor: c, fillOpacity: 0.85 };
    if (f.properties.category === "under_construction") {
      style.dashArray = "3 2";
      style.fillOpacity = 0.45;
      style.color = "#5b6673";
    }
    return style;
  };

  M.areaStyle = function (f) {
    var c = P.area[levelOf(f)] || P.area.street;
    return { color: c, weight: 1, fillColor: c, fillOpacity: 0.4 };
  };

  M.networkStyle = function (level) {
    return function (f) {
      var p = f.properties;
      if (level === "underground") {
        return { color: P.network.underground, weight: 2, opacity: 0.9 };
      }
      if (level === "skywalk") {
        return { color: P.network.skywalk, weight: 2.5, opacity: 0.9 };
      }
      return p.drive
        ? { color: P.network.drive, weight: 2, opacity: 0.85 }
        : { color: P.network.walk, weight: 1, opacity: 0.8 };
    };
  };

  // ---------- popups (built as DOM nodes: names are never parsed as HTML) ----------
  // t is the page's labels from readLabels, passed in because they are read once map.js starts.

  M.buildingPopup = function (p, t) {
    var box = el("div", "zy-popup");
    box.appendChild(el("h3", null, p.name));
    box.appendChild(el("p", null, fmt(t("labelled"), { label: t("category"), value: t("category." + p.category, p.category) })));
    if (p.height_m !== undefined && p.height_m !== null) {
      var height = Number(p.height_m).toLocaleString() + " " + t("meters");
      box.appendChild(el("p", null, fmt(t("labelled"), { label: t("height"), value: height })));
    }
    if (p.url) {
      var a = el("a", "zy-popup-link", t("view_building"));
      a.href = p.url;
      a.setAttribute("data-building-link", p.code || "");
      var line = el("p");
      line.appendChild(a);
      box.appendChild(line);
    }
    return box;
  };

  M.landmarkPopup = function (p, t) {
    var box = el("div", "zy-popup");
    box.appendChild(el("h3", null, p.name));
    box.appendChild(el("p", null, t("landmark." + p.kind, p.kind) + " · " + t("level." + levelOf({ properties: p }))));
    return box;
  };
})();
