"""受理: one service behind every way in; validation refuses and changes nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from zhengyi.alerts.models import Alert, AlertEvent, HandlingStandard
from zhengyi.alerts.services.intake import AlertInput, IdempotencyConflict, receive_alert
from zhengyi.alerts.services.standards import RuleInput, default_rules, publish_standard
from zhengyi.core.models import ObjectChange
from zhengyi.precinct.models import Building

pytestmark = pytest.mark.django_db


def _tower(stations: dict[str, Any]) -> Building:
    return Building.objects.get(station=stations["FT"], code="B1")


def test_receive_applies_the_standard_and_records_the_step(
    personas: dict[str, Any], stations: dict[str, Any]
) -> None:
    data = AlertInput(
        category="criminal",
        subcategory="theft",
        source="phone_110",
        caller_name="张三",
        caller_phone="138 1234 5678",
        building_id=_tower(stations).pk,
        description="办公室电脑被盗",
    )
    alert, created = receive_alert(actor=personas["dispatcher"], station=stations["FT"], data=data)
    assert created
    assert alert.number.startswith("FT") and alert.number.endswith("00001")
    assert (alert.kind, alert.category, alert.category_initial) == ("report", "criminal", "criminal")
    assert alert.priority == alert.priority_initial == 1
    assert alert.arrival_target_minutes == 5
    assert "保护现场" in alert.required_steps
    assert alert.caller_phone == "13812345678"
    assert alert.zone is not None and alert.zone.code == "Z1"
    assert alert.standard.version == 1
    (event,) = AlertEvent.objects.filter(alert=alert)
    assert (event.step, event.actor_name) == ("received", "李指挥")
    change = ObjectChange.objects.filter(content_type__model="alert", object_id=str(alert.pk)).get()
    assert change.after["caller_phone"] == "138****5678"


def test_numbers_run_per_station_and_day(personas: dict[str, Any], stations: dict[str, Any]) -> None:
    data = AlertInput(category="dispute", source="walk_in", building_id=_tower(stations).pk)
    numbers = [
        receive_alert(actor=personas["dispatcher"], station=stations["FT"], data=data)[0].number
        for _ in range(3)
    ]
    assert [n[-5:] for n in numbers] == ["00001", "00002", "00003"]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"category": "alien"}, "category", "未知类别"),
        ({"caller_phone": "12345"}, "caller_phone", "手机号"),
        ({"building_id": None, "lon": 113.9, "lat": 22.5}, "location", "不在福田派出所辖区"),
        ({"building_id": None}, "location", "请指定地点"),
        ({"source": "pigeon"}, "source", "未知来源"),
        ({"priority": 9}, "priority", "1（紧急）至 4"),
        ({"subcategory": "noise"}, "subcategory", "不属于该类别"),
    ],
)
def test_bad_input_is_refused_and_nothing_changes(
    personas: dict[str, Any], stations: dict[str, Any], changes: dict[str, Any], field: str, message: str
) -> None:
    base = {"category": "criminal", "source": "phone_110", "building_id": _tower(stations).pk}
    before = (Alert.objects.count(), AlertEvent.objects.count(), ObjectChange.objects.count())
    with pytest.raises(ValidationError) as info:
        receive_alert(
            actor=personas["dispatcher"], station=stations["FT"], data=AlertInput(**(base | changes))
        )
    assert message in " ".join(info.value.message_dict[field])
    assert (Alert.objects.count(), AlertEvent.objects.count(), ObjectChange.objects.count()) == before


def test_future_receipt_time_is_refused(personas: dict[str, Any], stations: dict[str, Any]) -> None:
    data = AlertInput(
        category="traffic",
        source="phone_110",
        building_id=_tower(stations).pk,
        received_at=timezone.now() + timedelta(hours=1),
    )
    with pytest.raises(ValidationError, match="晚于当前时间"):
        receive_alert(actor=personas["dispatcher"], station=stations["FT"], data=data)


def test_idempotent_retry_creates_nothing(personas: dict[str, Any], stations: dict[str, Any]) -> None:
    data = AlertInput(category="fire", source="phone_110", building_id=_tower(stations).pk)
    first, created = receive_alert(
        actor=personas["dispatcher"], station=stations["FT"], data=data, idempotency_key="up-1"
    )
    again, created_again = receive_alert(
        actor=personas["dispatcher"], station=stations["FT"], data=data, idempotency_key="up-1"
    )
    assert created and not created_again and first.pk == again.pk
    assert Alert.objects.count() == 1
    with pytest.raises(IdempotencyConflict):
        receive_alert(
            actor=personas["dispatcher"],
            station=stations["FT"],
            data=AlertInput(category="traffic", source="phone_110", building_id=_tower(stations).pk),
            idempotency_key="up-1",
        )


def test_roles_without_intake_are_refused(personas: dict[str, Any], stations: dict[str, Any]) -> None:
    data = AlertInput(category="fire", source="phone_110", building_id=_tower(stations).pk)
    for name in ("investigator", "guardlead", "bureau", "other"):
        with pytest.raises(PermissionDenied):
            receive_alert(actor=personas[name], station=stations["FT"], data=data)


def test_alert_is_held_to_the_version_in_force_when_received(
    personas: dict[str, Any], stations: dict[str, Any]
) -> None:
    tower = _tower(stations)
    early, _ = receive_alert(
        actor=personas["dispatcher"],
        station=stations["FT"],
        data=AlertInput(category="criminal", source="phone_110", building_id=tower.pk),
    )
    stricter = [
        RuleInput(r.category, r.priority, 3, r.feedback_minutes, r.steps, r.zone_kind)
        for r in default_rules()
    ]
    publish_standard(
        actor=personas["head"], station=stations["FT"], rules=stricter, note="到场时限缩短为 3 分钟"
    )
    late, _ = receive_alert(
        actor=personas["dispatcher"],
        station=stations["FT"],
        data=AlertInput(category="criminal", source="phone_110", building_id=tower.pk),
    )
    early.refresh_from_db()
    assert (early.standard.version, early.arrival_target_minutes) == (1, 5)
    assert (late.standard.version, late.arrival_target_minutes) == (2, 3)
    assert HandlingStandard.objects.filter(station=stations["FT"]).count() == 2


def test_a_standard_missing_a_category_is_refused(personas: dict[str, Any], stations: dict[str, Any]) -> None:
    rules = [r for r in default_rules() if r.category != "fire"]
    with pytest.raises(ValidationError, match="火灾"):
        publish_standard(actor=personas["head"], station=stations["FT"], rules=rules)
    with pytest.raises(PermissionDenied):
        publish_standard(actor=personas["dispatcher"], station=stations["FT"], rules=default_rules())


def test_bar_street_rule_takes_precedence(
    personas: dict[str, Any], stations: dict[str, Any], system: Any
) -> None:
    from zhengyi.precinct.models import Zone

    zone = Zone.objects.get(station=stations["FT"], code="Z1")
    zone.kind = "bar_street"
    zone.save()
    alert, _ = receive_alert(
        actor=personas["dispatcher"],
        station=stations["FT"],
        data=AlertInput(category="public_order", source="phone_110", building_id=_tower(stations).pk),
    )
    assert (alert.priority, alert.arrival_target_minutes) == (1, 3)


def test_staff_cannot_write_into_another_station(personas: dict[str, Any], stations: dict[str, Any]) -> None:
    from tests.conftest import small_precinct_document
    from zhengyi.alerts.services.units import create_unit
    from zhengyi.precinct.services import import_geojson

    lh_tower = Building.objects.get(station=stations["LH"], code="LH-B1")
    with pytest.raises(PermissionDenied):
        receive_alert(
            actor=personas["dispatcher"],
            station=stations["LH"],
            data=AlertInput(category="fire", source="phone_110", building_id=lh_tower.pk),
        )
    with pytest.raises(PermissionDenied):
        publish_standard(actor=personas["head"], station=stations["LH"], rules=default_rules())
    with pytest.raises(PermissionDenied):
        create_unit(actor=personas["head"], station=stations["LH"], code="X", name="X", kind="foot_patrol")
    with pytest.raises(PermissionDenied):
        import_geojson(
            actor=personas["head"], station=stations["LH"], document=small_precinct_document("Q-", dx=0.02)
        )
    assert not Alert.objects.filter(station=stations["LH"]).exists()


@pytest.mark.django_db(transaction=True)
def test_subcategories_survive_a_flush() -> None:
    from django.core.management import call_command

    from zhengyi.alerts.models import Subcategory
    from zhengyi.core.models import ObjectChange

    call_command("flush", "--no-input", verbosity=0)
    theft = Subcategory.objects.get(pinyin="dq", name="盗窃")
    assert ObjectChange.objects.filter(content_type__model="subcategory", object_id=str(theft.pk)).exists()
