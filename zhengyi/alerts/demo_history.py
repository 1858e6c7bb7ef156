"""Two years of demo alerts (警情) for a precinct, with the seed's story inside the records.

Pure: numpy/shapely/stdlib, no Django. :func:`generate_history` turns a :class:`PrecinctSpec`
into a chronological list of :class:`DemoAlert`; the demo loader loads these through the alerts
services. Same spec, period, seed and story → the identical list.

The model (tables in :mod:`zhengyi.alerts.demo_history_profiles`): each zone kind has a few
*streams* (e.g. the bar street's fights and drunks at night, the shopping district's thefts in
the afternoon), each with a daily rate, an hour-of-day and a weekday profile, holiday and summer
factors, and where it happens (a building, anywhere in the zone, the underground concourse near
a metro station, the skywalk, or — outside every zone — the main roads). Counts per (day,
stream) are Poisson; times, places, priorities, sources and the handling timeline are then drawn
in bulk.

The story (DESIGN §1, seed): after the 酒吧联盟 starts, every alert in the bar-street zone
becomes rarer; after the 商业圈联盟 and its 反扒队 start, thefts (盗窃, 扒窃) in the shopping
district (zones of kind ``business``, their underground concourse included) become rarer. Both
are multiplicative rate changes with a four-week ramp, sized so that the first full year after
the start is down by ``Story.bar_effect`` / ``Story.theft_effect`` against the year before —
the figures exist only as properties of the records, for statistics to rediscover.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, timedelta

import numpy as np

from zhengyi.alerts import demo_history_profiles as prof
from zhengyi.alerts.demo_places import Places, building_text, label_at, places_of
from zhengyi.alerts.subcategories import DEFAULT_SUBCATEGORIES
from zhengyi.alerts.taxonomy import default_kind
from zhengyi.precinct.spec import PrecinctSpec

__all__ = [
    "BAR_ZONE_KIND",
    "LOCAL_UTC_OFFSET",
    "RAMP_DAYS",
    "SHOPPING_ZONE_KIND",
    "THEFT_SUBCATEGORIES",
    "DemoAlert",
    "Story",
    "convention_event_days",
    "default_period",
    "generate_history",
]

LOCAL_UTC_OFFSET = timedelta(hours=8)  # Asia/Shanghai: no daylight saving since 1991
BAR_ZONE_KIND = "bar_street"
SHOPPING_ZONE_KIND = "business"
THEFT_SUBCATEGORIES = frozenset({"theft", "pickpocket"})
RAMP_DAYS = 28  # an alliance reaches its full effect over four weeks
DAY = 86_400

_SUBS = tuple(code for _, code, _, _ in DEFAULT_SUBCATEGORIES)
_SUB_INDEX = {code: i for i, code in enumerate(_SUBS)}
_SUB_CATEGORY = tuple(cat for cat, _, _, _ in DEFAULT_SUBCATEGORIES)
_SOURCES = prof.SOURCE_ORDER
_GUARD, _PATROL = _SOURCES.index("guard"), _SOURCES.index("patrol")


@dataclass(frozen=True)
class DemoAlert:
    """One generated alert, in the vocabulary of :mod:`zhengyi.alerts.taxonomy`."""

    external_id: str  # "DEMO-000001", in order of receipt
    kind: str
    category_initial: str
    category: str
    subcategory: str | None  # a DEFAULT_SUBCATEGORIES code of ``category``; None: left empty
    priority_initial: int
    priority: int
    source: str
    zone_code: str | None  # None: on a main road between zones
    building_code: str | None
    lon: float
    lat: float
    level: str  # street, underground or skywalk
    location_text: str
    description: str
    disposition: str
    received_at: datetime  # tz-aware UTC
    dispatched_at: datetime | None  # None: handled by phone or at the desk, nobody sent
    en_route_at: datetime | None
    on_scene_at: datetime | None
    cleared_at: datetime | None  # None also where the step would fall after the period's end
    closed_at: datetime | None


@dataclass(frozen=True)
class Story:
    """The interventions whose effect is built into the records (first-year change vs the year before)."""

    bar_alliance_start: date
    business_alliance_start: date
    bar_effect: float = -0.32
    theft_effect: float = -0.25


# ---------------------------------------------------------------------------------------------
# Calendar
# ---------------------------------------------------------------------------------------------
def _add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def default_period(today: date) -> tuple[date, date, Story]:
    """Two years ending yesterday; both alliances start at the midpoint (a full year either side)."""
    end = today - timedelta(days=1)
    start, mid = _add_years(today, -2), _add_years(today, -1)
    return start, end, Story(bar_alliance_start=mid, business_alliance_start=mid)


def convention_event_days(start: date, end: date, seed: int = 2017) -> frozenset[date]:
    """The convention centre's show days in [start, end]: ~100 a year, fixed per (seed, year)."""
    days: set[date] = set()
    for year in range(start.year, end.year + 1):
        rng = np.random.default_rng([seed & 0xFFFFFFFF, year, 0xCEC])
        cny = prof.spring_festival(year)
        quiet_from, quiet_to = cny - timedelta(days=7), cny + timedelta(days=10)
        d = date(year, 1, 1) + timedelta(days=int(rng.integers(*prof.SHOW_GAP)))
        while d.year == year:
            length = int(rng.integers(*prof.SHOW_DAYS))
            for k in range(length):
                day = d + timedelta(days=k)
                if day.year == year and not quiet_from <= day <= quiet_to:
                    days.add(day)
            d += timedelta(days=length + int(rng.integers(*prof.SHOW_GAP)))
    return frozenset(d for d in days if start <= d <= end)


def _ramp(ordinals: np.ndarray, start: date) -> np.ndarray:
    return np.clip((ordinals - start.toordinal() + 0.5) / RAMP_DAYS, 0.0, 1.0)


def _full_effect(effect: float) -> float:
    """The full-strength effect whose average over the first year (ramp included) is ``effect``."""
    first_year = np.clip((np.arange(365) + 0.5) / RAMP_DAYS, 0.0, 1.0).mean()
    return max(effect / float(first_year), -1.0)


def _season(ordinals: np.ndarray, months: np.ndarray, key: str) -> np.ndarray:
    s = prof.SEASONS[key]
    out = np.where(np.isin(months, list(prof.SUMMER_MONTHS)), s.summer, 1.0)
    first, last = (date.fromordinal(int(o)).year for o in (ordinals[0], ordinals[-1]))
    for year in range(first - 1, last + 2):  # a 春节 window may reach across the new year
        rel = ordinals - prof.spring_festival(year).toordinal()
        for (lo, hi), f in (
            (prof.CNY_BEFORE, s.cny_before),
            (prof.CNY_CORE, s.cny_core),
            (prof.CNY_AFTER, s.cny_after),
        ):
            out = np.where((rel >= lo) & (rel <= hi), out * f, out)
        (m0, d0), (m1, d1) = prof.NATIONAL_DAY
        nd = (ordinals >= date(year, m0, d0).toordinal()) & (ordinals <= date(year, m1, d1).toordinal())
        out = np.where(nd, out * s.national_day, out)
    return out


# ---------------------------------------------------------------------------------------------
# Generator
# ---------------------------------------------------------------------------------------------
@dataclass
class _Stream:
    d: prof.StreamDef
    zone: int  # index into Places.zones; -1 for the roads
    kind: str
    share: float
    bar: bool
    theft_scope: bool


def _streams(places: Places) -> list[_Stream]:
    out: list[_Stream] = []
    by_table: dict[str, list[int]] = {}
    for i, z in enumerate(places.zones):
        by_table.setdefault(z.table, []).append(i)
    for table, idx in by_table.items():
        total = sum(places.zones[i].spec.polygon.area for i in idx)
        for i in idx:
            z = places.zones[i]
            share = z.spec.polygon.area / total if total > 0 else 1.0 / len(idx)
            for d in prof.STREAMS[table]:
                theft = z.spec.kind == SHOPPING_ZONE_KIND and set(d.subcategories) <= THEFT_SUBCATEGORIES
                out.append(_Stream(d, i, z.spec.kind, share, z.spec.kind == BAR_ZONE_KIND, theft))
    if places.roads is not None:
        out += [_Stream(d, -1, prof.ROAD_KIND, 1.0, False, False) for d in prof.STREAMS[prof.ROAD_KIND]]
    return out


def _hour_cdf(name: str, summer: bool) -> np.ndarray:
    w = np.array(prof.HOUR_PROFILES[name], dtype=float)
    if summer:
        w[list(prof.SUMMER_EVENING_HOURS)] *= prof.SUMMER_EVENING_BOOST
    c = np.cumsum(w)
    return c / c[-1]


def _draw(rng: np.random.Generator, weights: dict[str, float], n: int) -> list[str]:
    keys = list(weights)
    p = np.array([weights[k] for k in keys], dtype=float)
    return [keys[i] for i in rng.choice(len(keys), size=n, p=p / p.sum())]


def generate_history(
    spec: PrecinctSpec,
    *,
    start: date,
    end: date,
    seed: int = 2017,
    story: Story | None = None,
    daily_mean: float = 40.0,
) -> list[DemoAlert]:
    """Alerts received from ``start`` 00:00 to ``end`` 24:00 local time, oldest first.

    ``story`` None: both alliances start at the midpoint of the period with the seed's effects
    (pass a Story with zero effects for a world without them).
    """
    if end < start:
        raise ValueError("end must not be before start")
    if daily_mean <= 0:
        raise ValueError("daily_mean must be positive")
    if story is None:
        mid = start + timedelta(days=((end - start).days + 1) // 2)
        story = Story(bar_alliance_start=mid, business_alliance_start=mid)
    rng = np.random.default_rng(seed & 0xFFFFFFFF)
    places = places_of(spec)
    streams = _streams(places)
    day0 = start - timedelta(days=1)  # its night spills into the first morning
    n_days = (end - day0).days + 1
    rates, summer = _rates(streams, story, day0, n_days, seed)
    rates *= daily_mean * (n_days - 1) / rates[1:].sum()
    counts = rng.poisson(rates)

    # Per stream: time of day, subcategory and place, in bulk.
    parts: list[_Drawn] = []
    for j, s in enumerate(streams):
        n = int(counts[:, j].sum())
        if n == 0:
            continue
        day = np.repeat(np.arange(n_days), counts[:, j])
        u = rng.random(n)
        hour = np.where(
            summer[day],
            np.searchsorted(_hour_cdf(s.d.hours, True), u, side="right"),
            np.searchsorted(_hour_cdf(s.d.hours, False), u, side="right"),
        ).clip(0, 23)
        t = day * DAY + hour * 3600 + rng.integers(0, 3600, n)
        if s.d.hours in prof.NIGHT_PROFILES:
            t = t + DAY * (hour < prof.NIGHT_SPILL_HOUR)
        sub = np.array([_SUB_INDEX[c] for c in _draw(rng, s.d.subcategories, n)])
        parts.append(_Drawn(t, np.full(n, j), sub, *_place(rng, places, s, n)))

    drawn = _Drawn(*(np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(_Drawn)))
    keep = np.flatnonzero((drawn.t >= DAY) & (drawn.t < n_days * DAY))
    order = keep[np.lexsort((drawn.st[keep], drawn.t[keep]))]
    drawn = _Drawn(*(getattr(drawn, f.name)[order] for f in fields(_Drawn)))
    return _finish(rng, places, streams, story, day0, n_days, drawn)


@dataclass
class _Drawn:
    t: np.ndarray  # seconds since day0 00:00 local
    st: np.ndarray  # stream index
    sub: np.ndarray  # subcategory index
    x: np.ndarray
    y: np.ndarray
    bld: np.ndarray  # building index in its zone, -1 for none
    level: np.ndarray  # object arrays of str
    label: np.ndarray


def _rates(
    streams: list[_Stream], story: Story, day0: date, n_days: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Relative expected alerts per (day, stream), and which days are summer days."""
    ords = np.arange(day0.toordinal(), day0.toordinal() + n_days)
    dates = [date.fromordinal(int(o)) for o in ords]
    months = np.array([d.month for d in dates])
    weekday = (ords - 1) % 7  # date.fromordinal(1) is a Monday
    shows = convention_event_days(dates[0], dates[-1], seed)
    event = np.where([d in shows for d in dates], prof.EVENT_FACTOR[1], prof.EVENT_FACTOR[0])
    rain = np.where(np.isin(months, list(prof.RAIN_MONTHS)), prof.RAIN_FACTOR[1], prof.RAIN_FACTOR[0])
    bar = np.maximum(1.0 + _full_effect(story.bar_effect) * _ramp(ords, story.bar_alliance_start), 0.0)
    theft = np.maximum(
        1.0 + _full_effect(story.theft_effect) * _ramp(ords, story.business_alliance_start), 0.0
    )
    seasons: dict[str, np.ndarray] = {}
    rates = np.empty((n_days, len(streams)))
    for j, s in enumerate(streams):
        key = prof.SEASON_OF_KIND.get(s.kind, "flat")
        if key not in seasons:
            seasons[key] = _season(ords, months, key)
        week = np.array(prof.WEEK_PROFILES[s.d.week])
        col = s.d.rate * s.share * (week / week.mean())[weekday] * seasons[key]
        for on, factor in ((s.d.events, event), (s.d.rain, rain), (s.bar, bar), (s.theft_scope, theft)):
            if on:
                col = col * factor
        rates[:, j] = col
    return rates, np.isin(months, list(prof.SUMMER_MONTHS))


def _place(
    rng: np.random.Generator, places: Places, s: _Stream, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Where: points, building index, level and location text for ``n`` alerts of one stream."""
    zone = places.zones[s.zone] if s.zone >= 0 else None
    modes = dict(s.d.places)
    bw = np.array([s.d.buildings.get(b.category, 0.0) for b in zone.buildings]) if zone else np.zeros(0)
    if zone is not None:
        for mode, ok in (("building", bw.sum() > 0), ("underground", zone.under), ("skywalk", zone.sky)):
            if mode in modes and not ok:
                modes["area"] = modes.get("area", 0.0) + modes.pop(mode)
    mode_of = np.array(_draw(rng, modes, n))
    x, y, bld = np.zeros(n), np.zeros(n), np.full(n, -1)
    level = np.full(n, "street", dtype=object)
    label = np.full(n, "", dtype=object)
    for mode in sorted(modes):
        idx = np.flatnonzero(mode_of == mode)
        if len(idx) == 0:
            continue
        picks = rng.integers(0, 1 << 30, len(idx))
        if mode == "road":
            assert places.roads is not None
            segs, names, cum = places.roads
            k = np.searchsorted(cum, rng.random(len(idx)), side="right").clip(0, len(names) - 1)
            f = rng.random(len(idx))
            x[idx] = segs[k, 0] + f * (segs[k, 2] - segs[k, 0])
            y[idx] = segs[k, 1] + f * (segs[k, 3] - segs[k, 1])
            road = prof.ROAD_PHRASES
            label[idx] = [names[i] + road[q % len(road)] for i, q in zip(k, picks, strict=True)]
            continue
        assert zone is not None
        if mode == "building":
            k = rng.choice(len(bw), size=len(idx), p=bw / bw.sum())
            x[idx], y[idx], bld[idx] = zone.bxy[k, 0], zone.bxy[k, 1], k
            label[idx] = [building_text(zone.buildings[i], q) for i, q in zip(k, picks, strict=True)]
        elif mode in ("underground", "skywalk"):
            region = zone.under if mode == "underground" else zone.sky
            assert region is not None
            x[idx], y[idx] = region.sample(rng, len(idx))
            level[idx] = mode
            label[idx] = label_at(places, mode, x[idx], y[idx])
        else:
            x[idx], y[idx] = zone.area.sample(rng, len(idx))
            phrases = prof.AREA_PHRASES.get(s.kind, prof.DEFAULT_AREA_PHRASES)
            label[idx] = [zone.spec.name + phrases[q % len(phrases)] for q in picks]
    return x, y, bld, level, label


def _finish(
    rng: np.random.Generator,
    places: Places,
    streams: list[_Stream],
    story: Story,
    day0: date,
    n_days: int,
    drawn: _Drawn,
) -> list[DemoAlert]:
    """Classification, source, handling timeline and texts, vectorised over all records."""
    t, st, sub = drawn.t, drawn.st, drawn.sub
    n = len(t)
    cats = np.array(_SUB_CATEGORY, dtype=object)
    category = cats[sub]
    is_bar = np.array([s.bar for s in streams])[st]
    in_scope = np.array([s.theft_scope for s in streams])[st]
    ords = day0.toordinal() + t // DAY
    hour = (t % DAY) // 3600

    # Priority (final), then how some calls were first reported (original kept beside final).
    mix = np.array([prof.PRIORITY_MIX[c] for c in _SUBS], dtype=float)
    cdf = np.cumsum(mix / mix.sum(axis=1, keepdims=True), axis=1)
    priority = 1 + (cdf[sub] < rng.random(n)[:, None]).sum(axis=1).clip(0, 3)
    priority = np.where(is_bar & (category == "public_order"), np.maximum(priority - 1, 1), priority)
    rc = [prof.RECLASS.get(c) for c in _SUBS]
    rc_share = np.array([r.share if r else 0.0 for r in rc])[sub]
    rc_cat = np.array([r.category if r else "" for r in rc], dtype=object)[sub]
    rc_prio = np.array([r.priority if r else 0 for r in rc])[sub]
    reclassified = rng.random(n) < rc_share
    category_initial = np.where(reclassified, rc_cat, category)
    priority_initial = np.where(reclassified, rc_prio, priority)
    priority = np.where(reclassified, np.maximum(priority, rc_prio + 1), priority)
    dropped = rng.random(n) < prof.SUBCATEGORY_DROPPED

    # Source: by stream, patrols find more on the bar street at night, guards report more once
    # their alliance is running (a shift between sources, not extra alerts).
    w = np.array([prof.SOURCE_PROFILES[s.d.sources] for s in streams], dtype=float)[st]
    w[:, _PATROL] *= np.where(
        is_bar & np.isin(hour, list(prof.BAR_NIGHT_HOURS)), prof.BAR_NIGHT_PATROL_BOOST, 1.0
    )
    w[:, _GUARD] += np.where(is_bar, prof.GUARD_SHIFT["bar"] * _ramp(ords, story.bar_alliance_start), 0.0)
    biz_ramp = _ramp(ords, story.business_alliance_start)
    w[:, _GUARD] += np.where(in_scope, prof.GUARD_SHIFT["theft"] * biz_ramp, 0.0)
    wc = np.cumsum(w, axis=1)
    source = (wc < (rng.random(n) * wc[:, -1])[:, None]).sum(axis=1).clip(0, len(_SOURCES) - 1)
    src = np.array(_SOURCES, dtype=object)[source]

    # Who is sent, and when (minutes from receipt).
    p_none = np.array(prof.NO_DISPATCH_BY_PRIORITY)[priority_initial - 1]
    for s_name, p in prof.NO_DISPATCH_DESK.items():
        p_none = np.where((src == s_name) & (priority_initial >= 3), np.maximum(p_none, p), p_none)
    p_none = np.where(src == "patrol", 0.0, p_none)
    p_none = np.where(np.isin(sub, [_SUB_INDEX[c] for c in prof.PHONE_ONLY]), 1.0, p_none)
    dispatched = rng.random(n) >= p_none

    def by_prio(table: dict[int, tuple[float, float]]) -> tuple[np.ndarray, np.ndarray]:
        a = np.array([table[p] for p in (1, 2, 3, 4)], dtype=float)[priority_initial - 1]
        return a[:, 0], a[:, 1]

    lo, hi = by_prio(prof.DISPATCH_DELAY)
    t_disp = rng.uniform(lo, hi)
    lo, hi = by_prio(prof.EN_ROUTE_DELAY)
    t_go = rng.uniform(lo, hi)
    med, sig = by_prio(prof.RESPONSE)
    med = np.where(is_bar & (category_initial == "public_order"), med * prof.BAR_ORDER_RESPONSE_FACTOR, med)
    response = med * np.exp(sig * rng.standard_normal(n))
    patrol = src == "patrol"  # the finder is already there
    quick = rng.uniform(0.5, 1.0, n)
    t_disp = np.where(patrol, quick, t_disp)
    t_go = np.where(patrol, 0.0, t_go)
    response = np.where(patrol, quick + rng.uniform(0.2, 1.0, n), response)
    travel = np.maximum(response - t_disp - t_go, 0.5)
    clear_med = np.array([prof.CLEAR_MEDIAN.get(c, prof.CLEAR_DEFAULT_MEDIAN) for c in category], dtype=float)
    t_clear = np.clip(clear_med * np.exp(0.5 * rng.standard_normal(n)), *prof.CLEAR_RANGE)
    pm, plo, phi = prof.PHONE_CLEAR
    t_phone = np.clip(pm * np.exp(0.5 * rng.standard_normal(n)), plo, phi)
    target = np.array([prof.FEEDBACK_MINUTES[c] for c in category_initial], dtype=float)
    t_fb = np.maximum(
        target * prof.FEEDBACK_MEDIAN_SHARE * np.exp(prof.FEEDBACK_SIGMA * rng.standard_normal(n)), 1.0
    )
    steps = np.stack([t_disp, t_go, travel, t_clear, t_fb], axis=1)
    steps[~dispatched] = np.stack([np.zeros(n), np.zeros(n), np.zeros(n), t_phone, t_fb], axis=1)[~dispatched]
    offsets = np.cumsum(np.round(steps * 60).astype(np.int64), axis=1)  # seconds from receipt
    late = t[:, None] + offsets >= n_days * DAY  # after the period: not happened yet
    offsets = np.where(late, -1, offsets)
    offsets[~dispatched, :3] = -1

    # Texts.
    arrest = in_scope & dispatched & (rng.random(n) < prof.ANTI_PICKPOCKET_ARREST * biz_ramp)
    picks = rng.integers(0, 1 << 30, (n, 2))
    base = datetime(day0.year, day0.month, day0.day, tzinfo=UTC) - LOCAL_UTC_OFFSET
    out: list[DemoAlert] = []
    for i in range(n):
        code, z = _SUBS[sub[i]], streams[st[i]].zone
        zone = places.zones[z] if z >= 0 else None
        kind = zone.spec.kind if zone else prof.ROAD_KIND
        pick_d, pick_p = int(picks[i, 0]), int(picks[i, 1])
        desc_opts = prof.DESCRIPTIONS_IN.get((kind, code)) or prof.DESCRIPTIONS[code]
        desc = desc_opts[pick_d % len(desc_opts)]
        if reclassified[i]:
            desc = f"{desc}（报警时称{prof.RECLASS[code].reported_as}，经核实改类）"
        cat = str(category[i])
        if arrest[i]:
            disp = prof.ARREST_DISPOSITION
        else:
            table = prof.DISPOSITIONS if dispatched[i] else prof.DISPOSITIONS_NO_DISPATCH
            opts = prof.DISPOSITIONS_SUB.get(code) if dispatched[i] or code in prof.PHONE_ONLY else None
            opts = opts or table.get(cat, prof.NO_DISPATCH_FALLBACK)
            disp = opts[pick_p % len(opts)]
        off = offsets[i].tolist()
        received = base + timedelta(seconds=int(t[i]))
        at = [received + timedelta(seconds=o) if o >= 0 else None for o in off]
        b = int(drawn.bld[i])
        out.append(
            DemoAlert(
                external_id=f"DEMO-{i + 1:06d}",
                kind=str(default_kind(str(category_initial[i]))),
                category_initial=str(category_initial[i]),
                category=cat,
                subcategory=None if dropped[i] else code,
                priority_initial=int(priority_initial[i]),
                priority=int(priority[i]),
                source=str(src[i]),
                zone_code=zone.spec.code if zone else None,
                building_code=zone.buildings[b].code if zone and b >= 0 else None,
                lon=float(drawn.x[i]),
                lat=float(drawn.y[i]),
                level=str(drawn.level[i]),
                location_text=str(drawn.label[i]),
                description=desc,
                disposition=disp if at[3] is not None else "",
                received_at=received,
                dispatched_at=at[0],
                en_route_at=at[1],
                on_scene_at=at[2],
                cleared_at=at[3],
                closed_at=at[4],
            )
        )
    return out
