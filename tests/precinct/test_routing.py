"""Dispatch routing on the three-level network (DESIGN.md §4 alerts, §7 performance). No Django."""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
import scipy.sparse.csgraph
from hypothesis import given, settings
from hypothesis import strategies as st

from zhengyi.precinct import synthetic_network
from zhengyi.precinct.futian_demo import generate
from zhengyi.precinct.routing import (
    RankedUnit,
    RoutingNetwork,
    RoutingParams,
    UnitPosition,
    rank_units,
)
from zhengyi.precinct.spec import PrecinctSpec

LEVELS = ("underground", "street", "skywalk")
KINDS = ("stairs", "escalator", "lift", "exit", "ramp")


# ---- brute force: a forward search per unit, written from the rules, not from the module ----


@dataclass
class Net:
    ids: list[int]
    level: list[str]
    edges: list[tuple[int, int, float, bool, bool, bool]]  # positions a, b, length, walk, drive, oneway
    conns: list[tuple[int, int, float, str]]
    params: RoutingParams

    def build(self) -> RoutingNetwork:
        n = len(self.ids)
        return RoutingNetwork.from_arrays(
            self.ids,
            114.05 + 0.001 * np.arange(n),
            22.54 + 0.0005 * (np.arange(n) % 3),
            self.level,
            [self.ids[e[0]] for e in self.edges],
            [self.ids[e[1]] for e in self.edges],
            [e[2] for e in self.edges],
            [e[3] for e in self.edges],
            [e[4] for e in self.edges],
            [e[5] for e in self.edges],
            [self.ids[c[0]] for c in self.conns],
            [self.ids[c[1]] for c in self.conns],
            [c[2] for c in self.conns],
            [c[3] for c in self.conns],
            params=self.params,
        )


def brute_eta(net: Net, start: int, mode: str, target: int) -> float:
    """Forward Dijkstra over (node, in_car) states from one unit."""
    p = net.params
    extra = dict(p.connector_extra_s)
    has_road = {v for a, b, _, _, drive, _ in net.edges if drive for v in (a, b)}
    arcs: dict[tuple[int, bool], list[tuple[tuple[int, bool], float]]] = defaultdict(list)
    for a, b, length, walk, drive, oneway in net.edges:
        if drive:
            arcs[(a, True)].append(((b, True), length / p.drive_mps))
            if not oneway:
                arcs[(b, True)].append(((a, True), length / p.drive_mps))
        if walk:
            arcs[(a, False)].append(((b, False), length / p.walk_mps))
            if not oneway or drive:  # a one-way street binds cars, not pedestrians
                arcs[(b, False)].append(((a, False), length / p.walk_mps))
    for a, b, sec, kind in net.conns:
        arcs[(a, False)].append(((b, False), sec + extra.get(kind, 0.0)))
        arcs[(b, False)].append(((a, False), sec + extra.get(kind, 0.0)))
    for v in has_road:
        arcs[(v, True)].append(((v, False), p.park_s))
    source = (start, mode == "drive" and start in has_road)
    best = {source: 0.0}
    heap = [(0.0, source)]
    while heap:
        d, s = heapq.heappop(heap)
        if s == (target, False):
            return d
        if d > best[s]:
            continue
        for t, w in arcs[s]:
            if d + w < best.get(t, math.inf):
                best[t] = d + w
                heapq.heappush(heap, (d + w, t))
    return math.inf


@st.composite
def networks(draw: Any) -> tuple[Net, int, list[UnitPosition]]:
    n = draw(st.integers(1, 9))
    ids = draw(st.lists(st.integers(-10_000, 10**9), min_size=n, max_size=n, unique=True))
    level = draw(st.lists(st.sampled_from(LEVELS), min_size=n, max_size=n))
    node = st.integers(0, n - 1)
    length = st.one_of(st.just(0.0), st.floats(0.5, 800.0))
    edges = draw(
        st.lists(st.tuples(node, node, length, st.booleans(), st.booleans(), st.booleans()), max_size=16)
    )
    conns = draw(st.lists(st.tuples(node, node, st.floats(0.0, 90.0), st.sampled_from(KINDS)), max_size=4))
    params = RoutingParams(
        walk_mps=draw(st.floats(0.8, 2.0)),
        drive_mps=draw(st.floats(3.0, 20.0)),
        park_s=draw(st.floats(0.0, 120.0)),
        connector_extra_s=draw(st.sampled_from([(), (("lift", 30.0),), (("stairs", 5.0), ("exit", 12.5))])),
    )
    units = [
        UnitPosition(k, ids[draw(node)], draw(st.sampled_from(["walk", "drive"])))
        for k in range(draw(st.integers(0, 8)))
    ]
    return Net(ids, level, edges, conns, params), draw(node), units


@settings(max_examples=300, deadline=None)
@given(networks())
def test_rank_units_equals_per_unit_forward_search(case: tuple[Net, int, list[UnitPosition]]) -> None:
    net, target, units = case
    routing = net.build()
    ranked = rank_units(routing, net.ids[target], units)
    assert sorted(r.unit_id for r in ranked) == sorted(u.unit_id for u in units)
    pos = {v: i for i, v in enumerate(net.ids)}
    for r in ranked:
        expected = brute_eta(net, pos[r.node_id], r.mode, target)
        assert r.eta_s == pytest.approx(expected, rel=1e-9, abs=1e-9)
        assert r.reachable == math.isfinite(expected)
    assert [(r.eta_s, r.unit_id) for r in ranked] == sorted((r.eta_s, r.unit_id) for r in ranked)
    tt = routing.times_to(net.ids[target])
    for r in ranked:  # the route agrees with the time, and ends at the target
        route = tt.route(r.node_id, r.mode)
        assert (route is None) == (not r.reachable)
        if route is not None:
            assert route.node_ids[0] == r.node_id and route.node_ids[-1] == net.ids[target]
            assert route.eta_s == pytest.approx(r.eta_s)


# ---- one search per recommendation ----


def test_one_dijkstra_for_300_units(monkeypatch: pytest.MonkeyPatch) -> None:
    synth = synthetic_network.generate(nodes=3_000, seed=3)
    routing = RoutingNetwork.from_arrays(**synth.arrays())
    units = synth.random_units(300, seed=4)
    calls: list[Any] = []
    real = scipy.sparse.csgraph.dijkstra

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs.get("indices"))
        return real(*args, **kwargs)

    def forbidden(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("only dijkstra may be used")

    monkeypatch.setattr(scipy.sparse.csgraph, "dijkstra", counting)
    for name in ("shortest_path", "bellman_ford", "johnson", "floyd_warshall"):
        monkeypatch.setattr(scipy.sparse.csgraph, name, forbidden)
    ranked = rank_units(routing, int(synth.node_ids[100]), units)
    assert len(ranked) == 300
    assert len(calls) == 1 and np.ndim(calls[0]) == 0  # one source, not one per unit
    assert sum(r.reachable for r in ranked) > 250


# ---- semantics on hand-made networks ----


def line(n: int, step: float, **kw: Any) -> Net:
    """Street nodes 0..n-1 (ids 100..) in a row, drivable both ways."""
    edges = [(k, k + 1, step, True, True, False) for k in range(n - 1)]
    return Net([100 + k for k in range(n)], ["street"] * n, edges, [], RoutingParams(**kw))


def test_car_beats_foot_over_a_long_street() -> None:
    net = line(21, 100.0)
    ranked = rank_units(
        net.build(), 120, [UnitPosition("foot", 100, "walk"), UnitPosition("car", 100, "drive")]
    )
    assert [r.unit_id for r in ranked] == ["car", "foot"]
    assert ranked[0].eta_s == pytest.approx(2000 / 8.0 + 30.0)
    assert ranked[1].eta_s == pytest.approx(2000 / 1.3)


def test_parking_penalty_is_paid_once() -> None:
    net = line(3, 80.0, park_s=45.0)
    net.ids.append(200)  # a lobby off the road, reached on foot
    net.level.append("street")
    net.edges.append((2, 3, 13.0, True, False, False))
    tt = net.build().times_to(200)
    assert tt.eta(100, "drive") == pytest.approx(160 / 8.0 + 45.0 + 13.0 / 1.3)
    assert tt.eta(102, "drive") == pytest.approx(45.0 + 10.0)
    route = tt.route(100, "drive")
    assert route is not None and route.parked_at == 102
    assert route.node_ids == (100, 101, 102, 200)
    at_target = net.build().times_to(102)
    assert at_target.eta(102, "drive") == pytest.approx(45.0)  # parking at the scene still costs
    assert at_target.eta(102, "walk") == 0.0


def test_oneway_binds_cars_not_walkers() -> None:
    net = line(2, 400.0)
    net.edges[0] = (0, 1, 400.0, True, True, True)  # one-way 100 → 101
    routing = net.build()
    back = routing.times_to(100)
    assert back.eta(101, "drive") == pytest.approx(30.0 + 400 / 1.3)  # park, then walk against traffic
    assert back.eta(101, "walk") == pytest.approx(400 / 1.3)
    assert routing.times_to(101).eta(100, "drive") == pytest.approx(400 / 8.0 + 30.0)


def test_walk_only_oneway_gate_binds_walkers() -> None:
    net = Net([1, 2], ["underground"] * 2, [(0, 1, 20.0, True, False, True)], [], RoutingParams())
    routing = net.build()
    assert routing.times_to(2).eta(1, "walk") == pytest.approx(20 / 1.3)
    assert routing.times_to(1).eta(2, "walk") == math.inf


def test_underground_reached_only_through_connectors() -> None:
    # street 1 — 2, concourse 3 — 4; an exit joins 2 and 3.
    edges = [(0, 1, 100.0, True, True, False), (2, 3, 50.0, True, False, False)]
    exit_ = [(1, 2, 25.0, "exit")]
    levels = ["street", "street", "underground", "underground"]
    net = Net([1, 2, 3, 4], levels, edges, exit_, RoutingParams(connector_extra_s=(("exit", 5.0),)))
    tt = net.build().times_to(4)
    assert tt.eta(1, "walk") == pytest.approx(100 / 1.3 + 30.0 + 50 / 1.3)
    assert tt.eta(1, "drive") == pytest.approx(100 / 8 + 30.0 + 30.0 + 50 / 1.3)
    route = tt.route(1, "walk")
    assert route is not None and route.level_changes == ((2, 3),)
    assert route.levels == ("street", "street", "underground", "underground")
    no_exit = Net([1, 2, 3, 4], levels, edges, [], RoutingParams()).build().times_to(4)
    assert no_exit.eta(1, "walk") == math.inf and no_exit.eta(1, "drive") == math.inf


def test_unreachable_units_rank_last() -> None:
    net = line(3, 50.0)
    net.ids.append(999)  # an island
    net.level.append("skywalk")
    units = [UnitPosition("z-lost", 999, "walk"), UnitPosition(7, 102, "walk"), UnitPosition(3, 102, "drive")]
    ranked = rank_units(net.build(), 100, units)
    assert [r.unit_id for r in ranked] == [3, 7, "z-lost"]
    assert ranked[-1] == RankedUnit("z-lost", 999, "walk", math.inf, False)
    assert all(r.reachable for r in ranked[:2])


def test_parallel_segments_keep_the_fastest() -> None:
    net = line(2, 300.0)
    net.edges.append((1, 0, 120.0, True, False, False))
    tt = net.build().times_to(100)
    assert tt.eta(101, "walk") == pytest.approx(120 / 1.3)


def test_bad_input_is_refused() -> None:
    net = line(2, 10.0)
    net.edges.append((0, 1, -1.0, True, False, False))
    with pytest.raises(ValueError, match="non-negative"):
        net.build()
    routing = line(2, 10.0).build()
    with pytest.raises(KeyError, match="unknown node ids"):
        routing.times_to(5)
    with pytest.raises(ValueError, match="unknown modes"):
        rank_units(routing, 100, [UnitPosition(1, 100, "fly")])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="speeds"):
        RoutingParams(walk_mps=0.0)
    with pytest.raises(ValueError, match="penalties"):
        RoutingParams(connector_extra_s=(("lift", -1.0),))
    with pytest.raises(ValueError, match="unknown levels"):
        Net([1], ["roof"], [], [], RoutingParams()).build()
    with pytest.raises(RuntimeError, match="predecessors"):
        routing.times_to(100, with_paths=False).route(101, "walk")


def test_nearest_node_snaps_by_level_and_mode() -> None:
    net = line(3, 100.0)
    net.edges[1] = (1, 2, 100.0, True, False, False)  # 102 is on foot only
    net.ids.append(300)
    net.level.append("underground")
    routing = net.build()
    lon, lat = 114.05 + 0.002, 22.54 + 0.0005 * 2  # exactly node 102
    assert routing.nearest_node(lon, lat) == 102
    assert routing.nearest_node(lon, lat, mode="drive") == 101
    assert routing.nearest_node(lon, lat, level="underground") == 300
    with pytest.raises(ValueError, match="street"):
        routing.nearest_node(lon, lat, level="skywalk", mode="drive")
    with pytest.raises(ValueError, match="skywalk"):
        routing.nearest_node(lon, lat, level="skywalk")


# ---- the synthetic bench network ----


def test_synthetic_network_is_city_sized_and_deterministic() -> None:
    a, b = synthetic_network.generate(seed=11), synthetic_network.generate(seed=11)
    assert all(np.array_equal(x, y) for x, y in zip(a.arrays().values(), b.arrays().values(), strict=True))
    assert 19_000 <= len(a.node_ids) <= 21_000
    counts = {lvl: int((a.level == lvl).sum()) for lvl in LEVELS}
    assert counts["street"] > 13_000 and counts["underground"] > 4_000 and counts["skywalk"] > 1_000
    assert 300 <= len(a.conn_src) <= 1_000
    assert a.edge_oneway.any() and (a.edge_walk & ~a.edge_drive).any() and (a.edge_drive & ~a.edge_walk).any()
    assert abs(float(np.mean(a.lon)) - 114.05) < 0.03 and abs(float(np.mean(a.lat)) - 22.54) < 0.03
    units = a.random_units(300, seed=1)
    assert units == a.random_units(300, seed=1)
    assert {u.mode for u in units} == {"walk", "drive"}


# ---- the real demo precinct ----


@pytest.fixture(scope="module")
def demo() -> tuple[PrecinctSpec, RoutingNetwork]:
    spec = generate()
    return spec, RoutingNetwork.from_spec(spec)


def test_demo_is_connected_on_foot(demo: tuple[PrecinctSpec, RoutingNetwork]) -> None:
    _, routing = demo
    n = routing.n_nodes
    walk_layer = routing.graph[:n, :n]
    count, _ = scipy.sparse.csgraph.connected_components(walk_layer, directed=True, connection="strong")
    assert count == 1
    for target in (0, n // 2, n - 1):
        assert np.isfinite(routing.times_to(target).times[:n]).all()


def test_demo_metro_exit_to_concourse_passes_a_connector(demo: tuple[PrecinctSpec, RoutingNetwork]) -> None:
    spec, routing = demo
    assert routing.codes is not None
    code = {i: c for i, c in enumerate(routing.codes)}
    exits = [i for i, nd in enumerate(spec.nodes) if nd.kind == "metro_exit" and nd.level == "street"]
    concourse = [i for i, nd in enumerate(spec.nodes) if nd.kind == "concourse"]
    connectors = {frozenset((c.a, c.b)) for c in spec.connectors}
    tt = routing.times_to(concourse[len(concourse) // 2])
    route = tt.route(exits[0], "walk")
    assert route is not None and route.levels[0] == "street" and route.levels[-1] == "underground"
    assert route.level_changes
    assert all(frozenset((code[a], code[b])) in connectors for a, b in route.level_changes)
    car = tt.route(
        routing.nearest_node(spec.nodes[exits[-1]].lon, spec.nodes[exits[-1]].lat, mode="drive"), "drive"
    )
    assert car is not None and car.parked_at is not None and car.eta_s == tt.eta(car.node_ids[0], "drive")
