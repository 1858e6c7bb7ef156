"""Messages for roster violations and infeasibility reasons: Chinese first, English available.

Findings carry a stable code and their figures; the text is rendered from the templates here
when a finding is made, in both languages, so a page, an export or a log can each choose.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from zhengyi.alliances.rostering_model import Reason, RosterInputs, Violation

Lang = str  # "zh" or "en"

ABSENCE_REASONS: dict[str, tuple[str, str]] = {
    "training": ("在轮训", "on training"),
    "leave": ("休假", "on leave"),
    "sick": ("病假", "on sick leave"),
    "other": ("另有安排", "otherwise engaged"),
}

# Why a qualified guard cannot take a shift (codes of rostering_model.blocker), as used in
# "(2 on training, 1 certificate expired)"; {n} is the number of guards.
BLOCKERS: dict[str, tuple[str, str]] = {
    "no_certificate": ("{n} 名没有保安员证", "{n} without a guard certificate"),
    "certificate_expired": ("{n} 名保安员证过期", "{n} certificate expired"),
    "no_training": ("{n} 名未参加培训", "{n} never trained"),
    "training_expired": ("{n} 名培训过期", "{n} training expired"),
    "rest_after_previous": ("{n} 名距上期最后一班休息不足", "{n} not rested since the previous period"),
    "consecutive_from_previous": (
        "{n} 名上期末已连续上班到上限",
        "{n} at the consecutive-day limit from the previous period",
    ),
    "week_full_from_previous": ("{n} 名本周班次已排满", "{n} with the week's shifts already worked"),
    "nights_full_from_previous": ("{n} 名夜班已达上限", "{n} at the night-shift cap"),
}

VIOLATIONS: dict[str, tuple[str, str]] = {
    "one_shift_per_day": (
        "{guard} 在 {date} 排了 {count} 个班次（每天最多 1 个班次）",
        "{guard} has {count} shifts on {date} (at most one a day)",
    ),
    "min_rest": (
        "{guard}：{prev}（{prev_end} 结束）到 {next}（{next_start} 开始）只休息 {rest_h} 小时，少于规定的 {min_h} 小时",
        "{guard}: only {rest_h} h rest between {prev} (ends {prev_end}) and {next} (starts {next_start}); at least {min_h} h required",
    ),
    "max_consecutive_days": (
        "{guard} 从 {first} 到 {last} 连续上班 {days} 天，超过上限 {max} 天",
        "{guard} works {days} days in a row from {first} to {last}; at most {max}",
    ),
    "max_shifts_per_week": (
        "{guard} 在 {week} 起的一周（周一至周日）有 {count} 个班次，超过每周上限 {max} 个",
        "{guard} has {count} shifts in the week of {week} (Monday to Sunday); at most {max}",
    ),
    "night_cap": (
        "{guard} 在 {first} 至 {last} 的 {window} 天内有 {count} 个夜班，超过上限 {max} 个",
        "{guard} has {count} night shifts in the {window} days {first} to {last}; at most {max}",
    ),
    "not_qualified": (
        "{guard} 没有 {zone} 的上岗资格（{date} {shift}）",
        "{guard} is not qualified for {zone} ({date} {shift})",
    ),
    "certificate_expired": (
        "{guard} 的保安员证{valid}，不能在 {date} 上 {zone} {shift}",
        "{guard}'s guard certificate {valid}: cannot work {zone} {shift} on {date}",
    ),
    "training_expired": (
        "{guard} 的培训{valid}，不能在 {date} 上 {zone} {shift}",
        "{guard}'s training {valid}: cannot work {zone} {shift} on {date}",
    ),
    "unavailable": (
        "{guard} 在 {date} 不能排班（{why}）",
        "{guard} is not available on {date} ({why})",
    ),
    "coverage_short": (
        "{zone} {shift} {date}：需要 {need} 名保安，只排了 {count} 名",
        "{zone} {shift} {date}: needs {need} guards, only {count} rostered",
    ),
    "unknown_guard": ("没有编号为 {guard} 的保安", "no guard with id {guard}"),
    "unknown_shift": (
        "{zone_code} 没有班次 {shift_code}",
        "zone {zone_code} has no shift {shift_code}",
    ),
    "outside_period": (
        "{date} 不在本期排班（{first} 至 {last}）之内",
        "{date} is outside the roster period ({first} to {last})",
    ),
}

REASONS: dict[str, tuple[str, str]] = {
    "too_few_eligible": (
        "{zone} {shift} {date}：需要 {need} 名保安，但当天只有 {available} 名具备该区域资格、证件和培训均有效的保安可以上岗{detail}",
        "{zone} {shift} {date}: needs {need} guards, only {available} qualified guards with valid certificate and training are available that day{detail}",
    ),
    "no_qualified_guard": (
        "{zone} {shift} {date}：需要 {need} 名保安，但没有任何保安具备 {zone} 的上岗资格",
        "{zone} {shift} {date}: needs {need} guards, but no guard is qualified for {zone}",
    ),
    "day_overload": (
        "{date}：{needs}共需要 {total} 名保安，但当天能上这些班次的保安只有 {available} 名（每人每天最多一个班次{detail}）",
        "{date}: {needs} need {total} guards together, but only {available} guards can work any of them that day (one shift a day each{detail})",
    ),
    "week_capacity": (
        "{zone} {week} 起的一周（周一至周日）共需要 {total} 人次，但 {guards} 名可上岗的保安在每周最多 {max} 个班次（扣除不能上岗的日子和上期已上班次）下最多只能排 {capacity} 人次",
        "{zone}, week of {week} (Monday to Sunday): needs {total} guard-shifts, but the {guards} eligible guards can work at most {capacity} at {max} shifts a week (after days they cannot work and shifts already worked)",
    ),
    "night_capacity": (
        "{zone} 本期夜班共需要 {total} 人次，但 {guards} 名可上岗的保安在每 {window} 天最多 {max} 个夜班（含上期已上夜班）下最多只能上 {capacity} 个",
        "{zone}: the period's night shifts need {total} guard-shifts, but the {guards} eligible guards can work at most {capacity} at {max} nights per {window} days (previous period included)",
    ),
    "conflicting_needs": (
        "以下班次需求在排班规则（每天一个班次、两班之间休息不少于 {rest} 小时、连续上班不超过 {consec} 天、每周不超过 {week} 个班次、每 {window} 天夜班不超过 {nights} 个）下无法同时满足：{needs}；共需要 {total} 人次{coverable}",
        "these needs cannot all be met under the rules (one shift a day, at least {rest} h rest between shifts, at most {consec} days in a row, {week} shifts a week, {nights} nights per {window} days): {needs}; {total} guard-shifts needed{coverable}",
    ),
    "conflict_not_isolated": (
        "无法满足全部班次需求，但在时限内未能找出具体冲突的班次；请延长时限再试",
        "coverage cannot be met, but the conflicting needs were not isolated within the time limit; try a longer limit",
    ),
    "solver_unknown": (
        "在 {limit} 秒的时限内既没有找到排班，也没有证明无解；请延长时限或放宽需求",
        "within the {limit} s limit no roster was found and none was proved impossible; allow more time or relax the needs",
    ),
}

ALL_ZONES = ("所有区域", "all zones")


@dataclass(frozen=True, slots=True)
class ShiftRef:
    """A shift named in a message; rendered in the message's language. No zone: history."""

    day: date
    zone: str | None = None
    shift: str | None = None


def _pick(pair: tuple[str, str], lang: Lang) -> str:
    return pair[1] if lang == "en" else pair[0]


def zone_label(inputs: RosterInputs, code: str, lang: Lang = "zh") -> str:
    z = inputs.zone_by_code.get(code)
    if z is None:
        return code
    return (z.name_en or z.name or code) if lang == "en" else (z.name or code)


def shift_label(inputs: RosterInputs, zone: str, code: str, lang: Lang = "zh") -> str:
    t = inputs.shift_by_key.get((zone, code))
    if t is None:
        return code
    return (t.name_en or t.name or code) if lang == "en" else (t.name or code)


def guard_label(inputs: RosterInputs, guard_id: str) -> str:
    g = inputs.guard_by_id.get(guard_id)
    return f"{g.name}（{guard_id}）" if g is not None and g.name else guard_id


def absence_label(reason: str, lang: Lang = "zh") -> str:
    return _pick(ABSENCE_REASONS.get(reason, (reason, reason)), lang)


def blocker_parts(counts: Mapping[str, int], lang: Lang = "zh") -> list[str]:
    """["2 名在轮训", "1 名保安员证过期"] / ["2 on training", "1 certificate expired"]."""
    parts = []
    for code, n in counts.items():
        if code.startswith("away:"):
            what = absence_label(code[5:], lang)
            parts.append(f"{n} {what}" if lang == "en" else f"{n} 名{what}")
        else:
            parts.append(_pick(BLOCKERS.get(code, ("{n} 名" + code, "{n} " + code)), lang).format(n=n))
    return parts


def blocker_breakdown(counts: Mapping[str, int], lang: Lang = "zh") -> str:
    """ "（2 名在轮训，1 名保安员证过期）" / " (2 on training, 1 certificate expired)"."""
    parts = blocker_parts(counts, lang)
    if not parts:
        return ""
    return f" ({', '.join(parts)})" if lang == "en" else f"（{'，'.join(parts)}）"


def needs_label(
    inputs: RosterInputs, needs: Iterable[tuple[str, str, date, int]], lang: Lang = "zh", dated: bool = True
) -> str:
    out = []
    for zone, shift, day, n in needs:
        z, s = zone_label(inputs, zone, lang), shift_label(inputs, zone, shift, lang)
        what = f"{z} {s} {day.isoformat()}" if dated else f"{z} {s}"
        out.append(f"{what} ({n})" if lang == "en" else f"{what}（{n} 人）")
    return ", ".join(out) if lang == "en" else "、".join(out)


def _fmt(value: Any, inputs: RosterInputs | None = None, lang: Lang = "zh") -> Any:
    if isinstance(value, ShiftRef):
        if value.zone is None or value.shift is None or inputs is None:
            return f"previous period's shift of {value.day}" if lang == "en" else f"上期 {value.day} 的班次"
        z, s = zone_label(inputs, value.zone, lang), shift_label(inputs, value.zone, value.shift, lang)
        return f"{z} {s} {value.day.isoformat()}"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:g}"
    return value


def _labels(
    inputs: RosterInputs,
    lang: Lang,
    guard_id: str | None,
    dates: tuple[date, ...],
    zone: str | None,
    shift: str | None,
) -> dict[str, Any]:
    out: dict[str, Any] = {"date": dates[0].isoformat() if dates else ""}
    if guard_id is not None:
        out["guard"] = guard_label(inputs, guard_id)
    if zone is not None:
        out["zone"] = zone_label(inputs, zone, lang)
        if shift is not None:
            out["shift"] = shift_label(inputs, zone, shift, lang)
    else:
        out["zone"] = _pick(ALL_ZONES, lang)
    return out


def violation(
    inputs: RosterInputs,
    rule: str,
    *,
    guard_id: str | None = None,
    dates: tuple[date, ...] = (),
    zone: str | None = None,
    shift: str | None = None,
    **params: Any,
) -> Violation:
    def render(lang: Lang) -> str:
        extra = {k: _fmt(v, inputs, lang) for k, v in params.items()}
        if "valid_until" in params:
            vu = params["valid_until"]
            if lang == "en":
                extra["valid"] = "is missing" if vu is None else f"expired on {vu.isoformat()}"
            else:
                extra["valid"] = "缺失" if vu is None else f"已于 {vu.isoformat()} 到期"
        if "reason" in params:
            extra["why"] = absence_label(params["reason"], lang)
        return _pick(VIOLATIONS[rule], lang).format(
            **_labels(inputs, lang, guard_id, dates, zone, shift), **extra
        )

    return Violation(rule, render("zh"), render("en"), guard_id, dates, zone, shift, params)


def reason(
    inputs: RosterInputs,
    code: str,
    *,
    dates: tuple[date, ...] = (),
    zone: str | None = None,
    shift: str | None = None,
    **params: Any,
) -> Reason:
    def render(lang: Lang) -> str:
        extra = {k: _fmt(v) for k, v in params.items()}
        if "blocked" in params and code == "day_overload":
            parts = blocker_parts(params["blocked"], lang)
            sep = "; not available: " if lang == "en" else "；另有 "
            extra["detail"] = sep + (", " if lang == "en" else "，").join(parts) if parts else ""
        elif "blocked" in params:
            extra["detail"] = blocker_breakdown(params["blocked"], lang)
        if "needs" in params:
            # One day's needs (day_overload) are dated once, in front.
            extra["needs"] = needs_label(inputs, params["needs"], lang, dated=code != "day_overload")
        if code == "conflicting_needs":
            r = inputs.rules
            extra.update(
                rest=_fmt(r.min_rest_hours),
                consec=r.max_consecutive_days,
                week=r.max_shifts_per_week,
                nights=r.max_nights_per_window,
                window=r.night_window_days,
            )
            c = params.get("coverable")
            if c is None:
                extra["coverable"] = ""
            elif lang == "en":
                extra["coverable"] = f", at most {c} can be rostered"
            else:
                extra["coverable"] = f"，最多只能排出 {c} 人次"
        labels = _labels(inputs, lang, None, dates, zone, shift)
        return _pick(REASONS[code], lang).format(**{**labels, **extra})

    return Reason(code, render("zh"), render("en"), None, dates, zone, shift, params)
