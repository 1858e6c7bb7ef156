"""Redaction (pure): examples from real notice wording and hypothesis properties."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhengyi.core.identifiers import resident_id_check_char
from zhengyi.sunshine.redaction import REMOVED, anonymised, find_leaks, redact, surname_of


@pytest.mark.parametrize(
    ("name", "expected"),
    [("张三", "张某"), ("张三丰", "张某"), ("欧阳修", "欧阳某"), ("司马光", "司马某"), ("诸葛亮", "诸葛某"),
     ("阿卜杜·热合曼", "阿某"), (" 李 四 ", "李某"), ("欧阳", "欧某")],
)  # fmt: skip
def test_names(name: str, expected: str) -> None:
    assert anonymised(name) == expected


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        ("张三在福华路12号被抓获", ["张三"], "张某在福华路被抓获"),
        ("张三丰与张三同行", ["张三", "张三丰"], "张某与张某同行"),
        ("欧阳明华报警", ["欧阳明华"], "欧阳某报警"),
        ("卓越大厦1203室失窃", [], "卓越大厦失窃"),
        ("岗厦村3栋501房", [], "岗厦村"),
        ("皇庭广场A座2301", [], "皇庭广场"),
        ("深南大道6008号", [], "深南大道"),
        ("卓越大厦2楼", [], "卓越大厦"),
        ("福华三路88号皇庭大厦17楼", [], "福华三路皇庭大厦"),
        ("地铁1号线", [], "地铁1号线"),
        ("3月20号下午", [], "3月20号下午"),
        ("20名犯罪嫌疑人", [], "20名犯罪嫌疑人"),
        ("请拨打110或12345", [], "请拨打110或12345"),
        ("同比下降32%", [], "同比下降32%"),
        ("身份证440304199001011237。", [], f"身份证{REMOVED}。"),
        ("身份证号44030419900101123x", [], f"身份证号{REMOVED}"),
        ("旧证440304900101123", [], f"旧证{REMOVED}"),
        ("手机13812345678", [], f"手机{REMOVED}"),
        ("手机 138-1234-5678 或 +86 139 2345 6789", [], f"手机 {REMOVED} 或 {REMOVED}"),
        ("座机0755-83456789", [], f"座机{REMOVED}"),
        ("(0755)83456789", [], REMOVED),
        ("联系电话：83456789", [], f"联系电话：{REMOVED}"),
        ("车牌粤B12345逃离", [], f"车牌{REMOVED}逃离"),
        ("新能源车粤BD12345与粤B12345D", [], f"新能源车{REMOVED}与{REMOVED}"),
        ("车牌粤B·12345", [], f"车牌{REMOVED}"),
        ("银行卡6222021001122334458", [], f"银行卡{REMOVED}"),
        ("卡号 6222 0210 0112 2334 458", [], f"卡号 {REMOVED}"),
    ],
)
def test_examples(text: str, names: list[str], expected: str) -> None:
    assert redact(text, names).text == expected


def test_not_half_masked_and_changes_reported() -> None:
    r = redact("张三电话13812345678，住福华路12号", ["张三"])
    assert "138" not in r.text and "5678" not in r.text and "*" not in r.text
    kinds = [c.kind for c in r.changes]
    assert kinds == ["name", "mobile", "address"]
    assert [c.original for c in r.changes] == ["张三", "13812345678", "12号"]
    # Segments re-assemble both texts, the changed pieces marked.
    assert "".join(s.text for s in r.original_segments()) == r.original
    assert [s.kind for s in r.original_segments() if s.kind] == kinds


def test_hashes_and_non_luhn_numbers_are_left_alone() -> None:
    text = "leaf a13812345678b 摘要 3f9a0c13812345678e 单号6222021001122334459"
    assert redact(text).text == text
    assert find_leaks(text) == []


def test_find_leaks() -> None:
    text = "张三，440304199001011237，13812345678，粤B12345，6222021001122334458，福华路12号"
    kinds = [leak.kind for leak in find_leaks(text, ["张三"])]
    assert kinds == ["name", "resident_id", "mobile", "plate", "bank_card", "address"]
    assert [leak.kind for leak in find_leaks(text, ["张三"], addresses=False)][-1] == "bank_card"
    assert find_leaks("张某在福华路", ["张三"]) == []


# ----------------------------------------------------------------------------- properties

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚"


@st.composite
def person(draw: st.DrawFn) -> str:
    compound = draw(st.booleans())
    surname = (
        draw(st.sampled_from(["欧阳", "司马", "诸葛", "上官"]))
        if compound
        else draw(st.sampled_from(SURNAMES))
    )
    return surname + draw(st.text(alphabet=GIVEN, min_size=1, max_size=2))


@st.composite
def resident_id(draw: st.DrawFn) -> str:
    region = draw(st.sampled_from(["440304", "110105", "310101", "510107"]))
    y = draw(st.integers(1940, 2015))
    m = draw(st.integers(1, 12))
    d = draw(st.integers(1, 28))
    seq = draw(st.integers(0, 999))
    first = f"{region}{y:04d}{m:02d}{d:02d}{seq:03d}"
    return first + resident_id_check_char(first)


mobile = st.builds(lambda p, n: f"1{p}{n:09d}", st.sampled_from("3456789"), st.integers(0, 10**9 - 1))
plate = st.builds(
    lambda p, letter, serial: f"{p}{letter}{serial}",
    st.sampled_from("粤京沪川"),
    st.sampled_from("ABCDE"),
    st.text(alphabet="ABCDEFGHJK0123456789", min_size=5, max_size=5),
)


def luhn_complete(body: str) -> str:
    for d in "0123456789":
        total = 0
        for i, ch in enumerate(reversed(body + d)):
            n = int(ch) * (2 if i % 2 else 1)
            total += n - 9 if n > 9 else n
        if total % 10 == 0:
            return body + d
    raise AssertionError


card = st.builds(
    lambda n, length: luhn_complete(f"62{n:0{length - 3}d}"[: length - 1]),
    st.integers(0, 10**17),
    st.integers(16, 19),
)
filler = st.text(alphabet="，。在于被报警称发现民警到场处置了的", max_size=8)


@given(
    st.lists(st.one_of(person(), resident_id(), mobile, plate, card, filler), min_size=1, max_size=8),
    st.data(),
)
@settings(max_examples=300, deadline=None)
def test_redacted_text_has_no_leaks(pieces: list[str], data: st.DataObject) -> None:
    # Pieces joined by a CJK separator (as in prose): after redaction nothing of them is left.
    text = "，".join(pieces)
    names = [
        p
        for p in pieces
        if len(p) >= 2 and p[0] in SURNAMES + "欧司诸上" and not p[1].isdigit() and p[1] not in "ABCDE"
    ]
    result = redact(text, names)
    assert find_leaks(result.text, names) == []
    for piece in pieces:
        if (piece.isdigit() and len(piece) >= 11) or piece in names:
            assert piece not in result.text


@given(st.text(max_size=200), st.lists(person(), max_size=3))
@settings(max_examples=300, deadline=None)
def test_redaction_is_total_and_idempotent(text: str, names: list[str]) -> None:
    once = redact(text, names)
    assert redact(once.text, names).text == once.text
    # Changes are ordered, disjoint, and describe exactly the original.
    pos = 0
    for c in once.changes:
        assert c.start >= pos and once.original[c.start : c.end] == c.original
        pos = c.end


@given(person())
def test_surname_kept(name: str) -> None:
    assert anonymised(name) == surname_of(name) + "某"
    assert redact(f"{name}报警", [name]).text == f"{surname_of(name)}某报警"
