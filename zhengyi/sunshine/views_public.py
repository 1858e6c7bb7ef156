"""The public portal (/public/): no login, no staff navigation, no personal data — only what the
services published (redacted, leak-checked, logged) and alert counts with small ones suppressed.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from zhengyi.core.models import Station
from zhengyi.sunshine import selectors
from zhengyi.sunshine.forms import FeedbackForm, LookupForm
from zhengyi.sunshine.models import Publication
from zhengyi.sunshine.page_store import stored
from zhengyi.sunshine.services import throttle
from zhengyi.sunshine.services.feedback import submit_feedback

HOME_LATEST = 8


def client_address(request: HttpRequest) -> str:
    # The socket's peer only: a forwarded-for header is the client's to forge. Behind a proxy,
    # the proxy must set REMOTE_ADDR (see docs/sunshine.md).
    return str(request.META.get("REMOTE_ADDR") or "unknown")


@stored
def home(request: HttpRequest) -> HttpResponse:
    pubs = selectors.published()
    notices = list(pubs.filter(kind=Publication.Kind.NOTICE)[:HOME_LATEST])
    briefings = list(pubs.filter(kind=Publication.Kind.BRIEFING)[:HOME_LATEST])
    tracked = list(
        selectors.with_timelines(
            pubs.filter(
                kind__in=[Publication.Kind.KEY_CASE, Publication.Kind.DIFFICULT, Publication.Kind.PROGRESS]
            )
        )[:HOME_LATEST]
    )
    feedback = list(selectors.published_feedback()[:3])
    return render(
        request,
        "sunshine/public/home.html",
        {"notices": notices, "briefings": briefings, "tracked": tracked, "feedback": feedback},
    )


@stored
def publication_list(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "")
    pubs = selectors.published()
    if kind in Publication.Kind.values:
        pubs = pubs.filter(kind=kind)
    else:
        kind = ""
    page = Paginator(pubs, 20).get_page(request.GET.get("page"))
    return render(
        request,
        "sunshine/public/list.html",
        {"page": page, "kind": kind, "kinds": Publication.Kind.choices},
    )


@stored
def publication_page(request: HttpRequest, station: str, number: str) -> HttpResponse:
    pub = selectors.publication_detail(station, number)
    if pub is None:
        raise Http404(_("没有这条公开信息。"))
    return render(request, "sunshine/public/publication.html", {"pub": pub})


def summaries(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "sunshine/public/summaries.html",
        {"stations": selectors.public_stations(), "months": selectors.offered_months()},
    )


def summary_page(request: HttpRequest, station: str, year: int, month: int) -> HttpResponse:
    st = get_object_or_404(Station, code=station)
    if not 1 <= month <= 12 or not 2000 <= year <= date.today().year:
        raise Http404(_("没有这个月份的统计。"))
    summary = selectors.public_month_summary(st, year, month)
    if summary is None:
        raise Http404(_("没有这个月份的统计。"))
    return render(
        request,
        "sunshine/public/summary.html",
        {
            "summary": summary,
            "lines": list(zip([*summary.table.rows, _("合计")], summary.table.grid(), strict=True)),
            "threshold": summary.table.threshold,
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
def lookup(request: HttpRequest) -> HttpResponse:
    """Case number + code → progress; one answer for an unknown case and a wrong code."""
    form = LookupForm(request.POST or None)
    progress = None
    not_found = False
    status = 200
    if request.method == "POST":
        allowed = throttle.hit(
            "lookup",
            client_address(request),
            limit=settings.SUNSHINE_LOOKUP_LIMIT,
            window_seconds=settings.SUNSHINE_LOOKUP_WINDOW,
        )
        if not allowed:
            minutes = max(1, settings.SUNSHINE_LOOKUP_WINDOW // 60)
            form.add_error(None, _("查询过于频繁，请 %(m)s 分钟后再试。") % {"m": minutes})
            status = 429
        elif form.is_valid():
            progress = selectors.lookup_progress(form.cleaned_data["number"], form.cleaned_data["code"])
            not_found = progress is None
    response = render(
        request,
        "sunshine/public/lookup.html",
        {"form": form, "progress": progress, "not_found": not_found},
        status=status,
    )
    if status == 429:
        response["Retry-After"] = str(settings.SUNSHINE_LOOKUP_WINDOW)
    return response


@require_http_methods(["GET", "POST"])
def feedback(request: HttpRequest) -> HttpResponse:
    stations = list(selectors.public_stations())
    form = FeedbackForm(request.POST or None, stations=stations)
    status = 200
    if request.method == "POST":
        if not throttle.hit("feedback", client_address(request), limit=5, window_seconds=3600):
            form.add_error(None, _("提交过于频繁，请一小时后再试。"))
            status = 429
        elif form.is_valid():
            try:
                item = submit_feedback(
                    station=form.cleaned_data["station"],
                    subject=form.cleaned_data["subject"],
                    message=form.cleaned_data["message"],
                    contact=form.cleaned_data["contact"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                return redirect(reverse("public:feedback_thanks") + f"?n={item.number}")
    page = Paginator(selectors.published_feedback(), 20).get_page(request.GET.get("page"))
    return render(request, "sunshine/public/feedback.html", {"form": form, "page": page}, status=status)


def feedback_thanks(request: HttpRequest) -> HttpResponse:
    number = request.GET.get("n", "")[:32]
    return render(request, "sunshine/public/feedback_thanks.html", {"number": number})


def open_data(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "sunshine/public/open_data.html",
        {"stations": selectors.public_stations(), "months": selectors.offered_months()[:3]},
    )


@never_cache
@require_http_methods(["GET"])
def switch_language(request: HttpRequest, code: str) -> HttpResponse:
    """The portal's language links: remember the choice in Django's language cookie and go
    back. A GET (changing nothing but the visitor's own preference) so the pages carry no
    CSRF token and can be served from the page store."""
    if code not in dict(settings.LANGUAGES):
        raise Http404(_("没有这种语言。"))
    target = request.GET.get("next", "")
    if not target.startswith("/") or not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("public:home")
    response = redirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response
