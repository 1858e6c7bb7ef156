"""指挥板: open alerts and units on a list and a map, pushed to every open board (SSE)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

from django.contrib.auth.decorators import login_required
from django.db import close_old_connections, connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from zhengyi.alerts.board import board_state, events_after
from zhengyi.alerts.models import Alert
from zhengyi.core.models import Station
from zhengyi.core.permissions import can, require
from zhengyi.core.selectors import request_user, visible_station

# Each stream lives at most this long; EventSource reconnects by itself with Last-Event-ID,
# so no connection holds a server thread for long.
STREAM_SECONDS = 55.0
POLL_SECONDS = 0.25
HEARTBEAT_SECONDS = 5.0  # also how soon a closed board frees its stream (the write fails)


def _station(request: HttpRequest) -> Station:
    station = visible_station(request_user(request), request.GET.get("station"))
    if station is None:
        raise Http404("没有可查看的派出所")
    return station


@login_required
def board_page(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require(user, "view", Alert)
    station = _station(request)
    return render(
        request,
        "alerts/board.html",
        {
            "station": station,
            "can_dispatch": can(user, "change", Alert),
            "can_intake": can(user, "add", Alert),
        },
    )


@login_required
@never_cache
def board_data(request: HttpRequest) -> JsonResponse:
    user = request_user(request)
    require(user, "view", Alert)
    return JsonResponse(board_state(user, _station(request)), json_dumps_params={"ensure_ascii": False})


def _after(request: HttpRequest) -> int:
    raw = request.headers.get("Last-Event-ID") or request.GET.get("after") or "0"
    try:
        return max(0, int(raw))
    except ValueError:
        return 0


@login_required
@never_cache
def board_stream(request: HttpRequest) -> StreamingHttpResponse:
    user = request_user(request)
    require(user, "view", Alert)
    station = _station(request)
    after = _after(request)
    limit = min(STREAM_SECONDS, float(request.GET.get("seconds", STREAM_SECONDS)))

    def stream() -> Iterator[str]:
        nonlocal after
        started = last_beat = time.monotonic()
        yield "retry: 1000\n\n"
        while time.monotonic() - started < limit:
            events = events_after(user, station, after)
            if events:
                after = events[-1]["id"]
                payload = json.dumps(events, ensure_ascii=False)
                yield f"id: {after}\nevent: change\ndata: {payload}\n\n"
                last_beat = time.monotonic()
            elif time.monotonic() - last_beat > HEARTBEAT_SECONDS:
                yield ": heartbeat\n\n"
                last_beat = time.monotonic()
            # Release the connection between polls so a long stream holds no transaction open
            # (not when running inside an outer transaction, as under a test case).
            if not connection.in_atomic_block:
                close_old_connections()
            time.sleep(POLL_SECONDS)

    response = StreamingHttpResponse(stream(), content_type="text/event-stream; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response
