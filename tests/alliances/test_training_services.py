"""Training services: textbook versions, cohorts and their absences, attendance, exams, certificates,
and the issue's Done-when: a cohort planned, attended, examined and certified, with the roster for
its two weeks keeping every zone covered."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from zhengyi.alliances.models import Guard, GuardAbsence, RosterAssignment
from zhengyi.alliances.models_training import Certificate, TextbookVersion, TrainingCohort
from zhengyi.alliances.services import people, rosters, training
from zhengyi.alliances.services.training_planning import propose_cohorts, zone_needs

pytestmark = pytest.mark.django_db

# A Monday eight weeks before the rostering tests' MONDAY, so that every session is in the past.
START = date(2026, 10, 5)


@pytest.fixture
def course(alliance_setup: dict[str, Any]) -> Any:
    officer = alliance_setup["officer"]
    station = alliance_setup["alliance"].station
    law = training.create_module(
        actor=officer, station=station, code="FG", title="法律法规", body="# 法律法规\n\n可以查验证件。"
    )
    fire = training.create_module(actor=officer, station=station, code="XF", title="消防", body="# 消防\n")
    return training.create_course(
        actor=officer, station=station, title="保安轮训", modules=[(law, 3), (fire, 2)], capacity=3
    )


def _due(setup: dict[str, Any], indexes: list[int], until: date) -> list[Guard]:
    out = []
    for i in indexes:
        g = setup["guards"][i]
        out.append(
            people.update_guard(actor=setup["officer"], guard=g, changes={"training_valid_until": until})
        )
    return out


def test_versions_are_never_overwritten(alliance_setup: dict[str, Any], course: Any) -> None:
    officer = alliance_setup["officer"]
    module = course.modules.get(code="FG")
    first = module.current
    second = training.add_version(actor=officer, module=module, body="# 法律法规\n\n不得搜身。", note="补充")
    assert (first.number, second.number) == (1, 2)
    first.refresh_from_db()
    assert "可以查验证件" in first.body and module.current == second
    with pytest.raises(ValidationError, match="相同"):
        training.add_version(actor=officer, module=module, body="# 法律法规\n\n不得搜身。")
    assert TextbookVersion.objects.filter(module=module).count() == 2
    with pytest.raises(PermissionDenied):
        training.add_version(
            actor=alliance_setup["guards"][0].employer.staff.first(), module=module, body="x"
        )


def test_confirm_creates_absences_sessions_and_refuses_conflicts(
    alliance_setup: dict[str, Any], course: Any
) -> None:
    officer = alliance_setup["officer"]
    guards = alliance_setup["guards"]
    cohort = training.confirm_cohort(
        actor=officer,
        course=course,
        alliance=alliance_setup["alliance"],
        first=START,
        trainees=guards[:2],
        instructors=[officer],
    )
    assert cohort.last == START + timedelta(days=13)
    absences = GuardAbsence.objects.filter(guard__in=guards[:2], reason="training")
    assert {(a.first, a.last) for a in absences} == {(START, cohort.last)}
    assert absences.count() == 2
    sessions = list(cohort.sessions.order_by("date"))
    assert len(sessions) == 5 and all(s.date.weekday() < 5 for s in sessions)
    assert {s.version.number for s in sessions} == {1}
    # The version taught stays recorded when the textbook moves on.
    training.add_version(actor=officer, module=sessions[0].module, body="# 新版\n")
    sessions[0].refresh_from_db()
    assert sessions[0].version.number == 1
    with pytest.raises(ValidationError, match="轮训") as err:
        training.confirm_cohort(
            actor=officer,
            course=course,
            alliance=alliance_setup["alliance"],
            first=START + timedelta(days=7),
            trainees=guards[1:3],
        )
    assert guards[1].code in str(err.value) and guards[2].code not in str(err.value)
    assert TrainingCohort.objects.count() == 1


def test_confirm_refuses_rostered_guards(alliance_setup: dict[str, Any], course: Any, roster: Any) -> None:
    guard = RosterAssignment.objects.filter(roster=roster).first().guard
    with pytest.raises(ValidationError, match="已排班"):
        training.confirm_cohort(
            actor=alliance_setup["officer"],
            course=course,
            alliance=alliance_setup["alliance"],
            first=roster.period_start,
            trainees=[guard],
        )
    assert not GuardAbsence.objects.filter(guard=guard).exists()


def test_certify_rules_and_reasons(alliance_setup: dict[str, Any], course: Any) -> None:
    officer = alliance_setup["officer"]
    g = alliance_setup["guards"][:3]
    cohort = training.confirm_cohort(
        actor=officer, course=course, alliance=alliance_setup["alliance"], first=START, trainees=g
    )
    sessions = list(cohort.sessions.order_by("date"))
    with pytest.raises(ValidationError, match="尚未开始"):
        training.record_attendance(
            actor=officer, session=sessions[0], statuses={g[0].pk: "present"}, today=START - timedelta(days=1)
        )
    for i, s in enumerate(sessions):
        # g0 always present; g1 misses two of five (60 %); g2 present but fails the exam.
        statuses = {g[0].pk: "present", g[1].pk: "absent" if i < 2 else "present", g[2].pk: "present"}
        training.record_attendance(actor=officer, session=s, statuses=statuses, today=cohort.last)
    with pytest.raises(ValidationError, match="0 到 100"):
        training.record_results(actor=officer, cohort=cohort, scores={g[0].pk: 101}, today=cohort.last)
    with pytest.raises(ValidationError, match="结业当天"):
        training.record_results(actor=officer, cohort=cohort, scores={g[0].pk: 90}, today=START)
    training.record_results(
        actor=officer, cohort=cohort, scores={g[0].pk: 90, g[1].pk: 95, g[2].pk: 59}, today=cohort.last
    )
    issued = cohort.last + timedelta(days=1)
    outcome = training.certify(actor=officer, cohort=cohort, issued=issued)
    assert [c.guard_id for c in outcome.issued] == [g[0].pk]
    assert "60%" in outcome.refused[g[1].code][0] and "80%" in outcome.refused[g[1].code][0]
    assert "59" in outcome.refused[g[2].code][0] and "60" in outcome.refused[g[2].code][0]
    g[0].refresh_from_db()
    assert (
        g[0].training_valid_until == alliance_setup["guards"][0].training_valid_until
    )  # FAR: never shortened
    cert = Certificate.objects.get(guard=g[0])
    assert cert.expires == issued + timedelta(days=365)
    # A retake: g2 passes now, and is certified on a second call; g1 still is not.
    training.record_results(actor=officer, cohort=cohort, scores={g[2].pk: 75}, today=cohort.last)
    again = training.certify(actor=officer, cohort=cohort, issued=issued)
    assert [c.guard_id for c in again.issued] == [g[2].pk] and list(again.refused) == [g[1].code]


def test_certificate_renews_training(alliance_setup: dict[str, Any], course: Any) -> None:
    officer = alliance_setup["officer"]
    (guard,) = _due(alliance_setup, [0], START + timedelta(days=5))
    cohort = training.confirm_cohort(
        actor=officer, course=course, alliance=alliance_setup["alliance"], first=START, trainees=[guard]
    )
    for s in cohort.sessions.all():
        training.record_attendance(
            actor=officer, session=s, statuses={guard.pk: "present"}, today=cohort.last
        )
    training.record_results(actor=officer, cohort=cohort, scores={guard.pk: 60}, today=cohort.last)
    outcome = training.certify(actor=officer, cohort=cohort, issued=cohort.last)
    guard.refresh_from_db()
    assert guard.training_valid_until == cohort.last + timedelta(days=365) == outcome.issued[0].expires
    cohort.refresh_from_db()
    assert cohort.status == TrainingCohort.Status.CERTIFIED


def test_training_due_selector_scopes_and_flags(
    alliance_setup: dict[str, Any], personas: dict[str, Any]
) -> None:
    today = date(2026, 11, 30)
    _due(alliance_setup, [0], today - timedelta(days=3))
    _due(alliance_setup, [5], today + timedelta(days=10))
    rows = training.training_due(alliance_setup["officer"], days=30, today=today)
    assert [(r.guard.pk, r.expired, r.days_left) for r in rows] == [
        (alliance_setup["guards"][0].pk, True, -3),
        (alliance_setup["guards"][5].pk, False, 10),
    ]
    assert [r.guard.pk for r in training.training_due(alliance_setup["officer"], days=5, today=today)] == [
        alliance_setup["guards"][0].pk
    ]
    # The bar's own staff see only the bar's guard.
    mine = training.training_due(personas["property"], days=30, today=today)
    assert [r.guard.pk for r in mine] == [alliance_setup["guards"][0].pk]


def test_zone_needs_follow_the_roster_model(alliance_setup: dict[str, Any]) -> None:
    built = rosters.build_inputs(alliance_setup["alliance"], START, 7).inputs
    needs = zone_needs(built)
    # 2 day + 1 night a day = 3, but 21 guard-shifts a week need ceil(21 / 5) = 5 guards.
    assert set(needs.values()) == {5} and len(needs) == 7


def test_plan_refuses_when_a_zone_would_be_short(alliance_setup: dict[str, Any], course: Any) -> None:
    _due(alliance_setup, [0, 1, 2], START + timedelta(days=10))
    # With three in training five guards are left, just the five needed — until one is on leave.
    spare = alliance_setup["guards"][7]
    people.add_absence(
        actor=alliance_setup["officer"],
        guard=spare,
        first=START + timedelta(days=3),
        last=START + timedelta(days=5),
        reason="leave",
    )
    proposal = propose_cohorts(
        actor=alliance_setup["officer"],
        alliance=alliance_setup["alliance"],
        course=course,
        start=START,
        cycle_days=14,
        time_limit=5,
    )
    assert not proposal.ok and not proposal.cohorts
    text = " ".join(proposal.reasons)
    assert alliance_setup["zone"].name in text and "2026-10-08 至 2026-10-10" in text and "差 1 名" in text


def test_done_when_cohort_planned_attended_examined_certified_and_roster_covered(
    alliance_setup: dict[str, Any], course: Any
) -> None:
    officer = alliance_setup["officer"]
    alliance = alliance_setup["alliance"]
    due = _due(alliance_setup, [0, 1, 4], START + timedelta(days=20))
    proposal = propose_cohorts(
        actor=officer, alliance=alliance, course=course, start=START, cycle_days=28, time_limit=5
    )
    assert proposal.ok and proposal.verified, proposal.reasons
    assert {g.pk for c in proposal.cohorts for g in c.guards} == {g.pk for g in due}
    (planned,) = proposal.cohorts
    cohort = training.confirm_cohort(
        actor=officer,
        course=course,
        alliance=alliance,
        first=planned.first,
        trainees=planned.guards,
        instructors=[officer],
    )
    for s in cohort.sessions.all():
        training.record_attendance(
            actor=officer, session=s, statuses={g.pk: "present" for g in planned.guards}, today=cohort.last
        )
    training.record_results(
        actor=officer, cohort=cohort, scores={g.pk: 80 for g in planned.guards}, today=cohort.last
    )
    outcome = training.certify(actor=officer, cohort=cohort, issued=cohort.last)
    assert len(outcome.issued) == 3 and not outcome.refused

    generated = rosters.generate_roster(
        actor=officer, alliance=alliance, start=cohort.first, days=cohort.days, time_limit=5, num_workers=1
    )
    assert generated.roster is not None, generated.reasons
    rows = list(RosterAssignment.objects.filter(roster=generated.roster).select_related("shift"))
    trainees = {g.pk for g in planned.guards}
    assert not [r for r in rows if r.guard_id in trainees and cohort.first <= r.date <= cohort.last]
    per_cell = Counter((r.shift.code, r.date) for r in rows)
    built = rosters.build_inputs(alliance, cohort.first, cohort.days).inputs
    for day in built.dates:
        for s in built.shifts:
            assert per_cell[(s.code, day)] >= built.need(s.zone, s.code, day), (s.code, day)


def test_training_due_command(alliance_setup: dict[str, Any]) -> None:
    import io

    from django.core.management import call_command

    _due(alliance_setup, [2], timezone.localdate() - timedelta(days=2))
    out = io.StringIO()
    call_command("alliances", "training-due", "--days", "10", stdout=out)
    text = out.getvalue()
    assert alliance_setup["guards"][2].code in text and "已过期 2 天" in text and "共 1 名" in text
    assert "保安2号" not in text  # masked
