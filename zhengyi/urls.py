from django.urls import include, path
from django.views.i18n import set_language

from zhengyi.api import api
from zhengyi.core import views as core_views

urlpatterns = [
    path("", include("zhengyi.core.urls")),
    path("logout/", core_views.logout_view, name="logout"),
    path("precinct/", include("zhengyi.precinct.urls")),
    path("alerts/standards/", include("zhengyi.alerts.urls_standards")),
    path("alerts/board/", include("zhengyi.alerts.urls_board")),
    path("alerts/", include("zhengyi.alerts.urls")),
    path("ledger/", include("zhengyi.ledger.urls")),
    path("alliances/", include("zhengyi.alliances.urls")),
    path("api/", api.urls),
    path("i18n/setlang/", set_language, name="set_language"),
    path("healthz", core_views.healthz, name="healthz"),
]
