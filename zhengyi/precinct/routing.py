"""Travel-time routing over the three-level precinct network, for dispatch.

Pure: numpy, scipy and pyproj (through :mod:`zhengyi.precinct.geometry`), no Django.

The question dispatch asks is "which of these units reaches the alert first?". Units move in
two ways — a patrol car drives, parks and the crew walks on; a foot patrol or a guard walks —
so the network is expanded once into a layered *state graph*:

* the **walk layer**, one state per node: walk edges at walking speed, connectors between
  levels (stairs, escalators, lifts, exits, ramps) at their stated seconds, both ways;
* the **drive layer**, one state per node touched by a drive edge: drive edges at driving
  speed, respecting one-way streets;
* a **park** arc from each drive state to the walk state of the same node, costing a fixed
  penalty (finding a place, locking up, getting out).

A unit is at a state (its node, in its layer); the alert is the walk state of its node (the
crew always arrives on foot). Every unit's ETA is its distance *to* that one state, so a
single Dijkstra from the alert on the reversed graph answers for all units at once — the
cost of a recommendation does not grow with the number of units (DESIGN.md §7).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import sparse
from scipy.sparse import csgraph
from scipy.spatial import cKDTree

from zhengyi.precinct.geometry import lonlat_to_utm
from zhengyi.precinct.spec import LEVELS

if TYPE_CHECKING:
    from zhengyi.precinct.spec import PrecinctSpec

Mode = Literal["walk", "drive"]
MODES: tuple[Mode, ...] = ("walk", "drive")
_NO_PRED = -9999  # scipy's marker for "no predecessor"


@dataclass(frozen=True)
class RoutingParams:
    """Speeds and penalties; local practice, so configurable (DESIGN.md §4)."""

    walk_mps: float = 1.3  # brisk walk of an officer in a crowd
    drive_mps: float = 8.0  # ≈ 29 km/h: urban average including junctions and lights
    park_s: float = 30.0  # stop, lock, get out — paid once, where the car is left
    # Extra seconds per connector kind on top of its own time, e.g. (("lift", 30.0),) for the wait.
    connector_extra_s: tuple[tuple[str, float], ...] = ()

    def __post_init__(self) -> None:
        if not (self.walk_mps > 0 and self.drive_mps > 0 and self.park_s >= 0):
            raise ValueError("speeds must be positive and the parking penalty non-negative")
        if any(not s >= 0 for _, s in self.connector_extra_s):
            raise ValueError("connector penalties must be non-negative")


@dataclass(frozen=True, slots=True)
class UnitPosition:
    unit_id: str | int
    node_id: int
    mode: Mode


@dataclass(frozen=True, slots=True)
class RankedUnit:
    unit_id: str | int
    node_id: int
    mode: Mode
    eta_s: float
    reachable: bool


@dataclass(frozen=True)
class Route:
    """A route for display: nodes in travel order (a parked car's node appears once)."""

    node_ids: tuple[int, ...]
    levels: tuple[str, ...]
    eta_s: float
    parked_at: int | None  # node where a car is left; None for walkers
    level_changes: tuple[tuple[int, int], ...]  # (from node, to node) pairs crossing a connector


class RoutingNetwork:
    """The state graph of one precinct, built once and reused for every alert."""

    def __init__(
        self,
        node_ids: NDArray[np.int64],
        level: NDArray[np.str_],
        x: NDArray[np.float64],
        y: NDArray[np.float64],
        drive_state: NDArray[np.int64],
        graph: sparse.csr_array,
        params: RoutingParams,
    ) -> None:
        self.node_ids = node_ids
        self.level = level
        self.x, self.y = x, y
        self.params = params
        self.n_nodes = len(node_ids)
        # drive_state[i] is the state of node i in the drive layer, or -1 if no road touches it.
        self.drive_state = drive_state
        self.state_node = np.concatenate([np.arange(self.n_nodes), np.flatnonzero(drive_state >= 0)])
        self.graph = graph
        # The reversed graph, built once: Dijkstra on it from the alert gives times *to* the alert.
        self.reverse = _csr(graph.T)
        self._order = np.argsort(node_ids, kind="stable")
        self._sorted_ids = node_ids[self._order]
        if len(self._sorted_ids) > 1 and np.any(self._sorted_ids[1:] == self._sorted_ids[:-1]):
            raise ValueError("node ids must be unique")
        self._trees: dict[str, tuple[cKDTree, NDArray[np.int64]]] = {}
        for key, mask in [(lvl, level == lvl) for lvl in LEVELS] + [("drive", drive_state >= 0)]:
            idx = np.flatnonzero(mask)
            if len(idx):
                self._trees[key] = (cKDTree(np.column_stack([x[idx], y[idx]])), idx)
        self.codes: tuple[str, ...] | None = None  # set by from_spec

    @property
    def n_states(self) -> int:
        return int(self.graph.shape[0])

    @property
    def n_arcs(self) -> int:
        return int(self.graph.nnz)

    @classmethod
    def from_arrays(
        cls,
        node_ids: ArrayLike,
        lon: ArrayLike,
        lat: ArrayLike,
        level: ArrayLike,
        edge_src: ArrayLike,
        edge_dst: ArrayLike,
        edge_len_m: ArrayLike,
        edge_walk: ArrayLike,
        edge_drive: ArrayLike,
        edge_oneway: ArrayLike,
        conn_src: ArrayLike,
        conn_dst: ArrayLike,
        conn_seconds: ArrayLike,
        conn_kind: ArrayLike | None = None,
        params: RoutingParams = RoutingParams(),  # frozen, so one shared default is safe
    ) -> RoutingNetwork:
        """Build from column arrays (as read from the DB); src/dst are node ids, not positions.

        Edges are stored once per undirected segment. A one-way flag binds cars; on a street
        that also carries cars it is about traffic, so pedestrians still walk both ways, while
        a one-way walk-only edge (an exit-only gate) binds walkers too.
        """
        ids = np.asarray(node_ids, dtype=np.int64)
        lvl = np.asarray(level, dtype=str)
        if bad := set(np.unique(lvl).tolist()) - set(LEVELS):
            raise ValueError(f"unknown levels: {sorted(bad)}")
        x, y = lonlat_to_utm(lon, lat)
        n = len(ids)
        order = np.argsort(ids, kind="stable")
        a, b = _index(ids, order, edge_src), _index(ids, order, edge_dst)
        length = np.asarray(edge_len_m, dtype=float)
        walk, drive, oneway = (np.asarray(v, dtype=bool) for v in (edge_walk, edge_drive, edge_oneway))
        ca, cb = _index(ids, order, conn_src), _index(ids, order, conn_dst)
        kinds = np.asarray(conn_kind if conn_kind is not None else [""] * len(ca), dtype=str)
        csec = np.asarray(conn_seconds, dtype=float)
        extra = dict(params.connector_extra_s)
        csec = csec + np.array([extra.get(k, 0.0) for k in kinds.tolist()], dtype=float)
        if not (len(x) == len(y) == len(lvl) == n):
            raise ValueError("node arrays differ in length")
        if not (len(a) == len(b) == len(length) == len(walk) == len(drive) == len(oneway)):
            raise ValueError("edge arrays differ in length")
        if not (len(ca) == len(cb) == len(csec) == len(kinds)):
            raise ValueError("connector arrays differ in length")
        if not (np.all(length >= 0) and np.all(csec >= 0)):  # also rejects NaN
            raise ValueError("lengths and connector times must be non-negative numbers")

        drive_nodes = np.unique(np.concatenate([a[drive], b[drive]]))
        drive_state = np.full(n, -1, dtype=np.int64)
        drive_state[drive_nodes] = n + np.arange(len(drive_nodes))
        walk_back = walk & ~(oneway & ~drive)
        drive_back = drive & ~oneway
        da, db = drive_state[a], drive_state[b]
        t_walk, t_drive = length / params.walk_mps, length / params.drive_mps
        rows = [a[walk], b[walk_back], ca, cb, da[drive], db[drive_back], drive_state[drive_nodes]]
        cols = [b[walk], a[walk_back], cb, ca, db[drive], da[drive_back], drive_nodes]
        wts = [t_walk[walk], t_walk[walk_back], csec, csec, t_drive[drive], t_drive[drive_back]]
        wts.append(np.full(len(drive_nodes), float(params.park_s)))
        graph = _min_csr(
            np.concatenate(rows), np.concatenate(cols), np.concatenate(wts), n + len(drive_nodes)
        )
        return cls(ids, lvl, x, y, drive_state, graph, params)

    @classmethod
    def from_spec(cls, spec: PrecinctSpec, params: RoutingParams = RoutingParams()) -> RoutingNetwork:
        """The demo spec's nodes are codes; they get ids 0..n-1 in spec order (see `codes`)."""
        codes = [nd.code for nd in spec.nodes]
        pos = {c: i for i, c in enumerate(codes)}
        net = cls.from_arrays(
            np.arange(len(codes)),
            [nd.lon for nd in spec.nodes],
            [nd.lat for nd in spec.nodes],
            [nd.level for nd in spec.nodes],
            [pos[e.a] for e in spec.edges],
            [pos[e.b] for e in spec.edges],
            [e.length_m for e in spec.edges],
            [e.walk for e in spec.edges],
            [e.drive for e in spec.edges],
            [e.oneway for e in spec.edges],
            [pos[c.a] for c in spec.connectors],
            [pos[c.b] for c in spec.connectors],
            [c.seconds for c in spec.connectors],
            [c.kind for c in spec.connectors],
            params,
        )
        net.codes = tuple(codes)
        return net

    def index_of(self, node_ids: ArrayLike) -> NDArray[np.int64]:
        """Positions of node ids (vectorised); unknown ids raise KeyError."""
        return _index(self.node_ids, self._order, node_ids, self._sorted_ids)

    def states_of(self, node_ids: ArrayLike, modes: Sequence[str]) -> NDArray[np.int64]:
        """The start state of each (node, mode) pair.

        A car whose node no road touches is taken as already parked: its crew starts on foot.
        """
        idx = self.index_of(node_ids)
        if bad := set(modes) - set(MODES):
            raise ValueError(f"unknown modes: {sorted(bad)}")
        is_drive = np.fromiter((m == "drive" for m in modes), dtype=bool, count=len(modes))
        ds = self.drive_state[idx]
        return np.where(is_drive & (ds >= 0), ds, idx)

    def nearest_node(self, lon: float, lat: float, level: str = "street", mode: Mode = "walk") -> int:
        """Snap a point to a node id: of `level` for walkers, of the road network for cars."""
        if mode == "drive" and level != "street":
            raise ValueError("a car is on the street level")
        key = "drive" if mode == "drive" else level
        if key not in self._trees:
            raise ValueError(f"no {key} nodes to snap to")
        tree, idx = self._trees[key]
        x, y = lonlat_to_utm([lon], [lat])
        _, k = tree.query([x[0], y[0]])
        return int(self.node_ids[idx[int(k)]])

    def times_to(self, target_node_id: int, with_paths: bool = True) -> TravelTimes:
        """Every state's travel time to the alert: one Dijkstra on the reversed graph.

        Called through the module (not a bound import) so the tests can count the calls.
        """
        t = int(self.index_of([target_node_id])[0])
        if with_paths:
            dist, pred = csgraph.dijkstra(self.reverse, directed=True, indices=t, return_predecessors=True)
            return TravelTimes(self, target_node_id, dist, pred)
        return TravelTimes(
            self, target_node_id, csgraph.dijkstra(self.reverse, directed=True, indices=t), None
        )


class TravelTimes:
    """Times from every state to one target; predecessors (if kept) point *towards* it."""

    def __init__(
        self,
        network: RoutingNetwork,
        target_node_id: int,
        times: NDArray[np.float64],
        predecessors: NDArray[np.int32] | None,
    ) -> None:
        self.network = network
        self.target_node_id = target_node_id
        self.times = times
        self.predecessors = predecessors

    @property
    def path_available(self) -> bool:
        return self.predecessors is not None

    def eta(self, node_id: int, mode: Mode) -> float:
        """Seconds from `node_id` in `mode` to the target; inf when it cannot be reached."""
        return float(self.times[self.network.states_of([node_id], [mode])[0]])

    def etas(self, node_ids: ArrayLike, modes: Sequence[str]) -> NDArray[np.float64]:
        return np.asarray(self.times[self.network.states_of(node_ids, modes)], dtype=float)

    def route(self, from_node_id: int, mode: Mode) -> Route | None:
        """The fastest route for display, or None when the target cannot be reached."""
        if self.predecessors is None:
            raise RuntimeError("times_to(..., with_paths=False) kept no predecessors")
        net = self.network
        s = int(net.states_of([from_node_id], [mode])[0])
        if not np.isfinite(self.times[s]):
            return None
        states = [s]
        while (nxt := int(self.predecessors[states[-1]])) != _NO_PRED:
            states.append(nxt)
            if len(states) > net.n_states:  # a cycle would be a scipy bug; do not hang on it
                raise RuntimeError("predecessor chain does not end")
        nodes: list[int] = []
        parked_at: int | None = None
        for st in states:
            i = int(net.state_node[st])
            if nodes and nodes[-1] == i:  # drive → walk at the same node: the car is parked here
                parked_at = int(net.node_ids[i])
                continue
            nodes.append(i)
        levels = tuple(str(net.level[i]) for i in nodes)
        changes = tuple(
            (int(net.node_ids[p]), int(net.node_ids[q]))
            for p, q, lp, lq in zip(nodes, nodes[1:], levels, levels[1:], strict=False)
            if lp != lq
        )
        return Route(
            node_ids=tuple(int(net.node_ids[i]) for i in nodes),
            levels=levels,
            eta_s=float(self.times[s]),
            parked_at=parked_at,
            level_changes=changes,
        )


def rank_units(
    network: RoutingNetwork,
    target_node_id: int,
    units: Sequence[UnitPosition],
    times: TravelTimes | None = None,
) -> list[RankedUnit]:
    """Units by ETA to the alert (ties by unit id; unreachable last), from ONE Dijkstra.

    Pass `times` from an earlier `times_to` on the same target (e.g. to draw routes too) to
    reuse it; otherwise one search is run here, without predecessors.
    """
    if times is None:
        times = network.times_to(target_node_id, with_paths=False)
    elif times.network is not network or times.target_node_id != target_node_id:
        raise ValueError("times were computed for another network or target")
    node_ids = np.fromiter((u.node_id for u in units), dtype=np.int64, count=len(units))
    etas = times.etas(node_ids, [u.mode for u in units]).tolist()
    ranked = [
        RankedUnit(u.unit_id, u.node_id, u.mode, eta, eta != np.inf)
        for u, eta in zip(units, etas, strict=True)
    ]
    # Mixed int/str ids: ints first, then strs, each in natural order.
    ranked.sort(key=lambda r: (r.eta_s, isinstance(r.unit_id, str), r.unit_id))
    return ranked


def _csr(m: sparse.sparray | sparse.spmatrix) -> sparse.csr_array:
    """CSR with float64 data and int32 indices: what csgraph wants, so it never copies per call."""
    out = sparse.csr_array(m, dtype=np.float64)
    out.indices = out.indices.astype(np.int32, copy=False)
    out.indptr = out.indptr.astype(np.int32, copy=False)
    out.sort_indices()
    return out


def _min_csr(
    rows: NDArray[np.int64], cols: NDArray[np.int64], w: NDArray[np.float64], n: int
) -> sparse.csr_array:
    """Parallel arcs keep the fastest (a COO→CSR conversion would *sum* them)."""
    order = np.lexsort((w, cols, rows))
    rows, cols, w = rows[order], cols[order], w[order]
    first = np.ones(len(rows), dtype=bool)
    first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
    rows, cols, w = rows[first], cols[first], w[first]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    return _csr(sparse.csr_array((w, cols, indptr), shape=(n, n)))


def _index(
    ids: NDArray[np.int64],
    order: NDArray[np.int64],
    query: ArrayLike,
    sorted_ids: NDArray[np.int64] | None = None,
) -> NDArray[np.int64]:
    """Ids are database keys, not positions; a sorted search keeps unit lookup vectorised."""
    sids = ids[order] if sorted_ids is None else sorted_ids
    q = np.asarray(query, dtype=np.int64).reshape(-1)
    pos = np.minimum(np.searchsorted(sids, q), max(len(sids) - 1, 0))
    if len(q) and (len(sids) == 0 or np.any(sids[pos] != q)):
        missing = q[sids[pos] != q] if len(sids) else q
        raise KeyError(f"unknown node ids: {missing[:5].tolist()}")
    return order[pos]


__all__ = [
    "MODES",
    "Mode",
    "RankedUnit",
    "Route",
    "RoutingNetwork",
    "RoutingParams",
    "TravelTimes",
    "UnitPosition",
    "rank_units",
]
