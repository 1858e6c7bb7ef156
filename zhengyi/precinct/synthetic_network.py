"""A synthetic three-level network of city size, for benchmarks and scale tests.

Pure: numpy and scipy, no Django. The demo precinct has ~2,000 nodes; DESIGN.md §7 sets the
dispatch bar on ~20,000, so this builds one that size with the demo's shape: a street grid
(arterials, some one-way, local roads, walk-only alleys, a few drive-only ramps and exit-only
gates), underground concourse grids below it, skywalk decks above it, and a few hundred
connectors (exits, stairs, escalators, lifts) between levels. Deterministic by seed.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from zhengyi.precinct.geometry import lonlat_to_utm, utm_to_lonlat
from zhengyi.precinct.routing import UnitPosition

ORIGIN_LONLAT = (114.040, 22.528)  # south-west corner, near 新洲路 × 滨河大道
CONNECTOR_SECONDS = {"exit": 25.0, "stairs": 30.0, "escalator": 20.0, "lift": 45.0}


@dataclass(frozen=True)
class SyntheticNetwork:
    """The arrays `RoutingNetwork.from_arrays` takes, under the same names."""

    node_ids: NDArray[np.int64]
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    level: NDArray[np.str_]
    edge_src: NDArray[np.int64]
    edge_dst: NDArray[np.int64]
    edge_len_m: NDArray[np.float64]
    edge_walk: NDArray[np.bool_]
    edge_drive: NDArray[np.bool_]
    edge_oneway: NDArray[np.bool_]
    conn_src: NDArray[np.int64]
    conn_dst: NDArray[np.int64]
    conn_seconds: NDArray[np.float64]
    conn_kind: NDArray[np.str_]

    def arrays(self) -> dict[str, Any]:
        """Keyword arguments for `RoutingNetwork.from_arrays(**net.arrays())`."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def random_units(self, n: int, seed: int = 0) -> list[UnitPosition]:
        """`n` units at random nodes: ~40 % patrol cars on roads, the rest on foot anywhere."""
        rng = np.random.default_rng(seed)
        drive_nodes = np.unique(
            np.concatenate([self.edge_src[self.edge_drive], self.edge_dst[self.edge_drive]])
        )
        is_car = rng.random(n) < 0.4
        car_at = rng.choice(drive_nodes, size=n)
        foot_at = rng.choice(self.node_ids, size=n)
        return [
            UnitPosition(
                f"U{k:04d}", int(car_at[k] if is_car[k] else foot_at[k]), "drive" if is_car[k] else "walk"
            )
            for k in range(n)
        ]


class _Builder:
    """Accumulates nodes (local metres) and edges; ids are assigned at the end."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.xs: list[NDArray[np.float64]] = []
        self.ys: list[NDArray[np.float64]] = []
        self.levels: list[str] = []
        self.counts: list[int] = []
        self.edges: list[tuple[NDArray[np.int64], ...]] = []  # (a, b, walk, drive, oneway)
        self.n = 0

    def grid(self, level: str, x0: float, y0: float, nx: int, ny: int, step: float) -> NDArray[np.int64]:
        """Nodes of an nx × ny grid with a little jitter; returns their indexes as [iy, ix]."""
        gx, gy = np.meshgrid(x0 + step * np.arange(nx), y0 + step * np.arange(ny))
        jitter = self.rng.uniform(-0.1 * step, 0.1 * step, size=(2, ny, nx))
        self.xs.append((gx + jitter[0]).ravel())
        self.ys.append((gy + jitter[1]).ravel())
        self.levels += [level]
        self.counts.append(nx * ny)
        idx = self.n + np.arange(nx * ny).reshape(ny, nx)
        self.n += nx * ny
        return idx

    def grid_edges(self, idx: NDArray[np.int64], drop: float) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Horizontal and vertical neighbours, a fraction `drop` left out (blocked passages)."""
        a = np.concatenate([idx[:, :-1].ravel(), idx[:-1, :].ravel()])
        b = np.concatenate([idx[:, 1:].ravel(), idx[1:, :].ravel()])
        keep = self.rng.random(len(a)) >= drop
        return a[keep], b[keep]

    def add_edges(
        self, a: NDArray[np.int64], b: NDArray[np.int64], walk: Any, drive: Any, oneway: Any
    ) -> None:
        m = len(a)
        self.edges.append(
            (a, b, *(np.broadcast_to(np.asarray(v, dtype=bool), m).copy() for v in (walk, drive, oneway)))
        )


def generate(
    nodes: int = 20_000, seed: int = 7, street_share: float = 0.7, underground_share: float = 0.225
) -> SyntheticNetwork:
    """A network of about `nodes` nodes (70 % street, 22.5 % underground, the rest skywalk)."""
    rng = np.random.default_rng(seed)
    g = _Builder(rng)

    # Street: a grid at 30 m; every 6th row/column an arterial (alternate rows one-way, in
    # alternating directions); between them local roads (half drivable) and walk-only alleys.
    ny = max(round(float(np.sqrt(nodes * street_share / 1.4))), 4)
    nx = max(round(nodes * street_share / ny), 4)
    street = g.grid("street", 0.0, 0.0, nx, ny, 30.0)
    rows_h, _ = np.meshgrid(np.arange(ny), np.arange(nx - 1), indexing="ij")
    rows_v, cols_v = np.meshgrid(np.arange(ny - 1), np.arange(nx), indexing="ij")
    a = np.concatenate([street[:, :-1].ravel(), street[:-1, :].ravel()])
    b = np.concatenate([street[:, 1:].ravel(), street[1:, :].ravel()])
    arterial = np.concatenate([(rows_h % 6 == 0).ravel(), (cols_v % 6 == 0).ravel()])
    oneway_row = np.concatenate([(rows_h % 12 == 6).ravel(), np.zeros(rows_v.size, dtype=bool)])
    flip = np.concatenate([((rows_h // 12) % 2 == 1).ravel(), np.zeros(rows_v.size, dtype=bool)])
    u = rng.random(len(a))
    drive = arterial | (u < 0.45)
    walk = ~(arterial & (u < 0.02))  # a few drive-only segments (ramps, underpasses)
    oneway = oneway_row | (~arterial & drive & (u < 0.08))  # plus some one-way lanes
    gate = ~drive & (u > 0.99)  # exit-only gates: one-way for walkers
    oneway |= gate
    dropped = ~arterial & (rng.random(len(a)) < 0.03)
    a, b = np.where(flip, b, a), np.where(flip, a, b)
    g.add_edges(a[~dropped], b[~dropped], walk[~dropped], drive[~dropped], oneway[~dropped])

    # Underground: three concourse grids at 20 m under the centre, walk-only.
    n_under = nodes * underground_share
    width, height = (nx - 1) * 30.0, (ny - 1) * 30.0
    for share, (fx, fy) in zip((0.4, 0.31, 0.29), ((0.15, 0.2), (0.45, 0.55), (0.7, 0.15)), strict=True):
        side = max(round(float(np.sqrt(n_under * share))), 2)
        idx = g.grid("underground", fx * width, fy * height, side, side, 20.0)
        g.add_edges(*g.grid_edges(idx, drop=0.05), walk=True, drive=False, oneway=False)

    # Skywalk: three decks, each a ladder of two parallel walkways 12 m apart.
    n_sky = nodes - g.n
    for fx, fy in ((0.1, 0.6), (0.35, 0.1), (0.6, 0.75)):
        idx = g.grid("skywalk", fx * width, fy * height, max(n_sky // 6, 2), 2, 12.0)
        g.add_edges(*g.grid_edges(idx, drop=0.0), walk=True, drive=False, oneway=False)

    xs, ys = np.concatenate(g.xs), np.concatenate(g.ys)
    level = np.repeat(np.array(g.levels), g.counts)
    conn = _connectors(rng, xs, ys, level)

    # Ids look like database keys: unique, unordered, not positions.
    node_ids = rng.permutation(g.n).astype(np.int64) + 1_000
    ox, oy = lonlat_to_utm([ORIGIN_LONLAT[0]], [ORIGIN_LONLAT[1]])
    lon, lat = utm_to_lonlat(xs + ox[0], ys + oy[0])
    ea = np.concatenate([e[0] for e in g.edges])
    eb = np.concatenate([e[1] for e in g.edges])
    return SyntheticNetwork(
        node_ids=node_ids,
        lon=lon,
        lat=lat,
        level=level,
        edge_src=node_ids[ea],
        edge_dst=node_ids[eb],
        edge_len_m=np.hypot(xs[ea] - xs[eb], ys[ea] - ys[eb]),
        edge_walk=np.concatenate([e[2] for e in g.edges]),
        edge_drive=np.concatenate([e[3] for e in g.edges]),
        edge_oneway=np.concatenate([e[4] for e in g.edges]),
        conn_src=node_ids[conn[0]],
        conn_dst=node_ids[conn[1]],
        conn_seconds=conn[2],
        conn_kind=conn[3],
    )


def _connectors(
    rng: np.random.Generator, xs: NDArray[np.float64], ys: NDArray[np.float64], level: NDArray[np.str_]
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64], NDArray[np.str_]]:
    """Street ↔ underground (1 in 15 concourse nodes) and street ↔ skywalk (1 in 8 deck nodes)."""
    street = np.flatnonzero(level == "street")
    tree = cKDTree(np.column_stack([xs[street], ys[street]]))
    src: list[NDArray[np.int64]] = []
    dst: list[NDArray[np.int64]] = []
    kinds: list[NDArray[np.str_]] = []
    for lvl, every, menu in (
        ("underground", 15, ["exit", "exit", "stairs", "escalator", "lift"]),
        ("skywalk", 8, ["stairs", "escalator", "lift"]),
    ):
        idx = np.flatnonzero(level == lvl)
        pick = rng.choice(idx, size=max(len(idx) // every, 1), replace=False)
        _, near = tree.query(np.column_stack([xs[pick], ys[pick]]))
        src.append(street[near])
        dst.append(pick)
        kinds.append(rng.choice(np.array(menu), size=len(pick)))
    kind = np.concatenate(kinds)
    seconds = np.array([CONNECTOR_SECONDS[k] for k in kind.tolist()], dtype=float)
    return np.concatenate(src), np.concatenate(dst), seconds, kind


__all__ = ["SyntheticNetwork", "generate"]
