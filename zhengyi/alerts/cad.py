"""Historical CAD (computer-aided dispatch) exports → normalised alert records.

Pure Python: no Django imports. The Django side (the ``zhengyi alerts import`` command)
calls :func:`analyse`, shows the plan, and imports each :class:`CadRecord` whole — a
:class:`RowRejection` is reported, never half-imported. See ``docs/cad-import.md``.

    mapping = load_mapping("docs/cad-mappings/seattle.toml")
    plan = analyse("seattle-calls-sample.csv", mapping)
    plan.records[0].received        # timezone-aware UTC
    intervals(plan.records[0])      # seconds between the stages
"""

from __future__ import annotations

import csv
import math
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any, TextIO

from zhengyi.alerts.cad_mapping import (
    ISO_FORMAT,
    STAGE_LABELS,
    STAGES,
    CategoryRule,
    Mapping,
    MappingError,
    describe_offset,
    load_mapping,
    local_example,
    normalise_type,
    resolve_timezone,
    to_utc,
)
from zhengyi.alerts.taxonomy import DEFAULT_KIND_FOR_CATEGORY, PRIORITY_MAX, PRIORITY_MIN, Kind, Source

__all__ = [
    "INTERVALS",
    "STAGES",
    "CadRecord",
    "ImportPlan",
    "Mapping",
    "MappingError",
    "RawRow",
    "RowRejection",
    "analyse",
    "intervals",
    "load_mapping",
    "normalise_type",
    "parse_row",
    "read_rows",
    "to_utc",
]

# Response intervals (DESIGN §4), as (name, from stage, to stage).
INTERVALS: tuple[tuple[str, str, str], ...] = (
    ("received_to_dispatched", "received", "dispatched"),
    ("dispatched_to_en_route", "dispatched", "en_route"),
    ("en_route_to_on_scene", "en_route", "on_scene"),
    ("received_to_on_scene", "received", "on_scene"),
    ("on_scene_to_cleared", "on_scene", "cleared"),
    ("cleared_to_closed", "cleared", "closed"),
)


@dataclass(frozen=True)
class RawRow:
    """One data row as read: ``line`` is the file line it starts on (the header is line 1),
    ``values`` maps header name → trimmed value, ``error`` says why the row is malformed."""

    line: int
    values: dict[str, str]
    error: str | None = None


@dataclass(frozen=True)
class CadRecord:
    """A row that can be imported. Times are timezone-aware UTC; None when blank."""

    line: int
    external_id: str
    kind: str
    initial_category: str
    final_category: str
    initial_subcategory: str | None
    final_subcategory: str | None
    initial_type: str | None  # the source's own words, kept (DESIGN §4: original and final)
    final_type: str | None
    initial_priority: int | None
    final_priority: int | None
    source: str
    source_value: str | None
    disposition: str | None
    location: str | None
    lon: float | None
    lat: float | None
    received: datetime
    queued: datetime | None = None
    dispatched: datetime | None = None
    en_route: datetime | None = None
    on_scene: datetime | None = None
    cleared: datetime | None = None
    closed: datetime | None = None
    notes: tuple[str, ...] = ()  # what the importer decided (DST resolution, defaults used)
    raw: dict[str, str] = field(default_factory=dict, compare=False, hash=False, repr=False)

    @property
    def timeline(self) -> dict[str, datetime | None]:
        return {stage: getattr(self, stage) for stage in STAGES}


@dataclass(frozen=True)
class RowRejection:
    """A row that cannot be imported, with every problem found in it.

    ``reasons`` are 简体中文 with the English in parentheses; ``codes`` are the matching
    machine codes (``time_format``, ``time_order``, ``dst_ambiguous``, ``dst_nonexistent``,
    ``missing_received``, ``unmapped_type``, ``missing_type``, ``priority``, ``source``,
    ``coordinates``, ``missing_id``, ``duplicate_id``, ``malformed``)."""

    line: int
    external_id: str | None
    reasons: list[str]
    codes: list[str] = field(default_factory=list)


@dataclass
class ImportPlan:
    """What importing a file would do: the records to import and the rows refused."""

    path: str
    mapping_name: str
    timezone: str
    total_rows: int
    records: list[CadRecord] = field(default_factory=list)
    rejections: list[RowRejection] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return {"rows": self.total_rows, "records": len(self.records), "rejected": len(self.rejections)}

    def rejection_codes(self) -> Counter[str]:
        """How many rejected rows have each problem (a row with two problems counts twice)."""
        return Counter(code for r in self.rejections for code in dict.fromkeys(r.codes))

    def category_counts(self, which: str = "final") -> Counter[str]:
        return Counter(getattr(r, f"{which}_category") for r in self.records)

    def source_counts(self) -> Counter[str]:
        return Counter(r.source for r in self.records)

    def summary(self) -> str:
        """A few lines of plain text for a dry run."""
        lines = [
            f"{self.path} — {self.mapping_name}, {self.timezone}",
            f"行 rows {self.total_rows}: 可导入 records {len(self.records)}, 拒绝 rejected {len(self.rejections)}",
        ]
        if self.records:
            cats = ", ".join(f"{k} {v}" for k, v in self.category_counts().most_common())
            lines.append(f"最终类别 final categories: {cats}")
            changed = sum(1 for r in self.records if r.initial_category != r.final_category)
            lines.append(f"类别有变化 category changed initial → final: {changed}")
        for code, n in self.rejection_codes().most_common():
            lines.append(f"  {code}: {n}")
        for rej in self.rejections[:20]:
            lines.append(
                f"  第 {rej.line} 行 line {rej.line} [{rej.external_id or '-'}]: {'; '.join(rej.reasons)}"
            )
        return "\n".join(lines)


# --- reading ------------------------------------------------------------------------------


def read_rows(path: str | Path, mapping: Mapping) -> Iterator[RawRow]:
    """Read a CSV export. The header is checked at once: every column the mapping names must
    be there (else :class:`MappingError` listing the missing ones and the header). Blank
    lines (and rows of empty fields) are skipped; a row with the wrong number of fields comes
    back with ``error`` set."""
    path = Path(path)
    try:
        handle = path.open(encoding=mapping.encoding, newline="")
    except OSError as exc:
        raise MappingError(f"无法读取文件 {path}：{exc.strerror} (cannot read {path})") from None
    try:
        reader = csv.reader(handle, delimiter=mapping.delimiter)
        try:
            first = next(reader, None)
        except UnicodeDecodeError as exc:
            raise _decode_error(path, mapping, 1, exc) from None
        if first is None:
            raise MappingError(f"{path} 是空文件，没有表头 ({path} is empty: no header row)")
        header = [name.strip() for name in first]
        missing = [c for c in mapping.source_columns() if c not in header]
        if missing:
            raise MappingError(
                f"{path} 缺少映射文件中的列 (missing columns)：{', '.join(repr(c) for c in missing)}；"
                f"文件表头为 (the header is)：{', '.join(repr(h) for h in header)}"
            )
        doubled = [c for c in mapping.source_columns() if header.count(c) > 1]
        if doubled:
            raise MappingError(f"{path} 表头中这些列出现多次 (duplicated columns)：{', '.join(doubled)}")
    except BaseException:
        handle.close()
        raise
    return _rows(path, handle, reader, header, mapping)


def _decode_error(path: Path, mapping: Mapping, line: int, exc: UnicodeDecodeError) -> MappingError:
    return MappingError(
        f"encoding：{path} 约第 {line} 行不是 {mapping.encoding} 编码（国内导出常为 gb18030，"
        f"可在映射中设置 encoding）：{exc.reason} (file is not {mapping.encoding}; set encoding)"
    )


def _rows(path: Path, handle: TextIO, reader: Any, header: list[str], mapping: Mapping) -> Iterator[RawRow]:
    width = len(header)
    with handle:
        while True:
            start = reader.line_num + 1
            try:
                fields = next(reader)
            except StopIteration:
                return
            except UnicodeDecodeError as exc:
                raise _decode_error(path, mapping, start, exc) from None
            except csv.Error as exc:
                yield RawRow(start, {}, f"CSV 格式错误：{exc} (malformed CSV: {exc})")
                continue
            values = [v.strip() for v in fields]
            if not any(values):
                continue
            row = dict(zip(header, values, strict=False))
            error = None
            if len(values) != width:
                error = (
                    f"第 {start} 行有 {len(values)} 个字段，表头有 {width} 个"
                    f" (line {start} has {len(values)} fields, the header has {width})"
                )
            yield RawRow(start, row, error)


# --- parsing one row ----------------------------------------------------------------------


def _both(zh: str, en: str) -> str:
    return f"{zh} ({en})"


def _stage_name(stage: str, mapping: Mapping) -> str:
    return f"{STAGE_LABELS[stage]} {stage}「{mapping.column(stage)}」"


def _local(dt: datetime, tz: tzinfo) -> str:
    return dt.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")


class _Row:
    """Collects values, problems and notes while one row is parsed."""

    def __init__(self, raw: RawRow, mapping: Mapping, tz: tzinfo) -> None:
        self.raw, self.mapping, self.tz = raw, mapping, tz
        self.problems: list[tuple[str, str]] = []
        self.notes: list[str] = []

    def get(self, key: str) -> str | None:
        column = self.mapping.column(key)
        if column is None:
            return None
        value = self.raw.values.get(column, "")
        return None if self.mapping.is_null(value) else value

    def problem(self, code: str, zh: str, en: str) -> None:
        message = _both(zh, en)
        if (code, message) not in self.problems:
            self.problems.append((code, message))

    def time(self, stage: str) -> datetime | None:
        value = self.get(stage)
        if value is None:
            return None
        m = self.mapping
        for fmt in m.formats:
            try:
                parsed = datetime.fromisoformat(value) if fmt == ISO_FORMAT else datetime.strptime(value, fmt)
            except ValueError:
                continue
            if parsed.tzinfo is not None:
                return parsed.astimezone(UTC)
            utc, issue = to_utc(parsed, self.tz, ambiguous=m.ambiguous, nonexistent=m.nonexistent)
            where = f"{_stage_name(stage, m)} {value}"
            if issue == "ambiguous" and utc is None:
                self.problem(
                    "dst_ambiguous",
                    f"{where} 在夏令时结束时出现两次，无法确定（映射设置 ambiguous = reject）",
                    f"{stage} {value} is ambiguous: the clocks went back",
                )
            elif issue == "nonexistent" and utc is None:
                self.problem(
                    "dst_nonexistent",
                    f"{where} 在夏令时开始时被跳过，不存在（映射设置 nonexistent = reject）",
                    f"{stage} {value} does not exist: the clocks went forward",
                )
            elif issue == "ambiguous" and utc is not None:
                offset = describe_offset(utc.astimezone(self.tz).utcoffset())
                self.notes.append(f"{where} 有两个时刻，按 ambiguous = {m.ambiguous} 取 {offset}")
            elif issue == "nonexistent" and utc is not None:
                shifted = utc.astimezone(self.tz)
                self.notes.append(
                    f"{where} 不存在（夏令时跳过），顺延为 {shifted:%H:%M:%S} {describe_offset(shifted.utcoffset())}"
                )
            return utc
        expected = " 或 ".join(f"{f}（例如 {local_example(f)}）" for f in m.formats)
        self.problem(
            "time_format",
            f"{_stage_name(stage, m)} 无法解析 {value!r}，应为 {expected}",
            f"{stage} {value!r} does not match {' / '.join(m.formats)}",
        )
        return None

    def category(self, which: str, value: str) -> tuple[str, CategoryRule | None] | None:
        rule = self.mapping.categorise(value)
        if rule is not None:
            return rule.category, rule
        if self.mapping.default_category is not None:
            return self.mapping.default_category, None
        column = self.mapping.column(f"{which}_type")
        self.problem(
            "unmapped_type",
            f"「{column}」的类型 {value!r} 没有对应的类别规则，映射中也没有 default_category",
            f"{which} type {value!r} matches no category rule and there is no default_category",
        )
        return None

    def priority(self, which: str) -> int | None:
        value = self.get(f"{which}_priority")
        m = self.mapping
        if value is None:
            return m.default_priority
        key = " ".join(value.split()).casefold()
        found: int | None
        if m.priorities:
            found = m.priorities.get(key)
        else:
            found = int(key) if key.isdigit() and PRIORITY_MIN <= int(key) <= PRIORITY_MAX else None
        if found is not None:
            return found
        column = m.column(f"{which}_priority")
        if m.default_priority is not None:
            self.notes.append(f"「{column}」优先级 {value!r} 未映射，取默认 {m.default_priority}")
            return m.default_priority
        self.problem(
            "priority",
            f"「{column}」优先级 {value!r} 无法映射到 {PRIORITY_MIN}–{PRIORITY_MAX}，映射中也没有 default_priority",
            f"priority {value!r} is not mapped to {PRIORITY_MIN}-{PRIORITY_MAX}",
        )
        return None

    def source(self) -> tuple[str, str | None]:
        value = self.get("source")
        m = self.mapping
        if value is None:
            return m.default_source or Source.IMPORT, None
        found = m.sources.get(" ".join(value.split()).casefold())
        if found is not None:
            return found, value
        if m.default_source is not None:
            return m.default_source, value
        self.problem(
            "source",
            f"「{m.column('source')}」来源 {value!r} 未映射，映射中也没有 default_source",
            f"source {value!r} is not mapped and there is no default_source",
        )
        return Source.IMPORT, value

    def coordinates(self) -> tuple[float | None, float | None]:
        lon_raw, lat_raw = self.get("lon"), self.get("lat")
        if lon_raw is None and lat_raw is None:
            return None, None
        if lon_raw is None or lat_raw is None:
            self.problem(
                "coordinates",
                f"经纬度只有一个：经度 {lon_raw or ''!r}，纬度 {lat_raw or ''!r}",
                "longitude and latitude must both be given or both be blank",
            )
            return None, None
        try:
            lon, lat = float(lon_raw), float(lat_raw)
        except ValueError:
            self.problem(
                "coordinates",
                f"经纬度不是数字：经度 {lon_raw!r}，纬度 {lat_raw!r}",
                f"coordinates are not numbers: {lon_raw!r}, {lat_raw!r}",
            )
            return None, None
        if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
            self.problem(
                "coordinates",
                f"经纬度超出范围：经度 {lon_raw} 应在 −180…180，纬度 {lat_raw} 应在 −90…90",
                f"coordinates out of range: lon {lon_raw}, lat {lat_raw}",
            )
            return None, None
        if lon == 0 and lat == 0:
            self.notes.append("经纬度为 0,0（占位值），按无坐标处理")
            return None, None
        return lon, lat


def parse_row(
    raw: RawRow,
    mapping: Mapping,
    *,
    timezone: str | tzinfo | None = None,
    seen_ids: dict[str, int] | None = None,
) -> CadRecord | RowRejection:
    """Turn one row into a record, or a rejection listing every problem in the row.

    ``timezone`` overrides the mapping's zone. ``seen_ids`` (external id → first line),
    when given, catches duplicates within a file: the first row with an id wins, later
    rows with the same id are rejected whatever the first row's fate.
    """
    tz: tzinfo = mapping.timezone if timezone is None else resolve_timezone(timezone, "--timezone")
    row = _Row(raw, mapping, tz)
    external_id = row.get("id")
    if raw.error is not None:
        return RowRejection(raw.line, external_id, [raw.error], ["malformed"])
    if external_id is None:
        row.problem("missing_id", f"「{mapping.column('id')}」编号为空", "the event number is blank")
    elif seen_ids is not None:
        first = seen_ids.setdefault(external_id, raw.line)
        if first != raw.line:
            row.problem(
                "duplicate_id",
                f"编号 {external_id} 与第 {first} 行重复",
                f"event number {external_id} already appears on line {first}",
            )

    times: dict[str, datetime | None] = {}
    parsed_columns: dict[str | None, str] = {}  # a column shared by two stages is read once
    for stage in STAGES:
        column = mapping.column(stage)
        if column in parsed_columns:
            times[stage] = times[parsed_columns[column]]
            continue
        times[stage] = row.time(stage)
        parsed_columns[column] = stage
    if row.get("received") is None:
        row.problem(
            "missing_received", f"{_stage_name('received', mapping)} 为空", "the received time is blank"
        )
    latest: tuple[str, datetime] | None = None
    for stage in STAGES:
        current = times[stage]
        if current is None:
            continue
        if latest is None or current > latest[1]:
            latest = (stage, current)  # equal times keep the earlier stage's name for messages
        elif current < latest[1]:
            before, after = _local(current, tz), _local(latest[1], tz)
            shown = after[11:] if after[:10] == before[:10] else after
            row.problem(
                "time_order",
                f"时间顺序错误：{_stage_name(stage, mapping)} {before} 早于 "
                f"{_stage_name(latest[0], mapping)} {shown}",
                f"{stage} {before} is before {latest[0]} {shown}",
            )

    initial_type, final_type = row.get("initial_type"), row.get("final_type")
    initial = row.category("initial", initial_type) if initial_type is not None else None
    final = row.category("final", final_type) if final_type is not None else None
    if initial_type is None and final_type is None:
        if mapping.default_category is not None:
            initial = final = (mapping.default_category, None)
        else:
            row.problem(
                "missing_type", "警情类型为空，映射中也没有 default_category", "the call type is blank"
            )
    elif initial_type is None and final is not None:
        initial = final
        row.notes.append("初始类型为空，按最终类型归类")
    elif final_type is None and initial is not None:
        final = initial
        row.notes.append("最终类型为空，按初始类型归类")

    initial_priority, final_priority = row.priority("initial"), row.priority("final")
    source, source_value = row.source()
    lon, lat = row.coordinates()

    if row.problems or initial is None or final is None or times["received"] is None:
        return RowRejection(
            raw.line, external_id, [msg for _, msg in row.problems], [code for code, _ in row.problems]
        )
    assert external_id is not None
    final_rule, initial_rule = final[1], initial[1]
    kind = (
        (final_rule.kind if final_rule else None)
        or DEFAULT_KIND_FOR_CATEGORY.get(final[0])
        or mapping.default_kind
        or Kind.REPORT
    )
    location_parts = [row.raw.values.get(c, "") for c in mapping.location_columns]
    location = mapping.location_separator.join(p for p in location_parts if not mapping.is_null(p))
    return CadRecord(
        line=raw.line,
        external_id=external_id,
        kind=str(kind),
        initial_category=initial[0],
        final_category=final[0],
        initial_subcategory=initial_rule.subcategory if initial_rule else None,
        final_subcategory=final_rule.subcategory if final_rule else None,
        initial_type=initial_type,
        final_type=final_type,
        initial_priority=initial_priority,
        final_priority=final_priority,
        source=str(source),
        source_value=source_value,
        disposition=row.get("disposition"),
        location=location or None,
        lon=lon,
        lat=lat,
        received=times["received"],
        queued=times["queued"],
        dispatched=times["dispatched"],
        en_route=times["en_route"],
        on_scene=times["on_scene"],
        cleared=times["cleared"],
        closed=times["closed"],
        notes=tuple(row.notes),
        raw=dict(raw.values),
    )


# --- whole files --------------------------------------------------------------------------


def analyse(
    path: str | Path,
    mapping: Mapping,
    *,
    timezone: str | tzinfo | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportPlan:
    """Read a whole export and sort every row into records and rejections.

    Rows are independent: a bad row is reported and the others carry on. ``progress(done,
    total)`` is called about every 1% and at the end; ``total`` (the number of data rows)
    is counted in a first pass.
    """
    tz = mapping.timezone if timezone is None else resolve_timezone(timezone, "--timezone")
    total = sum(1 for _ in read_rows(path, mapping))
    plan = ImportPlan(path=str(path), mapping_name=mapping.name, timezone=str(tz), total_rows=total)
    step = max(1, total // 100)
    seen: dict[str, int] = {}
    done = 0
    for raw in read_rows(path, mapping):
        result = parse_row(raw, mapping, timezone=tz, seen_ids=seen)
        if isinstance(result, CadRecord):
            plan.records.append(result)
        else:
            plan.rejections.append(result)
        done += 1
        if progress is not None and (done % step == 0 or done == total):
            progress(done, total)
    if progress is not None and total == 0:
        progress(0, 0)
    plan.total_rows = done
    return plan


def intervals(record: CadRecord) -> dict[str, float | None]:
    """Seconds between the stages (DESIGN §4); None when either end is blank.

    Keys: received_to_dispatched, dispatched_to_en_route, en_route_to_on_scene,
    received_to_on_scene, on_scene_to_cleared, cleared_to_closed.
    """
    out: dict[str, float | None] = {}
    for name, start, end in INTERVALS:
        a, b = getattr(record, start), getattr(record, end)
        out[name] = None if a is None or b is None else (b - a).total_seconds()
    return out
