"""The WSGI application: machine clients of the API take a shorter middleware chain.

The upstream 110 system posts every alert with a bearer token (DESIGN §7 holds intake to a
tenth of a bare Django view). Such a request has no session, no cookies, no CSRF token, no
messages and serves no static file, yet the full chain would still run those middlewares on
it. Requests to ``/api/`` that carry ``Authorization: Bearer …`` go to a second handler built
with ``settings.API_MIDDLEWARE`` (the security headers, the request context and log line,
the language); every other request — the browser, and the API used with a staff session —
takes ``settings.MIDDLEWARE`` unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler

StartResponse = Callable[..., Any]


class _ApiHandler(WSGIHandler):
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
