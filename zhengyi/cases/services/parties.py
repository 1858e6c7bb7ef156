"""Parties and the measures taken on them: one at a time or in bulk, all or nothing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from zhengyi.cases import paste
from zhengyi.cases.models import Case, Measure, Party
from zhengyi.cases.services.cases import _when
from zhengyi.core.identifiers import IdentifierError, validate_mobile, validate_resident_id
from zhengyi.core.models import User
from zhengyi.core.permissions import require, require_for_station
from zhengyi.core.services.audit import record_change, record_created_bulk, snapshot
from zhengyi.core.validators import identifier_message

# Measures that hold or restrict the person: a new one (or 释放) ends the one before.
CUSTODY = frozenset(
    {Measure.Kind.DETENTION, Measure.Kind.ARREST, Measure.Kind.BAIL, Measure.Kind.SURVEILLANCE}
)
SUSPECT_ONLY = CUSTODY | {Measure.Kind.ARREST_REQUEST, Measure.Kind.RELEASE}


def _english() -> bool:
    return (translation.get_language() or "").startswith("en")


def _known_ids(case: Case) -> frozenset[str]:
    return frozenset(i for i in Party.objects.filter(case=case).values_list("id_number", flat=True) if i)


@transaction.atomic
def add_party(
    *, actor: User, case: Case, role: str, name: str, id_number: str = "", phone: str = "", note: str = ""
) -> Party:
    require_for_station(actor, "add", Party, case.station)
    require(actor, "change", case)
    errors: dict[str, str] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = _("请填写姓名。")
    if id_number:
        try:
            id_number = validate_resident_id(id_number)
        except IdentifierError as exc:
            errors["id_number"] = identifier_message(exc)
        else:
            if id_number in _known_ids(case):
                errors["id_number"] = _("该身份证号已在本案当事人中。")
    if phone:
        try:
            phone = validate_mobile(phone)
        except IdentifierError as exc:
            errors["phone"] = identifier_message(exc)
    if role not in Party.Role.values:
        errors["role"] = _("请选择当事人身份。")
    if errors:
        raise ValidationError(errors)
    party = Party(case=case, role=role, name=name, id_number=id_number, phone=phone, note=note.strip()[:200])
    party.full_clean()
    party.save()
    record_change(actor=actor, obj=party, action="create", related=case)
    return party


@transaction.atomic
def add_parties_bulk(*, actor: User, case: Case, role: str, text: str) -> list[Party]:
    """Many parties pasted at once; any bad row refuses the whole paste, naming every bad row."""
    require_for_station(actor, "add", Party, case.station)
    require(actor, "change", case)
    if role not in Party.Role.values:
        raise ValidationError({"role": _("请选择当事人身份。")})
    parsed = paste.parse(text, known_ids=_known_ids(case))
    if parsed.problems:
        english = _english()
        lines = [
            (_("第%(n)d行：") % {"n": p.line} if p.line else "") + (p.message_en if english else p.message_zh)
            for p in parsed.problems
        ]
        raise ValidationError({"text": lines})
    parties = Party.objects.bulk_create(
        [
            Party(case=case, role=role, name=r.name, id_number=r.id_number, phone=r.phone, note=r.note)
            for r in parsed.rows
        ]
    )
    if not all(p.pk for p in parties):  # backends without RETURNING: read them back in order
        parties = list(Party.objects.filter(case=case).order_by("-id")[: len(parties)])[::-1]
    record_created_bulk(
        actor=actor, objects=parties, related=case, message=f"批量录入当事人 {len(parties)} 人"
    )
    return parties


def _check_measure_targets(case: Case, parties: Sequence[Party], kind: str) -> None:
    problems = []
    if kind not in Measure.Kind.values:
        raise ValidationError({"kind": _("请选择措施。")})
    for party in parties:
        if party.case_id != case.pk:
            problems.append(_("%(p)s 不是本案当事人") % {"p": party})
        elif kind in SUSPECT_ONLY and party.role != Party.Role.SUSPECT:
            problems.append(_("%(p)s 不是嫌疑人，不能采取该措施") % {"p": party})
    if kind == Measure.Kind.ARREST:
        approved = set(
            Measure.objects.filter(
                case=case, kind=Measure.Kind.ARREST_REQUEST, decision=Measure.Decision.APPROVED
            ).values_list("party_id", flat=True)
        )
        missing = [p for p in parties if p.pk not in approved]
        if missing:
            problems.append(
                _("逮捕须经人民检察院批准；尚无批准逮捕决定：%(p)s")
                % {"p": "、".join(str(p) for p in missing)}
            )
    if problems:
        raise ValidationError({"parties": problems})


@transaction.atomic
def bulk_measure(
    *,
    actor: User,
    case: Case,
    parties: Sequence[Party],
    kind: str,
    at: datetime | None = None,
    note: str = "",
) -> list[Measure]:
    """One measure on each selected party (e.g. 逮捕 for the ring's 20 suspects), all or nothing."""
    require_for_station(actor, "add", Measure, case.station)
    require(actor, "change", case)
    parties = list(parties)
    if not parties:
        raise ValidationError({"parties": _("请至少选择一名当事人。")})
    _check_measure_targets(case, parties, kind)
    started = _when(at, not_before=case.opened_at)
    ids = [p.pk for p in parties]
    ended_now = 0
    if kind in CUSTODY or kind == Measure.Kind.RELEASE:
        open_custody = Measure.objects.filter(
            case=case,
            party_id__in=ids,
            kind__in=list(CUSTODY),
            ended_at__isnull=True,
            started_at__lte=started,
        )
        ended_now = open_custody.update(ended_at=started)
    measures = Measure.objects.bulk_create(
        [
            Measure(
                case=case,
                party=p,
                kind=kind,
                started_at=started,
                # 释放 is a moment, not a period.
                ended_at=started if kind == Measure.Kind.RELEASE else None,
                note=note.strip()[:200],
            )
            for p in parties
        ]
    )
    if not all(m.pk for m in measures):
        measures = list(Measure.objects.filter(case=case, kind=kind, started_at=started, party_id__in=ids))
    label = Measure.Kind(kind).label
    message = f"{label} {len(measures)} 人" + (f"（结束原措施 {ended_now} 项）" if ended_now else "")
    record_created_bulk(actor=actor, objects=measures, related=case, message=message)
    return measures


def add_measure(
    *, actor: User, case: Case, party: Party, kind: str, at: datetime | None = None, note: str = ""
) -> Measure:
    return bulk_measure(actor=actor, case=case, parties=[party], kind=kind, at=at, note=note)[0]


@transaction.atomic
def record_decision(
    *, actor: User, measures: Sequence[Measure], decision: str, decided_on: date
) -> list[Measure]:
    """The procuratorate's decision on 提请批捕 (one or many, e.g. the whole ring at once)."""
    if decision not in (Measure.Decision.APPROVED, Measure.Decision.REFUSED):
        raise ValidationError({"decision": _("请选择检察院的决定：批准逮捕或不批准逮捕。")})
    rows = list(Measure.objects.select_for_update().filter(pk__in=[m.pk for m in measures]))
    if not rows:
        raise ValidationError({"measures": _("请至少选择一项提请批捕。")})
    problems = []
    for m in rows:
        require(actor, "change", m)
        if m.kind != Measure.Kind.ARREST_REQUEST:
            problems.append(_("%(m)s 不是提请批捕") % {"m": m})
        elif m.decision:
            problems.append(_("%(m)s 已有检察院决定") % {"m": m})
        elif decided_on < timezone.localdate(m.started_at) or decided_on > timezone.localdate():
            problems.append(_("%(m)s：决定日期须在提请之日与今天之间") % {"m": m})
    if problems:
        raise ValidationError({"measures": problems})
    for m in rows:
        before = snapshot(m)
        m.decision, m.decision_on = decision, decided_on
        m.save(update_fields=["decision", "decision_on"])
        record_change(
            actor=actor,
            obj=m,
            action="update",
            before=before,
            message=f"检察院决定：{m.get_decision_display()}",
        )
    return rows


DETENTION_STEPS = {
    "custody": "custody_at",
    "family": "family_notified_at",
    "interrogation": "interrogated_at",
}


@transaction.atomic
def record_detention_step(*, actor: User, measure: Measure, step: str, at: datetime | None = None) -> Measure:
    """One of 拘留's 24-hour duties done: 送看守所, 通知家属 or 讯问."""
    require(actor, "change", measure)
    measure = Measure.objects.select_for_update().get(pk=measure.pk)
    if measure.kind != Measure.Kind.DETENTION:
        raise ValidationError(_("只有拘留需要登记送看守所、通知家属和讯问。"))
    field = DETENTION_STEPS.get(step)
    if field is None:
        raise ValidationError({"step": _("未知的环节。")})
    if getattr(measure, field) is not None:
        raise ValidationError({"step": _("该环节已登记。")})
    before = snapshot(measure)
    setattr(measure, field, _when(at, not_before=measure.started_at))
    measure.save(update_fields=[field])
    record_change(actor=actor, obj=measure, action="update", before=before, message=f"拘留环节：{step}")
    return measure


@transaction.atomic
def end_measure(*, actor: User, measure: Measure, at: datetime | None = None, note: str = "") -> Measure:
    require(actor, "change", measure)
    measure = Measure.objects.select_for_update().get(pk=measure.pk)
    if measure.ended_at is not None:
        raise ValidationError(_("该措施已结束。"))
    before = snapshot(measure)
    measure.ended_at = _when(at, not_before=measure.started_at)
    if note:
        measure.note = note.strip()[:200]
    measure.save(update_fields=["ended_at", "note"])
    record_change(actor=actor, obj=measure, action="update", before=before, message="措施结束")
    return measure
