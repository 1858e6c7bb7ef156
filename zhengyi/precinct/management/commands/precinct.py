"""zhengyi precinct summary|import|export."""

from __future__ import annotations

import json
import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import CommandError

from zhengyi.core.management.base import AuditedCommand
from zhengyi.core.models import Station
from zhengyi.precinct.choices import BuildingCategory, ConnectorKind, LandmarkKind, Level
from zhengyi.precinct.geojson import GeoJSONError


class Command(AuditedCommand):
    help = "辖区：概况、GeoJSON 导入与导出 / the precinct: summary, GeoJSON import and export"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        summary = sub.add_parser("summary", help="辖区概况 / the station's figures")
        summary.add_argument("--station", default=None, help="派出所代码（默认：唯一或第一个）")
        summary.add_argument("--json", action="store_true", help="输出 JSON")
        imp = sub.add_parser("import", help="导入 GeoJSON / import a GeoJSON FeatureCollection")
        imp.add_argument("file", type=Path)
        imp.add_argument("--station", required=True)
        super().add_arguments(imp)
        exp = sub.add_parser("export", help="导出 GeoJSON / export the precinct")
        exp.add_argument("--station", default=None)
        exp.add_argument("--output", "-o", type=Path, default=None)

    def _station(self, code: str | None) -> Station:
        stations = Station.objects.all()
        station = stations.filter(code=code).first() if code else stations.first()
        if station is None:
            known = ", ".join(stations.values_list("code", flat=True)) or "无（请先运行 zhengyi demo load）"
            raise CommandError(f"找不到派出所 “{code}”；现有：{known}")
        return station

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "summary":
            self._summary(options)
        elif action == "import":
            self._import(options)
        else:
            self._export(options)

    def _summary(self, options: dict[str, Any]) -> None:
        from zhengyi.precinct.selectors import precinct_summary

        data = precinct_summary(self._station(options["station"]))
        if options["json"]:
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            return
        b = data["buildings"]
        cat, lvl = dict(BuildingCategory.choices), dict(Level.choices)
        con, lm = dict(ConnectorKind.choices), dict(LandmarkKind.choices)
        towers = b["office_towers_by_height"]
        lines = [
            f"{data['station']['name']}（{data['station']['code']}）辖区概况",
            f"  面积：{data['area_km2']} km²",
            f"  写字楼：100米以下 {towers['under_100']} 栋，100米及以上 {towers['over_100']} 栋；在建 {b['under_construction']} 栋",
            "  城中村住宅：" + "，".join(f"{k} {v} 栋" for k, v in b["residential_by_urban_village"].items()),
            f"  楼宇合计：{b['total']} 栋（{'，'.join(f'{cat[k]} {v}' for k, v in b['by_category'].items())}）",
            f"  地下空间：{data['underground_area_m2']:,} m²",
            f"  空中连廊：{data['skywalk_length_m']:,} m",
            "  路网："
            + "；".join(
                f"{lvl[k]} {n['nodes']} 节点 / {n['edges']} 路段" for k, n in data["network"].items()
            ),
            "  层间连接：" + "，".join(f"{con[k]} {v}" for k, v in sorted(data["connectors"].items())),
            "  地标：" + "，".join(f"{lm[k]} {v}" for k, v in sorted(data["landmarks"].items())),
        ]
        self.stdout.write("\n".join(lines))

    def _import(self, options: dict[str, Any]) -> None:
        from zhengyi.precinct.services import import_geojson

        path: Path = options["file"]
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise CommandError(f"文件不存在：{path}") from exc
        except json.JSONDecodeError as exc:
            raise CommandError(f"不是有效的 JSON（第 {exc.lineno} 行第 {exc.colno} 列：{exc.msg}）") from exc

        def progress(stage: str, done: int, total: int) -> None:
            self.stderr.write(f"\r[{'#' * done}{'.' * (total - done)}] {stage:<20}", ending="")
            self.stderr.flush()

        try:
            result = import_geojson(
                actor=self.actor(options),
                station=self._station(options["station"]),
                document=document,
                progress=progress,
            )
        except GeoJSONError as exc:
            self.stderr.write("")
            for problem in exc.problems[:50]:
                self.stderr.write(f"  - {problem}")
            raise CommandError(f"导入失败，未保存任何数据：共 {len(exc.problems)} 处问题") from exc
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        self.stderr.write("")
        self.stdout.write(f"导入完成 / imported: {result.summary()}")

    def _export(self, options: dict[str, Any]) -> None:
        from zhengyi.precinct.exports import export_station

        document = export_station(self._station(options["station"]))
        text = json.dumps(document, ensure_ascii=False)
        if options["output"]:
            options["output"].write_text(text, encoding="utf-8")
            self.stdout.write(f"已导出 {len(document['features'])} 个要素到 {options['output']}")
        else:
            sys.stdout.write(text + "\n")
