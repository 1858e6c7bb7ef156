/* The precinct map: three levels (地下 / 地面 / 连廊) drawn from our own GeoJSON, no tiles.
 *
 * Each level is fetched once, when first shown, from the URL on its button (data-url), and
 * kept as its own layer group; switching levels swaps the groups. When a level is on the
 * map, #map gets data-loaded-level and <body> data-map-level (tests and scripts wait on it).
 * Labels, legend, feature styles and popups come from map-style.js, loaded just before this.
 */
(function () {
  "use strict";

  var Z = window.Zhengyi || {};
  var P = Z.palette;
  var M = Z.map;
  var fmt = M && M.fmt;
  var CHUNK = 400; // features drawn per animation frame, so a big level never freezes the page

  function ready(fn) {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", fn);
    } else {
      fn();
    }
  }

  ready(function () {
    var mapEl = document.getElementById("map");
    if (!mapEl || !window.L || !P || !M) {
      return;
    }
    var t = M.paintLegend(M.readLabels());
    var statusEl = document.getElementById("map-status");
    var statusText = statusEl.querySelector(".map-status-text");
    var statusBar = statusEl.querySelector("progress");
    var retryBtn = statusEl.querySelector("[data-retry]");
    var buttons = Array.prototype.slice.call(document.querySelectorAll(".level-switch [data-level]"));
    var levels = {};
    buttons.forEach(function (b) {
      levels[b.getAttribute("data-level")] = { url: b.getAttribute("data-url"), button: b };
    });

    var map = L.map(mapEl, {
      attributionControl: false,
      zoomSnap: 0.25,
      zoomDelta: 0.5,
      minZoom: 11,
      maxZoom: 20,
      preferCanvas: false,
    });
    map.setView([22.538, 114.058], 15);
    L.control.scale({ imperial: false, position: "bottomleft" }).addTo(map);

    var panes = { boundary: 350, zones: 360, areas: 370, network: 390, buildings: 410, landmarks: 450 };
    Object.keys(panes).forEach(function (name) {
      map.createPane(name).style.zIndex = String(panes[name]);
    });
    map.getPane("boundary").style.pointerEvents = "none";

    function onZoom() {
      mapEl.classList.toggle("zoom-low", map.getZoom() < 15.5);
    }
    map.on("zoomend", onZoom);

    // ---------- status line: loading progress and errors ----------

    function setStatus(text, opts) {
      opts = opts || {};
      statusEl.hidden = !text;
      statusText.textContent = text || "";
      statusEl.classList.toggle("error", !!opts.error);
      retryBtn.hidden = !opts.retry;
      if (opts.progress === undefined) {
        statusBar.hidden = true;
      } else {
        statusBar.hidden = false;
        if (opts.progress === null) {
          statusBar.removeAttribute("value"); // indeterminate
        } else {
          statusBar.value = Math.round(opts.progress * 100);
        }
      }
    }

    // ---------- one level: fetch with progress, then draw in chunks ----------

    function fetchJSON(url, onProgress) {
      return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
        if (!r.ok) {
          return r
            .json()
            .catch(function () {
              return {};
            })
            .then(function (body) {
              throw new Error(body.error || body.detail || "HTTP " + r.status);
            });
        }
        // A compressed response's Content-Length counts compressed bytes, but the stream
        // yields decompressed ones: then the size is unknown and the bar is indeterminate.
        var total = r.headers.get("Content-Encoding") ? 0 : parseInt(r.headers.get("Content-Length") || "0", 10);
        if (!r.body || !r.body.getReader || !window.TextDecoder) {
          return r.json();
        }
        var reader = r.body.getReader();
        var decoder = new TextDecoder("utf-8");
        var received = 0;
        var text = "";
        function pump() {
          return reader.read().then(function (chunk) {
            if (chunk.done) {
              text += decoder.decode();
              return JSON.parse(text);
            }
            received += chunk.value.length;
            text += decoder.decode(chunk.value, { stream: true });
            onProgress(total ? Math.min(1, received / total) : null, received);
            return pump();
          });
        }
        return pump();
      });
    }

    var boundaryDrawn = false;
    var fitted = false;
    var buildingIndex = []; // {name, layer} of the street level, for the search box

    function drawBoundary(geometry) {
      if (boundaryDrawn || !geometry) {
        return;
      }
      boundaryDrawn = true;
      var layer = L.geoJSON(geometry, {
        pane: "boundary",
        interactive: false,
        style: { color: P.boundary, weight: 2.5, dashArray: "8 5", fill: false },
      }).addTo(map);
      map.fitBounds(layer.getBounds(), { padding: [16, 16], animate: false });
      fitted = true;
    }

    function makeLayers(level) {
      var group = L.featureGroup();
      var parts = {
        zone: L.geoJSON(null, {
          pane: "zones",
          className: "zy-zone",
          style: M.zoneStyle,
          onEachFeature: function (f, layer) {
            var p = f.properties;
            layer.bindTooltip(p.name + " · " + t("zone." + p.kind, p.kind), { sticky: true, direction: "top" });
          },
        }),
        area: L.geoJSON(null, {
          pane: "areas",
          className: "zy-area",
          style: M.areaStyle,
          onEachFeature: function (f, layer) {
            layer.bindTooltip(f.properties.name, { sticky: true, direction: "top" });
          },
        }),
        network: L.geoJSON(null, {
          pane: "network",
          className: "zy-network",
          style: M.networkStyle(level),
          onEachFeature: function (f, layer) {
            var p = f.properties;
            if (p.name) {
              layer.bindTooltip(p.name + (p.drive ? " · " + t("drive") : ""), { sticky: true });
            }
          },
        }),
        building: L.geoJSON(null, {
          pane: "buildings",
          className: "zy-building",
          style: M.buildingStyle,
          interactive: true,
          onEachFeature: function (f, layer) {
            var p = f.properties;
            layer.bindPopup(function () {
              return M.buildingPopup(p, t);
            });
            layer.bindTooltip(p.name, { sticky: true, direction: "top", opacity: 0.9 });
            layer.on("add", function () {
              var path = layer.getElement && layer.getElement();
              if (path && p.code) {
                path.setAttribute("data-building", p.code);
              }
            });
            buildingIndex.push({ name: p.name, code: p.code, layer: layer });
          },
        }),
        landmark: L.geoJSON(null, {
          pointToLayer: function (f, latlng) {
            var p = f.properties;
            var c = P.landmark[p.kind] || P.landmark.other;
            var major = p.kind !== "metro_exit";
            return L.circleMarker(latlng, {
              pane: "landmarks",
              className: "zy-landmark",
              radius: major ? 7 : 5,
              color: "#fff",
              weight: 1.5,
              fillColor: c,
              fillOpacity: 1,
            });
          },
          onEachFeature: function (f, layer) {
            var p = f.properties;
            layer.bindPopup(function () {
              return M.landmarkPopup(p, t);
            });
            layer.bindTooltip(p.name, {
              permanent: true,
              direction: "right",
              offset: [6, 0],
              className: p.kind === "metro_exit" ? "zy-label zy-label-minor" : "zy-label",
            });
          },
        }),
      };
      Object.keys(parts).forEach(function (k) {
        parts[k].addTo(group);
      });
      return { group: group, parts: parts };
    }

    function draw(level, data) {
      var features = (data.features || []).filter(function (f) {
        return f && f.geometry && f.properties;
      });
      var built = makeLayers(level);
      var total = features.length;
      built.group.legendKeys = {};
      features.forEach(function (f) {
        built.group.legendKeys[M.legendKey(f, level)] = true;
      });
      return new Promise(function (resolve) {
        var i = 0;
        function step() {
          var end = Math.min(total, i + CHUNK);
          for (; i < end; i++) {
            var part = built.parts[features[i].properties.layer];
            if (part) {
              part.addData(features[i]);
            }
          }
          if (i < total) {
            setStatus(fmt(t("drawing"), { layer: t("level." + level, level) }) + " " + i + " / " + total, { progress: i / total });
            window.requestAnimationFrame(step);
          } else {
            resolve(built.group);
          }
        }
        step();
      });
    }

    var cache = {}; // level → Promise<FeatureGroup>
    var shown = null; // {level, group}
    var wanted = null;

    function load(level) {
      if (!cache[level]) {
        var label = t("level." + level, level);
        setStatus(fmt(t("loading"), { layer: label }), { progress: null });
        cache[level] = fetchJSON(levels[level].url, function (fraction, received) {
          if (wanted === level) {
            setStatus(fmt(t("loading"), { layer: label }) + " · " + Math.round(received / 1024) + " KB", { progress: fraction });
          }
        })
          .then(function (data) {
            drawBoundary(data.boundary);
            return draw(level, data);
          })
          .catch(function (err) {
            delete cache[level];
            throw err;
          });
      }
      return cache[level];
    }

    function setPressed(level) {
      buttons.forEach(function (b) {
        b.setAttribute("aria-pressed", b.getAttribute("data-level") === level ? "true" : "false");
      });
    }

    function rememberLevel(level) {
      if (!window.history || !window.history.replaceState) {
        return;
      }
      var url = new URL(window.location.href);
      url.searchParams.set("level", level);
      window.history.replaceState(null, "", url.toString());
    }

    function showLevel(level) {
      if (!levels[level]) {
        return Promise.resolve(null);
      }
      wanted = level;
      setPressed(level);
      if (shown && shown.level === level) {
        return Promise.resolve(shown.group);
      }
      mapEl.removeAttribute("data-loaded-level");
      return load(level).then(
        function (group) {
          if (wanted !== level) {
            return group; // the user moved on while this level was loading
          }
          if (shown) {
            map.removeLayer(shown.group);
          }
          group.addTo(map);
          shown = { level: level, group: group };
          M.showLegendFor(group.legendKeys || {});
          if (!fitted && group.getLayers().length) {
            var bounds = group.getBounds();
            if (bounds.isValid()) {
              map.fitBounds(bounds, { padding: [16, 16], animate: false });
              fitted = true;
            }
          }
          var count = 0;
          group.eachLayer(function (part) {
            count += part.getLayers ? part.getLayers().length : 1;
          });
          setStatus(count ? "" : t("empty"));
          mapEl.setAttribute("data-loaded-level", level);
          document.body.dataset.mapLevel = level;
          rememberLevel(level);
          if (level === "street") {
            fillDatalist();
          }
          return group;
        },
        function (err) {
          if (wanted === level) {
            setStatus(fmt(t("error"), { layer: t("level." + level, level), error: err.message }), { error: true, retry: true });
          }
          return null;
        }
      );
    }

    buttons.forEach(function (b) {
      b.addEventListener("click", function () {
        showLevel(b.getAttribute("data-level"));
      });
    });
    retryBtn.addEventListener("click", function () {
      if (wanted) {
        showLevel(wanted);
      }
    });

    // ---------- building search: type a name, Enter → zoom to it and open its popup ----------

    var searchForm = document.getElementById("building-search");
    var searchInput = document.getElementById("building-search-input");
    var searchMsg = document.getElementById("building-search-msg");
    var datalist = document.getElementById("building-names");
    var datalistFilled = false;

    function fillDatalist() {
      if (datalistFilled || !datalist) {
        return;
      }
      datalistFilled = true;
      var names = {};
      buildingIndex.forEach(function (b) {
        names[b.name] = true;
      });
      var frag = document.createDocumentFragment();
      Object.keys(names)
        .sort()
        .forEach(function (name) {
          var option = document.createElement("option");
          option.value = name;
          frag.appendChild(option);
        });
      datalist.appendChild(frag);
    }

    function findBuildings(query) {
      var q = query.trim().toLowerCase();
      if (!q) {
        return [];
      }
      var exact = buildingIndex.filter(function (b) {
        return b.name.toLowerCase() === q || (b.code && b.code.toLowerCase() === q);
      });
      if (exact.length) {
        return exact;
      }
      return buildingIndex.filter(function (b) {
        return b.name.toLowerCase().indexOf(q) >= 0;
      });
    }

    function focusBuilding(hit, focusLink) {
      var bounds = hit.layer.getBounds();
      map.fitBounds(bounds, { maxZoom: 18, padding: [40, 40], animate: false });
      hit.layer.openPopup(bounds.getCenter());
      var link = hit.layer.getPopup() && hit.layer.getPopup().getElement();
      link = link && link.querySelector("a.zy-popup-link");
      if (link && focusLink) {
        link.focus({ preventScroll: true });
      }
    }

    function say(text, isError) {
      searchMsg.textContent = text;
      searchMsg.classList.toggle("error", !!isError);
    }

    function runSearch(query, focusLink) {
      say("");
      return showLevel("street").then(function (group) {
        if (!group) {
          say(t("waiting"), true);
          return;
        }
        var hits = findBuildings(query);
        if (!hits.length) {
          say(fmt(t("notfound"), { query: query.trim() }), true);
          return;
        }
        focusBuilding(hits[0], focusLink);
        say(hits.length > 1 ? fmt(t("found_more"), { name: hits[0].name, n: hits.length }) : fmt(t("found"), { name: hits[0].name }));
      });
    }

    if (searchForm) {
      searchForm.addEventListener("submit", function (event) {
        event.preventDefault();
        if (!searchInput.value.trim()) {
          searchInput.focus();
          return;
        }
        runSearch(searchInput.value, true);
      });
    }

    // ---------- start ----------

    var initial = mapEl.getAttribute("data-initial");
    if (!levels[initial]) {
      initial = levels.street ? "street" : Object.keys(levels)[0];
    }
    onZoom();
    showLevel(initial);
    // ?q=… (from a building page's "在地图上查看"): find that building once the street level is in.
    var linked = new URL(window.location.href).searchParams.get("q");
    if (linked && searchInput) {
      searchInput.value = linked;
      runSearch(linked, false);
    }
  });
})();
