"""Training pages (轮训), included under /alliances/training/."""

from django.urls import path

from zhengyi.alliances import views_certificate
from zhengyi.alliances import views_training as v

urlpatterns = [
    path("training/", v.training_home, name="training_home"),
    path("training/textbook/", v.textbook_list, name="training_textbook"),
    path("training/textbook/<int:pk>/", v.textbook_module, name="training_module"),
    path("training/textbook/<int:pk>/edit/", v.textbook_edit, name="training_module_edit"),
    path("training/courses/new/", v.course_add, name="training_course_add"),
    path("training/plan/", v.planner, name="training_plan"),
    path("training/plan/confirm/", v.confirm, name="training_confirm"),
    path("training/cohorts/<int:pk>/", v.cohort_detail, name="training_cohort"),
    path("training/cohorts/<int:pk>/exam/", v.exam_entry, name="training_exam"),
    path("training/cohorts/<int:pk>/certify/", v.certify, name="training_certify"),
    path("training/sessions/<int:pk>/", v.attendance_sheet, name="training_attendance"),
    path("training/sessions/<int:pk>/edit/", v.session_edit, name="training_session_edit"),
    path("training/certificates/", v.certificates, name="training_certificates"),
    path(
        "training/certificates/<int:pk>/print/",
        views_certificate.certificate_print,
        name="training_certificate_print",
    ),
    path("training/due/", v.due, name="training_due"),
]
