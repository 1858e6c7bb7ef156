"""Log-in with lockout; a production start refuses demo accounts; health check."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, override_settings

from zhengyi.core.checks import demo_accounts_guard
from zhengyi.core.models import ObjectChange
from zhengyi.demo.accounts import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def test_login_then_home_shows_the_station(personas: dict[str, Any]) -> None:
    client = Client()
    response = client.post("/login/", {"username": "head", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    home = client.get("/").content.decode()
    assert "福田派出所" in home and "张所长" in home


@override_settings(LOGIN_MAX_FAILURES=3, LOGIN_LOCKOUT_MINUTES=15)
def test_lockout_after_repeated_failures(personas: dict[str, Any]) -> None:
    client = Client()
    for _ in range(3):
        response = client.post("/login/", {"username": "officer", "password": "wrong-password"})
        assert response.status_code == 400
    assert "锁定" in response.content.decode()
    # Even the right password is refused while locked.
    locked = client.post("/login/", {"username": "officer", "password": DEMO_PASSWORD})
    assert locked.status_code == 400 and "锁定" in locked.content.decode()
    personas["officer"].refresh_from_db()
    assert personas["officer"].locked_until is not None
    assert ObjectChange.objects.filter(
        object_id=str(personas["officer"].pk), message__contains="锁定"
    ).exists()


def test_unknown_user_gets_the_same_message(personas: dict[str, Any]) -> None:
    response = Client().post("/login/", {"username": "nobody", "password": "x"})
    assert response.status_code == 400 and "用户名或密码不正确" in response.content.decode()


def test_pages_need_login(stations: dict[str, Any]) -> None:
    for url in ["/", "/precinct/map/", "/precinct/buildings/", "/changes/"]:
        response = Client().get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url
    assert Client().get("/api/precinct/buildings").status_code == 401


def test_production_start_refuses_demo_accounts(personas: dict[str, Any]) -> None:
    with override_settings(ALLOW_DEMO_ACCOUNTS=False), pytest.raises(ImproperlyConfigured, match="演示账户"):
        demo_accounts_guard()
    demo_accounts_guard(allow=True)


def test_serve_command_refuses_without_flag(personas: dict[str, Any]) -> None:
    from django.core.management import CommandError, call_command

    with override_settings(ALLOW_DEMO_ACCOUNTS=False), pytest.raises(CommandError, match="演示账户"):
        call_command("serve")


def test_healthz_checks_the_database(db: Any) -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200 and response.json()["status"] == "ok"


def test_security_headers(personas: dict[str, Any]) -> None:
    response = Client().get("/login/")
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Request-ID"]


def test_english_is_available(personas: dict[str, Any]) -> None:
    client = Client()
    client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    assert client.get("/login/").headers["Content-Language"] == "en"


def test_api_docs_use_only_local_assets(db: Any) -> None:
    body = Client().get("/api/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in body
    assert "cdn" not in body.lower()
    schema = Client().get("/api/openapi.json").json()
    assert "/api/precinct/buildings" in schema["paths"]
