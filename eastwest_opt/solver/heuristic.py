"""An LP-guided starting plan for large portfolios, handed to HiGHS before its own search.

On portfolios of tens of thousands of jobs HiGHS's own primal heuristics find poor first plans
(8.5% above the root bound at 100,000 jobs). The linear relaxation already says where almost
every job should train, so :func:`lp_guided_start` rounds it into a feasible plan:

1. solve the LP relaxation of the array model (every column continuous);
2. keep a durable replica ``y[d,h]`` or staged copy ``s[d,h]`` where the LP holds at least half of
   one (the origin always), then add the LP's next-best replicas until every dataset has its
   replica count and grid-region spread; ``z`` follows from ``y``;
3. round every job count down, ``x[j,h] = floor(x*[j,h])`` where the hub now holds the data,
   and ``u[j] = floor(u*[j])``; this keeps every capacity row satisfied;
4. place the jobs left over, most to lose first, one at a time at the cheapest hub that holds their
   data and still has the power, accelerators (and carbon budget) for them, or leave them
   unplaced at their penalty when that is cheaper or nothing fits (a job that must be placed
   and fits nowhere ends the heuristic: no start); then close a staged copy when its jobs fit,
   for less than the copy costs, at hubs that hold the data anyway, and drop copies no job uses
   and replicas beyond what the counts and spread need;
5. fix every integer column and solve the LP of the continuous ones (staging sources, traffic,
   artifact routes); if that is infeasible (a link too thin), there is no start.

:func:`greedy_start` is the same rounding without the LP, for when the relaxation does not
finish in time: its preference vector is all zero for the job counts (every job is a leftover
of step 4, placed cheapest first) and one for replicas chosen within the storage at the hubs
where most of a dataset's jobs have their cheapest pair. Only step 5's LP, over the
continuous columns with every integer fixed, is solved.

It is written for the one-window model (capacities per hub, not per period); the bulk path
uses it only for scenarios without periods.

The result is a complete column vector that satisfies every row, or ``None``. It is only a
start: HiGHS checks it, keeps it as its incumbent when feasible and improves on it, and the
plan is verified independently as always. Nothing here claims optimality.
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING, Any

import numpy as np

from eastwest_opt.model.arrays import ArrayModel
from eastwest_opt.model.data import ModelData, carbon_t
from eastwest_opt.solver.highs import to_highs

if TYPE_CHECKING:
    from eastwest_opt.solver.lagrange import Relaxation

TOL = 1e-6


def _solve_lp(am: ArrayModel, lower: np.ndarray, upper: np.ndarray, time_limit_s: float, threads: int | None) -> Any:
    """Solve the LP with the given column bounds; returns (values, objective) or None."""
    import highspy

    h = to_highs(am, time_limit_s=time_limit_s, threads=threads)
    n = am.num_col
    idx = np.arange(n, dtype=np.int32)
    h.changeColsIntegrality(n, idx, np.zeros(n, dtype=np.uint8))
    h.changeColsBounds(n, idx, lower, upper)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    return np.array(h.getSolution().col_value), float(h.getInfo().objective_function_value)


def lp_guided_start(
    am: ArrayModel,
    data: ModelData,
    *,
    time_limit_s: float = 60.0,
    threads: int | None = None,
    relaxation: Relaxation | None = None,
) -> tuple[np.ndarray | None, dict[str, float]]:
    """A feasible starting plan for ``am`` rounded from its LP relaxation, or ``None``.

    Returns the column vector and figures (``lp_bound``, ``start_objective``, seconds).
    """
    t0 = time.perf_counter()
    info: dict[str, float] = {}
    if relaxation is not None:  # already solved (by the decomposition)
        lp = (relaxation.col_value, relaxation.objective)
    else:
        lp = _solve_lp(am, am.col_lower, am.col_upper, time_limit_s, threads)
    info["lp_s"] = time.perf_counter() - t0
    if lp is None:
        return None, info
    v, lp_objective = lp
    info["lp_bound"] = lp_objective
    start, rounded = round_plan(am, data, v, time_limit_s=time_limit_s, threads=threads)
    info.update(rounded)
    info["total_s"] = time.perf_counter() - t0
    return start, info


def greedy_start(
    am: ArrayModel, data: ModelData, *, time_limit_s: float = 60.0, threads: int | None = None
) -> np.ndarray | None:
    """A feasible plan for ``am`` rounded (:func:`round_plan`) from a cost-based preference, no LP
    relaxation needed, or ``None`` when rounding gives no vector that :func:`satisfies_rows`.

    The preference ``v`` is zero everywhere except the replicas, ``v[y[d,h]] = 1`` for those
    :func:`_choose_replicas` picks within the storage, preferring the hubs where most jobs of
    ``d`` have their cheapest pair (column cost ``c[x[j,h]]``); every job is then placed by step 4.
    """
    v = np.zeros(am.num_col)
    x0, x1 = am.col_blocks["x"]
    cost = am.col_cost[x0:x1]
    pairs = data.pairs
    groups = pairs["group_id"].to_numpy()
    hubs = pairs["hub_id"].to_numpy()
    datasets = pairs["dataset_id"].to_numpy()
    cheapest: dict[str, int] = {}
    for i, g in enumerate(groups):
        if g not in cheapest or cost[i] < cost[cheapest[g]]:
            cheapest[g] = i
    votes: dict[tuple[str, str], float] = {}
    for g, i in cheapest.items():
        d = datasets[i]
        votes[d, hubs[i]] = votes.get((d, hubs[i]), 0.0) + data.group_size[g]
    y_index = {key: i for i, key in enumerate(am.col_keys["y"])}
    if not (_choose_replicas(am, data, v, votes, y_index) or _choose_replicas(am, data, v, {}, y_index)):
        return None
    start, _info = round_plan(am, data, v, time_limit_s=time_limit_s, threads=threads)
    if start is None or not satisfies_rows(am, start):
        return None
    return start


def _choose_replicas(
    am: ArrayModel, data: ModelData, v: np.ndarray, votes: dict[tuple[str, str], float], y_index: dict[Any, int]
) -> bool:
    """Set ``v[y[d,h]] = 1`` for the replicas of a greedy plan: the origins, then, datasets with
    the fewest allowed hubs and then the largest first, the hubs most of its jobs prefer (by
    ``votes``, then the most storage left) that still have ``size_tb[d]`` of storage, until
    ``min_replicas[d]`` and ``min_grid_regions[d]`` hold. False when a dataset cannot get them
    within the storage this way (``v`` is then left as it was)."""
    y0 = am.col_blocks["y"][0]
    left = {h: data.storage[h, data.periods[0]] for h in data.hubs}
    chosen: dict[str, set[str]] = {d: set() for d in data.datasets}
    for i, (d, h) in enumerate(am.col_keys["y"]):
        if am.col_lower[y0 + i] > 0.5:  # origins
            chosen[d].add(h)
            left[h] -= data.size_tb[d]
    for d in sorted(data.datasets, key=lambda d: (len(data.replica_hubs[d]), -data.size_tb[d])):
        need_regions = data.min_grid_regions[d] if d in data.dataset_regions else 0
        candidates = [h for h in data.replica_hubs[d] if am.col_upper[y0 + y_index[d, h]] > 0.5]
        while True:
            regions = {data.hub_region[h] for h in chosen[d]}
            if len(chosen[d]) >= data.min_replicas[d] and len(regions) >= need_regions:
                break
            missing_region = len(regions) < need_regions
            fits = [
                h
                for h in candidates
                if h not in chosen[d]
                and data.size_tb[d] <= left[h] + TOL
                and (not missing_region or data.hub_region[h] not in regions)
            ]
            if not fits:
                return False
            h = max(fits, key=lambda h: (votes.get((d, h), 0.0), left[h]))
            chosen[d].add(h)
            left[h] -= data.size_tb[d]
    y1 = am.col_blocks["y"][1]
    v[y0:y1] = 0.0
    for d, hubs in chosen.items():
        for h in hubs:
            v[y0 + y_index[d, h]] = 1.0
    return True


def satisfies_rows(am: ArrayModel, x: np.ndarray, tol: float = 1e-6) -> bool:
    """Whether ``x`` is a plan of ``am``: ``l <= x <= u``, integer columns integral, and every row
    activity ``A x`` within ``[row_lower, row_upper]`` (tolerance relative to the row's bound)."""
    if len(x) != am.num_col:
        return False
    if np.any(x < am.col_lower - tol) or np.any(x > am.col_upper + tol):
        return False
    if np.any(np.abs(x[am.integer] - np.round(x[am.integer])) > tol):
        return False
    if am.num_row == 0:
        return True
    rows = np.zeros(am.num_row)
    filled = np.diff(am.start) > 0
    if am.num_nz:
        rows[filled] = np.add.reduceat(am.value * x[am.index], am.start[:-1][filled])
    bound = np.where(np.isfinite(am.row_upper), am.row_upper, am.row_lower)
    slack = tol * np.maximum(1.0, np.abs(np.where(np.isfinite(bound), bound, 0.0)))
    return bool(np.all(rows >= am.row_lower - slack) and np.all(rows <= am.row_upper + slack))


def round_plan(
    am: ArrayModel, data: ModelData, v: np.ndarray, *, time_limit_s: float = 60.0, threads: int | None = None
) -> tuple[np.ndarray | None, dict[str, float]]:
    """A feasible plan rounded from a fractional solution ``v`` of ``am`` (steps 2-5 of
    :func:`lp_guided_start`), or ``None``; with ``start_objective`` in the figures."""
    info: dict[str, float] = {}
    r = _Rounding(am, data, v)
    if not (r.replicas() and r.round_down() and r.place_leftovers()):
        return None, info
    r.close_staged_copies()
    r.tidy()
    # 5. integers fixed: the LP of traffic, staging sources and artifact routes
    value = r.value
    lower = am.col_lower.copy()
    upper = am.col_upper.copy()
    fixed = am.integer
    lower[fixed] = value[fixed]
    upper[fixed] = value[fixed]
    if np.any(lower > upper + TOL):
        return None, info
    final = _solve_lp(am, lower, upper, time_limit_s, threads)
    if final is None:
        return None, info
    start, objective = final
    start[fixed] = value[fixed]
    info["start_objective"] = objective
    return start, info


class _Rounding:
    """The state of one rounding: column values, what each hub has left, where data is held."""

    def __init__(self, am: ArrayModel, data: ModelData, v: np.ndarray) -> None:
        self.am, self.data, self.v = am, data, v
        self.value = np.array(v)
        self.keys = am.col_keys
        (self.x0, self.x1), (self.u0, self.u1) = am.col_blocks["x"], am.col_blocks["u"]
        (self.y0, self.y1), (self.s0, self.s1) = am.col_blocks["y"], am.col_blocks["s"]
        self.z0, self.z1 = am.col_blocks["z"]
        self.y_index = {key: i for i, key in enumerate(self.keys["y"])}
        self.s_index = {key: i for i, key in enumerate(self.keys["s"])}
        self.u_index = {g: i for i, g in enumerate(self.keys["u"])}
        pairs = data.pairs
        self.p_group = pairs["group_id"].to_numpy()
        self.p_hub = pairs["hub_id"].to_numpy()
        self.p_ds = pairs["dataset_id"].to_numpy()
        self.meter = pairs["meter_mw"].to_numpy(dtype=float)
        self.count = pairs["accel_count"].to_numpy(dtype=float)
        self.carbon = carbon_t(data)
        self.accel = pairs["accel_id"].to_numpy()
        self.cost = am.col_cost[self.x0 : self.x1]
        self.pairs_of: dict[str, list[int]] = {}
        for i, g in enumerate(self.p_group):
            self.pairs_of.setdefault(g, []).append(i)
        self.holds: set[tuple[str, str]] = set()
        self.replica_hubs: dict[str, list[str]] = {}
        self.dist = _path_costs(data)

    def replicas(self) -> bool:
        """2. Keep replicas and staged copies the LP holds half of; add the LP's next-best
        replicas until counts and spread hold. False when a dataset cannot get them."""
        am, data, value, keys = self.am, self.data, self.value, self.keys
        y0, y1, s0, s1 = self.y0, self.y1, self.s0, self.s1
        y = np.where(value[y0:y1] >= 0.5 - TOL, 1.0, 0.0)
        y = np.maximum(y, am.col_lower[y0:y1])  # origins
        y = np.minimum(y, am.col_upper[y0:y1])  # replicas that cannot be made
        s = np.where(value[s0:s1] >= 0.5 - TOL, 1.0, 0.0)
        for d in data.datasets:
            cols = [c for c in (self.y_index[d, h] for h in data.replica_hubs[d]) if am.col_upper[y0 + c] > 0.5]
            need_regions = data.min_grid_regions[d] if d in data.dataset_regions else 0
            by_lp = sorted(cols, key=lambda c: -value[y0 + c])
            while True:
                regions = {data.hub_region[keys["y"][c][1]] for c in cols if y[c] > 0.5}
                if sum(y[c] > 0.5 for c in cols) >= data.min_replicas[d] and len(regions) >= need_regions:
                    break
                missing_region = len(regions) < need_regions
                choice = next(
                    (
                        c
                        for c in by_lp
                        if y[c] < 0.5 and (not missing_region or data.hub_region[keys["y"][c][1]] not in regions)
                    ),
                    None,
                )
                if choice is None:
                    return False
                y[choice] = 1.0
        value[y0:y1] = y
        value[s0:s1] = s
        self._regions_from_replicas()
        has = {keys["y"][i] for i in np.flatnonzero(y > 0.5)}
        self.holds = has | {keys["s"][i] for i in np.flatnonzero(s > 0.5)}
        for i in np.flatnonzero(y > 0.5):
            d, h = keys["y"][i]
            self.replica_hubs.setdefault(d, []).append(h)
        self.storage_left = {h: data.storage[h, data.periods[0]] for h in data.hubs}
        for i in np.flatnonzero(y > 0.5):
            self.storage_left[keys["y"][i][1]] -= data.size_tb[keys["y"][i][0]]
        for i in np.flatnonzero(s > 0.5):
            self.storage_left[keys["s"][i][1]] -= data.size_tb[keys["s"][i][0]]
        return True

    def _regions_from_replicas(self) -> None:
        has = {self.keys["y"][i] for i in np.flatnonzero(self.value[self.y0 : self.y1] > 0.5)}
        self.value[self.z0 : self.z1] = [
            1.0 if any((d, h) in has for h in _hubs_in(self.data, g)) else 0.0 for d, g in self.keys["z"]
        ]

    def round_down(self) -> bool:
        """3. Round every job count down where the data now is; then what each hub has left.
        False if that already breaks a capacity (it cannot, unless the LP was infeasible)."""
        data, value = self.data, self.value
        ok = np.array([(d, h) in self.holds for d, h in zip(self.p_ds, self.p_hub, strict=True)], dtype=bool)
        self.x = np.where(ok, np.floor(value[self.x0 : self.x1] + TOL), 0.0)
        self.u = np.floor(value[self.u0 : self.u1] + TOL)
        self.power_left = {h: data.grid_mw(h) for h in data.hubs}
        self.inv_left = dict(data.inventory)
        for i in np.flatnonzero(self.x > 0):
            self._take(i, self.x[i])
        budget = data.carbon_budget_t if data.carbon_budget_t is not None else math.inf
        self.carbon_left = budget - float(self.carbon @ self.x)
        return not (
            min(self.power_left.values()) < -TOL
            or min(self.inv_left.values(), default=0.0) < -TOL
            or self.carbon_left < -TOL
        )

    def _take(self, i: int, units: float) -> None:
        """Pair ``i`` uses ``units`` more jobs' power and accelerators (negative: gives back)."""
        h, k = self.p_hub[i], self.accel[i]
        self.power_left[h] -= self.meter[i] * units
        self.inv_left[h, k] = self.inv_left.get((h, k), 0.0) - self.count[i] * units

    def _fits(self, j: int, power: dict[str, float], inventory: dict[tuple[str, str], float]) -> bool:
        h = self.p_hub[j]
        return self.meter[j] <= power[h] + TOL and self.count[j] <= inventory.get((h, self.accel[j]), 0.0) + TOL

    def _opening(self, d: str, h: str) -> float:
        """Extra cost of a staged copy of d at h (its storage and transfer from the cheapest
        replica), 0 where the data is already held, inf when none can be made."""
        if (d, h) in self.holds:
            return 0.0
        k = self.s_index.get((d, h))
        if k is None or self.data.size_tb[d] > self.storage_left[h] + TOL:
            return math.inf
        transfer = min((self.dist[r, h] for r in self.replica_hubs.get(d, [])), default=math.inf)
        return float(self.am.col_cost[self.s0 + k]) + self.data.size_tb[d] * transfer

    def place_leftovers(self) -> bool:
        """4. Place the jobs left over, most to lose first, at the cheapest hub that has (or can
        stage) the data and room, else unplaced. False when a must-place job fits nowhere."""
        data, x, u = self.data, self.x, self.u
        placed = {g: 0.0 for g in data.jobs}
        for i in np.flatnonzero(x > 0):
            placed[self.p_group[i]] += x[i]
        left = {
            g: data.group_size[g] - placed[g] - (u[self.u_index[g]] if g in self.u_index else 0.0) for g in data.jobs
        }

        def regret(g: str) -> float:
            """What leaving one job of g unplaced costs over placing it at its cheapest hub."""
            cheapest = min((self.cost[i] for i in self.pairs_of.get(g, [])), default=math.inf)
            return data.unplaceable_penalty.get(g, math.inf) - cheapest

        for g in sorted((g for g, n in left.items() if n > 0.5), key=regret, reverse=True):
            for _ in range(round(left[g])):
                best, best_cost = -1, math.inf
                for i in self.pairs_of.get(g, []):
                    if self.cost[i] >= best_cost or not self._fits(i, self.power_left, self.inv_left):
                        continue
                    if self.carbon[i] > self.carbon_left + TOL:
                        continue
                    total = self.cost[i] + self._opening(self.p_ds[i], self.p_hub[i])
                    if total < best_cost:
                        best, best_cost = i, total
                if best < 0 or data.unplaceable_penalty.get(g, math.inf) < best_cost:
                    if g not in self.u_index:
                        return False  # a job that must be placed fits nowhere
                    u[self.u_index[g]] += 1
                    continue
                d, h = self.p_ds[best], self.p_hub[best]
                if (d, h) not in self.holds:  # open the staged copy
                    self.value[self.s0 + self.s_index[d, h]] = 1.0
                    self.holds.add((d, h))
                    self.storage_left[h] -= data.size_tb[d]
                x[best] += 1
                self._take(best, 1)
                self.carbon_left -= self.carbon[best]
        return True

    def close_staged_copies(self) -> None:
        """Close a staged copy when its jobs fit, for less than the copy costs, at hubs that
        hold the data anyway."""
        x = self.x
        self.pairs_at: dict[tuple[str, str], list[int]] = {}
        for i in np.flatnonzero(x > 0.5):
            self.pairs_at.setdefault((self.p_ds[i], self.p_hub[i]), []).append(int(i))
        for k in np.flatnonzero(self.value[self.s0 : self.s1] > 0.5):
            d, h = self.keys["s"][k]
            users = self.pairs_at.get((d, h), [])
            transfer = min((self.dist[r, h] for r in self.replica_hubs.get(d, [])), default=0.0)
            saving = float(self.am.col_cost[self.s0 + k]) + self.data.size_tb[d] * transfer
            trial = self._moves_away(d, h, users)
            if trial is None or not users or trial[0] >= saving:
                continue
            _extra, moves, self.power_left, self.inv_left, self.carbon_left = trial
            for i, j in moves:  # move one unit; give back what it used at h
                x[i] -= 1
                x[j] += 1
                h_i, k_i = self.p_hub[i], self.accel[i]
                self.power_left[h_i] += self.meter[i]
                self.inv_left[h_i, k_i] = self.inv_left.get((h_i, k_i), 0.0) + self.count[i]
                self.pairs_at.setdefault((self.p_ds[j], self.p_hub[j]), []).append(j)
            self.value[self.s0 + k] = 0.0
            self.holds.discard((d, h))
            self.pairs_at[d, h] = []

    def _moves_away(self, d: str, h: str, users: list[int]) -> Any:
        """Every unit trained on the copy of d at h moved to its cheapest other hub that holds d
        and has room: (extra cost, moves, power, inventory, carbon left after), or None."""
        power, inventory, carbon_left = dict(self.power_left), dict(self.inv_left), self.carbon_left
        moves: list[tuple[int, int]] = []
        extra = 0.0
        for i in users:
            for _ in range(round(self.x[i])):
                best, best_cost = -1, math.inf
                for j in self.pairs_of.get(self.p_group[i], []):
                    hj = self.p_hub[j]
                    if j == i or (d, hj) not in self.holds or hj == h or self.cost[j] >= best_cost:
                        continue
                    if not self._fits(j, power, inventory) or self.carbon[j] - self.carbon[i] > carbon_left + TOL:
                        continue
                    best, best_cost = j, self.cost[j]
                if best < 0:
                    return None
                hb, kb = self.p_hub[best], self.accel[best]
                power[hb] -= self.meter[best]
                inventory[hb, kb] = inventory.get((hb, kb), 0.0) - self.count[best]
                carbon_left -= self.carbon[best] - self.carbon[i]
                extra += self.cost[best] - self.cost[i]
                moves.append((i, best))
        return extra, moves, power, inventory, carbon_left

    def tidy(self) -> None:
        """Copies no job trains on go, and replicas beyond the count and spread the data needs
        (least wanted by the LP first)."""
        data, value, keys, x = self.data, self.value, self.keys, self.x
        value[self.x0 : self.x1] = x
        value[self.u0 : self.u1] = self.u
        used = {(self.p_ds[i], self.p_hub[i]) for i in np.flatnonzero(x > 0.5)}
        for k, (d, h) in enumerate(keys["s"]):
            if value[self.s0 + k] > 0.5 and (d, h) not in used:
                value[self.s0 + k] = 0.0
        yv = value[self.y0 : self.y1]
        for d in data.datasets:
            cols = [self.y_index[d, h] for h in data.replica_hubs[d] if yv[self.y_index[d, h]] > 0.5]
            need_regions = data.min_grid_regions[d] if d in data.dataset_regions else 0
            for c in sorted(cols, key=lambda c: self.v[self.y0 + c]):
                h = keys["y"][c][1]
                if self.am.col_lower[self.y0 + c] > 0.5 or (d, h) in used:
                    continue
                rest = [k for k in cols if k != c and yv[k] > 0.5]
                regions = {data.hub_region[keys["y"][k][1]] for k in rest}
                if len(rest) >= data.min_replicas[d] and len(regions) >= need_regions:
                    yv[c] = 0.0
        value[self.y0 : self.y1] = yv
        self._regions_from_replicas()


def _path_costs(data: ModelData) -> dict[tuple[str, str], float]:
    """Cheapest CNY per TB between every two hubs over the backbone (Floyd-Warshall on 8 hubs)."""
    hubs = data.hubs
    dist = {(a, b): (0.0 if a == b else math.inf) for a in hubs for b in hubs}
    for (a, b), c in data.arc_cost_cny_per_tb.items():
        dist[a, b] = min(dist[a, b], float(c))
    for k in hubs:
        for a in hubs:
            for b in hubs:
                if dist[a, k] + dist[k, b] < dist[a, b]:
                    dist[a, b] = dist[a, k] + dist[k, b]
    return dist


def _hubs_in(data: ModelData, region: str) -> list[str]:
    return [h for h in data.hubs if data.hub_region[h] == region]
