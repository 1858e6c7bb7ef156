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
    # Imported here: scipy.optimize costs a second at start-up, and most processes (every
    # command, every page but a month's table) never solve a programme.
    from scipy.optimize import linprog

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


# ------------------------------------------------------------------------------- shown tables
# The internet-side portal receives tables as shown (a mirror never holds the counts): these
# read such a table back and audit it as a reader would, so a table that still reveals a small
# count is refused there even if the exporting side had a bug.


def _shown_cell(text: str, threshold: int) -> Cell | None:
    if text == "*":
        return Cell(0, COMPLEMENT)
    if text == f"<{threshold}":
        return Cell(0, PRIMARY)
    if text.isascii() and text.isdigit() and (text == "0" or not text.startswith("0")):
        return Cell(int(text))
    return None


def audit_shown(grid: Sequence[Sequence[str]], threshold: int) -> list[str]:
    """What is wrong with a shown table (``Table.grid()``: one line per row ending with its total,
    then the column totals): a malformed entry, a visible count from 1 to ``threshold - 1``, a sum
    that does not add up, or a hidden count that the shown numbers still pin down."""
    if threshold < 1:
        return [f"threshold {threshold} is below 1"]
    if not grid or any(len(line) != len(grid[0]) for line in grid) or len(grid[0]) < 2:
        return ["the table is not rectangular (rows of equal length, a total column and row)"]
    nr, nc = len(grid) - 1, len(grid[0]) - 1
    values: dict[Pos, int] = {}
    hidden: dict[Pos, str] = {}
    problems: list[str] = []
    for i, line in enumerate(grid):
        for j, text in enumerate(line):
            cell = _shown_cell(str(text), threshold) if isinstance(text, str) else None
            if cell is None:
                problems.append(f"row {i + 1}, column {j + 1}: {text!r} is not a number, <{threshold} or *")
            elif cell.hidden:
                hidden[(i, j)] = cell.hidden
            elif 0 < cell.value < threshold:
                problems.append(f"row {i + 1}, column {j + 1} shows {cell.value}, below {threshold}")
            else:
                values[(i, j)] = cell.value
    if problems:
        return problems
    relations: list[list[Pos]] = [[(i, j) for j in range(nc + 1)] for i in range(nr + 1)]
    relations += [[(i, j) for i in range(nr + 1)] for j in range(nc + 1)]
    for rel in relations:
        hid = [p for p in rel if p in hidden]
        if len(hid) == 1:
            i, j = hid[0]
            problems.append(
                f"row {i + 1}, column {j + 1} is the only hidden entry of its line: its total gives it"
            )
        elif not hid and sum(values[p] for p in rel[:-1]) != values[rel[-1]]:
            problems.append(f"a line ending at row {rel[-1][0] + 1}, column {rel[-1][1] + 1} does not add up")
    if problems:
        return problems
    for i, j in _determined(relations, values, hidden):
        problems.append(
            f"row {i + 1}, column {j + 1} (<{threshold}) can be worked out from the shown numbers"
        )
    return problems


def table_from_shown(
    rows: Sequence[str], columns: Sequence[str], grid: Sequence[Sequence[str]], threshold: int
) -> Table:
    """A :class:`Table` whose ``grid()`` is ``grid`` again (hidden values are not known: 0)."""
    cells = [[_shown_cell(str(t), threshold) or Cell(0, COMPLEMENT) for t in line] for line in grid]
    return Table(
        rows=tuple(rows),
        columns=tuple(columns),
        cells=tuple(tuple(line[:-1]) for line in cells[:-1]),
        row_totals=tuple(line[-1] for line in cells[:-1]),
        column_totals=tuple(cells[-1][:-1]),
        total=cells[-1][-1],
        threshold=threshold,
    )
