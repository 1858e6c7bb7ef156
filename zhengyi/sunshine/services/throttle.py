"""A rate limiter kept in the database, so every worker process and server counts alike.

Fixed windows: one row per (scope, client, window) whose ``count`` is incremented by a single
``UPDATE … SET count = count + 1`` — atomic on SQLite and PostgreSQL alike, no per-process
memory. The client is a keyed hash of its address: the address itself is personal data.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from zhengyi.sunshine.models import LookupThrottle

KEEP = timedelta(days=1)


def client_key(address: str) -> str:
    secret = str(settings.SECRET_KEY).encode()
    return hmac.new(secret, f"throttle:{address}".encode(), hashlib.sha256).hexdigest()


def _window(now: datetime, seconds: int) -> datetime:
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, tz=now.tzinfo)


def hit(scope: str, address: str, *, limit: int, window_seconds: int, now: datetime | None = None) -> bool:
    """Count one attempt; True while the client is within ``limit`` attempts in its window."""
    now = now or timezone.now()
    start = _window(now, window_seconds)
    client = client_key(address)
    rows = LookupThrottle.objects.filter(scope=scope, client=client, window_start=start)
    with transaction.atomic():
        if not rows.update(count=F("count") + 1):
            try:
                with transaction.atomic():
                    LookupThrottle.objects.create(scope=scope, client=client, window_start=start, count=1)
            except IntegrityError:  # another process created it first: count on its row
                rows.update(count=F("count") + 1)
            LookupThrottle.objects.filter(window_start__lt=now - KEEP).delete()
        count = rows.values_list("count", flat=True).first() or 0
    return count <= limit
