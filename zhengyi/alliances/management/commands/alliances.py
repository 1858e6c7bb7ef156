"""zhengyi alliances sync-duty — put guard teams on or off duty on the command board.

Once: ``zhengyi alliances sync-duty``; as the periodic job ``zhengyi serve`` supervises:
``zhengyi alliances sync-duty --every 60``. Each run reads the published rosters and
writes only what changed (docs/alliances.md, 值守、检查与贡献).
"""

from __future__ import annotations

import logging
import signal
import threading
from argparse import ArgumentParser
from datetime import datetime
from types import FrameType
from typing import Any

from django.core.management.base import CommandError
from django.db import close_old_connections
from django.utils import timezone

from zhengyi.alliances import cli_training as training_cli
from zhengyi.alliances.services.duty import SyncResult, sync_all_stations, sync_duty_units
from zhengyi.core.current import acting_as
from zhengyi.core.management.base import AuditedCommand
from zhengyi.core.models import Station

log = logging.getLogger(__name__)


class Command(AuditedCommand):
    help = "联盟：值守同步 / alliances: sync guard teams on duty to the command board"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sync = sub.add_parser("sync-duty", help="按已发布的轮值表更新保安队出警单位的上岗、下岗")
        sync.add_argument("--station", help="派出所编号（默认：所有有队伍的派出所）")
        sync.add_argument("--at", help="按此时间计算（ISO 8601，默认现在）；用于核对")
        sync.add_argument(
            "--every", type=float, default=0, help="每隔多少秒运行一次，直到被停止（0：只运行一次）"
        )
        training_cli.add_parser(sub)  # 轮训: training-due (zhengyi/alliances/cli_training.py)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "training-due":
            training_cli.run(self, self.actor(options), options)
            return
        at = None
        if options["at"]:
            try:
                at = datetime.fromisoformat(options["at"])
            except ValueError as exc:
                raise CommandError(f"--at 不是 ISO 8601 时间 / not an ISO time: {options['at']}") from exc
            if timezone.is_naive(at):
                at = timezone.make_aware(at)
        every = options["every"]
        if every and at is not None:
            raise CommandError("--every 与 --at 不能同时使用 / --every and --at are exclusive")
        if every and every < 5:
            raise CommandError("--every 至少 5 秒 / at least 5 seconds")
        if not every:
            self._report(self._run(options["station"], at))
            return
        stop = threading.Event()

        def on_signal(signum: int, frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        while not stop.is_set():
            try:
                with acting_as("job"):
                    results = self._run(options["station"], None)
                if any(r.changed for r in results.values()):
                    self._report(results)
            except Exception:  # a failed run must not stop the job: the next one retries
                log.exception("duty sync failed")
            finally:
                close_old_connections()
            stop.wait(every)

    def _run(self, code: str | None, at: datetime | None) -> dict[str, SyncResult]:
        if code is None:
            return sync_all_stations(at)
        station = Station.objects.filter(code=code).first()
        if station is None:
            raise CommandError(f"没有编号为 {code} 的派出所 / no station {code}")
        return {station.code: sync_duty_units(station=station, at=at)}

    def _report(self, results: dict[str, SyncResult]) -> None:
        for code, r in results.items():
            self.stdout.write(
                f"{code}: 值守 {len(r.on_duty)}，上岗 {len(r.went_on)}，下岗 {len(r.went_off)}，"
                f"处置中待下岗 {len(r.kept_on_alert)}，新建单位 {len(r.created)}"
            )
            self.stdout.flush()
