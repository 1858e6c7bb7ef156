"""The page store: the portal's home, list and publication pages are rendered once per change
and served from the store in between — never stale, whoever changed what they show, per
language, and only a visitor's rendering is kept."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.test import Client
from django.utils import timezone

from tests.wsgi_support import run
from zhengyi.core.handlers import is_page_store_visit, make_application
from zhengyi.sunshine import page_store
from zhengyi.sunshine.models import Publication, StoredPage
from zhengyi.sunshine.services import feedback as fb
from zhengyi.sunshine.services import publishing
from zhengyi.sunshine.services.pages import current_generation

pytestmark = pytest.mark.django_db

# The tables whose triggers bump the generation, as the migration made them.
WATCHED = list(import_module("zhengyi.sunshine.migrations.0003_page_store").WATCHED)


def _page(client: Client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.content.decode()


def test_a_page_is_rendered_once_then_served_from_the_store(
    publish: Any, django_assert_num_queries: Any
) -> None:
    v = publish()
    path = f"/public/p/FT/{v.publication.number}/"
    client = Client()
    first = _page(client, path)
    stored = StoredPage.objects.get(path=path, language="zh-hans")
    assert stored.generation == current_generation() and bytes(stored.body).decode() == first
    with django_assert_num_queries(1):  # the stored page, checked against the generation
        assert _page(client, path) == first


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_each_language_is_its_own_page(publish: Any, language: str) -> None:
    publish()
    client = Client()
    client.cookies["django_language"] = language
    body = _page(client, "/public/")
    again = _page(client, "/public/")
    assert body == again
    assert ("Sunshine transparency portal" in body) == (language == "en")
    assert StoredPage.objects.filter(path="/public/", language=language).count() == 1


def _new_notice(content: dict[str, Any], personas: dict[str, Any], publish: Any) -> str:
    return str(publish(title="福华路临时交通管制", names=[]).title)


def _correct(content: dict[str, Any], personas: dict[str, Any], publish: Any) -> str:
    pub = content["notice"].publication
    draft = publishing.start_correction(actor=personas["community"], publication=pub, note="再次更正")
    publishing.update_draft(
        actor=personas["community"],
        version=draft,
        title="卓越大厦盗窃案告破（二次更正）",
        text="共破案 12 起。",
        party_names=[],
    )
    publishing.submit_for_review(actor=personas["community"], version=draft)
    publishing.approve_and_publish(actor=personas["head"], version=draft)
    return "卓越大厦盗窃案告破（二次更正）"


def _withdraw(content: dict[str, Any], personas: dict[str, Any], publish: Any) -> str:
    publishing.withdraw(actor=personas["head"], publication=content["key"].publication, reason="案件合并发布")
    return "案件合并发布"


def _progress(content: dict[str, Any], personas: dict[str, Any], publish: Any) -> str:
    publishing.add_progress(
        actor=personas["head"],
        publication=content["key"].publication,
        on=timezone.localdate(),
        text="法院已开庭审理。",
    )
    return "法院已开庭审理。"


def _reply(content: dict[str, Any], personas: dict[str, Any], publish: Any) -> str:
    fb.reply_feedback(actor=personas["head"], feedback=content["waiting"], reply="路灯已于今日修复。")
    return "路灯已于今日修复。"


def _station_renamed_by_hand(content: dict[str, Any], personas: dict[str, Any], publish: Any) -> str:
    # Not through a service: the triggers count every writer.
    station = content["notice"].publication.station
    station.name = "福田派出所（新址）"
    station.save(update_fields=["name"])
    return "福田派出所（新址）"


def _title_changed_in_sql(content: dict[str, Any], personas: dict[str, Any], publish: Any) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE sunshine_publicationversion SET title = %s WHERE id = %s",
            ["传销团伙案（SQL 更改）", content["key"].pk],
        )
    return "传销团伙案（SQL 更改）"


CHANGES: dict[str, Callable[..., str]] = {
    "a new publication": _new_notice,
    "a correction": _correct,
    "a withdrawal": _withdraw,
    "a progress step": _progress,
    "a feedback reply": _reply,
    "a station renamed by hand": _station_renamed_by_hand,
    "a title changed in SQL": _title_changed_in_sql,
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_every_change_to_what_a_page_shows_renders_it_afresh(
    change: str, police_content: dict[str, Any], personas: dict[str, Any], publish: Any
) -> None:
    client = Client()
    key_page = f"/public/p/FT/{police_content['key'].publication.number}/"
    notice_page = f"/public/p/FT/{police_content['notice'].publication.number}/"
    before = {
        path: _page(client, path) for path in ("/public/", "/public/publications/", key_page, notice_page)
    }
    assert StoredPage.objects.count() == len(before)
    shown = CHANGES[change](police_content, personas, publish)
    after = {path: _page(client, path) for path in before}
    assert any(shown in body for body in after.values()), f"{change}: no page shows {shown!r}"
    for path, body in after.items():
        assert shown not in before[path]
        assert body == _page(Client(HTTP_COOKIE="sessionid=none"), path), path  # = a fresh rendering


@pytest.mark.parametrize("table", WATCHED)
def test_any_write_to_a_watched_table_moves_the_generation(
    table: str, police_content: dict[str, Any]
) -> None:
    before = current_generation()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {table} ORDER BY id LIMIT 1")
        (row_id,) = cursor.fetchone()
        cursor.execute(f"UPDATE {table} SET id = id WHERE id = %s", [row_id])
    assert current_generation() > before


def test_a_rendering_made_while_a_change_commits_is_not_served(
    publish: Any, monkeypatch: pytest.MonkeyPatch, personas: dict[str, Any]
) -> None:
    v = publish()
    client = Client()
    real = current_generation()
    # The generation was read before a change that the rendering may or may not have seen.
    monkeypatch.setattr(page_store.page_services, "current_generation", lambda: real - 1)
    _page(client, "/public/")
    assert StoredPage.objects.get(path="/public/").generation == real - 1
    monkeypatch.undo()
    publishing.withdraw(actor=personas["head"], publication=v.publication, reason="重复发布")
    assert "已撤回" in _page(client, "/public/")
    assert StoredPage.objects.get(path="/public/").generation == current_generation()


def test_new_code_renders_afresh(publish: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    publish()
    client = Client()
    _page(client, "/public/")
    monkeypatch.setattr(page_store, "_fingerprint", "another deployment")
    _page(client, "/public/")
    assert StoredPage.objects.get(path="/public/").fingerprint == "another deployment"


def test_only_a_visitors_plain_rendering_is_kept(
    publish: Any, client: Client, personas: dict[str, Any]
) -> None:
    v = publish()
    _page(client, "/public/publications/?kind=notice")
    assert not StoredPage.objects.exists()  # a query string: rendered, not kept
    client.force_login(personas["head"])
    _page(client, f"/public/p/FT/{v.publication.number}/")
    assert not StoredPage.objects.exists()  # signed in: rendered for them, not kept
    assert Client().get("/public/feedback/").status_code == 200
    assert not StoredPage.objects.exists()  # a page with a form is not a stored page at all


def test_off_renders_every_request(publish: Any, settings: Any) -> None:
    settings.SUNSHINE_PAGE_STORE = False
    publish()
    _page(Client(), "/public/")
    assert not StoredPage.objects.exists()


def test_the_short_chain_gives_a_visitor_the_full_chains_headers(publish: Any) -> None:
    v = publish()
    path = f"/public/p/FT/{v.publication.number}/"
    app = make_application()
    assert is_page_store_visit({"REQUEST_METHOD": "GET", "PATH_INFO": path})
    assert not is_page_store_visit({"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "a=1"})
    assert not is_page_store_visit({"REQUEST_METHOD": "POST", "PATH_INFO": path})
    assert not is_page_store_visit({"REQUEST_METHOD": "GET", "PATH_INFO": path, "HTTP_COOKIE": "sessionid=x"})
    assert not is_page_store_visit({"REQUEST_METHOD": "GET", "PATH_INFO": "/public/feedback/"})
    short = run(app, "GET", path, HTTP_ACCEPT_LANGUAGE="en")
    full = run(WSGIHandler(), "GET", path, HTTP_ACCEPT_LANGUAGE="en")  # MIDDLEWARE, all of it
    assert short[0] == full[0] == 200 and short[2] == full[2]
    drop = {"X-Request-ID"}
    assert {k: v for k, v in short[1].items() if k not in drop} == {
        k: v for k, v in full[1].items() if k not in drop
    }
    assert short[1]["Content-Language"] == "en" and "Set-Cookie" not in short[1]
    # The language may come from the cookie: a shared cache must keep visitors' languages apart.
    assert {v.strip() for v in short[1]["Vary"].split(",")} == {"Accept-Language", "Cookie"}
    assert run(app, "GET", "/public/p/FT/FT-1999-0001/")[0] == 404


@pytest.mark.django_db(transaction=True)
def test_between_commits_a_process_answers_from_memory(
    publish: Any, personas: dict[str, Any], django_assert_num_queries: Any
) -> None:
    v = publish()
    path = f"/public/p/FT/{v.publication.number}/"
    app = make_application()
    first = run(app, "GET", path)[2]
    assert run(app, "GET", path)[2] == first  # read from the store, kept in memory
    # SQLite's commit mark is read from memory; PostgreSQL has none, so one query a request.
    with django_assert_num_queries(0 if connection.vendor == "sqlite" else 1):
        assert run(app, "GET", path)[2] == first
    publishing.withdraw(actor=personas["head"], publication=v.publication, reason="信息有误")
    assert "信息有误" in run(app, "GET", path)[2].decode()  # the commit moved the mark
    assert Publication.objects.get(pk=v.publication.pk).withdrawal is not None


def test_language_links_set_the_cookie_and_go_back(publish: Any) -> None:
    client = Client()
    r = client.get("/public/language/en/?next=/public/publications/")
    assert r.status_code == 302 and r["Location"] == "/public/publications/"
    assert r.cookies["django_language"].value == "en"
    assert "Sunshine transparency portal" in _page(client, "/public/")
    for bad in ("https://evil.example/", "//evil.example/", "javascript:alert(1)", ""):
        r = client.get("/public/language/zh-hans/", {"next": bad})
        assert r.status_code == 302 and r["Location"] == "/public/", bad
    assert client.get("/public/language/fr/").status_code == 404
    assert client.post("/public/language/en/").status_code == 405
