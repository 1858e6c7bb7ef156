/* 出警单位 on a phone: "update my position" from the device's location, or a tap on the map. */
(function () {
  "use strict";
  var Z = window.Zhengyi || {};
  var A = Z.alerts;

  A.ready(function () {
    var words = A.words("units-i18n");

    document.querySelectorAll("[data-position-form]").forEach(function (form) {
      var msg = form.querySelector("[data-position-msg]");
      var wrap = form.querySelector("[data-map-wrap]");
      var toggle = form.querySelector("[data-map-toggle]");
      var confirm = form.querySelector("[data-confirm]");
      var box = form.querySelector("[data-position-map]");
      var map = null;
      var marker = null;

      function say(text, isError) {
        msg.textContent = text || "";
        msg.classList.toggle("error", !!isError);
      }

      function setPoint(lat, lon) {
        form.elements.namedItem("lat").value = Math.round(lat * 1e7) / 1e7;
        form.elements.namedItem("lon").value = Math.round(lon * 1e7) / 1e7;
      }

      function openMap() {
        if (!wrap) {
          return;
        }
        wrap.hidden = false;
        if (toggle) {
          toggle.setAttribute("aria-expanded", "true");
        }
        if (map || !window.L) {
          if (map) {
            map.invalidateSize();
          }
          return;
        }
        map = A.baseMap(box, { dragging: true, touchZoom: true });
        var lon = parseFloat(box.getAttribute("data-lon"));
        var lat = parseFloat(box.getAttribute("data-lat"));
        var known = !isNaN(lon) && !isNaN(lat);
        if (known) {
          marker = L.circleMarker([lat, lon], { radius: 9, color: "#fff", weight: 2, fillColor: "#143763", fillOpacity: 1 }).addTo(map);
          map.setView([lat, lon], 16, { animate: false });
        }
        map.on("click", function (e) {
          setPoint(e.latlng.lat, e.latlng.lng);
          if (!marker) {
            marker = L.circleMarker(e.latlng, { radius: 9, color: "#fff", weight: 2, fillColor: "#c8102e", fillOpacity: 1 }).addTo(map);
          } else {
            marker.setLatLng(e.latlng);
            marker.setStyle({ fillColor: "#c8102e" });
          }
          confirm.hidden = false;
          say(A.fmt(words.picked, { point: e.latlng.lng.toFixed(5) + ", " + e.latlng.lat.toFixed(5) }));
        });
        A.loadJSON(box.getAttribute("data-src"))
          .then(function (data) {
            var group = A.drawLevel(map, data);
            if (!known && group.getLayers().length) {
              map.fitBounds(group.getBounds(), { padding: [6, 6], animate: false });
            }
            if (marker) {
              marker.bringToFront();
            }
            box.setAttribute("data-loaded", "true");
          })
          .catch(function () {
            say(words.map_error, true);
          });
        say(words.pick_hint);
      }

      if (toggle) {
        toggle.addEventListener("click", function () {
          if (wrap.hidden) {
            openMap();
          } else {
            wrap.hidden = true;
            toggle.setAttribute("aria-expanded", "false");
          }
        });
      }

      var locate = form.querySelector("[data-geolocate]");
      locate.addEventListener("click", function () {
        if (!navigator.geolocation) {
          say(words.unsupported, true);
          openMap();
          return;
        }
        locate.disabled = true;
        say(words.locating);
        navigator.geolocation.getCurrentPosition(
          function (pos) {
            setPoint(pos.coords.latitude, pos.coords.longitude);
            say(words.located);
            form.submit();
          },
          function (err) {
            locate.disabled = false;
            say(err && err.code === 1 ? words.denied : words.unavailable, true);
            openMap();
          },
          { enableHighAccuracy: true, timeout: 15000, maximumAge: 30000 }
        );
      });
    });

    // "3 分钟前": keep the age of each position current while the page stays open.
    var ages = document.querySelectorAll("[data-age]");
    var cards = document.getElementById("unit-cards");
    var serverNow = cards ? Date.parse(cards.getAttribute("data-now") || "") : NaN;
    var offset = isNaN(serverNow) ? 0 : serverNow - Date.now();
    function ageTick() {
      var now = Date.now() + offset;
      ages.forEach(function (el) {
        var from = Date.parse(el.getAttribute("data-from"));
        if (isNaN(from)) {
          return;
        }
        var s = Math.max(0, (now - from) / 1000);
        if (s < 60) {
          el.textContent = words.just_now || "";
        } else if (s < 3600) {
          el.textContent = Math.floor(s / 60) + " " + (words.minutes_ago || "");
        } else {
          el.textContent = Math.floor(s / 3600) + " " + (words.hours_ago || "");
        }
      });
    }
    if (ages.length) {
      window.setInterval(ageTick, 30000);
    }
  });
})();
