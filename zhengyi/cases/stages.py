"""The legal stages of a case and the moves between them. Pure: no Django.

刑事 (公安机关办理刑事案件程序规定): 受案 → 立案 / 不予立案 → 侦查 → 侦查终结 → 移送审查起诉,
or 撤销案件 from 立案, 侦查 or 侦查终结 (no crime, or no criminal liability is to be pursued).
行政 (公安机关办理行政案件程序规定): 受案 → 调查 → 决定.

Stage codes are ASCII and stable (they are logged in the public ledger); the Chinese labels are
what people read.
"""

from __future__ import annotations

from dataclasses import dataclass

CRIMINAL, ADMINISTRATIVE = "criminal", "administrative"
KINDS = (CRIMINAL, ADMINISTRATIVE)

RECEIVED = "received"
FILED = "filed"
NOT_FILED = "not_filed"
INVESTIGATING = "investigating"
CONCLUDED = "concluded"
PROSECUTION = "prosecution"
REVOKED = "revoked"
INQUIRY = "inquiry"
DECIDED = "decided"

LABELS: dict[str, str] = {
    RECEIVED: "受案",
    FILED: "立案",
    NOT_FILED: "不予立案",
    INVESTIGATING: "侦查",
    CONCLUDED: "侦查终结",
    PROSECUTION: "移送审查起诉",
    REVOKED: "撤销案件",
    INQUIRY: "调查",
    DECIDED: "决定",
}
LABELS_EN: dict[str, str] = {
    RECEIVED: "Received",
    FILED: "Filed",
    NOT_FILED: "Not filed",
    INVESTIGATING: "Investigation",
    CONCLUDED: "Investigation concluded",
    PROSECUTION: "Sent for prosecution",
    REVOKED: "Case revoked",
    INQUIRY: "Inquiry",
    DECIDED: "Decided",
}

TRANSITIONS: dict[str, dict[str, tuple[str, ...]]] = {
    CRIMINAL: {
        RECEIVED: (FILED, NOT_FILED),
        FILED: (INVESTIGATING, REVOKED),
        INVESTIGATING: (CONCLUDED, REVOKED),
        CONCLUDED: (PROSECUTION, REVOKED),
        NOT_FILED: (),
        PROSECUTION: (),
        REVOKED: (),
    },
    ADMINISTRATIVE: {
        RECEIVED: (INQUIRY,),
        INQUIRY: (DECIDED,),
        DECIDED: (),
    },
}

# Where the case file is closed: no further stage, no running case-level time limit.
TERMINAL = frozenset({NOT_FILED, PROSECUTION, REVOKED, DECIDED})


class TransitionError(ValueError):
    """A move the stage table does not allow; the message names the moves that are allowed."""

    def __init__(self, kind: str, current: str, wanted: str, allowed: tuple[str, ...]) -> None:
        self.kind, self.current, self.wanted, self.allowed = kind, current, wanted, allowed
        if allowed:
            zh = "、".join(LABELS[s] for s in allowed)
            en = ", ".join(LABELS_EN[s] for s in allowed)
            self.message_zh = f"案件处于“{LABELS[current]}”阶段，不能转入“{_label(wanted)}”；可转入：{zh}。"
            self.message_en = f"The case is at '{LABELS_EN[current]}' and cannot move to '{_label_en(wanted)}'; allowed: {en}."
        else:
            self.message_zh = f"案件已处于“{LABELS[current]}”，办理阶段已结束，不能再转入其他阶段。"
            self.message_en = f"The case is at '{LABELS_EN[current]}', a final stage; it cannot move further."
        super().__init__(self.message_zh)


def _label(stage: str) -> str:
    return LABELS.get(stage, stage)


def _label_en(stage: str) -> str:
    return LABELS_EN.get(stage, stage)


def stages_of(kind: str) -> tuple[str, ...]:
    return tuple(TRANSITIONS[kind])


def allowed_moves(kind: str, current: str) -> tuple[str, ...]:
    if kind not in TRANSITIONS:
        raise ValueError(f"unknown case kind {kind!r}; one of {KINDS}")
    if current not in TRANSITIONS[kind]:
        raise ValueError(f"{current!r} is not a stage of a {kind} case")
    return TRANSITIONS[kind][current]


def check_move(kind: str, current: str, wanted: str) -> None:
    """Raise :class:`TransitionError` unless ``current → wanted`` is in the table."""
    allowed = allowed_moves(kind, current)
    if wanted not in allowed:
        raise TransitionError(kind, current, wanted, allowed)


@dataclass(frozen=True)
class Move:
    frm: str
    to: str


def path_to(kind: str, target: str) -> list[Move]:
    """The shortest sequence of moves from 受案 to ``target`` (the demo walks cases along it)."""
    frontier: list[tuple[str, list[Move]]] = [(RECEIVED, [])]
    seen = {RECEIVED}
    while frontier:
        stage, moves = frontier.pop(0)
        if stage == target:
            return moves
        for nxt in TRANSITIONS[kind][stage]:
            if nxt not in seen:
                seen.add(nxt)
                frontier.append((nxt, [*moves, Move(stage, nxt)]))
    raise ValueError(f"{target!r} cannot be reached in a {kind} case")
