"""The intake's hot path: the per-process copy of reference data stays true to the database,
hand-compiled inserts store what the ORM would, numbers continue across both ways in, and
SQLite writers of one process queue instead of sleeping in the busy handler."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from tests.threads_support import run_together
from zhengyi.alerts.models import Alert, BoardEvent
from zhengyi.alerts.services import station_data as station_data_module
from zhengyi.alerts.services.history import HistoricalAlert, import_historical
from zhengyi.alerts.services.intake import receive_alert
from zhengyi.alerts.services.numbering import last_sequences, local_day
from zhengyi.core.fastsql import insert
from zhengyi.core.models import ObjectChange
from zhengyi.precinct.models import Building, Zone
from zhengyi.precinct.services import update_building

from .tower_support import tower_call

pytestmark = pytest.mark.django_db


def test_the_copy_follows_a_change_made_through_a_service(
    personas: dict[str, Any], stations: dict[str, Any]
) -> None:
    ft = stations["FT"]
    first, _ = receive_alert(actor=personas["dispatcher"], station=ft, data=tower_call(stations))
    assert first.zone is not None and first.zone.code == "Z1"
    # Another process (here: the same one, without telling the cache) moves the building out
    # of its zone through the precinct's service, which records the change.
    tower = Building.objects.get(station=ft, code="B1")
    update_building(actor=personas["head"], building=tower, changes={"zone": None}, reason="测试")
    second, _ = receive_alert(actor=personas["dispatcher"], station=ft, data=tower_call(stations))
    assert second.zone is None


def test_the_copy_is_reused_while_nothing_changes(
    personas: dict[str, Any], stations: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    ft = stations["FT"]
    receive_alert(actor=personas["dispatcher"], station=ft, data=tower_call(stations))
    loads: list[int] = []
    real = station_data_module.StationData

    def counting(station: Any) -> Any:
        loads.append(station.pk)
        return real(station)

    monkeypatch.setattr(station_data_module, "StationData", counting)
    for _ in range(3):
        receive_alert(actor=personas["dispatcher"], station=ft, data=tower_call(stations))
    assert loads == []
    # …and is dropped when it is older than MAX_AGE, whatever the stamp says.
    monkeypatch.setattr(station_data_module, "MAX_AGE", 0.0)
    receive_alert(actor=personas["dispatcher"], station=ft, data=tower_call(stations))
    assert loads == [ft.pk]


def test_fast_insert_stores_what_the_orm_would(personas: dict[str, Any], stations: dict[str, Any]) -> None:
    alert, _ = receive_alert(
        actor=personas["dispatcher"],
        station=stations["FT"],
        data=tower_call(stations, caller_phone="13812345678"),
    )
    stored = Alert.objects.get(pk=alert.pk)
    assert stored.number == alert.number
    assert stored.received_at == alert.received_at
    assert stored.required_steps == alert.required_steps and isinstance(stored.required_steps, list)
    assert stored.done_steps == []  # the field's default, applied by the compiled insert
    assert stored.caller_phone == "13812345678"
    change = ObjectChange.objects.get(content_type__model="alert", object_id=str(alert.pk))
    assert change.after is not None and change.after["caller_phone"] == "138****5678"
    assert abs(change.time - timezone.now()) < timedelta(minutes=1)  # auto_now_add
    board = BoardEvent.objects.get(alert=alert)
    assert board.summary == f"受理 {alert.number}"
    with transaction.atomic():
        event = insert(BoardEvent(station_id=stations["FT"].pk, summary="x"))
    assert event.pk is not None and BoardEvent.objects.filter(pk=event.pk).exists()


def test_values_that_go_in_as_they_are_equal_the_fields_own_preparation(
    personas: dict[str, Any], stations: dict[str, Any]
) -> None:
    """row_values skips the field calls for str/int/bool/None values of plain fields; for every
    column of the intake's rows the result must be what the field itself prepares."""
    from zhengyi.alerts.models import AlertEvent
    from zhengyi.core.fastsql import _statement, row_values

    alert, _ = receive_alert(
        actor=personas["dispatcher"],
        station=stations["FT"],
        data=tower_call(stations, caller_phone="13812345678"),
    )
    rows = [
        Alert.objects.get(pk=alert.pk),
        alert,
        AlertEvent.objects.filter(alert=alert).first(),
        ObjectChange.objects.filter(content_type__model="alert").first(),
        BoardEvent.objects.filter(alert=alert).first(),
        # Values of other types than the field's own go through the field: 1 into a boolean,
        # a number into a text field.
        BoardEvent(station_id=str(stations["FT"].pk), summary=12),
    ]
    for obj in rows:
        assert obj is not None
        plan = _statement(type(obj), "default")
        expected = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in plan.fields]
        got = row_values(plan, obj, connection)
        # Compared by value where a value went in as it is; a value that went through its field
        # both ways is compared by type (an auto_now_add field takes the moment of each call,
        # and PostgreSQL's JSON adapter has no equality).
        for (_name, as_is, field), mine, theirs in zip(plan.columns, got, expected, strict=True):
            took_shortcut = bool(as_is) and (theirs is None or type(theirs) in as_is)
            where = (type(obj).__name__, field.name)
            if took_shortcut:
                assert mine == theirs and type(mine) is type(theirs), where
            else:
                assert type(mine) is type(theirs), where
    assert any(as_is for _name, as_is, _f in _statement(Alert, "default").columns)


def test_numbers_continue_across_live_intake_and_import(
    personas: dict[str, Any], stations: dict[str, Any]
) -> None:
    ft = stations["FT"]
    now = timezone.now()
    live, _ = receive_alert(actor=personas["dispatcher"], station=ft, data=tower_call(stations))
    result = import_historical(
        actor=personas["dispatcher"],
        station=ft,
        records=[
            HistoricalAlert(
                external_id=f"H{i}",
                kind="",
                category_initial="dispute",
                category="dispute",
                subcategory=None,
                priority_initial=None,
                priority=None,
                source="phone_110",
                received_at=now - timedelta(seconds=30 - i),
                building_code="B1",
            )
            for i in range(2)
        ],
    )
    assert result.created == 2
    after, _ = receive_alert(actor=personas["dispatcher"], station=ft, data=tower_call(stations))
    day = local_day(now)
    numbers = sorted(Alert.objects.filter(station=ft, number__contains=day).values_list("number", flat=True))
    assert [n[-5:] for n in numbers] == ["00001", "00002", "00003", "00004"]
    assert live.number.endswith("00001") and after.number.endswith("00004")
    assert last_sequences(ft, [day, "20000101"]) == {day: 4, "20000101": 0}


@pytest.mark.skipif("sqlite" not in connection.vendor, reason="SQLite's write lock")
@pytest.mark.django_db(transaction=True)
def test_sqlite_writers_of_one_process_take_turns_without_sleeping(stations: dict[str, Any]) -> None:
    """Eight threads each hold the write lock briefly; with SQLite's busy handler alone the
    waiters would sleep in growing steps, here each is handed the lock on commit."""
    zone = Zone.objects.get(station=stations["FT"], code="Z1")
    errors: list[BaseException] = []
    waits: list[float] = []

    def writer() -> None:
        try:
            for _ in range(10):
                started = time.perf_counter()
                with transaction.atomic():
                    waits.append(time.perf_counter() - started)
                    Zone.objects.filter(pk=zone.pk).update(name_en="Test CBD")
                    time.sleep(0.002)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(waits) == 80
    # Every wait is for the others' 2 ms transactions, never a busy-handler sleep of ≥100 ms.
    assert max(waits) < 0.5
    # The mechanism itself: a write transaction holds the process's turn, and gives it back.
    from zhengyi.core.db_sqlite import base as queued

    with transaction.atomic():
        Zone.objects.filter(pk=zone.pk).update(name_en="Held")
        assert queued._write_lock.locked()
    assert not queued._write_lock.locked()


@pytest.mark.skipif("sqlite" not in connection.vendor, reason="SQLite's write lock")
@pytest.mark.django_db(transaction=True)
def test_a_failed_transaction_hands_the_write_lock_back(stations: dict[str, Any]) -> None:
    zone = Zone.objects.get(station=stations["FT"], code="Z1")
    with pytest.raises(RuntimeError), transaction.atomic():
        Zone.objects.filter(pk=zone.pk).update(name_en="X")
        raise RuntimeError("boom")
    done = threading.Event()

    def other() -> None:
        with transaction.atomic():
            Zone.objects.filter(pk=zone.pk).update(name_en="Y")
        connections.close_all()
        done.set()

    threading.Thread(target=other).start()
    assert done.wait(5), "the lock was not released by the rollback"
    zone.refresh_from_db()
    assert zone.name_en == "Y"


@pytest.mark.django_db(transaction=True)
def test_concurrent_calls_share_commits_and_lose_nothing(
    personas: dict[str, Any], stations: dict[str, Any]
) -> None:
    """Twelve threads call at once, outside any transaction (so through the group commit);
    four of them repeat one idempotency key. Every distinct call is stored exactly once,
    numbers are gap-free, and the repeats all get the one alert."""
    ft = stations["FT"]
    dispatcher = personas["dispatcher"]
    data = tower_call(stations, caller_phone="13812345678")
    results: list[tuple[str, int, bool]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(12)

    def call(i: int) -> None:
        key = "same-key" if i < 4 else f"key-{i}"
        try:
            start.wait()
            alert, created = receive_alert(actor=dispatcher, station=ft, data=data, idempotency_key=key)
            results.append((key, alert.pk, created))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    run_together(call, 12, timeout=None)
    import traceback

    assert errors == [], "".join(traceback.format_exception(errors[0]))
    same = {pk for key, pk, _ in results if key == "same-key"}
    assert len(same) == 1
    assert sum(1 for key, _, created in results if key == "same-key" and created) == 1
    stored = list(Alert.objects.filter(station=ft).order_by("number").values_list("number", flat=True))
    assert len(stored) == 9  # one for the repeated key, eight others
    assert [n[-5:] for n in stored] == [f"{i:05d}" for i in range(1, 10)]
    assert ObjectChange.objects.filter(content_type__model="alert", action="create").count() == 9
    assert BoardEvent.objects.filter(station=ft).count() == 9


def test_a_day_has_at_most_99999_numbers_and_says_so() -> None:
    from zhengyi.alerts.services.numbering import format_number

    assert format_number("FT", "20261130", 99_999) == "FT2026113099999"
    with pytest.raises(RuntimeError, match="99,999"):
        format_number("FT", "20261130", 100_000)
