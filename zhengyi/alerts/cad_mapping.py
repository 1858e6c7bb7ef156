"""CAD mapping files: which source columns mean what, and how to read their values.

Pure Python (no Django). A mapping is a TOML file documented in ``docs/cad-import.md``;
:func:`load_mapping` validates all of it and raises :class:`MappingError` naming the key
at fault. This module also holds the local-time → UTC conversion with its DST policy
(:func:`to_utc`), which the row parser in :mod:`zhengyi.alerts.cad` uses.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any, Literal, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from zhengyi.alerts.taxonomy import CATEGORIES, KINDS, PRIORITY_MAX, PRIORITY_MIN, SOURCES

__all__ = [
    "STAGES",
    "CategoryRule",
    "Mapping",
    "MappingError",
    "load_mapping",
    "normalise_type",
    "resolve_timezone",
    "to_utc",
]


class MappingError(ValueError):
    """A mapping file (or the file it is applied to) cannot be used. The message names the key."""


# The timeline, in the order it must happen (DESIGN §4: received → dispatched → en route →
# on scene → cleared → closed; "queued" is the wait between taking the call and dispatch).
STAGES: tuple[str, ...] = ("received", "queued", "dispatched", "en_route", "on_scene", "cleared", "closed")
STAGE_LABELS: dict[str, str] = {
    "received": "接警",
    "queued": "排队",
    "dispatched": "派警",
    "en_route": "出警",
    "on_scene": "到场",
    "cleared": "处置完毕",
    "closed": "结警",
}
_SCALAR_COLUMNS: tuple[str, ...] = (
    "id",
    *STAGES,
    "initial_type",
    "final_type",
    "priority",
    "initial_priority",
    "final_priority",
    "disposition",
    "source",
    "lon",
    "lat",
)
_COLUMN_KEYS: tuple[str, ...] = (*_SCALAR_COLUMNS, "location")
_TOP_KEYS: tuple[str, ...] = (
    "name",
    "timezone",
    "formats",
    "ambiguous",
    "nonexistent",
    "encoding",
    "delimiter",
    "null_values",
    "location_separator",
    "default_category",
    "default_kind",
    "default_priority",
    "default_source",
    "columns",
    "categories",
    "priorities",
    "sources",
)
_RULE_KEYS: tuple[str, ...] = ("match", "prefix", "regex", "category", "kind", "subcategory")
AMBIGUOUS_POLICIES: tuple[str, ...] = ("earlier", "later", "reject")
NONEXISTENT_POLICIES: tuple[str, ...] = ("shift_forward", "reject")
ISO_FORMAT = "iso"

_SPACES = re.compile(r"\s+")


def normalise_type(value: str) -> str:
    """A call type as rules see it: trimmed, leading ``-`` and spaces dropped, runs of
    whitespace collapsed to one space, case-folded (``"--THEFT -  CAR"`` → ``"theft - car"``)."""
    return _SPACES.sub(" ", value.strip().lstrip("- ")).strip().casefold()


def _norm_key(value: str) -> str:
    return _SPACES.sub(" ", value.strip()).casefold()


@dataclass(frozen=True)
class CategoryRule:
    """One ``[[categories]]`` entry. Exactly one of match / prefix / regex is set."""

    how: Literal["match", "prefix", "regex"]
    pattern: str
    category: str
    kind: str | None = None
    subcategory: str | None = None
    compiled: re.Pattern[str] | None = field(default=None, compare=False, repr=False)
    needle: str = field(default="", init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "needle", normalise_type(self.pattern))

    def matches(self, normalised: str) -> bool:
        """Whether a call type, already passed through :func:`normalise_type`, matches."""
        if self.how == "match":
            return normalised == self.needle
        if self.how == "prefix":
            return normalised.startswith(self.needle)
        assert self.compiled is not None
        return self.compiled.search(normalised) is not None


@dataclass(frozen=True)
class Mapping:
    """A validated mapping file. ``columns`` maps our field name → the source column."""

    name: str
    columns: dict[str, str]
    location_columns: tuple[str, ...]
    location_separator: str
    timezone: ZoneInfo
    formats: tuple[str, ...]
    ambiguous: str
    nonexistent: str
    encoding: str
    delimiter: str
    null_values: frozenset[str]
    category_rules: tuple[CategoryRule, ...]
    default_category: str | None
    default_kind: str | None
    priorities: dict[str, int]
    default_priority: int | None
    sources: dict[str, str]
    default_source: str | None

    def column(self, key: str) -> str | None:
        """The source column for one of our fields (``initial_priority``, ``on_scene`` …)."""
        return self.columns.get(key)

    def source_columns(self) -> list[str]:
        """Every source column the mapping reads, each once, in mapping order."""
        out: list[str] = []
        for name in [*self.columns.values(), *self.location_columns]:
            if name not in out:
                out.append(name)
        return out

    def categorise(self, call_type: str) -> CategoryRule | None:
        """The first rule matching a call type, or None."""
        normalised = normalise_type(call_type)
        for rule in self.category_rules:
            if rule.matches(normalised):
                return rule
        return None

    def is_null(self, value: str) -> bool:
        return value == "" or value.casefold() in self.null_values


def resolve_timezone(value: object, key: str = "timezone") -> ZoneInfo:
    """An IANA zone (``"America/Los_Angeles"``) as ZoneInfo; MappingError naming ``key`` if not."""
    if isinstance(value, ZoneInfo):
        return value
    if not isinstance(value, str) or not value.strip():
        raise MappingError(f"{key} 必须是 IANA 时区名，例如 Asia/Shanghai ({key} must be an IANA zone name)")
    try:
        return ZoneInfo(value.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise MappingError(
            f"{key}：未知时区 {value!r}（应为 IANA 时区名，例如 Asia/Shanghai、America/Los_Angeles）"
            f" ({key}: unknown time zone {value!r})"
        ) from None


# --- local time → UTC ---------------------------------------------------------------------


def _wall(dt: datetime, tz: tzinfo) -> datetime:
    # Through UTC: ``dt.astimezone(tz)`` is a no-op when dt already carries tz.
    return dt.astimezone(UTC).astimezone(tz).replace(tzinfo=None)


def to_utc(
    naive: datetime, tz: tzinfo, *, ambiguous: str = "earlier", nonexistent: str = "shift_forward"
) -> tuple[datetime | None, str | None]:
    """Interpret a naive local wall time in ``tz`` and return ``(utc, problem)``.

    - Ordinary times: the single instant they name.
    - Ambiguous (the repeated hour when clocks go back): ``earlier`` takes the first
      occurrence (``fold=0``, still summer time), ``later`` the second (``fold=1``),
      ``reject`` returns ``(None, "ambiguous")``.
    - Nonexistent (the hour skipped when clocks go forward): ``shift_forward`` returns the
      first instant after the gap (02:30 → 03:00 new time), ``reject`` returns
      ``(None, "nonexistent")``.

    ``problem`` is None, ``"ambiguous"`` or ``"nonexistent"`` — also when the policy
    resolved it, so callers can note what happened. Existence is decided by a round trip
    (local → UTC → local must give the same wall time), not by guessing from offsets.
    """
    early = naive.replace(tzinfo=tz, fold=0)
    late = naive.replace(tzinfo=tz, fold=1)
    early_ok = _wall(early, tz) == naive
    late_ok = _wall(late, tz) == naive
    if early_ok and late_ok:
        if early.utcoffset() == late.utcoffset():
            return early.astimezone(UTC), None
        if ambiguous == "reject":
            return None, "ambiguous"
        chosen = late if ambiguous == "later" else early
        return chosen.astimezone(UTC), "ambiguous"
    if early_ok or late_ok:  # pragma: no cover - not produced by zoneinfo, kept for safety
        return (early if early_ok else late).astimezone(UTC), None
    if nonexistent == "reject":
        return None, "nonexistent"
    # In a gap, fold=1 applies the offset after the change (the earlier UTC instant) and
    # fold=0 the offset before it (the later one); the change lies between. Find the first
    # second whose offset is the new one: that instant is the end of the gap.
    lo = int(late.astimezone(UTC).timestamp())
    hi = int(early.astimezone(UTC).timestamp()) + 1
    after = late.utcoffset()
    while lo < hi:
        mid = (lo + hi) // 2
        if datetime.fromtimestamp(mid, UTC).astimezone(tz).utcoffset() == after:
            hi = mid
        else:
            lo = mid + 1
    return datetime.fromtimestamp(lo, UTC), "nonexistent"


# --- loading ------------------------------------------------------------------------------


def _unknown(keys: object, allowed: tuple[str, ...], where: str) -> None:
    if not isinstance(keys, dict):
        return
    for key in keys:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), allowed, n=1)
            hint = f"；是否应为 {close[0]!r}？(did you mean {close[0]!r}?)" if close else ""
            raise MappingError(
                f"{where}{key}：未知的键，可用的键：{', '.join(allowed)}{hint} (unknown key {where}{key})"
            )


def _str(doc: dict[str, Any], key: str, where: str = "", *, default: str | None = None) -> str | None:
    value = doc.get(key, default)
    if value is None:
        return None
    if not isinstance(value, str) or (not value.strip() and key != "location_separator"):
        raise MappingError(f"{where}{key} 必须是非空字符串 ({where}{key} must be a non-empty string)")
    return value


def _code(value: str | None, vocabulary: dict[str, str], key: str) -> str | None:
    if value is None:
        return None
    if value not in vocabulary:
        raise MappingError(
            f"{key}：未知代码 {value!r}，可用：{', '.join(map(str, vocabulary))} ({key}: unknown code {value!r})"
        )
    return str(value)


def _priority(value: object, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not PRIORITY_MIN <= value <= PRIORITY_MAX:
        raise MappingError(
            f"{key} 必须是 {PRIORITY_MIN}–{PRIORITY_MAX} 的整数，实为 {value!r}"
            f" ({key} must be an integer {PRIORITY_MIN}–{PRIORITY_MAX})"
        )
    return value


def _check_format(fmt: object, key: str) -> str:
    if not isinstance(fmt, str) or not fmt.strip():
        raise MappingError(f"{key} 必须是非空的 strptime 格式字符串 ({key} must be a strptime format)")
    if fmt == ISO_FORMAT:
        return fmt
    sample = datetime(2001, 2, 3, 16, 5, 0, tzinfo=UTC)
    try:
        parsed = datetime.strptime(sample.strftime(fmt), fmt)
    except ValueError as exc:
        raise MappingError(f"{key}：无法使用的格式 {fmt!r}：{exc} ({key}: unusable format {fmt!r})") from None
    if (parsed.year, parsed.month, parsed.day, parsed.hour, parsed.minute) != (2001, 2, 3, 16, 5):
        raise MappingError(
            f"{key}：格式 {fmt!r} 必须包含年、月、日、时、分 ({key}: format {fmt!r} must give year, month, day, hour and minute)"
        )
    return fmt


def _load_rules(raw: object) -> tuple[CategoryRule, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise MappingError("categories 必须是 [[categories]] 表数组 (categories must be an array of tables)")
    rules = []
    for i, entry in enumerate(raw):
        where = f"categories[{i}]."
        if not isinstance(entry, dict):
            raise MappingError(f"categories[{i}] 必须是表 (categories[{i}] must be a table)")
        _unknown(entry, _RULE_KEYS, where)
        hows = [k for k in ("match", "prefix", "regex") if k in entry]
        if len(hows) != 1:
            raise MappingError(
                f"categories[{i}] 必须恰好有 match、prefix、regex 之一"
                f" (categories[{i}] needs exactly one of match / prefix / regex)"
            )
        how = hows[0]
        pattern = _str(entry, how, where)
        assert pattern is not None
        compiled = None
        if how == "regex":
            try:
                compiled = re.compile(pattern, re.IGNORECASE)
            except re.error as exc:
                raise MappingError(
                    f"{where}regex：无效的正则表达式 {pattern!r}：{exc} ({where}regex: bad regular expression)"
                ) from None
        if "category" not in entry:
            raise MappingError(f"{where}category 缺失 ({where}category is required)")
        category = _code(_str(entry, "category", where), CATEGORIES, f"{where}category")
        assert category is not None
        rules.append(
            CategoryRule(
                how=cast(Literal["match", "prefix", "regex"], how),
                pattern=pattern,
                category=category,
                kind=_code(_str(entry, "kind", where), KINDS, f"{where}kind"),
                subcategory=_str(entry, "subcategory", where),
                compiled=compiled,
            )
        )
    return tuple(rules)


def _load_table(raw: object, key: str, convert: Any) -> dict[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise MappingError(f"{key} 必须是表 [{key}] ({key} must be a table)")
    out: dict[str, Any] = {}
    for source_value, ours in raw.items():
        norm = _norm_key(source_value)
        if norm in out:
            raise MappingError(f"{key}.{source_value!r}：重复的值 ({key}: duplicate value {source_value!r})")
        out[norm] = convert(ours, f"{key}.{source_value!r}")
    return out


def _load_columns(raw: object) -> tuple[dict[str, str], tuple[str, ...]]:
    if not isinstance(raw, dict):
        raise MappingError("缺少 [columns] 表 (the [columns] table is required)")
    _unknown(raw, _COLUMN_KEYS, "columns.")
    columns: dict[str, str] = {}
    for key in _SCALAR_COLUMNS:
        value = _str(raw, key, "columns.")
        if value is not None:
            columns[key] = value.strip()
    location = raw.get("location")
    if location is None:
        location_columns: tuple[str, ...] = ()
    elif isinstance(location, str) and location.strip():
        location_columns = (location.strip(),)
    elif isinstance(location, list) and location and all(isinstance(c, str) and c.strip() for c in location):
        location_columns = tuple(c.strip() for c in location)
    else:
        raise MappingError(
            "columns.location 必须是列名或列名数组 (columns.location must be a column name or a list of them)"
        )
    for required in ("id", "received"):
        if required not in columns:
            raise MappingError(f"columns.{required} 缺失：必须指明该列 (columns.{required} is required)")
    if "priority" in columns:
        for specific in ("initial_priority", "final_priority"):
            if specific in columns:
                raise MappingError(
                    f"columns.priority 与 columns.{specific} 不能同时使用"
                    f" (columns.priority and columns.{specific} are exclusive)"
                )
        single = columns.pop("priority")
        columns["initial_priority"] = columns["final_priority"] = single
    if ("lon" in columns) != ("lat" in columns):
        raise MappingError(
            "columns.lon 与 columns.lat 必须同时给出 (columns.lon and columns.lat go together)"
        )
    return columns, location_columns


def load_mapping(path_or_text: str | Path) -> Mapping:
    """Load and validate a mapping from a TOML file path or TOML text."""
    if isinstance(path_or_text, Path) or (
        "\n" not in path_or_text and "=" not in path_or_text and path_or_text.strip()
    ):
        path = Path(path_or_text)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise MappingError(
                f"无法读取映射文件 {path}：{exc.strerror} (cannot read mapping {path})"
            ) from None
    else:
        text = str(path_or_text)
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(f"映射文件不是有效的 TOML：{exc} (mapping is not valid TOML)") from None
    _unknown(doc, _TOP_KEYS, "")
    columns, location_columns = _load_columns(doc.get("columns"))

    formats_raw = doc.get("formats", [ISO_FORMAT])
    if isinstance(formats_raw, str):
        formats_raw = [formats_raw]
    if not isinstance(formats_raw, list) or not formats_raw:
        raise MappingError("formats 必须是非空的格式列表 (formats must be a non-empty list)")
    formats = tuple(_check_format(f, f"formats[{i}]") for i, f in enumerate(formats_raw))

    ambiguous = _str(doc, "ambiguous", default="earlier")
    if ambiguous not in AMBIGUOUS_POLICIES:
        raise MappingError(f"ambiguous 必须是 {' / '.join(AMBIGUOUS_POLICIES)} 之一 (ambiguous: bad policy)")
    nonexistent = _str(doc, "nonexistent", default="shift_forward")
    if nonexistent not in NONEXISTENT_POLICIES:
        raise MappingError(
            f"nonexistent 必须是 {' / '.join(NONEXISTENT_POLICIES)} 之一 (nonexistent: bad policy)"
        )
    if "timezone" not in doc:
        raise MappingError("timezone 缺失：必须指明源数据的本地时区 (timezone is required)")

    encoding = _str(doc, "encoding", default="utf-8-sig")
    assert encoding is not None
    try:
        "".encode(encoding)
    except LookupError:
        raise MappingError(f"encoding：未知编码 {encoding!r} (encoding: unknown codec)") from None
    delimiter = doc.get("delimiter", ",")
    if not isinstance(delimiter, str) or len(delimiter) != 1:
        raise MappingError("delimiter 必须是单个字符 (delimiter must be one character)")
    nulls = doc.get("null_values", [])
    if not isinstance(nulls, list) or not all(isinstance(v, str) for v in nulls):
        raise MappingError("null_values 必须是字符串列表 (null_values must be a list of strings)")

    rules = _load_rules(doc.get("categories"))
    default_category = _code(_str(doc, "default_category"), CATEGORIES, "default_category")
    if not rules and default_category is None:
        raise MappingError(
            "需要 [[categories]] 规则或 default_category (categories rules or default_category required)"
        )
    default_priority = doc.get("default_priority")
    return Mapping(
        name=_str(doc, "name", default="CAD export") or "CAD export",
        columns=columns,
        location_columns=location_columns,
        location_separator=_str(doc, "location_separator", default=" / ") or "",
        timezone=resolve_timezone(doc["timezone"]),
        formats=formats,
        ambiguous=ambiguous,
        nonexistent=nonexistent,
        encoding=encoding,
        delimiter=delimiter,
        null_values=frozenset(v.strip().casefold() for v in nulls),
        category_rules=rules,
        default_category=default_category,
        default_kind=_code(_str(doc, "default_kind"), KINDS, "default_kind"),
        priorities=_load_table(doc.get("priorities"), "priorities", _priority),
        default_priority=None
        if default_priority is None
        else _priority(default_priority, "default_priority"),
        sources=_load_table(doc.get("sources"), "sources", lambda v, k: _code(_sourcestr(v, k), SOURCES, k)),
        default_source=_code(_str(doc, "default_source"), SOURCES, "default_source"),
    )


def _sourcestr(value: object, key: str) -> str:
    if not isinstance(value, str):
        raise MappingError(f"{key} 必须是来源代码字符串 ({key} must be a source code string)")
    return value


def local_example(fmt: str) -> str:
    """How a sample time looks in a format, for error messages (``11/04/2023 6:08:26 PM``)."""
    sample = datetime(2023, 11, 4, 18, 8, 26)
    if fmt == ISO_FORMAT:
        return sample.isoformat()
    return sample.strftime(fmt)


def describe_offset(offset: timedelta | None) -> str:
    """``UTC-07:00`` for an offset."""
    if offset is None:
        return "UTC"
    total = int(offset.total_seconds())
    sign = "+" if total >= 0 else "-"
    hours, minutes = divmod(abs(total) // 60, 60)
    return f"UTC{sign}{hours:02d}:{minutes:02d}"
