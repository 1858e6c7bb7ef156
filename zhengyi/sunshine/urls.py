from django.urls import path

from zhengyi.sunshine import views_staff

app_name = "sunshine"
urlpatterns = [
    path("", views_staff.index, name="index"),
    path("new/", views_staff.new_draft, name="new"),
    path("new/from-case/", views_staff.new_from_case, name="new_from_case"),
    path("new/from-alert/<int:alert_id>/", views_staff.new_from_alert, name="new_from_alert"),
    path("v/<int:pk>/", views_staff.version_page, name="version"),
    path("v/<int:pk>/review/", views_staff.review, name="review"),
    path("p/<int:pk>/", views_staff.publication_page, name="publication"),
    path("feedback/", views_staff.moderation, name="moderation"),
    path("feedback/<int:pk>/", views_staff.feedback_page, name="feedback"),
]
