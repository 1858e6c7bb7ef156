"""Publishing: draft → automatic redaction → review → publish (logged), corrections, withdrawals,
progress steps. Every function is one transaction with its audit rows and, where something
becomes public, its ledger entry.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from zhengyi.core.models import Station, User
from zhengyi.core.permissions import require, require_for_station
from zhengyi.core.services.audit import record_change, snapshot
from zhengyi.ledger.entries import text_digest
from zhengyi.ledger.services import producers
from zhengyi.sunshine import redaction
from zhengyi.sunshine.models import TEXT_MAX, ProgressEntry, Publication, PublicationVersion, Withdrawal

OPEN = (PublicationVersion.Status.DRAFT, PublicationVersion.Status.RETURNED)


def _clean_names(names: Iterable[str] | str) -> str:
    if isinstance(names, str):
        names = names.replace("、", "\n").replace(",", "\n").replace("，", "\n").splitlines()
    seen: list[str] = []
    for n in names:
        n = redaction.clean_name(n)
        if n and n not in seen:
            seen.append(n)
    return "\n".join(seen)


def _check_text(title: str, text: str) -> tuple[str, str]:
    title, text = (title or "").strip(), (text or "").strip()
    errors = {}
    if not title:
        errors["title"] = _("请填写标题。")
    elif len(title) > 200:
        errors["title"] = _("标题最多 200 字，请缩短。")
    if not text:
        errors["text"] = _("请填写正文。")
    elif len(text) > TEXT_MAX:
        errors["text"] = _("正文最多 %(n)s 字，请缩短。") % {"n": TEXT_MAX}
    if errors:
        raise ValidationError(errors)
    return title, text


def _apply_redaction(version: PublicationVersion) -> None:
    names = version.names()
    title = redaction.redact(version.original_title, names)
    body = redaction.redact(version.original_text, names)
    version.title = title.text[:200]
    version.text = body.text
    version.redactions = len(title.changes) + len(body.changes)


def _next_number(station: Station) -> str:
    year = timezone.localdate().year
    prefix = f"{station.code}-{year}-"
    taken = Publication.objects.filter(station=station, number__startswith=prefix).count()
    return f"{prefix}{taken + 1:04d}"


@transaction.atomic
def create_draft(
    *,
    actor: User,
    station: Station,
    kind: str,
    title: str,
    text: str,
    party_names: Iterable[str] | str = (),
    source_case_id: int | None = None,
    source_alert: object | None = None,
) -> PublicationVersion:
    """A new publication with its first version as a draft, redacted automatically."""
    require_for_station(actor, "add", PublicationVersion, station)
    if kind not in Publication.Kind.values:
        raise ValidationError({"kind": _("请选择公开信息的类型。")})
    title, text = _check_text(title, text)
    pub = Publication(
        station=station,
        number=_next_number(station),
        kind=kind,
        source_case_id=source_case_id,
        source_alert=source_alert,  # type: ignore[misc]
        created_by=actor,
    )
    pub.full_clean()
    pub.save()
    version = PublicationVersion(
        publication=pub,
        version=1,
        original_title=title,
        original_text=text,
        party_names=_clean_names(party_names),
        author=actor,
    )
    _apply_redaction(version)
    version.save()
    record_change(actor=actor, obj=pub, action="create", related=station)
    record_change(actor=actor, obj=version, action="create", related=pub, message="草稿（已自动脱敏）")
    return version


def draft_from_alert(
    *, actor: User, alert: object, kind: str = Publication.Kind.NOTICE
) -> PublicationVersion:
    """A 警情通报 draft from an alert: its category, day and place as a building or zone."""
    from zhengyi.alerts.models import Alert

    assert isinstance(alert, Alert)
    require(actor, "view", alert)
    when = timezone.localtime(alert.received_at)
    place = (alert.building.name if alert.building else "") or (alert.zone.name if alert.zone else "")
    title = _("%(place)s%(category)s警情通报") % {"place": place, "category": alert.get_category_display()}
    text = _("%(day)s，%(station)s接到报警：%(place)s发生一起%(category)s警情。%(description)s") % {
        "day": when.strftime("%Y年%m月%d日"),
        "station": alert.station.name,
        "place": place or alert.location_text,
        "category": alert.get_category_display(),
        "description": alert.description,
    }
    if alert.disposition:
        text += _("处置情况：%(d)s") % {"d": alert.disposition}
    return create_draft(
        actor=actor,
        station=alert.station,
        kind=kind,
        title=title,
        text=text,
        party_names=[alert.caller_name] if alert.caller_name else [],
        source_alert=alert,
    )


def draft_from_case(
    *, actor: User, case_id: int, kind: str = Publication.Kind.BRIEFING
) -> PublicationVersion:
    """A 案情 or 重点案件 draft from a case (``cases.selectors.case_brief``), with its parties'
    names to redact. PermissionDenied unless the actor may view the case."""
    from zhengyi.cases.selectors import case_brief

    brief = case_brief(case_id, user=actor)
    station = Station.objects.get(pk=brief.station_id)
    steps = "；".join(f"{s.on:%Y年%m月%d日} {s.stage_label}" for s in brief.steps)
    text = brief.summary.strip()
    if steps:
        text += "\n" + _("办理进程：%(steps)s。") % {"steps": steps}
    return create_draft(
        actor=actor,
        station=station,
        kind=kind,
        title=brief.title,
        text=text or brief.title,
        party_names=brief.party_names,
        source_case_id=brief.case_id,
    )


@transaction.atomic
def update_draft(
    *, actor: User, version: PublicationVersion, title: str, text: str, party_names: Iterable[str] | str
) -> PublicationVersion:
    version = PublicationVersion.objects.select_for_update().get(pk=version.pk)
    require(actor, "change", version)
    if version.status not in OPEN:
        raise ValidationError(_("只有草稿或已退回的稿件可以修改；已提交的请等待审核结果。"))
    before = snapshot(version)
    version.original_title, version.original_text = _check_text(title, text)
    version.party_names = _clean_names(party_names)
    version.status = PublicationVersion.Status.DRAFT
    _apply_redaction(version)
    version.save()
    record_change(actor=actor, obj=version, action="update", before=before, message="修改草稿（重新脱敏）")
    return version


@transaction.atomic
def submit_for_review(*, actor: User, version: PublicationVersion) -> PublicationVersion:
    version = PublicationVersion.objects.select_for_update().get(pk=version.pk)
    require(actor, "change", version)
    if version.status not in OPEN:
        raise ValidationError(_("该稿件已提交或已发布，不能重复提交。"))
    before = snapshot(version)
    version.status = PublicationVersion.Status.REVIEW
    version.submitted_at = timezone.now()
    version.save(update_fields=["status", "submitted_at"])
    record_change(actor=actor, obj=version, action="update", before=before, message="提交审核")
    return version


def _as_reviewer(actor: User, version: PublicationVersion) -> None:
    require(actor, "change", version.publication)
    if version.author_id == actor.pk:
        raise PermissionDenied(_("审核人不能是撰稿人本人：请由另一位有审核权限的同事审核。"))
    if version.status != PublicationVersion.Status.REVIEW:
        raise ValidationError(_("该稿件不在待审核状态。"))


def leaks_of(version: PublicationVersion) -> list[redaction.Leak]:
    """What the public title and text would still reveal (the last check before publishing)."""
    names = version.names()
    return redaction.find_leaks(version.title, names) + redaction.find_leaks(version.text, names)


@transaction.atomic
def return_for_revision(*, actor: User, version: PublicationVersion, note: str) -> PublicationVersion:
    version = PublicationVersion.objects.select_for_update().get(pk=version.pk)
    _as_reviewer(actor, version)
    if not note.strip():
        raise ValidationError({"note": _("退回时请写明需要修改的地方。")})
    before = snapshot(version)
    version.status = PublicationVersion.Status.RETURNED
    version.review_note = note.strip()[:300]
    version.save(update_fields=["status", "review_note"])
    record_change(actor=actor, obj=version, action="update", before=before, message="退回修改")
    return version


@transaction.atomic
def approve_and_publish(*, actor: User, version: PublicationVersion) -> PublicationVersion:
    """Approve a version under review and publish it, in one transaction with its ledger entry.

    Refused when the reviewer wrote it, or when its public text still leaks (a number, a party's
    full name, a door number): nothing is published then.
    """
    version = PublicationVersion.objects.select_for_update().select_related("publication").get(pk=version.pk)
    _as_reviewer(actor, version)
    # The stored redaction is re-derived: a public text never comes from anywhere else.
    _apply_redaction(version)
    leaks = leaks_of(version)
    if leaks:
        found = "、".join(f"{leak.label}“{leak.value}”" for leak in leaks[:5])
        raise ValidationError(
            _("公开文本仍含个人信息，不能发布：%(found)s。请修改草稿后重新提交。") % {"found": found}
        )
    pub = Publication.objects.select_for_update().get(pk=version.publication_id)
    if hasattr(pub, "withdrawal"):
        raise ValidationError(_("该信息已撤回，不能再发布新版本。"))
    now = timezone.now()
    previous = pub.current
    before_version, before_pub = snapshot(version), snapshot(pub)
    if previous is not None:
        prev_before = snapshot(previous)
        previous.status = PublicationVersion.Status.SUPERSEDED
        previous.save(update_fields=["status"])
        record_change(actor=actor, obj=previous, action="update", before=prev_before, message="被更正")
    version.status = PublicationVersion.Status.PUBLISHED
    version.reviewer = actor
    version.published_at = now
    version.text_sha256 = text_digest(version.text)
    version.ledger_index = producers.log_publication(
        version=version, corrects=previous.version if previous is not None else None
    )
    version.save()
    pub.current = version
    if pub.first_published_at is None:
        pub.first_published_at = now
    pub.save(update_fields=["current", "first_published_at"])
    version.publication = pub
    record_change(actor=actor, obj=version, action="update", before=before_version, message="审核通过并发布")
    record_change(
        actor=actor, obj=pub, action="update", before=before_pub, message=f"现行版本 v{version.version}"
    )
    if previous is None and pub.source_case_id and pub.has_progress:
        sync_case_progress(actor=actor, publication=pub)
    return version


@transaction.atomic
def start_correction(*, actor: User, publication: Publication, note: str) -> PublicationVersion:
    """A new draft version of a published item; the published one stays up until it is approved."""
    pub = Publication.objects.select_for_update().get(pk=publication.pk)
    require_for_station(actor, "add", PublicationVersion, pub.station)
    if pub.current is None:
        raise ValidationError(_("尚未发布的信息不需要更正，直接修改草稿即可。"))
    if hasattr(pub, "withdrawal"):
        raise ValidationError(_("该信息已撤回，不能更正。"))
    if not note.strip():
        raise ValidationError({"note": _("请写明更正的原因，它会与更正后的版本一起公开。")})
    if pub.versions.filter(status__in=[*OPEN, PublicationVersion.Status.REVIEW]).exists():
        raise ValidationError(_("该信息已有一份未完成的更正稿，请先处理它。"))
    current = pub.current
    last = pub.versions.aggregate(n=Max("version"))["n"] or 0
    version = PublicationVersion(
        publication=pub,
        version=last + 1,
        original_title=current.original_title,
        original_text=current.original_text,
        party_names=current.party_names,
        correction_note=redaction.redact(note.strip(), current.names()).text[:300],
        author=actor,
    )
    _apply_redaction(version)
    version.save()
    record_change(actor=actor, obj=version, action="create", related=pub, message="更正稿")
    return version


@transaction.atomic
def withdraw(*, actor: User, publication: Publication, reason: str) -> Withdrawal:
    """Withdraw a published item: it stays on the portal, marked withdrawn with the reason."""
    pub = Publication.objects.select_for_update().get(pk=publication.pk)
    require(actor, "change", pub)
    if pub.current is None:
        raise ValidationError(_("尚未发布的信息无需撤回。"))
    if hasattr(pub, "withdrawal"):
        raise ValidationError(_("该信息已经撤回。"))
    public_reason = redaction.redact((reason or "").strip(), pub.current.names()).text
    if not public_reason:
        raise ValidationError({"reason": _("请写明撤回原因，它会在公开页面上显示。")})
    if len(public_reason) > 300:
        raise ValidationError({"reason": _("撤回原因最多 300 字。")})
    withdrawal = Withdrawal(
        publication=pub, reason=public_reason, withdrawn_at=timezone.now(), withdrawn_by=actor
    )
    withdrawal.save()
    withdrawal.ledger_index = producers.log_publication_withdrawal(
        withdrawal=withdrawal, version=pub.current, actor=actor
    )
    withdrawal.save(update_fields=["ledger_index"])
    record_change(actor=actor, obj=withdrawal, action="create", related=pub, message="撤回")
    return withdrawal


@transaction.atomic
def add_progress(*, actor: User, publication: Publication, on: date, text: str) -> ProgressEntry:
    """One public-safe step on a key case's or difficult alert's timeline (logged)."""
    pub = Publication.objects.select_for_update().get(pk=publication.pk)
    require_for_station(actor, "add", ProgressEntry, pub.station)
    if not pub.has_progress:
        raise ValidationError(_("只有重点案件、疑难警情和处置进程有进展时间线。"))
    if pub.current is None or hasattr(pub, "withdrawal"):
        raise ValidationError(_("只能为已发布且未撤回的信息记录进展。"))
    if on > timezone.localdate():
        raise ValidationError({"on": _("进展日期不能晚于今天。")})
    public_text = redaction.redact((text or "").strip(), pub.current.names()).text
    if not public_text or len(public_text) > 300:
        raise ValidationError({"text": _("请填写进展（最多 300 字）。")})
    leaks = redaction.find_leaks(public_text, pub.current.names())
    if leaks:
        raise ValidationError({"text": _("进展中仍含个人信息：%(k)s。") % {"k": leaks[0].label}})
    seq = (pub.progress.aggregate(n=Max("seq"))["n"] or 0) + 1
    entry = ProgressEntry(publication=pub, seq=seq, on=on, text=public_text, created_by=actor)
    entry.save()
    entry.ledger_index = producers.log_progress_step(entry=entry, version=pub.current, actor=actor)
    entry.save(update_fields=["ledger_index"])
    record_change(actor=actor, obj=entry, action="create", related=pub)
    return entry


@transaction.atomic
def sync_case_progress(*, actor: User, publication: Publication) -> list[ProgressEntry]:
    """Add the source case's stage changes (stage and day only) not yet on the timeline."""
    from zhengyi.cases.selectors import case_brief

    if not publication.source_case_id:
        raise ValidationError(_("该信息不是由案件生成的。"))
    brief = case_brief(publication.source_case_id, user=actor)
    have = set(publication.progress.values_list("on", "text"))
    added = []
    for step in brief.steps:
        text = _("案件进入“%(stage)s”阶段。") % {"stage": step.stage_label}
        if (step.on, text) not in have:
            added.append(add_progress(actor=actor, publication=publication, on=step.on, text=text))
            have.add((step.on, text))
    return added
