"""SQLite's write turn across processes (zhengyi/core/db_sqlite): a transaction holds an advisory
lock on ``<database>-writeturn``, so granian's other workers queue on it and are handed the
turn when it is released, instead of retrying in SQLite's sleeping busy handler."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from django.db import connection, transaction

from zhengyi.precinct.models import Zone

pytestmark = [
    pytest.mark.skipif("sqlite" not in connection.vendor, reason="SQLite's write lock"),
    pytest.mark.django_db(transaction=True),
]

TRY_LOCK = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
try:
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
except BlockingIOError:
    sys.exit(1)
"""

HOLD_LOCK = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
fcntl.flock(fd, fcntl.LOCK_EX)
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
"""


def turn_file() -> str:
    return f"{connection.settings_dict['NAME']}-writeturn"


def other_process_can_lock() -> bool:
    return subprocess.run([sys.executable, "-c", TRY_LOCK, turn_file()], check=False).returncode == 0


def test_a_transaction_holds_the_turn_against_other_processes(stations: dict[str, object]) -> None:
    zone = Zone.objects.get(station=stations["FT"], code="Z1")
    assert other_process_can_lock()
    with transaction.atomic():
        Zone.objects.filter(pk=zone.pk).update(name_en="Held")
        assert not other_process_can_lock()
    assert other_process_can_lock()  # released by the commit
    with pytest.raises(RuntimeError), transaction.atomic():
        Zone.objects.filter(pk=zone.pk).update(name_en="X")
        raise RuntimeError("boom")
    assert other_process_can_lock()  # and by a rollback


def test_a_writer_waits_for_another_process_and_goes_on_when_it_lets_go(stations: dict[str, object]) -> None:
    zone = Zone.objects.get(station=stations["FT"], code="Z1")
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, turn_file(), "0.4"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        started = time.perf_counter()
        with transaction.atomic():
            waited = time.perf_counter() - started
            Zone.objects.filter(pk=zone.pk).update(name_en="After")
    finally:
        holder.wait(10)
    assert 0.25 < waited < 3.0
    zone.refresh_from_db()
    assert zone.name_en == "After"
