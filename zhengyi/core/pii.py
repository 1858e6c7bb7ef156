"""Personal data: a field type that marks it, and masking for roles that may not see it.

Masks (``110105********002X``, ``138****5678``) are for role-restricted screens only; public
pages never show personal data at all (DESIGN §4), redacted or not.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import models

from zhengyi.core import identifiers

MASKERS: dict[str, Callable[[str], str]] = {
    "resident_id": identifiers.mask_resident_id,
    "mobile": identifiers.mask_mobile,
    "plate": identifiers.mask_plate,
    "name": identifiers.mask_name,
    "address": lambda v: identifiers.mask_text(v, keep_start=4, keep_end=0),
    "other": lambda v: identifiers.mask_text(v, keep_start=1, keep_end=1),
}


class PersonalDataField(models.CharField):
    """A CharField holding personal information of a given kind (name, mobile, ID …)."""

    personal_data = True

    def __init__(self, *args: Any, kind: str = "other", **kwargs: Any) -> None:
        if kind not in MASKERS:
            raise ValueError(f"unknown personal-data kind {kind!r}; one of {sorted(MASKERS)}")
        self.pii_kind = kind
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["kind"] = self.pii_kind
        return name, path, args, kwargs


def mask(kind: str, value: str | None) -> str:
    if not value:
        return ""
    return MASKERS[kind](value)


def personal_fields(model: type[models.Model]) -> list[PersonalDataField]:
    return [f for f in model._meta.get_fields() if isinstance(f, PersonalDataField)]


def masked_values(obj: models.Model) -> dict[str, str]:
    """Every personal field of ``obj``, masked: what a screen shows by default."""
    return {f.name: mask(f.pii_kind, getattr(obj, f.name)) for f in personal_fields(type(obj))}
