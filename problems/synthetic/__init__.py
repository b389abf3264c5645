"""Synthetic test functions with verified optima, seeded instances and variants.

Every module here is imported on first registry use; each function class is registered where
it is defined by :func:`~problems.synthetic.catalog.synthetic_problem` (``branin``,
``rosenbrock-{dim}d``, ``hartmann6-mf``, ...), so no list of them is kept.
"""
