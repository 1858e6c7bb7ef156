"""Browser tests: a real Chromium (Debian's /usr/bin/chromium) driven by Playwright's sync API.

The data is a small precinct built through the same services a station uses (GeoJSON
import, demo accounts), so the pages are exercised end to end without the full demo.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

# Playwright's sync API runs an asyncio event loop in this thread; Django would otherwise
# refuse ORM calls made from it (SynchronousOnlyOperation).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_configure(config: pytest.Config) -> None:
    # Registered by pytest-xdist; declared here too so --strict-markers passes with -p no:xdist.
    config.addinivalue_line("markers", "xdist_group(name): run these tests in one xdist worker")


TOWER_NAME = "测试大厦"
TOWER_CODE = "B001"


def _rect(lon: float, lat: float, half_lon: float = 0.0004, half_lat: float = 0.0003) -> dict[str, Any]:
    ring = [
        [lon - half_lon, lat - half_lat],
        [lon + half_lon, lat - half_lat],
        [lon + half_lon, lat + half_lat],
        [lon - half_lon, lat + half_lat],
        [lon - half_lon, lat - half_lat],
    ]
    return {"type": "Polygon", "coordinates": [[[round(x, 7), round(y, 7)] for x, y in ring]]}


def _box(west: float, south: float, east: float, north: float) -> dict[str, Any]:
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


def _feature(geometry: dict[str, Any], **properties: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def _point(lon: float, lat: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [lon, lat]}


BOUNDARY = _box(114.047, 22.527, 114.073, 22.546)

NODES = {
    # code: (level, kind, lon, lat, label)
    "N1": ("street", "junction", 114.0500, 22.5350, "福华三路西"),
    "N2": ("street", "junction", 114.0560, 22.5350, "福华三路/金田路"),
    "N3": ("street", "junction", 114.0620, 22.5350, "福华三路东"),
    "N4": ("street", "junction", 114.0560, 22.5420, "金田路北"),
    "N5": ("street", "metro_exit", 114.0545, 22.5338, "会展中心站B口"),
    "U1": ("underground", "concourse", 114.0545, 22.5336, "会展中心站通道西"),
    "U2": ("underground", "concourse", 114.0590, 22.5336, "会展中心站通道东"),
    "S1": ("skywalk", "deck", 114.0545, 22.5367, "福华连廊西"),
    "S2": ("skywalk", "deck", 114.0575, 22.5367, "福华连廊东"),
}

EDGES = [
    # source, target, name, drive
    ("N1", "N2", "福华三路", True),
    ("N2", "N3", "福华三路", True),
    ("N2", "N4", "金田路", True),
    ("N2", "N5", "会展步道", False),
    ("U1", "U2", "会展中心地下通道", False),
    ("S1", "S2", "福华路连廊", False),
]


def small_precinct_document() -> dict[str, Any]:
    """A FeatureCollection with every layer: three zones, seven buildings, three levels."""
    feats: list[dict[str, Any]] = [
        _feature(
            _box(114.050, 22.5345, 114.062, 22.544),
            layer="zone",
            code="Z-CBD",
            name="中心商务区",
            kind="business",
        ),
        _feature(
            _box(114.063, 22.530, 114.070, 22.537),
            layer="zone",
            code="Z-GX",
            name="岗厦村",
            kind="urban_village",
        ),
        _feature(
            _box(114.051, 22.529, 114.060, 22.5333),
            layer="zone",
            code="Z-HZ",
            name="会展中心",
            kind="convention",
        ),
    ]
    buildings = [
        # code, name, category, height, floors, zone, village, company, lon, lat
        (
            TOWER_CODE,
            TOWER_NAME,
            "office_tower",
            150.0,
            38,
            "Z-CBD",
            None,
            "测试物业有限公司",
            114.0550,
            22.5385,
        ),
        ("B002", "福华大厦", "office_tower", 80.0, 22, "Z-CBD", None, "测试物业有限公司", 114.0585, 22.5400),
        ("B003", "岗厦村1栋", "residential", 24.0, 8, "Z-GX", "岗厦", None, 114.0650, 22.5330),
        ("B004", "岗厦村2栋", "residential", 21.0, 7, "Z-GX", "岗厦", None, 114.0670, 22.5340),
        ("B005", "在建中心", "under_construction", 60.0, 15, "Z-CBD", None, None, 114.0605, 22.5365),
        ("B006", "会展中心展馆", "public", 40.0, 5, "Z-HZ", None, "会展物业", 114.0555, 22.5312),
        ("B007", "中心城商场", "commercial", 30.0, 4, "Z-CBD", None, None, 114.0520, 22.5410),
    ]
    for code, name, category, height, floors, zone, village, company, lon, lat in buildings:
        props: dict[str, Any] = {
            "layer": "building",
            "code": code,
            "name": name,
            "category": category,
            "height_m": height,
            "floors_above": floors,
            "floors_below": 2,
            "zone": zone,
            "address": f"深圳市福田区福华三路{code[-1]}号",
        }
        if village:
            props["urban_village"] = village
        if company:
            props["property_company"] = company
        size = (0.0012, 0.0007) if code == "B006" else (0.0004, 0.0003)
        feats.append(_feature(_rect(lon, lat, *size), **props))
    feats += [
        _feature(
            _point(114.0555, 22.5336),
            layer="landmark",
            code="L001",
            name="会展中心站",
            kind="metro_station",
            level="underground",
        ),
        _feature(
            _point(114.0545, 22.5338),
            layer="landmark",
            code="L002",
            name="会展中心站B口",
            kind="metro_exit",
            level="street",
        ),
        _feature(
            _point(114.0620, 22.5410),
            layer="landmark",
            code="L003",
            name="福田派出所",
            kind="police_station",
            level="street",
        ),
        _feature(
            _box(114.0525, 22.5332, 114.0600, 22.5340),
            layer="area",
            code="A001",
            name="会展中心地下通道",
            level="underground",
        ),
        _feature(
            _box(114.0540, 22.5365, 114.0580, 22.5369),
            layer="area",
            code="A002",
            name="福华路连廊",
            level="skywalk",
        ),
    ]
    for code, (level, kind, lon, lat, label) in NODES.items():
        feats.append(_feature(_point(lon, lat), layer="node", code=code, level=level, kind=kind, label=label))
    for source, target, name, drive in EDGES:
        a, b = NODES[source], NODES[target]
        line = {"type": "LineString", "coordinates": [[a[2], a[3]], [b[2], b[3]]]}
        feats.append(
            _feature(line, layer="edge", source=source, target=target, name=name, drive=drive, walk=True)
        )
    for source, target, kind, seconds in [("N5", "U1", "escalator", 40), ("N2", "S1", "stairs", 60)]:
        a, b = NODES[source], NODES[target]
        line = {"type": "LineString", "coordinates": [[a[2], a[3]], [b[2], b[3]]]}
        feats.append(
            _feature(line, layer="connector", source=source, target=target, kind=kind, seconds=seconds)
        )
    return {"type": "FeatureCollection", "features": feats}


def build_small_precinct() -> Any:
    """Roles, organisation, station FT with the small precinct, and the demo accounts."""
    from shapely.geometry import shape

    from zhengyi.core.services.org import upsert_station
    from zhengyi.core.services.roles import sync_roles, system_user
    from zhengyi.demo.accounts import ensure_accounts, ensure_organisation
    from zhengyi.precinct.geometry import to_utm
    from zhengyi.precinct.services import import_geojson

    actor = system_user()
    sync_roles(actor=actor)
    org = ensure_organisation(actor=actor)
    station = upsert_station(
        actor=actor,
        code="FT",
        name="福田派出所",
        name_en="Futian Police Station",
        bureau=org["bureau"],
        boundary=BOUNDARY,
        area_km2=round(to_utm(shape(BOUNDARY)).area / 1e6, 3),
        address="深圳市福田区福华三路",
    )
    import_geojson(actor=actor, station=station, document=small_precinct_document())
    ensure_accounts(actor=actor)
    return station


@pytest.fixture
def small_precinct(transactional_db: Any) -> Any:
    return build_small_precinct()


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("Debian Chromium not installed at /usr/bin/chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


class PageErrors(list[str]):
    """Console errors and uncaught exceptions seen by a page (CSP violations show up here)."""


@pytest.fixture
def browser_context(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(locale="zh-CN", viewport={"width": 1280, "height": 860})
    context.set_default_timeout(15_000)
    try:
        yield context
    finally:
        context.close()


def watch_errors(page: Any) -> PageErrors:
    errors = PageErrors()
    page.on("console", lambda msg: errors.append(f"console: {msg.text}") if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    return errors


def login(page: Any, base_url: str, username: str = "head") -> None:
    from zhengyi.demo.accounts import DEMO_PASSWORD

    page.goto(f"{base_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_url(f"{base_url}/")


# --- the stream server ------------------------------------------------------------------------
# The command board's push is served by its own ASGI process (zhengyi.asgi_stream), never by
# the app server; pytest-django's live_server is the app server, so the board tests start the
# real stream server too, on the same test database.

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _database_url(vendor: str, db: dict[str, Any]) -> str:
    """The test database as a DATABASE_URL another process can open."""
    if vendor == "sqlite":
        return f"sqlite:///{Path(str(db['NAME'])).resolve()}"  # a file (settings TEST.NAME)
    auth = quote(str(db["USER"] or ""), safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(str(db["PASSWORD"]), safe="")
    return f"postgres://{auth}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture(scope="session")
def stream_process(django_db_setup: Any) -> Iterator[int]:
    """granian --interface asgi serving zhengyi.asgi_stream on a free port; yields the port.

    Depends on the test database's setup, so it stops before the database is destroyed
    (PostgreSQL refuses to drop a database another process is connected to).
    """
    from django.conf import settings
    from django.db import connection

    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(connection.vendor, connection.settings_dict),
        "ZHENGYI_SECRET_KEY": settings.SECRET_KEY,  # sessions are checked against it
        "ZHENGYI_ALLOW_DEMO_ACCOUNTS": "1",
        "ZHENGYI_LOG_FORMAT": "text",
    }
    granian = Path(sys.executable).with_name("granian")
    argv = [str(granian), "--interface", "asgi", "--host", "127.0.0.1", "--port", str(port)]
    argv += ["--no-ws", "--workers-kill-timeout", "3", "zhengyi.asgi_stream:application"]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(argv, env=env, cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as reply:
                        if reply.status == 200:
                            break
                except OSError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    pytest.fail("stream server did not start:\n" + log.read().decode(errors="replace"))
                time.sleep(0.1)
            yield port
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def stream_server(stream_process: int, settings: Any) -> int:
    """Pages served by live_server point their board at the stream server, as `zhengyi serve`
    does: the page's host name, the stream server's port (cross-origin, with credentials)."""
    settings.STREAM_URL = ""
    settings.STREAM_PORT = stream_process
    return stream_process
