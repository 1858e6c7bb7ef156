"""Calling the WSGI application itself, as a server would (Django's test client builds its own
handler, and so never takes the token callers' chain or the direct views of zhengyi.core.handlers)."""

from __future__ import annotations

import json
from typing import Any

from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import RequestFactory


def run(
    app: Any, method: str, path: str, body: bytes = b"", **headers: str
) -> tuple[int, dict[str, str], bytes]:
    request = RequestFactory().generic(method, path, body, content_type="application/json", **headers)
    seen: dict[str, Any] = {}

    def start_response(status: str, response_headers: list[tuple[str, str]], *exc: Any) -> None:
        seen["status"] = int(status.split()[0])
        seen["headers"] = dict(response_headers)

    # As Django's test client does: the request signals would close the test's connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        content = b"".join(app(request.environ, start_response))
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return seen["status"], seen["headers"], content


class WsgiResponse:
    def __init__(self, status: int, headers: dict[str, str], content: bytes) -> None:
        self.status_code, self.headers, self.content = status, headers, content

    def __getitem__(self, name: str) -> str:
        return self.headers[name]

    def json(self) -> Any:
        return json.loads(self.content)


class WsgiClient:
    """The part of django.test.Client the API tests use, over the real application."""

    def __init__(self, app: Any, **defaults: str) -> None:
        self.app, self.defaults = app, defaults

    def post(self, path: str, data: str | bytes, content_type: str = "application/json", **extra: str) -> Any:
        body = data.encode() if isinstance(data, str) else data
        headers = {**self.defaults, **extra, "CONTENT_TYPE": content_type}
        return WsgiResponse(*run(self.app, "POST", path, body, **headers))
