"""值守、检查与贡献, and the create/edit pages; included into the alliances namespace."""

from django.urls import path

from zhengyi.alliances import views_manage, views_operations

urlpatterns = [
    path("new/", views_manage.alliance_new, name="alliance_new"),
    path("<int:pk>/edit/", views_manage.alliance_edit, name="alliance_edit"),
    path("<int:pk>/ops/", views_operations.ops_hub, name="ops"),
    path("<int:pk>/contribution/", views_operations.contribution_page, name="contribution"),
    path("<int:pk>/contribution.json", views_operations.contribution_json, name="contribution_json"),
    path("<int:pk>/members/new/", views_manage.member_new, name="member_new"),
    path("members/<int:pk>/edit/", views_manage.member_edit, name="member_edit"),
    path("<int:pk>/teams/new/", views_manage.team_new, name="team_new"),
    path("teams/<int:pk>/edit/", views_manage.team_edit, name="team_edit"),
    path("<int:pk>/shifts/new/", views_manage.shift_new, name="shift_new"),
    path("shifts/<int:pk>/edit/", views_manage.shift_edit, name="shift_edit"),
    path("shifts/<int:pk>/needs/new/", views_manage.need_set, name="need_set"),
    path("needs/<int:pk>/remove/", views_manage.need_remove, name="need_remove"),
    path("guards/<int:pk>/absences/new/", views_manage.absence_new, name="absence_new"),
    path("my-team/", views_operations.my_team, name="my_team"),
    path("inspections/", views_operations.inspection_list, name="inspection_list"),
    path("members/<int:pk>/inspections/new/", views_operations.inspection_new, name="inspection_new"),
    path("inspections/<int:pk>/", views_operations.inspection_detail, name="inspection_detail"),
    path("inspections/<int:pk>/edit/", views_operations.inspection_edit, name="inspection_edit"),
    path("inspections/<int:pk>/print/", views_operations.inspection_print, name="inspection_print"),
    path("inspections/<int:pk>/sign/", views_operations.inspection_sign, name="inspection_sign"),
    path("rectifications/<int:pk>/close/", views_operations.rectification_close, name="rectification_close"),
]
