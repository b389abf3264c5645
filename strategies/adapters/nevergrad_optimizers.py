"""Nevergrad's optimisers through its ask/tell interface: ``nevergrad``, ``nevergrad-de``,
``nevergrad-oneplusone``.

One ``ng.p.Dict`` parametrization per run, seeded through its ``random_state`` (Nevergrad's
documented way: every optimiser draws from the parametrization's generator), then
``optimizer.ask()`` / ``optimizer.tell(candidate, loss)``. The optimiser is created with the
run's budget (NGOpt picks its algorithm from the budget, the dimension and the variable
types, so it must know it) and ``num_workers = batch_size``.

Mapping
-------
- Float: ``ng.p.Scalar(lower, upper)``, or ``ng.p.Log(lower, upper)`` when log-scaled.
- Int: a Scalar (Log) over ``[low - 0.5, high + 0.5]``, rounded to the nearest integer, the
  same equal-width cells the harness uses (``set_integer_casting`` on ``[low, high]`` would
  give the end values half-width cells).
- Categorical: ``ng.p.Choice`` over the choice indices (Nevergrad's unordered categorical),
  mapped back type-exactly.
- Conditions: Nevergrad has no conditional parameters. Every parameter is optimised as if
  always active and the config keeps only the active ones, so an inactive parameter is a
  dimension the objective ignores; the optimiser still tells its full candidate.

Failed and timed-out trials are told with ``inf``, which Nevergrad's ``tell`` clips to its
"very bad" loss 5e20 (its documented handling of non-sense losses); the warning it raises
for that is silenced.

Known incompatibility, and what the adapter does about it: Nevergrad 1.0.12's ``MetaModel``
(which NGOpt picks for most continuous spaces: 1-12 dimensions at 40-1,000 evaluations with 8
workers, and up to 3 dimensions with one) fits a quadratic surrogate every few asks and
minimises it through ``float(model.predict(x[None, :]))``; ``predict`` returns a length-1
array, and NumPy 2.4 made ``float()`` of such an array a ``TypeError`` ("only 0-dimensional
arrays can be converted to Python scalars"), so the run dies at the first ask where the
surrogate is learnable (the 13th on a 2-D quadratic with 8 workers). When NumPy has that rule
(:func:`metamodel_surrogate_broken` checks it directly) and the optimiser to be used is a
MetaModel (NGOpt's choice or a name), the adapter uses the MetaModel's own inner optimiser
instead (CMA-ES, or the (1+1)-ES in 1-D: what MetaModel itself asks between surrogate steps
and whenever its surrogate fails), i.e. NGOpt's choice without its surrogate step. It says so:
a ``RuntimeWarning`` and a log line at construction, and :attr:`NevergradOptimizer.selected`
names the optimiser actually used (e.g. ``"MetaModel without its surrogate (NumPy >= 2.4)
-> ParametrizedCMA"``). A MetaModel nested inside another Nevergrad optimiser is not reached:
such a run still fails visibly, stored with its traceback.

Reference: Rapin & Teytaud, "Nevergrad - A gradient-free optimization platform", 2018,
https://github.com/facebookresearch/nevergrad; Liu et al., "Versatile black-box
optimization" (NGOpt), GECCO 2020.
"""

from __future__ import annotations

import logging
import math
import warnings
from typing import Any, ClassVar, Sequence

import numpy as np

from harness.protocols import Budget, Fidelity, Status, Strategy, StrategyError, Suggestion, Trial
from harness.registry import strategy
from harness.seeding import seed32
from harness.space import Categorical, Float, Space
from harness.validation import Interval, check_parameters
from harness.variants import variant

from strategies.adapters._deps import require

NEVERGRAD_INSTALL = 'pip install -e ".[peers]"  (or: pip install nevergrad)'

log = logging.getLogger(__name__)


def _parametrization(space: Space, seed: int):
    """A seeded ``ng.p.Dict`` with one child per harness parameter."""
    import nevergrad as ng

    children = {}
    for param in space.params:
        if isinstance(param, Categorical):
            children[param.name] = ng.p.Choice(list(range(len(param.choices))))
            continue
        low, high = (param.low, param.high) if isinstance(param, Float) else (param.low - 0.5, param.high + 0.5)
        children[param.name] = ng.p.Log(lower=low, upper=high) if param.log else ng.p.Scalar(lower=low, upper=high)
    parametrization = ng.p.Dict(**children)
    parametrization.random_state = np.random.RandomState(seed32(seed))
    return parametrization


def metamodel_surrogate_broken() -> bool:
    """Whether NumPy refuses ``float()`` of a length-1 array (NumPy >= 2.4), which breaks the
    surrogate step of Nevergrad 1.0.12's MetaModel (see the module docstring)."""
    try:
        float(np.ones(1))
    except TypeError:
        return True
    return False


def _without_broken_surrogate(optimizer) -> tuple[Any, str]:
    """The optimiser to ask, and its description: a MetaModel (chosen by NGOpt or named) is
    replaced by its own inner optimiser when its surrogate step cannot run."""
    from nevergrad.optimization import optimizerlib

    chosen = optimizer.optim if isinstance(optimizer, optimizerlib.NGOptBase) else optimizer
    label = optimizer.name if chosen is optimizer else f"{optimizer.name} -> {chosen.name}"
    inner = getattr(chosen, "_optim", None)
    if not isinstance(chosen, optimizerlib._MetaModel) or inner is None or not metamodel_surrogate_broken():
        return optimizer, label
    selected = f"{label} without its surrogate (NumPy >= 2.4) -> {inner.name}"
    message = (f"Nevergrad's MetaModel cannot run its surrogate step under NumPy {np.__version__} "
               f"(float() of a length-1 array); using its inner optimiser: {selected}")
    warnings.warn(message, RuntimeWarning, stacklevel=3)
    log.warning(message)
    return inner, selected


def _config(space: Space, values: dict) -> dict:
    """The harness config of a candidate's value, active parameters only."""
    config: dict[str, Any] = {}
    for param in space.params:
        if not space.is_active(param, config):
            continue
        value = values[param.name]
        if isinstance(param, Categorical):
            config[param.name] = param.choices[int(value)]
        elif isinstance(param, Float):
            config[param.name] = min(max(float(value), param.low), param.high)
        else:
            config[param.name] = int(min(max(math.floor(float(value) + 0.5), param.low), param.high))
    return config


@strategy("nevergrad")
class NevergradOptimizer(Strategy):
    """A Nevergrad optimiser chosen by its registry name (default ``NGOpt``, its wizard).

    Parameters
    ----------
    optimizer : str
        A name in ``nevergrad.optimizers.registry`` (e.g. ``"NGOpt"``, ``"TwoPointsDE"``,
        ``"CMA"``, ``"PSO"``).
    batch_size : int
        Nevergrad's ``num_workers``: suggestions per ask without waiting for results.

    Attributes
    ----------
    selected : str
        The Nevergrad optimiser actually asked (NGOpt's choice, and whether a MetaModel's
        surrogate step was left out; see the module docstring).
    """

    name = "nevergrad"
    #: Fixed by the named variants; ``None`` for the generic ``nevergrad``.
    optimizer_name: ClassVar[str | None] = None

    def __init__(self, space: Space, seed: int, budget: Budget, fidelity: Fidelity | None = None, *,
                 optimizer: str = "NGOpt", batch_size: int = 1) -> None:
        super().__init__(space, seed, budget, fidelity)
        self.check_compatible(space, fidelity)
        import nevergrad as ng

        if optimizer not in ng.optimizers.registry:
            raise StrategyError(
                f"Strategy '{self.name}': unknown Nevergrad optimizer {optimizer!r} (see nevergrad.optimizers.registry)."
            )
        check_parameters(f"strategy '{self.name}'", {"batch_size": Interval(int, 1, None)}, batch_size=batch_size)
        self.max_batch = batch_size
        self._ng = ng
        # A cost budget is in full-fidelity evaluations, which is what this adapter spends.
        ng_budget = max(1, int(math.ceil(budget.amount)))
        self._optimizer, self.selected = _without_broken_surrogate(ng.optimizers.registry[optimizer](
            parametrization=_parametrization(space, self.seed), budget=ng_budget, num_workers=batch_size))
        self._pending: dict[int, Any] = {}
        self._asked = 0

    @classmethod
    def check_compatible(cls, space: Space, fidelity: Fidelity | None) -> None:
        """Refuse up front when Nevergrad is missing."""
        super().check_compatible(space, fidelity)
        require("nevergrad", cls.name, NEVERGRAD_INSTALL)

    def ask(self, n: int, pending: Sequence[Suggestion] = ()) -> list[Suggestion]:
        """Ask the optimiser ``n`` candidates.

        Asynchronous up to ``batch_size`` (Nevergrad's ``num_workers``) candidates in flight;
        beyond that it returns nothing and the worker idles until a result is told. Nevergrad
        optimisers planned for fewer workers may block inside ``ask`` while a candidate is
        untold (its recast optimisers, e.g. the Cobyla that NGOpt picks for small continuous
        budgets, wait on a thread for the previous loss), so asking more would hang the run.
        """
        out = []
        room = max(0, self.max_batch - len(self._pending))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", self._ng.errors.NevergradRuntimeWarning)
            for _ in range(min(n, room)):
                candidate = self._optimizer.ask()
                key = self._asked
                self._asked += 1
                self._pending[key] = candidate
                out.append(Suggestion(_config(self.space, candidate.value), tag=key))
        return out

    def tell(self, trials: Sequence[Trial]) -> None:
        """Tell each loss; failures as ``inf`` (Nevergrad clips it to its worst loss)."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", self._ng.errors.NevergradRuntimeWarning)
            for trial in trials:
                candidate = self._pending.pop(trial.tag)
                loss = float(trial.value) if trial.status is Status.OK else math.inf
                self._optimizer.tell(candidate, loss)


def _named(optimizer: str, label: str, doc: str) -> type:
    """``nevergrad-<label>``: :class:`NevergradOptimizer` fixed to one Nevergrad optimiser (a variant)."""
    return variant(f"nevergrad-{label}", NevergradOptimizer, doc, fixed={"optimizer": optimizer},
                   attributes={"optimizer_name": optimizer})


NevergradDE = _named(
    "TwoPointsDE", "de",
    "Nevergrad's ``TwoPointsDE``: differential evolution with two-points crossover, the DE "
    "variant Nevergrad recommends for many workers (its docs' first choice for parallel HPO).")
NevergradOnePlusOne = _named(
    "PortfolioDiscreteOnePlusOne", "oneplusone",
    "Nevergrad's ``PortfolioDiscreteOnePlusOne``: a (1+1) evolution strategy with a portfolio "
    "of discrete mutation rates, Nevergrad's choice for discrete and mixed spaces.")
