/* 接警 intake: keyboard-first. Type a category ("dq" → 盗窃) or a place, pick with ↑ ↓ Enter,
 * Enter moves to the next field, Ctrl+Enter submits from anywhere. The phone number is checked
 * as it is typed with the server's rule; the server checks again and has the last word.
 */
(function () {
  "use strict";
  var Z = window.Zhengyi || {};
  var A = Z.alerts;

  // The server's rule (core.identifiers.validate_mobile): strip spaces and hyphens, then an
  // optional +86 / 0086 / 86 (when 13 digits) prefix; what is left is ^1[3-9]\d{9}$.
  function normalPhone(value) {
    var v = value.replace(/[\s\-]+/g, "");
    if (v.indexOf("+86") === 0) {
      v = v.slice(3);
    } else if (v.indexOf("0086") === 0) {
      v = v.slice(4);
    } else if (v.indexOf("86") === 0 && v.length === 13) {
      v = v.slice(2);
    }
    return v;
  }
  function phoneOk(value) {
    return /^1[3-9]\d{9}$/.test(normalPhone(value));
  }

  var seq = 0;

  /**
   * A combobox on a text input: options from ``source(query, done)``, each rendered as
   * {main, parent, meta}; ↑ ↓ move, Enter or Tab picks, Esc closes.
   */
  function Combobox(input, listbox, opts) {
    var self = this;
    this.input = input;
    this.listbox = listbox;
    this.items = [];
    this.active = -1;
    this.opts = opts;
    this.picked = null;
    this.prefix = "opt" + ++seq + "-";

    input.addEventListener("input", function () {
      if (self.picked && input.value !== self.picked.text) {
        self.picked = null;
        opts.onClear();
      }
      self.refresh(false);
    });
    input.addEventListener("keydown", function (e) {
      if (e.ctrlKey || e.metaKey || e.altKey) {
        return;
      }
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        if (self.listbox.hidden) {
          self.refresh(true);
          return;
        }
        self.move(e.key === "ArrowDown" ? 1 : -1);
      } else if (e.key === "Enter") {
        if (!self.listbox.hidden && self.active >= 0) {
          e.preventDefault();
          e.stopPropagation();
          self.pick(self.active, true);
        }
      } else if (e.key === "Tab") {
        if (!self.listbox.hidden && self.active >= 0 && !e.shiftKey) {
          self.pick(self.active, false);
        } else {
          self.close();
        }
      } else if (e.key === "Escape") {
        if (!self.listbox.hidden) {
          e.preventDefault();
          e.stopPropagation();
          self.close();
        }
      }
    });
    input.addEventListener("blur", function () {
      window.setTimeout(function () {
        self.close();
      }, 150);
    });
    listbox.addEventListener("mousedown", function (e) {
      e.preventDefault(); // keep the focus in the input
      var li = e.target.closest("li[data-index]");
      if (li) {
        self.pick(parseInt(li.getAttribute("data-index"), 10), true);
      }
    });
  }

  Combobox.prototype.refresh = function (showAll) {
    var self = this;
    var query = this.input.value.trim();
    if (!query && !showAll) {
      this.close();
      return;
    }
    var token = (this.token = {});
    this.opts.source(query, function (items) {
      if (token !== self.token) {
        return; // a newer query has been typed
      }
      self.show(items, query);
    });
  };

  Combobox.prototype.show = function (items, query) {
    var self = this;
    this.items = items;
    this.listbox.textContent = "";
    if (!items.length) {
      if (!query) {
        this.close();
        return;
      }
      var none = document.createElement("li");
      none.className = "combo-empty";
      none.textContent = this.opts.words.no_match || "";
      this.listbox.appendChild(none);
    }
    items.forEach(function (item, i) {
      var view = self.opts.render(item);
      var li = document.createElement("li");
      li.id = self.prefix + i;
      li.setAttribute("role", "option");
      li.setAttribute("data-index", String(i));
      li.setAttribute("aria-selected", "false");
      var main = document.createElement("span");
      main.className = "combo-main";
      if (view.parent) {
        var parent = document.createElement("span");
        parent.className = "combo-parent";
        parent.textContent = view.parent + " › ";
        main.appendChild(parent);
      }
      main.appendChild(document.createTextNode(view.main));
      li.appendChild(main);
      if (view.meta) {
        var meta = document.createElement("span");
        meta.className = "combo-meta";
        meta.textContent = view.meta;
        li.appendChild(meta);
      }
      self.listbox.appendChild(li);
    });
    this.listbox.hidden = false;
    this.input.setAttribute("aria-expanded", "true");
    this.setActive(items.length ? 0 : -1);
  };

  Combobox.prototype.setActive = function (i) {
    var lis = this.listbox.querySelectorAll("li[data-index]");
    lis.forEach(function (li) {
      li.setAttribute("aria-selected", "false");
    });
    this.active = i;
    if (i >= 0 && lis[i]) {
      lis[i].setAttribute("aria-selected", "true");
      this.input.setAttribute("aria-activedescendant", lis[i].id);
      lis[i].scrollIntoView({ block: "nearest" });
    } else {
      this.input.removeAttribute("aria-activedescendant");
    }
  };

  Combobox.prototype.move = function (delta) {
    if (!this.items.length) {
      return;
    }
    var n = this.items.length;
    this.setActive((this.active + delta + n) % n);
  };

  Combobox.prototype.close = function () {
    this.listbox.hidden = true;
    this.input.setAttribute("aria-expanded", "false");
    this.input.removeAttribute("aria-activedescendant");
    this.active = -1;
  };

  Combobox.prototype.pick = function (i, advance) {
    var item = this.items[i];
    if (!item) {
      return;
    }
    var text = this.opts.text(item);
    this.input.value = text;
    this.picked = { item: item, text: text };
    this.close();
    this.opts.onPick(item);
    if (advance) {
      focusNext(this.input);
    }
  };

  // ---------- field order ----------

  function fields(form) {
    return Array.prototype.filter.call(
      form.querySelectorAll("input, select, textarea, button"),
      function (el) {
        return el.type !== "hidden" && !el.disabled && el.tabIndex >= 0 && el.offsetParent !== null;
      }
    );
  }

  function focusNext(el) {
    var list = fields(el.form);
    var i = list.indexOf(el);
    if (i >= 0 && i + 1 < list.length) {
      list[i + 1].focus();
    }
  }

  // ---------- the page ----------

  A.ready(function () {
    var form = document.getElementById("intake-form");
    if (!form) {
      return;
    }
    var words = A.words("alerts-i18n");
    var el = function (name) {
      return form.elements.namedItem(name);
    };
    var options = Z.readJSON("category-options") || [];

    // ----- category -----
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

    // ----- place -----
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

    // ----- phone -----
    var phone = el("caller_phone");
    var phoneCheck = document.getElementById("phone-check");
    var phoneHelp = phoneCheck ? phoneCheck.textContent : "";
    var phoneBlurred = false;
    function checkPhone(final) {
      var v = phone.value.trim();
      var field = phone.closest(".field");
      if (!v) {
        phoneCheck.textContent = phoneHelp;
        phoneCheck.className = "help phone-check";
        phone.removeAttribute("aria-invalid");
        return true;
      }
      var ok = phoneOk(v);
      if (ok) {
        phoneCheck.textContent = words.phone_ok || "";
        phoneCheck.className = "help phone-check ok";
        phone.removeAttribute("aria-invalid");
        if (field) {
          field.classList.remove("has-error");
        }
      } else if (final || phoneBlurred || normalPhone(v).length >= 11) {
        phoneCheck.textContent = words.phone_bad || "";
        phoneCheck.className = "help phone-check bad";
        phone.setAttribute("aria-invalid", "true");
      }
      return ok;
    }
    phone.setAttribute("aria-describedby", "phone-check");
    phone.addEventListener("input", function () {
      checkPhone(false);
    });
    phone.addEventListener("blur", function () {
      phoneBlurred = true;
      checkPhone(true);
    });

    // ----- keyboard: Enter → next field, Ctrl+Enter → submit -----
    form.addEventListener("keydown", function (e) {
      if (e.key !== "Enter" || e.ctrlKey || e.metaKey || e.defaultPrevented) {
        return;
      }
      var t = e.target;
      if (t.tagName === "INPUT" && ["submit", "button"].indexOf(t.type) === -1) {
        e.preventDefault();
        focusNext(t);
      }
    });
    document.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        category.close();
        place.close();
        if (typeof form.requestSubmit === "function") {
          form.requestSubmit();
        } else if (form.dispatchEvent(new Event("submit", { cancelable: true }))) {
          form.submit();
        }
      }
    });

    var submitting = false;
    form.addEventListener("submit", function (e) {
      if (submitting) {
        e.preventDefault();
        return;
      }
      if (!checkPhone(true)) {
        e.preventDefault();
        phone.focus();
        return;
      }
      submitting = true;
      var button = document.getElementById("intake-submit");
      if (button) {
        button.disabled = true;
        button.textContent = words.submitting || button.textContent;
      }
    });

    // Back from the server with errors: start at the first one.
    var firstError = form.querySelector(".has-error input:not([type=hidden]), .has-error select, .has-error textarea");
    if (firstError && document.activeElement !== firstError) {
      firstError.focus();
    }
  });
})();
