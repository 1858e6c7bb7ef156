"""The portal's busiest pages, rendered once per change rather than once per request.

The home page, the publication list and each publication page are rendered by their views as
before; the rendering is kept (``StoredPage``, per path and language) together with two things
it was made from:

* the **public generation**, one row that database triggers bump in the transaction of every
  insert, update or delete on the tables these pages read (migration 0003: publications,
  versions, withdrawals, progress steps, feedback, stations) — so every writer counts, a
  service, a bundle import, the admin or SQL typed by hand, and nothing needs remembering to
  invalidate anything;
* the **code's fingerprint**: a hash of the package's Python, templates and translations, so a
  deployment of new code renders afresh.

A request is answered from the store only when both still match — one indexed read joining the
generation row; on SQLite, not even that while nothing at all has been committed since this
process last read the page (the database's own commit mark, read from memory:
``zhengyi.core.db_sqlite.wal_watch``). Otherwise the view renders, and the rendering is stored under the generation
read *before* it began: a change committed while it rendered makes that generation old at once,
so a page mixing states is never served. A page is never stale; after a change each page costs
one rendering again. Requests with a query string or other than GET/HEAD are not answered from
the store, and only a visitor's rendering (no session cookie, no CSRF token or other cookie
set) is kept: a stored page is the same for everyone.

``ZHENGYI_SUNSHINE_PAGE_STORE=0`` turns it off; bench/public_pages.py measures both.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils import translation
from django.utils.cache import patch_vary_headers

from zhengyi.core.db_sqlite import wal_watch
from zhengyi.sunshine.services import pages as page_services

PACKAGE = Path(__file__).resolve().parent.parent
_HIT = (
    "SELECT p.content_type, p.body FROM sunshine_storedpage p "
    "JOIN sunshine_publicgeneration g ON g.id = 1 AND g.value = p.generation "
    "WHERE p.path = %s AND p.language = %s AND p.fingerprint = %s"
)
_fingerprint: str | None = None
# (database, path, language) → (commit mark, content type, body) of pages this process served.
_kept: dict[tuple[str, str, str], tuple[bytes, str, bytes]] = {}
KEPT_PAGES = 2000


def fingerprint() -> str:
    """What the renderings depend on besides the data: the code, templates and translations
    (hashed once per process) and the settings that change how a page reads."""
    global _fingerprint
    if _fingerprint is None:
        digest = hashlib.sha256()
        for path in sorted(PACKAGE.rglob("*")):
            if path.suffix in (".py", ".html", ".mo") and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(PACKAGE)).encode())
                digest.update(path.read_bytes())
        for value in (settings.TIME_ZONE, settings.STATIC_URL, settings.LANGUAGE_CODE, settings.PUBLIC_ONLY):
            digest.update(repr(value).encode())
        _fingerprint = digest.hexdigest()
    return _fingerprint


def _commit_mark() -> bytes | None:
    """Bytes that stay the same exactly while nothing commits to the database (SQLite's
    wal-index header, ``zhengyi.core.db_sqlite.wal_watch``); None where there are none — on
    PostgreSQL, or inside a transaction, which may see its own uncommitted writes."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        return None
    found = wal_watch.watch(connection.settings_dict["NAME"])
    return found.header() if found is not None else None


def stored_response(path: str, language: str) -> HttpResponse | None:
    """The stored page, if it was rendered at the current generation by this code.

    Answered from this process's memory when nothing has committed since the database last gave
    it — the mark is read *before* the query, so a commit racing the query only costs a query.
    """
    key = (str(connection.settings_dict["NAME"]), path, language)
    mark = _commit_mark()
    if mark is not None:
        kept = _kept.get(key)
        if kept is not None and kept[0] == mark:
            return HttpResponse(kept[2], content_type=kept[1])
    with connection.cursor() as cursor:
        cursor.execute(_HIT, [path, language, fingerprint()])
        row = cursor.fetchone()
    if row is None:
        return None
    content_type, body = str(row[0]), bytes(row[1])
    if mark is not None:
        if len(_kept) >= KEPT_PAGES:
            _kept.clear()
        _kept[key] = (mark, content_type, body)
    return HttpResponse(body, content_type=content_type)


def _storable(request: HttpRequest, response: HttpResponseBase) -> bool:
    # Only a visitor's rendering is kept: one made for a signed-in user (a session cookie)
    # could someday show something of theirs. The context processors look at request.user on
    # every rendering, so "the session was read" would say nothing.
    return (
        response.status_code == 200
        and isinstance(response, HttpResponse)
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
    )


def stored(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Serve ``view`` from the store while what it shows is unchanged (see the module)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = _answer(request, *args, **kwargs)
        # The language comes from the cookie as well as Accept-Language: a shared cache in front
        # of the portal must not hand one visitor's language to another.
        patch_vary_headers(response, ("Cookie",))
        return response

    def _answer(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not settings.SUNSHINE_PAGE_STORE or request.method not in ("GET", "HEAD") or request.GET:
            return view(request, *args, **kwargs)
        language = translation.get_language() or settings.LANGUAGE_CODE
        hit = stored_response(request.path, language)
        if hit is not None:
            return hit
        generation = page_services.current_generation()
        response = view(request, *args, **kwargs)
        if request.method == "GET" and _storable(request, response):
            assert isinstance(response, HttpResponse)
            page_services.store_page(
                path=request.path,
                language=language,
                generation=generation,
                fingerprint=fingerprint(),
                content_type=str(response["Content-Type"]),
                body=response.content,
            )
        return response

    # zhengyi.core.handlers gives a visitor's GET of such a view the short middleware chain.
    wrapper.page_store = True  # type: ignore[attr-defined]
    return wrapper
