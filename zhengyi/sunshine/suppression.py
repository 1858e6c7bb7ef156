"""Small-count suppression for published count tables (pure, no Django).

A table of counts (rows × columns) is published with its row totals, column totals and grand
total. A count from 1 to ``threshold - 1`` could point at a person, so it is shown as "<5"
(*primary* suppression). A lone hidden number in a row or column is then still given away by
the total (total − the visible others), so more entries are hidden (*complementary*
suppression, shown as "*") until every additive relation — each row with its total, each
column with its total, the totals with the grand total — hides either nothing or at least two
of its numbers. That is not enough on its own: relations combined can still pin a number down
(a reader solving them together), so the table is then audited as such a reader would — a
linear programme per small count, its least and greatest values given everything shown — and
one more entry beside any count still pinned down is hidden, until none is. The complement
chosen is the smallest visible entry, so as little as possible is hidden; a zero is chosen
only when nothing else is left, and is then shown as "*" too, so a reader cannot tell it from
any other hidden number.

Zero is shown as zero: "no alerts of this kind here" identifies no one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.optimize import linprog

PRIMARY, COMPLEMENT = "primary", "complement"


@dataclass(frozen=True)
class Cell:
    value: int
    hidden: str = ""  # "", PRIMARY or COMPLEMENT

    def shown(self, threshold: int) -> str:
        if self.hidden == PRIMARY:
            return f"<{threshold}"
        if self.hidden == COMPLEMENT:
            return "*"
        return str(self.value)


@dataclass(frozen=True)
class Table:
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    cells: tuple[tuple[Cell, ...], ...]  # rows × columns
    row_totals: tuple[Cell, ...]
    column_totals: tuple[Cell, ...]
    total: Cell
    threshold: int

    def grid(self) -> list[list[str]]:
        """Rows of shown text, each ending with its total; the last row is the column totals."""
        out = [
            [c.shown(self.threshold) for c in row] + [self.row_totals[i].shown(self.threshold)]
            for i, row in enumerate(self.cells)
        ]
        out.append([c.shown(self.threshold) for c in self.column_totals] + [self.total.shown(self.threshold)])
        return out


Pos = tuple[int, int]  # (row, column); column == n_cols is the row total, row == n_rows the column total


def _close_relations(
    relations: list[list[Pos]],
    values: dict[Pos, int],
    hidden: dict[Pos, str],
    pick: Callable[[list[Pos]], Pos],
) -> None:
    """Hide complements until no relation hides exactly one of its numbers."""
    changed = True
    while changed:
        changed = False
        for rel in relations:
            if sum(1 for p in rel if p in hidden) != 1:
                continue
            visible = [p for p in rel if p not in hidden]
            if visible:
                hidden[pick(visible)] = COMPLEMENT
                changed = True


def _determined(relations: list[list[Pos]], values: dict[Pos, int], hidden: dict[Pos, str]) -> list[Pos]:
    """The primary-suppressed entries a reader could still pin down: each hidden number an
    unknown ≥ 0, every relation (cells sum to their total) an equation with the shown numbers;
    an entry is exposed when its least and greatest feasible values are less than 1 apart."""
    primary = [p for p, kind in hidden.items() if kind == PRIMARY]
    if not primary:
        return []
    unknowns = sorted(hidden)
    index = {p: k for k, p in enumerate(unknowns)}
    rows, rhs = [], []
    for rel in relations:
        *cells, total = rel
        row = np.zeros(len(unknowns))
        b = 0.0
        for p in cells:
            if p in index:
                row[index[p]] += 1
            else:
                b -= values[p]
        if total in index:
            row[index[total]] -= 1
        else:
            b += values[total]
        if row.any():
            rows.append(row)
            rhs.append(b)
    exposed = []
    for p in primary:
        c = np.zeros(len(unknowns))
        c[index[p]] = 1
        low = linprog(c, A_eq=rows, b_eq=rhs, bounds=(0, None), method="highs")
        high = linprog(-c, A_eq=rows, b_eq=rhs, bounds=(0, None), method="highs")
        if high.status == 3:  # unbounded above: not determined
            continue
        if -high.fun - low.fun < 1 - 1e-9:
            exposed.append(p)
    return exposed


def suppress(
    counts: Mapping[tuple[str, str], int],
    rows: Sequence[str],
    columns: Sequence[str],
    *,
    threshold: int = 5,
) -> Table:
    """Suppress small counts and their complements; ``counts`` misses zeros."""
    if threshold < 1:
        raise ValueError("threshold must be at least 1")
    nr, nc = len(rows), len(columns)
    values: dict[Pos, int] = {}
    for i, r in enumerate(rows):
        for j, c in enumerate(columns):
            v = int(counts.get((r, c), 0))
            if v < 0:
                raise ValueError(f"count for {r}/{c} is negative")
            values[(i, j)] = v
        values[(i, nc)] = sum(values[(i, j)] for j in range(nc))
    for j in range(nc + 1):
        values[(nr, j)] = sum(values[(i, j)] for i in range(nr))

    grid = tuple(tuple(values[(i, j)] for j in range(nc)) for i in range(nr))
    hidden = dict(_hidden(grid, nc, threshold))

    def cell(p: Pos) -> Cell:
        return Cell(values[p], hidden.get(p, ""))

    return Table(
        rows=tuple(rows),
        columns=tuple(columns),
        cells=tuple(tuple(cell((i, j)) for j in range(nc)) for i in range(nr)),
        row_totals=tuple(cell((i, nc)) for i in range(nr)),
        column_totals=tuple(cell((nr, j)) for j in range(nc)),
        total=cell((nr, nc)),
        threshold=threshold,
    )


# A month's table is published again on every view and rarely changes: the audit's linear
# programmes (tens of milliseconds for a zone × category table) run once per distinct table.
@lru_cache(maxsize=512)
def _hidden(grid: tuple[tuple[int, ...], ...], nc: int, threshold: int) -> tuple[tuple[Pos, str], ...]:
    """Which entries of a table (``nc`` columns; cells, then totals) to hide, and why."""
    nr = len(grid)
    values: dict[Pos, int] = {}
    for i in range(nr):
        for j in range(nc):
            values[(i, j)] = grid[i][j]
        values[(i, nc)] = sum(grid[i])
    for j in range(nc + 1):
        values[(nr, j)] = sum(values[(i, j)] for i in range(nr))
    hidden: dict[Pos, str] = {p: PRIMARY for p, v in values.items() if 0 < v < threshold}
    relations: list[list[Pos]] = [[(i, j) for j in range(nc + 1)] for i in range(nr + 1)]
    relations += [[(i, j) for i in range(nr + 1)] for j in range(nc + 1)]

    def pick_from(candidates: list[Pos]) -> Pos:
        # The smallest non-zero entry first (cells before totals at equal value), a zero last.
        return min(candidates, key=lambda p: (values[p] == 0, values[p], p[0] == nr or p[1] == nc, p))

    while True:
        _close_relations(relations, values, hidden, pick_from)
        exposed = _determined(relations, values, hidden)
        if not exposed:
            break
        # One relation at a time cannot show it, their combination can: hide one more entry on
        # the exposed cell's row or column (anywhere, once those are all hidden) and look again.
        i, j = exposed[0]
        near = [p for p in relations[i] + relations[nr + 1 + j] if p not in hidden]
        hidden[pick_from(near or [p for p in values if p not in hidden])] = COMPLEMENT
    return tuple(sorted(hidden.items()))
