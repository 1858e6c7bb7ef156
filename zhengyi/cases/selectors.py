"""What other apps read of cases: the reporter's progress lookup and the sunshine portal's briefs.

The sunshine app codes against these names; nothing here is redacted except
:func:`progress_for_lookup`, which carries no names or details at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from zhengyi.cases import lookup, stages
from zhengyi.cases.models import Case, Party, StageChange
from zhengyi.core.models import User
from zhengyi.core.permissions import can


@dataclass(frozen=True)
class ProgressStep:
    stage_label: str  # e.g. "立案"
    on: date  # the day it happened (no time: public-safe)


@dataclass(frozen=True)
class CaseProgress:
    """What a party sees after a correct lookup; no names, no details."""

    number: str
    kind_label: str  # 刑事案件 / 行政案件
    stage_label: str
    handling_unit: str  # the station's name, e.g. 福田派出所
    status_text: str  # one public-safe sentence for the current stage
    steps: tuple[ProgressStep, ...]


@dataclass(frozen=True)
class CaseBrief:
    """NOT redacted: the sunshine side redacts before anything is public."""

    case_id: int
    station_id: int
    number: str
    kind_label: str
    title: str
    summary: str
    stage_label: str
    opened_on: date
    party_names: tuple[str, ...]  # full names of every party (for redaction)
    steps: tuple[ProgressStep, ...]


def stage_label(stage: str) -> str:
    return str(Case.Stage(stage).label) if stage in Case.Stage.values else stage


def status_text(kind: str, stage: str) -> str:
    """One sentence a party may read about the current stage (no names, no investigative detail)."""
    texts = {
        stages.RECEIVED: _("您报的案件已受理，公安机关正在依法审查。")
        if kind == stages.CRIMINAL
        else _("您报的案件已受理，公安机关正在依法调查。"),
        stages.FILED: _("案件已立案，正在依法办理。"),
        stages.NOT_FILED: _(
            "经审查，公安机关决定不予立案，将书面通知您；如不服，可在收到通知书后七日内申请复议。"
        ),
        stages.INVESTIGATING: _("案件正在侦查中。"),
        stages.CONCLUDED: _("案件侦查终结。"),
        stages.PROSECUTION: _("案件已移送人民检察院审查起诉。"),
        stages.REVOKED: _("案件已依法撤销。"),
        stages.INQUIRY: _("案件正在调查中。"),
        stages.DECIDED: _("公安机关已依法作出处理决定。"),
    }
    return str(texts.get(stage, ""))


def kind_label(kind: str) -> str:
    return str(_("刑事案件") if kind == stages.CRIMINAL else _("行政案件"))


def _steps(case_id: int) -> tuple[ProgressStep, ...]:
    rows = StageChange.objects.filter(case_id=case_id).order_by("at", "id").values_list("stage", "at")
    return tuple(ProgressStep(stage_label(stage), timezone.localdate(at)) for stage, at in rows)


def progress_for_lookup(case_number: str, code: str) -> CaseProgress | None:
    """None both for an unknown case number and a wrong code, doing the same work either way
    (hash compare with hmac.compare_digest). Never raises on bad input."""
    number = lookup.normalize_number(case_number)
    case = None
    if number:
        # Case numbers carry the station code, so one number names one case city-wide.
        case = Case.objects.select_related("station").filter(number=number).order_by("pk").first()
    ok = lookup.matches(case.lookup_hash if case is not None else None, code)
    if case is None or not ok:
        return None
    return CaseProgress(
        number=case.number,
        kind_label=kind_label(case.kind),
        stage_label=stage_label(case.stage),
        handling_unit=case.station.name,
        status_text=status_text(case.kind, case.stage),
        steps=_steps(case.pk),
    )


@dataclass(frozen=True)
class LookupRow:
    """What the internet-side portal needs to answer a lookup without the case: codes only
    (``progress_from_codes`` renders them), the code's salted hash as stored, no names."""

    number: str
    lookup_hash: str
    kind: str
    stage: str
    handling_unit: str
    steps: tuple[tuple[str, date], ...]  # (stage code, day)


def lookup_rows() -> list[LookupRow]:
    """Every case with a lookup code, for the portal bundle (zhengyi/sunshine/services/portal_export.py)."""
    cases = list(
        Case.objects.exclude(lookup_hash="")
        .select_related("station")
        .order_by("number")
        .only("id", "number", "lookup_hash", "kind", "stage", "station__name")
    )
    steps: dict[int, list[tuple[str, date]]] = {}
    rows = (
        StageChange.objects.filter(case_id__in=[c.pk for c in cases])
        .order_by("case_id", "at", "id")
        .values_list("case_id", "stage", "at")
    )
    for case_id, stage, at in rows:
        steps.setdefault(case_id, []).append((stage, timezone.localdate(at)))
    return [
        LookupRow(c.number, c.lookup_hash, c.kind, c.stage, c.station.name, tuple(steps.get(c.pk, ())))
        for c in cases
    ]


def progress_from_codes(
    *, number: str, kind: str, stage: str, handling_unit: str, steps: tuple[tuple[str, date], ...]
) -> CaseProgress:
    """The lookup's answer from stored codes: the same labels and sentence as for a live case."""
    return CaseProgress(
        number=number,
        kind_label=kind_label(kind),
        stage_label=stage_label(stage),
        handling_unit=handling_unit,
        status_text=status_text(kind, stage),
        steps=tuple(ProgressStep(stage_label(s), on) for s, on in steps),
    )


def _brief(case: Case) -> CaseBrief:
    names = tuple(Party.objects.filter(case_id=case.pk).order_by("id").values_list("name", flat=True))
    return CaseBrief(
        case_id=case.pk,
        station_id=case.station_id,
        number=case.number,
        kind_label=kind_label(case.kind),
        title=case.title,
        summary=case.summary,
        stage_label=stage_label(case.stage),
        opened_on=timezone.localdate(case.opened_at),
        party_names=names,
        steps=_steps(case.pk),
    )


def case_brief(case_id: int, *, user: User) -> CaseBrief:
    """The case as staff may draft a publication from it; PermissionDenied unless ``user`` may view it."""
    case = Case.objects.filter(pk=case_id).first()
    if case is None or not can(user, "view", case):
        raise PermissionDenied(_("无权查看该案件。"))
    return _brief(case)


def key_cases(station_id: int) -> list[CaseBrief]:
    """Cases flagged 重点案件 (``Case.is_key``) of a station, newest first."""
    return [_brief(c) for c in Case.objects.filter(station_id=station_id, is_key=True).order_by("-opened_at")]


def party_full_names(station_id: int | None = None) -> list[str]:
    """Every party's full name (the leak guard looks for them on public pages)."""
    rows = Party.objects.all()
    if station_id is not None:
        rows = rows.filter(case__station_id=station_id)
    return sorted({n for n in rows.values_list("name", flat=True) if n})
