"""Signals to the command boards, written inside the caller's transaction."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from zhengyi.alerts.models import Alert, BoardEvent, Unit
from zhengyi.core.fastsql import insert, insert_rows, new_row
from zhengyi.core.models import Station


def signal_board(
    *, station: Station | int, summary: str, alert: Alert | None = None, unit: Unit | None = None
) -> None:
    """Record that boards of ``station`` must refresh; visible to them once the change commits."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("board signals are written inside the service's transaction")
    station_id = station if isinstance(station, int) else station.pk
    insert(BoardEvent(station_id=station_id, alert=alert, unit=unit, summary=summary[:200]))


def signal_board_many(station_id: int, alerts: list[Alert], summary: str) -> None:
    """One signal per alert of a batch (each names its alert), in one statement."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("board signals are written inside the service's transaction")
    now = timezone.now()
    insert_rows(
        BoardEvent,
        [
            new_row(
                BoardEvent,
                {
                    "station_id": station_id,
                    "time": now,
                    "alert_id": a.pk,
                    "unit_id": None,
                    "summary": f"{summary} {a.number}"[:200],
                },
            )
            for a in alerts
        ],
    )
