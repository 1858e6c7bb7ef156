"""The command board's live push (server-sent events), served apart from the WSGI pages.

DESIGN §5: pages and the API run on WSGI request threads, and no long-lived connection may
hold one. This small ASGI app runs as its own server (``granian --interface asgi
zhengyi.asgi_stream:application``, which ``zhengyi serve`` starts on port P+1 beside the
pages on P) and holds each open board as a coroutine, not a thread.

Why a raw ASGI callable rather than Django's ASGIHandler with an async view: the stream needs
from Django only "session cookie → user" and the board's permission checks, and it uses
Django's own machinery for exactly those (the configured session engine,
``django.contrib.auth.get_user`` with its expiry, password-changed and inactive-account
checks, ``require`` and ``restrict``), run on a small thread pool. Django's ASGI request path
would add the whole synchronous middleware stack, run through asgiref's single shared thread
for every connection (the path measured 4–7× slower than WSGI here), and would hide the two
things a stream must control itself: noticing the client leave (``http.disconnect``) and the
CORS headers a page on another port needs.

How events arrive without a thread per stream: each process runs one poll loop per station
with open boards (:class:`BoardHub`), reading ``BoardEvent`` every 0.25 s on the pool and
fanning the rows out to that station's subscribers, each filtered by what its user may see.
Everything comes from the database, so any number of stream and app processes run side by
side.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import math
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user
from django.core.exceptions import DisallowedHost, PermissionDenied
from django.db import close_old_connections, connection, connections
from django.http import HttpRequest, QueryDict
from django.http.cookie import parse_cookie

from zhengyi.alerts.board import events_after, last_event_id, sees_board_events, station_events_after
from zhengyi.alerts.models import Alert
from zhengyi.core.models import Station, User
from zhengyi.core.permissions import require
from zhengyi.core.selectors import visible_station
from zhengyi.core.streaming import split_host

log = logging.getLogger("zhengyi.stream")

STREAM_PATH = "/alerts/board/stream"  # the same path as the board's other URLs, for a proxy
HEALTH_PATH = "/healthz"
# A stream ends after this long and the browser reconnects by itself (after RETRY_MS) with
# Last-Event-ID, so a session that expired or lost its rights is refused within a minute.
STREAM_SECONDS = 55.0
RETRY_MS = 1000
POLL_SECONDS = 0.25
# Keeps proxies from closing an idle stream, and finds a board that left without a word.
HEARTBEAT_SECONDS = 5.0
SEND_TIMEOUT = 10.0  # a client that stops reading is dropped, not buffered for
BATCH = 200
DB_THREADS = 4
RETRY_AFTER_ERROR = 1.0

NOT_LOGGED_IN = (
    "未登录或会话已过期：请先登录平台后再打开指挥板 / not logged in, or the session expired: "
    "log in on the platform first"
)

Row = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
T = TypeVar("T")


# --- the database, off the event loop ---------------------------------------------------


def _in_thread(fn: Callable[..., T], *args: Any) -> T:
    try:
        return fn(*args)
    finally:
        # Honour CONN_MAX_AGE (SQLite: close after every call) and drop broken connections.
        close_old_connections()


def _close_thread_connections(barrier: threading.Barrier) -> None:
    with contextlib.suppress(threading.BrokenBarrierError):
        barrier.wait(timeout=5)  # holds this thread so every pool thread takes one task
    connections.close_all()


class DbPool:
    """A few threads for ORM work, so the event loop never waits on the database.

    Django's connections belong to a thread; a fixed pool bounds how many a stream process
    opens however many boards it serves.
    """

    def __init__(self, size: int = DB_THREADS) -> None:
        self.size = size
        self._executor: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(self.size, thread_name_prefix="stream-db")
            executor = self._executor
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(executor, functools.partial(_in_thread, fn, *args))

    def close(self) -> None:
        """Close the connections every pool thread holds, then stop the threads (blocking)."""
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is None:
            return
        barrier = threading.Barrier(self.size)
        for future in [executor.submit(_close_thread_connections, barrier) for _ in range(self.size)]:
            future.result()
        executor.shutdown(wait=True)


# --- one poll per station, fanned out ---------------------------------------------------


@dataclass(eq=False)
class Subscriber:
    """One open board: rows of its station's feed, if its user may see them."""

    sees: bool
    queue: asyncio.Queue[list[Row]] = field(default_factory=asyncio.Queue)

    def offer(self, rows: list[Row]) -> None:
        if self.sees:
            self.queue.put_nowait(rows)


@dataclass(eq=False)
class StationFeed:
    subscribers: set[Subscriber] = field(default_factory=set)
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    cursor: int = 0
    task: asyncio.Task[None] | None = None


class BoardHub:
    """The poll loops of one event loop: one per station that has open boards."""

    def __init__(self, pool: DbPool) -> None:
        self.pool = pool
        self.feeds: dict[int, StationFeed] = {}

    async def subscribe(self, station_id: int, sub: Subscriber) -> None:
        """Join the station's feed; returns once it follows from a known event id.

        Rows after that id reach ``sub``; the caller reads everything before from the
        database only *after* this returns, so no event can fall between the two.
        """
        feed = self.feeds.get(station_id)
        if feed is None:
            feed = self.feeds[station_id] = StationFeed()
            feed.task = asyncio.create_task(self._follow(station_id, feed), name=f"board-feed-{station_id}")
        feed.subscribers.add(sub)
        await feed.ready.wait()

    def unsubscribe(self, station_id: int, sub: Subscriber) -> None:
        feed = self.feeds.get(station_id)
        if feed is not None:
            feed.subscribers.discard(sub)  # the loop ends itself once none is left

    def subscriber_count(self) -> int:
        return sum(len(feed.subscribers) for feed in self.feeds.values())

    def stop(self) -> None:
        for feed in list(self.feeds.values()):
            if feed.task is not None:
                feed.task.cancel()

    async def _follow(self, station_id: int, feed: StationFeed) -> None:
        try:
            while True:
                rows: list[Row] = []
                try:
                    if not feed.ready.is_set():
                        feed.cursor = await self.pool.run(last_event_id, station_id)
                        feed.ready.set()
                    else:
                        rows = await self.pool.run(station_events_after, station_id, feed.cursor, BATCH)
                except Exception:
                    # The database restarting must not end the boards' feeds: retry.
                    log.warning("board feed poll failed", exc_info=True, extra={"station_id": station_id})
                    await asyncio.sleep(RETRY_AFTER_ERROR)
                if rows:
                    feed.cursor = rows[-1]["id"]
                    for sub in feed.subscribers:
                        sub.offer(rows)
                if not feed.subscribers:
                    return  # no await between this check and leaving self.feeds
                if len(rows) < BATCH:
                    await asyncio.sleep(POLL_SECONDS)
        finally:
            if self.feeds.get(station_id) is feed:
                del self.feeds[station_id]


# --- who is asking ------------------------------------------------------------------------


@dataclass(frozen=True)
class Refusal:
    status: int
    message: str


@dataclass(frozen=True)
class Viewer:
    user: User
    station: Station
    sees: bool


def _headers(scope: dict[str, Any]) -> dict[str, str]:
    found: dict[str, str] = {}
    for raw_name, raw_value in scope.get("headers", []):
        name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
        if name in found:  # HTTP/2 may split cookies; other repeats join as one list
            value = found[name] + ("; " if name == "cookie" else ",") + value
        found[name] = value
    return found


def build_request(scope: dict[str, Any], headers: dict[str, str]) -> HttpRequest:
    """A plain HttpRequest with what Django's host, session and auth code reads."""
    request = HttpRequest()
    request.method = scope.get("method", "GET")
    request.path = request.path_info = scope.get("path", "/")
    query = scope.get("query_string", b"").decode("latin-1")
    server = scope.get("server") or ("localhost", 80)
    client = scope.get("client") or ("", 0)
    request.META = {
        **{"HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()},
        "REQUEST_METHOD": request.method,
        "QUERY_STRING": query,
        "SERVER_NAME": str(server[0]),
        "SERVER_PORT": str(server[1]),
        "REMOTE_ADDR": str(client[0]),
        "PATH_INFO": request.path,
    }
    request.GET = QueryDict(query)
    request.COOKIES = parse_cookie(headers.get("cookie", ""))
    return request


def authorize(request: HttpRequest) -> Viewer | Refusal:
    """The session cookie → the user, then the board page's own checks (runs on the pool)."""
    key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if not key:
        return Refusal(401, NOT_LOGGED_IN)
    request.session = import_module(settings.SESSION_ENGINE).SessionStore(key)
    user = get_user(request)
    if not user.is_authenticated:
        return Refusal(401, NOT_LOGGED_IN)
    member = cast(User, user)
    try:
        require(member, "view", Alert)
    except PermissionDenied as exc:
        return Refusal(403, str(exc))
    station = visible_station(member, request.GET.get("station"))
    if station is None:
        return Refusal(404, "没有可查看的派出所 / no station you may view")
    return Viewer(member, station, sees_board_events(member, station))


def allowed_origin(origin: str, host: str) -> bool:
    """May a page from ``origin`` read the stream (CORS, with the session cookie)?

    Configured origins and the CSRF trusted origins may; so may any page on the stream
    server's own host name, whatever its port — ``zhengyi serve`` puts the pages on port P
    and the streams on P+1 of one host, and cookies do not tell ports apart either.
    """
    origin = origin.rstrip("/")
    if origin in settings.STREAM_ALLOWED_ORIGINS or origin in settings.CSRF_TRUSTED_ORIGINS:
        return True
    parts = urlsplit(origin)
    name = split_host(host)[0].strip("[]").lower()
    return parts.scheme in ("http", "https") and bool(parts.hostname) and parts.hostname == name


def _after(request: HttpRequest) -> int:
    raw = request.headers.get("Last-Event-ID") or request.GET.get("after") or "0"
    try:
        return max(0, int(raw))
    except ValueError:
        return 0


def _lifetime(request: HttpRequest) -> float:
    """``?seconds=`` shortens a stream (tests); it never lengthens one."""
    try:
        asked = float(request.GET.get("seconds", STREAM_SECONDS))
    except ValueError:
        return STREAM_SECONDS
    return min(STREAM_SECONDS, max(0.1, asked)) if math.isfinite(asked) else STREAM_SECONDS


def _health() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"status": "ok", "database": connection.vendor}


def _event(rows: list[Row]) -> bytes:
    payload = json.dumps(rows, ensure_ascii=False)
    return f"id: {rows[-1]['id']}\nevent: change\ndata: {payload}\n\n".encode()


async def _until_disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


# --- the app ------------------------------------------------------------------------------


class BoardStreamApp:
    """``GET /alerts/board/stream?station=CODE[&after=ID]`` as server-sent events."""

    def __init__(self, pool: DbPool | None = None) -> None:
        self.pool = pool or DbPool()
        self._hub: BoardHub | None = None
        self._hub_loop: asyncio.AbstractEventLoop | None = None

    def hub(self) -> BoardHub:
        """This event loop's hub (a server runs one loop per worker; tests run many)."""
        loop = asyncio.get_running_loop()
        if self._hub is None or self._hub_loop is not loop:
            self._hub, self._hub_loop = BoardHub(self.pool), loop
        return self._hub

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            await self._http(scope, receive, send)
        # Anything else (websocket) is not served: returning closes it.

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self._hub is not None:
                    self._hub.stop()
                await asyncio.to_thread(self.pool.close)
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        headers = _headers(scope)
        request = build_request(scope, headers)
        try:
            host = request.get_host()
        except DisallowedHost as exc:
            await _respond(send, 400, str(exc))
            return
        if request.path == HEALTH_PATH and request.method == "GET":
            try:
                health = await self.pool.run(_health)
            except Exception as exc:  # as the app server's /healthz: 503 naming the error
                await _respond(send, 503, json.dumps({"status": "error", "database": str(exc)}))
                return
            await _respond(send, 200, json.dumps({**health, "streams": self.hub().subscriber_count()}))
            return
        if request.path != STREAM_PATH:
            await _respond(send, 404, "not found: the stream server serves only " + STREAM_PATH)
            return
        cors: list[tuple[bytes, bytes]] = []
        origin = headers.get("origin", "")
        if origin:
            if not allowed_origin(origin, host):
                log.warning("board stream origin refused", extra={"origin": origin})
                await _respond(
                    send, 403, f"origin {origin} may not read this stream (ZHENGYI_STREAM_ORIGINS)"
                )
                return
            cors = [
                (b"access-control-allow-origin", origin.encode("latin-1")),
                (b"access-control-allow-credentials", b"true"),
                (b"vary", b"Origin"),
            ]
        if request.method == "OPTIONS":  # a preflight, should a browser send one
            allow = [
                (b"access-control-allow-methods", b"GET"),
                (b"access-control-allow-headers", b"Last-Event-ID, Cache-Control"),
                (b"access-control-max-age", b"600"),
            ]
            await _respond(send, 204, "", cors + allow)
            return
        if request.method != "GET":
            await _respond(send, 405, "only GET", [*cors, (b"allow", b"GET, OPTIONS")])
            return
        try:
            verdict = await self.pool.run(authorize, request)
        except Exception:
            log.exception("board stream authorisation failed")
            verdict = Refusal(503, "推送服务暂不可用，稍后自动重试 / the stream is unavailable, retrying")
        if isinstance(verdict, Refusal):
            log.info("board stream refused", extra={"status": verdict.status, "path": request.path})
            await _respond(send, verdict.status, verdict.message, cors)
            return
        await self._serve(request, verdict, cors, receive, send)

    async def _serve(
        self,
        request: HttpRequest,
        viewer: Viewer,
        cors: list[tuple[bytes, bytes]],
        receive: Receive,
        send: Send,
    ) -> None:
        hub = self.hub()
        sub = Subscriber(viewer.sees)
        started = time.monotonic()
        pump = asyncio.create_task(
            self._pump(send, hub, sub, viewer, _after(request), _lifetime(request), cors)
        )
        watcher = asyncio.create_task(_until_disconnect(receive))
        end = "disconnected"
        try:
            await asyncio.wait({pump, watcher}, return_when=asyncio.FIRST_COMPLETED)
            if pump.done():
                failure = pump.exception()
                end = "ended" if failure is None else f"failed: {failure!r}"
        finally:
            pump.cancel()
            watcher.cancel()
            hub.unsubscribe(viewer.station.pk, sub)
            await asyncio.gather(pump, watcher, return_exceptions=True)
            log.info(
                "board stream",
                extra={
                    "user": viewer.user.username,
                    "station": viewer.station.code,
                    "seconds": round(time.monotonic() - started, 1),
                    "end": end,
                },
            )

    async def _pump(
        self,
        send: Send,
        hub: BoardHub,
        sub: Subscriber,
        viewer: Viewer,
        after: int,
        lifetime: float,
        cors: list[tuple[bytes, bytes]],
    ) -> None:
        deadline = time.monotonic() + lifetime
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"text/event-stream; charset=utf-8"),
                    (b"cache-control", b"no-cache, no-store"),
                    (b"x-accel-buffering", b"no"),  # nginx: pass each event on at once
                    (b"x-content-type-options", b"nosniff"),
                    *cors,
                ],
            }
        )
        await _chunk(send, f"retry: {RETRY_MS}\n\n".encode())
        await hub.subscribe(viewer.station.pk, sub)
        # What came before the feed's starting point, from the database under the user's rights.
        while True:
            rows = await self.pool.run(events_after, viewer.user, viewer.station, after, BATCH)
            if rows:
                await _chunk(send, _event(rows))
                after = rows[-1]["id"]
            if len(rows) < BATCH:
                break
        last_sent = time.monotonic()
        while (now := time.monotonic()) < deadline:
            try:
                async with asyncio.timeout(min(deadline, last_sent + HEARTBEAT_SECONDS) - now):
                    batches = [await sub.queue.get()]
            except TimeoutError:
                if time.monotonic() < deadline:
                    await _chunk(send, b": heartbeat\n\n")
                    last_sent = time.monotonic()
                continue
            while not sub.queue.empty():
                batches.append(sub.queue.get_nowait())
            fresh = [row for batch in batches for row in batch if row["id"] > after]
            if fresh:
                await _chunk(send, _event(fresh))
                after, last_sent = fresh[-1]["id"], time.monotonic()
        await send({"type": "http.response.body", "body": b"", "more_body": False})


async def _chunk(send: Send, body: bytes) -> None:
    await asyncio.wait_for(
        send({"type": "http.response.body", "body": body, "more_body": True}), SEND_TIMEOUT
    )


async def _respond(
    send: Send, status: int, text: str, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    kind = b"application/json" if text.startswith("{") else b"text/plain; charset=utf-8"
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", kind), (b"cache-control", b"no-store"), *(headers or [])],
        }
    )
    await send({"type": "http.response.body", "body": text.encode()})
