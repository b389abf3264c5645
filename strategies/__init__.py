"""Built-in strategies. Every module below this package is imported on first registry use,
so a new module registers itself without any list to update.

Families are packages with a public base a plugin may subclass: :mod:`strategies.evolution`
(``GenerationalStrategy``), :mod:`strategies.multifidelity` (``MultiFidelityStrategy``,
``BracketStrategy``) and :mod:`strategies.bayesian` (``ModelBasedStrategy``); single
strategies are modules here; :mod:`strategies.adapters` wraps other libraries. Configured
variants are registered with :func:`harness.variants.variant`, parameters checked with
:mod:`harness.validation`."""

from harness.autoimport import import_submodules

import_submodules(__name__, __path__)
