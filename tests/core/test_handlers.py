"""The WSGI application itself: bearer-token API calls take the short middleware chain, and
still get every header and record the full chain would give them; everything else takes the
full chain. (Django's test client builds its own handler, so these call the application.)"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.wsgi_support import run
from zhengyi.alerts.models import Alert
from zhengyi.core.handlers import is_token_api_call, make_application
from zhengyi.core.models import ObjectChange
from zhengyi.core.services.tokens import create_token

pytestmark = pytest.mark.django_db

CALL = {"category": "criminal", "subcategory": "pickpocket", "building_code": "B1", "description": "手机被偷"}


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


def test_the_direct_view_answers_good_calls_and_leaves_the_rest_to_the_operation(
    personas: dict[str, Any], system: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import zhengyi.alerts.api as alerts_api

    answered: list[bool] = []
    real = alerts_api.create_alert_direct

    def spy(request: Any) -> Any:
        response = real(request)
        answered.append(response is not None)
        return response

    monkeypatch.setattr(alerts_api, "create_alert_direct", spy)
    _, token = create_token(actor=system, user=personas["dispatcher"], name="110")
    app = make_application()  # imports the direct views when it is made
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert run(app, "POST", "/api/alerts", json.dumps(CALL).encode(), **auth)[0] == 201
    # A body the schema refuses: the operation answers, in its own format.
    status, _, content = run(app, "POST", "/api/alerts", b"{not json", **auth)
    assert status == 400 and json.loads(content)["detail"].startswith("Cannot parse request body")
    status, _, content = run(app, "POST", "/api/alerts", b'{"building_code": "B1"}', **auth)
    assert status == 422 and json.loads(content)["detail"][0]["loc"][-1] == "category"
    assert answered == [True, False, False]
    assert Alert.objects.count() == 1


def test_the_direct_view_replies_as_the_operation_would(
    personas: dict[str, Any], system: Any, settings: Any
) -> None:
    _, token = create_token(actor=system, user=personas["dispatcher"], name="110")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_ACCEPT_LANGUAGE": "en"}
    body = json.dumps(CALL).encode()
    direct = run(make_application(), "POST", "/api/alerts", body, HTTP_IDEMPOTENCY_KEY="a", **headers)
    settings.API_DIRECT_VIEWS = {}
    operation = run(make_application(), "POST", "/api/alerts", body, HTTP_IDEMPOTENCY_KEY="b", **headers)
    assert direct[0] == operation[0] == 201

    def comparable(reply: tuple[int, dict[str, str], bytes]) -> tuple[dict[str, str], dict[str, Any]]:
        varying = {"X-Request-ID", "Content-Length"}
        fields = {k: v for k, v in json.loads(reply[2]).items() if k not in {"id", "number", "received_at"}}
        return {k: v for k, v in reply[1].items() if k not in varying}, fields

    assert comparable(direct) == comparable(operation)
    assert Alert.objects.count() == 2


def test_no_direct_view_where_each_view_runs_in_a_transaction(
    personas: dict[str, Any], system: Any, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    """ATOMIC_REQUESTS wraps every view the resolver calls in a transaction; the direct view
    would escape it, so with it on the operation answers every call."""
    import zhengyi.alerts.api as alerts_api

    called: list[object] = []
    monkeypatch.setattr(alerts_api, "create_alert_direct", lambda request: called.append(request))
    monkeypatch.setitem(settings.DATABASES["default"], "ATOMIC_REQUESTS", True)
    _, token = create_token(actor=system, user=personas["dispatcher"], name="110")
    status, _, content = run(
        make_application(),
        "POST",
        "/api/alerts",
        json.dumps(CALL).encode(),
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert status == 201, content
    assert called == []
