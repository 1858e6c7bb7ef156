"""交流意见: a public message → moderation → an official reply, published (redacted) with it."""

from __future__ import annotations

import secrets
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhengyi.core.models import Station, User
from zhengyi.core.permissions import require
from zhengyi.core.services.audit import record_change, snapshot
from zhengyi.core.services.roles import system_user
from zhengyi.ledger.services import producers
from zhengyi.sunshine import deployment, redaction
from zhengyi.sunshine.models import Feedback


def _number(station: Station) -> str:
    year = timezone.localdate().year
    # The internet-side portal numbers its own messages apart (WL): the police side's numbers
    # (LY) arrive there with the answered ones, and the two must never collide.
    series = "WL" if deployment.is_public_mirror() else "LY"
    prefix = f"{station.code}-{series}{year}-"
    return f"{prefix}{Feedback.objects.filter(station=station, number__startswith=prefix).count() + 1:05d}"


@transaction.atomic
def submit_feedback(
    *,
    station: Station,
    subject: str,
    message: str,
    contact: str = "",
    portal_ref: str = "",
    submitted_at: datetime | None = None,
) -> Feedback:
    """A message from the public (no account): kept internal until a reply publishes it.

    The recorded actor is the system account; the change log says it came from the portal. On
    the internet-side mirror each message gets a random reference that travels with it to the
    police side (``services/relay.py``); there, ``portal_ref`` and ``submitted_at`` are the
    ones it was typed with.
    """
    subject, message, contact = (subject or "").strip(), (message or "").strip(), (contact or "").strip()
    errors = {}
    if not subject or len(subject) > 100:
        errors["subject"] = _("请填写主题（最多 100 字）。")
    if len(message) < 5 or len(message) > 2000:
        errors["message"] = _("留言请写 5 至 2000 字。")
    if len(contact) > 100:
        errors["contact"] = _("联系方式最多 100 字。")
    if errors:
        raise ValidationError(errors)
    if deployment.is_public_mirror() and not portal_ref:
        portal_ref = secrets.token_hex(16)
    feedback = Feedback(
        station=station,
        number=_number(station),
        submitted_at=submitted_at or timezone.now(),
        subject=subject,
        message=message,
        contact=contact,
        portal_ref=portal_ref,
    )
    feedback.save()
    if deployment.is_public_mirror():
        source = "公众留言（互联网门户，待转交）"
    elif portal_ref:
        source = "公众留言（经互联网门户转入）"
    else:
        source = "公众留言（阳光平台）"
    record_change(actor=system_user(), obj=feedback, action="create", related=station, message=source)
    return feedback


@transaction.atomic
def reject_feedback(*, actor: User, feedback: Feedback, reason: str) -> Feedback:
    """Not published (abuse, personal matters, nothing to answer publicly), with the reason kept."""
    feedback = Feedback.objects.select_for_update().get(pk=feedback.pk)
    require(actor, "change", feedback)
    if feedback.status != Feedback.Status.NEW:
        raise ValidationError(_("该留言已处理。"))
    if not reason.strip():
        raise ValidationError({"reason": _("请写明不予公开的原因。")})
    before = snapshot(feedback)
    feedback.status = Feedback.Status.REJECTED
    feedback.reject_reason = reason.strip()[:300]
    feedback.moderated_by = actor
    feedback.moderated_at = timezone.now()
    feedback.save()
    record_change(actor=actor, obj=feedback, action="update", before=before, message="不予公开")
    return feedback


@transaction.atomic
def reply_feedback(
    *,
    actor: User,
    feedback: Feedback,
    reply: str,
    public_subject: str | None = None,
    public_message: str | None = None,
    names: list[str] | None = None,
) -> Feedback:
    """Answer and publish: the message (as the moderator trimmed it) and the reply, both
    redacted and leak-checked, logged as ``feedback_reply`` in the same transaction."""
    feedback = Feedback.objects.select_for_update().select_related("station").get(pk=feedback.pk)
    require(actor, "change", feedback)
    if feedback.status != Feedback.Status.NEW:
        raise ValidationError(_("该留言已处理。"))
    names = names or []
    subject = redaction.redact((public_subject or feedback.subject).strip(), names).text
    message = redaction.redact((public_message or feedback.message).strip(), names).text
    answer = redaction.redact((reply or "").strip(), names).text
    errors = {}
    if not answer or len(answer) > 2000:
        errors["reply"] = _("请填写答复（最多 2000 字）。")
    if not subject or not message:
        errors["public_message"] = _("公开的主题和留言不能为空。")
    if errors:
        raise ValidationError(errors)
    leaks = [leak for t in (subject, message, answer) for leak in redaction.find_leaks(t, names)]
    if leaks:
        raise ValidationError(
            _("公开文本仍含个人信息：%(k)s“%(v)s”。") % {"k": leaks[0].label, "v": leaks[0].value}
        )
    before = snapshot(feedback)
    feedback.public_subject = subject[:100]
    feedback.public_message = message
    feedback.reply = answer
    feedback.replied_by_name = feedback.station.name
    feedback.status = Feedback.Status.PUBLISHED
    feedback.moderated_by = actor
    feedback.moderated_at = timezone.now()
    feedback.ledger_index = producers.log_feedback_reply(feedback=feedback, actor=actor)
    feedback.save()
    record_change(actor=actor, obj=feedback, action="update", before=before, message="答复并公开")
    return feedback
