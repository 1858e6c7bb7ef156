"""API tokens for machine clients: created and revoked through here, verified on each call."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from zhengyi.core.models import ApiToken, User
from zhengyi.core.services.audit import record_change, snapshot

TOKEN_PREFIX = "zy_"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def create_token(*, actor: User, user: User, name: str) -> tuple[ApiToken, str]:
    """Returns the stored row and the token, which is never retrievable again."""
    if not name.strip():
        raise ValueError("请说明令牌用途 / name the token's purpose")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken.objects.create(user=user, name=name.strip(), prefix=token[:10], token_hash=_hash(token))
    record_change(actor=actor, obj=row, action="create", related=user)
    return row, token


@transaction.atomic
def revoke_token(*, actor: User, token: ApiToken) -> None:
    before = snapshot(token)
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    record_change(actor=actor, obj=token, action="update", before=before, message="吊销")


def user_for_token(token: str) -> User | None:
    """The active user a presented token acts as, or None; constant-time by hash lookup."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    row = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=_hash(token), revoked_at__isnull=True)
        .first()
    )
    if row is None or not row.user.is_active:
        return None
    # A use timestamp, not an audited change: it records no decision. Written at most once a
    # minute, so a busy client does not add a write to every request.
    now = timezone.now()
    if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row.user
