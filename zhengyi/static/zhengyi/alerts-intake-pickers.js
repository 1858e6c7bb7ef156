/* 接警 intake: what and where. The category is matched in the page against the whole list the
 * server sent (name, code or pinyin initials: "dq" → 盗窃), so no request per keystroke; the place
 * is looked up on the server as it is typed, or set by a click on the map.
 *
 * Loaded after alerts-intake-combo.js and before alerts-intake.js, which calls these once the
 * page is ready, in the order the fields come.
 */
(function () {
  "use strict";
  var Z = (window.Zhengyi = window.Zhengyi || {});
  var A = Z.alerts;
  var I = (Z.intake = Z.intake || {});
  var Combobox = I.Combobox;

  // page: {form, words, el} from alerts-intake.js. Returns the combobox, which Ctrl+Enter closes.
  I.categoryPicker = function (page) {
    var words = page.words;
    var el = page.el;
    var options = Z.readJSON("category-options") || [];

    var categoryInput = el("category_query");
    var kind = el("kind");
    var priorityHint = document.getElementById("priority-default");
    var priorityHintDefault = priorityHint ? priorityHint.textContent : "";
    var categoryPicked = document.getElementById("category-picked");
    var categoryHelpDefault = categoryPicked ? categoryPicked.textContent : "";
    var kindTouched = !!kind.value;
    kind.addEventListener("change", function () {
      kindTouched = true;
    });

    function optionText(o) {
      return o.parent ? o.parent + " › " + o.label : o.label;
    }

    function score(o, q) {
      var label = o.label.toLowerCase();
      var code = (o.s || o.c).toLowerCase();
      var py = (o.py || "").toLowerCase();
      if (label === q || py === q || code === q) {
        return o.s ? 0 : 1;
      }
      if (py && py.indexOf(q) === 0) {
        return 2;
      }
      if (label.indexOf(q) === 0) {
        return 3;
      }
      if (code.indexOf(q) === 0) {
        return 4;
      }
      if (label.indexOf(q) >= 0) {
        return 5;
      }
      if (o.parent && o.parent.toLowerCase().indexOf(q) >= 0) {
        return 6;
      }
      return -1;
    }

    function describe(o) {
      if (!o.prio_label) {
        return "";
      }
      return o.prio + " · " + o.prio_label;
    }

    function showCategory(o) {
      if (categoryPicked) {
        var choice = o.py ? A.fmt(words.with_note, { text: optionText(o), note: o.py }) : optionText(o);
        categoryPicked.textContent = A.fmt(words.picked, { choice: choice });
        categoryPicked.classList.add("picked");
      }
      if (priorityHint && o.prio_label) {
        priorityHint.textContent = A.fmt(words.prio_hint, {
          priority: o.prio + " · " + o.prio_label,
          minutes: o.arrival,
        });
      }
    }

    var category = new Combobox(categoryInput, document.getElementById("category-listbox"), {
      words: words,
      source: function (query, done) {
        var q = query.toLowerCase();
        if (!q) {
          done(options.filter(function (o) {
            return !o.s;
          }));
          return;
        }
        var scored = [];
        options.forEach(function (o, i) {
          var s = score(o, q);
          if (s >= 0) {
            scored.push([s, i, o]);
          }
        });
        scored.sort(function (a, b) {
          return a[0] - b[0] || a[1] - b[1];
        });
        done(
          scored.slice(0, 12).map(function (t) {
            return t[2];
          })
        );
      },
      render: function (o) {
        return { main: o.label, parent: o.parent, meta: [o.py, describe(o)].filter(Boolean).join(" · ") };
      },
      text: optionText,
      onPick: function (o) {
        el("category").value = o.c;
        el("subcategory").value = o.s || "";
        if (!kindTouched) {
          kind.value = o.kind;
        }
        showCategory(o);
      },
      onClear: function () {
        el("category").value = "";
        el("subcategory").value = "";
        if (categoryPicked) {
          categoryPicked.textContent = categoryHelpDefault;
          categoryPicked.classList.remove("picked");
        }
        if (priorityHint) {
          priorityHint.textContent = priorityHintDefault;
        }
      },
    });
    // Back from the server with an error: the pick is still there.
    if (el("category").value) {
      var again = options.filter(function (o) {
        return o.c === el("category").value && (o.s || "") === (el("subcategory").value || "");
      })[0];
      if (again) {
        category.picked = { item: again, text: categoryInput.value };
        showCategory(again);
      }
    }
    return category;
  };

  // The place and the map in one: a pick moves the marker, a click on the map replaces the pick.
  I.placePicker = function (page) {
    var form = page.form;
    var words = page.words;
    var el = page.el;

    var placeInput = el("place_query");
    var placePicked = document.getElementById("place-picked");
    var placeHelpDefault = placePicked ? placePicked.textContent : "";
    var level = el("level");
    var url = form.getAttribute("data-places-url");
    var timer = null;
    var controller = null;

    function setPlaceStatus(text, picked) {
      if (placePicked) {
        placePicked.textContent = text || placeHelpDefault;
        placePicked.classList.toggle("picked", !!picked);
      }
    }

    var place = new Combobox(placeInput, document.getElementById("place-listbox"), {
      words: words,
      source: function (query, done) {
        window.clearTimeout(timer);
        if (!query) {
          done([]);
          return;
        }
        timer = window.setTimeout(function () {
          if (controller) {
            controller.abort();
          }
          controller = window.AbortController ? new AbortController() : null;
          fetch(url + "?q=" + encodeURIComponent(query), {
            credentials: "same-origin",
            headers: { Accept: "application/json" },
            signal: controller ? controller.signal : undefined,
          })
            .then(function (r) {
              if (!r.ok) {
                throw new Error("HTTP " + r.status);
              }
              return r.json();
            })
            .then(function (data) {
              done(data.results || []);
            })
            .catch(function (err) {
              if (err && err.name === "AbortError") {
                return;
              }
              setPlaceStatus(words.search_error, false);
            });
        }, 120);
      },
      render: function (p) {
        var kindWord = p.type === "building" ? words.building : words.landmark;
        return { main: p.name, parent: "", meta: [kindWord, p.zone || p.hint].filter(Boolean).join(" · ") };
      },
      text: function (p) {
        return p.name;
      },
      onPick: function (p) {
        el("building_id").value = p.type === "building" ? p.id : "";
        el("landmark_id").value = p.type === "landmark" ? p.id : "";
        el("lon").value = "";
        el("lat").value = "";
        if (p.type === "landmark" && p.level) {
          level.value = p.level;
          level.dispatchEvent(new Event("change"));
        }
        var kindWord = p.type === "building" ? words.building : words.landmark;
        setPlaceStatus(A.fmt(words.picked, { choice: kindWord + " · " + p.name + (p.hint ? " · " + p.hint : "") }), true);
        mark(p.lat, p.lon, true);
      },
      onClear: function () {
        el("building_id").value = "";
        el("landmark_id").value = "";
        if (!el("lon").value) {
          setPlaceStatus("", false);
          unmark();
        }
      },
    });
    if (el("building_id").value || el("landmark_id").value) {
      place.picked = { item: null, text: placeInput.value };
    }

    // ----- map -----
    var box = document.getElementById("intake-map");
    var map = null;
    var marker = null;
    var layers = {};
    var shown = null;

    function mark(lat, lon, fly) {
      if (!map || lat === undefined || lat === null) {
        return;
      }
      if (!marker) {
        marker = L.circleMarker([lat, lon], {
          radius: 9,
          color: "#fff",
          weight: 2,
          fillColor: "#c8102e",
          fillOpacity: 1,
        }).addTo(map);
      } else {
        marker.setLatLng([lat, lon]);
      }
      if (fly) {
        map.setView([lat, lon], Math.max(map.getZoom(), 16), { animate: false });
      }
    }
    function unmark() {
      if (marker) {
        marker.remove();
        marker = null;
      }
    }

    function showLevel(code) {
      if (!map) {
        return;
      }
      if (shown && layers[shown] && layers[shown].remove) {
        layers[shown].remove();
      }
      shown = code;
      if (layers[code] && layers[code].addTo) {
        layers[code].addTo(map);
        if (marker) {
          marker.bringToFront();
        }
        return;
      }
      var src = box.getAttribute("data-src-" + code);
      if (!src) {
        return;
      }
      layers[code] = "loading";
      A.status(box, words.map_loading);
      A.loadJSON(src)
        .then(function (data) {
          var group = A.drawLevel(map, data);
          layers[code] = group;
          if (shown !== code) {
            group.remove();
          } else if (!marker && !box.hasAttribute("data-fitted") && group.getLayers().length) {
            map.fitBounds(group.getBounds(), { padding: [8, 8], animate: false });
            box.setAttribute("data-fitted", "true");
          }
          if (marker) {
            marker.bringToFront();
          }
          A.status(box, "");
          box.setAttribute("data-loaded", code);
        })
        .catch(function () {
          delete layers[code];
          A.status(box, words.map_error, true);
        });
    }

    if (box && window.L) {
      map = A.baseMap(box, { doubleClickZoom: false });
      map.on("click", function (e) {
        var lat = Math.round(e.latlng.lat * 1e6) / 1e6;
        var lon = Math.round(e.latlng.lng * 1e6) / 1e6;
        el("lon").value = lon;
        el("lat").value = lat;
        el("building_id").value = "";
        el("landmark_id").value = "";
        place.picked = null;
        mark(lat, lon, false);
        var levelWord = words["level." + level.value] || level.value;
        var point = A.fmt(words.with_note, { text: lon.toFixed(5) + ", " + lat.toFixed(5), note: levelWord });
        setPlaceStatus(A.fmt(words.map_point, { point: point }), true);
      });
      showLevel(level.value || "street");
      if (el("lon").value && el("lat").value) {
        mark(parseFloat(el("lat").value), parseFloat(el("lon").value), true);
        setPlaceStatus(
          A.fmt(words.map_point, {
            point: parseFloat(el("lon").value).toFixed(5) + ", " + parseFloat(el("lat").value).toFixed(5),
          }),
          true
        );
      }
    }
    level.addEventListener("change", function () {
      showLevel(level.value);
    });
    return place;
  };
})();
