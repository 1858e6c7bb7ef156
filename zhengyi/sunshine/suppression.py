"""Small-count suppression for published count tables (pure, no Django).

A table of counts (rows × columns) is published with its row totals, column totals and grand
total. A count from 1 to ``threshold - 1`` could point at a person, so it is shown as "<5"
(*primary* suppression). A lone hidden number in a row or column is then still given away by
the total (total − the visible others), so more entries are hidden (*complementary*
suppression, shown as "*") until every additive relation — each row with its total, each
column with its total, the totals with the grand total — hides either nothing or at least two
of its numbers. The complement chosen is the smallest visible entry, so as little as possible
is hidden; a zero is chosen only when nothing else is left, and is then shown as "*" too, so a
reader cannot tell it from any other hidden number.

Zero is shown as zero: "no alerts of this kind here" identifies no one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

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

    hidden: dict[Pos, str] = {p: PRIMARY for p, v in values.items() if 0 < v < threshold}
    relations: list[list[Pos]] = [[(i, j) for j in range(nc + 1)] for i in range(nr + 1)]
    relations += [[(i, j) for i in range(nr + 1)] for j in range(nc + 1)]
    changed = True
    while changed:
        changed = False
        for rel in relations:
            if sum(1 for p in rel if p in hidden) != 1:
                continue
            visible = [p for p in rel if p not in hidden]
            if not visible:
                continue
            # The smallest non-zero entry first (cells before totals at equal value), a zero last.
            pick = min(visible, key=lambda p: (values[p] == 0, values[p], p[0] == nr or p[1] == nc, p))
            hidden[pick] = COMPLEMENT
            changed = True

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
