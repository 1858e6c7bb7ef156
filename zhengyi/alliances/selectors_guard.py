"""For the home page: a guard's own day on a phone — today's shift, the next one, and what runs
out soon (the security-guard card 保安员证 and the training 轮训) — and, for whoever looks after
guards, how many of theirs are due for training."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from zhengyi.alliances.models import Guard, RosterAssignment
from zhengyi.alliances.services.training import training_due
from zhengyi.core.models import User
from zhengyi.core.permissions import can

# As `zhengyi alliances training-due`: a month's notice is time to join a cohort.
DUE_DAYS = 30


@dataclass(frozen=True)
class GuardDay:
    guard: Guard
    today: date
    shift: RosterAssignment | None  # today's, if any
    next_shift: RosterAssignment | None  # the first after today
    notices: tuple[str, ...]  # what has run out or runs out within DUE_DAYS


def guard_day(user: User, today: date | None = None) -> GuardDay | None:
    """The day of the active guard this account belongs to; None for anyone else."""
    guard = Guard.objects.filter(user=user, active=True).first()
    if guard is None:
        return None
    today = today or timezone.localdate()
    mine = (
        RosterAssignment.objects.filter(guard=guard)
        .select_related("shift__zone")
        .order_by("date", "shift__start")
    )
    shift = mine.filter(date=today).first()
    next_shift = mine.filter(date__gt=today).first()
    return GuardDay(guard, today, shift, next_shift, tuple(_notices(guard, today)))


def _notices(guard: Guard, today: date) -> list[str]:
    out = []
    # (what, valid until, what to say when there is no date): a guard card's date may simply
    # not be on file, but no training date means never trained (as training_due counts it).
    for label, until, undated in (
        (_("保安员证"), guard.certificate_valid_until, None),
        (_("培训"), guard.training_valid_until, _("没有培训记录，请联系所在单位报名轮训。")),
    ):
        if until is None:
            if undated:
                out.append(undated)
            continue
        shown = date_format(until, "Y-m-d")
        left = (until - today).days
        if left < 0:
            out.append(_("%(what)s已于 %(date)s 过期。") % {"what": label, "date": shown})
        elif left <= DUE_DAYS:
            out.append(
                _("%(what)s将于 %(date)s 到期（还有 %(days)d 天）。")
                % {"what": label, "date": shown, "days": left}
            )
    return out


@dataclass(frozen=True)
class TrainingReminder:
    due: int  # guards the user may see whose training runs out within DUE_DAYS or has
    expired: int  # of which: already run out, or never trained


def training_reminder(user: User, today: date | None = None) -> TrainingReminder | None:
    """How many of the guards ``user`` looks after need training soon; None when none do (or
    the user sees no guards)."""
    if not can(user, "view", Guard):
        return None
    rows = training_due(user, days=DUE_DAYS, today=today)
    if not rows:
        return None
    return TrainingReminder(len(rows), sum(1 for r in rows if r.expired))
