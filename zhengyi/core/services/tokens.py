"""API tokens for machine clients: created and revoked through here, verified on each call."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

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
    # Now, and again once committed: a call between the two could cache the row as it was.
    forget_tokens()
    transaction.on_commit(forget_tokens)


# A presented token's user is kept this long per process: the upstream 110 system
# authenticates every call, and the lookup (a join and a User built from it) cost a tenth of
# an intake. A revocation or a deactivated account therefore reaches the other server
# processes within this time; the process that revokes forgets the token at once.
CACHE_SECONDS = 1.0


@dataclass
class _Known:
    user: User
    token_id: int
    last_used_at: datetime | None
    until: float  # time.monotonic() after which the token is looked up again


# Single dict operations only, each atomic: no lock needed between request threads.
_known: dict[str, _Known] = {}


def user_for_token(token: str) -> User | None:
    """The active user a presented token acts as, or None; constant-time by hash lookup.

    The same User object is handed to every call within :data:`CACHE_SECONDS`, so what is
    cached on it (the role grants of :mod:`zhengyi.core.permissions`) is worked out once.
    """
    if not token.startswith(TOKEN_PREFIX):
        return None
    digest = _hash(token)
    now_mono = time.monotonic()
    known = _known.get(digest)
    if known is None or known.until < now_mono:
        known = _look_up(digest, now_mono)
        if known is None:
            _known.pop(digest, None)
            return None
        if len(_known) > 10_000:  # tokens are few; this only bounds a flood of made-up ones
            _known.clear()
        _known[digest] = known
    # A use timestamp, not an audited change: it records no decision. Written at most once a
    # minute, so a busy client does not add a write to every request.
    now = timezone.now()
    if known.last_used_at is None or now - known.last_used_at > timedelta(minutes=1):
        known.last_used_at = now
        ApiToken.objects.filter(pk=known.token_id).update(last_used_at=now)
    return known.user


def forget_tokens() -> None:
    """Drop this process's cached token lookups (after a revocation; tests)."""
    _known.clear()


def _look_up(digest: str, now_mono: float) -> _Known | None:
    row = select_one(_token_sql(), [digest], model=ApiToken)
    if row is None:
        return None
    user = from_row(User, _USER_COLUMNS, row[2:])
    if not user.is_active:  # type: ignore[attr-defined]
        return None
    (last_used_at,) = convert_row(ApiToken, ["last_used_at"], [row[1]])
    return _Known(user, row[0], last_used_at, now_mono + CACHE_SECONDS)  # type: ignore[arg-type]


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
