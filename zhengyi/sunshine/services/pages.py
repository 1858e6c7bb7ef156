"""Writes of the page store (``zhengyi.sunshine.page_store``).

No change record is written: a stored page is not the station's data but a rendering of rows
whose every change is already recorded (and logged, where public); it is replaced wholesale
whenever those rows change and can be deleted at any time without losing anything.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from zhengyi.sunshine.models import PublicGeneration, StoredPage


def current_generation() -> int:
    """The public generation now; the row is made (at 0) if it is not there yet."""
    value = PublicGeneration.objects.filter(pk=1).values_list("value", flat=True).first()
    if value is not None:
        return int(value)
    with transaction.atomic():
        # The triggers' own upsert may race this one; either way the row ends up there once.
        PublicGeneration.objects.bulk_create([PublicGeneration(pk=1, value=0)], ignore_conflicts=True)
    return int(PublicGeneration.objects.values_list("value", flat=True).get(pk=1))


def store_page(
    *, path: str, language: str, generation: int, fingerprint: str, content_type: str, body: bytes
) -> None:
    """Keep a rendering of ``path`` in ``language`` made at ``generation`` (replacing the last)."""
    with transaction.atomic():
        StoredPage.objects.bulk_create(
            [
                StoredPage(
                    path=path,
                    language=language,
                    generation=generation,
                    fingerprint=fingerprint,
                    content_type=content_type,
                    body=body,
                    rendered_at=timezone.now(),
                )
            ],
            update_conflicts=True,
            unique_fields=["path", "language"],
            update_fields=["generation", "fingerprint", "content_type", "body", "rendered_at"],
        )
