from django.urls import URLPattern, URLResolver, path

from zhengyi.cases import views, views_actions

app_name = "cases"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.case_list, name="list"),
    path("new/", views.case_create, name="create"),
    path("deadlines/", views.deadlines_board, name="board"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/receipt/", views.receipt, name="receipt"),
    path("<int:pk>/documents/<int:doc_pk>/", views.document_download, name="document"),
    path("<int:pk>/move/", views_actions.move, name="move"),
    path("<int:pk>/parties/", views_actions.add_party, name="add_party"),
    path("<int:pk>/parties/bulk/", views_actions.add_parties, name="add_parties"),
    path("<int:pk>/measures/", views_actions.measure, name="measure"),
    path("<int:pk>/measures/decision/", views_actions.decision, name="decision"),
    path("<int:pk>/measures/detention-step/", views_actions.detention_step, name="detention_step"),
    path("<int:pk>/measures/end/", views_actions.end, name="end_measure"),
    path("<int:pk>/extensions/", views_actions.extend, name="extend"),
    path("<int:pk>/documents/", views_actions.document, name="upload"),
    path("<int:pk>/alerts/", views_actions.link, name="link"),
    path("<int:pk>/lookup-code/", views_actions.reissue, name="reissue"),
    path("<int:pk>/notice/", views_actions.notice, name="notice"),
]
