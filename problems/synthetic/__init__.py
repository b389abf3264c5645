"""Synthetic test functions with verified optima, seeded instances and variants.

Every module here is imported on first registry use; :mod:`problems.synthetic.catalog`
registers the names (``branin``, ``rosenbrock-{dim}d``, ``hartmann6-mf``, ...).
"""
