"""Extensions of time limits and the documents of a case file."""

from __future__ import annotations

import hashlib
import os
import tempfile
from datetime import date
from pathlib import Path
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhengyi.cases import deadlines as dl
from zhengyi.cases.models import Case, Document, Extension, Measure
from zhengyi.cases.services.deadlines import case_deadlines
from zhengyi.core.models import User
from zhengyi.core.permissions import require, require_for_station
from zhengyi.core.services.audit import record_change

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024


def granted_amounts(case: Case, limit: str, measure: Measure | None) -> list[int]:
    rows = Extension.objects.filter(case=case, limit=limit, measure=measure).order_by("created_at", "id")
    return list(rows.values_list("amount", flat=True))


@transaction.atomic
def add_extension(
    *,
    actor: User,
    case: Case,
    limit: str,
    amount: int,
    legal_basis: str,
    approved_by: str,
    approved_on: date,
    measure: Measure | None = None,
) -> Extension:
    """Extend one running time limit of the case (or of one of its measures) as the law allows."""
    require_for_station(actor, "add", Extension, case.station)
    require(actor, "change", case)
    Case.objects.select_for_update().filter(pk=case.pk).values_list("pk").first()
    if measure is not None and measure.case_id != case.pk:
        raise ValidationError({"measure": _("该措施不属于本案。")})
    spec = dl.LIMITS.get(limit)
    if spec is None or not spec.steps:
        raise ValidationError({"limit": _("该期限依法不能延长。")})
    running = [
        d
        for d in case_deadlines(case)
        if d.limit.code == limit and d.is_open and (measure is None or d.measure_id == measure.pk)
    ]
    if not running:
        raise ValidationError({"limit": _("本案没有正在计算的“%(l)s”期限。") % {"l": spec.label}})
    errors: dict[str, str] = {}
    if len((legal_basis or "").strip()) < 2:
        errors["legal_basis"] = _("请写明法律依据。")
    if len((approved_by or "").strip()) < 2:
        errors["approved_by"] = _("请写明批准人（姓名及职务）。")
    if approved_on > timezone.localdate():
        errors["approved_on"] = _("批准日期不能晚于今天。")
    try:
        dl.check_extension(spec, granted_amounts(case, limit, measure), amount)
    except dl.ExtensionError as exc:
        errors["amount"] = str(exc)
    if errors:
        raise ValidationError(errors)
    ext = Extension.objects.create(
        case=case,
        measure=measure,
        limit=limit,
        amount=amount,
        legal_basis=legal_basis.strip(),
        approved_by=approved_by.strip(),
        approved_on=approved_on,
        created_by=actor,
    )
    record_change(actor=actor, obj=ext, action="create", related=case, message=f"{spec.label} 延长 {amount}")
    return ext


def documents_dir() -> Path:
    return Path(settings.DATA_DIR) / "cases" / "documents"


def document_path(sha256: str) -> Path:
    return documents_dir() / sha256[:2] / sha256


def _store(stream: IO[bytes]) -> tuple[str, int]:
    """Copy the upload into the store under its SHA-256 (written aside, then renamed)."""
    target_dir = documents_dir()
    target_dir.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    fd, tmp = tempfile.mkstemp(dir=target_dir, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(1 << 16):
                size += len(chunk)
                if size > MAX_DOCUMENT_BYTES:
                    raise ValidationError(
                        {
                            "file": _("文件过大：最大 %(mb)d MB。")
                            % {"mb": MAX_DOCUMENT_BYTES // (1024 * 1024)}
                        }
                    )
                digest.update(chunk)
                out.write(chunk)
        sha = digest.hexdigest()
        final = document_path(sha)
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, final)  # same content, same name: a second upload replaces it by itself
        return sha, size
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


@transaction.atomic
def attach_document(
    *, actor: User, case: Case, title: str, filename: str, stream: IO[bytes], content_type: str = ""
) -> Document:
    require_for_station(actor, "add", Document, case.station)
    require(actor, "change", case)
    title = (title or "").strip() or (filename or "").strip()
    if not title:
        raise ValidationError({"title": _("请填写文书名称。")})
    sha, size = _store(stream)
    if size == 0:
        raise ValidationError({"file": _("文件是空的，请重新选择。")})
    doc = Document.objects.create(
        case=case,
        title=title[:200],
        filename=Path(filename or "document").name[:200],
        content_type=(content_type or "")[:100],
        sha256=sha,
        size=size,
        uploaded_by=actor,
        uploaded_by_name=str(actor.display_name or actor.username),
        uploaded_at=timezone.now(),
    )
    record_change(actor=actor, obj=doc, action="create", related=case, message=f"SHA-256 {sha[:16]}…")
    return doc
