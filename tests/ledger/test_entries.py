"""Canonical entries: deterministic bytes, declared fields only, salted commitments."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from zhengyi.ledger import entries
from zhengyi.ledger.entries import EntryError

AT = datetime(2026, 3, 1, 8, 30, tzinfo=timezone(timedelta(hours=8)))
FIELDS = {
    "station": "FT",
    "version": 3,
    "effective_from": "2026-03-01T00:00:00Z",
    "rules": 11,
    "rules_sha256": "ab" * 32,
}


def test_bytes_are_canonical_json_with_version_kind_and_time() -> None:
    data = entries.encode("handling_standard", FIELDS, at=AT)
    assert data == (
        b'{"at":"2026-03-01T00:30:00Z","effective_from":"2026-03-01T00:00:00Z","kind":"handling_standard",'
        b'"rules":11,"rules_sha256":"' + b"ab" * 32 + b'","station":"FT","v":1,"version":3}'
    )
    assert entries.decode(data)["kind"] == "handling_standard"
    # The same inputs give the same bytes, whatever the order they came in.
    assert entries.encode("handling_standard", dict(reversed(list(FIELDS.items()))), at=AT) == data


def test_chinese_text_is_utf8_not_escaped() -> None:
    entries.KINDS["t_cn"] = entries.Kind("t_cn", "test", public=("text",))
    try:
        data = entries.encode("t_cn", {"text": "福田派出所\n通报"}, at=AT)
    finally:
        entries.KINDS.pop("t_cn")
    assert "福田派出所".encode() in data and b"\\n" in data


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({**FIELDS, "extra": 1}, "unexpected fields ['extra']"),
        ({k: v for k, v in FIELDS.items() if k != "version"}, "missing fields ['version']"),
        ({**FIELDS, "rules": 1.5}, "no floats"),
        ({**FIELDS, "rules": 2**60}, "beyond ±2**53"),
        ({**FIELDS, "station": "\ud800"}, "valid Unicode"),
    ],
)
def test_refuses_what_the_kind_does_not_declare(fields: dict[str, object], message: str) -> None:
    with pytest.raises(EntryError, match=message.replace("[", r"\[").replace("*", r"\*")):
        entries.encode("handling_standard", fields, at=AT)


def test_unknown_kind_and_naive_time_are_refused() -> None:
    with pytest.raises(EntryError, match="unknown entry kind"):
        entries.encode("nope", {}, at=AT)
    with pytest.raises(EntryError, match="time-zone aware"):
        entries.encode("handling_standard", FIELDS, at=datetime(2026, 1, 1))


def test_commitments_hide_values_and_prove_them_with_the_salt() -> None:
    salt = entries.new_salt()
    data = entries.encode(
        "handling_standard", FIELDS, at=AT, private={"published_by": "head", "note": "张三提议"}, salt=salt
    )
    assert "张三".encode() not in data and b"head" not in data
    doc = entries.decode(data)
    assert doc["commit"]["published_by"].startswith("hmac-sha256:")
    assert entries.check_commitment(doc, "published_by", "head", salt)
    assert not entries.check_commitment(doc, "published_by", "someone else", salt)
    assert not entries.check_commitment(doc, "published_by", "head", entries.new_salt())
    with pytest.raises(EntryError, match="cannot be committed"):
        entries.encode("handling_standard", FIELDS, at=AT, private={"station": "x"}, salt=salt)


def test_decode_refuses_non_canonical_bytes() -> None:
    data = entries.encode("handling_standard", FIELDS, at=AT)
    spaced = json.dumps(json.loads(data), sort_keys=True).encode()
    with pytest.raises(EntryError, match="canonical"):
        entries.decode(spaced)
    with pytest.raises(EntryError, match="not UTF-8 JSON"):
        entries.decode(b"\xff")
    assert entries.kind_of(b"not json") == "?"


def test_time_is_utc_with_z_and_microseconds_only_when_present() -> None:
    assert entries.timestamp(datetime(2026, 1, 1, tzinfo=UTC)) == "2026-01-01T00:00:00Z"
    assert entries.timestamp(datetime(2026, 1, 1, 0, 0, 0, 5, tzinfo=UTC)) == "2026-01-01T00:00:00.000005Z"


def test_rules_digest_ignores_order() -> None:
    a = {"category": "fire", "zone_kind": "", "priority": 1}
    b = {"category": "criminal", "zone_kind": "", "priority": 1}
    assert entries.rules_digest([a, b]) == entries.rules_digest([b, a])
    assert entries.rules_digest([a]) != entries.rules_digest([b])


def test_reserved_field_names_cannot_be_declared() -> None:
    with pytest.raises(EntryError, match="reserved"):
        entries.Kind("bad", "x", public=("kind",))


def test_the_fast_object_encoder_writes_what_the_json_encoder_writes() -> None:
    import random
    import string

    encoder = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    rng = random.Random(7)
    alphabet = string.printable + '福田派出所\u2028\u2029\x00\x1f"\\\u00e9\U0001f600'
    makers = [
        lambda: "".join(rng.choice(alphabet) for _ in range(rng.randrange(20))),
        lambda: rng.randrange(-(2**53) + 1, 2**53),
        lambda: None,
        lambda: rng.random() < 0.5,
        lambda: [1, "a", {"z": 1, "a": None}],
        lambda: {"b": "x", "a": [True]},
    ]
    for _ in range(3000):
        doc = {
            f"k{rng.randrange(50)}_{rng.choice('abc')}": rng.choice(makers)() for _ in range(rng.randrange(8))
        }
        assert entries.canonical_json(doc) == encoder.encode(doc).encode(), doc


def test_the_planned_encoding_equals_the_general_one() -> None:
    fields = {**FIELDS, "station": 'F"T\n福田', "rules": 0}
    planned = entries.encode("handling_standard", fields, at=AT)
    general = entries.canonical_json(
        {**fields, "v": 1, "kind": "handling_standard", "at": entries.timestamp(AT)}
    )
    assert planned == general
    with pytest.raises(EntryError, match="no floats"):
        entries.encode("handling_standard", {**FIELDS, "version": 1.0}, at=AT)
    with pytest.raises(EntryError, match="beyond"):
        entries.encode("handling_standard", {**FIELDS, "version": -(2**60)}, at=AT)
    nested = {**FIELDS, "rules_sha256": ["b", {"z": 1, "a": None}]}
    assert entries.encode("handling_standard", nested, at=AT) == entries.canonical_json(
        {**nested, "v": 1, "kind": "handling_standard", "at": entries.timestamp(AT)}
    )
