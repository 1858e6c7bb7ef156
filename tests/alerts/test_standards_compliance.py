"""处警考核: the compliance statistics, and the compliance page and report built on them."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import binomtest

from zhengyi.alerts.compliance import compliance_report
from zhengyi.alerts.compliance_stats import (
    histogram,
    newcombe_interval,
    percentile,
    quantile_interval,
    wilson_interval,
)
from zhengyi.alerts.services.dispatch import advance_assignment, dispatch_unit
from zhengyi.alerts.services.history import HistoricalAlert, import_historical
from zhengyi.alerts.services.standards import RuleInput, default_rules, publish_standard
from zhengyi.alerts.services.units import create_unit, set_unit_crew, update_position

from .tower_support import _receive

# --- pure helpers (no database) -------------------------------------------------------------


def _wilson_by_hand(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson (1927), written out independently of the module under test."""
    p = k / n
    centre = (2 * n * p + z**2) / (2 * (n + z**2))
    half = z * math.sqrt(z**2 + 4 * n * p * (1 - p)) / (2 * (n + z**2))
    return centre - half, centre + half


def test_wilson_three_of_four() -> None:
    low, high = wilson_interval(3, 4)
    assert (round(low, 4), round(high, 4)) == (0.3006, 0.9544)
    assert (low, high) == pytest.approx(_wilson_by_hand(3, 4))


def test_wilson_edges() -> None:
    assert wilson_interval(0, 10)[0] == 0.0
    assert wilson_interval(10, 10)[1] == 1.0
    assert wilson_interval(0, 1) == pytest.approx((0.0, 0.7935), abs=1e-4)
    with pytest.raises(ValueError):
        wilson_interval(1, 0)
    with pytest.raises(ValueError):
        wilson_interval(5, 4)


@given(st.integers(min_value=1, max_value=5000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_matches_scipy_and_holds_the_share(case: tuple[int, int]) -> None:
    k, n = case
    low, high = wilson_interval(k, n)
    assert 0.0 <= low <= k / n <= high <= 1.0
    reference = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    assert low == pytest.approx(reference.low, abs=1e-9)
    assert high == pytest.approx(reference.high, abs=1e-9)


def test_newcombe_published_example() -> None:
    # Newcombe (1998), Stat Med 17:873, example (a): 56/70 − 48/80, method 10: 0.0524 to 0.3339.
    difference, low, high = newcombe_interval(56, 70, 48, 80)
    assert difference == pytest.approx(0.2)
    assert (round(low, 4), round(high, 4)) == (0.0524, 0.3339)


@given(
    st.integers(1, 400).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
    st.integers(1, 400).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
)
def test_newcombe_contains_the_difference(a: tuple[int, int], b: tuple[int, int]) -> None:
    difference, low, high = newcombe_interval(*a, *b)
    assert -1.0 <= low <= difference + 1e-12 and difference - 1e-12 <= high <= 1.0


finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


@given(st.lists(finite, min_size=1, max_size=200), st.floats(min_value=0, max_value=100))
def test_percentile_matches_numpy(values: list[float], q: float) -> None:
    assert percentile(values, q) == pytest.approx(float(np.percentile(values, q)), rel=1e-9, abs=1e-6)


def test_percentile_small_cases() -> None:
    assert percentile([], 50) is None
    assert percentile([7.0], 90) == 7.0
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile([4, 1, 3, 2], 90) == pytest.approx(3.7)
    with pytest.raises(ValueError):
        percentile([1.0], 101)


@given(st.lists(finite, min_size=2, max_size=300), st.sampled_from([10, 50, 90]))
def test_quantile_interval_brackets_the_percentile(values: list[float], q: int) -> None:
    ordered = sorted(values)
    interval = quantile_interval(ordered, q)
    assert interval is not None
    value = percentile(ordered, q)
    assert value is not None
    assert interval[0] <= value + 1e-9 and value - 1e-9 <= interval[1]


def test_histogram_bins_and_overflow() -> None:
    assert histogram([0.2, 0.9, 1.0, 2.5, 31, 99], width=1, limit=3) == [2, 1, 1, 2]
    assert sum(histogram([0.5] * 7, 1, 30)) == 7


# --- 处警考核 ---------------------------------------------------------------------------------


def _history(personas: Any, stations: Any, records: list[dict[str, Any]]) -> None:
    """Past alerts with controlled timestamps, through the historical import service."""
    base = {
        "kind": "",
        "subcategory": None,
        "priority_initial": None,
        "priority": None,
        "source": "phone_110",
    }
    result = import_historical(
        actor=personas["dispatcher"],
        station=stations["FT"],
        records=[
            HistoricalAlert(**{**base, "external_id": f"T{i}", "building_code": "B1", **r})
            for i, r in enumerate(records)
        ],
    )
    assert result.created == len(records), result.rejected


def _timeline(received: datetime, arrive_after: float | None, dispatched: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {"received_at": received}
    if dispatched:
        out["dispatched_at"] = received + timedelta(seconds=30)
    if arrive_after is not None:
        out["on_scene_at"] = received + timedelta(minutes=arrive_after)
        out["cleared_at"] = out["on_scene_at"] + timedelta(minutes=20)
    return out


@pytest.mark.django_db
def test_compliance_three_of_four_on_time(client_for: Any, personas: Any, stations: Any) -> None:
    t = timezone.now() - timedelta(days=2)
    _history(
        personas,
        stations,
        [
            {"category_initial": "criminal", "category": "criminal", **_timeline(t, 3)},
            {
                "category_initial": "criminal",
                "category": "criminal",
                **_timeline(t, 5),
            },  # exactly at the target
            {"category_initial": "dispute", "category": "dispute", **_timeline(t, 4.5)},
            {"category_initial": "dispute", "category": "dispute", **_timeline(t, 9)},  # late
            {"category_initial": "dispute", "category": "dispute", **_timeline(t, None, dispatched=False)},
        ],
    )
    response = client_for("head").get(reverse("standards:compliance"))
    assert response.status_code == 200
    report = response.context["report"]
    assert (report.received, report.never_dispatched, report.no_arrival) == (5, 1, 0)
    assert (report.arrival.hits, report.arrival.total) == (3, 4)
    assert report.arrival.share == 0.75
    assert report.arrival.interval == pytest.approx(_wilson_by_hand(3, 4))
    html = response.content.decode()
    assert "75.0" in html and "30.1–95.4%" in html and "3 / 4 条按时" in html
    assert "未派警的 1 条不计入" in html
    by_category = {s.key: (s.hits, s.total) for s in report.by_category}
    assert by_category == {"criminal": (2, 2), "dispute": (1, 2)}
    assert [(s.label, s.hits, s.total) for s in report.by_zone] == [("测试商圈", 3, 4)]
    durations = report.durations
    assert durations.count == 4
    assert durations.median == pytest.approx(4.75) and durations.p90 == pytest.approx(7.8)
    assert report.category_durations["criminal"][1] == pytest.approx(4.0)
    data = response.context["chart_data"]
    assert data["overall"]["share"] == 0.75 and len(data["byCategory"]) == 2
    assert 'id="compliance-data"' in html and "standards-compliance.js" in html


@pytest.mark.django_db
def test_dispatched_without_arrival_is_late_and_pending_ones_wait(
    client_for: Any, personas: Any, stations: Any
) -> None:
    head, dispatcher, officer = personas["head"], personas["dispatcher"], personas["officer"]
    car = create_unit(
        actor=head, station=stations["FT"], code="C1", name="巡逻车1", kind="patrol_car", status="available"
    )
    foot = create_unit(
        actor=head, station=stations["FT"], code="F1", name="步巡1", kind="foot_patrol", status="available"
    )
    extra = create_unit(
        actor=head, station=stations["FT"], code="F2", name="步巡2", kind="foot_patrol", status="available"
    )
    for unit in (car, foot, extra):
        update_position(actor=head, unit=unit, lon=114.055, lat=22.5349)
    # The officer reports the steps of the units they crew.
    for unit in (car, foot):
        set_unit_crew(actor=dispatcher, unit=unit, members=[officer])
    now = timezone.now()
    # Received 2 minutes ago, both sent, the foot patrol arrives first: on time, credited to it.
    quick = _receive(personas, stations, received_at=now - timedelta(minutes=2))
    a_car = dispatch_unit(actor=dispatcher, alert=quick, unit=car)
    a_foot = dispatch_unit(actor=dispatcher, alert=quick, unit=foot)
    for step in ("en_route", "on_scene"):
        advance_assignment(actor=officer, assignment=a_foot, step=step)
    for step in ("en_route", "on_scene"):
        advance_assignment(actor=officer, assignment=a_car, step=step)
    # Received 20 minutes ago, the car recalled before arriving: late, credited to the car.
    slow = _receive(personas, stations, received_at=now - timedelta(minutes=20))
    advance_assignment(actor=officer, assignment=a_car, step="cleared")
    recalled = dispatch_unit(actor=dispatcher, alert=slow, unit=car)
    advance_assignment(actor=officer, assignment=recalled, step="cleared")
    # Just received and dispatched: still within its 5 minutes, not counted yet.
    fresh = _receive(personas, stations)
    dispatch_unit(actor=dispatcher, alert=fresh, unit=extra)
    # Never dispatched: left out.
    _receive(personas, stations, category="complaint")

    report = client_for("head").get(reverse("standards:compliance")).context["report"]
    assert (report.received, report.never_dispatched, report.pending_arrival) == (4, 1, 1)
    assert (report.arrival.hits, report.arrival.total, report.no_arrival) == (1, 2, 1)
    assert {s.label: (s.hits, s.total) for s in report.by_unit} == {
        "步巡1（F1）": (1, 1),
        "巡逻车1（C1）": (0, 1),
    }
    assert report.feedback.total == 0 and report.feedback_pending == 4


@pytest.mark.django_db
def test_priority_matrix_and_shares_by_original_and_final_priority(
    client_for: Any, personas: Any, stations: Any
) -> None:
    t = timezone.now() - timedelta(days=1)
    crim = {"category_initial": "criminal", "category": "criminal"}
    _history(
        personas,
        stations,
        [
            {**crim, "priority_initial": 1, "priority": 1, **_timeline(t, 3)},
            # two urgent calls, late, downgraded afterwards to 普通
            {**crim, "priority_initial": 1, "priority": 3, **_timeline(t, 12)},
            {**crim, "priority_initial": 1, "priority": 3, **_timeline(t, 15)},
            {**crim, "priority_initial": 2, "priority": 2, **_timeline(t, 4)},
            {**crim, "priority_initial": 4, "priority": 2, **_timeline(t, None, dispatched=False)},
        ],
    )
    response = client_for("head").get(reverse("standards:compliance"))
    report = response.context["report"]
    assert report.matrix == [[1, 0, 2, 0], [0, 1, 0, 0], [0, 0, 0, 0], [0, 1, 0, 0]]
    initial = {s.key: (s.hits, s.total) for s in report.by_priority_initial}
    final = {s.key: (s.hits, s.total) for s in report.by_priority_final}
    # Counted by the final priority the urgent calls look perfect; by the original, 1 of 3.
    assert initial["1"] == (1, 3) and final["1"] == (1, 1)
    assert initial["3"] == (0, 0) and final["3"] == (0, 2)
    assert (report.reclassified_priority.hits, report.reclassified_priority.total) == (3, 5)
    assert (report.downgraded, report.upgraded) == (2, 1)
    assert response.context["chart_data"]["matrix"]["counts"] == report.matrix
    html = response.content.decode()
    assert 'data-compliance-chart="matrix"' in html and 'id="matrix-table"' in html


@pytest.mark.django_db
def test_final_category_target_shows_what_a_reclassification_would_flatter(
    personas: Any, stations: Any
) -> None:
    rules = [
        RuleInput(
            r.category,
            r.priority,
            15 if r.category == "dispute" else r.arrival_minutes,
            r.feedback_minutes,
            r.steps,
            r.zone_kind,
        )
        for r in default_rules()
    ]
    epoch = timezone.now() - timedelta(days=30)
    publish_standard(
        actor=personas["head"], station=stations["FT"], rules=rules, effective_from=epoch, note="t"
    )
    t = timezone.now() - timedelta(days=1)
    _history(
        personas,
        stations,
        [
            # 刑事 at intake (5 min), turned out a 纠纷 (15 min): 10 minutes is late, not on time.
            {"category_initial": "criminal", "category": "dispute", **_timeline(t, 10)},
            {"category_initial": "criminal", "category": "criminal", **_timeline(t, 4)},
        ],
    )
    today = timezone.localdate()
    report = compliance_report(personas["head"], start=today - timedelta(days=7), end=today)
    assert (report.arrival.hits, report.arrival.total) == (1, 2)
    assert (report.arrival_final_target.hits, report.verdict_flattered, report.verdict_harsher) == (2, 1, 0)
    assert (report.reclassified_category.hits, report.reclassified_category.total) == (1, 2)


@pytest.mark.django_db
def test_compliance_period_is_validated(client_for: Any, personas: Any, stations: Any) -> None:
    head = client_for("head")
    url = reverse("standards:compliance")
    response = head.get(url, {"start": "2024-05-10", "end": "2024-05-01"})
    assert response.context["report"] is None and "end" in response.context["form"].errors
    response = head.get(url, {"start": "2020-01-01", "end": "2024-01-01"})
    assert response.context["report"] is None and "不能超过 3 年" in response.content.decode()
    response = head.get(url, {"start": "2021-01-01", "end": "2023-12-31"})
    assert response.context["report"] is not None and response.context["report"].days == 1095
    response = head.get(url, {"start": "not a date", "end": ""})
    assert response.context["report"] is None and response.status_code == 200
    default = head.get(url).context["report"]
    assert default.days == 30 and default.end == timezone.localdate()


@pytest.mark.django_db
def test_the_period_comparison_says_when_a_change_is_noise(personas: Any, stations: Any) -> None:
    now = timezone.now()
    crim = {"category_initial": "criminal", "category": "criminal"}
    # Last 7 days: 3 of 4 on time; the 7 days before: 2 of 4. Too few to call it a change.
    records = [{**crim, **_timeline(now - timedelta(days=2), m)} for m in (3, 4, 4, 9)]
    records += [{**crim, **_timeline(now - timedelta(days=9), m)} for m in (3, 4, 8, 9)]
    _history(personas, stations, records)
    today = timezone.localdate()
    report = compliance_report(personas["head"], start=today - timedelta(days=6), end=today)
    comparison = report.comparison
    assert comparison is not None
    assert (comparison.previous.hits, comparison.previous.total) == (2, 4)
    assert comparison.difference == pytest.approx(0.25) and comparison.signal == "noise"


@pytest.mark.django_db
def test_feedback_clock_runs_from_clearance(
    client_for: Any, personas: dict[str, Any], stations: dict[str, Any], system: Any
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from zhengyi.alerts.services.history import import_historical

    from .history_support import _record

    t0 = timezone.now() - timedelta(days=2)

    def call(ext: str, cleared_after: int, closed_after: int) -> Any:
        return _record(
            ext,
            t0,
            kind="report",
            category_initial="fire",
            category="fire",
            priority_initial=1,
            priority=1,
            on_scene_at=t0 + timedelta(minutes=4),
            cleared_at=t0 + timedelta(minutes=cleared_after),
            closed_at=t0 + timedelta(minutes=closed_after),
            lon=None,
            lat=None,
            building_code="B1",
        )

    # 火灾: feedback within 30 minutes. Told 15 min after clearance (55 after the call): on time.
    # Told 40 min after clearance: late.
    import_historical(actor=system, station=stations["FT"], records=[call("A", 40, 55), call("B", 10, 50)])
    day = timezone.localdate(t0).isoformat()
    report = (
        client_for("head").get(reverse("standards:compliance"), {"from": day, "to": day}).context["report"]
    )
    assert (report.feedback.hits, report.feedback.total) == (1, 2)
