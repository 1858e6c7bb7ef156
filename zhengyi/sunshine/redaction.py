"""Redaction of text for the public portal (法释〔2016〕19号 practice, DESIGN §4 "Disclosure").

Pure, no Django. Given a text and the full names of the parties it concerns:

* a party's name becomes surname + 某 (张某; a 复姓 stays whole: 欧阳某);
* 身份证 numbers (18 and 15 digits), mobile and landline numbers, plates (new-energy too) and
  bank card numbers (16–19 digits passing Luhn) are **removed** — replaced by :data:`REMOVED`,
  never half-masked, since a mask still narrows who it was;
* addresses are coarsened to the street or building: door, unit, floor and room numbers after
  a place word are dropped ("福华路12号" → "福华路", "卓越大厦1203室" → "卓越大厦").

:func:`redact` returns the new text and every change (for the reviewer's side-by-side view);
:func:`find_leaks` finds what must not be public, for the publish check and the leak guard.
Digit runs are matched only where no ASCII letter or digit touches them, so hashes and
base64 on the ledger's pages are not mistaken for numbers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from zhengyi.core.identifiers import COMPOUND_SURNAMES as _CORE_COMPOUND
from zhengyi.core.identifiers import DEFAULT_PROVINCES, PROVINCE_CODES

REMOVED = "［已删除］"
ANONYMOUS = "某"

# More than the core list: the reviewer must never see 欧阳修 become 欧某.
COMPOUND_SURNAMES = frozenset(
    _CORE_COMPOUND
    | {
        "尉迟", "公孙", "长孙", "宇文", "轩辕", "钟离", "端木", "独孤", "南宫", "西门",
        "百里", "呼延", "澹台", "公冶", "太史", "申屠", "拓跋", "赫连", "万俟", "闻人",
        "濮阳", "淳于", "单于", "司空", "第五", "左丘", "东郭", "仲孙", "公羊", "梁丘",
        "乐正", "亓官", "司寇", "鲜于", "谷梁", "段干", "巫马", "公西", "漆雕", "壤驷",
    }
)  # fmt: skip

KIND_LABELS = {
    "name": "姓名",
    "resident_id": "身份证号",
    "mobile": "手机号",
    "landline": "固定电话",
    "plate": "车牌号",
    "bank_card": "银行卡号",
    "address": "门牌/房号",
}

_NOT_ALNUM_BEFORE = r"(?<![0-9A-Za-z])"
_NOT_ALNUM_AFTER = r"(?![0-9A-Za-z])"
_ID18 = re.compile(
    _NOT_ALNUM_BEFORE + r"(\d{6})(1[89]|20)(\d{2})(\d{2})(\d{2})\d{3}[0-9Xx]" + _NOT_ALNUM_AFTER
)
_ID15 = re.compile(_NOT_ALNUM_BEFORE + r"(\d{6})(\d{2})(\d{2})(\d{2})\d{3}" + _NOT_ALNUM_AFTER)
# A mobile written with spaces or dashes (138 1234 5678, 138-1234-5678), optionally +86.
_MOBILE = re.compile(
    _NOT_ALNUM_BEFORE + r"(?:(?:\+|00)?86[\s\-]?)?1[3-9]\d(?:[\s\-]?\d{4}){2}" + _NOT_ALNUM_AFTER
)
# 0755-83456789, (0755)83456789, 010 6512 3456; bare 7–8 digit numbers only right after a
# word saying it is a phone number (a bare 8-digit number may be anything else).
_LANDLINE = re.compile(
    _NOT_ALNUM_BEFORE
    + r"(?:[(（]0\d{2,3}[)）]\s?|0\d{2,3}[\s\-])\d{3,4}[\s\-]?\d{4}(?:[\s\-转]\d{1,5})?"
    + _NOT_ALNUM_AFTER
)
_PHONE_WORD_NUMBER = re.compile(
    r"(?:电话|座机|联系方式|联系电话|手机|tel|Tel|TEL)[:：\s号码是为]{0,4}(\d{7,8})" + _NOT_ALNUM_AFTER
)
_PLATE_SERIAL = "[A-HJ-NP-Z0-9]"
_PLATE = re.compile(
    f"[{DEFAULT_PROVINCES}]"
    + r"[\s·•・.\-]?[A-HJ-NP-Z][\s·•・.\-]?"
    + f"(?:[DF]{_PLATE_SERIAL}{{5}}|\\d{{5}}[DF]|{_PLATE_SERIAL}{{4}}[挂学警港澳]|{_PLATE_SERIAL}{{5}})"
    + _NOT_ALNUM_AFTER
)
# Written in groups of four (the last one shorter) or in one run; 16–19 digits checked after.
_CARD = re.compile(_NOT_ALNUM_BEFORE + r"\d{4}(?:[\s\-]?\d{1,4}){3,4}" + _NOT_ALNUM_AFTER)

# Where an address stops being public: the numbers after a street or building word.
# The last character of a street or building word (路, 街, 大厦, 广场, 中心, 花园, 小区, 公寓 …).
_PLACE_END = "道路街巷弄同里村厦楼场心园区寓城苑府店馆坊阁轩居院座"
_NUM = r"(?:[A-Za-z]?\d+(?:[-－—]\d+)*[A-Za-z]?|[一二三四五六七八九十百零〇两]+|[A-Za-z])"
_DETAIL_UNIT = r"(?:号楼|号院|号|栋|幢|座|单元|层|楼|室|房|户|铺|档|门)"
_DETAIL = f"(?:{_NUM}\\s?{_DETAIL_UNIT}(?:之[一二三四五六七八九十])?)"
# A detail run, and a trailing bare room number after one (3栋501, A座1203).
_ADDRESS = re.compile(f"(?<=[{_PLACE_END}])(?:{_DETAIL})+(?:\\d{{2,5}}(?!\\d)(?:室|房)?)?")


@dataclass(frozen=True)
class Change:
    """One change: where in the original text, what it was, what it became, and why."""

    kind: str
    start: int
    end: int
    original: str
    replacement: str

    @property
    def label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)


@dataclass(frozen=True)
class Segment:
    """A piece of text for a side-by-side view; ``kind`` is set on changed pieces."""

    text: str
    kind: str = ""


@dataclass(frozen=True)
class Redaction:
    original: str
    text: str
    changes: tuple[Change, ...]

    def original_segments(self) -> list[Segment]:
        return _segments(self.original, [(c.start, c.end, c.original, c.kind) for c in self.changes])

    def redacted_segments(self) -> list[Segment]:
        out: list[Segment] = []
        pos = 0
        for c in self.changes:
            if c.start > pos:
                out.append(Segment(self.original[pos : c.start]))
            out.append(Segment(c.replacement or "…", c.kind))
            pos = c.end
        if pos < len(self.original):
            out.append(Segment(self.original[pos:]))
        return out


@dataclass(frozen=True)
class Leak:
    kind: str
    value: str
    start: int

    @property
    def label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)


def _segments(text: str, spans: Sequence[tuple[int, int, str, str]]) -> list[Segment]:
    out: list[Segment] = []
    pos = 0
    for start, end, value, kind in spans:
        if start > pos:
            out.append(Segment(text[pos:start]))
        out.append(Segment(value, kind))
        pos = end
    if pos < len(text):
        out.append(Segment(text[pos:]))
    return out


# ---------------------------------------------------------------------------------- names


def surname_of(name: str) -> str:
    """The surname a published text keeps: a 复姓 whole, else the first character; for a name
    written with a middle dot (阿卜杜·热合曼) the first character of its first part."""
    name = clean_name(name)
    if not name:
        return ""
    if len(name) > 2 and name[:2] in COMPOUND_SURNAMES:
        return name[:2]
    return name[0]


def anonymised(name: str) -> str:
    surname = surname_of(name)
    return surname + ANONYMOUS if surname else ""


def clean_name(name: str) -> str:
    return re.sub(r"\s+", "", name or "")


def _names(names: Iterable[str]) -> list[str]:
    # Longest first, so 张三丰 is not caught as 张三 + 丰. A one-character "name" is not a name
    # one can find in text without destroying it.
    return sorted({n for n in (clean_name(x) for x in names) if len(n) >= 2}, key=len, reverse=True)


# ---------------------------------------------------------------------------------- detectors


def _valid_date(yy: str, mm: str, dd: str) -> bool:
    m, d = int(mm), int(dd)
    return 1 <= m <= 12 and 1 <= d <= 31


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = ord(ch) - 48
        if i % 2 == 1:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return total % 10 == 0


def _number_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, kind) of every number that must go, before overlaps are resolved."""
    spans: list[tuple[int, int, str]] = []
    for m in _ID18.finditer(text):
        if m.group(1)[:2] in PROVINCE_CODES and _valid_date(m.group(3), m.group(4), m.group(5)):
            spans.append((m.start(), m.end(), "resident_id"))
    for m in _ID15.finditer(text):
        if m.group(1)[:2] in PROVINCE_CODES and _valid_date(m.group(2), m.group(3), m.group(4)):
            spans.append((m.start(), m.end(), "resident_id"))
    for m in _CARD.finditer(text):
        digits = re.sub(r"\D", "", m.group(0))
        if 16 <= len(digits) <= 19 and _luhn(digits):
            spans.append((m.start(), m.end(), "bank_card"))
    for m in _MOBILE.finditer(text):
        spans.append((m.start(), m.end(), "mobile"))
    for m in _LANDLINE.finditer(text):
        spans.append((m.start(), m.end(), "landline"))
    for m in _PHONE_WORD_NUMBER.finditer(text):
        spans.append((m.start(1), m.end(1), "landline"))
    for m in _PLATE.finditer(text):
        spans.append((m.start(), m.end(), "plate"))
    return spans


def _name_spans(text: str, names: Sequence[str]) -> list[tuple[int, int, str, str]]:
    spans = []
    for name in names:
        for m in re.finditer(re.escape(name), text):
            spans.append((m.start(), m.end(), "name", name))
    return spans


def _resolve(spans: list[tuple[int, int, str, str]]) -> list[tuple[int, int, str, str]]:
    """Keep non-overlapping spans: earliest first, the longest where two start together."""
    spans.sort(key=lambda s: (s[0], -(s[1] - s[0])))
    kept: list[tuple[int, int, str, str]] = []
    end = -1
    for span in spans:
        if span[0] >= end:
            kept.append(span)
            end = span[1]
        elif span[1] > end and kept:
            # Overlapping and longer: widen the kept span so nothing of either survives.
            s, _e, kind, extra = kept[-1]
            kept[-1] = (s, span[1], kind, extra)
            end = span[1]
    return kept


def redact(text: str, names: Iterable[str] = ()) -> Redaction:
    """The public version of ``text``: see the module docstring for what changes."""
    text = text or ""
    party_names = _names(names)
    spans: list[tuple[int, int, str, str]] = [(s, e, k, "") for s, e, k in _number_spans(text)]
    spans += _name_spans(text, party_names)
    spans += [(m.start(), m.end(), "address", "") for m in _ADDRESS.finditer(text)]
    changes = []
    parts: list[str] = []
    pos = 0
    for start, end, kind, name in _resolve(spans):
        original = text[start:end]
        if kind == "name":
            replacement = anonymised(name)
        elif kind == "address":
            replacement = ""
        else:
            replacement = REMOVED
        parts.append(text[pos:start])
        parts.append(replacement)
        changes.append(Change(kind, start, end, original, replacement))
        pos = end
    parts.append(text[pos:])
    return Redaction(original=text, text="".join(parts), changes=tuple(changes))


def find_leaks(text: str, names: Iterable[str] = (), *, addresses: bool = True) -> list[Leak]:
    """What in ``text`` must not be public: numbers, full names of ``names``, and (unless
    ``addresses`` is false) door or room numbers after a place word."""
    text = text or ""
    leaks = [Leak(kind, text[s:e], s) for s, e, kind in _number_spans(text)]
    leaks += [Leak("name", text[s:e], s) for s, e, _k, _n in _name_spans(text, _names(names))]
    if addresses:
        leaks += [Leak("address", m.group(0), m.start()) for m in _ADDRESS.finditer(text)]
    leaks.sort(key=lambda leak: leak.start)
    return leaks
