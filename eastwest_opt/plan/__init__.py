"""Plans: the solver's decisions as tables, and what is said about them.

- :mod:`~eastwest_opt.plan.plan`: the :class:`Plan` and its folder (written atomically, read back);
- :mod:`~eastwest_opt.plan.extract`: a solved model's decisions read into the plan's tables;
- :mod:`~eastwest_opt.plan.tables`: the summary tables (link flows, hub usage, costs);
- :mod:`~eastwest_opt.plan.verify`: the independent verifier, which imports neither the model
  nor the solver;
- :mod:`~eastwest_opt.plan.explain`: why a scenario has no plan, in the planner's terms.

Nothing is imported here, so that the verifier can be imported without the model and solver.
"""
