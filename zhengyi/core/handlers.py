"""The WSGI application: machine clients of the API take a shorter middleware chain.

The upstream 110 system posts every alert with a bearer token (DESIGN §7 holds intake to a
tenth of a bare Django view). Such a request has no session, no cookies, no CSRF token, no
messages and serves no static file, yet the full chain would still run those middlewares on
it. Requests to ``/api/`` that carry ``Authorization: Bearer …`` go to a second handler built
with ``settings.API_MIDDLEWARE`` (the security headers, the request context and log line,
the language); every other request — the browser, and the API used with a staff session —
takes ``settings.MIDDLEWARE`` unchanged — except a visitor's plain GET of a page the sunshine
page store serves (``zhengyi.sunshine.page_store``: the portal's home, list and publication
pages), which takes ``settings.PAGE_STORE_MIDDLEWARE``: such a page is the same for everyone, so
sessions, CSRF, authentication and messages have nothing to do there.

Within that shorter chain, the one route the upstream system calls hundreds of times a second,
``POST /api/alerts``, is answered by a direct view (``settings.API_DIRECT_VIEWS``) that checks
the body against the operation's own schema and calls the same function as the operation —
without the URL resolver and the API framework's per-call work, a fifth of an intake. It
hands anything it does not answer itself (a refused body or token) to the operation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.urls import Resolver404, ResolverMatch, get_resolver
from django.utils.module_loading import import_string

StartResponse = Callable[..., Any]


class _ChainHandler(WSGIHandler):
    """A WSGI handler whose middleware chain is the setting named ``chain``, not MIDDLEWARE."""

    chain = "MIDDLEWARE"

    def load_middleware(self, is_async: bool = False) -> None:
        # Django builds the chain from settings.MIDDLEWARE; this handler is made once, at
        # start-up, before any request thread runs, so the swap is seen by nobody else.
        full = settings.MIDDLEWARE
        settings.MIDDLEWARE = getattr(settings, self.chain)
        try:
            super().load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = full


class _ApiHandler(_ChainHandler):
    """The API's middleware chain; inside it, a view of ``settings.API_DIRECT_VIEWS`` answers
    its route without URL resolution or the API framework's request cycle, or returns None to
    leave the request to them (its errors, its other cases)."""

    chain = "API_MIDDLEWARE"

    def __init__(self) -> None:
        super().__init__()
        self._direct: dict[tuple[str, str], Callable[[HttpRequest], HttpResponseBase | None]] = {
            route: import_string(path) for route, path in settings.API_DIRECT_VIEWS.items()
        }
        # Only where skipping the resolver skips nothing else: no view or exception
        # middleware, no transaction around each view.
        if (
            getattr(self, "_view_middleware", None)
            or getattr(self, "_exception_middleware", None)
            or any(db.get("ATOMIC_REQUESTS") for db in settings.DATABASES.values())
        ):
            self._direct = {}

    def _get_response(self, request: HttpRequest) -> HttpResponseBase:
        view = self._direct.get((request.method or "", request.path_info))
        if view is not None and (response := view(request)) is not None:
            return response
        return super()._get_response(request)  # type: ignore[misc]


class _PageStoreHandler(_ChainHandler):
    """A visitor's GET of a page the page store serves (``zhengyi.sunshine.page_store``): the
    security headers, the request context and log line, the language — and no session, CSRF,
    authentication, messages or static files, which such a page neither reads nor sets. Its
    route was resolved to choose this handler; that match is used again."""

    chain = "PAGE_STORE_MIDDLEWARE"

    def resolve_request(self, request: HttpRequest) -> ResolverMatch:
        match = stored_page_route(request.path_info)
        if match is None:  # the URLconf changed under a running process (tests): resolve anew
            return super().resolve_request(request)
        request.resolver_match = match
        return match


def is_token_api_call(environ: dict[str, Any]) -> bool:
    return str(environ.get("PATH_INFO", "")).startswith("/api/") and str(
        environ.get("HTTP_AUTHORIZATION", "")
    ).startswith("Bearer ")


@lru_cache(maxsize=4096)
def stored_page_route(path: str) -> ResolverMatch | None:
    """The route of ``path`` if its view is served by the page store, else None (cached)."""
    try:
        match = get_resolver().resolve(path)
    except Resolver404:
        return None
    return match if getattr(match.func, "page_store", False) else None


@receiver(setting_changed)
def _forget_routes(**_kwargs: Any) -> None:
    stored_page_route.cache_clear()


def is_page_store_visit(environ: dict[str, Any]) -> bool:
    """A visitor's plain GET (no query string, no session cookie) of a page-store route."""
    if environ.get("REQUEST_METHOD") not in ("GET", "HEAD") or environ.get("QUERY_STRING"):
        return False
    if f"{settings.SESSION_COOKIE_NAME}=" in str(environ.get("HTTP_COOKIE", "")):
        return False
    return stored_page_route(str(environ.get("PATH_INFO", ""))) is not None


def make_application() -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    full = WSGIHandler()
    api = _ApiHandler()
    pages = _PageStoreHandler()

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if is_token_api_call(environ):
            handler: WSGIHandler = api
        elif settings.SUNSHINE_PAGE_STORE and is_page_store_visit(environ):
            handler = pages
        else:
            handler = full
        return handler(environ, start_response)

    return application
