"""Statutory time limits of cases and measures (DESIGN §4 Cases). Pure: no Django.

Each :class:`Limit` names its legal source, its base length and the extensions the law allows,
in order (:class:`Step`): how much each may add, the total it may reach, and who must approve.
:func:`due_at` applies the extensions actually granted; one the law does not allow is refused
with a message that says what is allowed instead.

Sources: 刑事诉讼法 (2018 修正); 治安管理处罚法 (2012 修正); 公安部《关于改革完善受案立案制度的意见》
(2015); 最高检、公安部《关于公安机关办理经济犯罪案件的若干规定》(2017); 《公安机关办理刑事案件程序规定》
(2020 修正).
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

HOURS, DAYS, MONTHS = "hours", "days", "months"
UNIT_LABELS = {HOURS: "小时", DAYS: "日", MONTHS: "个月"}


class ExtensionError(ValueError):
    """An extension the law does not allow for this limit (or at this point)."""


@dataclass(frozen=True)
class Step:
    """One extension the law allows: ``min_amount``–``max_amount`` more, up to ``cap`` in all."""

    label: str
    min_amount: int
    max_amount: int
    cap: int  # the limit's total length after this extension, at most
    approver: str
    source: str


@dataclass(frozen=True)
class Limit:
    code: str
    label: str
    amount: int
    unit: str
    source: str
    steps: tuple[Step, ...] = ()
    # Each extension builds on the one before (侦查羁押: 第158条 runs after 第156条's month);
    # otherwise a later step may be taken directly (立案审查 straight to 30 days).
    sequential: bool = False

    @property
    def max_total(self) -> int:
        return max([self.amount, *(s.cap for s in self.steps)])

    def describe(self) -> str:
        return f"{self.amount}{UNIT_LABELS[self.unit]}"


_CPL = "刑事诉讼法"
_FILING = "公安部《关于改革完善受案立案制度的意见》"
_ECON = "《关于公安机关办理经济犯罪案件的若干规定》"
_PUBLIC_ORDER = "治安管理处罚法"

LIMITS: dict[str, Limit] = {
    lim.code: lim
    for lim in [
        Limit(
            "filing_review",
            "立案审查",
            3,
            DAYS,
            f"{_FILING}：刑事案件立案审查期限原则上不超过3日",
            (
                Step("涉嫌犯罪线索需要查证", 1, 4, 7, "办案部门负责人", f"{_FILING}：需要查证的不超过7日"),
                Step(
                    "重大疑难复杂案件",
                    1,
                    27,
                    30,
                    "县级以上公安机关负责人",
                    f"{_FILING}：经县级以上公安机关负责人批准，可以延长至30日",
                ),
            ),
        ),
        Limit(
            "filing_review_economic",
            "立案审查（经济犯罪）",
            7,
            DAYS,
            f"{_ECON}：应当在七日以内决定是否立案",
            (
                Step(
                    "重大、疑难、复杂线索",
                    1,
                    23,
                    30,
                    "县级以上公安机关负责人",
                    f"{_ECON}：经县级以上公安机关负责人批准，可以延长至三十日",
                ),
                Step(
                    "特别重大、疑难、复杂或者跨区域性的线索",
                    1,
                    30,
                    60,
                    "上级公安机关负责人",
                    f"{_ECON}：经上级公安机关负责人批准，可以再延长三十日",
                ),
            ),
        ),
        Limit(
            "not_filed_notice",
            "不予立案通知送达",
            3,
            DAYS,
            "《公安机关办理刑事案件程序规定》：决定不予立案的，在三日以内送达控告人",
        ),
        Limit("detention_custody", "拘留后送看守所", 24, HOURS, f"{_CPL}第八十五条：至迟不得超过二十四小时"),
        Limit(
            "detention_family",
            "拘留后通知家属",
            24,
            HOURS,
            f"{_CPL}第八十五条：应当在拘留后二十四小时以内通知家属",
        ),
        Limit(
            "detention_interrogation",
            "拘留后讯问",
            24,
            HOURS,
            f"{_CPL}第八十六条：应当在拘留后的二十四小时以内进行讯问",
        ),
        Limit(
            "arrest_request",
            "提请批准逮捕",
            3,
            DAYS,
            f"{_CPL}第九十一条：拘留后的三日以内提请人民检察院审查批准",
            (
                Step("特殊情况", 1, 4, 7, "县级以上公安机关负责人", f"{_CPL}第九十一条：可以延长一日至四日"),
                Step(
                    "流窜作案、多次作案、结伙作案的重大嫌疑分子",
                    1,
                    27,
                    30,
                    "县级以上公安机关负责人",
                    f"{_CPL}第九十一条：可以延长至三十日",
                ),
            ),
        ),
        Limit(
            "procuratorate_decision",
            "检察院批捕决定",
            7,
            DAYS,
            f"{_CPL}第九十一条：人民检察院应当自接到提请批准逮捕书后的七日以内作出决定",
        ),
        Limit(
            "investigative_detention",
            "侦查羁押",
            2,
            MONTHS,
            f"{_CPL}第一百五十六条：逮捕后的侦查羁押期限不得超过二个月",
            (
                Step(
                    "案情复杂、期限届满不能终结",
                    1,
                    1,
                    3,
                    "上一级人民检察院",
                    f"{_CPL}第一百五十六条：延长一个月",
                ),
                Step(
                    "重大复杂案件（第一百五十八条所列情形）",
                    2,
                    2,
                    5,
                    "省、自治区、直辖市人民检察院",
                    f"{_CPL}第一百五十八条：延长二个月",
                ),
                Step(
                    "可能判处十年有期徒刑以上刑罚",
                    2,
                    2,
                    7,
                    "省、自治区、直辖市人民检察院",
                    f"{_CPL}第一百五十九条：再延长二个月",
                ),
            ),
            sequential=True,
        ),
        Limit("bail", "取保候审", 12, MONTHS, f"{_CPL}第七十九条：取保候审最长不得超过十二个月"),
        Limit("surveillance", "监视居住", 6, MONTHS, f"{_CPL}第七十九条：监视居住最长不得超过六个月"),
        Limit(
            "summons_criminal",
            "传唤（刑事）",
            12,
            HOURS,
            f"{_CPL}第一百一十九条：传唤持续的时间不得超过十二小时",
            (
                Step(
                    "案情特别重大、复杂，需要采取拘留、逮捕措施",
                    1,
                    12,
                    24,
                    "办案部门负责人",
                    f"{_CPL}第一百一十九条：不得超过二十四小时",
                ),
            ),
        ),
        Limit(
            "summons_administrative",
            "传唤（治安）",
            8,
            HOURS,
            f"{_PUBLIC_ORDER}第八十三条：询问查证的时间不得超过八小时",
            (
                Step(
                    "情况复杂，依法可能适用行政拘留",
                    1,
                    16,
                    24,
                    "办案部门负责人",
                    f"{_PUBLIC_ORDER}第八十三条：不得超过二十四小时",
                ),
            ),
        ),
        Limit(
            "public_order",
            "治安案件办理",
            30,
            DAYS,
            f"{_PUBLIC_ORDER}第九十九条：自受理之日起不得超过三十日",
            (
                Step(
                    "案情重大、复杂",
                    1,
                    30,
                    60,
                    "上一级公安机关",
                    f"{_PUBLIC_ORDER}第九十九条：经上一级公安机关批准，可以延长三十日",
                ),
            ),
        ),
    ]
}


def add_months(start: datetime, months: int) -> datetime:
    """The same day and time ``months`` later; a day the month lacks becomes its last day
    (a limit never ends later than the law says)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return start.replace(year=year, month=month, day=day)


def add_amount(start: datetime, amount: int, unit: str) -> datetime:
    if unit == HOURS:
        return start + timedelta(hours=amount)
    if unit == DAYS:
        return start + timedelta(days=amount)
    if unit == MONTHS:
        return add_months(start, amount)
    raise ValueError(f"unknown unit {unit!r}")


def _allowed_text(limit: Limit, total: int, from_step: int) -> str:
    unit = UNIT_LABELS[limit.unit]
    options = [
        f"{s.label}：延长{s.min_amount}–{min(s.max_amount, s.cap - total)}{unit}（{s.approver}批准）"
        if s.min_amount != min(s.max_amount, s.cap - total)
        else f"{s.label}：延长{s.min_amount}{unit}（{s.approver}批准）"
        for s in limit.steps[from_step : from_step + 1 if limit.sequential else None]
        if total + s.min_amount <= s.cap
    ]
    if not options:
        return f"“{limit.label}”已无法再延长（最长{limit.max_total}{unit}）。"
    return "可以：" + "；".join(options) + "。"


def apply_extensions(limit: Limit, amounts: Sequence[int]) -> tuple[int, int]:
    """Check ``amounts`` (in order granted) against the law's steps.

    Returns (the limit's total length, how many steps are used). Each extension takes the
    first remaining step that allows it; steps are not taken twice and never in reverse.
    """
    total, next_step = limit.amount, 0
    for amount in amounts:
        total, next_step = _take(limit, total, next_step, amount)
    return total, next_step


def _take(limit: Limit, total: int, next_step: int, amount: int) -> tuple[int, int]:
    unit = UNIT_LABELS[limit.unit]
    if amount <= 0:
        raise ExtensionError(f"延长的期限须为正数（{unit}）。" + _allowed_text(limit, total, next_step))
    last = next_step + 1 if limit.sequential else len(limit.steps)
    for index in range(next_step, min(last, len(limit.steps))):
        step = limit.steps[index]
        if step.min_amount <= amount <= step.max_amount and total + amount <= step.cap:
            return total + amount, index + 1
    raise ExtensionError(
        f"“{limit.label}”不能延长{amount}{unit}（现为{total}{unit}）。"
        + _allowed_text(limit, total, next_step)
    )


def check_extension(limit: Limit, granted: Sequence[int], amount: int) -> Step:
    """The step a new extension of ``amount`` would use after ``granted``; ExtensionError if none."""
    total, used = apply_extensions(limit, granted)
    _, after = _take(limit, total, used, amount)
    return limit.steps[after - 1]


def allowed_text(limit: Limit, granted: Sequence[int]) -> str:
    total, used = apply_extensions(limit, granted)
    return _allowed_text(limit, total, used)


def due_at(limit: Limit, start: datetime, granted: Sequence[int] = ()) -> datetime:
    total, _ = apply_extensions(limit, granted)
    return add_amount(start, total, limit.unit)


MET, MET_LATE, OVERDUE, DUE_SOON, RUNNING = "met", "met_late", "overdue", "due_soon", "running"


@dataclass(frozen=True)
class Deadline:
    """One running or finished time limit of a case (``subject`` names the party, if any)."""

    limit: Limit
    start: datetime
    due: datetime
    met_at: datetime | None = None
    extended_by: int = 0
    subject: str = ""
    measure_id: int | None = None

    def status(self, now: datetime, soon: timedelta) -> str:
        if self.met_at is not None:
            return MET if self.met_at <= self.due else MET_LATE
        if now > self.due:
            return OVERDUE
        if self.due - now <= soon:
            return DUE_SOON
        return RUNNING

    @property
    def is_open(self) -> bool:
        return self.met_at is None


def deadline(
    code: str,
    start: datetime,
    *,
    granted: Sequence[int] = (),
    met_at: datetime | None = None,
    subject: str = "",
    measure_id: int | None = None,
) -> Deadline:
    limit = LIMITS[code]
    due = due_at(limit, start, granted)
    return Deadline(limit, start, due, met_at, sum(granted), subject, measure_id)


def filing_review_code(category_is_economic: bool) -> str:
    return "filing_review_economic" if category_is_economic else "filing_review"


def summons_code(criminal: bool) -> str:
    return "summons_criminal" if criminal else "summons_administrative"
