"""The public side alone (ZHENGYI_PUBLIC_ONLY=1, docs/sunshine.md): the portal, the ledger's public
pages and proofs, language switching and the health check — no login, no staff pages, no API.

Shared templates (the ledger's pages extend ``base.html``) link to ``core:home`` and
``core:login``; here both names lead to the portal, so they render without a staff side.
"""

from django.urls import include, path
from django.views.generic import RedirectView
from django.views.i18n import set_language

from zhengyi.core import views as core_views

_portal = RedirectView.as_view(url="/public/", permanent=False)

urlpatterns = [
    path("", _portal),
    path("public/", include("zhengyi.sunshine.urls_public")),
    path("ledger/", include("zhengyi.ledger.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("healthz", core_views.healthz, name="healthz"),
    path(
        "staff/",
        include(([path("", _portal, name="home"), path("login/", _portal, name="login")], "core")),
    ),
]
