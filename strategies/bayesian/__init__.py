"""Bayesian optimisation: a surrogate model of the objective, an acquisition, its maximiser.

* :mod:`.model`: a Gaussian process (Matern-5/2 ARD) with MAP hyperparameters (:func:`fit_gp`).
* :mod:`.acquisition`: log expected improvement and a confidence bound, with gradients.
* :mod:`.search`: :class:`FeatureMap` (valid points of a mixed, conditional space as model
  features) and :func:`maximise_acquisition` over them.
* :mod:`.base`: :class:`ModelBasedStrategy`, the public base of model-based strategies.
* :mod:`.gp_strategy`: ``bayesian`` (:class:`BayesianOptimization`) puts them together.

A plugin with another model subclasses :class:`ModelBasedStrategy` and implements
``propose(n) -> list[Suggestion]``, making each suggestion with ``self.suggest(unit_point,
source)`` from the data of ``self.episode()`` (``(unit point, value)`` pairs, ``nan`` for
failures) and ``self.pending_points``, with randomness from ``self.search_rng``; the base
runs the seeded Sobol design, tags, tells and episodes (override ``should_restart`` to
restart). A plugin that keeps the GP but changes the acquisition subclasses
:class:`BayesianOptimization` and overrides ``acquisition_function(model, best)``.
"""

from .acquisition import log_expected_improvement, lower_confidence_bound
from .base import ModelBasedStrategy
from .gp_strategy import BayesianOptimization
from .model import GaussianProcess, GPFitError, GPHyperPrior, fit_gp
from .search import FeatureMap, maximise_acquisition

__all__ = [
    "ModelBasedStrategy", "BayesianOptimization", "GaussianProcess", "GPHyperPrior", "GPFitError", "fit_gp",
    "FeatureMap", "maximise_acquisition", "log_expected_improvement", "lower_confidence_bound",
]
