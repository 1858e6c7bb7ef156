"""``zhengyi cases deadlines``: the daily reminder list, by investigator, failing when anything is overdue."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from zhengyi.cases.services import parties as ps

pytestmark = pytest.mark.django_db


def test_overdue_limits_are_listed_by_investigator_and_fail_the_run(
    ft: Any, personas: dict[str, Any]
) -> None:
    from zhengyi.cases.services.cases import open_case

    inv = personas["investigator"]
    case = open_case(
        actor=inv,
        station=ft,
        kind="criminal",
        category="theft",
        title="扒窃案",
        investigators=[inv],
        at=timezone.now() - timedelta(days=3),
    ).case
    (suspect,) = ps.add_parties_bulk(actor=inv, case=case, role="suspect", text="李某某,,,")
    # 拘留 two days ago and none of its 24-hour steps recorded: three limits overdue.
    ps.bulk_measure(
        actor=inv, case=case, parties=[suspect], kind="detention", at=timezone.now() - timedelta(days=2)
    )
    out = StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("cases", "deadlines", "--days", "3", stdout=out)
    assert exited.value.code == 1
    text = out.getvalue()
    assert f"{inv.display_name}:" in text
    assert case.number in text and "已超期" in text
    assert "李某某" not in text  # parties by code only
    assert "拘留后讯问" in text


def test_nothing_due_exits_cleanly_and_bad_options_are_refused(stations: dict[str, Any]) -> None:
    out = StringIO()
    call_command("cases", "deadlines", stdout=out)
    assert out.getvalue().strip().endswith("共 0 项：已超期 0，3 天内到期 0")
    with pytest.raises(CommandError, match="--days"):
        call_command("cases", "deadlines", "--days", "-1")
    with pytest.raises(CommandError, match="no such station"):
        call_command("cases", "deadlines", "--station", "XX")
