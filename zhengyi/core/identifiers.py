"""Validators and display masks for Chinese identifiers.

Pure Python on purpose (no Django imports): forms, the API layer, management
commands and the bench tooling all share these rules, and they must be testable
without settings or a database.

Every validator returns the normalised value or raises :class:`IdentifierError`.
``IdentifierError.rule`` is a stable machine code callers may branch on:

``length``      wrong number of characters (incl. 15-digit first-generation IDs)
``charset``     a character outside the allowed alphabet
``region``      province / administrative-region code not plausible
``birth_date``  resident-ID birth date impossible, too old or in the future
``checksum``    check character does not match
``prefix``      mobile number does not start with 13-19
``province``    plate does not start with a known province abbreviation
``authority``   plate's issuing-authority letter missing or invalid
``format``      anything else structurally wrong (also non-string input)

Messages deliberately never echo the full submitted value: exceptions end up in
logs, and these values are personal data.
"""

from __future__ import annotations

import re
from datetime import date


class IdentifierError(ValueError):
    """A Chinese identifier failed validation.

    ``str(err)`` is the 简体中文 message shown to users; ``message_en`` is for
    logs and English-speaking developers.
    """

    def __init__(self, rule: str, message_zh: str, message_en: str) -> None:
        super().__init__(message_zh)
        self.rule = rule
        self.message_zh = message_zh
        self.message_en = message_en

    def __str__(self) -> str:
        return self.message_zh


# Chinese IMEs frequently produce full-width (全角) forms such as "１３８" or
# "＋８６"; map exactly that block (and the ideographic space) to ASCII rather
# than using NFKC, which would also turn "①" or "²" into digits.
_FULLWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
# str.isdigit() accepts Arabic-Indic and other digits; identifiers are ASCII.
_DIGITS = frozenset("0123456789")
_WHITESPACE = re.compile(r"\s+")


def _compact(value: object, what_zh: str, what_en: str) -> str:
    if not isinstance(value, str):
        raise IdentifierError("format", f"{what_zh}必须是文本", f"{what_en} must be a string")
    return _WHITESPACE.sub("", value.translate(_FULLWIDTH)).upper()


# --- 居民身份证号码 — GB 11643-1999 ---

PROVINCE_CODES: frozenset[str] = frozenset(
    [str(n) for n in (*range(11, 16), *range(21, 24), *range(31, 38), *range(41, 47))]
    + [str(n) for n in (*range(50, 55), *range(61, 66))]
    + ["71", "81", "82", "83", "91"]
)
_RID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_RID_CHECK = "10X98765432"
_MIN_BIRTH_YEAR = 1800


def resident_id_check_char(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character for the first 17 digits of an ID."""
    if len(first17) != 17:
        raise IdentifierError(
            "length",
            f"计算身份证校验码需要前17位数字，实际为 {len(first17)} 位",
            f"Resident ID check char needs exactly 17 digits, got {len(first17)}",
        )
    if not set(first17) <= _DIGITS:
        raise IdentifierError(
            "charset",
            "身份证号前17位只能是数字 0-9",
            "The first 17 characters of a resident ID must be digits 0-9",
        )
    total = sum(int(c) * w for c, w in zip(first17, _RID_WEIGHTS, strict=True))
    return _RID_CHECK[total % 11]


def validate_resident_id(value: str, *, today: date | None = None) -> str:
    """Validate an 18-character resident ID and return it normalised (trailing X upper-case)."""
    v = _compact(value, "身份证号", "Resident ID")
    if len(v) != 18:
        if len(v) == 15 and set(v) <= _DIGITS:
            raise IdentifierError(
                "length",
                "身份证号必须为18位：不接受15位第一代身份证号，请填写换发后的18位号码",
                "Resident ID must be 18 characters; 15-digit first-generation IDs are not accepted",
            )
        raise IdentifierError(
            "length",
            f"身份证号必须为18位（不接受15位第一代身份证号），实际为 {len(v)} 位",
            f"Resident ID must be 18 characters (15-digit first-generation IDs are not accepted), "
            f"got {len(v)}",
        )
    if not set(v[:17]) <= _DIGITS:
        raise IdentifierError(
            "charset",
            "身份证号前17位只能是数字 0-9，请检查是否误输入了字母或符号",
            "The first 17 characters of a resident ID must be digits 0-9",
        )
    if v[17] not in _DIGITS and v[17] != "X":
        raise IdentifierError(
            "charset",
            "身份证号第18位只能是数字 0-9 或字母 X",
            "The 18th character of a resident ID must be a digit or X",
        )
    # Only the province part is checked: county codes are renumbered often and
    # people keep their original number for life, so a full table would reject
    # perfectly valid old IDs.
    if v[:2] not in PROVINCE_CODES:
        raise IdentifierError(
            "region",
            f"身份证号前两位 {v[:2]} 不是有效的省级行政区划代码，请核对号码开头",
            f"Resident ID starts with {v[:2]}, which is not a valid province code",
        )
    birth = _birth_date(v)
    reference = today or date.today()
    if birth > reference:
        raise IdentifierError(
            "birth_date",
            "身份证号中的出生日期（第7-14位）晚于当前日期，请核对",
            "Birth date in resident ID (positions 7-14) is in the future",
        )
    expected = resident_id_check_char(v[:17])
    if v[17] != expected:
        raise IdentifierError(
            "checksum",
            f"身份证号校验码错误：按 GB 11643-1999 (ISO 7064 MOD 11-2) 计算，"
            f"第18位应为 {expected}，实际为 {v[17]}",
            f"Resident ID check character is wrong: per GB 11643-1999 (ISO 7064 MOD 11-2) "
            f"the 18th character should be {expected}, got {v[17]}",
        )
    return v


def _birth_date(v: str) -> date:
    year, month, day = int(v[6:10]), int(v[10:12]), int(v[12:14])
    if year < _MIN_BIRTH_YEAR:
        raise IdentifierError(
            "birth_date",
            f"身份证号中的出生年份 {year} 早于 {_MIN_BIRTH_YEAR} 年，请核对第7-10位",
            f"Birth year {year} in resident ID is before {_MIN_BIRTH_YEAR}",
        )
    try:
        return date(year, month, day)
    except ValueError:
        raise IdentifierError(
            "birth_date",
            f"身份证号中的出生日期 {v[6:14]}（第7-14位）不是真实存在的日期，请核对",
            f"Birth date {v[6:14]} in resident ID (positions 7-14) is not a real calendar date",
        ) from None


def resident_id_birth_date(value: str, *, today: date | None = None) -> date:
    """Birth date encoded in a (fully validated) resident ID."""
    return _birth_date(validate_resident_id(value, today=today))


def resident_id_sex(value: str, *, today: date | None = None) -> str:
    """ "M" or "F": GB 11643-1999 gives odd sequence codes to men, even to women."""
    return "M" if int(validate_resident_id(value, today=today)[16]) % 2 else "F"


# --- 统一社会信用代码 — GB 32100-2015 ---

CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CC_INDEX = {c: i for i, c in enumerate(CREDIT_CODE_CHARSET)}
_CC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_CC_FORBIDDEN = "IOZSV"


def _credit_charset_error(bad: str) -> IdentifierError:
    if bad in _CC_FORBIDDEN:
        return IdentifierError(
            "charset",
            f"统一社会信用代码不使用字母 I、O、Z、S、V，发现“{bad}”；请核对是否应为数字 1、0、2、5 等",
            f"Unified social credit codes never use the letters I, O, Z, S, V (found {bad!r})",
        )
    return IdentifierError(
        "charset",
        f"统一社会信用代码只能包含数字和大写字母（不含 I、O、Z、S、V），发现非法字符“{bad}”",
        f"Unified social credit codes may only contain digits and letters other than I, O, Z, S, V "
        f"(found {bad!r})",
    )


def credit_code_check_char(first17: str) -> str:
    """GB 32100-2015 check character (MOD 31, weights 3^(i-1) mod 31) for 17 chars."""
    if len(first17) != 17:
        raise IdentifierError(
            "length",
            f"计算统一社会信用代码校验码需要前17位，实际为 {len(first17)} 位",
            f"Credit code check char needs exactly 17 characters, got {len(first17)}",
        )
    for c in first17:
        if c not in _CC_INDEX:
            raise _credit_charset_error(c)
    total = sum(_CC_INDEX[c] * w for c, w in zip(first17, _CC_WEIGHTS, strict=True))
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> str:
    """Validate an 18-character unified social credit code and return it upper-cased."""
    v = _compact(value, "统一社会信用代码", "Credit code")
    if len(v) != 18:
        raise IdentifierError(
            "length",
            f"统一社会信用代码必须为18位，实际为 {len(v)} 位",
            f"Unified social credit code must be 18 characters, got {len(v)}",
        )
    for c in v:
        if c not in _CC_INDEX:
            raise _credit_charset_error(c)
    # Only "six digits" is enforced: central-level registrations use codes such
    # as 100000 that are not in any province table.
    if not set(v[2:8]) <= _DIGITS:
        raise IdentifierError(
            "region",
            "统一社会信用代码第3-8位是行政区划代码，只能是数字",
            "Positions 3-8 of a credit code are the administrative region code and must be digits",
        )
    expected = credit_code_check_char(v[:17])
    if v[17] != expected:
        raise IdentifierError(
            "checksum",
            f"统一社会信用代码校验码错误：按 GB 32100-2015 计算，第18位应为 {expected}，实际为 {v[17]}",
            f"Credit code check character is wrong: per GB 32100-2015 the 18th character "
            f"should be {expected}, got {v[17]}",
        )
    return v


# --- 手机号码 ---

_MOBILE_SEPARATORS = re.compile(r"[\s\-]+")


def validate_mobile(value: str) -> str:
    """Validate a mainland mobile number; returns the bare 11 digits."""
    v = _MOBILE_SEPARATORS.sub("", _compact(value, "手机号", "Mobile number"))
    if v.startswith("+86"):
        v = v[3:]
    elif v.startswith("0086"):
        v = v[4:]
    elif v.startswith("86") and len(v) == 13:
        # A bare "86" is only a country code when it leaves exactly 11 digits;
        # otherwise it would eat the start of a mistyped number.
        v = v[2:]
    if not v or not set(v) <= _DIGITS:
        raise IdentifierError(
            "charset",
            "手机号只能包含数字（可带 +86 前缀、空格或连字符）",
            "Mobile number may contain only digits (optionally +86, spaces or hyphens)",
        )
    if len(v) != 11:
        raise IdentifierError(
            "length",
            f"手机号必须为11位数字，实际为 {len(v)} 位",
            f"Mobile number must be 11 digits, got {len(v)}",
        )
    if v[0] != "1" or v[1] not in "3456789":
        raise IdentifierError(
            "prefix",
            "手机号必须以 13-19 开头，请核对前两位",
            "Mobile number must start with 13-19",
        )
    return v


# --- 机动车号牌 (GA 36) ---

DEFAULT_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
PLATE_CHARSET = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
_PLATE_CHARS = frozenset(PLATE_CHARSET)
_AUTHORITY_LETTERS = frozenset("ABCDEFGHJKLMNPQRSTUVWXYZ")
_NEW_ENERGY = frozenset("DF")
# Deliberately short list: 挂 trailer, 学 learner, 警 police, 港/澳 cross-border.
# Embassy (使/领) and military plates have different layouts and are rejected.
PLATE_SPECIAL_SUFFIXES = "挂学警港澳"
_PLATE_STRIP = re.compile(r"[\s.·•・\-]+")


def _plate_charset_error(bad: str) -> IdentifierError:
    hint = "（字母 I、O 易与数字 1、0 混淆，号牌中不使用）" if bad in "IO" else ""
    return IdentifierError(
        "charset",
        f"号牌序号中出现非法字符“{bad}”{hint}",
        f"Plate serial contains an invalid character {bad!r} (I and O are never used)",
    )


def _classify_plate(value: str, provinces: str) -> tuple[str, str]:
    v = _PLATE_STRIP.sub("", _compact(value, "号牌", "Plate"))
    if not v or v[0] not in provinces:
        raise IdentifierError(
            "province",
            "号牌第1位必须是省份简称（如 京、沪、粤）",
            "Plate must start with a province abbreviation such as 京, 沪 or 粤",
        )
    if len(v) < 2 or v[1] not in _AUTHORITY_LETTERS:
        raise IdentifierError(
            "authority",
            "号牌第2位必须是发牌机关代号字母 A-Z（不含 I、O），如 粤B",
            "The 2nd plate character must be the issuing-authority letter A-Z (no I or O)",
        )
    if len(v) not in (7, 8):
        raise IdentifierError(
            "length",
            f"号牌应为7位（普通）或8位（新能源），实际为 {len(v)} 位",
            f"Plate must have 7 (ordinary) or 8 (new-energy) characters, got {len(v)}",
        )
    special = len(v) == 7 and v[-1] in PLATE_SPECIAL_SUFFIXES
    serial = v[2:-1] if special else v[2:]
    for c in serial:
        if c not in _PLATE_CHARS:
            raise _plate_charset_error(c)
    if special:
        return v, "special"
    if len(v) == 7:
        return v, "ordinary"
    if serial[0] in _NEW_ENERGY:
        return v, "new_energy_small"
    if serial[-1] in _NEW_ENERGY and set(serial[:5]) <= _DIGITS:
        return v, "new_energy_large"
    raise IdentifierError(
        "format",
        "新能源号牌格式错误：小型车为 D/F + 5位（如 粤BD12345），大型车为 5位数字 + D/F（如 粤B12345D）",
        "New-energy plate must be D/F + 5 characters (small) or 5 digits + D/F (large)",
    )


def validate_plate(value: str, *, provinces: str = DEFAULT_PROVINCES) -> str:
    """Validate a civilian plate; returns it upper-cased without spaces or separator dots."""
    return _classify_plate(value, provinces)[0]


def plate_kind(value: str, *, provinces: str = DEFAULT_PROVINCES) -> str:
    """One of "ordinary", "new_energy_small", "new_energy_large", "special"."""
    return _classify_plate(value, provinces)[1]


# --- Display masks ---
# They never raise on bad data: they run on stored values in templates, where a
# malformed legacy value must still render (masked) rather than crash the page.

COMPOUND_SURNAMES = frozenset(
    ["欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "令狐", "慕容", "司徒", "夏侯"]
)


def mask_text(value: str | None, keep_start: int = 1, keep_end: int = 0) -> str:
    """Replace all but the first ``keep_start`` / last ``keep_end`` chars with "*".

    If nothing would be hidden, everything is hidden instead: a mask that
    reveals the whole value is worse than one that reveals too little.
    """
    if keep_start < 0 or keep_end < 0:
        raise ValueError("keep_start and keep_end must be non-negative")
    s = (value or "").strip()
    if len(s) <= keep_start + keep_end:
        return "*" * len(s)
    return s[:keep_start] + "*" * (len(s) - keep_start - keep_end) + s[len(s) - keep_end :]


def _fixed_mask(s: str, keep_start: int, stars: int, keep_end: int) -> str:
    # A fixed-width middle also hides the length of malformed values.
    if len(s) <= keep_start + keep_end:
        return "*" * len(s)
    return s[:keep_start] + "*" * stars + s[len(s) - keep_end :]


def mask_resident_id(value: str | None) -> str:
    """110105********002X: region and last four kept, birth date and sequence hidden."""
    if not value:
        return ""
    return _fixed_mask(_WHITESPACE.sub("", value.translate(_FULLWIDTH)).upper(), 6, 8, 4)


def mask_mobile(value: str | None) -> str:
    """138****5678."""
    if not value:
        return ""
    try:
        s = validate_mobile(value)
    except IdentifierError:
        s = _WHITESPACE.sub("", value.translate(_FULLWIDTH))
    return _fixed_mask(s, 3, 4, 4)


def mask_plate(value: str | None) -> str:
    """粤B****5: province, authority letter and last char kept; length preserved."""
    if not value:
        return ""
    s = _PLATE_STRIP.sub("", value.translate(_FULLWIDTH)).upper()
    return mask_text(s, keep_start=2, keep_end=1)


def _surname(name: str) -> str:
    # A 2-char name starting with 欧阳 etc. is surname 欧 + given name 阳;
    # the compound reading only makes sense when a given name remains.
    if len(name) >= 3 and name[:2] in COMPOUND_SURNAMES:
        return name[:2]
    return name[:1]


def mask_name(value: str | None) -> str:
    """张三丰 → 张**, 欧阳修 → 欧阳*."""
    name = (value or "").strip()
    surname = _surname(name)
    return surname + "*" * (len(name) - len(surname))


def redact_name(value: str | None) -> str:
    """张三 → 张某, 欧阳修 → 欧阳某: the form courts use in published judgments."""
    name = (value or "").strip()
    return _surname(name) + "某" if name else ""


# --- 保安员证 (保安服务管理条例 第十六条) ---
#
# The certificate is issued by the public security organ, but no national standard for its
# number has been published (no fixed length, no check character): provinces print their own
# serials, some with a leading region abbreviation (粤, 深 …). So only the shape is checked —
# an optional prefix of up to four Chinese characters, then 6–20 letters and digits — and a
# valid-looking number is not proof the certificate exists; the issuing office's register is.

_GUARD_CERT = re.compile(r"^([\u4e00-\u9fff]{0,4})([0-9A-Z]*)$")


def validate_guard_certificate(value: str) -> str:
    """Validate the shape of a 保安员证 number; returns it compacted and upper-cased."""
    v = re.sub(r"[\-—·]", "", _compact(value, "保安员证编号", "Guard certificate number"))
    m = _GUARD_CERT.match(v)
    if m is None:
        raise IdentifierError(
            "charset",
            "保安员证编号只能由地区简称（汉字，可无）加字母和数字组成",
            "Guard certificate number may hold only a region prefix (Chinese) then letters and digits",
        )
    serial = m.group(2)
    if not 6 <= len(serial) <= 20:
        raise IdentifierError(
            "length",
            f"保安员证编号的字母数字部分应为6至20位，实际为 {len(serial)} 位",
            f"The serial of a guard certificate number must be 6-20 letters and digits, got {len(serial)}",
        )
    if not any(c in _DIGITS for c in serial):
        raise IdentifierError(
            "format", "保安员证编号应包含数字", "Guard certificate number must contain digits"
        )
    return v
