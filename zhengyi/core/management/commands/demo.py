"""zhengyi demo load|accounts — the Futian demo precinct and its accounts."""

from __future__ import annotations

import time
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django.utils import timezone

from zhengyi.core.management.base import AuditedCommand
from zhengyi.core.models import Station


class Command(AuditedCommand):
    help = "演示数据：福田派出所辖区与各角色账户 / the Futian demo precinct and accounts"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="生成并导入演示辖区（可重复运行）")
        load.add_argument("--seed", type=int, default=2017, help="随机种子：同一种子生成同一辖区")
        load.add_argument(
            "--data-dir", type=Path, default=None, help="共享地理数据目录（默认 ../shared/data）"
        )
        load.add_argument("--force", action="store_true", help="已存在时仍重新导入（按编号更新）")
        super().add_arguments(load)
        sub.add_parser("accounts", help="列出演示账户 / print the demo accounts")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "accounts":
            self._print_accounts()
            return
        from zhengyi.demo.accounts import ensure_accounts, ensure_organisation
        from zhengyi.demo.alerts import ensure_units, load_history
        from zhengyi.demo.precinct import load_futian
        from zhengyi.precinct.futian_demo import generate

        actor = self.actor(options)
        started = time.monotonic()
        org = ensure_organisation(actor=actor)
        data_dir = options["data_dir"] or Path(settings.SHARED_DATA_DIR)
        try:
            spec = generate(seed=options["seed"], data_dir=data_dir)
        except FileNotFoundError as exc:
            raise CommandError(str(exc)) from exc

        def progress(stage: str, done: int, total: int) -> None:
            width = 20
            filled = width * done // total if total else width
            self.stderr.write(
                f"\r  [{'#' * filled}{'.' * (width - filled)}] {stage:<20} {done}/{total}", ending=""
            )
            self.stderr.flush()

        futian = Station.objects.filter(code="FT").first()
        if futian is None or options["force"] or not futian.area_km2:
            self.stderr.write("导入辖区 / loading the precinct")
            futian = load_futian(actor=actor, bureau=org["bureau"], spec=spec, progress=progress)
            self.stderr.write("")
        else:
            self.stdout.write("福田派出所演示辖区已存在（--force 可重新导入）")
        ensure_accounts(actor=actor)
        ensure_units(actor=actor, station=futian, spec=spec, seed=options["seed"])
        self.stderr.write("导入两年警情 / loading two years of alerts")
        result = load_history(
            actor=actor,
            station=futian,
            spec=spec,
            today=timezone.localdate(),
            seed=options["seed"],
            progress=progress,
        )
        self.stderr.write("")
        self.stdout.write(
            f"警情：新增 {result.created} 条，已存在 {result.skipped_existing} 条，拒绝 {len(result.rejected)} 条"
        )
        for external_id, reasons in result.rejected[:10]:
            self.stderr.write(f"  - {external_id}: {'; '.join(reasons)}")
        from zhengyi.demo.cases import load_cases

        for line in load_cases(station=futian, seed=options["seed"]):
            self.stdout.write(line)  # 案件：传销案、写字楼盗窃案与一般案件
        ensure_accounts(actor=actor)
        from zhengyi.demo.alliances import load_alliances

        self.stderr.write("联盟与轮值表 / alliances and rosters")
        for line in load_alliances(
            actor=actor, station=futian, today=timezone.localdate(), seed=options["seed"]
        ):
            self.stdout.write(line)
        from zhengyi.demo.alliances import load_operations

        for line in load_operations(actor=actor, station=futian, today=timezone.localdate()):
            self.stdout.write(line)  # 值守、检查与贡献
        from zhengyi.demo.training import load_training

        self.stderr.write("轮训 / rotating training")
        for line in load_training(
            actor=actor, station=futian, today=timezone.localdate(), seed=options["seed"]
        ):
            self.stdout.write(line)
        from zhengyi.demo.catches import load_catches

        for line in load_catches(
            actor=actor, station=futian, today=timezone.localdate(), seed=options["seed"]
        ):
            self.stdout.write(line)  # 反扒队抓获, each a theft case
        # 阳光平台: last, after the cases demo (its key cases become 重点案件 on the portal).
        from zhengyi.demo.sunshine import load_sunshine

        self.stderr.write("阳光平台 / the sunshine portal")
        for line in load_sunshine(station=futian):
            self.stdout.write(line)
        self.stdout.write(f"演示数据就绪，用时 {time.monotonic() - started:.1f} 秒")
        self._print_accounts()

    def _print_accounts(self) -> None:
        from zhengyi.core.models import Role
        from zhengyi.demo.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD

        names = dict(Role.objects.values_list("code", "name"))
        self.stdout.write(
            f"\n演示账户（密码均为 {DEMO_PASSWORD}）/ demo accounts (password {DEMO_PASSWORD}):"
        )
        for a in DEMO_ACCOUNTS:
            where = a.station or a.bureau
            self.stdout.write(
                f"  {a.username:<12} {names.get(a.role, a.role):<10} {a.display_name}（{where}）"
            )
