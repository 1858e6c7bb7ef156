"""结业证书 printed for a guard: the course, its modules, the result and the validity.

The certificate carries the guard's name, which is personal data: the page shows it masked,
and prints it in full only after the viewer states why — through the audited reveal service,
so every printed certificate leaves an access-log row. Roles without ``view_pii`` on the guard
print the masked certificate (useful to check, not to hand over).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from zhengyi.alliances.models_training import Certificate, ExamResult
from zhengyi.core.forms import RevealForm, add_service_errors
from zhengyi.core.permissions import can
from zhengyi.core.pii import masked_values
from zhengyi.core.selectors import request_user
from zhengyi.core.services.pii import reveal_personal_data


@login_required
@require_http_methods(["GET", "POST"])
def certificate_print(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    cert = (
        Certificate.objects.restrict(user, "view")
        .select_related("guard__employer", "cohort__course", "cohort__alliance__station")
        .filter(pk=pk)
        .first()
    )
    if cert is None:
        raise Http404(_("证书不存在或无权查看"))
    guard = cert.guard
    name = masked_values(guard).get("name", "")
    revealed = False
    form = RevealForm(request.POST or None, initial={"reason": _("打印培训结业证书")})
    if request.method == "POST" and form.is_valid():
        try:
            name = reveal_personal_data(user=user, obj=guard, reason=form.cleaned_data["reason"])["name"]
            revealed = True
        except PermissionDenied as exc:
            add_service_errors(form, exc)
    cohort = cert.cohort
    result = ExamResult.objects.filter(cohort=cohort, guard=guard).first()
    modules = [cm.module for cm in cohort.course.course_modules.select_related("module").order_by("order")]
    return render(
        request,
        "alliances/training_certificate_print.html",
        {
            "cert": cert,
            "guard": guard,
            "name": name,
            "revealed": revealed,
            "can_reveal": can(user, "view_pii", guard),
            "form": form,
            "cohort": cohort,
            "modules": modules,
            "score": result.score if result else None,
            "instructors": [u.display_name or u.username for u in cohort.instructors.all()],
        },
    )
