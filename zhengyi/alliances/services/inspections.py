"""检查: inspections of member organisations (保安服务管理条例), written up and signed by both sides.

The write-up — header, checklist with findings, rectification items with deadlines — is put
into one canonical JSON text; each signature stores the SHA-256 of that text as it was when
signed. Editing a write-up that one side has signed withdraws that signature (both always
sign the same text); once both have signed it is frozen, and a correction is a new inspection
that ``supersedes`` it. Whether a rectification was done is recorded beside the write-up, not
in it, so the signed text stays as signed.

The organisation's representative signs either with their own staff account (on their
phone), or on the officer's device by typing their name while the officer attests to it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhengyi.alliances.models import Inspection, InspectionItem, MemberOrganisation, Rectification
from zhengyi.core.models import User
from zhengyi.core.permissions import can, require, require_for_station
from zhengyi.core.services.audit import record_change, snapshot

# The standing checklist (保安服务管理条例 and the station's practice); an officer may add items.
CHECKLIST: list[tuple[str, Any]] = [
    ("certificate", gettext_lazy("每名在岗保安员持有有效保安员证")),
    ("contracts", gettext_lazy("保安员劳动合同留存不少于2年")),
    ("footage", gettext_lazy("监控录像资料、报警记录留存不少于30日")),
    ("no_search", gettext_lazy("保安员未搜查他人身体、未扣押他人证件")),
    ("training", gettext_lazy("保安员按期参加培训，培训记录完整")),
    ("duty_log", gettext_lazy("值班、巡查记录完整")),
]


@dataclass(frozen=True)
class ItemInput:
    code: str
    text: str
    result: str
    finding: str = ""


@dataclass(frozen=True)
class RectificationInput:
    requirement: str
    deadline: date


def write_up(inspection: Inspection) -> dict[str, Any]:
    """The write-up as both sides sign it: every word that carries a meaning, nothing else."""
    return {
        "inspection": inspection.pk,
        "supersedes": inspection.supersedes_id,
        "organisation": {"id": inspection.organisation_id, "name": inspection.organisation.name},
        "date": inspection.date.isoformat(),
        "officer": {"id": inspection.officer_id, "username": inspection.officer.username},
        "place": inspection.place,
        "summary": inspection.summary,
        "items": [
            {"position": i.position, "code": i.code, "text": i.text, "result": i.result, "finding": i.finding}
            for i in inspection.items.order_by("position")
        ],
        "rectifications": [
            {"position": r.position, "requirement": r.requirement, "deadline": r.deadline.isoformat()}
            for r in inspection.rectifications.order_by("position")
        ],
    }


def canonical_text(inspection: Inspection) -> str:
    return json.dumps(write_up(inspection), ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def write_up_sha256(inspection: Inspection) -> str:
    return hashlib.sha256(canonical_text(inspection).encode("utf-8")).hexdigest()


def signatures_hold(inspection: Inspection) -> dict[str, bool | None]:
    """For each side: None when unsigned, else whether the write-up still hashes as signed."""
    digest = write_up_sha256(inspection)
    return {
        "officer": (inspection.officer_sha256 == digest) if inspection.officer_sha256 else None,
        "representative": (inspection.rep_sha256 == digest) if inspection.rep_sha256 else None,
    }


def _clean(
    inspection_date: date, items: list[ItemInput], rectifications: list[RectificationInput]
) -> tuple[list[ItemInput], list[RectificationInput]]:
    errors: dict[str, list[str]] = {}
    if inspection_date > timezone.localdate():
        errors.setdefault("date", []).append(_("检查日期不能晚于今天。"))
    cleaned_items = []
    for n, item in enumerate(items, start=1):
        text = item.text.strip()
        if not text:
            continue
        if item.result not in InspectionItem.Result.values:
            errors.setdefault("items", []).append(_("第 %(n)d 项：请选择检查结果。") % {"n": n})
        if item.result == InspectionItem.Result.FAIL and not item.finding.strip():
            errors.setdefault("items", []).append(
                _("第 %(n)d 项“%(text)s”不符合：请写明发现的问题。") % {"n": n, "text": text}
            )
        cleaned_items.append(
            ItemInput(
                item.code.strip()[:32] or f"item{n}", text[:200], item.result, item.finding.strip()[:500]
            )
        )
    if not cleaned_items:
        errors.setdefault("items", []).append(_("至少填写一项检查项目。"))
    cleaned_rect = []
    for n, rect in enumerate(rectifications, start=1):
        requirement = rect.requirement.strip()
        if not requirement:
            continue
        if rect.deadline < inspection_date:
            errors.setdefault("rectifications", []).append(
                _("第 %(n)d 条整改：期限不能早于检查日期。") % {"n": n}
            )
        cleaned_rect.append(RectificationInput(requirement[:500], rect.deadline))
    if errors:
        raise ValidationError(errors)
    return cleaned_items, cleaned_rect


def _write_rows(inspection: Inspection, items: list[ItemInput], rects: list[RectificationInput]) -> None:
    inspection.items.all().delete()
    inspection.rectifications.all().delete()
    InspectionItem.objects.bulk_create(
        InspectionItem(
            inspection=inspection, position=n, code=i.code, text=i.text, result=i.result, finding=i.finding
        )
        for n, i in enumerate(items, start=1)
    )
    Rectification.objects.bulk_create(
        Rectification(inspection=inspection, position=n, requirement=r.requirement, deadline=r.deadline)
        for n, r in enumerate(rects, start=1)
    )


@transaction.atomic
def create_inspection(
    *,
    actor: User,
    organisation: MemberOrganisation,
    inspection_date: date,
    items: list[ItemInput],
    rectifications: list[RectificationInput] = (),  # type: ignore[assignment]
    place: str = "",
    summary: str = "",
    supersedes: Inspection | None = None,
) -> Inspection:
    """Write up an inspection made by ``actor`` (the officer); nobody has signed it yet."""
    require_for_station(actor, "add", Inspection, organisation.alliance.station)
    if supersedes is not None:
        if supersedes.organisation_id != organisation.pk:
            raise ValidationError({"supersedes": _("更正的检查须是同一单位的检查。")})
        if not supersedes.frozen:
            raise ValidationError({"supersedes": _("该检查尚未双方签名，可直接修改，无须另立更正。")})
    clean_items, clean_rects = _clean(inspection_date, list(items), list(rectifications))
    inspection = Inspection.objects.create(
        organisation=organisation,
        date=inspection_date,
        officer=actor,
        place=place.strip()[:200],
        summary=summary.strip(),
        supersedes=supersedes,
    )
    _write_rows(inspection, clean_items, clean_rects)
    message = f"检查项目 {len(clean_items)} 项，整改 {len(clean_rects)} 条"
    if supersedes is not None:
        message += f"，更正 {supersedes}"
    record_change(actor=actor, obj=inspection, action="create", related=organisation, message=message)
    return inspection


def _locked(inspection: Inspection) -> Inspection:
    return (
        Inspection.objects.select_for_update().select_related("organisation", "officer").get(pk=inspection.pk)
    )


@transaction.atomic
def update_inspection(
    *,
    actor: User,
    inspection: Inspection,
    inspection_date: date,
    items: list[ItemInput],
    rectifications: list[RectificationInput],
    place: str = "",
    summary: str = "",
) -> Inspection:
    """Change a write-up not yet signed by both; a signature already given is withdrawn."""
    require(actor, "change", inspection)
    inspection = _locked(inspection)
    if inspection.frozen:
        raise ValidationError(_("双方均已签名，检查文书不能再修改；如需更正，请新建一份检查并引用本检查。"))
    clean_items, clean_rects = _clean(inspection_date, list(items), list(rectifications))
    before = snapshot(inspection)
    old_digest = write_up_sha256(inspection)
    inspection.date, inspection.place, inspection.summary = (
        inspection_date,
        place.strip()[:200],
        summary.strip(),
    )
    inspection.save()
    _write_rows(inspection, clean_items, clean_rects)
    if write_up_sha256(inspection) == old_digest:
        return inspection
    withdrawn = []
    if inspection.officer_sha256:
        inspection.officer_sha256, inspection.officer_signed_at = "", None
        withdrawn.append("民警签名")
    if inspection.rep_sha256:
        inspection.rep_sha256, inspection.rep_signed_at = "", None
        inspection.rep_name, inspection.rep_method = "", ""
        inspection.rep_user = inspection.attested_by = None
        withdrawn.append("单位代表签名")
    inspection.save()
    message = "修改检查文书" + (f"，已撤销{'、'.join(withdrawn)}" if withdrawn else "")
    record_change(actor=actor, obj=inspection, action="update", before=before, message=message)
    return inspection


@transaction.atomic
def sign_as_officer(*, actor: User, inspection: Inspection) -> Inspection:
    """The inspecting officer signs, logged in as themself."""
    require(actor, "change", inspection)
    inspection = _locked(inspection)
    if inspection.officer_id != actor.pk:
        raise PermissionDenied(_("只有检查民警本人可以作为民警签名。"))
    if inspection.officer_sha256:
        raise ValidationError(_("民警已签名。"))
    before = snapshot(inspection)
    inspection.officer_sha256 = write_up_sha256(inspection)
    inspection.officer_signed_at = timezone.now()
    inspection.save(update_fields=["officer_sha256", "officer_signed_at"])
    record_change(
        actor=actor,
        obj=inspection,
        action="update",
        before=before,
        message=f"民警签名 {inspection.officer_sha256[:12]}",
    )
    return inspection


@transaction.atomic
def sign_as_representative(
    *, actor: User, inspection: Inspection, name: str = "", attest: bool = False
) -> Inspection:
    """The organisation's representative signs.

    With their own account (``actor`` is staff of the organisation): their account is the
    signature. On the officer's device (``attest=True``, ``actor`` the officer): the
    representative types their ``name`` and the officer is recorded as witness.
    """
    inspection = _locked(inspection)
    require(actor, "view", inspection)
    own = inspection.organisation.staff.filter(pk=actor.pk).exists()
    if not own:
        if not attest:
            raise PermissionDenied(_("只有被检查单位的本单位账户可以作为单位代表签名。"))
        if not can(actor, "change", inspection):
            raise PermissionDenied(_("只有可修改该检查的民警可以见证单位代表签名。"))
    if inspection.rep_sha256:
        raise ValidationError(_("单位代表已签名。"))
    typed = name.strip()
    if not own and not typed:
        raise ValidationError({"name": _("请由单位代表本人输入姓名。")})
    before = snapshot(inspection)
    inspection.rep_sha256 = write_up_sha256(inspection)
    inspection.rep_signed_at = timezone.now()
    if own:
        inspection.rep_method = Inspection.RepMethod.OWN_ACCOUNT
        inspection.rep_user = actor
        inspection.rep_name = (typed or actor.display_name or actor.username)[:50]
    else:
        inspection.rep_method = Inspection.RepMethod.ATTESTED
        inspection.attested_by = actor
        inspection.rep_name = typed[:50]
    inspection.save()
    how = "本人账户" if own else "民警设备，民警见证"
    record_change(
        actor=actor,
        obj=inspection,
        action="update",
        before=before,
        message=f"单位代表签名（{how}）{inspection.rep_sha256[:12]}",
    )
    return inspection


@transaction.atomic
def close_rectification(
    *, actor: User, rectification: Rectification, done_on: date, note: str
) -> Rectification:
    """Record that a rectification was done (checked by the officer), beside the signed write-up."""
    require(actor, "change", rectification)
    rectification = (
        Rectification.objects.select_for_update().select_related("inspection").get(pk=rectification.pk)
    )
    if not rectification.inspection.frozen:
        raise ValidationError(_("检查文书尚未双方签名，整改事项还不能销号。"))
    if rectification.done_on is not None:
        raise ValidationError(_("该整改事项已于 %(d)s 销号。") % {"d": rectification.done_on})
    if done_on < rectification.inspection.date or done_on > timezone.localdate():
        raise ValidationError({"done_on": _("完成日期须在检查日期与今天之间。")})
    if not note.strip():
        raise ValidationError({"done_note": _("请写明复查情况。")})
    before = snapshot(rectification)
    rectification.done_on, rectification.done_note = done_on, note.strip()[:300]
    rectification.save(update_fields=["done_on", "done_note"])
    record_change(
        actor=actor,
        obj=rectification,
        action="update",
        before=before,
        related=rectification.inspection,
        message="整改销号",
    )
    return rectification
