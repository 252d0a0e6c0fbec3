"""The placement model, defined once.

- :mod:`~eastwest_opt.model.data`: the scenario's meaning for the model (pairs, replicas,
  commodities, routes and their coefficients);
- :mod:`~eastwest_opt.model.index`: the index sets as arrays and the column layout;
- :mod:`~eastwest_opt.model.variables`, :mod:`~eastwest_opt.model.families`,
  :mod:`~eastwest_opt.model.objective`: the variables, every constraint family and the cost
  terms, each written once as sparse arrays;
- :mod:`~eastwest_opt.model.arrays`: all of it assembled into one :class:`ArrayModel`;
- :mod:`~eastwest_opt.model.pyomo`: the same rows as a Pyomo model planners can extend;
- :mod:`~eastwest_opt.model.elastic`: the model with slacks, to explain infeasibility.
"""
