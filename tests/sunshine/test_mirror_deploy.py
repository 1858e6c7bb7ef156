"""The internet-side portal as its own deployment: a fresh database, fed only by files.

The police side is this test's database; the mirror is another process with its own data dir
and database (tests/sunshine/mirror_support.py), which imports the portal bundle with
`zhengyi sunshine import` and renders its pages with Django's test client. The pages must show
the same public content as the police side's own portal, and a bundle that is tampered with is
refused without changing anything (test_mirror_refusals.py).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from zhengyi.ledger import keys

from .mirror_support import Mirror

pytestmark = pytest.mark.django_db

_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
_OPTION = re.compile(r'<option value="\d+"')


def main_of(body: str) -> str:
    """The page's own content (what differs between the two sides is only the CSRF token and
    the stations' database ids in the feedback form)."""
    start, end = body.index('<main id="content">'), body.index("</main>")
    return _OPTION.sub('<option value=""', _TOKEN.sub("", body[start:end]))


def export(path: Path, *args: str) -> Path:
    call_command("sunshine", "export", str(path), *args, stdout=open("/dev/null", "w"))  # noqa: SIM115
    return path


def log_key() -> str:
    return keys.load_signer(create=False).vkey


def imported(mirror: Mirror, bundle: Path) -> str:
    done = mirror.import_bundle(bundle, "--trust-key", log_key())
    assert done.returncode == 0, done.stderr
    return done.stdout


def public_paths(content: dict[str, Any]) -> list[str]:
    year, month = content["last_month"]
    pubs = [content[k].publication for k in ("notice", "key", "withdrawn")]
    return [
        "/public/",
        "/public/publications/",
        "/public/publications/?kind=key_case",
        *[f"/public/p/{p.station.code}/{p.number}/" for p in pubs],
        "/public/summaries/",
        f"/public/summaries/FT/{year}-{month}/",
        f"/public/summaries/LH/{year}-{month}/",
        "/public/feedback/",
        "/public/data/",
    ]


def data_paths(content: dict[str, Any]) -> list[str]:
    year, month = content["last_month"]
    return [
        "/public/data/publications.json",
        "/public/data/publications.csv",
        "/public/data/feedback.json",
        f"/public/data/summaries/FT/{year}-{month}.json",
        f"/public/data/summaries/FT/{year}-{month}.csv",
        "/public/feed/rss/",
        "/public/feed/atom/",
    ]


def _data(body: str) -> Any:
    if body.lstrip("\ufeff").startswith(("{", "[")):
        doc = json.loads(body)
        doc.pop("generated_at", None)  # the time of the request
        return doc
    return body


def test_the_mirror_shows_what_the_police_side_shows(
    police_content: dict[str, Any], mirror: Mirror, tmp_path: Path
) -> None:
    out = imported(mirror, export(tmp_path / "p1.zip"))
    assert "3 new publication(s), 4 version(s)" in out and "1 withdrawal(s)" in out
    police = Client()
    pages = public_paths(police_content)
    datas = data_paths(police_content)
    got = mirror.requests([{"get": p} for p in pages + datas])
    for path, answer in zip(pages, got[: len(pages)], strict=True):
        mine = police.get(path)
        assert answer["status"] == mine.status_code == 200, path
        assert main_of(answer["body"]) == main_of(mine.content.decode()), path
    for path, answer in zip(datas, got[len(pages) :], strict=True):
        mine = police.get(path)
        assert answer["status"] == mine.status_code == 200, path
        assert _data(answer["body"]) == _data(mine.content.decode()), path
    home = got[0]["body"]
    assert "重点案件：传销团伙" in home and "案件移送审查起诉。" in home and "已加强巡查。" in home
    assert "内部草稿标题" not in home
    notice_page = got[3]["body"]
    assert "卓越大厦盗窃案告破（更正）" in notice_page and "第 1 版" in notice_page  # the history

    # Every "verify" link leads to the entry in the mirror's own log, whose digest is the page's.
    links = sorted(
        {int(i) for a in got[: len(pages)] for i in re.findall(r'href="/ledger/entries/(\d+)/', a["body"])}
    )
    notice = police_content["notice"]
    assert notice.ledger_index in links and police_content["answered"].ledger_index in links
    entries = mirror.requests([{"get": f"/ledger/entries/{i}/"} for i in links])
    assert all(e["status"] == 200 for e in entries), [e["status"] for e in entries]
    assert notice.text_sha256 in entries[links.index(notice.ledger_index)]["body"]

    # The same bundle again: nothing new, nothing twice.
    counts = [
        {"count": m} for m in ("sunshine.Publication", "sunshine.PublicationVersion", "core.ObjectChange")
    ]
    before = mirror.requests(counts)
    again = mirror.import_bundle(tmp_path / "p1.zip")
    assert again.returncode == 0 and "nothing new" in again.stdout, again.stdout + again.stderr
    after = mirror.requests(counts)
    assert after[:2] == before[:2]
    # Only the ledger import's own record of the (empty) import; no portal row changed.
    assert after[2] - before[2] == 1


def test_lookup_on_the_mirror(police_content: dict[str, Any], mirror: Mirror, tmp_path: Path) -> None:
    mirror.extra_env["ZHENGYI_SUNSHINE_LOOKUP_LIMIT"] = "4"
    imported(mirror, export(tmp_path / "p.zip"))
    case, code = police_content["case"], police_content["code"]
    right = {"number": case.number, "code": code}
    wrong = {"number": case.number, "code": "AAAA-BBBB-CCCC-DDDD"}
    unknown = {"number": "FT-1999-XS-99999", "code": code}
    got = mirror.requests(
        [
            {"post": "/public/lookup/", "data": right, "remote": "10.0.0.1"},
            {"post": "/public/lookup/", "data": wrong, "remote": "10.0.0.1"},
            {"post": "/public/lookup/", "data": unknown, "remote": "10.0.0.1"},
            {"post": "/public/lookup/", "data": right, "remote": "10.0.0.1", "lang": "en"},
            {"post": "/public/lookup/", "data": right, "remote": "10.0.0.1"},  # the 5th: limited
            {"post": "/public/lookup/", "data": right, "remote": "10.0.0.2"},
        ]
    )
    mine = Client().post("/public/lookup/", right)
    assert main_of(got[0]["body"]) == main_of(mine.content.decode())
    assert "立案" in got[0]["body"] and "福田派出所" in got[0]["body"]
    assert "内部扒窃卷宗" not in got[0]["body"] and "赵六六" not in got[0]["body"]
    marker = "未找到与该案件编号和查询码相符的案件"
    assert marker in got[1]["body"] and marker in got[2]["body"]

    def same(page: str, *typed: str) -> str:
        page = main_of(page)
        for value in typed:
            page = page.replace(value, "")
        return page

    assert same(got[1]["body"], case.number, wrong["code"]) == same(got[2]["body"], unknown["number"], code)
    english = main_of(got[3]["body"])  # codes travel, so the labels render in English too
    assert "Current stage:" in english and "Case filed" in english and "立案" not in english
    assert got[4]["status"] == 429 and got[4]["retry_after"] and "立案" not in main_of(got[4]["body"])
    assert got[5]["status"] == 200 and "立案" in got[5]["body"]


def test_feedback_round_trip(
    police_content: dict[str, Any], personas: dict[str, Any], mirror: Mirror, tmp_path: Path
) -> None:
    from zhengyi.sunshine.models import Feedback
    from zhengyi.sunshine.services.feedback import reply_feedback

    first = export(tmp_path / "p1.zip")
    imported(mirror, first)
    ((ft_pk, _code),) = [
        r for r in mirror.requests([{"values": "core.Station", "fields": ["pk", "code"]}])[0] if r[1] == "FT"
    ]
    form = {
        "station": ft_pk,
        "subject": "公园路灯",
        "message": "莲花山公园东门路灯不亮。",
        "contact": "13911112222",
    }
    posted = mirror.requests([{"post": "/public/feedback/", "data": form, "remote": "10.0.0.9"}])[0]
    assert posted["status"] == 302 and "FT-WL" in posted["location"]

    outbox = tmp_path / "feedback.json"
    done = mirror.zhengyi("sunshine", "export-feedback", str(outbox))
    assert done.returncode == 0 and "1 message(s)" in done.stdout, done.stderr
    call_command("sunshine", "import-feedback", str(outbox), stdout=open("/dev/null", "w"))  # noqa: SIM115
    call_command("sunshine", "import-feedback", str(outbox), stdout=open("/dev/null", "w"))  # noqa: SIM115
    carried = Feedback.objects.filter(portal_ref__gt="")
    assert carried.count() == 1  # twice carried, filed once
    item = carried.get()
    assert (
        item.status == Feedback.Status.NEW
        and item.contact == "13911112222"
        and item.number.startswith("FT-LY")
    )
    reply_feedback(actor=personas["head"], feedback=item, reply="已通知公园管理处修复。")

    size = json.loads(__import__("zipfile").ZipFile(first).read("manifest.json"))["size"]
    out = imported(mirror, export(tmp_path / "p2.zip", "--since", str(size)))
    assert "1 answered message(s)" in out and "1 message(s) confirmed received" in out
    page, rows, changes = mirror.requests(
        [
            {"get": "/public/feedback/"},
            {"values": "sunshine.Feedback", "fields": ["number", "status", "contact"]},
            {"values": "core.ObjectChange", "fields": ["content_type__model", "action", "before", "after"]},
        ]
    )
    # The import's record of the erasure shows what it changed, as a service's update does.
    ((_model, _action, before, after),) = [c for c in changes if c[0] == "feedback" and c[1] == "update"]
    assert before["relayed_at"] is None and before["contact"] != "" and after["relayed_at"] is not None
    assert after["contact"] == ""
    assert "已通知公园管理处修复。" in page["body"] and "莲花山公园东门路灯不亮。" in page["body"]
    assert "13911112222" not in json.dumps(rows, ensure_ascii=False)  # erased once the police side had it
    local = [r for r in rows if r[0].startswith("FT-WL")]
    assert local == [[local[0][0], "new", ""]]
    # Nothing left to carry.
    done = mirror.zhengyi("sunshine", "export-feedback", str(outbox))
    assert "0 message(s)" in done.stdout
