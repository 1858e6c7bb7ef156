"""The printable 结业证书: masked until the viewer states why; the full name printed is logged."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from tests.alliances.conftest import TRAINING_START as START
from zhengyi.alliances.models_training import Certificate, TrainingCohort
from zhengyi.alliances.services import training
from zhengyi.core.models import AccessLog

pytestmark = pytest.mark.django_db


def _certified(cohort: TrainingCohort, officer: Any) -> Certificate:
    trainees = list(cohort.trainees.order_by("pk"))
    for s in cohort.sessions.all():
        training.record_attendance(actor=officer, session=s, statuses={g.pk: "present" for g in trainees})
    training.record_results(actor=officer, cohort=cohort, scores={g.pk: 90 for g in trainees})
    training.certify(actor=officer, cohort=cohort)
    return Certificate.objects.get(cohort=cohort, guard=trainees[0])


def test_certificate_prints_masked_then_named_with_an_access_log(
    client_for: Any,
    cohort: TrainingCohort,
    alliance_setup: dict[str, Any],
) -> None:
    cert = _certified(cohort, alliance_setup["officer"])
    url = reverse("alliances:training_certificate_print", args=[cert.pk])
    community = client_for("community")
    page = community.get(url).content.decode()
    assert "结业证书" in page and cert.guard.certificate_number in page
    assert "保安0号" not in page  # masked until a reason is given
    assert "90" in page and "法律法规" in page and str(START) in page
    refused = community.post(url, {"reason": "x"})
    assert "保安0号" not in refused.content.decode()
    assert not AccessLog.objects.exists()
    printed = community.post(url, {"reason": "打印培训结业证书"}).content.decode()
    assert "保安0号" in printed
    log = AccessLog.objects.get()
    assert log.reason == "打印培训结业证书" and log.object_id == str(cert.guard.pk)

    # The guard lead (no view_pii) sees the masked certificate of his company's guard only;
    # guard 0 works for the bar, so he does not see it at all.
    assert client_for("guardlead").get(url).status_code == 404
    assert client_for("other").get(url).status_code == 404
