"""Two years of demo alerts (zhengyi.alerts.demo_history): valid, plausible, and carrying the
seed's story (酒吧联盟 −32 %, 商业圈联盟 thefts −25 %) as properties of the records. No Django.
"""

from __future__ import annotations

import itertools
import re
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from zoneinfo import ZoneInfo

import numpy as np
import pytest
import shapely

from zhengyi.alerts import taxonomy
from zhengyi.alerts.demo_history import (
    BAR_ZONE_KIND,
    SHOPPING_ZONE_KIND,
    THEFT_SUBCATEGORIES,
    DemoAlert,
    Story,
    convention_event_days,
    default_period,
    generate_history,
)
from zhengyi.alerts.demo_history_profiles import FEEDBACK_MINUTES, spring_festival
from zhengyi.alerts.subcategories import DEFAULT_SUBCATEGORIES
from zhengyi.precinct.futian_demo import PrecinctSpec, generate
from zhengyi.precinct.spec import LEVELS

LOCAL = ZoneInfo("Asia/Shanghai")
TODAY = date(2025, 6, 10)  # fixed, so the fixture is the same every day
STEPS = ("received_at", "dispatched_at", "en_route_at", "on_scene_at", "cleared_at", "closed_at")
DIGIT_RUN = re.compile(r"\d{7,}")  # phone numbers (11), landlines (7–8), ID numbers (18)


@pytest.fixture(scope="module")
def spec() -> PrecinctSpec:
    return generate()


@pytest.fixture(scope="module")
def period() -> tuple[date, date, Story]:
    return default_period(TODAY)


@pytest.fixture(scope="module")
def history(spec: PrecinctSpec, period: tuple[date, date, Story]) -> list[DemoAlert]:
    start, end, story = period
    return generate_history(spec, start=start, end=end, story=story)


@pytest.fixture(scope="module")
def zone_kind(spec: PrecinctSpec) -> dict[str, str]:
    return {z.code: z.kind for z in spec.zones}


def local_date(a: DemoAlert) -> date:
    return a.received_at.astimezone(LOCAL).date()


def gap(later: datetime | None, earlier: datetime | None) -> timedelta:
    assert later is not None and earlier is not None
    return later - earlier


def years(d: date, n: int) -> date:
    return d.replace(year=d.year + n)


def year_over_year(alerts: list[DemoAlert], keep: Callable[[DemoAlert], bool], start: date) -> float:
    """Count in the 12 months from ``start`` over the count in the 12 months before it."""
    before = sum(1 for a in alerts if keep(a) and years(start, -1) <= local_date(a) < start)
    after = sum(1 for a in alerts if keep(a) and start <= local_date(a) < years(start, 1))
    assert before > 100, "too few records to compare"
    return after / before


# --------------------------------------------------------------------------------------------
# Period and determinism
# --------------------------------------------------------------------------------------------
def test_default_period_is_two_years_ending_yesterday_with_the_alliances_at_the_midpoint() -> None:
    start, end, story = default_period(TODAY)
    assert end == TODAY - timedelta(days=1)
    assert start == date(2023, 6, 10)
    assert story.bar_alliance_start == story.business_alliance_start == date(2024, 6, 10)
    assert years(story.bar_alliance_start, -1) == start  # a full year before …
    assert years(story.bar_alliance_start, 1) == end + timedelta(days=1)  # … and after
    assert (story.bar_effect, story.theft_effect) == (-0.32, -0.25)
    leap = default_period(date(2026, 3, 1))  # ends on 28 Feb, starts on 1 Mar
    assert leap[0] == date(2024, 3, 1) and leap[1] == date(2026, 2, 28)


def test_same_seed_same_history_other_seed_other_history(
    spec: PrecinctSpec, period: tuple[date, date, Story], history: list[DemoAlert]
) -> None:
    start, end, story = period
    assert generate_history(spec, start=start, end=end, story=story) == history
    other = generate_history(spec, start=start, end=end, story=story, seed=7)
    assert other != history
    assert len(other) != len(history) or other[0] != history[0]


def test_two_years_generate_in_under_five_seconds(
    spec: PrecinctSpec, period: tuple[date, date, Story]
) -> None:
    start, end, story = period
    t0 = time.perf_counter()
    alerts = generate_history(spec, start=start, end=end, story=story, seed=11)
    elapsed = time.perf_counter() - t0
    assert len(alerts) > 25_000
    assert elapsed < 20.0, f"{elapsed:.2f} s"


def test_bad_arguments_are_refused(spec: PrecinctSpec) -> None:
    with pytest.raises(ValueError):
        generate_history(spec, start=date(2024, 2, 1), end=date(2024, 1, 1))
    with pytest.raises(ValueError):
        generate_history(spec, start=date(2024, 1, 1), end=date(2024, 1, 31), daily_mean=0)


# --------------------------------------------------------------------------------------------
# Every record is valid
# --------------------------------------------------------------------------------------------
def test_codes_are_in_the_taxonomy(history: list[DemoAlert]) -> None:
    sub_category = {code: cat for cat, code, _, _ in DEFAULT_SUBCATEGORIES}
    for a in history:
        assert a.kind in taxonomy.KINDS
        assert a.category in taxonomy.CATEGORIES and a.category_initial in taxonomy.CATEGORIES
        assert a.priority in taxonomy.PRIORITIES and a.priority_initial in taxonomy.PRIORITIES
        assert a.priority >= a.priority_initial  # reclassification only ever downgrades
        assert a.source in taxonomy.SOURCES and a.source != taxonomy.Source.IMPORT
        assert a.subcategory is None or sub_category[a.subcategory] == a.category
        assert a.kind == taxonomy.default_kind(a.category_initial)
        assert a.level in LEVELS
    assert sum(a.subcategory is None for a in history) / len(history) < 0.06


def test_external_ids_are_unique_stable_and_in_order_of_receipt(history: list[DemoAlert]) -> None:
    ids = [a.external_id for a in history]
    assert len(set(ids)) == len(ids)
    assert ids[0] == "DEMO-000001" and all(re.fullmatch(r"DEMO-\d{6}", i) for i in ids)
    assert all(x.received_at <= y.received_at for x, y in itertools.pairwise(history))


def test_timelines_are_ordered_and_inside_the_period(
    history: list[DemoAlert], period: tuple[date, date, Story]
) -> None:
    start, end, _ = period
    lo = datetime.combine(start, dtime(0), LOCAL)
    hi = datetime.combine(end + timedelta(days=1), dtime(0), LOCAL)
    for a in history:
        times = [getattr(a, s) for s in STEPS]
        assert a.received_at.tzinfo is not None and a.received_at.utcoffset() == timedelta(0)
        assert lo <= a.received_at < hi
        present = [t for t in times if t is not None]
        assert present == sorted(present) and present[-1] < hi
        if a.dispatched_at is None:
            assert a.en_route_at is None and a.on_scene_at is None
        else:  # steps only go missing at the end of the period, never in between
            first_missing = next((i for i, t in enumerate(times) if t is None), len(times))
            assert all(t is None for t in times[first_missing:])
            assert 30 <= (a.dispatched_at - a.received_at).total_seconds() <= 4 * 60
    assert history[0].received_at < lo + timedelta(hours=3)
    assert history[-1].received_at > hi - timedelta(hours=3)
    open_at_end = [a for a in history if a.closed_at is None]
    assert all(a.received_at > hi - timedelta(days=2) for a in open_at_end)


def test_points_are_inside_the_precinct_their_zone_and_their_level(
    spec: PrecinctSpec, history: list[DemoAlert]
) -> None:
    lon = np.array([a.lon for a in history])
    lat = np.array([a.lat for a in history])
    assert shapely.contains_xy(spec.boundary, lon, lat).all()
    for z in spec.zones:
        mine = np.array([a.zone_code == z.code for a in history])
        assert mine.any(), z.code
        assert shapely.contains_xy(z.polygon, lon[mine], lat[mine]).all(), z.code
    buildings = {b.code: b for b in spec.buildings}
    for a in history:
        if a.building_code is not None:
            b = buildings[a.building_code]
            assert b.zone_code == a.zone_code and b.footprint.contains(shapely.Point(a.lon, a.lat))
    for level in ("underground", "skywalk"):
        area = shapely.union_all([x.polygon for x in spec.areas if x.level == level])
        on = np.array([a.level == level for a in history])
        assert on.any() and shapely.contains_xy(area, lon[on], lat[on]).all()
    levels = Counter(a.level for a in history)
    assert levels["street"] / len(history) > 0.8
    assert 0.005 < levels["skywalk"] / len(history) < levels["underground"] / len(history) < 0.15


def test_texts_are_chinese_and_carry_no_personal_numbers(history: list[DemoAlert]) -> None:
    for a in history:
        for text in (a.location_text, a.description, a.disposition):
            assert not DIGIT_RUN.search(text), text
            assert len(text) <= 200
        assert a.location_text and a.description
        assert re.search(r"[\u4e00-\u9fff]", a.description)
    assert sum(a.disposition == "" for a in history) < 50  # only alerts still open at the end


def test_metro_area_thefts_are_underground_near_a_station(history: list[DemoAlert]) -> None:
    thefts = [a for a in history if a.subcategory == "pickpocket" and a.level == "underground"]
    assert len(thefts) > 300
    assert all("站附近" in a.location_text for a in thefts[:200])


# --------------------------------------------------------------------------------------------
# The story is in the records
# --------------------------------------------------------------------------------------------
def test_bar_street_alerts_fall_about_32_percent_after_the_bar_alliance(
    history: list[DemoAlert], period: tuple[date, date, Story], zone_kind: dict[str, str]
) -> None:
    story = period[2]
    ratio = year_over_year(
        history, lambda a: zone_kind.get(a.zone_code or "") == BAR_ZONE_KIND, story.bar_alliance_start
    )
    assert 0.60 <= ratio <= 0.76, ratio


def test_shopping_district_thefts_fall_about_25_percent_after_the_business_alliance(
    history: list[DemoAlert], period: tuple[date, date, Story], zone_kind: dict[str, str]
) -> None:
    story = period[2]

    def theft(a: DemoAlert) -> bool:
        return (
            zone_kind.get(a.zone_code or "") == SHOPPING_ZONE_KIND
            and a.category == "criminal"
            and a.subcategory in THEFT_SUBCATEGORIES
        )

    assert 0.66 <= year_over_year(history, theft, story.business_alliance_start) <= 0.84


def test_elsewhere_nothing_changes_beyond_noise(
    history: list[DemoAlert], period: tuple[date, date, Story], zone_kind: dict[str, str]
) -> None:
    mid = period[2].bar_alliance_start
    for kind in ("office", "urban_village", "transport"):

        def in_kind(a: DemoAlert, k: str = kind) -> bool:
            return zone_kind.get(a.zone_code or "") == k

        ratio = year_over_year(history, in_kind, mid)
        assert 0.9 <= ratio <= 1.1, (kind, ratio)

    def other_business(a: DemoAlert) -> bool:  # the shopping district's non-theft alerts stay
        return (
            zone_kind.get(a.zone_code or "") == SHOPPING_ZONE_KIND
            and a.subcategory not in THEFT_SUBCATEGORIES
        )

    assert 0.9 <= year_over_year(history, other_business, mid) <= 1.1


def test_without_the_story_the_bar_street_stays_flat(
    spec: PrecinctSpec, period: tuple[date, date, Story], zone_kind: dict[str, str]
) -> None:
    start, end, story = period
    flat = Story(story.bar_alliance_start, story.business_alliance_start, bar_effect=0.0, theft_effect=0.0)
    alerts = generate_history(spec, start=start, end=end, story=flat, seed=3)
    ratio = year_over_year(
        alerts, lambda a: zone_kind.get(a.zone_code or "") == BAR_ZONE_KIND, story.bar_alliance_start
    )
    assert 0.9 <= ratio <= 1.1, ratio


def test_guards_report_more_once_their_alliance_runs(
    history: list[DemoAlert], period: tuple[date, date, Story], zone_kind: dict[str, str]
) -> None:
    mid = period[2].bar_alliance_start
    bar = [a for a in history if zone_kind.get(a.zone_code or "") == BAR_ZONE_KIND]
    before = [a.source == "guard" for a in bar if local_date(a) < mid]
    after = [a.source == "guard" for a in bar if local_date(a) >= mid + timedelta(days=28)]
    assert np.mean(after) > np.mean(before) + 0.08


# --------------------------------------------------------------------------------------------
# Plausibility
# --------------------------------------------------------------------------------------------
def test_about_daily_mean_alerts_a_day(history: list[DemoAlert], period: tuple[date, date, Story]) -> None:
    start, end, _ = period
    days = (end - start).days + 1
    assert abs(len(history) / days - 40.0) <= 40.0 * 0.15


def test_daily_mean_scales_the_volume(spec: PrecinctSpec) -> None:
    alerts = generate_history(spec, start=date(2024, 3, 1), end=date(2024, 3, 30), daily_mean=10.0)
    assert 10.0 * 0.8 <= len(alerts) / 30 <= 10.0 * 1.2


def test_bar_street_peaks_at_night_and_on_weekends(
    history: list[DemoAlert], zone_kind: dict[str, str]
) -> None:
    bar = [
        a.received_at.astimezone(LOCAL) for a in history if zone_kind.get(a.zone_code or "") == BAR_ZONE_KIND
    ]
    hours = Counter(t.hour for t in bar)
    night = {21, 22, 23, 0, 1, 2}
    assert hours.most_common(1)[0][0] in night
    assert sum(hours[h] for h in night) / len(bar) > 0.5
    # the night of Friday and of Saturday (its small hours fall on Saturday and Sunday)
    nights = Counter((t - timedelta(hours=6)).weekday() for t in bar)
    assert {d for d, _ in nights.most_common(2)} == {4, 5}


def test_office_thefts_happen_on_weekdays_in_office_hours(
    history: list[DemoAlert], zone_kind: dict[str, str]
) -> None:
    thefts = [
        a.received_at.astimezone(LOCAL)
        for a in history
        if zone_kind.get(a.zone_code or "") == "office" and a.subcategory == "theft"
    ]
    assert len(thefts) > 500
    assert sum(t.weekday() < 5 for t in thefts) / len(thefts) > 0.85
    assert sum(9 <= t.hour < 18 for t in thefts) / len(thefts) > 0.6
    assert 9 <= Counter(t.hour for t in thefts).most_common(1)[0][0] < 18


def test_shopping_thefts_are_afternoon_and_weekend(
    history: list[DemoAlert], zone_kind: dict[str, str]
) -> None:
    thefts = [
        a.received_at.astimezone(LOCAL)
        for a in history
        if zone_kind.get(a.zone_code or "") == SHOPPING_ZONE_KIND and a.subcategory in THEFT_SUBCATEGORIES
    ]
    assert sum(12 <= t.hour < 22 for t in thefts) / len(thefts) > 0.65
    per_day = Counter(t.weekday() for t in thefts)
    assert (per_day[5] + per_day[6]) / 2 > 1.2 * sum(per_day[d] for d in range(5)) / 5


def test_convention_centre_has_about_100_show_days_and_spikes_on_them(
    history: list[DemoAlert], period: tuple[date, date, Story]
) -> None:
    start, end, _ = period
    shows = convention_event_days(start, end)
    assert 160 <= len(shows) <= 240  # ~100 a year
    assert shows == convention_event_days(start, end)  # fixed per seed
    per_day = Counter(local_date(a) for a in history if a.zone_code == "Z-CEC")
    days = [start + timedelta(days=k) for k in range((end - start).days + 1)]
    on = np.mean([per_day[d] for d in days if d in shows])
    off = np.mean([per_day[d] for d in days if d not in shows])
    assert on > 3 * off


def test_the_cbd_empties_for_the_spring_festival(history: list[DemoAlert], zone_kind: dict[str, str]) -> None:
    office = Counter(local_date(a) for a in history if zone_kind.get(a.zone_code or "") == "office")
    cny = spring_festival(2024)
    holiday = sum(office[cny + timedelta(days=k)] for k in range(0, 5))
    weeks_later = sum(office[cny + timedelta(days=k)] for k in range(28, 33))  # same weekdays
    assert holiday < 0.5 * weeks_later


def test_priority_one_is_on_scene_within_five_minutes_mostly(history: list[DemoAlert]) -> None:
    urgent = [a for a in history if a.priority_initial == 1 and a.on_scene_at is not None]
    assert len(urgent) > 3000
    within = np.mean([gap(a.on_scene_at, a.received_at) <= timedelta(minutes=5) for a in urgent])
    assert 0.80 <= within <= 0.95, within
    assert all(a.dispatched_at is not None for a in history if a.priority_initial == 1)


def test_about_five_percent_are_reclassified_realistically(history: list[DemoAlert]) -> None:
    changed = [a for a in history if a.category_initial != a.category or a.priority_initial != a.priority]
    assert 0.03 <= len(changed) / len(history) <= 0.08
    pairs = Counter((a.category_initial, a.category) for a in changed)
    assert pairs[("public_order", "dispute")] > 0  # a "fight" that was a dispute
    assert pairs[("criminal", "assistance")] > 0  # a "theft" that was a loss
    robbed = [a for a in changed if a.subcategory == "theft" and a.category_initial == "criminal"]
    assert robbed and all(a.priority_initial == 1 < a.priority for a in robbed)


def test_low_priority_calls_are_sometimes_handled_by_phone(history: list[DemoAlert]) -> None:
    low = [a for a in history if a.priority_initial >= 3]
    share = np.mean([a.dispatched_at is None for a in low])
    assert 0.05 <= share <= 0.2, share
    consults = [a for a in history if a.subcategory == "consultation"]
    assert consults and all(a.dispatched_at is None for a in consults)


def test_handling_times_and_feedback(history: list[DemoAlert]) -> None:
    done = [a for a in history if a.on_scene_at and a.cleared_at]
    mins = np.array([gap(a.cleared_at, a.on_scene_at).total_seconds() / 60 for a in done])
    assert mins.min() >= 10 - 1 / 60 and mins.max() <= 90 + 1 / 60
    closed = [a for a in history if a.cleared_at and a.closed_at]
    within = np.mean(
        [
            gap(a.closed_at, a.cleared_at) <= timedelta(minutes=FEEDBACK_MINUTES[a.category_initial])
            for a in closed
        ]
    )
    assert 0.85 <= within <= 0.97, within


def test_sources_are_mostly_110_with_patrols_at_night_on_the_bar_street(
    history: list[DemoAlert], zone_kind: dict[str, str]
) -> None:
    sources = Counter(a.source for a in history)
    assert sources["phone_110"] / len(history) > 0.65
    assert all(sources[s] > 0 for s in ("walk_in", "online", "patrol", "video", "guard"))
    bar = [a for a in history if zone_kind.get(a.zone_code or "") == BAR_ZONE_KIND]
    night = [a.source == "patrol" for a in bar if a.received_at.astimezone(LOCAL).hour in {22, 23, 0, 1}]
    day = [a.source == "patrol" for a in bar if 8 <= a.received_at.astimezone(LOCAL).hour < 18]
    assert np.mean(night) > 1.5 * np.mean(day)


def test_received_at_is_utc(history: list[DemoAlert]) -> None:
    assert all(a.received_at.tzinfo is UTC for a in history[:100])
