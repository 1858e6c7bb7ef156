"""`zhengyi sunshine export` on the police side: what a portal bundle carries, and what never.

The import on a separate database is in test_mirror_deploy.py; the row checks the internet side
runs are in test_mirror_rows.py.
"""

from __future__ import annotations

import json
import zipfile
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from zhengyi.ledger import note
from zhengyi.ledger.services.keys import trusted_log_verifiers
from zhengyi.sunshine import portal_rows
from zhengyi.sunshine.services.portal_export import LEDGER, MANIFEST, PORTAL, SIGNATURE, manifest_note

from .conftest import NAMES

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("sunshine", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def export(tmp_path: Path, *args: str) -> tuple[dict[str, Any], dict[str, Any], bytes]:
    path = tmp_path / "portal.zip"
    code, out, err = run("export", str(path), *args)
    assert code == 0, err
    assert "portal bundle written" in out
    with zipfile.ZipFile(path) as zf:
        assert sorted(zf.namelist()) == sorted([MANIFEST, SIGNATURE, LEDGER, PORTAL])
        # The manifest is signed by the log's own key, as its checkpoints are.
        opened = note.open(zf.read(SIGNATURE).decode(), trusted_log_verifiers())
        assert opened.text == manifest_note(json.loads(zf.read(MANIFEST))["origin"], zf.read(MANIFEST))
        return json.loads(zf.read(MANIFEST)), json.loads(zf.read(PORTAL)), zf.read(PORTAL)


def test_bundle_carries_every_public_row_and_nothing_internal(
    police_content: dict[str, Any], tmp_path: Path
) -> None:
    manifest, doc, raw = export(tmp_path)
    assert manifest["format"] == portal_rows.FORMAT and manifest["since"] == 0
    assert portal_rows.check_shape(doc) == []
    pubs = {p["number"]: p for p in doc["publications"]}
    notice = pubs[police_content["notice"].publication.number]
    assert [v["version"] for v in notice["versions"]] == [1, 2] and notice["current"] == 2
    assert notice["versions"][1]["correction_note"] == "更正件数"
    key = pubs[police_content["key"].publication.number]
    assert [s["text"] for s in key["progress"]][-1] == "案件移送审查起诉。"
    gone = pubs[police_content["withdrawn"].publication.number]
    assert gone["withdrawal"]["reason"] == "管制取消"
    assert police_content["draft"].publication.number not in pubs  # never published
    assert [f["number"] for f in doc["feedback"]] == [police_content["answered"].number]
    assert (
        doc["feedback"][0]["reply"] == "已加强巡查。"
        and doc["feedback"][0]["replied_by_name"] == "福田派出所"
    )
    # Every row checks against the police side's own log, as the mirror will check it.
    from zhengyi.ledger import entries, storage

    def entry_at(i: int) -> Any:
        got = storage.entry_data(i, i + 1)
        return entries.decode(got[0]) if got else None

    assert portal_rows.check_against_log(doc, entry_at) == []

    text = raw.decode("utf-8")
    for secret in [
        *NAMES,  # parties of the publications (redacted to 张某, 欧阳某)
        "13812345678",
        "440304199001011237",
        "内部草稿标题",
        "草稿正文不公开",
        "13900001111",  # contacts of answered, rejected and waiting messages
        "13900002222",
        "waiting@example.cn",
        "王五",  # the rejected message
        "路灯坏了",  # the waiting one
        "赵六六",  # the case's party
        "13700003333",
        "内部扒窃卷宗",  # the case's title
        "个人事务",  # the rejection reason
    ]:
        assert secret not in text, secret
    for username in ("community", "head", "investigator", "dispatcher"):
        assert f'"{username}"' not in text


def test_summaries_travel_suppressed(police_content: dict[str, Any], tmp_path: Path) -> None:
    _, doc, _ = export(tmp_path)
    year, month = police_content["last_month"]
    table = next(s for s in doc["summaries"] if (s["station"], s["year"], s["month"]) == ("FT", year, month))
    shown = [v for line in table["grid"] for v in line]
    assert "9" in shown and "<5" in shown and "*" in shown  # 7 hidden too: 9 − 7 would give 2
    assert not any(v in {"1", "2", "3", "4"} for v in shown)  # the 2 disputes never leave
    assert doc["threshold"] == 5 and portal_rows.check_summaries(doc, 5) == []
    assert len(doc["summaries"]) == 12 * len(doc["stations"])


def test_lookups_carry_codes_only(police_content: dict[str, Any], tmp_path: Path) -> None:
    _, doc, _ = export(tmp_path)
    case = police_content["case"]
    row = next(r for r in doc["lookups"] if r["number"] == case.number)
    assert set(row) == set(portal_rows.LOOKUP)
    assert row["lookup_hash"] == case.lookup_hash and police_content["code"] not in json.dumps(doc)
    assert row["kind"] == "criminal" and row["stage"] == "filed" and row["handling_unit"] == "福田派出所"
    assert [s for s, _on in row["steps"]] == ["received", "filed"]


def test_rows_after_the_checkpoint_wait_for_the_next_bundle(
    police_content: dict[str, Any], tmp_path: Path
) -> None:
    from zhengyi.sunshine.services.portal_export import public_rows

    manifest, doc, _ = export(tmp_path)
    size = manifest["size"]
    assert public_rows(size) == doc
    notice = police_content["notice"]
    early = public_rows(notice.ledger_index)  # as if the log ended just before the correction
    pub = next(p for p in early["publications"] if p["number"] == notice.publication.number)
    assert pub["current"] == 1 and [v["version"] for v in pub["versions"]] == [1]
    assert all((r.get("ledger_index") or 0) < notice.ledger_index for r in early["feedback"])


def test_incremental_ledger_part(police_content: dict[str, Any], tmp_path: Path) -> None:
    manifest, _, _ = export(tmp_path)
    again, _, _ = export(tmp_path, "--since", str(manifest["size"]))
    assert again["since"] == again["size"] == manifest["size"]
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="is beyond the newest checkpoint"):
        call_command("sunshine", "export", str(tmp_path / "x.zip"), "--since", str(manifest["size"] + 1))
    assert not (tmp_path / "x.zip").exists()


def test_a_mirror_does_not_export(police_content: dict[str, Any], tmp_path: Path, settings: Any) -> None:
    from django.core.management.base import CommandError

    settings.LEDGER_ROLE = "mirror"
    with pytest.raises(CommandError, match="mirror does not export"):
        call_command("sunshine", "export", str(tmp_path / "p.zip"))
    settings.LEDGER_ROLE = "log"
    code, _, err = run("import", str(tmp_path / "p.zip"))
    assert code == 1 and "only the internet-side mirror imports" in err
