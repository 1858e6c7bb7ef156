"""The classification rules every way in shares (live intake, CAD and demo imports)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from zhengyi.alerts import taxonomy
from zhengyi.alerts.compliance import category_label

MAX_DESCRIPTION = 4000
Problem = tuple[str, str]  # (field, message)


def _label(label: Any) -> str:
    # Callers name the field by its Chinese label, which is also the msgid of the model
    # field's label, so the catalog already has its English.
    return _(label) if isinstance(label, str) else str(label)


def _category_choices() -> str:
    # Built only for a message: every call of the intake's hot path passes through here, and
    # eleven translations a call cost more than the rest of the checks together.
    return _("、").join(
        _("%(code)s（%(label)s）") % {"code": k, "label": category_label(k)} for k in taxonomy.CATEGORIES
    )


def classification_problems(
    *,
    categories: list[tuple[str, Any, str]],
    kind: str,
    source: str,
    priorities: list[tuple[str, int | None]],
    description: str,
) -> list[Problem]:
    """Problems with a call's vocabulary; ``categories`` and ``priorities`` name their fields."""
    problems: list[Problem] = []
    for field, label, value in categories:
        if value not in taxonomy.CATEGORIES:
            problems.append(
                (
                    field,
                    _("%(field)s：未知类别 %(value)r，应为：%(choices)s")
                    % {"field": _label(label), "value": value, "choices": _category_choices()},
                )
            )
    if kind not in taxonomy.KINDS:
        problems.append(("kind", _("未知性质 %(kind)r，应为 report/assistance/complaint") % {"kind": kind}))
    if source not in taxonomy.SOURCES:
        problems.append(
            (
                "source",
                _("未知来源 %(source)r，应为：%(choices)s")
                % {"source": source, "choices": _("、").join(taxonomy.SOURCES)},
            )
        )
    for field, level in priorities:
        if level is not None and (isinstance(level, bool) or level not in taxonomy.PRIORITIES):
            problems.append((field, _("等级应为 1（紧急）至 4（一般）")))
    if len(description) > MAX_DESCRIPTION:
        problems.append(("description", _("警情描述不超过 %(n)d 字") % {"n": MAX_DESCRIPTION}))
    return problems
