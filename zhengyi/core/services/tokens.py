"""API tokens for machine clients: created and revoked through here, verified on each call."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from zhengyi.core.fastsql import convert_row, from_row, select_one
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
    row = select_one(_token_sql(), [_hash(token)], model=ApiToken)
    if row is None:
        return None
    token_id, last_used_raw = row[0], row[1]
    user = from_row(User, _USER_COLUMNS, row[2:])
    if not user.is_active:  # type: ignore[attr-defined]
        return None
    (last_used_at,) = convert_row(ApiToken, ["last_used_at"], [last_used_raw])
    # A use timestamp, not an audited change: it records no decision. Written at most once a
    # minute, so a busy client does not add a write to every request.
    now = timezone.now()
    if last_used_at is None or now - last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token_id).update(last_used_at=now)
    return user  # type: ignore[return-value]


_USER_COLUMNS = [f.attname for f in User._meta.concrete_fields]


def _token_sql() -> str:
    # Every upstream call authenticates: one hand-written join instead of the ORM's
    # select_related (a tenth of the cost; see zhengyi/core/fastsql.py).
    token, user = ApiToken._meta, User._meta
    columns = ", ".join(f"u.{f.column}" for f in user.concrete_fields)
    return (
        f"SELECT t.id, t.last_used_at, {columns} FROM {token.db_table} t "
        f"JOIN {user.db_table} u ON u.id = t.{token.get_field('user').column} "
        "WHERE t.token_hash = %s AND t.revoked_at IS NULL"
    )
