"""Parties pasted as text, many rows at once (the 传销 ring's 20 suspects). Pure: no Django.

One party a line: ``姓名[,身份证号[,手机号[,备注]]]``, separated by commas (half- or full-width),
tabs (a spreadsheet paste) or ``|``. Empty lines are skipped. Every bad row is named with what
is wrong, so one paste can be fixed in one go; nothing is kept unless every row is good.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from zhengyi.core.identifiers import IdentifierError, validate_mobile, validate_resident_id

_SPLIT = re.compile(r"[ \u3000]*[,，\t|、][ \u3000]*")
MAX_ROWS = 500
MAX_NAME = 50


@dataclass(frozen=True)
class Row:
    line: int
    name: str
    id_number: str = ""
    phone: str = ""
    note: str = ""


@dataclass(frozen=True)
class Problem:
    line: int
    message_zh: str
    message_en: str


@dataclass
class Parsed:
    rows: list[Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.rows)


def parse(text: str, *, known_ids: frozenset[str] = frozenset()) -> Parsed:
    """Parse pasted rows; ``known_ids`` are ID numbers already on the case (no duplicates)."""
    out = Parsed()
    seen: dict[str, int] = {}
    lines = (text or "").splitlines()
    if len([ln for ln in lines if ln.strip()]) > MAX_ROWS:
        out.problems.append(Problem(0, f"一次最多粘贴{MAX_ROWS}行。", f"At most {MAX_ROWS} rows at a time."))
        return out
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        cells = [c.strip() for c in _SPLIT.split(raw.strip())]
        if len(cells) > 4:
            out.problems.append(
                Problem(
                    number,
                    "列数过多：应为 姓名,身份证号,手机号,备注。",
                    "Too many columns: name, ID, mobile, note.",
                )
            )
            continue
        name, id_raw, phone_raw, note = [*cells, "", "", ""][:4]
        errors_zh: list[str] = []
        errors_en: list[str] = []
        if not name:
            errors_zh.append("缺少姓名")
            errors_en.append("the name is missing")
        elif len(name) > MAX_NAME or any(ch.isdigit() for ch in name):
            errors_zh.append("姓名不像人名（过长或含数字）")
            errors_en.append("the name is too long or has digits")
        id_number = phone = ""
        if id_raw:
            try:
                id_number = validate_resident_id(id_raw)
            except IdentifierError as exc:
                errors_zh.append(f"身份证号：{exc.message_zh}")
                errors_en.append(f"ID number: {exc.message_en}")
        if id_number:
            if id_number in known_ids:
                errors_zh.append("该身份证号已在本案当事人中")
                errors_en.append("this ID number is already a party of the case")
            elif id_number in seen:
                errors_zh.append(f"身份证号与第{seen[id_number]}行重复")
                errors_en.append(f"the ID number repeats line {seen[id_number]}")
            else:
                seen[id_number] = number
        if phone_raw:
            try:
                phone = validate_mobile(phone_raw)
            except IdentifierError as exc:
                errors_zh.append(f"手机号：{exc.message_zh}")
                errors_en.append(f"mobile: {exc.message_en}")
        if errors_zh:
            out.problems.append(Problem(number, "；".join(errors_zh), "; ".join(errors_en)))
        else:
            out.rows.append(Row(number, name, id_number, phone, note[:200]))
    if not out.rows and not out.problems:
        out.problems.append(Problem(0, "没有可导入的行。", "There are no rows to add."))
    return out
