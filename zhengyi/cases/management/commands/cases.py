"""``zhengyi cases deadlines`` — the reminder list of running time limits, for a daily job.

Prints, per investigator, every limit of their cases that is overdue or due within ``--days``
(the same rows as the deadlines board), soonest first; exit status 1 when any is overdue, so a
scheduler (cron, a systemd timer) can raise it. Case numbers and limits only — no names.
"""

from __future__ import annotations

from argparse import ArgumentParser
from collections import defaultdict
from datetime import timedelta
from typing import Any

from django.core.management.base import CommandError
from django.utils import timezone

from zhengyi.cases.deadlines import OVERDUE
from zhengyi.cases.services.deadlines import BoardRow, board
from zhengyi.core.management.base import AuditedCommand
from zhengyi.core.models import Station


class Command(AuditedCommand):
    help = "案件：期限提醒 / cases: time limits overdue or due soon"

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        sub = parser.add_subparsers(dest="action", required=True)
        due = sub.add_parser("deadlines", help="已超期或将在 N 天内到期的办案期限（按办案民警）")
        due.add_argument("--days", type=float, default=3, help="提前多少天提醒（默认 3）")
        due.add_argument("--station", help="只看此派出所（编号）")

    def handle(self, *args: Any, **options: Any) -> None:
        days = options["days"]
        if not 0 <= days <= 365:
            raise CommandError("--days 须在 0 至 365 之间 / --days must be 0–365")
        station_id = None
        if options.get("station"):
            station = Station.objects.filter(code=options["station"]).first()
            if station is None:
                raise CommandError(f"没有派出所 {options['station']!r} / no such station")
            station_id = station.pk
        rows = board(self.actor(options), soon=timedelta(days=days), station_id=station_id)
        by_investigator: dict[str, list[BoardRow]] = defaultdict(list)
        for row in rows:
            names = [u.display_name or u.username for u in row.case.investigators.all()] or [
                "（未指定办案民警）"
            ]
            for name in names:
                by_investigator[name].append(row)
        now = timezone.now()
        for name in sorted(by_investigator):
            self.stdout.write(f"{name}:")
            for row in by_investigator[name]:
                d = row.deadline
                left = d.due - now
                when = f"已超期 {_span(-left)}" if row.status == OVERDUE else f"剩 {_span(left)}"
                subject = f" · {d.subject}" if d.subject else ""
                self.stdout.write(
                    f"  {row.case.number} {d.limit.label}{subject} 截止 "
                    f"{timezone.localtime(d.due):%Y-%m-%d %H:%M}（{when}）"
                )
        overdue = sum(1 for r in rows if r.status == OVERDUE)
        self.stdout.write(f"共 {len(rows)} 项：已超期 {overdue}，{days:g} 天内到期 {len(rows) - overdue}")
        if overdue:
            raise SystemExit(1)


def _span(delta: timedelta) -> str:
    hours = int(delta.total_seconds() // 3600)
    return f"{hours // 24} 天 {hours % 24} 小时" if hours >= 24 else f"{hours} 小时"
