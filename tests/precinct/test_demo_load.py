"""The Futian demo loads through the services and reports the seed's figures."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from zhengyi.core.models import ObjectChange, User
from zhengyi.precinct.models import Building

pytestmark = pytest.mark.django_db


def test_demo_load_reports_the_seed_figures() -> None:
    out = StringIO()
    call_command("demo", "load", stdout=out, stderr=StringIO())
    assert "head" in out.getvalue() and "zhengyi-demo" in out.getvalue()
    summary = StringIO()
    call_command("precinct", "summary", "--station", "FT", "--json", stdout=summary)
    data = json.loads(summary.getvalue())
    assert data["buildings"]["office_towers_by_height"] == {"under_100": 89, "over_100": 23}
    assert data["buildings"]["under_construction"] == 11
    villages = data["buildings"]["residential_by_urban_village"]
    assert set(villages) == {"岗厦", "福田村"} and 1180 <= sum(villages.values()) <= 1220
    assert 6.4 <= data["area_km2"] <= 6.8
    assert 580_000 <= data["underground_area_m2"] <= 620_000
    assert data["skywalk_length_m"] > 1000
    assert all(data["network"][level]["nodes"] > 0 for level in ("underground", "street", "skywalk"))
    assert data["landmarks"]["metro_station"] >= 5
    # Every object came in through the import service, each with its change record.
    assert (
        ObjectChange.objects.filter(content_type__model="building", action="create").count()
        == Building.objects.count()
    )
    assert all(c.source == "cli" for c in ObjectChange.objects.filter(content_type__model="building")[:50])
    assert User.objects.filter(is_demo=True).count() == 10
    # Two years of alerts came in through the history service, and the shift's units are placed.
    from zhengyi.alerts.models import Alert, Unit

    assert Alert.objects.filter(station__code="FT").count() > 20_000
    assert Alert.objects.filter(station__code="FT", status="closed").count() > 0.99 * Alert.objects.count()
    police = Unit.objects.filter(station__code="FT", lon__isnull=False).exclude(kind=Unit.Kind.GUARD_TEAM)
    assert police.count() == 12
    # Loading again changes nothing and duplicates nothing.
    changes = ObjectChange.objects.count()
    call_command("demo", "load", stdout=StringIO(), stderr=StringIO())
    assert ObjectChange.objects.count() == changes
