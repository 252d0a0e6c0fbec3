"""Realistic large portfolios over the shipped hubs and backbone, deterministic for a seed.

:func:`generate_scenario` draws a portfolio of ``jobs`` training jobs over ``datasets`` datasets
and scales the shipped eight-hub scenario's capacities to it; :func:`write_scenario` writes any
scenario as a folder that :func:`~eastwest_opt.scenario.load_scenario` reads back unchanged.

The portfolio
-------------
*Datasets* are born about 80% in the East (bth 35%, yrd 40%, gba 25% of those), the rest in the
five western hubs. Classes: 55% public, 25% personal information, 10% origin-only, 10% northern
gov-cloud (born at bth or imo). Sizes are lognormal (median 25 TB), clipped to 1 TB .. 5 PB.
Replicas: public 1-3 (mostly 2), personal information 2-3, gov-north 2, origin-only 1; two
grid regions when a dataset keeps two or more replicas (most of them). Popularity is Zipf-like,
so a few datasets carry many jobs.

*Jobs* are drawn from a limited catalogue of shapes: 160 fine-tune shapes (8-256 accelerators,
2-72 h), 48 mid-size shapes (512-1,024, 48-240 h) and 16 pre-training shapes (2,048-8,192,
240-700 h). A shape fixes the accelerator type and count, runtime, artifact size, serving hubs,
latency bound, hub restriction (5% of shapes) and penalty rule: must-place (1% of fine-tune,
5% of mid-size and 35% of pre-training shapes) or a penalty of 2-4 times the shape's energy
cost at the dearest hub. Jobs come in campaigns of one shape on one dataset: 12% of fine-tune
campaigns are hyper-parameter sweeps of 5-50 identical jobs, 20% of mid-size campaigns are
seed repeats of 2-8; pre-training runs are single. About 80% / 17% / 3% of jobs are fine-tune /
mid-size / pre-training. Jobs are shuffled, so repeats are not adjacent in ``jobs.csv``.
About two thirds of all jobs repeat an earlier job exactly (same shape on the same dataset): that
is what exact aggregation of identical jobs removes (seed 0: 69% at 1,000 and 10,000 jobs, 70% at
100,000; :func:`repeat_fraction`). The families of :mod:`.families` (``generate --family``) draw
portfolios that aggregate far less.
A few non-must-place pre-training jobs get an override at one western hub (Ascend 910B,
1.5 times the accelerators, 1.4 times the runtime), like the shipped scenario's.

Capacities, tight but feasible
------------------------------
Hub grid allocations sum to the portfolio's meter MW divided by 0.7; each accelerator type's
inventory is 1.3 times its demand; storage is 2.5 times the minimum replica needs; each
distributed over the hubs in the shipped scenario's proportions. Link capacities scale with
the data volume. Feasibility is guaranteed by construction: a witness plan places every
must-place job at an allowed hub (balancing load), keeps a replica of its dataset there, and
gives every dataset its minimum replicas over its allowed grid regions with replication routed
over the fastest path inside its zone; every capacity is raised to at least what that witness
uses. Every other job may stay unplaced at its penalty, so the witness is a feasible plan.
Finally every job, alone, fits at one hub it may train at (small portfolios would otherwise
leave no hub with 8,192 accelerators of one type); the skewed family skips this step.

This describes the ``default`` family. ``family="distinct"``, ``"skewed"`` or ``"restricted"``
draws the jobs (and, for skewed, the grid allocations) differently, over the same datasets:
see :mod:`.families`.

Modules
-------
:mod:`.build` runs the steps in order (:func:`generate_scenario`); :mod:`.catalogue` holds the
proportions above; :mod:`.portfolio` draws datasets, shapes, jobs and overrides; :mod:`.families`
names the families; :mod:`.sizes` and :mod:`.bespoke` draw jobs one by one (distinct, skewed);
:mod:`.restrictions` draws hub restrictions and override rows; :mod:`.capacity` sizes the hubs
and links around the feasibility witness of :mod:`.witness`; :mod:`.write` writes a scenario
folder; :mod:`.measures` measures a portfolio (repeats, heavy tail, tightness, restrictions);
:mod:`.context` holds what the steps know about the shipped hubs; :mod:`.core` is the one
module that imports the eastwest_opt core.
"""

from __future__ import annotations

from eastwest_opt.generate.build import generate_scenario
from eastwest_opt.generate.families import FAMILIES
from eastwest_opt.generate.measures import repeat_fraction
from eastwest_opt.scenario.write import write_scenario

__all__ = ["FAMILIES", "generate_scenario", "repeat_fraction", "write_scenario"]
