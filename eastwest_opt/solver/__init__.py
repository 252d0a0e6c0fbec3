"""Solving the model with HiGHS.

- :mod:`~eastwest_opt.solver.status`: options, status and result of a solve;
- :mod:`~eastwest_opt.solver.placement`: :class:`PlacementModel`, a built model handed to
  HiGHS through Pyomo or in bulk, and re-solved in place;
- :mod:`~eastwest_opt.solver.bulk`: the bulk path's sequence for large portfolios;
- :mod:`~eastwest_opt.solver.lagrange`: the decomposition by dataset and its bound;
- :mod:`~eastwest_opt.solver.heuristic`: the LP-guided starting plan;
- :mod:`~eastwest_opt.solver.guard`: HiGHS in a child process that cannot outlive its limit;
- :mod:`~eastwest_opt.solver.highs`: handing arrays to highspy, HiGHS's per-process state.
"""
