"""Demo rotating training (轮训), through the services: the station's six-module textbook, a
two-week course, and for the CoCo Park bar alliance two cohorts in the four weeks before this
week's rosters — planned by the planner, confirmed (so the trainees' 轮训 days are absences),
attended, examined and certified — plus one cohort confirmed for the two weeks right after the
rosters end, so the next roster will leave its trainees out."""

from __future__ import annotations

import random
from datetime import date, timedelta

from zhengyi.alliances.models import Alliance, Guard
from zhengyi.alliances.models_training import TextbookModule, TrainingCohort
from zhengyi.alliances.services import training
from zhengyi.alliances.services.training_planning import propose_cohorts
from zhengyi.core.models import Station, User
from zhengyi.demo.alliances import roster_monday
from zhengyi.demo.textbook_text import MODULES

SESSIONS = {"YB": 2, "FG": 2, "XF": 2, "FD": 1, "FZ": 2, "JR": 1}
TIME_LIMIT_S = 5.0


def _cohort(actor: User, cohort: TrainingCohort, rng: random.Random) -> tuple[int, int]:
    """Attendance for each session, the exam, certificates; returns (issued, refused)."""
    trainees = list(cohort.trainees.order_by("pk"))
    # One trainee misses three sessions (below 80 %), another fails the exam: the refusals show.
    truant = trainees[0].pk
    failing = trainees[1].pk if len(trainees) > 1 else None
    for i, s in enumerate(cohort.sessions.order_by("date", "id")):
        statuses = {}
        for g in trainees:
            if g.pk == truant and i < 3:
                statuses[g.pk] = "absent"
            else:
                statuses[g.pk] = "excused" if rng.random() < 0.03 else "present"
        training.record_attendance(actor=actor, session=s, statuses=statuses, today=cohort.last)
    scores = {g.pk: (52 if g.pk == failing else rng.randint(65, 98)) for g in trainees}
    training.record_results(actor=actor, cohort=cohort, scores=scores, today=cohort.last)
    outcome = training.certify(actor=actor, cohort=cohort, issued=cohort.last)
    return len(outcome.issued), len(outcome.refused)


def load_training(*, actor: User, station: Station, today: date, seed: int) -> list[str]:
    if TextbookModule.objects.filter(station=station).exists():
        return ["轮训演示数据已存在"]
    bar = Alliance.objects.filter(station=station, kind=Alliance.Kind.BAR_STREET).order_by("pk").first()
    if bar is None:
        return ["没有酒吧街联盟，跳过轮训演示"]
    rng = random.Random(seed + 6)
    officer = User.objects.filter(username="community", station=station).first()
    teachers = [officer] if officer is not None else []
    modules = {
        code: training.create_module(actor=actor, station=station, code=code, title=title, body=body)
        for code, title, body in MODULES
    }
    course = training.create_course(
        actor=actor,
        station=station,
        title="群防群治队伍轮训（两周）",
        modules=[(modules[code], n) for code, n in SESSIONS.items()],
        capacity=12,
    )
    monday = roster_monday(today)  # the rosters' first day
    lines = []
    # The four weeks before the rosters: guards whose training runs out within ~200 days go first.
    past = propose_cohorts(
        actor=actor,
        alliance=bar,
        course=course,
        start=monday - timedelta(days=28),
        cycle_days=28,
        due_by=today + timedelta(days=200),
        time_limit=TIME_LIMIT_S,
    )
    if not past.ok:
        return [f"轮训：未能安排 — {'; '.join(past.reasons[:3])}"]
    for planned in past.cohorts:
        cohort = training.confirm_cohort(
            actor=actor,
            course=course,
            alliance=bar,
            first=planned.first,
            trainees=planned.guards,
            instructors=teachers,
        )
        issued, refused = _cohort(actor, cohort, rng)
        lines.append(
            f"轮训 {cohort.first}–{cohort.last}：学员 {len(planned.guards)} 名，发证 {issued}，未达标 {refused}"
        )
    # The two weeks after the rosters end: confirmed, so the next roster leaves the trainees out.
    after = monday + timedelta(days=28)
    # The guards whose training runs out next, one cohort's worth: the latest expiry date up to
    # which no more guards are due (as the planner counts them: never trained, or expiring by
    # then — those who just failed included) than a cohort takes. Several share a date.
    active = Guard.objects.filter(employer__alliance=bar, active=True)
    room = course.capacity - active.filter(training_valid_until__isnull=True).count()
    dates = list(
        active.exclude(training_valid_until__isnull=True)
        .order_by("training_valid_until")
        .values_list("training_valid_until", flat=True)
    )
    due_by = after
    for i, day in enumerate(dates):
        if i + 1 > room:
            break
        if i + 1 == len(dates) or dates[i + 1] != day:
            due_by = day
    upcoming = propose_cohorts(
        actor=actor,
        alliance=bar,
        course=course,
        start=after,
        cycle_days=14,
        due_by=due_by,
        time_limit=TIME_LIMIT_S,
    )
    if upcoming.ok and upcoming.cohorts:
        planned = upcoming.cohorts[0]
        training.confirm_cohort(
            actor=actor,
            course=course,
            alliance=bar,
            first=planned.first,
            trainees=planned.guards,
            instructors=teachers,
        )
        lines.append(
            f"轮训 {planned.first}–{planned.last}：已确认 {len(planned.guards)} 名学员（轮训期间不排班）"
        )
    elif not upcoming.ok:
        lines.append(f"下期轮训未能安排 — {'; '.join(upcoming.reasons[:2])}")
    return lines
