"""The alliances' services: audited, scoped, and refusing bad input with nothing changed."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.alliances.conftest import FAR, MONDAY
from zhengyi.alliances import rostering as core
from zhengyi.alliances.models import Guard, Roster, RosterAssignment
from zhengyi.alliances.services import people, rosters
from zhengyi.core.models import AccessLog, ObjectChange
from zhengyi.core.services.pii import reveal_personal_data

pytestmark = pytest.mark.django_db


def _changes(model: str) -> int:
    return ObjectChange.objects.filter(content_type__app_label="alliances", content_type__model=model).count()


def test_create_guard_is_audited_with_pii_masked(alliance_setup: dict[str, Any]) -> None:
    g = alliance_setup["guards"][0]
    change = ObjectChange.objects.get(content_type__model="guard", object_id=str(g.pk), action="create")
    assert change.actor == alliance_setup["officer"]
    assert change.after["name"] != "保安0号" and change.after["name"].startswith("保")
    assert "13900000000" not in str(change.after)
    assert g.certificate_number == "粤深2019000000"


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"certificate_number": "粤深12"}, "certificate_number", "6至20位"),
        ({"certificate_number": "ab_123456"}, "certificate_number", "字母和数字"),
        ({"certificate_number": "粤深2019000001"}, "certificate_number", "已登记"),
        ({"phone": "12345"}, "phone", "11位"),
        ({"name": "  "}, "name", "姓名"),
    ],
)
def test_create_guard_refuses_bad_input_and_changes_nothing(
    alliance_setup: dict[str, Any], fields: dict[str, str], field: str, words: str
) -> None:
    before = (Guard.objects.count(), _changes("guard"))
    values = {"certificate_number": "粤深2020123456", "name": "新保安", "phone": "13912345678"} | fields
    with pytest.raises(ValidationError) as err:
        people.create_guard(actor=alliance_setup["officer"], employer=alliance_setup["bar"], **values)
    assert words in " ".join(err.value.message_dict[field])
    assert (Guard.objects.count(), _changes("guard")) == before


def test_member_staff_may_not_register_guards(
    alliance_setup: dict[str, Any], personas: dict[str, Any]
) -> None:
    with pytest.raises(PermissionDenied):
        people.create_guard(
            actor=personas["property"],
            employer=alliance_setup["bar"],
            certificate_number="粤深2020123456",
            name="某",
        )


def test_update_guard_records_before_and_after(alliance_setup: dict[str, Any]) -> None:
    g = alliance_setup["guards"][0]
    people.update_guard(
        actor=alliance_setup["officer"], guard=g, changes={"training_valid_until": date(2026, 12, 31)}
    )
    change = ObjectChange.objects.filter(
        content_type__model="guard", object_id=str(g.pk), action="update"
    ).get()
    assert change.before["training_valid_until"] == FAR.isoformat()
    assert change.after["training_valid_until"] == "2026-12-31"


def test_member_staff_see_only_their_guards(alliance_setup: dict[str, Any], personas: dict[str, Any]) -> None:
    bar_guards = set(Guard.objects.restrict(personas["property"], "view").values_list("pk", flat=True))
    assert bar_guards == {g.pk for g in alliance_setup["guards"][:4]}
    lead_guards = set(Guard.objects.restrict(personas["guardlead"], "view").values_list("pk", flat=True))
    assert lead_guards == {g.pk for g in alliance_setup["guards"][4:]}
    assert Guard.objects.restrict(personas["community"], "view").count() == 8
    assert not Guard.objects.restrict(personas["other"], "view").exists()
    assert not Guard.objects.restrict(personas["dispatcher"], "view").exists()


def test_personal_data_revealed_only_where_the_role_allows(
    alliance_setup: dict[str, Any], personas: dict[str, Any]
) -> None:
    own, foreign = alliance_setup["guards"][0], alliance_setup["guards"][5]
    # The employer's staff may see their own guard in clear, and it is logged …
    shown = reveal_personal_data(user=personas["property"], obj=own, reason="核对排班联系电话")
    assert shown["phone"] == "13900000000"
    assert AccessLog.objects.filter(user=personas["property"], object_id=str(own.pk)).exists()
    # … but not another organisation's guard, and a guard lead sees masks only.
    with pytest.raises(PermissionDenied):
        reveal_personal_data(user=personas["property"], obj=foreign, reason="核对排班联系电话")
    with pytest.raises(PermissionDenied):
        reveal_personal_data(user=personas["guardlead"], obj=foreign, reason="核对排班联系电话")


def test_generated_roster_passes_every_rule(roster: Roster, alliance_setup: dict[str, Any]) -> None:
    built = rosters.build_inputs(roster.alliance, roster.period_start, roster.days, roster=roster)
    stored = rosters.assignments_of(roster)
    assert len(stored) == 7 * 3
    assert core.check_roster(stored, built.inputs) == []
    assert roster.solver_status in ("optimal", "feasible")
    assert roster.objective is not None and roster.best_bound is not None
    assert ObjectChange.objects.filter(content_type__model="roster", object_id=str(roster.pk)).exists()
    assert _changes("rosterassignment") == 21


def test_next_period_takes_history_from_the_previous_roster(
    roster: Roster, alliance_setup: dict[str, Any]
) -> None:
    from datetime import timedelta

    start = MONDAY + timedelta(days=7)
    built = rosters.build_inputs(roster.alliance, start, 7)
    assert built.previous == roster
    assert len(built.inputs.history) == 21 and built.inputs.hint
    outcome = rosters.generate_roster(
        actor=alliance_setup["officer"],
        alliance=roster.alliance,
        start=start,
        days=7,
        time_limit=3,
        num_workers=1,
    )
    assert outcome.roster is not None
    assert core.check_roster(rosters.assignments_of(outcome.roster), built.inputs) == []


def test_infeasible_coverage_is_explained_and_nothing_stored(alliance_setup: dict[str, Any]) -> None:
    rosters.set_need(actor=alliance_setup["officer"], shift=alliance_setup["night"], min_guards=9, weekday=3)
    before = (Roster.objects.count(), RosterAssignment.objects.count(), _changes("roster"))
    outcome = rosters.generate_roster(
        actor=alliance_setup["officer"],
        alliance=alliance_setup["alliance"],
        start=MONDAY,
        days=7,
        time_limit=3,
        num_workers=1,
    )
    assert outcome.roster is None and outcome.result.status == "infeasible"
    text = " ".join(outcome.reasons)
    assert "夜班" in text and "2026-12-03" in text and "9" in text, text
    assert (Roster.objects.count(), RosterAssignment.objects.count(), _changes("roster")) == before


def test_overlapping_published_roster_is_refused(roster: Roster, alliance_setup: dict[str, Any]) -> None:
    rosters.publish_roster(actor=alliance_setup["officer"], roster=roster)
    with pytest.raises(ValidationError, match="重叠"):
        rosters.generate_roster(
            actor=alliance_setup["officer"], alliance=roster.alliance, start=MONDAY, days=7, time_limit=3
        )


def test_refused_swap_names_the_rule_and_changes_nothing(
    roster: Roster, alliance_setup: dict[str, Any]
) -> None:
    officer = alliance_setup["officer"]
    a = RosterAssignment.objects.filter(roster=roster).first()
    assert a is not None
    # A guard already on duty that day may not take a second shift.
    busy = RosterAssignment.objects.filter(roster=roster, date=a.date).exclude(guard=a.guard).first()
    assert busy is not None
    with pytest.raises(rosters.SwapRefused) as err:
        rosters.swap_assignment(actor=officer, assignment=a, new_guard=busy.guard)
    assert err.value.rules == ["one_shift_per_day"]
    assert "每天至多一个班次" in err.value.messages[0]
    # An expired certificate is named too.
    idle = _idle_guard(roster, a)
    people.update_guard(actor=officer, guard=idle, changes={"certificate_valid_until": date(2026, 1, 1)})
    with pytest.raises(rosters.SwapRefused) as err:
        rosters.swap_assignment(actor=officer, assignment=a, new_guard=idle)
    assert "certificate_expired" in err.value.rules
    a.refresh_from_db()
    assert a.guard_id != idle.pk and a.guard_id != busy.guard_id


def _idle_guard(roster: Roster, a: RosterAssignment) -> Guard:
    busy = set(RosterAssignment.objects.filter(roster=roster, date=a.date).values_list("guard_id", flat=True))
    return Guard.objects.exclude(pk__in=busy).filter(employer__alliance=roster.alliance).first()  # type: ignore[return-value]


def test_allowed_swap_is_stored_and_audited(roster: Roster, alliance_setup: dict[str, Any]) -> None:
    officer = alliance_setup["officer"]
    built = rosters.build_inputs(roster.alliance, roster.period_start, roster.days, roster=roster)
    current = rosters.assignments_of(roster)
    for a in RosterAssignment.objects.filter(roster=roster).select_related("guard", "shift__zone"):
        mine = core.Assignment(a.guard.code, a.date, a.shift.zone.code, a.shift.code)
        for g in Guard.objects.filter(employer__alliance=roster.alliance).exclude(pk=a.guard_id):
            if not core.check_swap(current, built.inputs, core.Swap.reassign(mine, g.code)):
                rosters.swap_assignment(actor=officer, assignment=a, new_guard=g)
                a.refresh_from_db()
                assert a.guard_id == g.pk
                assert ObjectChange.objects.filter(
                    content_type__model="rosterassignment", object_id=str(a.pk), action="update"
                ).exists()
                return
    pytest.fail("no allowed swap found in the small roster")


def test_guard_certificate_format() -> None:
    from zhengyi.core.identifiers import IdentifierError, validate_guard_certificate

    assert validate_guard_certificate(" 粤深 2019-001234 ") == "粤深2019001234"
    assert validate_guard_certificate("440300123456") == "440300123456"
    for bad, rule in [("粤12345", "length"), ("ABCDEFGH", "format"), ("粤深2019_0001", "charset")]:
        with pytest.raises(IdentifierError) as err:
            validate_guard_certificate(bad)
        assert err.value.rule == rule
