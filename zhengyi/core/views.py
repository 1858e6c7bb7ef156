from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from zhengyi.core.forms import LoginForm
from zhengyi.core.models import AccessLog, ObjectChange, Station, User
from zhengyi.core.permissions import can
from zhengyi.core.services.accounts import is_locked, record_login_failure, record_login_success
from zhengyi.core.services.audit import history_for


@never_cache
def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request, data=request.POST or None)
    error = ""
    if request.method == "POST":
        username = request.POST.get("username", "").strip()
        account = User.objects.filter(username=username).first()
        if account is not None and is_locked(account):
            until = timezone.localtime(account.locked_until)
            error = _("账户因连续登录失败已锁定，请于 %(time)s 后再试，或联系所长解锁。") % {
                "time": f"{until:%H:%M}"
            }
        else:
            user = authenticate(request, username=username, password=request.POST.get("password", ""))
            if user is not None:
                record_login_success(user=user)
                login(request, user)
                return redirect(request.GET.get("next") or "core:home")
            if account is not None:
                account = record_login_failure(user=account)
                if is_locked(account):
                    error = _("连续登录失败次数过多，账户已锁定 %(minutes)s 分钟。") % {
                        "minutes": int((account.locked_until - timezone.now()).total_seconds() // 60) + 1  # type: ignore[operator]
                    }
            error = error or _("用户名或密码不正确。请检查大小写与输入法后重试。")
    return render(request, "core/login.html", {"form": form, "error": error}, status=400 if error else 200)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    from zhengyi.alerts.station_week import station_week
    from zhengyi.alliances.selectors_guard import guard_day, training_reminder
    from zhengyi.precinct.selectors import precinct_summary

    stations = list(Station.objects.restrict(user, "view").select_related("bureau"))
    summaries = [precinct_summary(s) for s in stations]
    changes = ObjectChange.objects.restrict(user, "view").select_related("content_type")[:12]
    context: dict[str, Any] = {
        "stations": list(zip(stations, summaries, strict=True)),
        "single": stations[0] if len(stations) == 1 else None,
        "summary": summaries[0] if len(stations) == 1 else None,
        "changes": changes if can(user, "view", ObjectChange) else [],
        "roles": list(user.roles.all()),
        # A guard on a phone first wants his own shift, before the precinct's figures; a station
        # head or dispatcher, how the week's alerts were handled.
        "guard_day": guard_day(user),
        "week": station_week(user, stations),
        "training_reminder": training_reminder(user),
    }
    return render(request, "core/home.html", context)


def _object_or_404(app_label: str, model: str, pk: str, user: User) -> Any:
    try:
        ct = ContentType.objects.get(app_label=app_label, model=model)
    except ContentType.DoesNotExist as exc:
        raise Http404 from exc
    model_class = ct.model_class()
    manager = getattr(model_class, "objects", None)
    if model_class is None or not hasattr(manager, "restrict"):
        raise Http404
    obj = manager.restrict(user, "view").filter(pk=pk).first()  # type: ignore[union-attr]
    if obj is None:
        raise Http404
    return obj


@login_required
def history(request: HttpRequest, app_label: str, model: str, pk: str) -> HttpResponse:
    """Every change of one object; visible to whoever may view the object."""
    user: User = request.user  # type: ignore[assignment]
    obj = _object_or_404(app_label, model, pk, user)
    page = Paginator(history_for(obj), 50).get_page(request.GET.get("page"))
    return render(
        request, "core/history.html", {"object": obj, "page": page, "verbose": obj._meta.verbose_name}
    )


@login_required
def changes(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if not can(user, "view", ObjectChange):
        raise PermissionDenied
    qs = ObjectChange.objects.restrict(user, "view").select_related("content_type")
    source = request.GET.get("source", "")
    if source:
        qs = qs.filter(source=source)
    actor = request.GET.get("actor", "").strip()
    if actor:
        qs = qs.filter(actor_name__icontains=actor)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "core/changes.html", {"page": page, "source": source, "actor": actor})


@login_required
def access_logs(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if not can(user, "view", AccessLog):
        raise PermissionDenied
    page = Paginator(AccessLog.objects.restrict(user, "view").select_related("content_type"), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "core/access_logs.html", {"page": page})


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database reachability, for load balancers and monitoring."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return JsonResponse({"status": "error", "database": str(exc)[:200]}, status=503)
    return JsonResponse({"status": "ok", "database": connection.vendor})


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    messages.error(request, _("页面已过期（安全校验失败），请刷新页面后重试。"), fail_silently=True)
    return render(request, "core/error.html", {"title": _("安全校验失败"), "detail": reason}, status=403)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("core:login")
