"""Request correlation ids and security headers."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers

from zhengyi.core.current import acting_as
from zhengyi.core.streaming import csp_source, stream_origin

log = logging.getLogger("zhengyi.request")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

# Every asset is served from our own origin; nothing is fetched from elsewhere. The one
# exception is a connection to the stream server (the command board's live push), which
# runs as its own process and may listen on another port of the same host.
CSP_TEMPLATE = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; connect-src 'self'{streams}; font-src 'self' data:; frame-ancestors 'none'; "
    "base-uri 'self'; form-action 'self'"
)
CSP = CSP_TEMPLATE.format(streams="")


def content_security_policy(request: HttpRequest) -> str:
    origin = stream_origin(request)
    return CSP_TEMPLATE.format(streams=f" {csp_source(origin)}") if origin else CSP


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")  # request.headers copies them all
        source = "api" if request.path.startswith("/api/") else "web"
        with acting_as(source, incoming if _SAFE_ID.match(incoming) else None) as origin:
            request.correlation_id = origin.correlation_id  # type: ignore[attr-defined]
            started = time.perf_counter()
            response = self.get_response(request)
            response["X-Request-ID"] = origin.correlation_id
            if not request.path.startswith("/static/"):
                log.info(
                    "request",
                    extra={
                        "method": request.method,
                        "path": request.path,
                        "status": response.status_code,
                        "ms": round((time.perf_counter() - started) * 1000, 1),
                    },
                )
            return response


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", content_security_policy(request))
        return response


class ApiLocaleMiddleware:
    """Django's LocaleMiddleware for the short chains (settings.API_MIDDLEWARE, and
    PAGE_STORE_MIDDLEWARE): their paths carry no language prefix, so the language is the
    caller's cookie or Accept-Language (or the default) and the URL resolver is never asked —
    a tenth of an intake otherwise."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        translation.activate(translation.get_language_from_request(request))
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response
