from django.urls import URLPattern, URLResolver, path

from zhengyi.alerts.views import detail, intake, units

app_name = "alerts"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", detail.alert_list, name="list"),
    path("new/", intake.intake, name="intake"),
    path("places.json", intake.places_json, name="places"),
    path("<int:pk>/", detail.alert_detail, name="detail"),
    path("<int:pk>/dispatch/", detail.dispatch, name="dispatch"),
    path("<int:pk>/assignments/<int:assignment_pk>/advance/", detail.advance, name="advance"),
    path("<int:pk>/steps/", detail.step_done, name="step"),
    path("<int:pk>/reclassify/", detail.reclassify_view, name="reclassify"),
    path("<int:pk>/feedback/", detail.feedback, name="feedback"),
    path("<int:pk>/reveal/", detail.reveal, name="reveal"),
    path("units/", units.unit_list, name="units"),
    path("units/<int:pk>/status/", units.unit_status, name="unit_status"),
    path("units/<int:pk>/position/", units.unit_position, name="unit_position"),
    path("units/<int:pk>/crew/", units.unit_crew, name="unit_crew"),
]
