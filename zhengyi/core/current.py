"""Who and what is acting right now: a request, a CLI command or a background job.

Services read the correlation id from here so that an ``ObjectChange`` written by any
entry point can be traced back to the request or job that caused it, without every
service signature having to carry it.
"""

from __future__ import annotations

import contextvars
import random
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class Origin:
    source: str  # "web", "api", "cli", "job", "system"
    correlation_id: str


_origin: contextvars.ContextVar[Origin | None] = contextvars.ContextVar("zhengyi_origin", default=None)


def new_id() -> str:
    # A random 128-bit id from the process's generator: unique enough to trace a request by,
    # and no system call per request as uuid4() makes (the intake path counts them).
    return uuid.UUID(int=random.getrandbits(128), version=4).hex


def current_origin() -> Origin:
    origin = _origin.get()
    if origin is None:
        # A write outside any declared origin still gets an id, so it is never anonymous.
        origin = Origin("system", new_id())
        _origin.set(origin)
    return origin


@contextmanager
def acting_as(source: str, correlation_id: str | None = None) -> Iterator[Origin]:
    origin = Origin(source, correlation_id or new_id())
    token = _origin.set(origin)
    try:
        yield origin
    finally:
        _origin.reset(token)
