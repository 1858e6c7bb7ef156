"""Where a page finds the stream server, the separate ASGI process that holds live connections.

Pages and the API are served over WSGI, whose request threads must never wait on a
long-lived connection (DESIGN §5), so the command board's push stream has its own server
(``zhengyi.asgi_stream``). The page must address it, and the page's Content-Security-Policy
must allow connecting to it; both read the answer from here so they cannot disagree.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest


def split_host(host: str) -> tuple[str, int | None]:
    """``"example:8000"`` → ``("example", 8000)``; an IPv6 literal keeps its brackets."""
    name, sep, port = host.rpartition(":")
    if not sep or name.endswith(":") or (host.startswith("[") and not name.endswith("]")):
        return host, None  # no port, or a bare IPv6 literal
    return name, int(port) if port.isdigit() else None


def stream_origin(request: HttpRequest) -> str:
    """The stream server's origin as this page should address it.

    ``""``: the page's own origin (a reverse proxy routes the stream path to the stream
    server). ``"//host:port"``: the page's host name and scheme on the stream port — what
    ``zhengyi serve`` runs, pages on port P and streams on P+1. Otherwise the configured origin.
    """
    configured: str = settings.STREAM_URL
    if configured == "/":
        return ""
    if configured:
        return configured
    try:
        host = request.get_host()
    except DisallowedHost:
        return ""  # the response is an error page that opens no stream
    name, page_port = split_host(host)
    if page_port is None:
        page_port = 443 if request.is_secure() else 80
    port = settings.STREAM_PORT or page_port + 1
    return f"//{name}:{port}"


def csp_source(origin: str) -> str:
    """A CSP source for ``origin``; scheme-relative means "in the page's scheme", as in CSP."""
    return origin.removeprefix("//")
