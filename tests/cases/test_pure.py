"""The stage table, the lookup codes, the paste parser and every statutory limit (pure modules)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zhengyi.cases import deadlines as dl
from zhengyi.cases import lookup, paste, stages

T0 = datetime(2026, 1, 31, 9, 30, tzinfo=UTC)


def test_criminal_path_and_refusal_names_allowed_moves() -> None:
    stages.check_move(stages.CRIMINAL, stages.RECEIVED, stages.FILED)
    stages.check_move(stages.CRIMINAL, stages.CONCLUDED, stages.PROSECUTION)
    with pytest.raises(stages.TransitionError) as err:
        stages.check_move(stages.CRIMINAL, stages.RECEIVED, stages.PROSECUTION)
    assert "立案、不予立案" in err.value.message_zh
    assert "Filed, Not filed" in err.value.message_en
    with pytest.raises(stages.TransitionError) as err:
        stages.check_move(stages.CRIMINAL, stages.PROSECUTION, stages.REVOKED)
    assert "已结束" in err.value.message_zh


def test_administrative_cases_have_their_own_stages() -> None:
    assert stages.allowed_moves(stages.ADMINISTRATIVE, stages.RECEIVED) == (stages.INQUIRY,)
    with pytest.raises(stages.TransitionError):
        stages.check_move(stages.ADMINISTRATIVE, stages.RECEIVED, stages.FILED)
    assert [m.to for m in stages.path_to(stages.ADMINISTRATIVE, stages.DECIDED)] == [
        stages.INQUIRY,
        stages.DECIDED,
    ]


@given(st.sampled_from(stages.KINDS), st.data())
def test_every_stage_is_reachable_and_terminal_ones_have_no_moves(kind: str, data: st.DataObject) -> None:
    target = data.draw(st.sampled_from(stages.stages_of(kind)))
    current = stages.RECEIVED
    for move in stages.path_to(kind, target):
        stages.check_move(kind, current, move.to)
        current = move.to
    assert current == target
    assert (stages.allowed_moves(kind, target) == ()) == (target in stages.TERMINAL)


@pytest.mark.parametrize(
    ("code", "start", "due"),
    [
        ("filing_review", T0, T0 + timedelta(days=3)),
        ("filing_review_economic", T0, T0 + timedelta(days=7)),
        ("not_filed_notice", T0, T0 + timedelta(days=3)),
        ("detention_custody", T0, T0 + timedelta(hours=24)),
        ("detention_family", T0, T0 + timedelta(hours=24)),
        ("detention_interrogation", T0, T0 + timedelta(hours=24)),
        ("arrest_request", T0, T0 + timedelta(days=3)),
        ("procuratorate_decision", T0, T0 + timedelta(days=7)),
        # 2 months from 31 January ends on the last day of March; 12 months a year on.
        ("investigative_detention", T0, datetime(2026, 3, 31, 9, 30, tzinfo=UTC)),
        ("bail", T0, datetime(2027, 1, 31, 9, 30, tzinfo=UTC)),
        ("surveillance", T0, datetime(2026, 7, 31, 9, 30, tzinfo=UTC)),
        ("public_order", T0, T0 + timedelta(days=30)),
        ("summons_criminal", T0, T0 + timedelta(hours=12)),
        ("summons_administrative", T0, T0 + timedelta(hours=8)),
    ],
)
def test_base_limits(code: str, start: datetime, due: datetime) -> None:
    limit = dl.LIMITS[code]
    assert limit.source  # every limit names its legal source
    assert dl.due_at(limit, start) == due


@pytest.mark.parametrize(
    ("code", "granted", "due"),
    [
        ("filing_review", [4], T0 + timedelta(days=7)),
        ("filing_review", [4, 23], T0 + timedelta(days=30)),
        ("filing_review", [27], T0 + timedelta(days=30)),  # straight to 30 with the head's approval
        ("filing_review_economic", [23], T0 + timedelta(days=30)),
        ("filing_review_economic", [23, 30], T0 + timedelta(days=60)),
        ("arrest_request", [4], T0 + timedelta(days=7)),
        ("arrest_request", [27], T0 + timedelta(days=30)),
        ("investigative_detention", [1, 2, 2], datetime(2026, 8, 31, 9, 30, tzinfo=UTC)),
        ("public_order", [30], T0 + timedelta(days=60)),
        ("summons_criminal", [12], T0 + timedelta(hours=24)),
    ],
)
def test_extensions_the_law_allows(code: str, granted: list[int], due: datetime) -> None:
    assert dl.due_at(dl.LIMITS[code], T0, granted) == due


@pytest.mark.parametrize(
    ("code", "granted"),
    [
        ("filing_review", [4, 24]),  # beyond 30 days
        ("filing_review", [5]),  # more than the first step yet used as such … is the second step: allowed?
        ("arrest_request", [4, 24]),
        ("investigative_detention", [2]),  # the first extension is one month
        ("investigative_detention", [1, 2, 2, 1]),
        ("public_order", [30, 1]),
        ("bail", [1]),
        ("procuratorate_decision", [1]),
        ("filing_review", [0]),
        ("filing_review", [-3]),
    ],
)
def test_extensions_refused_say_what_is_allowed(code: str, granted: list[int]) -> None:
    if (code, granted) == ("filing_review", [5]):
        # 5 extra days is not the 1–4 of 线索需要查证, but fits 重大疑难复杂 (up to 30 in all).
        assert dl.due_at(dl.LIMITS[code], T0, granted) == T0 + timedelta(days=8)
        return
    with pytest.raises(dl.ExtensionError) as err:
        dl.due_at(dl.LIMITS[code], T0, granted)
    assert "可以" in str(err.value) or "无法再延长" in str(err.value)


def _grants(limit: dl.Limit) -> st.SearchStrategy[list[int]]:
    return st.lists(st.integers(min_value=-5, max_value=40), max_size=5)


@given(st.sampled_from(sorted(dl.LIMITS)), st.data(), st.datetimes(timezones=st.just(UTC)))
def test_extensions_never_shorten_and_never_pass_the_cap(
    code: str, data: st.DataObject, start: datetime
) -> None:
    limit = dl.LIMITS[code]
    amounts = data.draw(_grants(limit))
    granted: list[int] = []
    previous = dl.due_at(limit, start)
    assert previous >= start
    for amount in amounts:
        try:
            dl.check_extension(limit, granted, amount)
        except dl.ExtensionError:
            continue
        granted.append(amount)
        due = dl.due_at(limit, start, granted)
        assert due > previous  # an extension always lengthens
        previous = due
    total, _ = dl.apply_extensions(limit, granted)
    assert limit.amount <= total <= limit.max_total


@given(
    st.sampled_from(sorted(dl.LIMITS)),
    st.datetimes(timezones=st.just(UTC)),
    st.datetimes(timezones=st.just(UTC)),
)
def test_status_is_consistent(code: str, start: datetime, now: datetime) -> None:
    d = dl.deadline(code, start)
    status = d.status(now, timedelta(days=3))
    assert status == (
        dl.OVERDUE if now > d.due else dl.DUE_SOON if d.due - now <= timedelta(days=3) else dl.RUNNING
    )
    assert dl.deadline(code, start, met_at=start).status(now, timedelta(days=3)) == dl.MET


def test_lookup_codes() -> None:
    code = lookup.new_code()
    assert len(lookup.normalize(code)) == lookup.LENGTH
    stored = lookup.hash_code(code)
    assert code not in stored and lookup.normalize(code) not in stored
    assert lookup.matches(stored, code)
    assert lookup.matches(stored, code.lower().replace("-", " "))
    assert not lookup.matches(stored, lookup.new_code())
    assert not lookup.matches(None, code)
    assert not lookup.matches(stored, None)
    assert not lookup.matches("garbage", code)
    assert lookup.new_code() != lookup.new_code()


@given(st.text(max_size=80))
def test_lookup_never_raises(text: str) -> None:
    assert lookup.matches(lookup.hash_code("ZYJX-FTAB-DEMQ-CASE"), text) == (
        lookup.normalize(text) == "ZYJXFTABDEMQCASE"
    )
    lookup.normalize_number(text)


def test_paste_names_every_bad_row() -> None:
    text = "张三,11010519491231002X,13800138000\n\n李四，110105194912310028\n王五\t\t1380013800\n张三丰,11010519491231002x"
    parsed = paste.parse(text)
    assert [p.line for p in parsed.problems] == [3, 4, 5]
    assert "身份证号" in parsed.problems[0].message_zh
    assert "手机号" in parsed.problems[1].message_zh
    assert "第1行" in parsed.problems[2].message_zh
    assert [r.name for r in parsed.rows] == ["张三"]
    assert not parsed.ok
    ok = paste.parse("赵六\n钱七,,13900139000,司机")
    assert ok.ok and ok.rows[1].phone == "13900139000" and ok.rows[1].note == "司机"
    assert not paste.parse("  \n").ok
