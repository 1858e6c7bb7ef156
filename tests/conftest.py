"""Named personas and a small precinct, shared by the whole suite.

The personas follow DESIGN §1: a station head, a dispatcher, a community officer, a guard
lead, a sub-bureau reader, and an officer of another station who must see nothing of Futian.
"""

from __future__ import annotations

from typing import Any

import pytest
from shapely.geometry import Polygon, box, mapping

from zhengyi.precinct.geojson import feature_collection, to_features
from zhengyi.precinct.spec import (
    AreaSpec,
    BuildingSpec,
    ConnectorSpec,
    EdgeSpec,
    LandmarkSpec,
    NodeSpec,
    ZoneSpec,
)

FUTIAN_BOX = (114.050, 22.530, 114.062, 22.542)


def small_precinct_document(prefix: str = "", dx: float = 0.0) -> dict[str, Any]:
    """A few of everything, on all three levels, in valid GeoJSON."""
    from shapely.geometry import Point

    def sq(x: float, y: float, d: float = 0.0004) -> Polygon:
        return box(x + dx, y, x + dx + d, y + d)

    nodes = [
        NodeSpec(f"{prefix}S1", "street", 114.051 + dx, 22.531, "junction"),
        NodeSpec(f"{prefix}S2", "street", 114.055 + dx, 22.531, "junction"),
        NodeSpec(f"{prefix}S3", "street", 114.055 + dx, 22.535, "lobby", "测试大厦大堂"),
        NodeSpec(f"{prefix}U1", "underground", 114.051 + dx, 22.5312, "concourse"),
        NodeSpec(f"{prefix}U2", "underground", 114.055 + dx, 22.5312, "concourse"),
        NodeSpec(f"{prefix}K1", "skywalk", 114.055 + dx, 22.5352, "deck"),
    ]
    return feature_collection(
        to_features(
            zones=[ZoneSpec(f"{prefix}Z1", "测试商圈", "Test CBD", "business", sq(114.050, 22.530, 0.008))],
            buildings=[
                BuildingSpec(
                    f"{prefix}B1",
                    "测试大厦",
                    "office_tower",
                    180.0,
                    45,
                    4,
                    f"{prefix}Z1",
                    None,
                    "测试物业",
                    sq(114.054, 22.534),
                    "福华路1号",
                ),
                BuildingSpec(
                    f"{prefix}B2",
                    "低层写字楼",
                    "office_tower",
                    60.0,
                    15,
                    2,
                    f"{prefix}Z1",
                    None,
                    "测试物业",
                    sq(114.056, 22.534),
                    "福华路3号",
                ),
                BuildingSpec(
                    f"{prefix}B3",
                    "岗厦村1栋",
                    "residential",
                    24.0,
                    8,
                    0,
                    None,
                    "岗厦",
                    None,
                    sq(114.052, 22.538, 0.0001),
                    "岗厦村",
                ),
            ],
            landmarks=[
                LandmarkSpec(
                    f"{prefix}L1",
                    "测试地铁站",
                    "Test Metro",
                    "metro_station",
                    "underground",
                    Point(114.053 + dx, 22.5312),
                )
            ],
            areas=[AreaSpec(f"{prefix}A1", "测试地下街", "underground", sq(114.050, 22.5305, 0.006))],
            nodes=nodes,
            edges=[
                EdgeSpec(f"{prefix}S1", f"{prefix}S2", "street", 411.0, True, True, "福华路"),
                EdgeSpec(f"{prefix}S2", f"{prefix}S3", "street", 444.0, True, False, "支路"),
                EdgeSpec(f"{prefix}U1", f"{prefix}U2", "underground", 411.0, True, False, "地下街"),
            ],
            connectors=[
                ConnectorSpec(f"{prefix}S1", f"{prefix}U1", "exit", 25.0, "A出口"),
                ConnectorSpec(f"{prefix}S3", f"{prefix}K1", "lift", 45.0),
            ],
        )
    )


@pytest.fixture(autouse=True)
def _public_generation_at_once(request: pytest.FixtureRequest) -> None:
    """On PostgreSQL the page store's generation is bumped at commit (deferred constraint
    triggers, zhengyi/sunshine/migrations/0003), and a test's transaction never commits: within
    a test the triggers fire at each write instead, as SQLite's do, so a page read after a
    change in the same test sees it."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None and "db" not in request.fixturenames:
        return
    if "transactional_db" in request.fixturenames or (
        marker is not None and marker.kwargs.get("transaction")
    ):
        return
    request.getfixturevalue("db")
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname LIKE '%%\\_public\\_gen'")
        names = [name for (name,) in cursor.fetchall()]
        if names:
            cursor.execute(f"SET CONSTRAINTS {', '.join(names)} IMMEDIATE")


@pytest.fixture(autouse=True)
def station_language() -> Any:
    """Every test starts in the station's language (Chinese). LocaleMiddleware activates the
    language of each request and nothing deactivates it, so one test's English request would
    otherwise leave English active for the next test run in the same thread."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """Django's PBKDF2 takes ~0.25 s a password here, and the personas are ten accounts: most of
    the suite's time went into hashing demo passwords. Tests hash with MD5 (Django's advice for
    test runs); the deployment keeps PBKDF2."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _ledger_files(settings: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    """The ledger's key and state files go to a fresh folder, never the data dir; checkpoints are
    signed in the committing thread (no background signer thread in tests)."""
    settings.LEDGER_DIR = tmp_path_factory.mktemp("ledger")
    settings.LEDGER_CHECKPOINT = "commit"


@pytest.fixture
def system(db: Any) -> Any:
    from zhengyi.core.services.roles import system_user

    return system_user()


@pytest.fixture
def stations(system: Any) -> dict[str, Any]:
    """福田 (FT) with a small precinct, 莲花 (LH) with its own, both in 福田分局."""
    from zhengyi.core.services.org import upsert_station
    from zhengyi.demo.accounts import ensure_organisation
    from zhengyi.precinct.services import import_geojson

    org = ensure_organisation(actor=system)
    ft = upsert_station(
        actor=system,
        code="FT",
        name="福田派出所",
        bureau=org["bureau"],
        boundary=mapping(box(*FUTIAN_BOX)),
        area_km2=1.7,
    )
    import_geojson(actor=system, station=ft, document=small_precinct_document())
    import_geojson(actor=system, station=org["LH"], document=small_precinct_document("LH-", dx=0.02))
    return {"FT": ft, "LH": org["LH"], "bureau": org["bureau"]}


@pytest.fixture
def personas(stations: dict[str, Any], system: Any) -> dict[str, Any]:
    from zhengyi.core.models import User
    from zhengyi.demo.accounts import ensure_accounts

    ensure_accounts(actor=system)
    return {u.username: u for u in User.objects.filter(is_demo=True)}


@pytest.fixture
def client_for(personas: dict[str, Any]) -> Any:
    from django.test import Client

    def make(username: str) -> Client:
        client = Client()
        client.force_login(personas[username])
        return client

    return make


@pytest.fixture(autouse=True)
def _fresh_station_data() -> Any:
    """Each test starts without the intake's per-process copy of reference data.

    A rolled-back test can leave the database as it was while ids are reused by the next
    test, so the copy's version stamp alone cannot tell two tests' stations apart.
    """
    from zhengyi.alerts.services.station_data import forget_station_data
    from zhengyi.core.services.tokens import forget_tokens

    forget_station_data()
    forget_tokens()
    yield
    forget_station_data()
    forget_tokens()
