"""The stream server: the command board's live push, an ASGI app apart from the WSGI pages.

Each test drives the ASGI app directly (scope, receive, send) on its own event loop, with
the data committed (transactional tests) so the app's database threads see it as another
process would.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
from django.db import connections
from django.test import Client

from zhengyi.alerts import stream
from zhengyi.alerts.board import events_after, sees_board_events
from zhengyi.alerts.models import BoardEvent
from zhengyi.alerts.services.intake import AlertInput, receive_alert
from zhengyi.alerts.stream import STREAM_PATH, BoardStreamApp
from zhengyi.core.management.commands.serve import supervise
from zhengyi.precinct.models import Building

pytestmark = pytest.mark.django_db(transaction=True)

T = TypeVar("T")
HOST = "127.0.0.1:8001"  # the stream server, beside pages on 127.0.0.1:8000
PAGE = "http://127.0.0.1:8000"


@dataclass
class Reply:
    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""
    done: bool = False

    def events(self) -> list[dict[str, Any]]:
        return [
            row
            for line in self.body.splitlines()
            if line.startswith("data: ")
            for row in json.loads(line.removeprefix("data: "))
        ]


class Call:
    """One request to the app, running as a task, so a test can act while it streams."""

    def __init__(
        self,
        app: BoardStreamApp,
        query: str = "",
        headers: dict[str, str] | None = None,
        path: str = STREAM_PATH,
        method: str = "GET",
    ) -> None:
        self.reply = Reply()
        self.leave = asyncio.Event()
        self._asked = False
        sent = {"host": HOST, **(headers or {})}
        scope = {
            "type": "http",
            "http_version": "1.1",
            "method": method,
            "path": path,
            "query_string": query.encode(),
            "headers": [(k.lower().encode(), v.encode()) for k, v in sent.items()],
            "server": ("127.0.0.1", 8001),
            "client": ("127.0.0.1", 50000),
        }
        self.task = asyncio.create_task(app(scope, self._receive, self._send))

    async def _receive(self) -> dict[str, Any]:
        if not self._asked:
            self._asked = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await self.leave.wait()
        return {"type": "http.disconnect"}

    async def _send(self, message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            self.reply.status = message["status"]
            self.reply.headers = {k.decode(): v.decode() for k, v in message["headers"]}
        else:
            self.reply.body += message.get("body", b"").decode()
            self.reply.done = not message.get("more_body", False)

    async def until(self, check: Callable[[Reply], bool], timeout: float = 3.0) -> float:
        started = time.monotonic()
        while not check(self.reply):
            if time.monotonic() - started > timeout:
                raise AssertionError(f"timed out; so far: {self.reply}")
            await asyncio.sleep(0.01)
        return time.monotonic() - started

    async def finish(self, timeout: float = 5.0) -> Reply:
        await asyncio.wait_for(self.task, timeout)
        return self.reply


def run(main: Callable[[], Awaitable[T]]) -> T:
    """Run ``main`` on a fresh event loop in its own thread (this one may have a loop already)."""
    result: list[T] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            result.append(asyncio.run(main()))  # type: ignore[arg-type]
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(30)
    if errors:
        raise errors[0]
    return result[0]


async def in_thread(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """A service call from another thread, as another app process would make it."""

    def call() -> T:
        try:
            return fn(*args, **kwargs)
        finally:
            connections.close_all()

    return await asyncio.to_thread(call)


def fetch(app: BoardStreamApp, query: str = "", headers: dict[str, str] | None = None, **kw: Any) -> Reply:
    async def main() -> Reply:
        return await Call(app, query, headers, **kw).finish()

    return run(main)


@pytest.fixture
def app() -> Iterator[BoardStreamApp]:
    app = BoardStreamApp()
    yield app
    app.pool.close()  # PostgreSQL cannot drop the test database while the pool holds connections


@pytest.fixture
def cookie(client_for: Any) -> Callable[[str], dict[str, str]]:
    def make(username: str) -> dict[str, str]:
        client: Client = client_for(username)
        return {"cookie": f"sessionid={client.cookies['sessionid'].value}"}

    return make


def _receive(personas: dict[str, Any], stations: dict[str, Any], category: str = "criminal") -> Any:
    tower = Building.objects.get(station=stations["FT"], code="B1")
    return receive_alert(
        actor=personas["dispatcher"],
        station=stations["FT"],
        data=AlertInput(category=category, source="phone_110", building_id=tower.pk),
    )[0]


def _last() -> int:
    return BoardEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


# --- who may stream ---------------------------------------------------------------------------


def test_who_may_stream(
    app: BoardStreamApp, client_for: Any, cookie: Callable[[str], dict[str, str]]
) -> None:
    nobody = fetch(app, "station=FT")
    assert nobody.status == 401 and "未登录" in nobody.body and "log in" in nobody.body
    assert fetch(app, "station=FT", {"cookie": "sessionid=not-a-session"}).status == 401
    # The board page's own checks: a guard lead may not view alerts; an officer of 莲花 may
    # not view Futian's board.
    refused = fetch(app, "station=FT", cookie("guardlead"))
    assert refused.status == 403 and refused.body
    elsewhere = fetch(app, "station=FT", cookie("other"))
    assert elsewhere.status == 404 and "派出所" in elsewhere.body
    # The same login as the pages: logging out there ends streaming here.
    client = client_for("dispatcher")
    headers = {"cookie": f"sessionid={client.cookies['sessionid'].value}"}
    assert fetch(app, "station=FT&seconds=0.1", headers).status == 200
    client.post("/logout/")
    assert fetch(app, "station=FT&seconds=0.1", headers).status == 401


def test_host_and_origin_are_checked(app: BoardStreamApp, cookie: Callable[[str], dict[str, str]]) -> None:
    assert fetch(app, "station=FT", {"host": "evil.example"}).status == 400
    # A page on this host (pages on P, streams on P+1) may read it, with the session cookie.
    ok = fetch(app, "station=FT&seconds=0.1", {**cookie("dispatcher"), "origin": PAGE})
    assert ok.status == 200
    assert ok.headers["access-control-allow-origin"] == PAGE
    assert ok.headers["access-control-allow-credentials"] == "true"
    refused = fetch(app, "station=FT", {**cookie("dispatcher"), "origin": "http://evil.example"})
    assert refused.status == 403 and "evil.example" in refused.body
    preflight = fetch(app, "station=FT", {"origin": PAGE}, method="OPTIONS")
    assert preflight.status == 204 and "Last-Event-ID" in preflight.headers["access-control-allow-headers"]
    assert fetch(app, "", {}, path="/alerts/").status == 404
    assert fetch(app, "station=FT", {}, method="POST").status == 405


def test_configured_origins_may_read(app: BoardStreamApp, settings: Any) -> None:
    settings.STREAM_ALLOWED_ORIGINS = ["https://zhengyi.example"]
    assert stream.allowed_origin("https://zhengyi.example", HOST)
    assert stream.allowed_origin("http://127.0.0.1:9999", HOST)
    assert stream.allowed_origin("http://[::1]:8000", "[::1]:8001")
    assert not stream.allowed_origin("https://other.example", HOST)
    assert not stream.allowed_origin("null", HOST)


def test_health(app: BoardStreamApp, db: Any) -> None:
    reply = fetch(app, path="/healthz")
    assert reply.status == 200 and json.loads(reply.body)["status"] == "ok"


# --- what streams -----------------------------------------------------------------------------


def test_a_change_reaches_an_open_stream_within_a_second(
    app: BoardStreamApp,
    cookie: Callable[[str], dict[str, str]],
    personas: dict[str, Any],
    stations: dict[str, Any],
) -> None:
    query, headers = f"station=FT&after={_last()}&seconds=3", cookie("dispatcher")

    async def main() -> tuple[Reply, float, int]:
        call = Call(app, query, headers)
        await call.until(lambda r: "retry: 1000" in r.body)
        await call.until(lambda r: app.hub().subscriber_count() == 1)
        alert = await in_thread(_receive, personas, stations)
        seen = await call.until(lambda r: bool(r.events()))
        call.leave.set()
        reply = await call.finish()
        return reply, seen, alert.pk

    reply, seen, alert_id = run(main)
    assert reply.status == 200 and reply.headers["content-type"].startswith("text/event-stream")
    assert reply.headers["cache-control"].startswith("no-cache")
    assert [e["alert_id"] for e in reply.events()] == [alert_id]
    assert seen < 1.0, f"pushed after {seen:.2f} s"
    assert reply.body.startswith("retry: 1000\n\n")


def test_resume_after_the_last_event_seen(
    app: BoardStreamApp,
    cookie: Callable[[str], dict[str, str]],
    personas: dict[str, Any],
    stations: dict[str, Any],
) -> None:
    last = _last()
    first = _receive(personas, stations)
    second = _receive(personas, stations, "traffic")
    both = fetch(app, f"station=FT&after={last}&seconds=0.3", cookie("dispatcher"))
    events = both.events()
    assert both.done and [e["alert_id"] for e in events] == [first.pk, second.pk]
    assert f"id: {events[-1]['id']}\nevent: change\n" in both.body
    # The browser reconnects with Last-Event-ID, which wins over the page's ?after.
    again = fetch(
        app,
        f"station=FT&after={last}&seconds=0.3",
        {**cookie("dispatcher"), "last-event-id": str(events[0]["id"])},
    )
    assert [e["alert_id"] for e in again.events()] == [second.pk]


def test_heartbeats_keep_an_idle_stream_open(
    app: BoardStreamApp, cookie: Callable[[str], dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stream, "HEARTBEAT_SECONDS", 0.2)
    reply = fetch(app, f"station=FT&after={_last()}&seconds=0.7", cookie("dispatcher"))
    assert reply.body.count(": heartbeat\n\n") >= 2 and "data:" not in reply.body


def test_another_station_sees_nothing(
    app: BoardStreamApp,
    cookie: Callable[[str], dict[str, str]],
    personas: dict[str, Any],
    stations: dict[str, Any],
) -> None:
    after, theirs_cookie, ours_cookie = _last(), cookie("other"), cookie("dispatcher")

    async def main() -> Reply:
        theirs = Call(app, "after=0&seconds=1", theirs_cookie)  # their own station, 莲花
        ours = Call(app, f"station=FT&after={after}&seconds=1", ours_cookie)
        await ours.until(lambda r: app.hub().subscriber_count() == 2)
        await in_thread(_receive, personas, stations)
        await ours.until(lambda r: bool(r.events()))
        return await theirs.finish()

    assert "data:" not in run(main).body


def test_one_poll_per_station_serves_every_board_and_stops_with_the_last(
    app: BoardStreamApp,
    cookie: Callable[[str], dict[str, str]],
    personas: dict[str, Any],
    stations: dict[str, Any],
) -> None:
    after, cookies = _last(), [cookie(u) for u in ("dispatcher", "head")]

    async def main() -> tuple[list[Reply], int, int]:
        calls = [Call(app, f"station=FT&after={after}&seconds=5", c) for c in cookies]
        await calls[0].until(lambda r: app.hub().subscriber_count() == 2)
        feeds = len(app.hub().feeds)
        await in_thread(_receive, personas, stations)
        for call in calls:
            await call.until(lambda r: bool(r.events()))
            call.leave.set()  # the board is closed: the app notices at once
            await call.finish(timeout=1.0)
        await asyncio.sleep(stream.POLL_SECONDS * 3)
        return [c.reply for c in calls], feeds, len(app.hub().feeds)

    replies, feeds, feeds_after = run(main)
    assert feeds == 1 and feeds_after == 0
    assert all(len(r.events()) == 1 for r in replies)


def test_sees_board_events_agrees_with_restrict(personas: dict[str, Any], stations: dict[str, Any]) -> None:
    # The stream filters a station's shared feed with sees_board_events; restrict() decides
    # for events_after. They must agree for every persona at every station.
    for station in (stations["FT"], stations["LH"]):
        BoardEvent.objects.create(station=station, summary="测试")
    for user in personas.values():
        for station in (stations["FT"], stations["LH"]):
            assert sees_board_events(user, station) == bool(events_after(user, station, 0)), user.username


# --- the app server and the page --------------------------------------------------------------


def test_the_app_server_no_longer_streams(client_for: Any) -> None:
    response = client_for("dispatcher").get("/alerts/board/stream?station=FT")
    assert response.status_code == 410 and "stream server" in response.content.decode()


def test_the_board_page_points_at_the_stream_server(client_for: Any, settings: Any) -> None:
    settings.STREAM_URL, settings.STREAM_PORT = "", None
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "zhengyi.example"]
    client = client_for("dispatcher")
    page = client.get("/alerts/board/", HTTP_HOST="127.0.0.1:8000")
    assert 'data-stream-url="//127.0.0.1:8001/alerts/board/stream?station=FT"' in page.content.decode()
    assert "connect-src 'self' 127.0.0.1:8001;" in page["Content-Security-Policy"]
    settings.STREAM_PORT = 9100
    page = client.get("/alerts/board/", HTTP_HOST="zhengyi.example")
    assert 'data-stream-url="//zhengyi.example:9100/alerts/board/stream' in page.content.decode()
    # Behind a proxy that routes the stream path: same origin, nothing more to allow.
    settings.STREAM_URL = "/"
    page = client.get("/alerts/board/")
    assert 'data-stream-url="/alerts/board/stream?station=FT"' in page.content.decode()
    assert "connect-src 'self';" in page["Content-Security-Policy"]
    settings.STREAM_URL = "https://push.zhengyi.example"
    page = client.get("/alerts/board/")
    assert 'data-stream-url="https://push.zhengyi.example/alerts/board/stream' in page.content.decode()
    assert "connect-src 'self' https://push.zhengyi.example;" in page["Content-Security-Policy"]


# --- zhengyi serve: two servers, one service ----------------------------------------------------


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"  # a zombie has stopped; only its parent's wait is missing


def test_serve_stops_both_servers_when_one_dies(tmp_path: Path) -> None:
    # The "stream server" dies and leaves a worker behind (as a killed granian main would).
    worker_pid = tmp_path / "worker.pid"
    sleeper = [sys.executable, "-c", "import time; time.sleep(60)"]
    crasher = [
        sys.executable,
        "-c",
        "import subprocess, sys, time; "
        f"w = subprocess.Popen({sleeper!r}); open({str(worker_pid)!r}, 'w').write(str(w.pid)); "
        "time.sleep(0.3); sys.exit(3)",
    ]
    started = time.monotonic()
    exited = supervise({"app": sleeper, "stream": crasher}, env={}, poll=0.05)
    assert exited == "stream server exited with status 3"
    assert time.monotonic() - started < 10
    orphan = int(worker_pid.read_text())
    deadline = time.monotonic() + 3
    while _alive(orphan) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(orphan), "the dead server's worker was left running"


def test_serve_stops_both_servers_on_sigterm() -> None:
    sleeper = [sys.executable, "-c", "import time; time.sleep(60)"]
    timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGTERM))
    timer.start()
    started = time.monotonic()
    try:
        assert supervise({"app": sleeper, "stream": sleeper}, env={}, poll=0.05) is None
    finally:
        timer.cancel()
    assert time.monotonic() - started < 5


def test_the_intake_bench_serves_as_zhengyi_serve_does() -> None:
    """DESIGN §7 measures intake served "the same way" as the platform: the bench's granian
    flags must follow zhengyi serve's thread count when it changes."""
    import importlib.util

    from zhengyi.core.management.commands.serve import APP_THREADS

    bench = Path(__file__).resolve().parents[2] / "bench"
    sys.path.insert(0, str(bench))
    try:
        spec = importlib.util.spec_from_file_location("bench_servers", bench / "servers.py")
        assert spec is not None and spec.loader is not None
        servers = importlib.util.module_from_spec(spec)
        sys.modules["bench_servers"] = servers  # its dataclasses look their module up
        spec.loader.exec_module(servers)
    finally:
        sys.path.remove(str(bench))
        sys.modules.pop("bench_servers", None)
    assert servers.SERVE_THREADS == APP_THREADS
