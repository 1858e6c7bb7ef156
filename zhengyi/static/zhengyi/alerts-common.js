/* 接处警 pages: live clocks, single-key shortcuts, the shortcut help panel, the alert's mini map.
 *
 * CSP: no inline scripts. Data comes from data-attributes and json_script tags; words from
 * <template> elements translated by the server.
 *
 *   <table data-clocks data-now="ISO">            server time, to correct the client's clock
 *     <span data-elapsed data-from="ISO" [data-to="ISO"]>   m:ss since received (frozen with data-to)
 *     <span data-deadline data-due="ISO" [data-done="ISO"]> remaining / overdue against a target
 *   <a data-shortcut-link="n" href="…">           the key n follows the link
 *   <button data-shortcut-focus="d">              the key d focuses the button
 *   <button data-help-toggle="panel-id">          "?" toggles the first such panel, Esc closes it
 *   <div data-alert-map="json-id" data-src="…">   the alert (red) and units (blue) over the street layer
 */
(function () {
  "use strict";
  var Z = (window.Zhengyi = window.Zhengyi || {});
  var A = (Z.alerts = Z.alerts || {});

  function ready(fn) {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", fn);
    } else {
      fn();
    }
  }
  A.ready = ready;

  /** Fill the {name} slots of a translated pattern: word order, spacing and punctuation
   * (： or ": ") stay the translator's, never glued together here. */
  A.fmt = function (pattern, values) {
    return String(pattern || "").replace(/\{(\w+)\}/g, function (slot, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : slot;
    });
  };

  /** Words from a <template id=…> of <span data-k="key">text</span>. */
  A.words = function (id) {
    var out = {};
    var tpl = document.getElementById(id);
    if (!tpl) {
      return out;
    }
    var root = tpl.content || tpl;
    root.querySelectorAll("[data-k]").forEach(function (el) {
      out[el.getAttribute("data-k")] = el.textContent.trim();
    });
    return out;
  };

  /** m:ss under an hour, h:mm:ss from then on (the server's clock_text). */
  A.clockText = function (seconds) {
    var s = Math.max(0, Math.round(seconds));
    var pad = function (n) {
      return (n < 10 ? "0" : "") + n;
    };
    if (s < 3600) {
      return Math.floor(s / 60) + ":" + pad(s % 60);
    }
    return Math.floor(s / 3600) + ":" + pad(Math.floor((s % 3600) / 60)) + ":" + pad(s % 60);
  };

  /** Is a key pressed in ``el`` text being typed? A select counts for letters (its type-ahead). */
  A.isTyping = function (el, letters) {
    if (!el || !el.tagName) {
      return false;
    }
    var tag = el.tagName.toLowerCase();
    if (tag === "textarea" || (letters && tag === "select") || el.isContentEditable) {
      return true;
    }
    if (tag === "input") {
      var type = (el.getAttribute("type") || "text").toLowerCase();
      return ["button", "submit", "reset", "checkbox", "radio", "hidden"].indexOf(type) === -1;
    }
    return false;
  };

  // ---------- clocks ----------

  function startClocks() {
    var boxes = document.querySelectorAll("[data-clocks]");
    if (!boxes.length) {
      return;
    }
    var words = A.words("alerts-clock-i18n");
    var serverNow = Date.parse(boxes[0].getAttribute("data-now") || "");
    var offset = isNaN(serverNow) ? 0 : serverNow - Date.now();

    function tick() {
      var now = Date.now() + offset;
      boxes.forEach(function (box) {
        box.querySelectorAll("[data-elapsed]").forEach(function (el) {
          var from = Date.parse(el.getAttribute("data-from"));
          var to = el.hasAttribute("data-to") ? Date.parse(el.getAttribute("data-to")) : now;
          if (!isNaN(from)) {
            el.textContent = A.clockText((to - from) / 1000);
          }
        });
        box.querySelectorAll("[data-deadline]").forEach(function (el) {
          if (el.hasAttribute("data-none")) {
            return;
          }
          var due = Date.parse(el.getAttribute("data-due"));
          if (isNaN(due)) {
            return;
          }
          var state;
          var seconds;
          if (el.hasAttribute("data-done")) {
            var done = Date.parse(el.getAttribute("data-done"));
            state = done > due ? "late" : "met";
            seconds = Math.abs(done - due) / 1000;
          } else {
            state = now > due ? "overdue" : "pending";
            seconds = Math.abs(due - now) / 1000;
          }
          el.className = "deadline deadline-" + state;
          var text = el.querySelector("[data-deadline-text]") || el;
          text.textContent = (words[state] || "") + " " + A.clockText(seconds);
          if (state === "overdue") {
            var row = el.closest("[data-alert-row]");
            if (row) {
              row.classList.add("is-overdue");
            }
            var figure = el.closest(".figure");
            if (figure) {
              figure.classList.add("warn", "is-flagged");
            }
          }
        });
      });
    }
    tick();
    window.setInterval(tick, 1000);
  }

  // ---------- shortcut help and single-key shortcuts ----------

  var lastFocus = null;

  function togglePanel(id, show, fromKeyboard) {
    var panel = document.getElementById(id);
    if (!panel) {
      return;
    }
    var open = show === undefined ? panel.hidden : show;
    panel.hidden = !open;
    document.querySelectorAll('[data-help-toggle="' + id + '"][aria-expanded]').forEach(function (b) {
      b.setAttribute("aria-expanded", open ? "true" : "false");
    });
    if (open && fromKeyboard) {
      lastFocus = document.activeElement;
      panel.setAttribute("tabindex", "-1");
      panel.focus();
    } else if (!open && lastFocus && document.contains(lastFocus)) {
      lastFocus.focus();
      lastFocus = null;
    }
  }

  function openPanel() {
    var panels = Array.prototype.filter.call(document.querySelectorAll(".shortcut-help"), function (p) {
      return !p.hidden;
    });
    return panels[0] || null;
  }

  function startShortcuts() {
    document.querySelectorAll("[data-help-toggle]").forEach(function (button) {
      button.addEventListener("click", function () {
        togglePanel(button.getAttribute("data-help-toggle"));
      });
    });
    document.addEventListener("keydown", function (e) {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) {
        return;
      }
      if (e.key === "Escape") {
        var panel = openPanel();
        if (panel) {
          togglePanel(panel.id, false);
          e.preventDefault();
        }
        return;
      }
      if (A.isTyping(e.target, e.key !== "?")) {
        return;
      }
      if (e.key === "?") {
        var toggle = document.querySelector("[data-help-toggle]");
        if (toggle) {
          togglePanel(toggle.getAttribute("data-help-toggle"), undefined, true);
          e.preventDefault();
        }
        return;
      }
      if (e.key.length !== 1) {
        return;
      }
      var key = e.key.toLowerCase();
      var focusTarget = document.querySelector('[data-shortcut-focus="' + key + '"]');
      if (focusTarget) {
        e.preventDefault();
        focusTarget.scrollIntoView({ block: "center" });
        focusTarget.focus();
        return;
      }
      var link = document.querySelector('a[data-shortcut-link="' + key + '"]');
      if (link) {
        e.preventDefault();
        window.location.href = link.href;
      }
    });
  }

  // ---------- maps ----------

  A.loadJSON = function (url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) {
        throw new Error("HTTP " + r.status);
      }
      return r.json();
    });
  };

  /** One level of our own GeoJSON (no tiles), drawn quietly as context under the markers. */
  A.drawLevel = function (map, data) {
    var P = (Z.palette || {});
    var group = L.featureGroup();
    if (data.boundary) {
      L.geoJSON(data.boundary, {
        interactive: false,
        style: { color: P.boundary || "#b42318", weight: 2, dashArray: "6 4", fill: false },
      }).addTo(group);
    }
    L.geoJSON(data, {
      interactive: false,
      filter: function (f) {
        return f.geometry && f.properties && f.geometry.type !== "Point";
      },
      style: function (f) {
        var p = f.properties;
        if (p.layer === "zone") {
          return { color: (P.zone && P.zone[p.kind]) || "#999", weight: 1, fillOpacity: 0.08 };
        }
        if (p.layer === "building") {
          var c = Z.buildingColor ? Z.buildingColor(p) : "#7a8591";
          return { color: c, weight: 0.6, fillColor: c, fillOpacity: 0.55 };
        }
        if (p.layer === "area") {
          return { color: (P.area && P.area[p.level]) || "#999", weight: 1, fillOpacity: 0.3 };
        }
        if (p.layer === "network") {
          return { color: p.drive ? "#56616d" : "#9ba6b2", weight: p.drive ? 1.6 : 0.9, opacity: 0.8 };
        }
        return { color: "#666", weight: 1 };
      },
    }).addTo(group);
    group.addTo(map);
    return group;
  };

  A.baseMap = function (box, options) {
    var map = L.map(
      box,
      Object.assign(
        {
          attributionControl: false,
          scrollWheelZoom: false,
          keyboard: false,
          zoomSnap: 0.25,
        },
        options || {}
      )
    );
    map.setView([22.54, 114.06], 14);
    // The map is for the mouse or a finger; keyboard users type places instead.
    box.querySelectorAll("a, [tabindex]").forEach(function (el) {
      el.setAttribute("tabindex", "-1");
    });
    return map;
  };

  A.status = function (box, text, isError) {
    var el = box.querySelector(".map-status");
    if (!el) {
      el = document.createElement("div");
      el.className = "map-status";
      el.setAttribute("role", "status");
      box.appendChild(el);
    }
    el.textContent = text || "";
    el.hidden = !text;
    el.classList.toggle("error", !!isError);
  };

  function alertMap(box) {
    var info = Z.readJSON ? Z.readJSON(box.getAttribute("data-alert-map")) : null;
    if (!info || !info.alert || info.alert.lon === null) {
      return;
    }
    var map = A.baseMap(box);
    var here = [info.alert.lat, info.alert.lon];
    // Not animated: a zoom animation still running would undo the fitBounds below when it ends.
    map.setView(here, 17, { animate: false });
    var markers = L.featureGroup().addTo(map);
    L.circleMarker(here, { radius: 9, color: "#fff", weight: 2, fillColor: "#c8102e", fillOpacity: 1 })
      .bindTooltip(info.alert.label)
      .addTo(markers);
    (info.units || []).forEach(function (u) {
      L.circleMarker([u.lat, u.lon], {
        radius: 7,
        color: "#fff",
        weight: 2,
        fillColor: u.kind === "assigned" ? "#143763" : "#2b8cbe",
        fillOpacity: 1,
      })
        .bindTooltip(u.name)
        .addTo(markers);
    });
    if (markers.getLayers().length > 1) {
      map.fitBounds(markers.getBounds(), { padding: [32, 32], maxZoom: 17, animate: false });
    }
    A.loadJSON(box.getAttribute("data-src"))
      .then(function (data) {
        A.drawLevel(map, data);
        markers.bringToFront();
        box.setAttribute("data-loaded", "true");
      })
      .catch(function () {
        box.setAttribute("data-loaded", "error");
      });
  }

  ready(function () {
    startClocks();
    startShortcuts();
    if (window.L) {
      document.querySelectorAll("[data-alert-map]").forEach(alertMap);
    }
  });
})();
