from django.urls import path

from zhengyi.core import views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_view, name="login"),
    path("changes/", views.changes, name="changes"),
    path("access-logs/", views.access_logs, name="access_logs"),
    path("history/<str:app_label>/<str:model>/<str:pk>/", views.history, name="history"),
]
