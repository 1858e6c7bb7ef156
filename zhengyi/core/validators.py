"""The identifier rules as Django validators, for model and form fields.

The rules themselves live in the pure :mod:`zhengyi.core.identifiers`; this only turns an
``IdentifierError`` into a ``ValidationError`` whose ``code`` is the broken rule.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.deconstruct import deconstructible

from zhengyi.core import identifiers


def identifier_message(exc: identifiers.IdentifierError) -> str:
    """The error in the reader's language. ``identifiers`` stays free of Django, so it carries
    both texts (they name the offending characters or digits, which a catalog cannot hold);
    the choice is made here."""
    if (translation.get_language() or "").startswith("en"):
        return exc.message_en
    return exc.message_zh


@deconstructible
class IdentifierValidator:
    def __init__(self, kind: str) -> None:
        self.kind = kind

    def _rule(self) -> Callable[[str], str]:
        rules: dict[str, Callable[[str], str]] = {
            "resident_id": identifiers.validate_resident_id,
            "credit_code": identifiers.validate_credit_code,
            "mobile": identifiers.validate_mobile,
            "plate": identifiers.validate_plate,
            "guard_certificate": identifiers.validate_guard_certificate,
        }
        return rules[self.kind]

    def __call__(self, value: str) -> None:
        if not value:
            return
        try:
            self._rule()(value)
        except identifiers.IdentifierError as exc:
            raise ValidationError(identifier_message(exc), code=exc.rule) from exc

    def __eq__(self, other: object) -> bool:
        return isinstance(other, IdentifierValidator) and other.kind == self.kind

    def __hash__(self) -> int:
        return hash(self.kind)


validate_resident_id = IdentifierValidator("resident_id")
validate_credit_code = IdentifierValidator("credit_code")
validate_mobile = IdentifierValidator("mobile")
validate_plate = IdentifierValidator("plate")
validate_guard_certificate = IdentifierValidator("guard_certificate")
