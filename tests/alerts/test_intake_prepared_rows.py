"""Rows prepared before the write lock: what a group commit stores is what the ORM and the
audit service would have stored, the token lookup is reused but never outlives a revocation
or a deactivation, and an alert's day is the deployment's, whatever zone a request uses."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from zhengyi.alerts.models import Alert, AlertEvent, BoardEvent
from zhengyi.alerts.services.intake import receive_alert
from zhengyi.alerts.services.numbering import local_day
from zhengyi.core.fastsql import _statement, insert_rows, instance_row, new_row, slot
from zhengyi.core.models import ObjectChange
from zhengyi.core.services import tokens
from zhengyi.core.services.audit import snapshot
from zhengyi.precinct.models import Building

from .tower_support import tower_call

pytestmark = pytest.mark.django_db


def test_a_row_from_values_is_the_row_of_the_same_instance(
    personas: dict[str, Any], stations: dict[str, Any]
) -> None:
    alert, _ = receive_alert(actor=personas["dispatcher"], station=stations["FT"], data=tower_call(stations))
    values = {
        "alert_id": alert.pk,
        "step": "received",
        "time": alert.received_at,
        "actor_id": personas["dispatcher"].pk,
        "actor_name": "调度员",
        "unit_id": None,
        "note": "",
    }
    assert new_row(AlertEvent, values) == instance_row(AlertEvent(**values))
    # Not given: the field's default; an auto_now_add field: the current time, prepared.
    board = new_row(BoardEvent, {"station_id": stations["FT"].pk, "summary": "x"})
    plan = _statement(BoardEvent, "default")
    by_name = dict(zip([name for name, _a, _f in plan.columns], board, strict=True))
    assert by_name["alert_id"] is None and by_name["unit_id"] is None
    assert by_name["time"] is not None
    assert slot(BoardEvent, "summary") == [name for name, _a, _f in plan.columns].index("summary")
    with pytest.raises(KeyError, match="no column"):
        slot(BoardEvent, "nonsense")


def test_inserted_rows_come_back_with_their_keys_in_order(stations: dict[str, Any]) -> None:
    rows = [new_row(BoardEvent, {"station_id": stations["FT"].pk, "summary": f"s{i}"}) for i in range(3)]
    with transaction.atomic():
        keys = insert_rows(BoardEvent, rows)
        with pytest.raises(ValueError, match="row of 2 values"):
            insert_rows(BoardEvent, [[1, 2]])
    assert [BoardEvent.objects.get(pk=k).summary for k in keys] == ["s0", "s1", "s2"]


def test_the_group_commits_change_record_pictures_the_stored_alert(
    personas: dict[str, Any], stations: dict[str, Any]
) -> None:
    alert, _ = receive_alert(
        actor=personas["dispatcher"],
        station=stations["FT"],
        data=tower_call(stations, caller_phone="13812345678"),
    )
    stored = Alert.objects.get(pk=alert.pk)
    change = ObjectChange.objects.get(content_type__model="alert", object_id=str(alert.pk))
    # The id and the number were drawn under the write lock, after the snapshot was taken.
    assert change.after == snapshot(stored)
    assert change.after["number"] == stored.number != ""
    assert change.object_repr == str(stored) and stored.number in change.object_repr
    assert change.actor == personas["dispatcher"] and change.action == "create"
    assert change.related_object_id == str(stations["FT"].pk)


def test_the_day_of_a_number_is_the_deployments_whatever_zone_is_active(
    personas: dict[str, Any], stations: dict[str, Any]
) -> None:
    late_evening_utc = datetime(2026, 11, 29, 17, 30, tzinfo=UTC)  # 01:30 on the 30th in Shenzhen
    assert local_day(late_evening_utc) == "20261130"
    with timezone.override("UTC"):
        assert local_day(late_evening_utc) == "20261130"


def _post(client: Client) -> Any:
    body = {"category": "dispute", "building_code": "B1", "description": "测试"}
    return client.post("/api/alerts", body, content_type="application/json")


def test_a_token_is_looked_up_once_while_it_is_fresh(
    personas: dict[str, Any], system: Any, django_assert_num_queries: Any
) -> None:
    _row, token = tokens.create_token(actor=system, user=personas["dispatcher"], name="upstream")
    first = tokens.user_for_token(token)
    assert first is not None
    with django_assert_num_queries(0):
        again = tokens.user_for_token(token)
    # The same object: the role grants cached on it are worked out once.
    assert again is first


def test_a_deactivated_account_is_refused_once_its_lookup_is_stale(
    personas: dict[str, Any], system: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    dispatcher = personas["dispatcher"]
    _row, token = tokens.create_token(actor=system, user=dispatcher, name="upstream")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert _post(client).status_code == 201
    type(dispatcher).objects.filter(pk=dispatcher.pk).update(is_active=False)
    monkeypatch.setattr(tokens, "CACHE_SECONDS", 0.0)
    tokens.forget_tokens()  # stands in for CACHE_SECONDS passing
    assert _post(client).status_code == 401
    assert Alert.objects.count() == 1


def test_a_made_up_token_is_not_remembered(personas: dict[str, Any]) -> None:
    assert tokens.user_for_token("zy_not-a-real-token") is None
    assert tokens._hash("zy_not-a-real-token") not in tokens._known


def test_sqlite_placeholders_are_converted_once_and_literal_percents_survive() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("the conversion of %s placeholders is SQLite's")
    from zhengyi.core.db_sqlite.base import _qmark

    sql = "SELECT %s || '%%' /* converted once */"
    with connection.cursor() as cursor:
        cursor.execute(sql, ["50"])
        assert cursor.fetchone() == ("50%",)
        hits = _qmark.cache_info().hits
        cursor.execute(sql, ["75"])
        assert cursor.fetchone() == ("75%",)
    assert _qmark.cache_info().hits == hits + 1


def test_another_processs_change_is_seen_once_the_stamp_is_read_again(
    personas: dict[str, Any], stations: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.contrib.contenttypes.models import ContentType

    from zhengyi.alerts.services import station_data as station_data_module

    ft, dispatcher = stations["FT"], personas["dispatcher"]
    monkeypatch.setattr(station_data_module, "STAMP_WITHIN", 3600.0)
    first, _ = receive_alert(actor=dispatcher, station=ft, data=tower_call(stations))
    assert first.zone is not None
    # Another process moves the building out of its zone: its change record is in the
    # database, but this process did not write it, so it asks again only when the time is up.
    tower = Building.objects.get(station=ft, code="B1")
    Building.objects.filter(pk=tower.pk).update(zone=None)
    ObjectChange.objects.create(
        actor_name="另一进程",
        source="web",
        correlation_id="elsewhere",
        content_type=ContentType.objects.get_for_model(Building),
        object_id=str(tower.pk),
        object_repr="B1",
        action="update",
    )
    second, _ = receive_alert(actor=dispatcher, station=ft, data=tower_call(stations))
    assert second.zone is not None
    monkeypatch.setattr(station_data_module, "STAMP_WITHIN", 0.0)
    third, _ = receive_alert(actor=dispatcher, station=ft, data=tower_call(stations))
    assert third.zone is None
