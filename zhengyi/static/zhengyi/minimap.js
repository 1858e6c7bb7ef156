/* Small, static Leaflet maps: the home page overview and the footprint of one building or zone.
 *
 * <div data-minimap data-src="…/map/street.geojson?station=FT" data-href="/precinct/map/">
 *   draws a whole level fetched from the server (no tiles: our own GeoJSON only);
 * <div data-minimap data-geometry="footprint" data-context-src="…">
 *   draws the geometry held by the json_script tag with that id, over the level for context.
 */
(function () {
  "use strict";
  var Z = window.Zhengyi || {};
  var P = Z.palette;

  function status(box, text, isError) {
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
  }

  function staticMap(box, interactive) {
    var map = L.map(box, {
      zoomControl: !!interactive,
      attributionControl: false,
      dragging: !!interactive,
      scrollWheelZoom: false,
      doubleClickZoom: !!interactive,
      boxZoom: false,
      keyboard: !!interactive,
      touchZoom: !!interactive,
      zoomSnap: 0.25,
    });
    map.setView([22.54, 114.06], 14);
    return map;
  }

  function drawLevel(map, data, faded) {
    var group = L.featureGroup();
    if (data.boundary) {
      L.geoJSON(data.boundary, {
        interactive: false,
        style: { color: P.boundary, weight: 2, dashArray: "6 4", fill: false },
      }).addTo(group);
    }
    L.geoJSON(data, {
      interactive: false,
      filter: function (f) {
        return f.geometry && f.properties && f.properties.layer !== "landmark";
      },
      style: function (f) {
        var p = f.properties;
        if (p.layer === "zone") {
          return { color: P.zone[p.kind] || P.zone.other, weight: 1, fillOpacity: faded ? 0.04 : 0.1 };
        }
        if (p.layer === "building") {
          var c = faded ? "#b8c0c8" : Z.buildingColor(p);
          return { color: c, weight: 0.6, fillColor: c, fillOpacity: faded ? 0.5 : 0.8 };
        }
        if (p.layer === "area") {
          return { color: P.area[p.level] || P.area.street, weight: 1, fillOpacity: 0.3 };
        }
        if (p.layer === "network") {
          return { color: p.drive ? P.network.drive : P.network.walk, weight: p.drive ? 1.4 : 0.7, opacity: 0.8 };
        }
        return { color: "#666", weight: 1 };
      },
    }).addTo(group);
    group.addTo(map);
    return group;
  }

  function load(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) {
        throw new Error("HTTP " + r.status);
      }
      return r.json();
    });
  }

  function init(box) {
    var src = box.getAttribute("data-src");
    var geometryId = box.getAttribute("data-geometry");
    var contextSrc = box.getAttribute("data-context-src");
    var href = box.getAttribute("data-href");
    var map = staticMap(box, !!geometryId);
    if (href) {
      box.style.cursor = "pointer";
      map.on("click", function () {
        window.location.href = href;
      });
    }
    var focus = null;
    if (geometryId) {
      var geometry = Z.readJSON(geometryId);
      if (geometry) {
        focus = L.geoJSON(geometry, {
          interactive: false,
          style: { color: P.boundary, weight: 2.5, fillColor: "#f5a623", fillOpacity: 0.55 },
        });
        focus.addTo(map);
        map.fitBounds(focus.getBounds(), { padding: [30, 30], maxZoom: 18, animate: false });
      }
    }
    var url = src || contextSrc;
    if (!url) {
      return;
    }
    status(box, box.getAttribute("data-loading"));
    load(url)
      .then(function (data) {
        var group = drawLevel(map, data, !!focus);
        if (focus) {
          focus.bringToFront();
        } else if (group.getLayers().length) {
          map.fitBounds(group.getBounds(), { padding: [8, 8], animate: false });
        }
        status(box, "");
        box.setAttribute("data-loaded", "true");
      })
      .catch(function () {
        status(box, box.getAttribute("data-error"), true);
      });
  }

  function start() {
    if (!window.L) {
      return;
    }
    document.querySelectorAll("[data-minimap]").forEach(init);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
