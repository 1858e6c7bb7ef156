"""zhengyi stations add|list — the stations (派出所) a deployment serves."""

from __future__ import annotations

import json
import re
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import CommandError
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from zhengyi.core.management.base import AuditedCommand
from zhengyi.core.models import Bureau, Station
from zhengyi.core.permissions import require
from zhengyi.core.services.org import upsert_station
from zhengyi.precinct.geometry import to_utm

# Alert numbers are the code + YYYYMMDD + 5 digits in 32 characters.
CODE_PATTERN = re.compile(r"^[A-Z0-9]{1,19}$")
# UTM zone 50N (114–120°E) measures areas well around Shenzhen; far from it the figure drifts.
_UTM50N_WEST, _UTM50N_EAST = 108.0, 126.0


class BoundaryError(ValueError):
    """A boundary file that cannot be used; the message says why."""


def read_boundary(path: Path) -> tuple[dict[str, Any], BaseGeometry]:
    """A GeoJSON Polygon or MultiPolygon — bare, in a Feature, or the one feature of a
    FeatureCollection — validated with shapely. Returns (geometry as JSON, shapely geometry)."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise BoundaryError(f"文件不存在：{path}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise BoundaryError(f"无法读取 {path}：{exc}") from exc
    except json.JSONDecodeError as exc:
        raise BoundaryError(f"不是有效的 JSON（第 {exc.lineno} 行第 {exc.colno} 列：{exc.msg}）") from exc
    geometry = document
    if isinstance(geometry, dict) and geometry.get("type") == "FeatureCollection":
        features = geometry.get("features") or []
        if len(features) != 1:
            raise BoundaryError(f"FeatureCollection 应只含一个辖区要素，实有 {len(features)} 个")
        geometry = features[0]
    if isinstance(geometry, dict) and geometry.get("type") == "Feature":
        geometry = geometry.get("geometry")
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        found = geometry.get("type") if isinstance(geometry, dict) else type(geometry).__name__
        raise BoundaryError(f"辖区范围应为 GeoJSON Polygon 或 MultiPolygon（或其 Feature），实为 {found}")
    try:
        geom = shape(geometry)
    except (ValueError, TypeError, AttributeError, IndexError, KeyError) as exc:
        raise BoundaryError(f"坐标无法解析：{exc}") from exc
    if geom.is_empty:
        raise BoundaryError("辖区范围为空")
    if not geom.is_valid:
        raise BoundaryError(f"辖区范围不是有效的多边形：{explain_validity(geom)}")
    west, south, east, north = geom.bounds
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        raise BoundaryError("坐标应为 WGS84 经纬度（经度 −180…180，纬度 −90…90）")
    as_json = json.loads(json.dumps(mapping(geom)))  # tuples → lists
    return as_json, geom


class Command(AuditedCommand):
    help = "派出所：新建、列出 / stations: add, list"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="新建派出所 / add a station")
        add.add_argument("code", help="代码，大写字母或数字，例如 FT、SEA / station code")
        add.add_argument("name", help="名称 / name")
        add.add_argument("--bureau", required=True, help="所属分局代码，例如 FTFJ / bureau code")
        add.add_argument("--name-en", default=None, help="英文名称 / English name")
        add.add_argument("--address", default=None, help="地址 / address")
        add.add_argument(
            "--boundary",
            type=Path,
            default=None,
            help="辖区范围 GeoJSON（Polygon 或 Feature）；不给则不限坐标 / precinct boundary",
        )
        add.add_argument("--update", action="store_true", help="已存在时更新 / update an existing station")
        super().add_arguments(add)
        sub.add_parser("list", help="列出派出所 / list stations")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            self._list()
        else:
            self._add(options)

    def _list(self) -> None:
        stations = list(Station.objects.select_related("bureau").order_by("code"))
        if not stations:
            self.stdout.write("还没有派出所：zhengyi stations add CODE NAME --bureau BUREAU")
            return
        for s in stations:
            area = f"{s.area_km2:.2f} km²" if s.area_km2 is not None else "-"
            boundary = "有辖区范围" if s.boundary else "无辖区范围"
            self.stdout.write(
                f"{s.code:<8} {s.name:<20} {s.bureau.code:<8} {area:>12}  {boundary}  {s.name_en}"
            )

    def _add(self, options: dict[str, Any]) -> None:
        code: str = options["code"].strip()
        if not CODE_PATTERN.match(code):
            raise CommandError(f"派出所代码 {code!r} 应为 1–19 个大写字母或数字（用于警情编号）")
        name: str = options["name"].strip()
        if not name or len(name) > 100:
            raise CommandError("名称不能为空，且不超过 100 个字符")
        bureau = Bureau.objects.filter(code=options["bureau"]).first()
        if bureau is None:
            known = "、".join(f"{b.code}（{b.name}）" for b in Bureau.objects.order_by("code")) or "无"
            raise CommandError(f"找不到分局 “{options['bureau']}”；现有：{known}")
        existing = Station.objects.filter(code=code).first()
        if existing is not None and not options["update"]:
            raise CommandError(f"派出所 {code} 已存在（{existing.name}）；如需修改请加 --update")
        actor = self.actor(options)
        try:
            require(actor, "change" if existing else "add", Station)
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc

        boundary = existing.boundary if existing else None
        area = existing.area_km2 if existing else None
        if options["boundary"] is not None:
            try:
                boundary, geom = read_boundary(options["boundary"])
            except BoundaryError as exc:
                raise CommandError(f"辖区范围 {options['boundary']}：{exc}") from exc
            area = round(float(to_utm(geom).area) / 1e6, 3)
            lon = geom.centroid.x
            if not _UTM50N_WEST <= lon <= _UTM50N_EAST:
                self.stderr.write(
                    f"注意：面积按 UTM 50N 计算，辖区中心经度 {lon:.2f}° 远离该投影带，面积仅供参考"
                    " / area measured in UTM 50N, far from this boundary: approximate"
                )
        station = upsert_station(
            actor=actor,
            code=code,
            name=name,
            bureau=bureau,
            name_en=options["name_en"]
            if options["name_en"] is not None
            else (existing.name_en if existing else ""),
            boundary=boundary,
            area_km2=area,
            address=options["address"]
            if options["address"] is not None
            else (existing.address if existing else ""),
        )
        verb = "已更新" if existing else "已新建"
        where = f"，辖区 {area:.3f} km²" if area is not None else "，无辖区范围（不限坐标）"
        self.stdout.write(f"{verb}派出所 {station.code}（{station.name}，{bureau.name}）{where}")
