"""POST /api/alerts: the upstream 110 system's door, with idempotent retries."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from tests.wsgi_support import WsgiClient
from zhengyi.alerts.models import Alert
from zhengyi.core.handlers import make_application
from zhengyi.core.services.tokens import create_token, revoke_token

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["operation", "direct"])
def upstream(request: pytest.FixtureRequest, personas: dict[str, Any], system: Any) -> Any:
    """The upstream system's client, through either door: the API operation (Django's test
    client: the full middleware chain, the URL resolver, ninja), or the application a server
    runs, where a token call takes the short chain and its direct view."""
    row, token = create_token(actor=system, user=personas["dispatcher"], name="110-upstream")
    auth = f"Bearer {token}"
    client: Any = (
        Client(HTTP_AUTHORIZATION=auth)
        if request.param == "operation"
        else WsgiClient(make_application(), HTTP_AUTHORIZATION=auth)
    )
    client.token_row = row
    return client


def _post(client: Any, body: dict[str, Any], key: str = "") -> Any:
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post("/api/alerts", json.dumps(body), content_type="application/json", **headers)


CALL = {
    "category": "criminal",
    "subcategory": "pickpocket",
    "building_code": "B1",
    "caller_phone": "13800138000",
    "description": "地铁口被扒手偷走手机",
}


def test_create_then_retry_returns_the_same_alert(upstream: Any) -> None:
    first = _post(upstream, CALL, key="cad-2026-0001")
    assert first.status_code == 201, first.content
    again = _post(upstream, CALL, key="cad-2026-0001")
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert again.json()["number"] == first.json()["number"]
    assert Alert.objects.count() == 1
    assert first.json()["arrival_target_minutes"] == 5 and first.json()["standard_version"] == 1


def test_same_key_different_call_conflicts(upstream: Any) -> None:
    assert _post(upstream, CALL, key="k1").status_code == 201
    response = _post(upstream, CALL | {"category": "traffic", "subcategory": None}, key="k1")
    assert response.status_code == 409
    assert Alert.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"category": "ufo"}, "category"),
        ({"caller_phone": "110"}, "caller_phone"),
        ({"building_code": "NOPE"}, "building_code"),
        ({"building_code": None, "lon": 121.47, "lat": 31.23}, "location"),
    ],
)
def test_bad_calls_are_refused_with_the_field(upstream: Any, changes: dict[str, Any], field: str) -> None:
    response = _post(upstream, CALL | changes, key="bad")
    assert response.status_code == 422
    assert field in response.json()["errors"]
    assert Alert.objects.count() == 0


def test_refusals_speak_the_callers_language(upstream: Any) -> None:
    """Chinese by default; an upstream that asks for English gets the same refusal in English."""
    outside = CALL | {"building_code": None, "lon": 121.47, "lat": 31.23}
    chinese = _post(upstream, outside).json()
    assert chinese["detail"] == "请求有误，未创建警情"
    assert "不在福田派出所辖区内" in chinese["errors"]["location"][0]
    english = upstream.post(
        "/api/alerts", json.dumps(outside), content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    ).json()
    assert english["detail"] == "Invalid request; no alert was created"
    assert "is outside the 福田派出所 precinct" in english["errors"]["location"][0]
    # A repeated key with another call: the conflict names the alert, in English too.
    assert _post(upstream, CALL, key="k2").status_code == 201
    conflict = upstream.post(
        "/api/alerts",
        json.dumps(CALL | {"category": "traffic", "subcategory": None}),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k2",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert conflict.status_code == 409
    assert conflict.json()["detail"].startswith("Idempotency key 'k2' was already used for another alert, FT")


def test_malformed_json_and_missing_fields_are_422(upstream: Any) -> None:
    assert upstream.post("/api/alerts", "{not json", content_type="application/json").status_code in (
        400,
        422,
    )
    assert _post(upstream, {"building_code": "B1"}).status_code == 422


def test_tokens_authenticate_and_revocation_stops_them(upstream: Any, system: Any) -> None:
    assert Client().post("/api/alerts", json.dumps(CALL), content_type="application/json").status_code == 401
    assert (
        Client(HTTP_AUTHORIZATION="Bearer zy_wrong")
        .post("/api/alerts", json.dumps(CALL), content_type="application/json")
        .status_code
        == 401
    )
    revoke_token(actor=system, token=upstream.token_row)  # type: ignore[attr-defined]
    assert _post(upstream, CALL).status_code == 401


def test_a_bureau_reader_cannot_create(personas: dict[str, Any], system: Any) -> None:
    _, token = create_token(actor=system, user=personas["bureau"], name="reader")
    response = _post(Client(HTTP_AUTHORIZATION=f"Bearer {token}"), CALL)
    assert response.status_code == 403
    assert Alert.objects.count() == 0


def test_other_station_cannot_read_futian_alerts(upstream: Any, client_for: Any) -> None:
    alert_id = _post(upstream, CALL).json()["id"]
    assert client_for("other").get(f"/api/alerts/{alert_id}").status_code == 404
    assert client_for("head").get(f"/api/alerts/{alert_id}").json()["category_initial"] == "criminal"


def test_token_cli_prints_the_token_once(personas: dict[str, Any]) -> None:
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("tokens", "create", "--user", "dispatcher", "--name", "110", stdout=out, stderr=StringIO())
    token = out.getvalue().strip()
    assert token.startswith("zy_")
    response = _post(Client(HTTP_AUTHORIZATION=f"Bearer {token}"), CALL)
    assert response.status_code == 201
