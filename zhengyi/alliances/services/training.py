"""Rotating training (轮训): textbook versions, courses, cohorts, attendance, exams, certificates.

Every write here has a keyword-only ``actor``, runs in one transaction with its change
record, and refuses bad input with a message saying what was wrong; nothing is written
then. Planning which guards go in which cohort is in ``training_planning.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from zhengyi.alliances.models import Alliance, Guard, GuardAbsence, RosterAssignment
from zhengyi.alliances.models_training import (
    Attendance,
    Certificate,
    CourseModule,
    ExamResult,
    TextbookModule,
    TextbookVersion,
    TrainingCohort,
    TrainingCourse,
    TrainingSession,
)
from zhengyi.alliances.services import people
from zhengyi.core.models import Station, User
from zhengyi.core.permissions import require, require_for_station
from zhengyi.core.services.audit import record_change, record_created_bulk, snapshot

MAX_BODY = 100_000


# ----------------------------------------------------------------------------- textbook


def _clean_body(body: str) -> str:
    body = (body or "").replace("\r\n", "\n").strip()
    if not body:
        raise ValidationError({"body": _("请填写正文。")})
    if len(body) > MAX_BODY:
        raise ValidationError({"body": _("正文过长（至多 %(n)s 字）。") % {"n": MAX_BODY}})
    return body + "\n"


@transaction.atomic
def create_module(
    *, actor: User, station: Station, code: str, title: str, body: str, note: str = ""
) -> TextbookModule:
    """A new textbook module with its first version."""
    require_for_station(actor, "add", TextbookModule, station)
    code, title = code.strip(), title.strip()
    if TextbookModule.objects.filter(station=station, code=code).exists():
        raise ValidationError({"code": _("本所已有代码为 %(c)s 的教材单元。") % {"c": code}})
    module = TextbookModule(station=station, code=code, title=title)
    module.full_clean()
    text = _clean_body(body)
    module.save()
    record_change(actor=actor, obj=module, action="create", related=station)
    _store_version(actor, module, 1, text, note or "初版")
    return module


def _store_version(actor: User, module: TextbookModule, number: int, body: str, note: str) -> TextbookVersion:
    version = TextbookVersion(module=module, number=number, body=body, note=note.strip()[:200], author=actor)
    version.full_clean()
    version.save()
    record_change(actor=actor, obj=version, action="create", related=module, message=f"v{number}")
    return version


@transaction.atomic
def add_version(*, actor: User, module: TextbookModule, body: str, note: str = "") -> TextbookVersion:
    """Editing a module makes a new version; earlier versions (and what cohorts taught) stay."""
    require_for_station(actor, "add", TextbookVersion, module.station)
    module = TextbookModule.objects.select_for_update().get(pk=module.pk)
    text = _clean_body(body)
    current = module.versions.order_by("-number").first()
    if current is not None and current.body == text:
        raise ValidationError(
            {"body": _("正文与当前版本 v%(n)s 相同，未保存新版本。") % {"n": current.number}}
        )
    number = (module.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    return _store_version(actor, module, number, text, note)


# ----------------------------------------------------------------------------- courses


@transaction.atomic
def create_course(
    *,
    actor: User,
    station: Station,
    title: str,
    modules: Iterable[tuple[TextbookModule, int]],
    alliance: Alliance | None = None,
    days: int = 14,
    capacity: int = 30,
    pass_mark: int = 60,
    min_attendance: int = 80,
    validity_days: int = 365,
) -> TrainingCourse:
    """A course: ``modules`` in teaching order, each with its number of sessions."""
    require_for_station(actor, "add", TrainingCourse, station)
    parts = list(modules)
    if not parts:
        raise ValidationError({"modules": _("课程至少需要一个教材单元。")})
    if alliance is not None and alliance.station_id != station.pk:
        raise ValidationError({"alliance": _("联盟不属于本所。")})
    foreign = [m.title for m, _n in parts if m.station_id != station.pk]
    if foreign:
        raise ValidationError({"modules": _("教材单元不属于本所：%(m)s") % {"m": "、".join(foreign)}})
    if len({m.pk for m, _n in parts}) != len(parts):
        raise ValidationError({"modules": _("同一教材单元不能在课程中出现两次。")})
    course = TrainingCourse(
        station=station,
        alliance=alliance,
        title=title.strip(),
        days=days,
        capacity=capacity,
        pass_mark=pass_mark,
        min_attendance=min_attendance,
        validity_days=validity_days,
    )
    course.full_clean(validate_constraints=False)
    if TrainingCourse.objects.filter(station=station, title=course.title).exists():
        raise ValidationError({"title": _("本所已有同名课程。")})
    total = sum(n for _m, n in parts)
    if any(n < 1 for _m, n in parts) or total > 4 * days:
        raise ValidationError({"modules": _("每个单元至少 1 课次，全部课次不超过每天 4 次。")})
    course.save()
    for order, (module, sessions) in enumerate(parts, start=1):
        CourseModule.objects.create(course=course, module=module, order=order, sessions=sessions)
    record_change(
        actor=actor,
        obj=course,
        action="create",
        related=station,
        message="单元：" + "、".join(f"{m.code}×{n}" for m, n in parts),
    )
    return course


# ----------------------------------------------------------------------------- cohorts


def _schedule(days: list[date], count: int) -> list[date]:
    """Spread ``count`` sessions over the cohort's weekdays (all days if there are none)."""
    weekdays = [d for d in days if d.weekday() < 5] or days
    return [weekdays[i * len(weekdays) // count] for i in range(count)]


def cohort_conflicts(alliance: Alliance, guards: list[Guard], first: date, last: date) -> list[str]:
    """Why these guards cannot attend ``first``–``last``: one sentence per guard and cause."""
    problems: list[str] = []
    strangers = [g.code for g in guards if g.employer.alliance_id != alliance.pk or not g.active]
    if strangers:
        problems.append(_("不是本联盟的在岗保安：%(g)s") % {"g": "、".join(strangers)})
    for a in GuardAbsence.objects.filter(guard__in=guards, first__lte=last, last__gte=first).select_related(
        "guard"
    ):
        problems.append(
            _("%(g)s 在 %(a)s 至 %(b)s 已有「%(r)s」安排")
            % {"g": a.guard.code, "a": a.first, "b": a.last, "r": a.get_reason_display()}
        )
    duty: dict[str, list[date]] = {}
    for r in RosterAssignment.objects.filter(
        guard__in=guards, date__gte=first, date__lte=last
    ).select_related("guard"):
        duty.setdefault(r.guard.code, []).append(r.date)
    for code, days in sorted(duty.items()):
        problems.append(
            _("%(g)s 已排班：%(d)s（请先换班）")
            % {"g": code, "d": "、".join(d.strftime("%m-%d") for d in sorted(days))}
        )
    return problems


@transaction.atomic
def confirm_cohort(
    *,
    actor: User,
    course: TrainingCourse,
    alliance: Alliance,
    first: date,
    trainees: Iterable[Guard],
    instructors: Iterable[User] = (),
) -> TrainingCohort:
    """Confirm a cohort: its sessions from the current textbook, and the trainees' 轮训 absences.

    The absences go through the ordinary absence service, so a roster generated for these
    days leaves the trainees out. Refused (nothing written) when a trainee is on leave, in
    another cohort or already rostered on one of the days.
    """
    require_for_station(actor, "add", TrainingCohort, alliance.station)
    if course.station_id != alliance.station_id or (course.alliance_id not in (None, alliance.pk)):
        raise ValidationError({"course": _("该课程不适用于这个联盟。")})
    guards = list(Guard.objects.filter(pk__in=[g.pk for g in trainees]).select_related("employer"))
    if not guards:
        raise ValidationError({"trainees": _("请至少选择一名学员。")})
    if len(guards) > course.capacity:
        raise ValidationError(
            {
                "trainees": _("学员 %(n)s 名，超过课程每期上限 %(c)s 名。")
                % {"n": len(guards), "c": course.capacity}
            }
        )
    teachers = list(instructors)
    outsiders = [u.username for u in teachers if u.station_id != alliance.station_id]
    if outsiders:
        raise ValidationError({"instructors": _("教官须是本所民警：%(u)s") % {"u": "、".join(outsiders)}})
    last = first + timedelta(days=course.days - 1)
    problems = cohort_conflicts(alliance, guards, first, last)
    if problems:
        raise ValidationError({"trainees": problems})
    parts = list(course.course_modules.select_related("module").order_by("order"))
    versions = {p.module_id: p.module.current for p in parts}
    missing = [p.module.title for p in parts if versions[p.module_id] is None]
    if missing or not parts:
        raise ValidationError(_("教材单元尚无正文：%(m)s") % {"m": "、".join(missing) or course.title})
    cohort = TrainingCohort.objects.create(course=course, alliance=alliance, first=first, last=last)
    cohort.trainees.set(guards)
    cohort.instructors.set(teachers)
    plan = [p for p in parts for _i in range(p.sessions)]
    days = _schedule(cohort.dates(), len(plan))
    sessions = [
        TrainingSession(
            cohort=cohort,
            module=p.module,
            version=versions[p.module_id],
            date=d,
            instructor=teachers[i % len(teachers)] if teachers else None,
        )
        for i, (p, d) in enumerate(zip(plan, days, strict=True))
    ]
    TrainingSession.objects.bulk_create(sessions)
    record_change(
        actor=actor,
        obj=cohort,
        action="create",
        related=alliance,
        message=f"{first}–{last}，学员 {len(guards)} 名，课次 {len(sessions)}",
    )
    record_created_bulk(actor=actor, objects=list(cohort.sessions.all()), related=cohort, message="课次")
    for g in guards:
        people.add_absence(actor=actor, guard=g, first=first, last=last, reason=GuardAbsence.Reason.TRAINING)
    return cohort


@transaction.atomic
def update_session(
    *, actor: User, session: TrainingSession, day: date, instructor: User | None
) -> TrainingSession:
    """Move a session within its cohort's days, or give it to another instructor."""
    require(actor, "change", session)
    cohort = session.cohort
    if not cohort.first <= day <= cohort.last:
        raise ValidationError(
            {"date": _("日期须在本期 %(a)s 至 %(b)s 之间。") % {"a": cohort.first, "b": cohort.last}}
        )
    if instructor is not None and instructor.station_id != cohort.alliance.station_id:
        raise ValidationError({"instructor": _("教官须是本所民警。")})
    before = snapshot(session)
    session.date = day
    session.instructor = instructor
    session.save(update_fields=["date", "instructor"])
    record_change(actor=actor, obj=session, action="update", before=before, related=cohort)
    return session


# ----------------------------------------------------------------------------- attendance, exams


def _trainees(cohort: TrainingCohort) -> dict[int, Guard]:
    return {g.pk: g for g in cohort.trainees.all()}


@transaction.atomic
def record_attendance(
    *, actor: User, session: TrainingSession, statuses: Mapping[int, str], today: date | None = None
) -> int:
    """The attendance sheet of one session: guard id → present / absent / excused."""
    require(actor, "change", session)
    today = today or timezone.localdate()
    if session.date > today:
        raise ValidationError(_("课次在 %(d)s，尚未开始，不能登记出勤。") % {"d": session.date})
    trainees = _trainees(session.cohort)
    valid = set(Attendance.Status.values)
    errors = [str(gid) for gid in statuses if gid not in trainees]
    if errors:
        raise ValidationError(_("不是本期学员：%(g)s") % {"g": "、".join(errors)})
    bad = sorted({s for s in statuses.values() if s not in valid})
    if bad:
        raise ValidationError(_("出勤状态须为出勤、缺勤或请假，收到：%(s)s") % {"s": "、".join(bad)})
    existing = {a.guard_id: a for a in Attendance.objects.filter(session=session)}
    created, changed = [], 0
    for gid, status in statuses.items():
        row = existing.get(gid)
        if row is None:
            created.append(Attendance(session=session, guard=trainees[gid], status=status))
        elif row.status != status:
            before = snapshot(row)
            row.status = status
            row.save(update_fields=["status"])
            record_change(actor=actor, obj=row, action="update", before=before, related=session)
            changed += 1
    if created:
        Attendance.objects.bulk_create(created)
        stored = list(Attendance.objects.filter(session=session, guard_id__in=[a.guard_id for a in created]))
        record_created_bulk(actor=actor, objects=stored, related=session, message="出勤登记")
    return len(created) + changed


@transaction.atomic
def record_results(
    *, actor: User, cohort: TrainingCohort, scores: Mapping[int, int], today: date | None = None
) -> int:
    """Exam scores (0–100) of the cohort's trainees, entered on or after its last day."""
    require(actor, "change", cohort)
    today = today or timezone.localdate()
    if cohort.last > today:
        raise ValidationError(_("本期 %(d)s 结业，结业当天起才能录入成绩。") % {"d": cohort.last})
    trainees = _trainees(cohort)
    strangers = [str(g) for g in scores if g not in trainees]
    if strangers:
        raise ValidationError(_("不是本期学员：%(g)s") % {"g": "、".join(strangers)})
    wrong = [trainees[g].code for g, s in scores.items() if not (isinstance(s, int) and 0 <= s <= 100)]
    if wrong:
        raise ValidationError(_("成绩须是 0 到 100 的整数：%(g)s") % {"g": "、".join(wrong)})
    existing = {r.guard_id: r for r in ExamResult.objects.filter(cohort=cohort)}
    created, changed = [], 0
    for gid, score in scores.items():
        row = existing.get(gid)
        if row is None:
            created.append(ExamResult(cohort=cohort, guard=trainees[gid], score=score))
        elif row.score != score:
            before = snapshot(row)
            row.score = score
            row.save(update_fields=["score"])
            record_change(actor=actor, obj=row, action="update", before=before, related=cohort)
            changed += 1
    if created:
        ExamResult.objects.bulk_create(created)
        stored = list(ExamResult.objects.filter(cohort=cohort, guard_id__in=[r.guard_id for r in created]))
        record_created_bulk(actor=actor, objects=stored, related=cohort, message="成绩录入")
    return len(created) + changed


# ----------------------------------------------------------------------------- certificates


@dataclass
class Standing:
    """One trainee's record in a cohort, and why he may not (yet) be certified."""

    guard: Guard
    attended: int
    sessions: int
    score: int | None
    certificate: Certificate | None
    reasons: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return 100.0 * self.attended / self.sessions if self.sessions else 0.0

    @property
    def eligible(self) -> bool:
        return not self.reasons and self.certificate is None


def standings(cohort: TrainingCohort) -> list[Standing]:
    course = cohort.course
    sessions = cohort.sessions.count()
    present: dict[int, int] = {}
    for a in Attendance.objects.filter(session__cohort=cohort, status=Attendance.Status.PRESENT):
        present[a.guard_id] = present.get(a.guard_id, 0) + 1
    scores = dict(ExamResult.objects.filter(cohort=cohort).values_list("guard_id", "score"))
    certs = {c.guard_id: c for c in Certificate.objects.filter(cohort=cohort)}
    out = []
    for g in cohort.trainees.order_by("pk"):
        s = Standing(g, present.get(g.pk, 0), sessions, scores.get(g.pk), certs.get(g.pk))
        if s.rate + 1e-9 < course.min_attendance:
            s.reasons.append(
                _("出勤 %(a)s/%(n)s 次（%(r)s%%），低于要求的 %(m)s%%")
                % {"a": s.attended, "n": sessions, "r": round(s.rate), "m": course.min_attendance}
            )
        if s.score is None:
            s.reasons.append(_("没有考试成绩"))
        elif s.score < course.pass_mark:
            s.reasons.append(_("成绩 %(s)s 分，未达及格分 %(p)s") % {"s": s.score, "p": course.pass_mark})
        out.append(s)
    return out


@dataclass
class CertifyOutcome:
    issued: list[Certificate]
    refused: dict[str, list[str]]  # guard code → reasons


@transaction.atomic
def certify(*, actor: User, cohort: TrainingCohort, issued: date | None = None) -> CertifyOutcome:
    """Certificates for the trainees who attended enough and passed; the others are told why.

    Each certificate renews the guard's training (``Guard.training_valid_until``, never
    shortened) through the guard service, so the roster counts him as trained.
    """
    require(actor, "change", cohort)
    cohort = TrainingCohort.objects.select_for_update().select_related("course").get(pk=cohort.pk)
    issued = issued or timezone.localdate()
    if issued < cohort.last:
        raise ValidationError(_("本期 %(d)s 结业，结业后才能发证。") % {"d": cohort.last})
    expires = issued + timedelta(days=cohort.course.validity_days)
    out = CertifyOutcome([], {})
    for s in standings(cohort):
        if s.certificate is not None:
            continue
        if s.reasons:
            out.refused[s.guard.code] = s.reasons
            continue
        cert = Certificate.objects.create(cohort=cohort, guard=s.guard, issued=issued, expires=expires)
        record_change(actor=actor, obj=cert, action="create", related=cohort)
        if s.guard.training_valid_until is None or s.guard.training_valid_until < expires:
            people.update_guard(actor=actor, guard=s.guard, changes={"training_valid_until": expires})
        out.issued.append(cert)
    if not out.refused and cohort.status != TrainingCohort.Status.CERTIFIED:
        before = snapshot(cohort)
        cohort.status = TrainingCohort.Status.CERTIFIED
        cohort.save(update_fields=["status"])
        record_change(actor=actor, obj=cohort, action="update", before=before, message="全部结业")
    return out


# ----------------------------------------------------------------------------- reminders


@dataclass(frozen=True)
class DueGuard:
    guard: Guard
    valid_until: date | None
    expired: bool
    days_left: int | None  # negative: expired that many days ago
    upcoming: TrainingCohort | None  # a confirmed cohort not yet finished that he is in

    @property
    def overdue_days(self) -> int:
        return -self.days_left if self.days_left is not None and self.days_left < 0 else 0


def training_due(user: User, *, days: int = 30, today: date | None = None) -> list[DueGuard]:
    """Active guards the user may see whose training runs out within ``days`` days or has."""
    if days < 0:
        raise ValidationError({"days": _("天数不能为负。")})
    today = today or timezone.localdate()
    horizon = today + timedelta(days=days)
    guards: QuerySet[Guard] = Guard.objects.restrict(user, "view").filter(active=True)
    rows = list(
        guards.filter(training_valid_until__lte=horizon) | guards.filter(training_valid_until__isnull=True)
    )
    upcoming: dict[int, TrainingCohort] = {}
    for c in TrainingCohort.objects.filter(trainees__in=rows, last__gte=today).order_by("first"):
        for g in c.trainees.filter(pk__in=[r.pk for r in rows]):
            upcoming.setdefault(g.pk, c)
    out = []
    for g in sorted(rows, key=lambda r: (r.training_valid_until or date.min, r.pk)):
        v = g.training_valid_until
        left = None if v is None else (v - today).days
        out.append(DueGuard(g, v, v is None or v < today, left, upcoming.get(g.pk)))
    return out
