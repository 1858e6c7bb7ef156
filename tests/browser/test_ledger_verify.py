"""The ledger's in-browser verifier (static/ledger/verify.js) in a real Chromium: it accepts a
genuine entry's inclusion proof and checkpoint signature, and rejects a tampered entry."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.db import transaction

from tests.browser.conftest import watch_errors
from zhengyi.ledger import entries, keys, note, storage
from zhengyi.ledger.services import log as ledger

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("browser"),
]

KIND = "browser_test_note"


def _key_with_plus(wanted: bool) -> str:
    """A log key whose base64 part does (or does not) contain "+": vkeys are name+id+key, and
    a verifier that splits at every "+" misreads such a key (the bug this test first caught)."""
    while True:
        skey, vkey = note.generate_key(settings.LEDGER_ORIGIN)
        if ("+" in vkey.split("+", 2)[2]) == wanted:
            return skey


@pytest.fixture(params=[True, False], ids=["key-with-plus", "key-without-plus"])
def logged(request: Any, transactional_db: Any) -> Iterator[int]:
    storage.forget()
    storage.clear_caches()
    keys.write_secret(keys.key_path(), _key_with_plus(request.param) + "\n")
    entries.KINDS[KIND] = entries.Kind(KIND, "a test entry", public=("n", "text"))
    with transaction.atomic():
        ledger.append_many([ledger.EntryInput(KIND, {"n": i, "text": f"通报 {i}"}) for i in range(7)])
    yield 7
    entries.KINDS.pop(KIND, None)
    storage.forget()
    storage.clear_caches()


def _verify(page: Any) -> tuple[str, str]:
    page.click("#ledger-verify-button")
    page.wait_for_selector("#ledger-verify-result.ok, #ledger-verify-result.bad")
    result = page.locator("#ledger-verify-result")
    return result.get_attribute("class") or "", result.inner_text()


def test_the_browser_verifies_an_entry_and_catches_a_tampered_one(
    live_server: Any, logged: int, browser_context: Any
) -> None:
    page = browser_context.new_page()
    errors = watch_errors(page)
    page.goto(f"{live_server.url}/ledger/entries/5/")

    css, text = _verify(page)
    assert "ok" in css.split(), text
    assert "✓" in text and "✗" not in text
    assert "签名有效" in text  # Chromium has Ed25519 in WebCrypto: the signature is checked too

    # Change one character of the entry the page carries: the recomputed root no longer
    # matches the signed checkpoint.
    page.evaluate(
        """() => {
            const holder = document.getElementById("ledger-verify-data");
            const data = JSON.parse(holder.textContent);
            const bytes = atob(data.entry);
            if (!bytes.includes('"n":5')) throw new Error("entry 5 not on the page");
            data.entry = btoa(bytes.replace('"n":5', '"n":6'));
            holder.textContent = JSON.stringify(data);
        }"""
    )
    css, text = _verify(page)
    assert "bad" in css.split(), text
    assert "✗" in text

    # A checkpoint whose signature line was altered fails the signature check.
    page.reload()
    page.evaluate(
        """() => {
            const holder = document.getElementById("ledger-verify-data");
            const data = JSON.parse(holder.textContent);
            const lines = data.checkpoint.split("\\n");
            const sig = lines.findIndex((l) => l.startsWith("\\u2014 "));
            const parts = lines[sig].split(" ");
            const raw = atob(parts[2]);
            const flipped = raw.slice(0, 10) + String.fromCharCode(raw.charCodeAt(10) ^ 1) + raw.slice(11);
            parts[2] = btoa(flipped);
            lines[sig] = parts.join(" ");
            data.checkpoint = lines.join("\\n");
            holder.textContent = JSON.stringify(data);
        }"""
    )
    css, text = _verify(page)
    assert "bad" in css.split(), text
    assert "签名无效" in text
    assert not errors, errors


def test_the_entry_page_carries_the_entry_bytes_the_log_holds(live_server: Any, logged: int) -> None:
    from django.test import Client

    page = Client().get("/ledger/entries/2/")
    assert page.status_code == 200
    html = page.content.decode()
    start = html.index('id="ledger-verify-data"')
    blob = html[html.index(">", start) + 1 : html.index("</script>", start)]
    data = json.loads(blob)
    assert base64.b64decode(data["entry"]) == storage.entry_data(2, 3)[0]
