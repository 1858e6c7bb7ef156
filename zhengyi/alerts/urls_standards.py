from django.urls import URLPattern, URLResolver, path

from zhengyi.alerts import views_standards as views

app_name = "standards"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.standard_list, name="list"),
    path("new/", views.standard_edit, name="edit"),
    path("compliance/", views.compliance, name="compliance"),
    path("<int:pk>/", views.standard_detail, name="detail"),
]
