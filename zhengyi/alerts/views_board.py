"""指挥板: open alerts and units on a list and a map, pushed to every open board (SSE).

The page and its state are served here (WSGI); the push stream is served by the separate
stream server (:mod:`zhengyi.alerts.stream`), so no open board holds a request thread.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache

from zhengyi.alerts.board import board_state
from zhengyi.alerts.models import Alert
from zhengyi.core.models import Station
from zhengyi.core.permissions import can, require
from zhengyi.core.selectors import request_user, visible_station
from zhengyi.core.streaming import stream_origin


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
            # The stream server, addressed as this page's host sees it (see core.streaming).
            "stream_url": stream_origin(request) + reverse("board:stream"),
        },
    )


@login_required
@never_cache
def board_data(request: HttpRequest) -> JsonResponse:
    user = request_user(request)
    require(user, "view", Alert)
    return JsonResponse(board_state(user, _station(request)), json_dumps_params={"ensure_ascii": False})


def stream_elsewhere(request: HttpRequest) -> HttpResponse:
    """The stream path on the app server: streams are served by the stream server only.

    Reached only when a reverse proxy does not route the stream path to the stream server
    (or ZHENGYI_STREAM_URL points here); say so instead of holding a request thread open.
    """
    where = stream_origin(request) + reverse("board:stream")
    message = (
        "指挥板实时推送由推送服务（zhengyi.asgi_stream，zhengyi serve 在端口 P+1 启动）提供，"
        f"不经本应用服务器；推送地址：{where}。如使用反向代理，请将 /alerts/board/stream 转发给推送服务 / "
        "the board stream is served by the stream server, not by the app server; "
        "route /alerts/board/stream to it (see docs/production.md)"
    )
    return HttpResponse(message, status=410, content_type="text/plain; charset=utf-8")
