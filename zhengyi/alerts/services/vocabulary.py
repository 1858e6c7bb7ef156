"""The classification rules every way in shares (live intake, CAD and demo imports)."""

from __future__ import annotations

from zhengyi.alerts import taxonomy

MAX_DESCRIPTION = 4000
Problem = tuple[str, str]  # (field, message)


def classification_problems(
    *,
    categories: list[tuple[str, str, str]],
    kind: str,
    source: str,
    priorities: list[tuple[str, int | None]],
    description: str,
) -> list[Problem]:
    """Problems with a call's vocabulary; ``categories`` and ``priorities`` name their fields."""
    problems: list[Problem] = []
    choices = "、".join(f"{k}（{v}）" for k, v in taxonomy.CATEGORIES.items())
    for field, label, value in categories:
        if value not in taxonomy.CATEGORIES:
            problems.append((field, f"{label}：未知类别 {value!r}，应为：{choices}"))
    if kind not in taxonomy.KINDS:
        problems.append(("kind", f"未知性质 {kind!r}，应为 report/assistance/complaint"))
    if source not in taxonomy.SOURCES:
        problems.append(("source", f"未知来源 {source!r}，应为：" + "、".join(taxonomy.SOURCES)))
    for field, level in priorities:
        if level is not None and (isinstance(level, bool) or level not in taxonomy.PRIORITIES):
            problems.append((field, "等级应为 1（紧急）至 4（一般）"))
    if len(description) > MAX_DESCRIPTION:
        problems.append(("description", f"警情描述不超过 {MAX_DESCRIPTION} 字"))
    return problems
