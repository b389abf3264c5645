"""Multi-fidelity strategies: each suggestion carries a fidelity (epochs, trees, data fraction).

Two public bases, for built-in strategies and plugins alike:

* :class:`MultiFidelityStrategy`: refuses problems without a fidelity, takes ``eta`` and
  ``min_fidelity``, maps resources to fidelities (:meth:`~MultiFidelityStrategy.fidelity_at`),
  estimates costs and keeps the :class:`CostLedger`. A subclass implements ``ask(n)``, making
  each suggestion with ``self.suggest(config, fidelity, tag, info)``, and
  ``on_result(info, value, trial)`` (``value`` is ``inf`` for a failed trial). ASHA and the
  median stopping rule build on it.
* :class:`BracketStrategy`: synchronous successive-halving brackets run one after another. A
  subclass implements only ``bracket_rungs(index) -> [(n_configs, fidelity), ...]`` (the rungs
  of the ``index``-th bracket, see :func:`hyperband_schedule` and
  :func:`successive_halving_rungs`) and may override ``sample_configs(k)`` to choose a first
  rung's configs by a model (BOHB does).

Built in: ``hyperband``, ``successive-halving``, ``asha``, ``bohb``, ``median-stopping``.
"""

from .asha import ASHA
from .base import CostLedger, MultiFidelityStrategy
from .bohb import BOHB, ProductKDE
from .brackets import Bracket, BracketStrategy, hyperband_schedule, max_bracket, successive_halving_rungs
from .hyperband import Hyperband
from .median_stopping import MedianStopping
from .successive_halving import SuccessiveHalving

__all__ = [
    "MultiFidelityStrategy", "BracketStrategy", "CostLedger", "Bracket", "max_bracket", "hyperband_schedule",
    "successive_halving_rungs", "Hyperband", "SuccessiveHalving", "ASHA", "BOHB", "ProductKDE", "MedianStopping",
]
