"""Staff pages (/sunshine/): drafts, the editor, the side-by-side review, corrections,
withdrawals, progress steps and the feedback moderation queue. Writes go through the services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from zhengyi.core.forms import add_service_errors
from zhengyi.core.models import Station
from zhengyi.core.permissions import can, require
from zhengyi.core.pii import masked_values
from zhengyi.core.services.pii import reveal_personal_data
from zhengyi.sunshine import redaction
from zhengyi.sunshine.forms import CaseDraftForm, DraftForm, ProgressForm, ReasonForm, ReplyForm, ReviewForm
from zhengyi.sunshine.models import Feedback, Publication, PublicationVersion
from zhengyi.sunshine.services import feedback as fb
from zhengyi.sunshine.services import publishing


def _station_for(user: Any) -> Station:
    station = getattr(user, "station", None)
    if station is None:
        raise PermissionDenied(_("只有派出所的账户可以撰写公开信息。"))
    return station


@login_required
def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(user, "view", Publication)
    versions = (
        PublicationVersion.objects.restrict(user, "view")
        .filter(status__in=[*publishing.OPEN, PublicationVersion.Status.REVIEW])
        .select_related("publication", "author")
        .order_by("-created_at")
    )
    pubs = (
        Publication.objects.restrict(user, "view")
        .filter(current__isnull=False)
        .select_related("current", "station", "withdrawal")[:50]
    )
    new_feedback = Feedback.objects.restrict(user, "view").filter(status=Feedback.Status.NEW).count()
    return render(
        request,
        "sunshine/staff/index.html",
        {
            "drafts": [v for v in versions if v.status != PublicationVersion.Status.REVIEW],
            "in_review": [v for v in versions if v.status == PublicationVersion.Status.REVIEW],
            "published": pubs,
            "new_feedback": new_feedback,
            "can_draft": can(user, "add", PublicationVersion),
            "can_review": can(user, "change", Publication),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def new_draft(request: HttpRequest) -> HttpResponse:
    form = DraftForm(request.POST or None)
    case_form = CaseDraftForm()
    if request.method == "POST" and form.is_valid():
        try:
            version = publishing.create_draft(
                actor=request.user,  # type: ignore[arg-type]
                station=_station_for(request.user),
                kind=form.cleaned_data["kind"],
                title=form.cleaned_data["title"],
                text=form.cleaned_data["text"],
                party_names=form.cleaned_data["party_names"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("草稿已保存并自动脱敏，请核对后提交审核。"))
            return redirect("sunshine:version", version.pk)
    return render(request, "sunshine/staff/new.html", {"form": form, "case_form": case_form})


@login_required
@require_POST
def new_from_case(request: HttpRequest) -> HttpResponse:
    form = CaseDraftForm(request.POST)
    if form.is_valid():
        try:
            version = publishing.draft_from_case(
                actor=request.user,  # type: ignore[arg-type]
                case_id=form.cleaned_data["case_id"],
                kind=form.cleaned_data["kind"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已从案件生成草稿，当事人姓名已自动隐去。"))
            return redirect("sunshine:version", version.pk)
    return render(request, "sunshine/staff/new.html", {"form": DraftForm(), "case_form": form}, status=400)


@login_required
@require_POST
def new_from_alert(request: HttpRequest, alert_id: int) -> HttpResponse:
    from zhengyi.alerts.models import Alert

    alert = get_object_or_404(Alert.objects.restrict(request.user, "view"), pk=alert_id)
    version = publishing.draft_from_alert(actor=request.user, alert=alert)  # type: ignore[arg-type]
    messages.success(request, _("已从警情生成通报草稿。"))
    return redirect("sunshine:version", version.pk)


def _version(request: HttpRequest, pk: int) -> PublicationVersion:
    return get_object_or_404(
        PublicationVersion.objects.restrict(request.user, "view").select_related(
            "publication", "author", "reviewer"
        ),
        pk=pk,
    )


def _side_by_side(version: PublicationVersion) -> dict[str, Any]:
    names = version.names()
    title = redaction.redact(version.original_title, names)
    body = redaction.redact(version.original_text, names)
    return {
        "title_original": title.original_segments(),
        "title_redacted": title.redacted_segments(),
        "text_original": body.original_segments(),
        "text_redacted": body.redacted_segments(),
        "changes": [*title.changes, *body.changes],
        "leaks": publishing.leaks_of(version),
    }


@login_required
@require_http_methods(["GET", "POST"])
def version_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The editor (while a draft) and the side-by-side view of original and redacted text."""
    version = _version(request, pk)
    clear = can(request.user, "view_pii", version)
    if clear and request.method == "GET":
        reveal_personal_data(user=request.user, obj=version, reason="撰写/审核公开信息：核对原稿与脱敏文本")  # type: ignore[arg-type]
    editable = clear and version.status in publishing.OPEN and can(request.user, "change", version)
    initial = {
        "kind": version.publication.kind,
        "title": version.original_title,
        "text": version.original_text,
        "party_names": version.party_names,
    }
    form = DraftForm(request.POST or None, initial=initial)
    form.fields["kind"].disabled = True
    if request.method == "POST":
        if not editable:
            raise PermissionDenied(_("该稿件当前不能修改。"))
        action = request.POST.get("action", "save")
        if form.is_valid():
            try:
                version = publishing.update_draft(
                    actor=request.user,  # type: ignore[arg-type]
                    version=version,
                    title=form.cleaned_data["title"],
                    text=form.cleaned_data["text"],
                    party_names=form.cleaned_data["party_names"],
                )
                if action == "submit":
                    publishing.submit_for_review(actor=request.user, version=version)  # type: ignore[arg-type]
                    messages.success(request, _("已提交审核。"))
                else:
                    messages.success(request, _("草稿已保存并重新脱敏。"))
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                return redirect("sunshine:version", version.pk)
    can_review = (
        version.status == PublicationVersion.Status.REVIEW
        and can(request.user, "change", version.publication)
        and version.author_id != request.user.pk
    )
    return render(
        request,
        "sunshine/staff/version.html",
        {
            "version": version,
            "pub": version.publication,
            "form": form,
            "editable": editable,
            "can_review": can_review,
            "review_form": ReviewForm(),
            "clear": clear,
            **(_side_by_side(version) if clear else {"leaks": publishing.leaks_of(version)}),
        },
    )


@login_required
@require_POST
def review(request: HttpRequest, pk: int) -> HttpResponse:
    version = _version(request, pk)
    form = ReviewForm(request.POST)
    form.is_valid()
    try:
        if request.POST.get("action") == "approve":
            publishing.approve_and_publish(actor=request.user, version=version)  # type: ignore[arg-type]
            messages.success(request, _("已审核通过并发布，已写入倒查跟踪日志。"))
            return redirect("sunshine:publication", version.publication_id)
        publishing.return_for_revision(
            actor=request.user,  # type: ignore[arg-type]
            version=version,
            note=form.cleaned_data.get("note", ""),
        )
        messages.success(request, _("已退回撰稿人修改。"))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect("sunshine:version", version.pk)


@login_required
@require_http_methods(["GET", "POST"])
def publication_page(request: HttpRequest, pk: int) -> HttpResponse:
    pub = get_object_or_404(
        Publication.objects.restrict(request.user, "view").select_related("current", "station"), pk=pk
    )
    forms: dict[str, Form] = {
        "correct": ReasonForm(prefix="c"),
        "withdraw": ReasonForm(prefix="w"),
        "progress": ProgressForm(prefix="p"),
    }
    if request.method == "POST":
        action = request.POST.get("action")
        user: Any = request.user
        try:
            if action == "correct":
                forms["correct"] = form = ReasonForm(request.POST, prefix="c")
                if form.is_valid():
                    v = publishing.start_correction(
                        actor=user, publication=pub, note=form.cleaned_data["reason"]
                    )
                    messages.success(request, _("已创建更正稿；审核通过前，现行版本保持不变。"))
                    return redirect("sunshine:version", v.pk)
            elif action == "withdraw":
                forms["withdraw"] = form = ReasonForm(request.POST, prefix="w")
                if form.is_valid():
                    publishing.withdraw(actor=user, publication=pub, reason=form.cleaned_data["reason"])
                    messages.success(request, _("已撤回；公开页面显示撤回原因。"))
                    return redirect("sunshine:publication", pub.pk)
            elif action == "progress":
                forms["progress"] = pform = ProgressForm(request.POST, prefix="p")
                if pform.is_valid():
                    publishing.add_progress(
                        actor=user,
                        publication=pub,
                        on=pform.cleaned_data["on"],
                        text=pform.cleaned_data["text"],
                    )
                    messages.success(request, _("进展已公开。"))
                    return redirect("sunshine:publication", pub.pk)
            elif action == "sync":
                added = publishing.sync_case_progress(actor=user, publication=pub)
                messages.success(request, _("已同步案件进展 %(n)s 条。") % {"n": len(added)})
                return redirect("sunshine:publication", pub.pk)
        except ValidationError as exc:
            target = forms.get(action or "")
            if target is not None:
                add_service_errors(target, exc)
            else:
                messages.error(request, "；".join(exc.messages))
    versions = pub.versions.select_related("author", "reviewer").order_by("-version")
    return render(
        request,
        "sunshine/staff/publication.html",
        {
            "pub": pub,
            "versions": versions,
            "withdrawal": getattr(pub, "withdrawal", None) if hasattr(pub, "withdrawal") else None,
            "progress": pub.progress.order_by("on", "seq"),
            "forms": forms,
            "can_change": can(request.user, "change", pub),
            "can_correct": can(request.user, "add", PublicationVersion),
        },
    )


@login_required
def moderation(request: HttpRequest) -> HttpResponse:
    require(request.user, "view", Feedback)
    status = request.GET.get("status", Feedback.Status.NEW)
    if status not in Feedback.Status.values:
        status = Feedback.Status.NEW
    items = (
        Feedback.objects.restrict(request.user, "view").filter(status=status).select_related("station")[:100]
    )
    return render(
        request,
        "sunshine/staff/moderation.html",
        {"items": items, "status": status, "statuses": Feedback.Status.choices},
    )


@login_required
@require_http_methods(["GET", "POST"])
def feedback_page(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(Feedback.objects.restrict(request.user, "view").select_related("station"), pk=pk)
    auto_subject = redaction.redact(item.subject).text
    auto_message = redaction.redact(item.message).text
    reply_form = ReplyForm(
        request.POST if request.POST.get("action") == "reply" else None,
        initial={"public_subject": auto_subject, "public_message": auto_message},
    )
    reject_form = ReasonForm(request.POST if request.POST.get("action") == "reject" else None, prefix="r")
    if request.method == "POST":
        user: Any = request.user
        try:
            if request.POST.get("action") == "reply" and reply_form.is_valid():
                names = [n for n in redaction.re.split(r"[、,，\s]+", reply_form.cleaned_data["names"]) if n]
                fb.reply_feedback(
                    actor=user,
                    feedback=item,
                    reply=reply_form.cleaned_data["reply"],
                    public_subject=reply_form.cleaned_data["public_subject"],
                    public_message=reply_form.cleaned_data["public_message"],
                    names=names,
                )
                messages.success(request, _("已答复并公开，已写入倒查跟踪日志。"))
                return redirect("sunshine:moderation")
            if request.POST.get("action") == "reject" and reject_form.is_valid():
                fb.reject_feedback(actor=user, feedback=item, reason=reject_form.cleaned_data["reason"])
                messages.success(request, _("已标记为不予公开。"))
                return redirect("sunshine:moderation")
        except ValidationError as exc:
            add_service_errors(reply_form if request.POST.get("action") == "reply" else reject_form, exc)
    can_view_pii = can(request.user, "view_pii", item)
    if can_view_pii:
        shown = reveal_personal_data(user=request.user, obj=item, reason="审核公众留言")  # type: ignore[arg-type]
    else:
        shown = masked_values(item)
    return render(
        request,
        "sunshine/staff/feedback.html",
        {
            "item": item,
            "shown": shown,
            "can_change": can(request.user, "change", item) and item.status == Feedback.Status.NEW,
            "can_view_pii": can_view_pii,
            "reply_form": reply_form,
            "reject_form": reject_form,
        },
    )
