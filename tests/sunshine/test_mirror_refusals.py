"""A portal bundle that was tampered with is refused on the internet side, saying which item and
why, and changes nothing there — the ledger part included (one transaction)."""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from .mirror_support import Mirror
from .test_mirror_deploy import export, imported, log_key, main_of

pytestmark = pytest.mark.django_db

Edit = Callable[[dict[str, Any]], None]


def rewrite(
    src: Path,
    out: Path,
    *,
    portal: Edit | None = None,
    ledger: Callable[[list[str]], None] | None = None,
    sign: bool = True,
) -> Path:
    """A copy of ``src`` with its rows or its ledger lines edited, the manifest's digests made to
    match again and — unless ``sign`` is false — signed again with the log's key, as a police
    side that got something wrong would; so the refusal comes from the checks against the log,
    not from the digest or the signature."""
    from zhengyi.ledger import note
    from zhengyi.ledger.services.keys import current_signer
    from zhengyi.sunshine.services.portal_export import manifest_note

    with zipfile.ZipFile(src) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        doc = json.loads(zf.read("portal.json"))
        lines = zf.read("ledger.jsonl").decode().splitlines()
        signature = zf.read("manifest.sig").decode()
    if portal is not None:
        portal(doc)
    if ledger is not None:
        ledger(lines)
    members = {
        "portal.json": json.dumps(doc, ensure_ascii=False).encode(),
        "ledger.jsonl": ("\n".join(lines) + "\n").encode(),
    }
    manifest["sha256"] = {k: hashlib.sha256(v).hexdigest() for k, v in members.items()}
    manifest_bytes = json.dumps(manifest).encode()
    if sign:
        signature = note.sign(manifest_note(manifest["origin"], manifest_bytes), current_signer())
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("manifest.json", manifest_bytes)
        zf.writestr("manifest.sig", signature)
        for name, data in members.items():
            zf.writestr(name, data)
    return out


def pub(doc: dict[str, Any], number: str) -> dict[str, Any]:
    return next(p for p in doc["publications"] if p["number"] == number)


def test_tampered_bundles_are_refused_and_change_nothing(
    police_content: dict[str, Any], mirror: Mirror, tmp_path: Path
) -> None:
    from zhengyi.ledger.entries import text_digest
    from zhengyi.sunshine.services import publishing

    notice = police_content["notice"].publication.number
    withdrawn = police_content["withdrawn"].publication.number
    first = export(tmp_path / "p1.zip")
    imported(mirror, first)
    # The police side moves on: a timeline step, so later bundles carry new entries too.
    key = police_content["key"].publication
    publishing.add_progress(
        actor=police_content["key"].reviewer,
        publication=key,
        on=key.first_published_at.date(),
        text="嫌疑人已被起诉。",
    )
    second = export(tmp_path / "p2.zip")

    def changed_text(doc: dict[str, Any]) -> None:
        v = pub(doc, notice)["versions"][0]
        v["text"] = v["text"].replace("抓获", "放走")
        v["text_sha256"] = text_digest(v["text"])

    def dropped_version(doc: dict[str, Any]) -> None:
        pub(doc, notice)["versions"].pop(0)

    def unwithdrawn(doc: dict[str, Any]) -> None:
        pub(doc, withdrawn)["withdrawal"] = None

    def small_count(doc: dict[str, Any]) -> None:
        year, month = police_content["last_month"]
        table = next(
            s for s in doc["summaries"] if (s["station"], s["year"], s["month"]) == ("FT", year, month)
        )
        table["grid"] = [[v.replace("<5", "2").replace("*", "7") for v in line] for line in table["grid"]]

    def more_alerts(doc: dict[str, Any]) -> None:  # still well suppressed: only a signature tells
        year, month = police_content["last_month"]
        table = next(
            s for s in doc["summaries"] if (s["station"], s["year"], s["month"]) == ("FT", year, month)
        )
        grid = [[str(int(v) * 10) if v.isdigit() else v for v in line] for line in table["grid"]]
        assert grid != table["grid"]
        table["grid"] = grid

    def leaked_contact(doc: dict[str, Any]) -> None:
        doc["feedback"][0]["contact"] = "13900001111"

    def reply_changed(doc: dict[str, Any]) -> None:
        doc["feedback"][0]["reply"] = "不予处理。"

    def forged_entry(lines: list[str]) -> None:
        record = json.loads(lines[2])
        record["e"] = __import__("base64").b64encode(b'{"forged":1}').decode()
        lines[2] = json.dumps(record)

    cases: list[tuple[str, Path, list[str]]] = [
        (
            "changed text",
            rewrite(second, tmp_path / "t1.zip", portal=changed_text),
            [notice, "v1", "ledger entry", "text_sha256"],
        ),
        (
            "dropped version",
            rewrite(second, tmp_path / "t2.zip", portal=dropped_version),
            [notice, "v1", "drops this version"],
        ),
        (
            "un-withdrawn",
            rewrite(second, tmp_path / "t3.zip", portal=unwithdrawn),
            [withdrawn, "un-withdraws"],
        ),
        (
            "small count",
            rewrite(second, tmp_path / "t4.zip", portal=small_count),
            ["summary FT", "shows 2, below 5"],
        ),
        (
            "contact",
            rewrite(second, tmp_path / "t5.zip", portal=leaked_contact),
            ["carries fields the portal never shows", "contact"],
        ),
        ("reply", rewrite(second, tmp_path / "t6.zip", portal=reply_changed), ["reply_sha256", "changed"]),
        ("ledger", rewrite(second, tmp_path / "t7.zip", ledger=forged_entry), ["the ledger part is refused"]),
        (
            "forged table",
            rewrite(second, tmp_path / "t8.zip", portal=more_alerts, sign=False),
            ["not the one its signature covers"],
        ),
    ]
    watched = [
        {"count": m}
        for m in (
            "ledger.Entry",
            "ledger.Checkpoint",
            "sunshine.Publication",
            "sunshine.PublicationVersion",
            "sunshine.ProgressEntry",
            "sunshine.Withdrawal",
            "sunshine.Feedback",
            "sunshine.PublishedSummary",
            "core.ObjectChange",
        )
    ] + [{"get": "/public/"}, {"get": f"/public/p/FT/{notice}/"}]
    # All in one process of the mirror (starting Django is most of the cost).
    damaged = tmp_path / "damaged.zip"  # a changed byte the manifest does not vouch for
    with zipfile.ZipFile(second) as zf, zipfile.ZipFile(damaged, "w") as out:
        for item in zf.namelist():
            data = zf.read(item)
            if item == "portal.json":
                data = data.replace("嫌疑人已被起诉".encode(), "嫌疑人已被释放".encode())
            out.writestr(item, data)
    cases.append(("damaged", damaged, ["does not match its manifest"]))
    answers = mirror.requests(
        [*watched, *[{"command": ["sunshine", "import", str(path)]} for _n, path, _e in cases], *watched]
    )
    before, refused, after = (
        answers[: len(watched)],
        answers[len(watched) : -len(watched)],
        answers[-len(watched) :],
    )
    for (name, _path, expected), done in zip(cases, refused, strict=True):
        assert done["returncode"] == 1, name
        assert "nothing imported" in done["stderr"], (name, done["stderr"])
        for text in expected:
            assert text in done["stderr"], (name, text, done["stderr"])
    assert after[:-2] == before[:-2]
    assert [main_of(p["body"]) for p in after[-2:]] == [main_of(p["body"]) for p in before[-2:]]

    # The untouched bundle goes in.
    done = mirror.import_bundle(second)
    assert done.returncode == 0 and "1 timeline step(s)" in done.stdout, done.stderr
    assert "嫌疑人已被起诉。" in mirror.requests([{"get": f"/public/p/FT/{key.number}/"}])[0]["body"]
    # And an older bundle after it is refused (the log may not shrink), changing nothing.
    done = mirror.import_bundle(first, "--trust-key", log_key())
    assert done.returncode == 1 and "already holds" in done.stderr, done.stderr
