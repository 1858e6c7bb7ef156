"""Serving: C2SP tlog-tiles byte for byte, JSON proofs, cosignatures, and the entry pages."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from zhengyi.ledger import checkpoint, cosignature, keys, merkle, note, tiles
from zhengyi.ledger.models import Cosignature
from zhengyi.ledger.services import log as ledger
from zhengyi.ledger.services.witnesses import add_witness

from .conftest import reference_store

pytestmark = pytest.mark.django_db

Grow = Callable[[int], list[bytes]]


def log_verifier() -> note.Verifier:
    return keys.load_signer(create=False).verifier()


def test_checkpoint_is_a_signed_note_go_would_read(client: Client, log: Grow) -> None:
    data = log(300)
    response = client.get("/ledger/checkpoint")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Cache-Control"] == "no-cache"
    body, _ = checkpoint.open_checkpoint(response.content.decode(), log_verifier())
    assert body.size == 300
    assert body.root_hash == merkle.root([merkle.leaf_hash(d) for d in data])
    assert client.get("/ledger/key").content.decode().strip() == log_verifier().vkey


def test_every_tile_and_entry_bundle_is_served_byte_identical(client: Client, log: Grow) -> None:
    data = log(700)
    store = reference_store(data)
    for tile in tiles.tiles_for_size(700):
        response = client.get(f"/ledger/{tile.path}")
        assert response.status_code == 200, tile.path
        assert response.content == tiles.build_tile(tile, store), tile.path
        assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    for bundle in tiles.entry_bundles_for_size(700):
        lo = bundle.index * 256
        response = client.get(f"/ledger/{bundle.path}")
        assert response.content == tiles.encode_entry_bundle(data[lo : lo + bundle.width]), bundle.path
    # A partial width of a tile that is now full is the first hashes of it, as it was then.
    assert client.get("/ledger/tile/0/000.p/5").content == tiles.build_tile(tiles.Tile(0, 0, 5), store)


@pytest.mark.parametrize(
    "path",
    [
        "tile/0/003",
        "tile/0/002.p/189",
        "tile/1/000",
        "tile/entries/003",
        "tile/0/1",
        "tile/0/000.p/0",
        "tile/x/000",
    ],
)
def test_tiles_beyond_the_tree_or_not_canonical_are_404(client: Client, log: Grow, path: str) -> None:
    log(700)  # level 0: tiles 0 and 1 full, tile 2 of width 188
    assert client.get(f"/ledger/{path}").status_code == 404


def test_json_proofs_verify_against_the_checkpoint(client: Client, log: Grow) -> None:
    data = log(300)
    log(520)
    leaves = [merkle.leaf_hash(d) for d in log(520)]
    root = merkle.root(leaves)
    got = client.get("/ledger/api/proof/inclusion", {"index": 123}).json()
    assert got["size"] == 520
    proof = [base64.b64decode(h) for h in got["proof"]]
    merkle.verify_inclusion(leaves[123], 123, 520, proof, root)
    assert base64.b64decode(got["leaf_hash"]) == leaves[123]
    checkpoint.open_checkpoint(got["checkpoint"], log_verifier())
    got = client.get("/ledger/api/proof/consistency", {"from": 300, "to": 520}).json()
    merkle.verify_consistency(
        300, 520, [base64.b64decode(h) for h in got["proof"]], merkle.root(leaves[:300]), root
    )
    entry = client.get("/ledger/api/entries/7").json()
    assert base64.b64decode(entry["data"]) == data[7] and entry["kind"] == "test_note"
    assert client.get("/ledger/api/proof/inclusion", {"index": 520}).status_code == 400
    assert client.get("/ledger/api/proof/inclusion", {"index": "x"}).status_code == 400
    assert client.get("/ledger/api/proof/consistency", {"from": 600, "to": 520}).status_code == 400
    assert client.get("/ledger/api/entries/999").status_code == 404


def test_entry_page_shows_the_entry_proof_and_offline_commands(client: Client, log: Grow) -> None:
    log(40)
    page = client.get("/ledger/entries/12/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "日志条目 #12" in html and "zhengyi ledger verify --url" in html and "--entry 12" in html
    assert 'id="ledger-verify-data"' in html and "ledger/verify.js" in html
    index = client.get("/ledger/").content.decode()
    assert "/ledger/entries/39/" in index
    english = client.get("/ledger/entries/12/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Log entry #12" in english


def test_a_witness_cosignature_is_accepted_and_served(
    client: Client, log: Grow, system: Any, settings: Any
) -> None:
    log(30)
    skey, _ = note.generate_key("procuratorate.example/witness")
    signer = cosignature.CosignatureSigner.from_skey(skey, clock=lambda: 1_790_000_000)
    add_witness(actor=system, name=signer.name, vkey=signer.verifier().vkey)
    served = client.get("/ledger/checkpoint").content.decode()
    body_text = served[: served.rfind("\n\n") + 1]
    cosigned = note.sign(note.open(served, [log_verifier()]), signer)
    response = client.post("/ledger/cosign", cosigned, content_type="text/plain")
    assert response.status_code == 200, response.content
    assert Cosignature.objects.count() == 1
    served = client.get("/ledger/checkpoint").content.decode()
    _, opened = checkpoint.open_checkpoint(served, log_verifier(), others=[signer.verifier()])
    assert cosignature.check_policy(opened, [signer.verifier()], 1)
    settings.LEDGER_WITNESSES_REQUIRED = 1
    assert client.get("/ledger/checkpoint/witnessed").status_code == 200
    # A bare cosignature line, for the newest checkpoint, works too.
    line = note.sign(body_text, signer)[len(body_text) + 1 :]
    assert client.post("/ledger/cosign", line, content_type="text/plain").status_code == 200


def test_bad_or_foreign_cosignatures_are_refused(client: Client, log: Grow, system: Any) -> None:
    log(30)
    skey, _ = note.generate_key("newspaper.example/witness")
    signer = cosignature.CosignatureSigner.from_skey(skey)
    served = client.get("/ledger/checkpoint").content.decode()
    cosigned = note.sign(note.open(served, [log_verifier()]), signer)
    # Not a configured witness.
    response = client.post("/ledger/cosign", cosigned, content_type="text/plain")
    assert response.status_code == 400 and "no cosignature by a configured" in response.content.decode()
    add_witness(actor=system, name=signer.name, vkey=signer.verifier().vkey)
    # A forged signature by the configured witness.
    line = cosigned.rstrip("\n").rsplit("\n", 1)[1]
    raw = bytearray(base64.b64decode(line.split(" ")[-1]))
    raw[-1] ^= 1
    forged = cosigned.replace(line.split(" ")[-1], base64.b64encode(bytes(raw)).decode())
    assert client.post("/ledger/cosign", forged, content_type="text/plain").status_code == 400
    # A checkpoint this log never signed.
    other = checkpoint.Checkpoint(log_verifier().name, 31, b"\x00" * 32).body()
    fake = note.sign(other, signer)
    response = client.post("/ledger/cosign", fake, content_type="text/plain")
    assert response.status_code == 400 and "signed no such checkpoint" in response.content.decode()
    assert Cosignature.objects.count() == 0


def test_keys_json_lists_keys_and_witness_policy(client: Client, log: Grow) -> None:
    log(3)
    data = json.loads(client.get("/ledger/keys").content)
    assert data["keys"][0]["vkey"] == log_verifier().vkey and data["keys"][0]["status"] == "current"
    assert data["witnesses_required"] == 0


def test_standard_page_links_to_its_log_entry(
    client_for: Any, personas: dict[str, Any], stations: dict[str, Any]
) -> None:
    from zhengyi.alerts.services.standards import default_rules, publish_standard

    standard = publish_standard(actor=personas["head"], station=stations["FT"], rules=default_rules())
    (entry,) = ledger.entries_for(standard)
    page = client_for("head").get(f"/alerts/standards/{standard.pk}/")
    assert page.status_code == 200
    assert f"/ledger/entries/{entry.index}/" in page.content.decode()
