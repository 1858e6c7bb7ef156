"""Signed notes against golang.org/x/mod/sumdb/note's own tests (tests/ledger/vectors/), and round trips.

The Go test notes are re-created byte for byte: same key, same text → the same signed message.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.ledger.support import load
from zhengyi.ledger import note
from zhengyi.ledger.note import Note, Signature

GO = load("golang_mod_sumdb_note.json")
FORMATS = load("transparency_dev_formats.json")
C2SP = load("c2sp_examples.json")
TEXT: str = GO["text"]
PETER = note.Verifier.from_vkey(GO["peter"]["vkey"])
ENOCH = note.Verifier.from_vkey(GO["enoch"]["vkey"])
VERIFIERS = {"peter": PETER, "enoch": ENOCH}


def sig(key: str) -> Signature:
    s = GO[key]
    return Signature(s["name"], int(s["key_hash"], 16), s["base64"])


def exactly(go_error: str) -> str:
    """Our error text must be Go's, word for word."""
    return f"^{re.escape(go_error)}$"


def message(case: dict) -> bytes | str:
    return base64.b64decode(case["base64"]) if "base64" in case else case["message"]


# ---------------------------------------------------------------------------------------------
# Keys


def test_peter_keys() -> None:
    signer = note.Signer.from_skey(GO["peter"]["skey"])
    assert signer.name == PETER.name == "PeterNeumann"
    assert signer.key_hash == PETER.key_hash == int(GO["peter"]["key_hash"], 16)
    assert signer.vkey == PETER.vkey == GO["peter"]["vkey"]
    assert signer.skey == GO["peter"]["skey"]
    assert repr(signer) == "Signer(PeterNeumann+c74f20a3)"  # never the secret


def mangled(key: str) -> list[str]:
    """Go's manglings: every proper substring and every single-byte increment."""
    b = key.encode()
    out = {b[i:j] for i in range(len(b) + 1) for j in range(i + 1, len(b) + 1) if (i, j) != (0, len(b))}
    out |= {b[:i] + bytes([b[i] + 1]) + b[i + 1 :] for i in range(len(b))}
    return [x.decode("utf-8", errors="surrogateescape") for x in out]


@pytest.mark.parametrize(
    ("good", "parse"),
    [
        (GO["TestNewVerifier"]["good"], note.Verifier.from_vkey),
        (GO["TestNewSigner"]["good"], note.Signer.from_skey),
    ],
    ids=["verifier", "signer"],
)
def test_key_parsers_reject_manglings(good: str, parse: Callable[[str], object]) -> None:
    parse(good)
    accepted = []
    for key in mangled(good):
        try:
            parse(key)
        except ValueError:  # MalformedKeyError, or a name the key classes refuse
            continue
        accepted.append(key)
    assert accepted == []


def test_new_verifier_rejects_published_bad_keys() -> None:
    for bad in GO["TestNewVerifier"]["bad"]:
        with pytest.raises(note.MalformedKeyError):
            note.Verifier.from_vkey(bad["vkey"])


def test_generate_key_round_trip() -> None:
    name = GO["TestGenerateKey"]["name"]
    skey, vkey = note.generate_key(name)
    signer, verifier = note.Signer.from_skey(skey), note.Verifier.from_vkey(vkey)
    assert (signer.name, signer.key_hash) == (verifier.name, verifier.key_hash) == (name, verifier.key_hash)
    assert skey.startswith(f"PRIVATE+KEY+{name}+{verifier.key_hash:08x}+")
    msg = bytearray(b"hi")
    signature = bytearray(signer.sign(bytes(msg)))
    assert verifier.verify(bytes(msg), bytes(signature))
    signature[0] ^= 1
    assert not verifier.verify(bytes(msg), bytes(signature))
    signature[0] ^= 1
    msg[0] ^= 1
    assert not verifier.verify(bytes(msg), bytes(signature))
    with pytest.raises(ValueError):
        note.generate_key("bad name")


def test_ed25519_vkey() -> None:
    assert note.ed25519_vkey("PeterNeumann", PETER.public_key) == GO["peter"]["vkey"]
    with pytest.raises(ValueError):
        note.ed25519_vkey("PeterNeumann", PETER.public_key[:-1])


def test_other_published_key_pairs() -> None:
    # transparency-dev/formats' test keys: each skey must yield its published vkey.
    for pair in FORMATS["keys"]:
        assert note.Signer.from_skey(pair["skey"]).vkey == pair["vkey"]
    for row in FORMATS["verifier_keys"]:
        if row["wantErr"]:
            with pytest.raises(note.MalformedKeyError):
                note.Verifier.from_vkey(row["vkey"])
        else:
            assert note.Verifier.from_vkey(row["vkey"]).vkey == row["vkey"]


@pytest.mark.parametrize(
    "name", ["", "a+b", "a b", "tab\tname", "nbsp\xa0name", "ideographic\u3000space", "lone\ud800"]
)
def test_invalid_names(name: str) -> None:
    assert not note.is_valid_name(name)


def test_go_counts_fewer_characters_as_space_than_python() -> None:
    # U+001C..U+001F are str.isspace() in Python but not unicode.IsSpace in Go.
    assert note.is_valid_name("file\x1cseparator")
    assert note.is_valid_name("example.com/log42")
    assert note.is_valid_name("正义街1号/ledger")


# ---------------------------------------------------------------------------------------------
# Signing


def test_sign_recreates_the_go_note_byte_for_byte() -> None:
    signer = note.Signer.from_skey(GO["peter"]["skey"])
    want = GO["TestSign"]["want"]
    assert note.sign(TEXT, signer) == want
    assert note.sign(TEXT, signer).encode() == want.encode()
    # An existing signature by the same key is replaced.
    existing = GO["TestSign"]["replace_existing"]["sigs"][0]
    old = Note(TEXT, (Signature(existing["name"], int(existing["key_hash"], 16), existing["base64"]),))
    assert note.sign(old, signer) == want


class NamedSigner:
    """A signer whose name cannot appear in a note (Go's badSigner)."""

    def __init__(self, inner: note.Signer, name: str) -> None:
        self._inner, self.name, self.key_hash = inner, name, inner.key_hash

    def sign(self, msg: bytes) -> bytes:
        return self._inner.sign(msg)


def test_sign_bad_inputs() -> None:
    signer = note.Signer.from_skey(GO["peter"]["skey"])
    for case in GO["TestSign"]["bad_inputs"]:
        existing = tuple(
            Signature(s["name"], int(s["key_hash"], 16), s["base64"]) for s in case.get("sigs", [])
        )
        signers = [signer if s == "peter" else NamedSigner(signer, s) for s in case["signers"]]
        expected = (
            note.InvalidSignerError if case["go_error"] == "invalid signer" else note.MalformedNoteError
        )
        with pytest.raises(expected):
            note.sign(Note(case["text"], existing), *signers)


def test_sign_refuses_what_open_would_reject() -> None:
    signer = note.Signer.from_skey(GO["peter"]["skey"])
    with pytest.raises(note.MalformedNoteError, match="control character"):
        note.sign("tab\there\n", signer)
    with pytest.raises(note.MalformedNoteError, match="at least one signature"):
        note.sign(TEXT)
    with pytest.raises(note.MalformedNoteError, match="more than 100"):
        note.sign(TEXT, *[note.Signer.from_seed(f"k{i}", bytes([i]) * 32) for i in range(101)])


def test_signing_errors_propagate() -> None:
    class Failing:
        name, key_hash = "PeterNeumann", 0xC74F20A3

        def sign(self, msg: bytes) -> bytes:
            raise RuntimeError("surprise!")

    with pytest.raises(RuntimeError, match="surprise!"):
        note.sign(TEXT, Failing())


# ---------------------------------------------------------------------------------------------
# Opening


def test_open_one_verified_one_not() -> None:
    case = GO["TestOpen"]["one_verified_one_not"]
    opened = note.open(case["message"], [PETER])
    assert opened.text == TEXT
    assert opened.sigs == (sig("peter_signature"),)
    assert opened.unverified_sigs == (sig("enoch_signature"),)


def test_open_both_verified() -> None:
    case = GO["TestOpen"]["both_verified"]
    opened = note.open(case["message"], note.VerifierList(PETER, ENOCH))
    assert opened.sigs == (sig("peter_signature"), sig("enoch_signature"))
    assert opened.unverified_sigs == ()
    assert note.open(case["message"].encode(), [PETER, ENOCH]) == opened  # bytes work too


def test_open_both_unverified() -> None:
    case = GO["TestOpen"]["both_unverified"]
    with pytest.raises(note.UnverifiedNoteError, match=exactly(case["go_error"])) as raised:
        note.open(case["message"], [])
    assert raised.value.note.sigs == ()
    assert raised.value.note.unverified_sigs == (sig("peter_signature"), sig("enoch_signature"))
    with pytest.raises(note.UnverifiedNoteError):
        note.open(case["message"], None)


def test_open_duplicated_verifiers() -> None:
    case = GO["TestOpen"]["duplicated_verifier"]
    with pytest.raises(note.AmbiguousVerifierError, match=exactly(case["go_error"])):
        note.open(case["message"], [ENOCH, PETER, ENOCH])
    case = GO["TestOpen"]["unused_duplicated_verifier"]
    assert note.open(case["message"], [ENOCH, PETER, ENOCH]).sigs == (sig("peter_signature"),)


def test_open_too_many_signatures() -> None:
    for case in GO["TestOpen"]["too_many_signatures"]:
        with pytest.raises(note.MalformedNoteError, match="more than 100"):
            note.open(case["message"], [VERIFIERS[v] for v in case["verifiers"]])
    # …while exactly 100 is fine.
    assert note.open(TEXT + "\n" + GO["peter_sig"] * 100, [PETER]).sigs == (sig("peter_signature"),)


def test_open_invalid_signature() -> None:
    case = GO["TestOpen"]["invalid_signature"]
    with pytest.raises(note.InvalidSignatureError, match=exactly(case["go_error"])):
        note.open(message(case), [PETER])


def test_open_duplicated_verified_and_unverified() -> None:
    case = GO["TestOpen"]["duplicated_verified_and_unverified"]
    opened = note.open(message(case), [PETER])
    assert opened.sigs == tuple(sig(k) for k in case["sigs"])
    assert opened.unverified_sigs == tuple(sig(k) for k in case["unverified_sigs"])


def test_open_checks_repeated_signatures_too() -> None:
    # Deliberately stricter than Go (which skips a known key's repeats unchecked): a bad copy
    # of a known key's signature is an error even after a good one.
    bad = message(GO["TestOpen"]["invalid_signature"])
    assert isinstance(bad, bytes)
    bad_line = bad.decode().split("\n\n", 1)[1]
    with pytest.raises(note.InvalidSignatureError):
        note.open(TEXT + "\n" + GO["peter_sig"] + bad_line, [PETER])


@pytest.mark.parametrize("case", GO["TestOpen"]["bad_messages"]["messages"], ids=lambda c: c["go"])
def test_open_malformed(case: dict) -> None:
    with pytest.raises(note.MalformedNoteError):
        note.open(message(case), [PETER])


class Fixed:
    """Go's fixedVerifier: answers every lookup with the same verifier."""

    def __init__(self, verifier: note.Verifier) -> None:
        self.verifier = verifier

    def lookup(self, name: str, key_hash: int) -> note.NoteVerifier:
        return self.verifier


def test_open_mismatched_verifier() -> None:
    for case in GO["TestOpen"]["mismatched_verifier"]["messages"]:
        with pytest.raises(
            note.MismatchedVerifierError, match=exactly(GO["TestOpen"]["mismatched_verifier"]["go_error"])
        ):
            note.open(case["message"], Fixed(PETER))


def test_verifier_list() -> None:
    case = GO["TestVerifierList"]
    verifiers = note.VerifierList(*(VERIFIERS[v] for v in case["list"]))
    for lookup in case["lookups"]:
        key_hash = int(lookup["key_hash"], 16)
        if "want" in lookup:
            assert verifiers.lookup(lookup["name"], key_hash) is VERIFIERS[lookup["want"]]
        else:
            with pytest.raises((note.UnknownVerifierError, note.AmbiguousVerifierError)) as raised:
                verifiers.lookup(lookup["name"], key_hash)
            assert str(raised.value) == lookup["go_error"]


def test_c2sp_example_note_parses() -> None:
    example = C2SP["signed_note"]
    with pytest.raises(note.UnverifiedNoteError) as raised:  # its key is not published
        note.open(example["note"], [PETER])
    assert raised.value.note.text == example["text"]  # the text may hold blank lines itself
    assert [s.name for s in raised.value.note.unverified_sigs] == [example["key_name"]]


def test_real_sumdb_checkpoint_signature() -> None:
    sumdb = FORMATS["sumdb"]
    opened = note.open(sumdb["note"], [note.Verifier.from_vkey(sumdb["vkey"])])
    assert opened.sigs[0].name == "sum.golang.org"
    tampered = sumdb["note"].replace(str(sumdb["size"]), str(sumdb["size"] + 1))
    with pytest.raises(note.InvalidSignatureError):
        note.open(tampered, [note.Verifier.from_vkey(sumdb["vkey"])])


# ---------------------------------------------------------------------------------------------
# Round trips

SIGNERS = [
    note.Signer.from_seed(name, bytes([i + 1]) * 32)
    for i, name in enumerate(["log", "检察院", "news.example/w"])
]
TEXT_LINES = st.lists(
    st.text(st.characters(codec="utf-8", min_codepoint=0x20), max_size=40),
    min_size=1,
    max_size=6,
)


@settings(max_examples=50, deadline=None, database=None)
@given(
    lines=TEXT_LINES,
    chosen=st.lists(st.sampled_from(SIGNERS), min_size=1, max_size=3, unique_by=lambda s: s.name),
)
def test_sign_open_round_trip(lines: list[str], chosen: list[note.Signer]) -> None:
    text = "".join(line + "\n" for line in lines)
    signed = note.sign(text, *chosen)
    opened = note.open(signed, [s.verifier() for s in SIGNERS])
    assert opened.text == text
    assert [s.name for s in opened.sigs] == [s.name for s in chosen]
    # Opened with only the first signer's key, the others stay unverified but are kept…
    partial = note.open(signed, [chosen[0].verifier()])
    assert len(partial.sigs) == 1 and len(partial.unverified_sigs) == len(chosen) - 1
    # …and re-signing the opened note keeps them and replaces the signer's own.
    assert note.sign(partial, chosen[0]).count("\n— ") == len(chosen)
    # Any change to the text breaks every signature.
    with pytest.raises(note.InvalidSignatureError):
        note.open("x" + signed, [chosen[0].verifier()])
