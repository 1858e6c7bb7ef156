"""Training pages for each role: the community officer works them end to end; member staff see
only their own guards' training; other roles and stations are refused."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.urls import reverse

from tests.alliances.conftest import TRAINING_START
from zhengyi.alliances.models import GuardAbsence
from zhengyi.alliances.models_training import (
    Attendance,
    Certificate,
    ExamResult,
    TextbookVersion,
    TrainingCohort,
)
from zhengyi.alliances.services import people

pytestmark = pytest.mark.django_db

START = TRAINING_START


def test_officer_pages_and_textbook_is_sanitised(client_for: Any, cohort: TrainingCohort) -> None:
    c = client_for("community")
    module = cohort.sessions.first().module
    session = cohort.sessions.first()
    for url in [
        reverse("alliances:list"),
        reverse("alliances:training_home"),
        reverse("alliances:training_textbook"),
        reverse("alliances:training_module", args=[module.pk]),
        reverse("alliances:training_module_edit", args=[module.pk]),
        reverse("alliances:training_course_add"),
        reverse("alliances:training_plan"),
        reverse("alliances:training_cohort", args=[cohort.pk]),
        reverse("alliances:training_attendance", args=[session.pk]),
        reverse("alliances:training_certificates"),
        reverse("alliances:training_due"),
    ]:
        assert c.get(url).status_code == 200, url
    page = c.get(reverse("alliances:training_module", args=[module.pk])).content.decode()
    assert "<h1>法律法规</h1>" in page and "<script>alert" not in page and "查验出入证件" in page


def test_edit_makes_a_new_version_and_bad_input_changes_nothing(
    client_for: Any, cohort: TrainingCohort
) -> None:
    c = client_for("community")
    module = cohort.sessions.first().module
    url = reverse("alliances:training_module_edit", args=[module.pk])
    response = c.post(url, {"body": "", "note": "x"})
    assert response.status_code == 200 and 'class="field-errors"' in response.content.decode()
    # The same text again is refused too: a version must change something.
    same = c.post(url, {"body": module.current.body, "note": ""})
    assert same.status_code == 200 and "相同" in same.content.decode()
    assert TextbookVersion.objects.filter(module=module).count() == 1
    response = c.post(url, {"body": "# 法律法规\n\n不得搜身，不得扣押证件。", "note": "补充禁止事项"})
    assert response.status_code == 302
    assert list(TextbookVersion.objects.filter(module=module).values_list("number", flat=True)) == [2, 1]
    diff = c.get(reverse("alliances:training_module", args=[module.pk]) + "?v=2&diff=1").content.decode()
    assert "<ins>+ 不得搜身，不得扣押证件。</ins>" in diff


def test_attendance_exam_and_certify_through_pages(client_for: Any, cohort: TrainingCohort) -> None:
    c = client_for("community")
    trainees = list(cohort.trainees.order_by("pk"))
    for s in cohort.sessions.all():
        url = reverse("alliances:training_attendance", args=[s.pk])
        partial = c.post(url, {f"g{trainees[0].pk}": "present"})
        assert partial.status_code == 200 and "还有学员未登记" in partial.content.decode()
        assert not Attendance.objects.filter(session=s).exists()
        data = {f"g{g.pk}": "present" for g in trainees}
        data[f"g{trainees[2].pk}"] = "absent"
        assert c.post(url, data).status_code == 302
    exam = reverse("alliances:training_exam", args=[cohort.pk])
    c.post(exam, {f"score{trainees[0].pk}": "abc"})
    assert not ExamResult.objects.exists()
    c.post(exam, {f"score{g.pk}": "88" for g in trainees})
    assert ExamResult.objects.count() == 3
    c.post(reverse("alliances:training_certify", args=[cohort.pk]))
    assert set(Certificate.objects.values_list("guard_id", flat=True)) == {trainees[0].pk, trainees[1].pk}
    page = c.get(reverse("alliances:training_cohort", args=[cohort.pk])).content.decode()
    assert "出勤 0/2 次（0%），低于要求的 80%" in page


def test_planner_page_proposes_and_confirms(
    client_for: Any, alliance_setup: dict[str, Any], cohort: TrainingCohort
) -> None:
    officer = alliance_setup["officer"]
    due = alliance_setup["guards"][5]
    people.update_guard(
        actor=officer, guard=due, changes={"training_valid_until": START + timedelta(days=40)}
    )
    c = client_for("community")
    page = c.get(
        reverse("alliances:training_plan"),
        {
            "alliance": alliance_setup["alliance"].pk,
            "course": cohort.course.pk,
            "start": "2026-10-19",
            "weeks": 6,
            "max_parallel": 1,
        },
    ).content.decode()
    assert "已用排班规则逐期核对" in page and due.code in page
    found = re.search(r'name="prefix" value="(c\d+)"', page)
    assert found is not None
    prefix = found.group(1)
    value = re.search(rf'name="{prefix}-first" value="([\d-]+)"', page)
    assert value is not None
    first = value.group(1)
    response = c.post(
        reverse("alliances:training_confirm"),
        {
            "prefix": prefix,
            f"{prefix}-alliance": alliance_setup["alliance"].pk,
            f"{prefix}-course": cohort.course.pk,
            f"{prefix}-first": first,
            f"{prefix}-trainees": str(due.pk),
            f"{prefix}-instructors": [officer.pk],
        },
    )
    assert response.status_code == 302
    assert GuardAbsence.objects.filter(guard=due, reason="training", first=date.fromisoformat(first)).exists()


def test_member_staff_see_only_their_guards_training(
    client_for: Any, alliance_setup: dict[str, Any], cohort: TrainingCohort
) -> None:
    g = alliance_setup["guards"]
    c = client_for("property")  # staff of 测试酒吧: guards 0–3
    assert c.get(reverse("alliances:training_home")).status_code == 200
    page = c.get(reverse("alliances:training_cohort", args=[cohort.pk])).content.decode()
    assert g[0].code in page and g[1].code in page and g[4].code not in page
    assert "保存成绩" not in page and "发放结业证书" not in page
    for url in [reverse("alliances:training_plan"), reverse("alliances:training_course_add")]:
        assert c.get(url).status_code == 403, url
    assert c.post(reverse("alliances:training_certify", args=[cohort.pk])).status_code in (403, 404)
    session = cohort.sessions.first()
    assert (
        c.post(
            reverse("alliances:training_attendance", args=[session.pk]), {f"g{g[0].pk}": "present"}
        ).status_code
        == 403
    )
    lead = (
        client_for("guardlead").get(reverse("alliances:training_cohort", args=[cohort.pk])).content.decode()
    )
    assert g[4].code in lead and g[0].code not in lead
    module = session.module
    assert c.get(reverse("alliances:training_module", args=[module.pk])).status_code == 200
    assert c.get(reverse("alliances:training_module_edit", args=[module.pk])).status_code == 403


def test_other_station_and_roles_are_refused(client_for: Any, cohort: TrainingCohort) -> None:
    other = client_for("other")
    assert other.get(reverse("alliances:training_home")).status_code == 403
    assert other.get(reverse("alliances:training_cohort", args=[cohort.pk])).status_code in (403, 404)
    assert client_for("dispatcher").get(reverse("alliances:training_certificates")).status_code == 403
    head = client_for("head")
    assert head.get(reverse("alliances:training_cohort", args=[cohort.pk])).status_code == 200
    assert head.get(reverse("alliances:training_plan")).status_code == 403
