"""The inter-hub backbone as a networkx graph: arcs, capacities, costs and candidate routes.

Each undirected link of ``links.csv`` is full duplex: two directed arcs ``(a, b)`` and
``(b, a)``, each with the link's capacity. Over a planning window of ``T`` hours a link of
``C`` Gbit/s carries at most ``C * T * 0.45`` TB per direction. A link with zero capacity
is left out of the graph, so cutting or derating a link changes the routes.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable
from dataclasses import dataclass

import networkx as nx
import pandas as pd

from eastwest_opt.scenario.core import TB_PER_GBPS_HOUR, Scenario

Arc = tuple[str, str]
Route = tuple[str, ...]


@dataclass(frozen=True)
class Network:
    """The backbone graph and its directed arcs."""

    graph: nx.Graph
    arcs: pd.DataFrame  # one row per directed arc; index (from_hub, to_hub)

    @property
    def arc_ids(self) -> list[Arc]:
        return list(self.arcs.index)

    def route_latency_ms(self, route: Route) -> float:
        """One-way latency of a route: the sum of its links' latencies."""
        return float(sum(self.graph.edges[u, v]["latency_ms"] for u, v in route_arcs(route)))

    def candidate_routes(self, source: str, target: str, max_latency_ms: float, k: int) -> list[Route]:
        """Up to ``k`` loop-free routes from ``source`` to ``target``, fastest first, whose
        latency is at most ``max_latency_ms`` (``inf`` for no bound)."""
        if source == target:
            return [(source,)]
        if source not in self.graph or target not in self.graph:
            return []
        routes: list[Route] = []
        try:
            generator = nx.shortest_simple_paths(self.graph, source, target, weight="latency_ms")
            for path in itertools.islice(generator, k):
                route = tuple(path)
                if self.route_latency_ms(route) > max_latency_ms + 1e-9:
                    break
                routes.append(route)
        except nx.NetworkXNoPath:
            return []
        return routes

    def fastest_latency_ms(self, source: str, target: str) -> float:
        """Latency of the fastest route, ``inf`` when none exists."""
        if source == target:
            return 0.0
        try:
            return float(nx.shortest_path_length(self.graph, source, target, weight="latency_ms"))
        except (nx.NetworkXNoPath, nx.NodeNotFound):
            return math.inf

    def zone_arcs(self, zone: frozenset[str] | None) -> list[Arc]:
        """Arcs whose two ends lie in ``zone`` (``None``: every arc)."""
        if zone is None:
            return self.arc_ids
        return [(u, v) for (u, v) in self.arc_ids if u in zone and v in zone]


def route_arcs(route: Iterable[str]) -> list[Arc]:
    """The directed arcs a route crosses, in order."""
    hubs = list(route)
    return list(itertools.pairwise(hubs))


def build_network(scenario: Scenario) -> Network:
    """Build the backbone graph from the links table of ``scenario``."""
    graph = nx.Graph()
    graph.add_nodes_from(scenario.hubs["hub_id"])
    window = scenario.planning_window_hours
    rows = []
    for link in scenario.links.itertuples(index=False):
        if link.capacity_gbps <= 0:
            continue
        capacity_tb = float(link.capacity_gbps) * window * TB_PER_GBPS_HOUR
        graph.add_edge(
            link.hub_a,
            link.hub_b,
            link_id=link.link_id,
            capacity_gbps=float(link.capacity_gbps),
            capacity_tb=capacity_tb,
            latency_ms=float(link.latency_ms),
            cost_cny_per_tb=float(link.cost_cny_per_tb),
        )
        for u, v in ((link.hub_a, link.hub_b), (link.hub_b, link.hub_a)):
            rows.append(
                {
                    "from_hub": u,
                    "to_hub": v,
                    "link_id": link.link_id,
                    "capacity_gbps": float(link.capacity_gbps),
                    "capacity_tb": capacity_tb,
                    "latency_ms": float(link.latency_ms),
                    "cost_cny_per_tb": float(link.cost_cny_per_tb),
                }
            )
    columns = ["from_hub", "to_hub", "link_id", "capacity_gbps", "capacity_tb", "latency_ms", "cost_cny_per_tb"]
    arcs = pd.DataFrame(rows, columns=columns).set_index(["from_hub", "to_hub"])
    return Network(graph=graph, arcs=arcs)
