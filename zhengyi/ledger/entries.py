"""Canonical log entries: what each kind of entry says, as bytes anyone can re-derive.

Pure, no Django. An entry is one JSON object, serialised deterministically:

* UTF-8, keys sorted, no whitespace (``json.dumps(sort_keys=True, separators=(",", ":"),
  ensure_ascii=False)``). Keys are ASCII ``[a-z0-9_]``, numbers are integers within ±2**53 and
  there are no floats, so this is byte for byte RFC 8785 (JCS) too: any JCS library re-creates
  an entry from its fields.
* Always present: ``"v"`` (the format version, 1), ``"kind"`` and ``"at"`` (when it was logged,
  RFC 3339 UTC, ``Z``). The kind's own public fields sit beside them.
* What must not be public goes in ``"commit"``: for each such field, ``hmac-sha256:<hex>`` of
  the field's canonical JSON value, keyed by a random per-entry salt that stays in the database
  (``EntrySalt``), never in the log. The log then shows *that* something was fixed at that time
  without showing *what*; revealing the salt and the value to someone proves it to them.

Each kind is declared once in :data:`KINDS` with its fields; :func:`encode` refuses anything
else, so an entry cannot silently grow a field a page did not mean to publish.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

FORMAT_VERSION = 1
SALT_SIZE = 32
MAX_ENTRY_SIZE = 0xFFFF  # an entry bundle's uint16 length prefix (c2sp.org/tlog-tiles)
COMMITMENT_PREFIX = "hmac-sha256:"
_RESERVED = frozenset({"v", "kind", "at", "commit"})
_KEY = re.compile(r"[a-z][a-z0-9_]{0,63}")
_SAFE_INT = 2**53 - 1


class EntryError(ValueError):
    """An entry that is not canonical, or not what its kind declares."""


@dataclass(frozen=True)
class Kind:
    """One kind of entry: its public fields (required, then optional) and its committed ones."""

    name: str
    description: str
    public: tuple[str, ...]
    optional: tuple[str, ...] = ()
    committed: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        clash = _RESERVED.intersection(self.public + self.optional + self.committed)
        if clash:
            raise EntryError(f"kind {self.name}: fields {sorted(clash)} are reserved")

    @cached_property
    def fields(self) -> frozenset[str]:
        return frozenset(self.public + self.optional)

    @cached_property
    def plan(self) -> tuple[tuple[str, str, str | None], ...]:
        """For an entry of exactly the public fields: each key in canonical order, its JSON
        prefix, and its whole text when it is a constant (``v``, ``kind``)."""
        constants = {"v": f'"v":{FORMAT_VERSION}', "kind": f'"kind":{_encode_string(self.name)}'}
        return tuple((k, f'"{k}":', constants.get(k)) for k in sorted((*self.public, "v", "kind", "at")))


KINDS: dict[str, Kind] = {
    k.name: k
    for k in [
        Kind(
            "handling_standard",
            "处警标准的一个版本 / a version of a station's handling standard",
            public=("station", "version", "effective_from", "rules", "rules_sha256"),
            committed=("published_by", "note"),
        ),
        Kind(
            "case_stage",
            "案件进入一个办理阶段 / a case moves to a stage of its procedure",
            public=("station", "case_kind", "stage"),
            committed=("case_number", "actor"),
        ),
        Kind(
            "log_key",
            "日志换用新签名密钥 / the log rotates to a new signing key",
            public=("new_vkey", "old_vkey"),
        ),
        # 阳光平台 (zhengyi/sunshine): digests of the public text, never the internal draft.
        Kind(
            "publication",
            "阳光平台发布或更正一条公开信息 / the portal publishes or corrects a publication",
            public=("station", "number", "category", "version", "title_sha256", "text_sha256"),
            optional=("corrects", "step", "step_on"),
            committed=("author", "reviewer"),
        ),
        Kind(
            "publication_withdrawal",
            "阳光平台撤回一条公开信息 / the portal withdraws a publication",
            public=("station", "number", "version", "reason_sha256"),
            committed=("withdrawn_by",),
        ),
        Kind(
            "feedback_reply",
            "阳光平台公开一条留言及官方答复 / the portal publishes a message with its official reply",
            public=("station", "number", "message_sha256", "reply_sha256"),
            committed=("replied_by",),
        ),
    ]
}


# One encoder, built once: json.dumps would build it again on every call (entries are
# encoded in bulk, and the append bars of DESIGN §7 count every microsecond).
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
_GOOD_KEYS: set[str] = set()


def canonical_json(value: Any) -> bytes:
    """The canonical bytes of a JSON value (see the module docstring); refuses floats and
    integers beyond ±2**53, which JSON parsers in other languages would round."""
    try:
        if value.__class__ is dict:
            return _flat_object(value).encode()
        _check_value(value, "value")
        return _ENCODER.encode(value).encode()
    except UnicodeEncodeError:  # a lone surrogate: not text that UTF-8 can carry
        raise EntryError("an entry's text must be valid Unicode (no lone surrogates)") from None


def _flat_object(doc: dict[str, Any]) -> str:
    # The same text as _ENCODER.encode(doc) (the tests hold it to that), a few times faster for
    # what entries are: one object of strings and integers. Keys are already checked to be
    # [a-z0-9_], so they need no escaping; anything nested goes through the encoder.
    parts = []
    for key in sorted(doc):
        if key not in _GOOD_KEYS:
            _check_value({key: None}, "value")
        item = doc[key]
        cls = item.__class__
        if cls is str:
            parts.append(f'"{key}":{_encode_string(item)}')
        elif cls is int and -_SAFE_INT <= item <= _SAFE_INT:
            parts.append(f'"{key}":{item}')
        else:
            _check_value(item, f"value.{key}")
            parts.append(f'"{key}":{_ENCODER.encode(item)}')
    return "{" + ",".join(parts) + "}"


_encode_string = json.encoder.encode_basestring  # the C function the encoder itself uses


def _check_value(value: Any, where: str) -> None:
    # The common case — a dict of strings and small integers — is checked without recursing.
    if value.__class__ is dict or isinstance(value, Mapping):
        for key, item in value.items():
            if key not in _GOOD_KEYS:
                if not isinstance(key, str) or not _KEY.fullmatch(key):
                    raise EntryError(f"{where}: key {key!r} is not lower-case ASCII [a-z0-9_]")
                _GOOD_KEYS.add(key)
            cls = item.__class__
            if cls is str or item is None:
                continue
            if cls is int and -_SAFE_INT <= item <= _SAFE_INT:
                continue
            _check_value(item, f"{where}.{key}")
        return
    if value is None or isinstance(value, str):
        return
    if isinstance(value, bool):
        return
    if isinstance(value, int):
        if not -_SAFE_INT <= value <= _SAFE_INT:
            raise EntryError(f"{where}: integer {value} is beyond ±2**53; write it as a string")
        return
    if isinstance(value, list | tuple):
        for i, item in enumerate(value):
            if item.__class__ is not str:
                _check_value(item, f"{where}[{i}]")
        return
    raise EntryError(f"{where}: {type(value).__name__} is not allowed in an entry (no floats)")


_last_time: tuple[datetime | None, str] = (None, "")


def timestamp(moment: datetime) -> str:
    """RFC 3339 in UTC with ``Z``; microseconds only when there are some."""
    global _last_time
    if _last_time[0] is moment:  # a batch logs many entries at one moment
        return _last_time[1]
    if moment.tzinfo is None:
        raise EntryError("a logged time must be time-zone aware")
    # isoformat() leaves out a zero microsecond, as we want, and is several times faster
    # than strftime.
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    text = moment.isoformat()[:-6] + "Z"  # "+00:00" → "Z"
    _last_time = (moment, text)
    return text


def new_salt() -> bytes:
    return secrets.token_bytes(SALT_SIZE)


def commitment(salt: bytes, value: Any) -> str:
    """``hmac-sha256:<hex>`` of the value's canonical JSON, keyed by the entry's salt."""
    if len(salt) != SALT_SIZE:
        raise EntryError(f"a salt is {SALT_SIZE} bytes, got {len(salt)}")
    return COMMITMENT_PREFIX + hmac.new(salt, canonical_json(value), hashlib.sha256).hexdigest()


def encode(
    kind: str,
    fields: Mapping[str, Any],
    *,
    at: datetime,
    private: Mapping[str, Any] | None = None,
    salt: bytes | None = None,
) -> bytes:
    """The canonical bytes of one entry. ``private`` values go in as commitments under ``salt``."""
    spec = KINDS.get(kind)
    if spec is None:
        raise EntryError(f"unknown entry kind {kind!r}; known: {', '.join(sorted(KINDS))}")
    if len(fields) != len(spec.public) or not spec.fields.issuperset(fields):
        missing = [f for f in spec.public if f not in fields]
        extra = sorted(set(fields) - spec.fields)
        if missing or extra:
            raise EntryError(f"{kind}: missing fields {missing}, unexpected fields {extra}")
    if not private and len(fields) == len(spec.public):
        data = _planned(spec, fields, timestamp(at))
        if len(data) > MAX_ENTRY_SIZE:
            raise EntryError(
                f"{kind}: entry is {len(data)} bytes; at most {MAX_ENTRY_SIZE} fit a tile bundle"
            )
        return data
    doc: dict[str, Any] = dict(fields)
    doc["v"] = FORMAT_VERSION
    doc["kind"] = kind
    doc["at"] = timestamp(at)
    if private:
        unknown = sorted(set(private) - set(spec.committed))
        if unknown:
            raise EntryError(
                f"{kind}: fields {unknown} cannot be committed (declared: {list(spec.committed)})"
            )
        if salt is None:
            raise EntryError(f"{kind}: committed fields need the entry's salt")
        doc["commit"] = {name: commitment(salt, value) for name, value in private.items()}
    data = canonical_json(doc)
    if len(data) > MAX_ENTRY_SIZE:
        raise EntryError(f"{kind}: entry is {len(data)} bytes; at most {MAX_ENTRY_SIZE} fit a tile bundle")
    return data


def _planned(spec: Kind, fields: Mapping[str, Any], stamp: str) -> bytes:
    # What canonical_json() writes for {**fields, "v", "kind", "at"} — the tests hold it to
    # that —, with the key order worked out once per kind: most entries are encoded here.
    parts = []
    for key, prefix, constant in spec.plan:
        if constant is not None:
            parts.append(constant)
            continue
        item: Any = stamp if key == "at" else fields[key]
        cls = item.__class__
        if cls is str:
            parts.append(prefix + _encode_string(item))
        elif cls is int and -_SAFE_INT <= item <= _SAFE_INT:
            parts.append(prefix + str(item))
        else:
            _check_value(item, f"{spec.name}.{key}")
            parts.append(prefix + _ENCODER.encode(item))
    try:
        return ("{" + ",".join(parts) + "}").encode()
    except UnicodeEncodeError:
        raise EntryError("an entry's text must be valid Unicode (no lone surrogates)") from None


def decode(data: bytes) -> dict[str, Any]:
    """Parse an entry and check it is canonical (re-encodes to the same bytes) and version 1."""
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EntryError(f"entry is not UTF-8 JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise EntryError("entry is not a JSON object")
    if canonical_json(doc) != bytes(data):
        raise EntryError("entry is not in canonical form (sorted keys, no whitespace, UTF-8)")
    if doc.get("v") != FORMAT_VERSION:
        raise EntryError(f"entry format version {doc.get('v')!r} is not {FORMAT_VERSION}")
    if not isinstance(doc.get("kind"), str) or not isinstance(doc.get("at"), str):
        raise EntryError("entry lacks its kind or time")
    return doc


def kind_of(data: bytes) -> str:
    """The kind of an entry, or ``"?"`` for bytes that are not a canonical entry."""
    try:
        return str(decode(data)["kind"])
    except EntryError:
        return "?"


def check_commitment(doc: Mapping[str, Any], field: str, value: Any, salt: bytes) -> bool:
    """Whether the entry committed to ``value`` for ``field`` under ``salt``."""
    committed = (doc.get("commit") or {}).get(field)
    return isinstance(committed, str) and hmac.compare_digest(committed, commitment(salt, value))


# ---------------------------------------------------------------------------------------------
# Kind-specific helpers


def rules_digest(rules: Sequence[Mapping[str, Any]]) -> str:
    """SHA-256 (hex) of a handling standard's rules: their canonical JSON, sorted by
    (category, zone_kind). Plain, not salted: a standard is public, and anyone holding the
    published rules can check them against the log."""
    ordered = sorted(rules, key=lambda r: (r["category"], r.get("zone_kind", "")))
    return hashlib.sha256(canonical_json(list(ordered))).hexdigest()


def text_digest(text: str) -> str:
    """SHA-256 (hex) of a published text's UTF-8 bytes, as the page that shows it says."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
