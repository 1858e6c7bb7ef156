"""Checkpoints (c2sp.org/tlog-checkpoint) and witness cosignatures (c2sp.org/tlog-cosignature)."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.ledger.support import load
from zhengyi.ledger import checkpoint, cosignature, merkle, note
from zhengyi.ledger.checkpoint import Checkpoint, CheckpointError

TLOG = load("golang_mod_sumdb_tlog.json")
FORMATS = load("transparency_dev_formats.json")
C2SP = load("c2sp_examples.json")
ROOT = merkle.leaf_hash(b"hello world")

LOG = note.Signer.from_seed("zhengyi.example/futian/ledger", bytes(range(32)))
WITNESSES = [
    cosignature.CosignatureSigner(
        name, Ed25519PrivateKey.from_private_bytes(bytes([i + 7]) * 32), clock=lambda: 1_700_000_000
    )
    for i, name in enumerate(["procuratorate.example/w", "newspaper.example/w", "university.example/w"])
]


# ---------------------------------------------------------------------------------------------
# Checkpoint bodies


def test_go_tree_golden() -> None:
    tree = TLOG["tree"]
    cp = Checkpoint("go.sum database tree", tree["size"], merkle.leaf_hash(tree["record"].encode()))
    assert cp.body() == tree["golden"]
    assert checkpoint.parse(tree["golden"]) == cp


def test_go_bad_trees() -> None:
    not_go, *bad = TLOG["tree"]["bad"]
    assert checkpoint.parse(not_go).origin == "not-go.sum database tree"  # only Go's origin check fails it
    for text in bad:
        with pytest.raises(CheckpointError):
            checkpoint.parse(text)


def test_formats_bad_checkpoints() -> None:
    for case in FORMATS["bad_checkpoints"]:
        with pytest.raises(CheckpointError):
            checkpoint.parse(case["m"])


def test_c2sp_example() -> None:
    example = C2SP["checkpoint"]
    with pytest.raises(note.UnverifiedNoteError) as raised:  # the example's key is not published
        note.open(example["note"], [])
    cp = checkpoint.parse(raised.value.note.text)
    assert (cp.origin, cp.size) == (example["origin"], example["size"])
    assert cp.root_hash == base64.b64decode(example["root_hash_base64"])
    assert cp.body() == raised.value.note.text


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("log\n5\n" + base64.b64encode(ROOT).decode(), "end in a newline"),
        ("log\n5\n", "at least 3 lines"),
        ("\n5\n" + base64.b64encode(ROOT).decode() + "\n", "origin line is empty"),
        ("log\n05\n" + base64.b64encode(ROOT).decode() + "\n", "leading zeros"),
        ("log\n+5\n" + base64.b64encode(ROOT).decode() + "\n", "decimal"),
        ("log\n5 \n" + base64.b64encode(ROOT).decode() + "\n", "decimal"),
        ("log\n18446744073709551616\n" + base64.b64encode(ROOT).decode() + "\n", "64 bits"),
        ("log\n5\n" + base64.b64encode(ROOT[:31]).decode() + "\n", "31 bytes"),
        ("log\n5\n" + base64.b64encode(ROOT).decode().rstrip("=") + "\n", "not base64"),
        ("log\n5\n" + base64.b64encode(ROOT).decode()[:-2] + "B=\n", "canonical"),
        ("log\n5\n" + base64.b64encode(ROOT).decode() + "\n\n", "line 4 is empty"),
        ("log\n5\n" + base64.b64encode(ROOT).decode() + "\next\n\n", "line 5 is empty"),
    ],
)
def test_parse_rejects(text: str, reason: str) -> None:
    with pytest.raises(CheckpointError, match=reason):
        checkpoint.parse(text)


def test_constructor_rejects() -> None:
    for args in [
        ("", 1, ROOT),
        ("a\nb", 1, ROOT),
        ("log", -1, ROOT),
        ("log", 2**64, ROOT),
        ("log", 1, ROOT[:5]),
    ]:
        with pytest.raises(CheckpointError):
            Checkpoint(*args)
    with pytest.raises(CheckpointError):
        Checkpoint("log", 1, ROOT, ("",))
    with pytest.raises(CheckpointError):
        Checkpoint("log", True, ROOT)


@settings(max_examples=40, deadline=None, database=None)
@given(
    origin=st.text(st.characters(codec="utf-8", exclude_characters="\n"), min_size=1, max_size=30),
    size=st.integers(0, 2**64 - 1),
    root=st.binary(min_size=32, max_size=32),
    extensions=st.lists(
        st.text(st.characters(codec="utf-8", exclude_characters="\n"), min_size=1),
        max_size=3,
    ),
)
def test_body_parse_round_trip(origin: str, size: int, root: bytes, extensions: list[str]) -> None:
    cp = Checkpoint(origin, size, root, tuple(extensions))
    assert checkpoint.parse(cp.body()) == cp
    assert checkpoint.parse(cp.body()).body() == cp.body()


# ---------------------------------------------------------------------------------------------
# Signed checkpoints


def test_sign_and_open_checkpoint() -> None:
    cp = Checkpoint(LOG.name, 42, ROOT)
    signed = checkpoint.sign(cp, LOG)
    opened_cp, opened = checkpoint.open_checkpoint(signed, LOG.verifier())
    assert opened_cp == cp and opened.sigs[0].name == LOG.name
    with pytest.raises(CheckpointError, match="expected 'another/log'"):
        checkpoint.open_checkpoint(signed, LOG.verifier(), origin="another/log")
    # Signed only by a witness the verifier trusts: still not the log's checkpoint.
    witness = note.Signer.from_seed("witness", bytes([9]) * 32)
    with pytest.raises(CheckpointError, match="no signature by the log key"):
        checkpoint.open_checkpoint(checkpoint.sign(cp, witness), LOG.verifier(), others=[witness.verifier()])


def test_real_sum_golang_org_checkpoint() -> None:
    sumdb = FORMATS["sumdb"]
    verifier = note.Verifier.from_vkey(sumdb["vkey"])
    cp, _ = checkpoint.open_checkpoint(sumdb["note"], verifier, origin=sumdb["origin"])
    assert (cp.origin, cp.size) == (sumdb["origin"], sumdb["size"])
    with pytest.raises(CheckpointError):
        checkpoint.open_checkpoint(sumdb["note"], verifier, origin=sumdb["wrong_origin"])


# ---------------------------------------------------------------------------------------------
# Cosignatures


def test_c2sp_cosignature_example() -> None:
    example = C2SP["cosigned"]
    repaired = example["note"].replace("\\n", "")  # the spec's wrapping slip, see the vector file
    with pytest.raises(note.UnverifiedNoteError) as raised:
        note.open(repaired, [])
    log_sig, witness_sig = raised.value.note.unverified_sigs
    assert witness_sig.name == example["witness_name"]
    assert cosignature.cosignature_timestamp(witness_sig) == example["timestamp"]
    assert (
        cosignature.signed_message(raised.value.note.text.encode(), example["timestamp"])
        == example["signed_message"].encode()
    )
    with pytest.raises(ValueError):
        cosignature.cosignature_timestamp(log_sig)  # a plain Ed25519 note signature is no cosignature


def test_cosignature_wire_format() -> None:
    witness = WITNESSES[0]
    body = Checkpoint(LOG.name, 7, ROOT).body()
    line = note.sign(body, witness).split("\n\n")[1]
    raw = base64.b64decode(line.split(" ")[2])
    assert len(raw) == 4 + 8 + 64
    assert int.from_bytes(raw[:4], "big") == witness.key_hash
    assert int.from_bytes(raw[4:12], "big") == 1_700_000_000  # big-endian, as the spec's example
    # The key id uses alg byte 0x04, so it differs from the same key's plain note id.
    public = witness.verifier().vkey
    assert witness.key_hash == note.key_hash(witness.name, base64.b64decode(public.split("+", 2)[2]))
    assert base64.b64decode(public.split("+", 2)[2])[0] == cosignature.ALG_COSIGNATURE_V1
    plain = note.Signer.from_seed(witness.name, bytes([7]) * 32)
    assert plain.key_hash != witness.key_hash


def test_cosignature_keys_from_note_keys() -> None:
    # Witness keys can be ordinary note keys (as transparency-dev/formats does); the vkey the
    # spec describes (alg 0x04) and the plain one (alg 0x01) give the same verifier.
    skey, vkey = note.generate_key("witness.example/w1")
    signer = cosignature.CosignatureSigner.from_skey(skey, clock=lambda: 5)
    from_plain = cosignature.CosignatureVerifier.from_vkey(vkey)
    from_spec = cosignature.CosignatureVerifier.from_vkey(signer.verifier().vkey)
    assert from_plain.key_hash == from_spec.key_hash == signer.key_hash
    body = Checkpoint("log", 1, ROOT).body()
    opened = note.open(note.sign(body, signer), [from_spec])
    assert cosignature.cosignature_timestamp(opened.sigs[0]) == 5
    for bad in [
        "w+00000000+BAAA",
        vkey.replace("+A", "+B", 1),
        "w+12345678+" + base64.b64encode(b"\x09" + bytes(32)).decode(),
    ]:
        with pytest.raises(note.MalformedKeyError):
            cosignature.CosignatureVerifier.from_vkey(bad)


def test_cosignature_covers_time_and_every_line() -> None:
    witness = WITNESSES[1]
    body = Checkpoint(LOG.name, 7, ROOT, ("extension line",)).body()
    signed = note.sign(body, witness)
    verifier = witness.verifier()
    note.open(signed, [verifier])
    # A different body, or a different time under the same signature, fails.
    with pytest.raises(note.InvalidSignatureError):
        note.open(signed.replace("extension line", "extension linE"), [verifier])
    text, line = signed.split("\n\n")
    raw = bytearray(base64.b64decode(line.split(" ")[2]))
    raw[11] ^= 1  # the timestamp's last byte
    forged = f"{text}\n\n— {witness.name} {base64.b64encode(bytes(raw)).decode()}\n"
    with pytest.raises(note.InvalidSignatureError):
        note.open(forged, [verifier])
    assert not verifier.verify(body.encode(), b"short")
    with pytest.raises(ValueError, match="only made over a checkpoint"):
        witness.sign(b"not a checkpoint\n")


def test_k_of_n_policy() -> None:
    cp = Checkpoint(LOG.name, 100, ROOT)
    witnesses = [w.verifier() for w in WITNESSES]
    two = note.sign(cp.body(), LOG, WITNESSES[0], WITNESSES[2])
    _, opened = checkpoint.open_checkpoint(two, LOG.verifier(), others=witnesses)
    assert [w.name for w in cosignature.check_policy(opened, witnesses, 2)] == [
        WITNESSES[0].name,
        WITNESSES[2].name,
    ]
    with pytest.raises(
        cosignature.PolicyError, match=r"2 of the 3 .*missing: newspaper\.example/w\+[0-9a-f]{8}$"
    ):
        cosignature.check_policy(opened, witnesses, 3)
    # Signatures not verified at open time do not count: open without the witnesses' keys.
    _, bare = checkpoint.open_checkpoint(two, LOG.verifier())
    with pytest.raises(cosignature.PolicyError, match="0 of the 1"):
        cosignature.check_policy(bare, witnesses, 1)
    # The same witness listed twice counts once; an impossible policy is refused outright.
    assert len(cosignature.check_policy(opened, [witnesses[0], witnesses[0]], 1)) == 1
    with pytest.raises(ValueError, match="cannot be met"):
        cosignature.check_policy(opened, witnesses, 4)
