"""The WSGI application itself: bearer-token API calls take the short middleware chain, and
still get every header and record the full chain would give them; everything else takes the
full chain. (Django's test client builds its own handler, so these call the application.)"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import RequestFactory

from zhengyi.alerts.models import Alert
from zhengyi.core.handlers import is_token_api_call, make_application
from zhengyi.core.models import ObjectChange
from zhengyi.core.services.tokens import create_token

pytestmark = pytest.mark.django_db

CALL = {"category": "criminal", "subcategory": "pickpocket", "building_code": "B1", "description": "手机被偷"}


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


def test_a_token_call_takes_the_short_chain_and_keeps_headers_and_context(
    personas: dict[str, Any], system: Any
) -> None:
    _, token = create_token(actor=system, user=personas["dispatcher"], name="110")
    app = make_application()
    status, headers, content = run(
        app, "POST", "/api/alerts", json.dumps(CALL).encode(),
        HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_X_REQUEST_ID="cad-run-7", HTTP_ACCEPT_LANGUAGE="en",
    )  # fmt: skip
    assert status == 201, content
    assert headers["X-Request-ID"] == "cad-run-7"
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Content-Language"] == "en"
    assert "Set-Cookie" not in headers  # no session, no CSRF cookie: nothing of the browser's chain
    alert = Alert.objects.get(number=json.loads(content)["number"])
    change = ObjectChange.objects.get(content_type__model="alert", object_id=str(alert.pk), action="create")
    assert change.correlation_id == "cad-run-7"


def test_a_bad_token_is_refused_with_the_same_headers(personas: dict[str, Any]) -> None:
    status, headers, _ = run(
        make_application(), "POST", "/api/alerts", b"{}", HTTP_AUTHORIZATION="Bearer zy_wrong"
    )
    assert status == 401
    assert "Content-Security-Policy" in headers and "X-Request-ID" in headers
    assert Alert.objects.count() == 0


def test_everything_else_takes_the_full_chain(personas: dict[str, Any]) -> None:
    app = make_application()
    status, headers, _ = run(app, "GET", "/login/")
    assert status == 200 and "csrftoken" in headers.get("Set-Cookie", "")
    # The API with a staff session (the board's own calls) needs the session middleware.
    assert not is_token_api_call({"PATH_INFO": "/api/alerts", "HTTP_COOKIE": "sessionid=x"})
    assert not is_token_api_call({"PATH_INFO": "/staff/", "HTTP_AUTHORIZATION": "Bearer zy_x"})
    assert is_token_api_call({"PATH_INFO": "/api/alerts", "HTTP_AUTHORIZATION": "Bearer zy_x"})


def test_an_api_call_without_credentials_is_told_401_not_a_csrf_failure(personas: dict[str, Any]) -> None:
    status, _, content = run(make_application(), "POST", "/api/alerts", json.dumps(CALL).encode())
    assert status == 401, content
    assert Alert.objects.count() == 0
