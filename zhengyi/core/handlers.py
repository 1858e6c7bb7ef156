"""The WSGI application: machine clients of the API take a shorter middleware chain.

The upstream 110 system posts every alert with a bearer token (DESIGN §7 holds intake to a
tenth of a bare Django view). Such a request has no session, no cookies, no CSRF token, no
messages and serves no static file, yet the full chain would still run those middlewares on
it. Requests to ``/api/`` that carry ``Authorization: Bearer …`` go to a second handler built
with ``settings.API_MIDDLEWARE`` (the security headers, the request context and log line,
the language); every other request — the browser, and the API used with a staff session —
takes ``settings.MIDDLEWARE`` unchanged.

Within that shorter chain, the one route the upstream system calls hundreds of times a second,
``POST /api/alerts``, is answered by a direct view (``settings.API_DIRECT_VIEWS``) that checks
the body against the operation's own schema and calls the same function as the operation —
without the URL resolver and the API framework's per-call work, a fifth of an intake. It
hands anything it does not answer itself (a refused body or token) to the operation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils.module_loading import import_string

StartResponse = Callable[..., Any]


class _ApiHandler(WSGIHandler):
    """The API's middleware chain; inside it, a view of ``settings.API_DIRECT_VIEWS`` answers
    its route without URL resolution or the API framework's request cycle, or returns None to
    leave the request to them (its errors, its other cases)."""

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

    def load_middleware(self, is_async: bool = False) -> None:
        # Django builds the chain from settings.MIDDLEWARE; this handler is made once, at
        # start-up, before any request thread runs, so the swap is seen by nobody else.
        full = settings.MIDDLEWARE
        settings.MIDDLEWARE = settings.API_MIDDLEWARE
        try:
            super().load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = full


def is_token_api_call(environ: dict[str, Any]) -> bool:
    return str(environ.get("PATH_INFO", "")).startswith("/api/") and str(
        environ.get("HTTP_AUTHORIZATION", "")
    ).startswith("Bearer ")


def make_application() -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    full = WSGIHandler()
    api = _ApiHandler()

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        handler = api if is_token_api_call(environ) else full
        return handler(environ, start_response)

    return application
