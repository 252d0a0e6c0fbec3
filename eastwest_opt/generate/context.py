"""What every drawing step needs to know about the shipped hubs, and two small drawing helpers."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from eastwest_opt.generate.core import Network, Scenario, build_network


@dataclass(frozen=True)
class HubContext:
    """The base scenario's hubs, backbone and accelerators as the generator reads them.

    Sets of hubs are bit masks (bit ``i`` for the ``i``-th hub of ``hubs.csv``), so that the
    hubs a dataset, a shape and a job may use combine with ``&``.
    """

    base: Scenario
    hubs: tuple[str, ...]
    bit: dict[str, int]
    network: Network
    latency: dict[tuple[str, str], float]
    accel_mask: dict[str, int]
    kw: dict[str, float]
    pue: dict[str, float]
    price: dict[str, float]
    dearest_kwh: float
    classes: pd.DataFrame
    region: dict[str, str]
    west: tuple[str, ...]
    domestic: tuple[str, ...]

    @classmethod
    def of(cls, base: Scenario) -> HubContext:
        """The context of ``base``: fastest latencies between hubs, where each accelerator type is stocked."""
        hubs = tuple(base.hubs["hub_id"])
        bit = {h: 1 << i for i, h in enumerate(hubs)}
        network = build_network(base)
        ha = base.hub_accelerators
        accel_mask = dict.fromkeys(base.accelerators["accel_id"], 0)
        for h, k, c in zip(ha["hub_id"], ha["accel_id"], ha["count"], strict=True):
            if c > 0:
                accel_mask[k] |= bit[h]
        return cls(
            base=base,
            hubs=hubs,
            bit=bit,
            network=network,
            latency={(a, b): network.fastest_latency_ms(a, b) for a in hubs for b in hubs},
            accel_mask=accel_mask,
            kw=dict(zip(base.accelerators["accel_id"], base.accelerators["kw_per_accel"], strict=True)),
            pue=dict(zip(base.hubs["hub_id"], base.hubs["pue"], strict=True)),
            price=dict(zip(base.hubs["hub_id"], base.hubs["price_cny_per_kwh"], strict=True)),
            dearest_kwh=float((base.hubs["pue"] * base.hubs["price_cny_per_kwh"]).max()),
            classes=base.data_classes.set_index("class_id"),
            region=dict(zip(base.hubs["hub_id"], base.hubs["grid_region"], strict=True)),
            west=tuple(h for h, r in zip(base.hubs["hub_id"], base.hubs["macro_region"], strict=True) if r == "west"),
            domestic=tuple(
                k
                for k, o in zip(base.accelerators["accel_id"], base.accelerators["origin"], strict=True)
                if o == "domestic"
            ),
        )

    def mask_of(self, hubs: frozenset[str] | tuple[str, ...] | None) -> int:
        """The bit mask of ``hubs`` (``None``: every hub); names of unknown hubs are ignored."""
        return sum(self.bit[h] for h in (self.hubs if hubs is None else hubs) if h in self.bit)

    def hubs_of(self, mask: int) -> list[str]:
        """The hubs in ``mask``, in the order of ``hubs.csv``."""
        return [h for h in self.hubs if mask & self.bit[h]]

    def latency_mask(self, serve: tuple[str, ...], bound: float) -> int:
        """The hubs whose fastest route reaches every serving hub within ``bound`` ms (NaN: no bound)."""
        if not serve or math.isnan(bound):
            return self.mask_of(None)
        return sum(self.bit[h] for h in self.hubs if all(self.latency[h, t] <= bound + 1e-9 for t in serve))

    def stocked(self, accel: str, hub: str) -> bool:
        """Whether ``hub`` holds accelerators of type ``accel`` in the shipped scenario."""
        return bool(self.accel_mask.get(accel, 0) & self.bit[hub])

    def within(self, mask: int, serve: tuple[str, ...], bound: float) -> bool:
        """Whether some hub of ``mask`` reaches every serving hub within ``bound`` ms."""
        return bool(mask & self.latency_mask(serve, bound))


def choice(rng: np.random.Generator, options: dict[str, float], n: int) -> np.ndarray:
    """``n`` keys of ``options`` drawn with probabilities proportional to its values (an object array)."""
    keys = list(options)
    p = np.array([options[k] for k in keys], dtype=float)
    return np.array(keys, dtype=object)[rng.choice(len(keys), size=n, p=p / p.sum())]


def two_figures(values: np.ndarray | float) -> np.ndarray:
    """Round to two significant figures (penalties read like a planner's numbers)."""
    v = np.asarray(values, dtype=float)
    mag = np.floor(np.log10(np.maximum(v, 1.0))) - 1
    return np.round(v / 10.0**mag) * 10.0**mag


def significant(values: np.ndarray | float, digits: int) -> np.ndarray:
    """Round to ``digits`` significant figures."""
    v = np.asarray(values, dtype=float)
    mag = np.floor(np.log10(np.maximum(np.abs(v), 1e-300))) - (digits - 1)
    return np.round(v / 10.0**mag) * 10.0**mag
