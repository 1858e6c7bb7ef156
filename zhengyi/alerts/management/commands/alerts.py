"""zhengyi alerts import — historical CAD exports into a station's alerts (docs/cad-import.md)."""

from __future__ import annotations

import csv
from argparse import ArgumentParser
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import CommandError

from zhengyi.alerts.cad import CadRecord, ImportPlan, MappingError, analyse, load_mapping
from zhengyi.alerts.services.history import HistoricalAlert, HistoryImportResult, import_historical
from zhengyi.core.management.base import AuditedCommand
from zhengyi.core.models import Station

# Rejected rows printed to stderr when there is no --report file.
SHOWN_REJECTIONS = 50


def to_historical(record: CadRecord) -> HistoricalAlert:
    """A parsed CAD row as the history service takes it. The source's own words (call types,
    the CAD subcategory text, the intake channel, what the parser decided) go to the
    description; our codes go to the fields."""
    lines = []
    if record.initial_type:
        lines.append(f"CAD 初始类型 initial type: {record.initial_type}")
    if record.final_type:
        lines.append(f"CAD 最终类型 final type: {record.final_type}")
    if record.initial_subcategory and record.initial_subcategory != record.final_subcategory:
        lines.append(f"初始细类 initial subcategory: {record.initial_subcategory}")
    if record.final_subcategory:
        lines.append(f"细类 subcategory: {record.final_subcategory}")
    if record.source_value:
        lines.append(f"来源 source: {record.source_value}")
    lines.extend(f"导入说明 note: {note}" for note in record.notes)
    return HistoricalAlert(
        external_id=record.external_id,
        kind=record.kind,
        category_initial=record.initial_category,
        category=record.final_category,
        subcategory=None,  # the mapping's subcategory is free text, not one of our codes
        priority_initial=record.initial_priority,
        priority=record.final_priority,
        source=record.source,
        received_at=record.received,
        queued_at=record.queued,
        dispatched_at=record.dispatched,
        en_route_at=record.en_route,
        on_scene_at=record.on_scene,
        cleared_at=record.cleared,
        closed_at=record.closed,
        lon=record.lon,
        lat=record.lat,
        location_text=record.location or "",
        description="\n".join(lines)[:4000],
        disposition=record.disposition or "",
    )


@dataclass(frozen=True)
class _Rejected:
    line: int
    external_id: str
    stage: str  # "parse": the CAD row itself; "import": the alert rules of the station
    codes: list[str]
    reasons: list[str]


def _rejections(plan: ImportPlan, result: HistoryImportResult, lines: dict[str, int]) -> list[_Rejected]:
    out = [_Rejected(r.line, r.external_id or "", "parse", r.codes, r.reasons) for r in plan.rejections]
    out.extend(
        _Rejected(lines.get(eid, 0), eid, "import", codes, reasons)
        for (eid, reasons), codes in zip(result.rejected, result.rejected_codes, strict=True)
    )
    return sorted(out, key=lambda r: r.line)


class Command(AuditedCommand):
    help = "警情：导入历史接处警 (CAD) 数据 / alerts: import historical CAD exports"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser(
            "import",
            help="导入历史警情 CSV（按映射文件）/ import a CAD export through a mapping file",
        )
        imp.add_argument("file", type=Path, help="CAD 导出的 CSV 文件 / the CSV export")
        imp.add_argument("--mapping", required=True, type=Path, help="映射文件 (TOML)，见 docs/cad-import.md")
        imp.add_argument("--station", required=True, help="导入到哪个派出所（代码）/ station code")
        imp.add_argument("--timezone", default=None, help="覆盖映射中的时区（IANA 名称）/ override the zone")
        imp.add_argument(
            "--dry-run", action="store_true", help="只检查不写入 / check everything, write nothing"
        )
        imp.add_argument(
            "--report", type=Path, default=None, help="把被拒绝的行写入 CSV / rejected rows to CSV"
        )
        imp.add_argument(
            "--batch-size", type=int, default=2000, help="每个事务的记录数 / records per transaction"
        )
        super().add_arguments(imp)

    def handle(self, *args: Any, **options: Any) -> None:
        handlers: dict[str, Callable[[dict[str, Any]], None]] = {"import": self._import}
        handlers[options["action"]](options)

    # --- helpers ---------------------------------------------------------------------------

    def _station(self, code: str) -> Station:
        station = Station.objects.filter(code=code).first()
        if station is None:
            known = "、".join(f"{s.code}（{s.name}）" for s in Station.objects.all()) or "无"
            raise CommandError(
                f"找不到派出所 “{code}”；现有：{known}。可用 zhengyi stations add 新建 / unknown station {code!r}"
            )
        return station

    # --- import ----------------------------------------------------------------------------

    def _import(self, options: dict[str, Any]) -> None:
        station = self._station(options["station"])
        actor = self.actor(options)
        if options["batch_size"] < 1:
            raise CommandError("--batch-size 至少为 1")
        try:
            mapping = load_mapping(options["mapping"])
            plan = analyse(
                options["file"],
                mapping,
                timezone=options["timezone"],
                progress=self.progress_bar("读取 reading "),
            )
        except MappingError as exc:
            self.stderr.write("")
            raise CommandError(str(exc)) from exc
        self.stderr.write("")
        records = sorted(plan.records, key=lambda r: r.received)  # numbers follow the calls' order
        lines = {r.external_id: r.line for r in records}
        try:
            result = import_historical(
                actor=actor,
                station=station,
                records=[to_historical(r) for r in records],
                progress=self.progress_bar("导入 importing"),
                total=len(records),
                batch_size=options["batch_size"],
                dry_run=options["dry_run"],
            )
        except (PermissionDenied, ValueError) as exc:
            self.stderr.write("")
            raise CommandError(str(exc)) from exc
        self.stderr.write("")
        rejected = _rejections(plan, result, lines)
        self._summary(plan, result, rejected, station, options["dry_run"])
        if options["report"] is not None:
            self._write_report(options["report"], rejected)
        else:
            self._show(rejected)

    def _summary(
        self,
        plan: ImportPlan,
        result: HistoryImportResult,
        rejected: list[_Rejected],
        station: Station,
        dry_run: bool,
    ) -> None:
        codes = Counter(code for r in rejected for code in dict.fromkeys(r.codes))
        created = "可导入 would import" if dry_run else "已导入 imported"
        out = [
            f"{plan.path} — {plan.mapping_name}, {plan.timezone} → {station.name}（{station.code}）",
            f"  读取 read: {plan.total_rows} 行 rows",
            f"  {created}: {result.created}",
            f"  已存在 already present: {result.skipped_existing}",
            f"  拒绝 rejected: {len(rejected)}"
            f"（解析 parse {len(plan.rejections)}，导入规则 import rules {len(result.rejected)}）",
        ]
        out.extend(f"    {code}: {n}" for code, n in codes.most_common())
        if dry_run:
            out.append("试运行，未写入任何数据 / dry run: nothing was written")
        self.stdout.write("\n".join(out))

    def _write_report(self, path: Path, rejected: list[_Rejected]) -> None:
        try:
            # utf-8-sig: spreadsheet programs then read the Chinese reasons correctly.
            with path.open("w", encoding="utf-8-sig", newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow(["line", "external_id", "stage", "codes", "reasons"])
                for r in rejected:
                    writer.writerow(
                        [r.line, r.external_id, r.stage, " ".join(r.codes), " | ".join(r.reasons)]
                    )
        except OSError as exc:
            raise CommandError(f"无法写入拒绝清单 {path}：{exc.strerror} (cannot write the report)") from exc
        self.stdout.write(f"拒绝清单 rejected rows: {path}（{len(rejected)} 行）")

    def _show(self, rejected: list[_Rejected]) -> None:
        for r in rejected[:SHOWN_REJECTIONS]:
            self.stderr.write(
                f"  第 {r.line} 行 line {r.line} [{r.external_id or '-'}]: {'; '.join(r.reasons)}"
            )
        if len(rejected) > SHOWN_REJECTIONS:
            self.stderr.write(
                f"  …… 另有 {len(rejected) - SHOWN_REJECTIONS} 行被拒绝，用 --report FILE.csv 导出全部"
                f" / {len(rejected) - SHOWN_REJECTIONS} more: use --report"
            )
