"""The checks the internet side runs on a portal bundle's rows (pure: no database), and the
relay file's validation."""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path
from typing import Any

import pytest

from zhengyi.ledger.entries import text_digest
from zhengyi.sunshine import portal_rows, suppression


def _doc() -> dict[str, Any]:
    v1 = {
        "version": 1,
        "title": "标题",
        "text": "正文一",
        "correction_note": "",
        "published_at": "2026-01-02T03:04:05+00:00",
        "text_sha256": text_digest("正文一"),
        "ledger_index": 0,
    }
    v2 = {
        **v1,
        "version": 2,
        "text": "正文二",
        "text_sha256": text_digest("正文二"),
        "correction_note": "更正",
        "ledger_index": 1,
    }
    return {
        "threshold": 5,
        "stations": [
            {
                "code": "FT",
                "name": "福田派出所",
                "name_en": "",
                "bureau": {"code": "B", "name": "福田分局", "name_en": "", "kind": "sub_bureau"},
            }
        ],
        "publications": [
            {
                "station": "FT",
                "number": "FT-2026-0001",
                "kind": "key_case",
                "first_published_at": "2026-01-02T03:04:05+00:00",
                "current": 2,
                "versions": [v1, v2],
                "withdrawal": {
                    "reason": "撤回原因",
                    "withdrawn_at": "2026-01-05T00:00:00+00:00",
                    "ledger_index": 3,
                },
                "progress": [{"seq": 1, "on": "2026-01-03", "text": "进展", "ledger_index": 2}],
            }
        ],
        "feedback": [
            {
                "station": "FT",
                "number": "FT-LY2026-00001",
                "submitted_at": "2026-01-01T00:00:00+00:00",
                "moderated_at": "2026-01-02T00:00:00+00:00",
                "subject": "主题",
                "message": "留言内容",
                "reply": "答复",
                "replied_by_name": "福田派出所",
                "ledger_index": 4,
            }
        ],
        "received_refs": [],
        "summaries": [],
        "lookups": [],
    }


def _log(doc: dict[str, Any]) -> dict[int, dict[str, Any]]:
    """The entries the police side would have logged for ``doc``."""
    pub = doc["publications"][0]
    base = {"station": "FT", "number": pub["number"], "category": pub["kind"]}
    fb = doc["feedback"][0]
    return {
        0: {
            "kind": "publication",
            **base,
            "version": 1,
            "title_sha256": text_digest("标题"),
            "text_sha256": text_digest("正文一"),
        },
        1: {
            "kind": "publication",
            **base,
            "version": 2,
            "title_sha256": text_digest("标题"),
            "text_sha256": text_digest("正文二"),
            "corrects": 1,
        },
        2: {
            "kind": "publication",
            **base,
            "version": 1,
            "title_sha256": text_digest("标题"),
            "text_sha256": text_digest("进展"),
            "step": 1,
            "step_on": "2026-01-03",
        },
        3: {
            "kind": "publication_withdrawal",
            "station": "FT",
            "number": pub["number"],
            "version": 2,
            "reason_sha256": text_digest("撤回原因"),
        },
        4: {
            "kind": "feedback_reply",
            "station": "FT",
            "number": fb["number"],
            "message_sha256": text_digest("主题\n留言内容"),
            "reply_sha256": text_digest("答复"),
        },
    }


def test_a_faithful_doc_passes() -> None:
    doc = _doc()
    assert portal_rows.check_shape(doc) == []
    assert portal_rows.check_against_log(doc, _log(doc).get) == []
    assert portal_rows.check_append_only(doc, doc) == []


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            lambda d: d["feedback"][0].update(contact="139"),
            "carries fields the portal never shows: ['contact']",
        ),
        (
            lambda d: d["publications"][0]["versions"][0].update(party_names="张三"),
            "never shows: ['party_names']",
        ),
        (lambda d: d["publications"][0]["versions"][0].pop("title"), "lacks ['title']"),
        (lambda d: d["publications"][0].update(current=True), "current has the wrong type"),
        (lambda d: d["publications"][0]["versions"][0].update(published_at="yesterday"), "not an ISO date"),
        (
            lambda d: d["publications"][0]["versions"][0].update(published_at="2026-01-02T03:04:05"),
            "no time zone",
        ),
        (lambda d: d.update(extra=[]), "never shows: ['extra']"),
    ],
)
def test_shape_is_exact(edit: Any, expected: str) -> None:
    doc = _doc()
    edit(doc)
    assert any(expected in p for p in portal_rows.check_shape(doc)), portal_rows.check_shape(doc)


def test_each_row_is_checked_against_its_entry() -> None:
    doc = _doc()
    log = _log(doc)

    def problems(edit: Any, log: dict[int, Any] = log) -> list[str]:
        d = copy.deepcopy(doc)
        edit(d)
        return portal_rows.check_against_log(d, log.get)

    def retext(d: dict[str, Any]) -> None:
        v = d["publications"][0]["versions"][0]
        v["text"], v["text_sha256"] = "改过的正文", text_digest("改过的正文")

    assert "does not match ledger entry 0 (text_sha256)" in problems(retext)[0]
    assert "FT-2026-0001 v1" in problems(retext)[0]
    bad_digest = problems(lambda d: d["publications"][0]["versions"][0].update(text_sha256="0" * 64))
    assert "text_sha256 is not the text's digest" in bad_digest[0]
    assert "title_sha256" in problems(lambda d: d["publications"][0]["versions"][1].update(title="新标题"))[0]
    assert (
        "not publication" in problems(lambda d: d["publications"][0]["versions"][0].update(ledger_index=3))[0]
    )
    assert "is a timeline step" in " ".join(
        problems(lambda d: d["publications"][0]["versions"][0].update(ledger_index=2))
    )
    assert (
        "is not in the log"
        in problems(lambda d: d["publications"][0]["versions"][0].update(ledger_index=99))[0]
    )
    assert "step_on" in problems(lambda d: d["publications"][0]["progress"][0].update(on="2026-01-04"))[0]
    assert (
        "reason_sha256"
        in problems(lambda d: d["publications"][0]["withdrawal"].update(reason="另一个原因"))[0]
    )
    assert "reply_sha256" in problems(lambda d: d["feedback"][0].update(reply="不同的答复"))[0]
    assert "message_sha256" in problems(lambda d: d["feedback"][0].update(message="改过"))[0]
    assert "category" in problems(lambda d: d["publications"][0].update(kind="notice"))[0]
    assert "station" in problems(lambda d: d["feedback"][0].update(station="LH"))[0]
    assert (
        "the current one is not the newest" in problems(lambda d: d["publications"][0].update(current=1))[0]
    )


def test_append_only() -> None:
    held = _doc()

    def problems(edit: Any) -> list[str]:
        new = copy.deepcopy(held)
        edit(new)
        return portal_rows.check_append_only(held, new)

    assert "drops this version" in problems(lambda d: d["publications"][0]["versions"].pop(0))[0]
    assert (
        "published version changed (text"
        in problems(lambda d: d["publications"][0]["versions"][0].update(text="x"))[0]
    )
    assert "un-withdraws" in problems(lambda d: d["publications"][0].update(withdrawal=None))[0]
    assert (
        "withdrawal changed" in problems(lambda d: d["publications"][0]["withdrawal"].update(reason="x"))[0]
    )
    assert "timeline step was dropped" in problems(lambda d: d["publications"][0].update(progress=[]))[0]
    assert "the bundle drops it" in problems(lambda d: d.update(publications=[]))[0]
    assert "the bundle drops it" in problems(lambda d: d.update(feedback=[]))[0]
    assert "reply changed" in problems(lambda d: d["feedback"][0].update(reply="x"))[0]
    # Additions are what a bundle is for.
    grown = copy.deepcopy(held)
    v3 = {**grown["publications"][0]["versions"][1], "version": 3, "ledger_index": 9}
    grown["publications"][0]["versions"].append(v3)
    grown["publications"][0]["current"] = 3
    grown["publications"][0]["progress"].append(
        {"seq": 2, "on": "2026-01-09", "text": "新进展", "ledger_index": 8}
    )
    assert portal_rows.check_append_only(held, grown) == []


def test_every_suppressed_table_passes_the_shown_audit() -> None:
    """What the police side publishes is never refused (the two rules agree), and reads back."""
    rng = random.Random(20261129)
    for _i in range(60):
        nr, nc = rng.randint(1, 4), rng.randint(1, 5)
        rows, cols = [f"r{i}" for i in range(nr)], [f"c{j}" for j in range(nc)]
        counts = {(r, c): rng.choice([0, 0, 1, 2, 3, 4, 5, 7, 12, 30]) for r in rows for c in cols}
        table = suppression.suppress(counts, rows, cols, threshold=5)
        grid = table.grid()
        assert suppression.audit_shown(grid, 5) == [], grid
        assert suppression.table_from_shown(rows, cols, grid, 5).grid() == grid


@pytest.mark.parametrize(
    ("grid", "expected"),
    [
        ([["3", "7", "10"], ["3", "7", "10"]], "shows 3, below 5"),
        ([["<5", "7", "12"], ["<5", "7", "12"]], "only hidden entry of its line"),
        ([["5", "7", "13"], ["5", "7", "13"]], "does not add up"),
        ([["five", "7", "12"], ["5", "7", "12"]], "is not a number"),
        ([["05", "7", "12"], ["05", "7", "12"]], "is not a number"),
        # Each line hides two numbers, yet together they pin the first one to 3.
        (
            [["<5", "*", "10", "13"], ["*", "*", "8", "18"], ["13", "0", "18", "31"]],
            "row 1, column 1 (<5) can be worked out",
        ),
    ],
)
def test_shown_audit_refuses(grid: list[list[str]], expected: str) -> None:
    assert any(expected in p for p in suppression.audit_shown(grid, 5)), suppression.audit_shown(grid, 5)


def test_summaries_and_lookups() -> None:
    doc = _doc()
    grid = [["<5", "*", "9"], ["*", "*", "9"]]  # one zone: every line hides two numbers or none
    doc["summaries"] = [
        {
            "station": "FT",
            "year": 2026,
            "month": 10,
            "threshold": 5,
            "rows": ["片区"],
            "columns": ["a", "b"],
            "grid": grid,
        }
    ]
    assert portal_rows.check_summaries(doc, 5) == []
    assert "below this deployment's" in portal_rows.check_summaries(doc, 10)[0]
    doc["summaries"][0]["grid"] = [["<5", "9"], ["*", "9"]]
    assert "size does not match" in portal_rows.check_summaries(doc, 5)[0]
    good_hash = "sha256$" + "ab" * 16 + "$" + "cd" * 32
    row = {
        "number": "FT-2026-XS-00001",
        "lookup_hash": good_hash,
        "kind": "criminal",
        "stage": "filed",
        "handling_unit": "福田派出所",
        "steps": [["received", "2026-01-01"], ["filed", "2026-01-02"]],
    }
    doc["lookups"] = [row]

    def check(d: dict[str, Any]) -> list[str]:
        return portal_rows.check_lookups(
            d,
            kinds=["criminal", "administrative"],
            stages=["received", "filed"],
            hash_ok=lambda h: h == good_hash,
        )

    assert check(doc) == []
    assert "unknown kind or stage" in check({**doc, "lookups": [{**row, "stage": "secret"}]})[0]
    assert "salted SHA-256" in check({**doc, "lookups": [{**row, "lookup_hash": "ZYJX-FTAB-DEMQ-CASE"}]})[0]
    assert "[stage, YYYY-MM-DD]" in check({**doc, "lookups": [{**row, "steps": [["filed", "soon"]]}]})[0]
    assert "repeated" in check({**doc, "lookups": [row, row]})[0]


@pytest.mark.django_db
def test_relay_file_is_validated_and_filed_once(stations: dict[str, Any], tmp_path: Path) -> None:
    from zhengyi.sunshine.models import Feedback
    from zhengyi.sunshine.services import relay

    message = {
        "ref": "a" * 32,
        "station": "FT",
        "subject": "主题",
        "message": "留言内容五个字",
        "contact": "13900009999",
        "submitted_at": "2026-01-01T00:00:00+00:00",
    }
    path = tmp_path / "fb.json"

    def write(*messages: dict[str, Any], **top: Any) -> Path:
        path.write_text(json.dumps({"format": relay.FORMAT, "version": 1, "messages": list(messages), **top}))
        return path

    for bad, expected in [
        ({**message, "ref": "1"}, "invalid reference"),
        ({**message, "submitted_at": "2026-01-01"}, "invalid time"),
        ({**message, "extra": "x"}, "malformed"),
        ({**message, "ref": "b" * 32, "station": "XX"}, "no such station"),
        ({**message, "ref": "b" * 32, "message": "短"}, "5 至 2000"),
    ]:
        with pytest.raises(relay.RelayError, match=expected):
            relay.import_feedback(write(message, bad))
        assert Feedback.objects.count() == 0  # all or nothing
    with pytest.raises(relay.RelayError, match="not a portal feedback file"):
        relay.import_feedback(write(message, format="other"))
    first = relay.import_feedback(write(message))
    again = relay.import_feedback(write(message))
    assert (first.created, again.created, again.already) == (1, 0, 1)
    item = Feedback.objects.get()
    assert item.portal_ref == "a" * 32 and item.contact == "13900009999" and item.status == "new"
    assert item.submitted_at.isoformat().startswith("2026-01-01")
