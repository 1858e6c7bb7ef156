"""Language of the record versus language of the reader.

Messages to the user follow their language (``LocaleMiddleware``); what is written down —
timeline notes, change-log messages, board summaries — is the station's record and stays in
the station's language (``LANGUAGE_CODE``, Chinese), whoever's browser made the change.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import translation


def record_text(value: Any) -> str:
    """``value`` (a lazy label such as ``Step.CLEARED.label``) as text for the record."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(value)
