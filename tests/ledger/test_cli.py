"""`zhengyi ledger`: the verifier (HTTP and bundles), export/import, key rotation, witnesses."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.test import Client

from zhengyi.ledger import keys, note, storage, verifier
from zhengyi.ledger.models import Checkpoint, Cosignature, Entry, EntrySalt, LogHead, LogKey, Tile, Witness
from zhengyi.ledger.services import log as ledger

from .conftest import add_entries, stored_data

pytestmark = pytest.mark.django_db

Grow = Callable[[int], list[bytes]]
URL = "http://station.example"


@pytest.fixture
def over_http(monkeypatch: pytest.MonkeyPatch) -> Client:
    """Route the verifier's HTTP requests to the test client."""
    client = Client()

    def fetch(url: str) -> bytes:
        response = client.get(urlsplit(url).path)
        if response.status_code != 200:
            raise LookupError(f"GET {url}: HTTP {response.status_code}")
        return bytes(response.content)

    monkeypatch.setattr(verifier, "http_fetch", fetch)
    return client


def run(*args: str) -> tuple[int, str, str]:
    """Run `zhengyi ledger …`; returns (exit code, stdout, stderr)."""
    from io import StringIO

    out, err = StringIO(), StringIO()
    try:
        call_command("ledger", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def vkey() -> str:
    return keys.load_signer(create=False).vkey


def test_verify_over_http_remembers_and_checks_consistency(
    log: Grow, over_http: Client, tmp_path: Path
) -> None:
    log(300)
    state = str(tmp_path / "state.json")
    code, out, _ = run(
        "verify", "--url", URL, "--key", vkey(), "--state", state, "--entry", "0", "--entry", "299"
    )
    assert code == 0, out
    assert "检查点签名有效" in out and "entry 0 is included" in out and "entry 299 is included" in out
    log(700)
    code, out, _ = run("verify", "--url", URL, "--state", state, "--entry", "650")
    assert code == 0 and "consistent with the checkpoint seen before (size 300 → 700)" in out
    assert (
        json.loads(Path(state).read_text())["logs"][keys.load_signer().name]["checkpoint"].split("\n")[1]
        == "700"
    )


def test_verify_over_http_refuses_a_rolled_back_or_forked_log(
    log: Grow, over_http: Client, tmp_path: Path
) -> None:
    log(300)
    state = str(tmp_path / "state.json")
    assert run("verify", "--url", URL, "--key", vkey(), "--state", state)[0] == 0
    # The server's database goes back to 200 entries and grows a different history.
    Checkpoint.objects.all().delete()
    Entry.objects.filter(index__gte=200).delete()
    Tile.objects.all().delete()  # 200 entries fill no tile
    storage.forget()
    add_entries(50, start=1000)  # other content from index 200 on
    ledger.sign_checkpoint()
    code, _, err = run("verify", "--url", URL, "--state", state)
    assert code == 1 and "the log shrank: you saw 300 entries before, now it claims 250" in err
    add_entries(100, start=2000)
    ledger.sign_checkpoint()
    code, _, err = run("verify", "--url", URL, "--state", state)
    assert code == 1 and "not consistent with the checkpoint you saw before (size 300)" in err


def test_verify_refuses_an_unknown_key(log: Grow, over_http: Client, tmp_path: Path) -> None:
    log(10)
    _, other = note.generate_key(keys.load_signer().name)
    code, _, err = run("verify", "--url", URL, "--key", other, "--state", str(tmp_path / "s.json"))
    assert code == 1 and "not signed by a known log key" in err


def test_witness_policy_k_of_n(log: Grow, over_http: Client, tmp_path: Path, settings: Any) -> None:
    log(20)
    wkey = tmp_path / "witness.key"
    code, wvkey, _ = run("witness", "keygen", "newspaper.example/w", "--out", str(wkey))
    wvkey = wvkey.strip()
    assert code == 0 and run("witness", "add", "newspaper.example/w", wvkey)[0] == 0
    state = str(tmp_path / "v.json")
    args = ["verify", "--url", URL, "--key", vkey(), "--state", state, "--witness", wvkey]
    code, _, err = run(*args, "--witnesses-required", "1")
    assert code == 1 and "witness policy not met" in err and "newspaper.example/w" in err
    # The witness checks the log (consistency with what it saw), cosigns and hands it in.
    code, out, _ = run("cosign", "--witness-key", str(wkey), "--state", str(tmp_path / "w.json"), "--submit")
    assert code == 0, out
    assert Cosignature.objects.count() == 1
    code, out, _ = run(*args, "--witnesses-required", "1")
    assert code == 0 and "witnesses: newspaper.example/w" in out
    # 2 of 1 cannot be met.
    code, _, err = run(*args, "--witnesses-required", "2")
    assert code == 1 and "cannot be met" in err


def wipe_ledger() -> None:
    """A fresh, empty database on the public side."""
    Cosignature.objects.all().delete()
    Checkpoint.objects.all().delete()
    EntrySalt.objects.all().delete()
    Entry.objects.all().delete()
    Tile.objects.all().delete()
    LogHead.objects.all().delete()
    LogKey.objects.all().delete()
    Witness.objects.all().delete()
    storage.forget()
    storage.clear_caches()


def test_export_import_round_trip_and_refusals(log: Grow, tmp_path: Path, settings: Any) -> None:
    first = log(300)
    b1, b2, forged, gap = (tmp_path / n for n in ("b1.jsonl", "b2.jsonl", "forged.jsonl", "gap.jsonl"))
    assert run("export", "--out", str(b1))[0] == 0
    everything = log(650)
    root = storage.tree_root()
    assert run("export", "--out", str(b2), "--since", "300")[0] == 0
    # An offline verifier checks a bundle on its own.
    code, out, _ = run("verify", "--bundle", str(b1), "--key", vkey(), "--state", str(tmp_path / "v.json"))
    assert code == 0, out
    code, out, err = run("verify", "--bundle", str(b2), "--state", str(tmp_path / "v.json"), "--entry", "640")
    assert code == 0, err
    assert "(size 300 → 650)" in out and "entry 640 is included" in out
    # A tampered entry in a bundle.
    lines = b2.read_text().splitlines()
    record = json.loads(lines[5])
    record["e"] = __import__("base64").b64encode(b"tampered").decode()
    forged.write_text("\n".join([*lines[:5], json.dumps(record), *lines[6:]]) + "\n")
    log_key = vkey()

    wipe_ledger()
    settings.LEDGER_ROLE = "mirror"
    code, _, err = run("import", str(b2), "--trust-key", log_key)
    assert code == 1 and "starts at entry 300, this mirror holds only 0" in err
    assert run("import", str(b1), "--trust-key", log_key)[0] == 0
    assert stored_data() == first
    code, _, err = run("import", str(forged))
    assert code == 1 and "nothing imported" in err
    assert storage.read_head().size == 300
    code, out, _ = run("import", str(b2))
    assert code == 0, out
    assert stored_data() == everything and storage.tree_root() == root
    assert Checkpoint.objects.order_by("-size").first().size == 650  # type: ignore[union-attr]
    # The mirror passes its own start-up check, and refuses a bundle that is now behind it.
    code, out, _ = run("verify")
    assert code == 0, out
    code, _, err = run("import", str(b1))
    assert code == 1 and "already holds 650" in err
    gap.write_text(b2.read_text().replace('"since": 300', '"since": 301', 1))
    assert run("import", str(gap))[0] == 1


def test_import_refuses_an_untrusted_or_forked_bundle(log: Grow, tmp_path: Path, settings: Any) -> None:
    log(100)
    bundle = tmp_path / "b.jsonl"
    run("export", "--out", str(bundle))
    wipe_ledger()
    settings.LEDGER_ROLE = "mirror"
    code, _, err = run("import", str(bundle))
    assert code == 1 and "trusts no log key" in err
    _, stranger = note.generate_key("someone.else/ledger")
    code, _, err = run("import", str(bundle), "--trust-key", stranger)
    assert code == 1 and "not signed by a known log key" in err
    assert Entry.objects.count() == 0


def test_only_a_mirror_imports(log: Grow, tmp_path: Path) -> None:
    log(5)
    bundle = tmp_path / "b.jsonl"
    run("export", "--out", str(bundle))
    code, _, err = run("import", str(bundle))
    assert code == 1 and "only a mirror imports" in err


def test_key_rotation_keeps_the_log_verifiable(log: Grow, over_http: Client, tmp_path: Path) -> None:
    log(50)
    old = vkey()
    state = str(tmp_path / "v.json")
    assert run("verify", "--url", URL, "--key", old, "--state", state)[0] == 0
    code, out, _ = run("key", "rotate")
    assert code == 0 and "rotated" in out
    new = vkey()
    assert new != old and new.split("+")[0] == old.split("+")[0]
    assert list(keys.ledger_dir().glob("ledger.key.retired-*"))
    transition = LogKey.objects.get(vkey=new).transition
    opened = note.open(transition, [note.Verifier.from_vkey(old), note.Verifier.from_vkey(new)])
    assert len(opened.sigs) == 2  # the transition checkpoint carries both signatures
    log(80)
    # A verifier that knew only the old key learns the new one through the transition.
    code, out, _ = run("verify", "--url", URL, "--state", state, "--entry", "79")
    assert code == 0 and "learnt the log's new key" in out, out
    assert run("verify", "--full")[0] == 0
    assert LogKey.objects.get(vkey=old).status == LogKey.Status.RETIRED


def test_status_and_sign(log: Grow) -> None:
    log(3)
    add_entries(2, start=3)
    code, out, _ = run("sign")
    assert code == 0 and "signed checkpoint 5" in out
    assert "already covers" in run("sign")[1]
    code, out, _ = run("status")
    assert "entries: 5" in out and "checkpoint: 5" in out


def test_verify_local_entries(log: Grow, tmp_path: Path) -> None:
    log(40)
    code, out, _ = run("verify", "--entry", "3", "--entry", "39", "--state", str(tmp_path / "v.json"))
    assert code == 0, out
    assert "启动校验 start-up check: 40 entries" in out and "entry 39 is included" in out
    code, _, err = run("verify", "--entry", "40", "--state", str(tmp_path / "v.json"))
    assert code == 1 and "entry 40 is not in the tree of size 40" in err


def test_the_installations_policy_applies_by_default(
    log: Grow, over_http: Client, tmp_path: Path, settings: Any
) -> None:
    log(10)
    wkey = tmp_path / "w.key"
    wvkey = run("witness", "keygen", "court.example/w", "--out", str(wkey))[1].strip()
    run("witness", "add", "court.example/w", wvkey)
    settings.LEDGER_WITNESSES_REQUIRED = 1
    state = str(tmp_path / "v.json")
    code, _, err = run("verify", "--url", URL, "--key", vkey(), "--state", state)
    assert code == 1 and "witness policy not met" in err
    assert run("cosign", "--witness-key", str(wkey), "--state", str(tmp_path / "w.json"), "--submit")[0] == 0
    code, out, _ = run("verify", "--url", URL, "--key", vkey(), "--state", state)
    assert code == 0 and "witnesses: court.example/w" in out


def test_a_mirror_with_a_witness_policy_refuses_an_unwitnessed_bundle(
    log: Grow, tmp_path: Path, settings: Any
) -> None:
    log(10)
    bundle = tmp_path / "b.jsonl"
    run("export", "--out", str(bundle))
    log_key = vkey()
    wipe_ledger()
    settings.LEDGER_ROLE = "mirror"
    _, wvkey = note.generate_key("court.example/w")
    run("witness", "add", "court.example/w", cosignature_vkey(wvkey))
    settings.LEDGER_WITNESSES_REQUIRED = 1
    code, _, err = run("import", str(bundle), "--trust-key", log_key)
    assert code == 1 and "witness policy not met" in err
    assert Entry.objects.count() == 0


def cosignature_vkey(vkey: str) -> str:
    from zhengyi.ledger import cosignature

    return cosignature.CosignatureVerifier.from_vkey(vkey).vkey
