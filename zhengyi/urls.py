from django.urls import include, path
from django.views.i18n import set_language

from zhengyi.api import api
from zhengyi.core import views as core_views

urlpatterns = [
    # First: the upstream 110 system's calls are the busiest path, and Django tries the
    # patterns in order (each include it passes costs a resolver walk).
    path("api/", api.urls),
    path("", include("zhengyi.core.urls")),
    path("logout/", core_views.logout_view, name="logout"),
    path("precinct/", include("zhengyi.precinct.urls")),
    path("alerts/standards/", include("zhengyi.alerts.urls_standards")),
    path("alerts/board/", include("zhengyi.alerts.urls_board")),
    path("alerts/", include("zhengyi.alerts.urls")),
    path("ledger/", include("zhengyi.ledger.urls")),
    path("alliances/", include("zhengyi.alliances.urls")),
    path("cases/", include("zhengyi.cases.urls")),
    path("sunshine/", include("zhengyi.sunshine.urls")),
    path("public/", include("zhengyi.sunshine.urls_public")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("healthz", core_views.healthz, name="healthz"),
]
