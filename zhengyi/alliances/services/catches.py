"""抓获: the anti-pickpocket team's catches, recorded against the case that holds the suspect."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from zhengyi.alliances.models import Guard, Team
from zhengyi.alliances.models_catches import Catch
from zhengyi.cases.models import Case, Party
from zhengyi.core.models import User
from zhengyi.core.permissions import require_for_station
from zhengyi.core.services.audit import record_change
from zhengyi.precinct.models import Zone


@transaction.atomic
def record_catch(
    *,
    actor: User,
    team: Team,
    party: Party,
    caught_at: datetime,
    guards: Iterable[Guard] = (),
    zone: Zone | None = None,
    place: str = "",
    note: str = "",
) -> Catch:
    """Record that ``team`` caught the suspect ``party`` (of its case); all checks before any write."""
    station = team.alliance.station
    require_for_station(actor, "add", Catch, station)
    case: Case = party.case
    errors: dict[str, list[str]] = {}
    if case.station_id != station.pk:
        errors.setdefault("party", []).append(_("该当事人所在案件不属于本所"))
    if party.role != Party.Role.SUSPECT:
        errors.setdefault("party", []).append(
            _("只有嫌疑人可以登记为抓获对象（%(p)s 的身份是“%(r)s”）")
            % {"p": party, "r": party.get_role_display()}
        )
    if Catch.objects.filter(party=party).exists():
        errors.setdefault("party", []).append(_("该嫌疑人已登记过抓获，不能重复计算"))
    guard_list = list(guards)
    members = set(team.members.values_list("pk", flat=True))
    strangers = [g for g in guard_list if g.pk not in members]
    if strangers:
        errors.setdefault("guards", []).append(
            _("不是%(team)s的队员：%(names)s")
            % {"team": team.name, "names": "、".join(g.certificate_number for g in strangers)}
        )
    if timezone.is_naive(caught_at):
        errors.setdefault("caught_at", []).append(_("抓获时间须带时区"))
    elif caught_at > timezone.now():
        errors.setdefault("caught_at", []).append(_("抓获时间晚于当前时间"))
    if zone is not None and zone.station_id != station.pk:
        errors.setdefault("zone", []).append(_("片区不属于本所"))
    if errors:
        raise ValidationError(errors)
    catch = Catch(
        team=team,
        case=case,
        party=party,
        caught_at=caught_at,
        zone=zone,
        place=place.strip(),
        note=note.strip(),
    )
    catch.full_clean(exclude=["party"])  # the one-per-suspect rule was checked above, with its message
    catch.save()
    catch.guards.set(guard_list)
    record_change(actor=actor, obj=catch, action="create", related=case)
    return catch


def catches_by_month(catches: QuerySet[Catch]) -> list[tuple[str, int]]:
    """(YYYY-MM, catches) for every month with a catch among ``catches`` (already restricted)."""
    counts = Counter(
        timezone.localtime(at).strftime("%Y-%m") for at in catches.values_list("caught_at", flat=True)
    )
    return sorted(counts.items())
