"""Rotating duty rosters (轮值) for alliance guards: the pure algorithmic core, no Django.

The public API, gathered from the ``rostering_*`` modules (split to keep each small):

* inputs — :class:`RosterInputs` (period, :class:`ShiftTemplate` per zone, :class:`CoverageNeed`,
  :class:`Guard`, :class:`RosterRules`, :class:`ObjectiveWeights`, :class:`PastShift` history,
  a hint of :class:`Assignment`) — ``rostering_model``;
* :func:`solve_roster` → :class:`RosterResult` (CP-SAT, always time-limited, hinted; status,
  objective, bound, gap, time to first solution) — ``rostering_solve`` / ``rostering_cpsat``;
* :func:`check_roster` and :func:`check_swap` with :class:`Swap` — every hard rule in plain
  Python, independent of the solver — ``rostering_check``;
* :func:`precheck`, :func:`explain_conflict` and :func:`coverage_gaps` — why coverage cannot
  be met, as :class:`Reason` with a code, figures and Chinese / English text —
  ``rostering_explain``, ``rostering_text``;
* :func:`history_from_roster`, :func:`hint_from_previous`, :func:`roster_rows` — carrying a
  period into the next and exporting rows for CSV or Excel.

The model, rules and objective are described in ``docs/rostering.md``.
"""

from __future__ import annotations

from zhengyi.alliances.rostering_check import HARD_RULES, STRUCTURAL, Swap, check_roster, check_swap
from zhengyi.alliances.rostering_explain import explain_conflict, precheck
from zhengyi.alliances.rostering_model import (
    Absence,
    Assignment,
    CoverageNeed,
    Finding,
    Guard,
    ObjectiveWeights,
    PastShift,
    Reason,
    RosterInputs,
    RosterRules,
    ShiftTemplate,
    Violation,
    Zone,
    blocker,
)
from zhengyi.alliances.rostering_solve import (
    ROW_HEADERS,
    ROW_HEADERS_EN,
    RosterResult,
    RosterRow,
    SolveOptions,
    coverage_gaps,
    hint_from_previous,
    history_from_roster,
    roster_rows,
    solve_roster,
)

__all__ = [
    "HARD_RULES",
    "ROW_HEADERS",
    "ROW_HEADERS_EN",
    "STRUCTURAL",
    "Absence",
    "Assignment",
    "CoverageNeed",
    "Finding",
    "Guard",
    "ObjectiveWeights",
    "PastShift",
    "Reason",
    "RosterInputs",
    "RosterResult",
    "RosterRow",
    "RosterRules",
    "ShiftTemplate",
    "SolveOptions",
    "Swap",
    "Violation",
    "Zone",
    "blocker",
    "check_roster",
    "check_swap",
    "coverage_gaps",
    "explain_conflict",
    "hint_from_previous",
    "history_from_roster",
    "precheck",
    "roster_rows",
    "solve_roster",
]
