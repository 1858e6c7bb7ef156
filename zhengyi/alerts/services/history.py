"""历史警情导入: years of past calls (a CAD export, the demo's history) in bulk, through one service.

:func:`import_historical` holds every record to the rules ``receive_alert`` applies — the same
vocabulary, the standard in force when the call was received, the same numbering — but works
in batches: per batch one query for the external ids already present, one for the day's last
number, and one transaction that bulk-inserts the alerts, their timeline events and their
``ObjectChange`` rows (DESIGN §3, §7). Everything a record needs (buildings, zones, the
boundary, standards and their rules, subcategories) is loaded once per call.

A rejected record never enters the database; an accepted one enters whole (alert, events,
change record) or not at all. Records are idempotent by ``external_id`` within the station:
importing the same file twice creates nothing the second time.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sized
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import islice
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from zhengyi.alerts import taxonomy
from zhengyi.alerts.choices import Status, Step
from zhengyi.alerts.models import Alert, AlertEvent
from zhengyi.alerts.services.intake import CLOCK_SKEW
from zhengyi.alerts.services.numbering import check_station_code, format_number, last_sequences, local_day
from zhengyi.alerts.services.standards import ensure_standard
from zhengyi.alerts.services.station_data import PlaceRef, StationData, missing_rule_message, outside_message
from zhengyi.alerts.services.vocabulary import classification_problems
from zhengyi.core.models import Station, User
from zhengyi.core.permissions import require_for_station
from zhengyi.core.services.audit import record_created_bulk
from zhengyi.precinct.choices import Level

__all__ = ["HistoricalAlert", "HistoryImportResult", "import_historical"]

CHANGE_MESSAGE = "历史警情导入"
# Keys of the timeline in the order it must happen, the step each one records (queued has
# none: it is the wait before dispatch), and its label in messages.
TIMELINE: tuple[tuple[str, str | None, Any], ...] = (
    ("received_at", Step.RECEIVED, pgettext_lazy("timeline time", "受理")),
    ("queued_at", None, pgettext_lazy("timeline time", "排队")),
    ("dispatched_at", Step.DISPATCHED, pgettext_lazy("timeline time", "指令")),
    ("en_route_at", Step.EN_ROUTE, pgettext_lazy("timeline time", "出警")),
    ("on_scene_at", Step.ON_SCENE, pgettext_lazy("timeline time", "到场")),
    ("cleared_at", Step.CLEARED, pgettext_lazy("timeline time", "处置完毕")),
    ("closed_at", Step.FEEDBACK, pgettext_lazy("timeline time", "结案")),
)
# The status an alert ends in, by the last step its timeline reached.
_STATUS_BY_LAST: tuple[tuple[str, str], ...] = (
    ("closed_at", Status.CLOSED),
    ("cleared_at", Status.CLEARED),
    ("on_scene_at", Status.ON_SCENE),
    ("en_route_at", Status.EN_ROUTE),
    ("dispatched_at", Status.DISPATCHED),
)
ARCHIVE_AFTER = timedelta(hours=24)
_EXTERNAL_ID_LENGTH = Alert._meta.get_field("external_id").max_length or 64
_IN_CHUNK = 900  # keep ``__in`` lists under SQLite's historical 999-variable limit
_ATTEMPTS = 5


@dataclass(frozen=True)
class HistoricalAlert:
    """One past call, already mapped onto our vocabulary. Times are timezone-aware.

    ``priority_initial`` None takes the standard's default for the initial category (as
    ``receive_alert`` does); ``priority`` None keeps the initial priority. ``kind`` blank
    takes the kind the final category implies. Location: ``building_code`` (one of the
    station's buildings) places the alert in that building and its zone, at ``lon``/``lat``
    when given, else at the building. A point given must lie inside the station's boundary
    (when it has one). ``zone_code`` names the zone outright, else it is found from the point. A record with no position at all is accepted when it
    has a zone or a ``location_text`` (many CAD exports carry only a beat or an address).
    """

    external_id: str
    kind: str
    category_initial: str
    category: str
    subcategory: str | None
    priority_initial: int | None
    priority: int | None
    source: str
    received_at: datetime
    queued_at: datetime | None = None
    dispatched_at: datetime | None = None
    en_route_at: datetime | None = None
    on_scene_at: datetime | None = None
    cleared_at: datetime | None = None
    closed_at: datetime | None = None
    lon: float | None = None
    lat: float | None = None
    level: str = Level.STREET.value
    building_code: str | None = None
    zone_code: str | None = None
    location_text: str = ""
    description: str = ""
    disposition: str = ""


@dataclass
class HistoryImportResult:
    """What an import did (or, for a dry run, would do).

    ``rejected`` holds ``(external_id, reasons)`` in input order; ``rejected_codes`` the
    matching machine codes (``category``, ``time_order``, ``outside`` …), one list per entry.
    """

    created: int = 0
    skipped_existing: int = 0
    rejected: list[tuple[str, list[str]]] = field(default_factory=list)
    rejected_codes: list[list[str]] = field(default_factory=list)
    dry_run: bool = False

    @property
    def processed(self) -> int:
        return self.created + self.skipped_existing + len(self.rejected)

    def rejection_codes(self) -> Counter[str]:
        """How many rejected records have each problem (a record with two counts twice)."""
        return Counter(code for codes in self.rejected_codes for code in dict.fromkeys(codes))

    def reject(self, external_id: str, problems: list[tuple[str, str]]) -> None:
        self.rejected.append((external_id, [message for _, message in problems]))
        self.rejected_codes.append([code for code, _ in problems])


# --- what is loaded once per call ---------------------------------------------------------


class _Context:
    """The station's reference data, loaded once per call; every record is checked against it."""

    def __init__(self, *, actor: User, station: Station, require_inside: bool | None) -> None:
        self.actor = actor
        self.actor_name = str(actor.display_name or actor.username)
        self.station = station
        self.now = timezone.now()
        self.ref = StationData(station)
        self.check_inside = require_inside is not False
        self.last_seq: dict[str, int] = {}  # local day YYYYMMDD → last sequence number used
        self.seen: set[str] = set()  # external ids accepted by this call

    def ensure_standards(self, earliest: datetime | None) -> None:
        """A station without any standard gets the default first, as receive_alert gives it."""
        if not self.ref.standards and earliest is not None:
            ensure_standard(station=self.station, at=earliest)
            self.ref = StationData(self.station)

    def load_days(self, days: set[str], *, refresh: bool = False) -> None:
        """The last number used on each day, in one query for the days not yet known."""
        wanted = days if refresh else {d for d in days if d not in self.last_seq}
        self.last_seq.update(last_sequences(self.station, wanted))

    def existing_ids(self, ids: Iterable[str]) -> set[str]:
        ids = list(dict.fromkeys(i for i in ids if i))
        out: set[str] = set()
        for i in range(0, len(ids), _IN_CHUNK):
            out.update(
                Alert.objects.filter(
                    station=self.station, external_id__in=ids[i : i + _IN_CHUNK]
                ).values_list("external_id", flat=True)
            )
        return out


# --- checking one record ------------------------------------------------------------------


def _vocabulary(rec: HistoricalAlert, problems: list[tuple[str, str]]) -> str:
    """The taxonomy checks of receive_alert, for both classifications; returns the kind."""
    kind = rec.kind or taxonomy.default_kind(rec.category)
    problems += classification_problems(
        categories=[
            ("category_initial", "初始类别", rec.category_initial),
            ("category", "类别", rec.category),
        ],
        kind=kind,
        source=rec.source,
        priorities=[("priority_initial", rec.priority_initial), ("priority", rec.priority)],
        description=rec.description,
    )
    return kind


def _timeline(ctx: _Context, rec: HistoricalAlert, problems: list[tuple[str, str]]) -> None:
    """Every time aware, none in the future, each no earlier than the latest before it."""
    latest: tuple[str, datetime] | None = None
    limit = ctx.now + CLOCK_SKEW
    if not isinstance(rec.received_at, datetime):
        problems.append(("missing_received", _("受理时间为空")))
    for key, _step, label in TIMELINE:
        value: datetime | None = getattr(rec, key)
        if value is None:
            continue
        if timezone.is_naive(value):
            problems.append(("time_zone", _("%(step)s时间须带时区") % {"step": label}))
            continue
        if value > limit:
            problems.append(("future", _("%(step)s时间晚于当前时间") % {"step": label}))
        if latest is not None and value < latest[1]:
            before = timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")
            after = timezone.localtime(latest[1]).strftime("%Y-%m-%d %H:%M:%S")
            problems.append(
                (
                    "time_order",
                    _("时间顺序错误：%(step)s %(time)s 早于%(earlier_step)s %(earlier_time)s")
                    % {
                        "step": label,
                        "time": before,
                        "earlier_step": _label(latest[0]),
                        "earlier_time": after,
                    },
                )
            )
        elif latest is None or value > latest[1]:
            latest = (key, value)


def _label(key: str) -> str:
    return next(label for k, _, label in TIMELINE if k == key)


@dataclass(frozen=True)
class _Where:
    building_id: int | None
    zone_id: int | None
    lon: float | None
    lat: float | None
    level: str


def _locate(ctx: _Context, rec: HistoricalAlert, problems: list[tuple[str, str]]) -> _Where | None:
    """receive_alert's rules (intake._locate) against the preloaded buildings, zones and boundary."""
    station = ctx.station
    level = rec.level or Level.STREET.value
    if level not in Level.values:
        problems.append(("level", f"空间层应为 {', '.join(Level.values)}"))
        return None
    zone_id: int | None = None
    if rec.zone_code:
        zone_id = ctx.ref.zone_by_code.get(rec.zone_code)
        if zone_id is None:
            problems.append(("zone", _("片区 %(code)r 不存在或不在本所辖区") % {"code": rec.zone_code}))
            return None
    building: PlaceRef | None = None
    if rec.building_code:
        building = ctx.ref.buildings.get(rec.building_code)
        if building is None:
            problems.append(
                ("building", _("楼宇 %(code)r 不存在或不在本所辖区") % {"code": rec.building_code})
            )
            return None
    if rec.lon is None and rec.lat is None:
        if building is not None:
            return _Where(building.pk, zone_id or building.zone_id, building.lon, building.lat, level)
        if zone_id is None and not rec.location_text.strip():
            problems.append(
                (
                    "location",
                    _("请指定地点：楼宇、坐标、片区或地点描述"),
                )
            )
            return None
        return _Where(None, zone_id, None, None, level)
    lon, lat = rec.lon, rec.lat
    if (
        lon is None
        or lat is None
        or not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90)
    ):
        problems.append(("coordinates", _("坐标无效：经度 %(lon)r，纬度 %(lat)r") % {"lon": lon, "lat": lat}))
        return None
    if ctx.check_inside and not ctx.ref.inside(lon, lat):
        problems.append(
            (
                "outside",
                outside_message(station, lon, lat),
            )
        )
        return None
    if building is not None:
        # The building places the alert (and its zone); the record's own point is kept as the
        # more precise position.
        return _Where(building.pk, zone_id or building.zone_id, round(lon, 7), round(lat, 7), level)
    if zone_id is None:
        zone_id = ctx.ref.zone_at(lon, lat)
    return _Where(None, zone_id, round(lon, 7), round(lat, 7), level)


def _check(
    ctx: _Context, rec: HistoricalAlert, external_id: str
) -> tuple[Alert | None, list[tuple[str, str]]]:
    """An unsaved Alert (without its number) or the problems that refuse the record."""
    problems: list[tuple[str, str]] = []
    if not external_id:
        problems.append(("external_id", _("外部编号为空")))
    elif len(external_id) > _EXTERNAL_ID_LENGTH:
        problems.append(("external_id", _("外部编号超过 %(n)d 个字符") % {"n": _EXTERNAL_ID_LENGTH}))
    elif external_id in ctx.seen:
        problems.append(("duplicate_id", _("外部编号 %(id)s 在本次导入中重复") % {"id": external_id}))
    kind = _vocabulary(rec, problems)
    subcategory_id = None
    if rec.subcategory:
        found = ctx.ref.subcategories.get(rec.subcategory)
        if found is None or found[1] != rec.category:
            problems.append(("subcategory", f"细类 {rec.subcategory!r} 不存在或不属于该类别"))
        else:
            subcategory_id = found[0]
    _timeline(ctx, rec, problems)
    where = _locate(ctx, rec, problems)
    if problems or where is None:
        return None, problems

    received_at = rec.received_at
    standard = ctx.ref.standard_at(received_at)
    assert standard is not None  # ensure_standards ran for the batch
    # Held to the rule for the category at intake, as receive_alert held it: a later
    # downgrade must not relax the arrival target (DESIGN §4).
    rule = ctx.ref.rule(standard, rec.category_initial, ctx.ref.zone_kind(where.zone_id))
    if rule is None:
        return None, [("rule", missing_rule_message(standard, rec.category_initial))]
    priority_initial = rec.priority_initial or rule.priority
    status = next((s for key, s in _STATUS_BY_LAST if getattr(rec, key) is not None), Status.RECEIVED)
    if status != Status.CLOSED and received_at < timezone.now() - ARCHIVE_AFTER:
        # An old call that never closed in its source system is history, not work for today's board.
        status = Status.ARCHIVED
    return (
        Alert(
            station=ctx.station,
            kind=kind,
            source=rec.source,
            category_initial=rec.category_initial,
            category=rec.category,
            subcategory_id=subcategory_id,
            priority_initial=priority_initial,
            priority=rec.priority or priority_initial,
            status=status,
            building_id=where.building_id,
            zone_id=where.zone_id,
            level=where.level,
            lon=where.lon,
            lat=where.lat,
            location_text=rec.location_text.strip()[:200],
            description=rec.description.strip(),
            standard=standard,
            arrival_target_minutes=rule.arrival_minutes,
            feedback_target_minutes=rule.feedback_minutes,
            required_steps=list(rule.steps),
            done_steps=list(rule.steps) if rec.closed_at is not None else [],
            received_at=received_at,
            queued_at=rec.queued_at,
            dispatched_at=rec.dispatched_at,
            en_route_at=rec.en_route_at,
            on_scene_at=rec.on_scene_at,
            cleared_at=rec.cleared_at,
            closed_at=rec.closed_at,
            feedback_at=rec.closed_at,
            external_id=external_id,
            disposition=rec.disposition.strip()[:200],
        ),
        [],
    )


# --- writing ------------------------------------------------------------------------------


def _numbered(ctx: _Context, alerts: list[Alert]) -> dict[str, int]:
    """Give each alert its number, in received order within each day; returns the new last numbers."""
    last: dict[str, int] = {}
    prefix = ctx.station.code
    for alert in sorted(alerts, key=lambda a: a.received_at):
        day = local_day(alert.received_at)
        seq = last.get(day, ctx.last_seq[day]) + 1
        last[day] = seq
        alert.number = format_number(prefix, day, seq)
    return last


def _write(ctx: _Context, alerts: list[Alert]) -> None:
    Alert.objects.bulk_create(alerts)
    if any(a.pk is None for a in alerts):  # a backend that does not return ids from bulk inserts
        ids: dict[str, int] = {}
        for i in range(0, len(alerts), _IN_CHUNK):
            chunk = [a.external_id for a in alerts[i : i + _IN_CHUNK]]
            ids.update(
                Alert.objects.filter(station=ctx.station, external_id__in=chunk).values_list(
                    "external_id", "pk"
                )
            )
        for a in alerts:
            a.pk = ids[a.external_id]
    actor_id, actor_name = ctx.actor.pk, ctx.actor_name
    events = []
    for alert in alerts:
        for key, step, _label in TIMELINE:
            at = getattr(alert, key)
            if step is None or at is None:
                continue
            note = f"{CHANGE_MESSAGE} · 外部编号 {alert.external_id}" if step == Step.RECEIVED else ""
            events.append(
                AlertEvent(
                    alert_id=alert.pk,
                    step=step,
                    time=at,
                    actor_id=actor_id,
                    actor_name=actor_name,
                    note=note[:300],
                )
            )
    AlertEvent.objects.bulk_create(events, batch_size=2000)
    record_created_bulk(actor=ctx.actor, objects=alerts, related=ctx.station, message=CHANGE_MESSAGE)


def _batch(
    ctx: _Context, chunk: list[HistoricalAlert], result: HistoryImportResult, *, dry_run: bool
) -> None:
    aware = [
        r.received_at
        for r in chunk
        if isinstance(r.received_at, datetime) and timezone.is_aware(r.received_at)
    ]
    ctx.ensure_standards(min(aware) if aware else None)
    keyed = [(rec, (rec.external_id or "").strip()) for rec in chunk]
    existing = ctx.existing_ids(eid for _, eid in keyed if eid not in ctx.seen)
    accepted: list[Alert] = []
    for rec, eid in keyed:
        if eid in existing and eid not in ctx.seen:
            result.skipped_existing += 1
            continue
        alert, problems = _check(ctx, rec, eid)
        if alert is None:
            result.reject(eid, problems)
            continue
        ctx.seen.add(eid)
        accepted.append(alert)
    for attempt in range(_ATTEMPTS):
        if not accepted:
            return
        ctx.load_days({local_day(a.received_at) for a in accepted}, refresh=attempt > 0)
        last = _numbered(ctx, accepted)
        if dry_run:
            break
        try:
            with transaction.atomic():
                _write(ctx, accepted)
            break
        except IntegrityError:
            # Someone else took one of these numbers (a live call) or imported one of these
            # records meanwhile: look again, then retry the batch with fresh numbers.
            for a in accepted:
                a.pk = None
                a._state.adding = True
            taken = ctx.existing_ids(a.external_id for a in accepted)
            result.skipped_existing += sum(1 for a in accepted if a.external_id in taken)
            ctx.seen.difference_update(taken)
            accepted = [a for a in accepted if a.external_id not in taken]
    else:
        raise RuntimeError(_("警情编号分配冲突，请重试"))
    ctx.last_seq.update(last)
    result.created += len(accepted)


def _chunks(records: Iterable[HistoricalAlert], size: int) -> Iterator[list[HistoricalAlert]]:
    it = iter(records)
    while chunk := list(islice(it, size)):
        yield chunk


def import_historical(
    *,
    actor: User,
    station: Station,
    records: Iterable[HistoricalAlert],
    progress: Callable[[int, int], None] | None = None,
    total: int | None = None,
    batch_size: int = 2000,
    require_inside: bool | None = None,
    dry_run: bool = False,
) -> HistoryImportResult:
    """Import past alerts into ``station`` in batches of ``batch_size``, each in one transaction.

    ``records`` may be any iterable (it is read once, a batch at a time). ``progress(done,
    total)`` is called after each batch; ``total`` defaults to ``len(records)`` when it has
    one, else 0. ``require_inside``: None checks points against the station's boundary when
    it has one; False skips that check. ``dry_run`` checks everything and numbers the alerts
    in memory, and writes nothing (not even the default standard a new station would get).
    """
    require_for_station(actor, "add", Alert, station)
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    if require_inside and not station.boundary:
        raise ValueError(_("%(station)s 没有辖区范围，无法检查坐标是否在辖区内") % {"station": station.name})
    check_station_code(station)
    if total is None:
        total = len(records) if isinstance(records, Sized) else 0
    if dry_run:
        with transaction.atomic():
            result = _run(actor, station, records, progress, total, batch_size, require_inside, dry_run=True)
            transaction.set_rollback(True)
        return result
    result = _run(actor, station, records, progress, total, batch_size, require_inside, dry_run=False)
    if result.created and connection.vendor == "postgresql":
        # Fresh statistics after a bulk load, or PostgreSQL plans intake queries as scans.
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Alert._meta.db_table}, {AlertEvent._meta.db_table}")
    return result


def _run(
    actor: User,
    station: Station,
    records: Iterable[HistoricalAlert],
    progress: Callable[[int, int], None] | None,
    total: int,
    batch_size: int,
    require_inside: bool | None,
    *,
    dry_run: bool,
) -> HistoryImportResult:
    ctx = _Context(actor=actor, station=station, require_inside=require_inside)
    result = HistoryImportResult(dry_run=dry_run)
    for chunk in _chunks(records, batch_size):
        _batch(ctx, chunk, result, dry_run=dry_run)
        if progress is not None:
            progress(result.processed, max(total, result.processed))
    if progress is not None and result.processed == 0:
        progress(0, total)
    return result
