"""Tests for zhengyi.core.identifiers — pure Python, no Django, no database.

Every "valid" example below was checked by hand-computing the weighted sum
(see the comments) rather than trusted from a web page.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhengyi.core.identifiers import (
    COMPOUND_SURNAMES,
    CREDIT_CODE_CHARSET,
    PROVINCE_CODES,
    IdentifierError,
    credit_code_check_char,
    mask_mobile,
    mask_name,
    mask_plate,
    mask_resident_id,
    mask_text,
    plate_kind,
    redact_name,
    resident_id_birth_date,
    resident_id_check_char,
    resident_id_sex,
    validate_credit_code,
    validate_mobile,
    validate_plate,
    validate_resident_id,
)

TODAY = date(2025, 6, 1)
# No example database: these tests must not write .hypothesis/ into the tree.
PROPS = settings(database=None, max_examples=200, deadline=None)


def _rule(exc: pytest.ExceptionInfo[IdentifierError]) -> str:
    return exc.value.rule


# ---------------------------------------------------------------- resident ID


@pytest.mark.parametrize(
    "value",
    [
        # GB 11643-1999 worked example: weighted sum 167, 167 % 11 = 2 -> "X".
        "11010519491231002X",
        # Standard's appendix: weighted sum 195, 195 % 11 = 8 -> "4".
        "440524188001010014",
        # Computed for these tests (sum % 11 -> "10X98765432").
        "320102198511110025",
        "44030419990101005X",
        "650102200002290044",  # 2000-02-29: leap year
        "810000197001011231",  # Hong Kong resident permit prefix
    ],
)
def test_resident_id_valid(value: str) -> None:
    assert validate_resident_id(value, today=TODAY) == value


def test_resident_id_normalises_lowercase_x_and_spaces() -> None:
    assert validate_resident_id(" 110105 19491231 002x ", today=TODAY) == "11010519491231002X"
    # Full-width input from a Chinese IME.
    assert validate_resident_id("１１０１０５１９４９１２３１００２ｘ", today=TODAY) == "11010519491231002X"


def test_resident_id_check_char_and_derived_fields() -> None:
    assert resident_id_check_char("11010519491231002") == "X"
    assert resident_id_check_char("44052418800101001") == "4"
    assert resident_id_birth_date("11010519491231002X", today=TODAY) == date(1949, 12, 31)
    assert resident_id_sex("11010519491231002X", today=TODAY) == "F"  # 17th digit 2
    assert resident_id_sex("440524188001010014", today=TODAY) == "M"  # 17th digit 1


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("110105194912310023", "checksum"),  # should end in X
        ("440524188001010015", "checksum"),
        ("110105194902300021", "birth_date"),  # Feb 30
        ("110105190002290021", "birth_date"),  # 1900 is not a leap year
        ("110105203001010021", "birth_date"),  # future relative to TODAY
        ("110105179912310021", "birth_date"),  # before 1800
        ("990105194912310021", "region"),
        ("000105194912310021", "region"),
        ("11010519491231002", "length"),  # 17 chars
        ("11010519491231002X1", "length"),
        ("", "length"),
        ("110105194912310A2X", "charset"),  # letter in the body
        ("11010519491231002Y", "charset"),  # only X allowed as a letter
        ("110105491231002", "length"),  # 15-digit first-generation format
    ],
)
def test_resident_id_invalid(value: str, rule: str) -> None:
    with pytest.raises(IdentifierError) as exc:
        validate_resident_id(value, today=TODAY)
    assert _rule(exc) == rule
    assert str(exc.value)  # Chinese message
    assert exc.value.message_en
    assert isinstance(exc.value, ValueError)


def test_resident_id_messages() -> None:
    with pytest.raises(IdentifierError) as exc:
        validate_resident_id("110105194912310023", today=TODAY)
    assert str(exc.value) == (
        "身份证号校验码错误：按 GB 11643-1999 (ISO 7064 MOD 11-2) 计算，第18位应为 X，实际为 3"
    )
    assert "should be X, got 3" in exc.value.message_en

    with pytest.raises(IdentifierError) as exc:
        validate_resident_id("110105491231002", today=TODAY)
    assert "18位" in str(exc.value) and "15位" in str(exc.value)
    assert "15-digit" in exc.value.message_en


def test_resident_id_future_uses_real_today_by_default() -> None:
    with pytest.raises(IdentifierError) as exc:
        validate_resident_id("110105" + "29991231" + "002" + resident_id_check_char("11010529991231002"))
    assert _rule(exc) == "birth_date"


def test_resident_id_check_char_rejects_bad_input() -> None:
    with pytest.raises(IdentifierError) as exc:
        resident_id_check_char("1234")
    assert _rule(exc) == "length"
    with pytest.raises(IdentifierError) as exc:
        resident_id_check_char("1101051949123100A")
    assert _rule(exc) == "charset"


def test_non_string_input_is_format_error() -> None:
    with pytest.raises(IdentifierError) as exc:
        validate_resident_id(None)  # type: ignore[arg-type]
    assert _rule(exc) == "format"


_DIGIT = st.sampled_from("0123456789")


@st.composite
def resident_bodies(draw: st.DrawFn) -> str:
    province = draw(st.sampled_from(sorted(PROVINCE_CODES)))
    rest_of_region = "".join(draw(st.lists(_DIGIT, min_size=4, max_size=4)))
    born = draw(st.dates(min_value=date(1800, 1, 1), max_value=TODAY))
    seq = "".join(draw(st.lists(_DIGIT, min_size=3, max_size=3)))
    return f"{province}{rest_of_region}{born:%Y%m%d}{seq}"


@PROPS
@given(resident_bodies())
def test_resident_id_checksum_property(body: str) -> None:
    check = resident_id_check_char(body)
    assert validate_resident_id(body + check, today=TODAY) == body + check
    # Independent statement of ISO 7064 MOD 11-2: with weights 2^(18-i) mod 11
    # over all 18 positions (X = 10), the total is congruent to 1 mod 11.
    values = [int(c) for c in body] + [10 if check == "X" else int(check)]
    assert sum(v * pow(2, 17 - i, 11) for i, v in enumerate(values)) % 11 == 1
    for other in "0123456789X":
        if other == check:
            continue
        with pytest.raises(IdentifierError) as exc:
            validate_resident_id(body + other, today=TODAY)
        assert exc.value.rule == "checksum"


# ---------------------------------------------------------------- credit code


@pytest.mark.parametrize(
    "value",
    [
        # 9·1+1·3+3·9+5·27+1·26+M(21)·20+1·8+Y(30)·30+4·28 = 1640; 1640 % 31 = 28; 31-28 = 3.
        "91350100M000100Y43",
        # Weighted sum 538; 538 % 31 = 11; 31-11 = 20 -> "L".
        "91110000600037341L",
        # Weighted sum 884; 884 % 31 = 16; 31-16 = 15 -> "F".
        "91330100716105852F",
        # Weighted sum 831; 831 % 31 = 25; 31-25 = 6 -> "6".
        "914403001922038216",
    ],
)
def test_credit_code_valid(value: str) -> None:
    assert validate_credit_code(value) == value
    assert credit_code_check_char(value[:17]) == value[17]


def test_credit_code_normalises() -> None:
    assert validate_credit_code(" 91350100m000100y43 ") == "91350100M000100Y43"


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("91350100M000100Y44", "checksum"),
        ("91110000600037341M", "checksum"),
        ("91350100I000100Y43", "charset"),
        ("91350100O000100Y43", "charset"),
        ("91350100Z000100Y43", "charset"),
        ("91350100S000100Y43", "charset"),
        ("91350100V000100Y43", "charset"),
        ("91350100-000100Y43", "charset"),
        ("91350100M000100Y4", "length"),
        ("91350100M000100Y433", "length"),
        ("91A50100M000100Y43", "region"),
    ],
)
def test_credit_code_invalid(value: str, rule: str) -> None:
    with pytest.raises(IdentifierError) as exc:
        validate_credit_code(value)
    assert _rule(exc) == rule
    assert str(exc.value) and exc.value.message_en


def test_credit_code_messages() -> None:
    with pytest.raises(IdentifierError) as exc:
        validate_credit_code("91350100M000100Y44")
    assert "GB 32100-2015" in str(exc.value) and "应为 3，实际为 4" in str(exc.value)
    with pytest.raises(IdentifierError) as exc:
        validate_credit_code("91350100I000100Y43")
    assert "I、O、Z、S、V" in str(exc.value)


_CC_CHAR = st.sampled_from(CREDIT_CODE_CHARSET)


@PROPS
@given(st.lists(_CC_CHAR, min_size=17, max_size=17).map("".join))
def test_credit_check_char_property(body: str) -> None:
    # Any 17 charset chars: appending the check char zeroes the MOD 31 sum
    # (the 18th position has weight 1).
    check = credit_code_check_char(body)
    total = sum(CREDIT_CODE_CHARSET.index(c) * pow(3, i, 31) for i, c in enumerate(body))
    assert (total + CREDIT_CODE_CHARSET.index(check)) % 31 == 0


@PROPS
@given(
    st.tuples(
        st.lists(_CC_CHAR, min_size=2, max_size=2),
        st.lists(_DIGIT, min_size=6, max_size=6),  # positions 3-8: region code digits
        st.lists(_CC_CHAR, min_size=9, max_size=9),
    ).map(lambda parts: "".join(c for part in parts for c in part))
)
def test_credit_code_checksum_property(body: str) -> None:
    check = credit_code_check_char(body)
    assert validate_credit_code(body + check) == body + check
    for other in CREDIT_CODE_CHARSET:
        if other == check:
            continue
        with pytest.raises(IdentifierError) as exc:
            validate_credit_code(body + other)
        assert exc.value.rule == "checksum"


# ---------------------------------------------------------------- mobile


@pytest.mark.parametrize(
    "value",
    [
        "13812345678",
        "+86 138-1234-5678",
        "8613812345678",
        "0086 13812345678",
        "138 1234 5678",
        "＋８６１３８１２３４５６７８",
    ],
)
def test_mobile_valid(value: str) -> None:
    assert validate_mobile(value) == "13812345678"


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("12345678901", "prefix"),
        ("23812345678", "prefix"),
        ("1381234567", "length"),
        ("138123456789", "length"),
        ("2381234567x", "charset"),
        ("", "charset"),
        ("+86", "charset"),
    ],
)
def test_mobile_invalid(value: str, rule: str) -> None:
    with pytest.raises(IdentifierError) as exc:
        validate_mobile(value)
    assert _rule(exc) == rule


# Python's \d would also match e.g. Arabic-Indic digits; the rule is ASCII.
@PROPS
@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
def test_mobile_accepts_every_mainland_number(number: str) -> None:
    assert validate_mobile(number) == number
    assert validate_mobile("+86 " + number) == number


# ---------------------------------------------------------------- plates


@pytest.mark.parametrize(
    ("value", "normalised", "kind"),
    [
        ("粤B12345", "粤B12345", "ordinary"),
        ("粤BD12345", "粤BD12345", "new_energy_small"),
        ("粤B12345D", "粤B12345D", "new_energy_large"),
        ("京A·F0236", "京AF0236", "ordinary"),
        ("京a f0236", "京AF0236", "ordinary"),
        ("沪A.DF1234", "沪ADF1234", "new_energy_small"),
        ("粤B1234学", "粤B1234学", "special"),
        ("粤Z1234港", "粤Z1234港", "special"),
    ],
)
def test_plate_valid(value: str, normalised: str, kind: str) -> None:
    assert validate_plate(value) == normalised
    assert plate_kind(value) == kind


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("粤BI2345", "charset"),
        ("粤BO2345", "charset"),
        ("粤12345", "authority"),
        ("粤I12345", "authority"),
        ("XB12345", "province"),
        ("", "province"),
        ("粤B123", "length"),
        ("粤B1234567", "length"),
        ("粤B1234使", "charset"),
        ("粤BA12345", "format"),  # 8 chars but neither new-energy layout
        ("粤B1234AD", "format"),  # large new-energy needs 5 digits
    ],
)
def test_plate_invalid(value: str, rule: str) -> None:
    with pytest.raises(IdentifierError) as exc:
        validate_plate(value)
    assert _rule(exc) == rule


def test_plate_custom_provinces() -> None:
    assert validate_plate("粤B12345", provinces="粤") == "粤B12345"
    with pytest.raises(IdentifierError) as exc:
        validate_plate("京A12345", provinces="粤")
    assert _rule(exc) == "province"


# ---------------------------------------------------------------- masks


def test_mask_examples() -> None:
    assert mask_resident_id("11010519491231002X") == "110105********002X"
    assert mask_resident_id("11010519491231002x") == "110105********002X"
    assert mask_mobile("13812345678") == "138****5678"
    assert mask_mobile("+86 138-1234-5678") == "138****5678"
    assert mask_plate("粤B12345") == "粤B****5"
    assert mask_plate("京A·F0236") == "京A****6"
    assert mask_name("张三丰") == "张**"
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳修") == "欧阳*"
    assert mask_name("诸葛孔明") == "诸葛**"
    assert mask_name("欧阳") == "欧*"  # too short to be a compound surname + given name
    assert redact_name("张三") == "张某"
    assert redact_name("欧阳修") == "欧阳某"
    assert mask_text("abcdef") == "a*****"
    assert mask_text("abcdef", keep_start=2, keep_end=2) == "ab**ef"
    assert mask_text("ab", keep_start=1, keep_end=1) == "**"


@pytest.mark.parametrize("fn", [mask_resident_id, mask_mobile, mask_plate, mask_name, redact_name, mask_text])
def test_masks_empty_safe(fn: Callable[[str | None], str]) -> None:
    assert fn("") == ""
    assert fn(None) == ""


def test_masks_hide_short_values_entirely() -> None:
    assert mask_resident_id("1234") == "****"
    assert mask_mobile("1234567") == "*******"
    assert mask_plate("粤B") == "**"


def test_mask_text_rejects_negative_keep() -> None:
    with pytest.raises(ValueError):
        mask_text("abc", keep_start=-1)


@PROPS
@given(resident_bodies())
def test_mask_resident_id_property(body: str) -> None:
    value = body + resident_id_check_char(body)
    masked = mask_resident_id(value)
    assert len(masked) == 18
    assert masked[:6] == value[:6] and masked[-4:] == value[-4:]
    assert masked[6:14] == "*" * 8


@PROPS
@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
def test_mask_mobile_property(number: str) -> None:
    masked = mask_mobile(number)
    assert len(masked) == 11
    assert masked == number[:3] + "****" + number[-4:]


@PROPS
@given(
    st.sampled_from("京沪粤川"),
    st.sampled_from("ABCDEFGHJKLMNPQRSTUVWXYZ"),
    st.lists(st.sampled_from("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"), min_size=5, max_size=5).map("".join),
)
def test_mask_plate_property(province: str, letter: str, serial: str) -> None:
    plate = validate_plate(province + letter + serial)
    masked = mask_plate(plate)
    assert len(masked) == len(plate)
    assert masked[:2] == plate[:2] and masked[-1] == plate[-1]
    assert set(masked[2:-1]) == {"*"}


@PROPS
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Z", "C"]), min_size=2, max_size=8))
def test_mask_name_property(name: str) -> None:
    masked = mask_name(name)
    assert len(masked) == len(name)
    surname_len = 2 if len(name) >= 3 and name[:2] in COMPOUND_SURNAMES else 1
    assert masked[:surname_len] == name[:surname_len]
    assert set(masked[surname_len:]) <= {"*"}


@PROPS
@given(
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Z", "C"]), max_size=30),
    st.integers(0, 5),
    st.integers(0, 5),
)
def test_mask_text_property(text: str, keep_start: int, keep_end: int) -> None:
    masked = mask_text(text, keep_start=keep_start, keep_end=keep_end)
    assert len(masked) == len(text)
    if len(text) <= keep_start + keep_end:
        assert set(masked) <= {"*"}
    else:
        hidden = len(text) - keep_start - keep_end
        assert masked[keep_start : keep_start + hidden] == "*" * hidden
        assert masked[:keep_start] == text[:keep_start]
        assert masked[len(text) - keep_end :] == text[len(text) - keep_end :]
