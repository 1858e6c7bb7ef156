/* 指挥板: renders open alerts and units, refreshes on every pushed change (SSE). */
(function () {
  "use strict";
  const root = document.getElementById("board");
  if (!root) return;
  const ds = root.dataset;
  const list = document.getElementById("alert-list");
  const unitList = document.getElementById("unit-list");
  const live = document.getElementById("live");
  const liveText = live.querySelector(".live-text");
  let state = { alerts: [], units: [], last_event: 0 };
  let selected = 0;
  let map = null;
  let alertLayer = null;
  let unitLayer = null;
  let refreshTimer = null;

  const PRIORITY_COLORS = { 1: "#c62828", 2: "#ef6c00", 3: "#1565c0", 4: "#607d8b" };
  const UNIT_COLORS = { available: "#2e7d32", busy: "#6a1b9a", en_route: "#ef6c00", on_scene: "#c62828" };

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function elapsed(alert) {
    const start = Date.parse(alert.received_at);
    const end = alert.on_scene_at ? Date.parse(alert.on_scene_at) : Date.now();
    return Math.max(0, (end - start) / 1000);
  }

  function clock(seconds) {
    const m = Math.floor(seconds / 60);
    const s = Math.floor(seconds % 60);
    return m + ":" + String(s).padStart(2, "0");
  }

  function overdue(alert) {
    return !alert.on_scene_at && elapsed(alert) > alert.arrival_target_minutes * 60;
  }

  function setLive(kind) {
    live.dataset.state = kind;
    liveText.textContent = liveText.dataset[kind] || kind;
  }

  function renderList() {
    list.replaceChildren();
    if (!state.alerts.length) {
      list.appendChild(el("li", "alert-empty muted", ds.labelNone));
    }
    state.alerts.forEach(function (a, i) {
      const li = el("li", "alert-item p" + a.priority);
      li.dataset.id = a.id;
      li.dataset.index = i;
      if (i === selected) li.classList.add("selected");
      const head = el("div", "alert-line");
      const link = el("a", "alert-number", a.number);
      link.href = ds.alertUrl + a.id + "/";
      head.appendChild(link);
      head.appendChild(el("span", "alert-cat", a.category));
      head.appendChild(el("span", "badge p" + a.priority, "P" + a.priority));
      head.appendChild(el("span", "alert-status", a.status_label));
      const clockEl = el("span", "alert-clock");
      clockEl.dataset.received = a.received_at;
      head.appendChild(clockEl);
      li.appendChild(head);
      const meta = el("div", "alert-meta muted small", a.place + (a.units.length ? " · " + a.units.join("、") : ""));
      li.appendChild(meta);
      li.addEventListener("click", function () { select(i, true); });
      list.appendChild(li);
    });
    tick();
  }

  function renderUnits() {
    unitList.replaceChildren();
    state.units.forEach(function (u) {
      const li = el("li", "unit-item status-" + u.status);
      li.appendChild(el("span", "unit-name", u.name));
      li.appendChild(el("span", "unit-status", u.status_label));
      unitList.appendChild(li);
    });
  }

  function renderMap() {
    if (!map) return;
    alertLayer.clearLayers();
    unitLayer.clearLayers();
    state.alerts.forEach(function (a) {
      if (a.lon == null) return;
      const m = L.circleMarker([a.lat, a.lon], {
        radius: 9, color: "#fff", weight: 2, fillColor: PRIORITY_COLORS[a.priority] || "#555", fillOpacity: 0.95,
      });
      m.bindTooltip(a.number + " " + a.category);
      m.on("click", function () { window.location.href = ds.alertUrl + a.id + "/"; });
      m.addTo(alertLayer);
    });
    state.units.forEach(function (u) {
      if (u.lon == null) return;
      const m = L.circleMarker([u.lat, u.lon], {
        radius: 6, color: "#222", weight: 1, fillColor: UNIT_COLORS[u.status] || "#999", fillOpacity: 0.9,
      });
      m.bindTooltip(u.name + " · " + u.status_label);
      m.addTo(unitLayer);
    });
  }

  function tick() {
    let late = 0;
    state.alerts.forEach(function (a) { if (overdue(a)) late += 1; });
    list.querySelectorAll(".alert-item").forEach(function (li) {
      const a = state.alerts[Number(li.dataset.index)];
      if (!a) return;
      const c = li.querySelector(".alert-clock");
      const secs = elapsed(a);
      c.textContent = clock(secs) + " / " + a.arrival_target_minutes + ds.labelMinutes;
      li.classList.toggle("overdue", overdue(a));
    });
    document.getElementById("count-open").textContent = state.alerts.length;
    document.getElementById("count-overdue").textContent = late;
    document.getElementById("count-available").textContent =
      state.units.filter(function (u) { return u.status === "available"; }).length;
  }

  function select(i, focusMap) {
    if (!state.alerts.length) return;
    selected = Math.max(0, Math.min(state.alerts.length - 1, i));
    list.querySelectorAll(".alert-item").forEach(function (li) {
      li.classList.toggle("selected", Number(li.dataset.index) === selected);
    });
    const current = list.querySelector(".alert-item.selected");
    if (current) current.scrollIntoView({ block: "nearest" });
    const a = state.alerts[selected];
    if (focusMap && map && a && a.lon != null) map.setView([a.lat, a.lon], Math.max(map.getZoom(), 17));
  }

  function load() {
    return fetch(ds.stateUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) {
        const keep = state.alerts[selected] && state.alerts[selected].id;
        state = data;
        const idx = state.alerts.findIndex(function (a) { return a.id === keep; });
        selected = idx >= 0 ? idx : 0;
        renderList();
        renderUnits();
        renderMap();
        root.dataset.lastEvent = String(state.last_event);
      });
  }

  function scheduleRefresh() {
    if (refreshTimer) return;
    refreshTimer = setTimeout(function () { refreshTimer = null; load(); }, 80);
  }

  // The stream comes from the stream server, a separate process: on this page's host at
  // another port (cross-origin, so the session cookie goes along only withCredentials), or
  // on this origin when a reverse proxy routes the stream path to it.
  function connect() {
    if (!window.EventSource) return;
    const url = new URL(ds.streamUrl, window.location.href);
    url.searchParams.set("after", String(state.last_event || 0));
    const source = new EventSource(url.href, { withCredentials: url.origin !== window.location.origin });
    source.addEventListener("open", function () { setLive("live"); });
    source.addEventListener("change", function (e) {
      root.dataset.lastPush = e.lastEventId;
      scheduleRefresh();
    });
    source.addEventListener("error", function () {
      setLive("lost");
      // A dropped stream is retried by the browser itself (with Last-Event-ID); a refused one
      // (session expired, stream server answering an error) is closed for good, so start
      // again from fresh state after a pause.
      if (source.readyState === EventSource.CLOSED) setTimeout(restart, 5000);
    });
  }

  function restart() {
    load().then(connect, function () { setLive("lost"); setTimeout(restart, 5000); });
  }

  function initMap() {
    if (!window.L) return;
    map = L.map("board-map", { zoomControl: true, attributionControl: false, preferCanvas: true });
    map.setView([22.538, 114.056], 15);
    fetch(ds.mapUrl, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) return;
        const base = L.geoJSON(data, {
          interactive: false,
          filter: function (f) { return f.properties.layer !== "landmark"; },
          style: function (f) {
            const layer = f.properties.layer;
            if (layer === "network") return { color: "#b0bec5", weight: f.properties.drive ? 2 : 1 };
            if (layer === "building") return { color: "#90a4ae", weight: 0.5, fillColor: "#cfd8dc", fillOpacity: 0.6 };
            return { color: "#cfd8dc", weight: 1, fillOpacity: 0.08 };
          },
        }).addTo(map);
        if (data.boundary) {
          const b = L.geoJSON(data.boundary, { interactive: false, style: { color: "#b71c1c", weight: 2, dashArray: "6 4", fill: false } }).addTo(map);
          map.fitBounds(b.getBounds(), { animate: false });
        } else if (base.getBounds().isValid()) {
          map.fitBounds(base.getBounds(), { animate: false });
        }
        alertLayer.bringToFront && alertLayer.bringToFront();
      });
    alertLayer = L.layerGroup().addTo(map);
    unitLayer = L.layerGroup().addTo(map);
  }

  document.addEventListener("keydown", function (e) {
    const t = e.target;
    if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable)) return;
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === "j") { select(selected + 1, false); e.preventDefault(); }
    else if (e.key === "k") { select(selected - 1, false); e.preventDefault(); }
    else if (e.key === "m") { select(selected, true); e.preventDefault(); }
    else if (e.key === "Enter" && state.alerts[selected]) { window.location.href = ds.alertUrl + state.alerts[selected].id + "/"; }
    else if (e.key === "n" && ds.intakeUrl) { window.location.href = ds.intakeUrl; }
  });

  initMap();
  restart();
  setInterval(tick, 1000);
})();
