"""Each role sees what its duty needs; the other station's officer sees nothing of Futian."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps

from zhengyi.core.models import ObjectChange, RoleRule, Station
from zhengyi.core.roles import ROLE_CODES
from zhengyi.precinct.models import Building, PropertyCompany

pytestmark = pytest.mark.django_db


def test_every_model_is_covered_by_a_role_rule() -> None:
    covered = set(RoleRule.objects.values_list("model", flat=True))
    ours = [m for m in apps.get_models() if m.__module__.startswith("zhengyi.")]
    assert ours, "no models found"
    uncovered = sorted(m._meta.label_lower for m in ours if m._meta.label_lower not in covered)
    assert not uncovered, f"models no role may see: {uncovered}"


def test_every_model_of_ours_supports_restrict() -> None:
    for model in apps.get_models():
        if model.__module__.startswith("zhengyi."):
            assert hasattr(model._default_manager, "restrict"), model


def test_roles_are_data() -> None:
    from zhengyi.core.models import Role

    assert sorted(Role.objects.values_list("code", flat=True)) == sorted(ROLE_CODES)


def test_station_head_sees_own_station_only(personas: dict[str, Any], stations: dict[str, Any]) -> None:
    head = personas["head"]
    codes = set(Building.objects.restrict(head, "view").values_list("station__code", flat=True))
    assert codes == {"FT"}
    assert Building.objects.restrict(head, "change").count() == 3


def test_other_station_officer_sees_nothing_of_futian(personas: dict[str, Any]) -> None:
    other = personas["other"]
    assert not Building.objects.restrict(other, "view").filter(station__code="FT").exists()
    assert Building.objects.restrict(other, "view").filter(station__code="LH").count() == 3
    assert list(Station.objects.restrict(other, "view").values_list("code", flat=True)) == ["LH"]
    # An officer may not read the change log at all, of either station.
    assert not ObjectChange.objects.restrict(other, "view").exists()


def test_bureau_reads_across_its_stations_but_cannot_write(personas: dict[str, Any]) -> None:
    bureau = personas["bureau"]
    assert set(Building.objects.restrict(bureau, "view").values_list("station__code", flat=True)) == {
        "FT",
        "LH",
    }
    assert not Building.objects.restrict(bureau, "change").exists()


def test_dispatcher_views_but_cannot_edit_or_see_personal_data(personas: dict[str, Any]) -> None:
    dispatcher = personas["dispatcher"]
    assert Building.objects.restrict(dispatcher, "view").count() == 3
    assert not Building.objects.restrict(dispatcher, "change").exists()
    assert not PropertyCompany.objects.restrict(dispatcher, "view_pii").exists()


def test_guard_lead_and_property_staff_see_buildings_not_companies(personas: dict[str, Any]) -> None:
    for name in ("guardlead", "property"):
        user = personas[name]
        assert Building.objects.restrict(user, "view").count() == 3
        assert not PropertyCompany.objects.restrict(user, "view").exists()


def test_anonymous_sees_nothing(stations: dict[str, Any]) -> None:
    from django.contrib.auth.models import AnonymousUser

    assert not Building.objects.restrict(AnonymousUser(), "view").exists()


@pytest.mark.parametrize(
    ("username", "status"),
    [("head", 200), ("dispatcher", 200), ("community", 200), ("other", 404), ("bureau", 200)],
)
def test_building_page_by_persona(
    client_for: Any, stations: dict[str, Any], username: str, status: int
) -> None:
    tower = Building.objects.get(station=stations["FT"], code="B1")
    response = client_for(username).get(f"/precinct/buildings/{tower.pk}/")
    assert response.status_code == status
    if status == 200:
        assert "测试大厦" in response.content.decode()


def test_other_station_officer_pages_show_no_futian(client_for: Any) -> None:
    client = client_for("other")
    for url in [
        "/",
        "/precinct/buildings/",
        "/precinct/zones/",
        "/precinct/landmarks/",
        "/precinct/map/street.geojson",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "福田派出所" not in response.content.decode(), url
    assert client.get("/precinct/map/street.geojson?station=FT").status_code == 404
    items = client.get("/api/precinct/buildings").json()["items"]
    assert items and {i["station"] for i in items} == {"LH"}
