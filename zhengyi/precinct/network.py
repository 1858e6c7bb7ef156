"""The routing network of a station, loaded from the database and cached by content version.

The cache is only a cache: its key includes the newest change recorded for the station's
network (every write to nodes, edges and connectors leaves an ObjectChange), so every process
rebuilds after any change anywhere, and nothing depends on one process's memory.
"""

from __future__ import annotations

import threading

import numpy as np

from zhengyi.core.models import Station
from zhengyi.core.selectors import change_stamp
from zhengyi.precinct.models import Connector, NetworkEdge, NetworkNode
from zhengyi.precinct.routing import RoutingNetwork

_lock = threading.Lock()
_cache: dict[int, tuple[tuple[int, ...], RoutingNetwork]] = {}


def network_version(station: Station) -> tuple[int, ...]:
    """Changes to any station's network (services record each) and this station's node count."""
    return (
        *change_stamp(NetworkNode, NetworkEdge, Connector),
        NetworkNode.objects.filter(station=station).count(),
    )


def load_network(station: Station) -> RoutingNetwork:
    nodes = list(NetworkNode.objects.filter(station=station).values_list("id", "lon", "lat", "space__level"))
    if not nodes:
        raise LookupError(f"{station.name}尚无路网数据，无法计算行程时间 / the station has no network")
    edges = list(
        NetworkEdge.objects.filter(station=station).values_list(
            "source_id", "target_id", "length_m", "walk", "drive", "oneway"
        )
    )
    conns = list(
        Connector.objects.filter(station=station).values_list("source_id", "target_id", "seconds", "kind")
    )
    n = np.array(nodes, dtype=object)
    e = np.array(edges, dtype=object).reshape(-1, 6)
    c = np.array(conns, dtype=object).reshape(-1, 4)
    return RoutingNetwork.from_arrays(
        node_ids=n[:, 0].astype(np.int64),
        lon=n[:, 1].astype(float),
        lat=n[:, 2].astype(float),
        level=n[:, 3].astype(str),
        edge_src=e[:, 0].astype(np.int64),
        edge_dst=e[:, 1].astype(np.int64),
        edge_len_m=e[:, 2].astype(float),
        edge_walk=e[:, 3].astype(bool),
        edge_drive=e[:, 4].astype(bool),
        edge_oneway=e[:, 5].astype(bool),
        conn_src=c[:, 0].astype(np.int64),
        conn_dst=c[:, 1].astype(np.int64),
        conn_seconds=c[:, 2].astype(float),
        conn_kind=c[:, 3].astype(str),
    )


def station_network(station: Station) -> RoutingNetwork:
    version = network_version(station)
    with _lock:
        cached = _cache.get(station.pk)
        if cached is not None and cached[0] == version:
            return cached[1]
    network = load_network(station)
    with _lock:
        _cache[station.pk] = (version, network)
    return network
