from django.urls import include, path

from zhengyi.alliances import views, views_catches, views_roster

app_name = "alliances"
urlpatterns = [
    path("", views.alliance_list, name="list"),
    path("<int:pk>/", views.alliance_detail, name="detail"),
    path("<int:pk>/generate/", views_roster.roster_generate, name="roster_generate"),
    path("guards/", views.guard_list, name="guard_list"),
    path("guards/new/", views.guard_add, name="guard_add"),
    path("guards/<int:pk>/", views.guard_detail, name="guard_detail"),
    path("guards/<int:pk>/edit/", views.guard_edit, name="guard_edit"),
    path("rosters/<int:pk>/", views_roster.roster_detail, name="roster_detail"),
    path("rosters/<int:pk>/swap/", views_roster.roster_swap, name="roster_swap"),
    path("rosters/<int:pk>/publish/", views_roster.roster_publish, name="roster_publish"),
    path("rosters/<int:pk>/roster.csv", views_roster.roster_csv, name="roster_csv"),
    path("rosters/<int:pk>/roster.xlsx", views_roster.roster_xlsx, name="roster_xlsx"),
    path("my-week/", views_roster.my_week, name="my_week"),
    path("catches/", views_catches.catch_list, name="catch_list"),
    path("catches/new/", views_catches.catch_add, name="catch_add"),
    path("", include("zhengyi.alliances.urls_operations")),  # 值守、检查与贡献; create/edit pages
    path("", include("zhengyi.alliances.urls_training")),  # 轮训: textbook, cohorts, certificates
]
