"""variables: the decision variables of the placement model, their domains and bounds.

    x[j,h] in {0..n_j}   jobs of group j trained at hub h           (binary when n_j = 1)
    u[j]   in {0..n_j}   jobs of group j left unplaced               (j in J_U)
    y[d,h] in {0,1}      durable replica of dataset d at hub h       y[d,o(d)] = 1
    s[d,h] in {0,1}      staged copy of d at h                       (classes that allow staging)
    z[d,g] in {0,1}      a replica of d lies in grid region g        (d with g_d >= 2)
    q[d,r,h,p] >= 0      TB of d's staged copy at h taken from replica hub r, arriving in period p
    f[c,a,p]   >= 0      TB of traffic commodity c on arc a in period p
    w[g,p]   >= 0        TB of artifact group g on its candidate route p
    k[d,h,p] in {0,1}    the staged copy of d at h is held in period p      (two or more periods)
    o[d,h,p] in [0,1]    it arrives in period p                             (two or more periods)
    e[j,h,p] in [0,H_p]  hours preemptible job j runs at h in period p
    r[j,h,p] in {0,1}    it runs at h in period p

A replica that its zone offers no arc to reach (no replication commodity) is fixed to 0 by its
upper bound, as is a staging transfer without a staging commodity. Each column also records the
dataset it belongs to (its position in ``ModelData.datasets``; -1 for the traffic ``f`` and
artifact routes ``w``, which tie datasets together), for the decomposition by dataset.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from eastwest_opt.model.index import VARIABLES, Index


@dataclass
class VarBlock:
    """One variable family: bounds, integrality and dataset of each of its columns."""

    name: str
    lower: np.ndarray
    upper: np.ndarray
    integer: bool
    dataset: np.ndarray


def variables(ix: Index) -> list[VarBlock]:
    """The variable families of ``ix``, in column order (see the module docstring)."""
    n = ix.count
    zeros = {name: np.zeros(n[name]) for name in VARIABLES}
    linking = {name: np.full(n[name], -1, dtype=np.int64) for name in ("f", "w")}
    u_ds = ix.p_ds[:0] if not n["u"] else np.array([ix.ds_ix[ix.data.job_dataset[j]] for j in ix.unplaced])
    flex_ds = ix.p_ds[ix.fx_pair]
    n_periods = len(ix.periods)
    held_ds = np.repeat(ix.st_d, n_periods) if ix.timed else np.zeros(0, dtype=np.int64)
    blocks = [
        VarBlock("x", zeros["x"], ix.group_size[ix.p_job], True, ix.p_ds),
        VarBlock("u", zeros["u"], ix.group_size[ix.u_job] if n["u"] else zeros["u"], True, u_ds.astype(np.int64)),
        VarBlock("y", np.where(ix.is_origin, 1.0, 0.0), np.where(ix.replicable, 1.0, 0.0), True, ix.dh_d),
        VarBlock("s", zeros["s"], np.ones(n["s"]), True, ix.st_d),
        VarBlock("z", zeros["z"], np.ones(n["z"]), True, ix.dg_d),
        VarBlock("q", zeros["q"], np.where(ix.q_comm >= 0, np.inf, 0.0), False, ix.q_d),
        VarBlock("f", zeros["f"], np.full(n["f"], np.inf), False, linking["f"]),
        VarBlock("w", zeros["w"], np.full(n["w"], np.inf), False, linking["w"]),
        VarBlock("k", zeros["k"], np.ones(n["k"]), True, held_ds),
        VarBlock("o", zeros["o"], np.ones(n["o"]), False, held_ds),
        VarBlock("e", zeros["e"], ix.period_hours[ix.fx_period], False, flex_ds),
        VarBlock("r", zeros["r"], np.ones(n["r"]), True, flex_ds),
    ]
    for block in blocks:
        assert len(block.lower) == len(block.upper) == len(block.dataset) == n[block.name], block.name
    return blocks
