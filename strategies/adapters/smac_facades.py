"""SMAC3's facades driven ask/tell style: ``smac`` (HPO facade) and ``smac-hyperband``.

SMAC's ``optimize()`` owns its loop; the runner owns ours, so the adapter uses SMAC's own
ask-and-tell interface (``facade.ask() -> TrialInfo``, ``facade.tell(info, TrialValue)``),
which SMAC documents for exactly this purpose. The target function handed to the facade is
never called.

- ``smac``: ``HyperparameterOptimizationFacade`` (random forest with log-scaled costs, Sobol
  initial design, local + random search of expected improvement), SMAC's recommended
  facade for HPO. On a problem with a fidelity it suggests the maximum fidelity.
- ``smac-hyperband``: on problems with a fidelity, SMAC's ``MultiFidelityFacade`` (the
  random forest proposing the configs that Hyperband's brackets run, SMAC's BOHB-like
  multi-fidelity optimiser) or, with ``model = false``, ``HyperbandFacade`` (Hyperband over
  random configs). SMAC's budgets are our fidelities (``min_budget``/``max_budget`` are the
  problem's fidelity range).

The scenario is deterministic (each config is evaluated once: the harness's objectives are
seeded per trial, and SMAC would otherwise repeat configs on new seeds), seeded with the
run's seed (:func:`harness.seeding.seed32`), with ``n_trials`` set to the run's evaluation budget
(for cost budgets: the number of full-fidelity evaluations it buys). A failed or timed-out
trial is told as SMAC's own runner reports a crashing target function:
``StatusType.CRASHED`` with the scenario's ``crash_cost`` (``inf``). SMAC 2.4.1's log-scaled
cost encoder turns that ``inf`` into NaN targets and its random forest refuses them (fixed
upstream after 2.4.1 by automl/SMAC3#1312, which replaces non-finite costs by the largest
observed cost before scaling); :class:`_FiniteCrashEncoder` applies that same replacement
until a release carries it. SMAC writes its run history to
an output directory; the adapter gives it a private temporary directory, removed with the
strategy, and tells with ``save=False``. When SMAC finds no config it has not run yet (a
finite space smaller than the budget), it raises ``ConfigurationSpaceExhaustedException``;
the adapter then returns no suggestion, which ends the run as an exhausted grid does.

Reference: Lindauer et al., "SMAC3: A Versatile Bayesian Optimization Package for
Hyperparameter Optimization", JMLR 23(54), 2022.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path
from typing import Any, Sequence

from harness.protocols import Budget, Fidelity, Status, Strategy, Suggestion, Trial
from harness.registry import strategy
from harness.seeding import seed32
from harness.space import Space
from harness.validation import Interval, check_parameters

from strategies.adapters import _configspace
from strategies.adapters._deps import require

SMAC_INSTALL = 'pip install -e ".[peers]"  (or: pip install smac)'


def _never_called(config: Any, seed: int = 0) -> float:
    raise RuntimeError("the harness evaluates configs itself; SMAC's target function is never called")


def _never_called_mf(config: Any, seed: int = 0, budget: float | None = None) -> float:
    raise RuntimeError("the harness evaluates configs itself; SMAC's target function is never called")


def _finite_crash_encoder(scenario: Any) -> Any:
    """SMAC's log-scaled cost encoder with crashed (``inf``) costs replaced by the largest
    finite cost among the encoded trials, as automl/SMAC3#1312 does upstream."""
    import numpy as np
    from smac.runhistory.encoder.log_scaled_encoder import RunHistoryLogScaledEncoder

    class _FiniteCrashEncoder(RunHistoryLogScaledEncoder):
        def transform_response_values(self, values: np.ndarray) -> np.ndarray:
            finite = np.isfinite(values)
            if not finite.all():
                worst = values[finite].max() if finite.any() else 0.0
                values = np.where(finite, values, worst)
                # The statistics were taken with the infs in: retake them without.
                self._min_y = values.min(axis=0)
                self._max_y = values.max(axis=0)
                self._percentile = np.percentile(values, self._scale_percentage, axis=0)
            return super().transform_response_values(values)

    return _FiniteCrashEncoder(scenario)


def _hash_free_maximizer(facade: Any, scenario: Any) -> Any:
    """The facade's default acquisition maximizer, made independent of Python's hash seed.

    SMAC's local search collects its start points in a ``set`` of ``Configuration`` objects,
    whose hashes are of strings, so their order (and the random draws made per start point
    after it) changes with ``PYTHONHASHSEED``: the same seed gave different runs in two
    processes (a Ray worker and the driver, say). Sorting the start points by their vector
    gives one order in every process; SMAC's own order was arbitrary, so no choice is lost.
    """
    import numpy as np
    from smac.acquisition.maximizer.local_search import LocalSearch

    class _OrderedLocalSearch(LocalSearch):
        def _get_init_points_from_previous_configs(self, *args: Any, **kwargs: Any) -> list:
            points = super()._get_init_points_from_previous_configs(*args, **kwargs)
            return sorted(points, key=lambda config: np.asarray(config.get_array(), dtype=float).tobytes())

    maximizer = facade.get_acquisition_maximizer(scenario)
    local = getattr(maximizer, "_local_search", None)
    if type(local) is LocalSearch:
        local.__class__ = _OrderedLocalSearch
    return maximizer


def _trial_count(budget: Budget) -> int:
    """SMAC's ``n_trials``: the evaluation budget, or the full-fidelity evaluations a cost buys."""
    return max(1, int(math.ceil(budget.amount)))


class _SMACStrategy(Strategy):
    """Shared ask/tell driver over one SMAC facade."""

    max_batch = 1  # each suggestion should see every earlier result

    def __init__(self, space: Space, seed: int, budget: Budget, fidelity: Fidelity | None = None,
                 batch_size: int = 1) -> None:
        super().__init__(space, seed, budget, fidelity)
        self.check_compatible(space, fidelity)
        check_parameters(f"strategy '{self.name}'", {"batch_size": Interval(int, 1, None)}, batch_size=batch_size)
        self.max_batch = batch_size
        # SMAC's ``output_directory`` must exist and is written at construction.
        self._workdir = tempfile.TemporaryDirectory(prefix="harness-smac-")
        self._pending: dict[int, Any] = {}
        self._asked = 0
        self._exhausted = False

    @classmethod
    def check_compatible(cls, space: Space, fidelity: Fidelity | None) -> None:
        """Refuse when SMAC is missing or the space has no ConfigSpace equivalent."""
        super().check_compatible(space, fidelity)
        require("smac", cls.name, SMAC_INSTALL)
        _configspace.check_translatable(cls.name, space)

    def _scenario(self, **extra: Any):
        from smac import Scenario

        return Scenario(
            _configspace.to_configspace(self.space, seed32(self.seed)),
            deterministic=True,
            n_trials=_trial_count(self.budget),
            seed=seed32(self.seed),
            output_directory=Path(self._workdir.name),
            **extra,
        )

    def ask(self, n: int, pending: Sequence[Suggestion] = ()) -> list[Suggestion]:
        """Ask the facade ``n`` times.

        Asynchronous: SMAC marks every asked trial as running in its run history and proposes
        around them, so the ``pending`` suggestions (all asked here) need no extra handling.
        """
        from smac.main.exceptions import ConfigurationSpaceExhaustedException

        out = []
        for _ in range(n):
            if self._exhausted:
                break
            try:
                with _one_thread():
                    info = self._facade.ask()
            except ConfigurationSpaceExhaustedException:
                # A finite space (e.g. two small integers) has no config SMAC has not run:
                # the strategy is exhausted, as a complete grid is; its generator is spent.
                self._exhausted = True
                break
            key = self._asked
            self._asked += 1
            self._pending[key] = info
            fidelity = None if info.budget is None else self._fidelity_of(info.budget)
            out.append(Suggestion(_configspace.from_configspace(self.space, info.config), fidelity, tag=key))
        return out

    def _fidelity_of(self, smac_budget: float) -> float:
        assert self.fidelity is not None
        value = min(max(float(smac_budget), self.fidelity.low), self.fidelity.high)
        return float(round(value)) if self.fidelity.integer else value

    def tell(self, trials: Sequence[Trial]) -> None:
        """Tell SMAC each result; failures as ``CRASHED`` at the scenario's crash cost."""
        from smac.runhistory.dataclasses import TrialValue
        from smac.runhistory.enumerations import StatusType

        for trial in trials:
            info = self._pending.pop(trial.tag)
            if trial.status is Status.OK:
                value = TrialValue(cost=float(trial.value), time=float(trial.eval_seconds), status=StatusType.SUCCESS)
            else:
                value = TrialValue(cost=self._facade.scenario.crash_cost, time=float(trial.eval_seconds),
                                   status=StatusType.CRASHED)
            with _one_thread():
                self._facade.tell(info, value, save=False)


def _one_thread():
    """Run SMAC's random forest in the calling thread.

    SMAC builds its forest with ``n_jobs=-1``: joblib threads on every core, and, measured on
    a 12-evaluation Branin run, 4 of its 10 s spent in joblib's result-polling sleeps. A run
    here is one task among many on a worker that the executor keeps single-threaded; the
    forest's trees are seeded one by one, so the fitted model is the same either way.
    """
    import joblib

    return joblib.parallel_config(backend="sequential")


@strategy("smac")
class SMACHPO(_SMACStrategy):
    """SMAC3's ``HyperparameterOptimizationFacade`` (random-forest BO), SMAC's defaults.

    Parameters
    ----------
    initial_design_size : int, optional
        Configs of the Sobol initial design; ``None`` keeps SMAC's default (10 per
        hyperparameter, at most a quarter of the budget).
    batch_size : int
        Suggestions per ask; SMAC proposes each while the earlier ones are running.
    """

    name = "smac"

    def __init__(self, space: Space, seed: int, budget: Budget, fidelity: Fidelity | None = None, *,
                 initial_design_size: int | None = None, batch_size: int = 1) -> None:
        super().__init__(space, seed, budget, fidelity, batch_size)
        from smac import HyperparameterOptimizationFacade as HPO

        scenario = self._scenario()
        design = {} if initial_design_size is None else {"n_configs": int(initial_design_size)}
        self._facade = HPO(
            scenario, _never_called, overwrite=True, logging_level=False,
            initial_design=HPO.get_initial_design(scenario, **design),
            runhistory_encoder=_finite_crash_encoder(scenario),
            acquisition_maximizer=_hash_free_maximizer(HPO, scenario),
        )


@strategy("smac-hyperband")
class SMACHyperband(_SMACStrategy):
    """SMAC3's multi-fidelity facades: Hyperband brackets over SMAC's budgets (= our fidelity).

    Parameters
    ----------
    model : bool
        ``True`` (default): ``MultiFidelityFacade``, a random forest proposes the configs
        Hyperband runs; ``False``: ``HyperbandFacade``, Hyperband over random configs.
    eta : int
        Hyperband's halving rate (SMAC's default 3).
    batch_size : int
        Suggestions per ask (jobs of the current brackets, or of new ones).
    """

    name = "smac-hyperband"
    needs_fidelity = True

    def __init__(self, space: Space, seed: int, budget: Budget, fidelity: Fidelity | None = None, *,
                 model: bool = True, eta: int = 3, batch_size: int = 1) -> None:
        super().__init__(space, seed, budget, fidelity, batch_size)
        from smac import HyperbandFacade, MultiFidelityFacade

        check_parameters(f"strategy '{self.name}'", {"eta": Interval(int, 2, None)}, eta=eta)
        assert fidelity is not None  # check_compatible refused problems without one
        scenario = self._scenario(min_budget=float(fidelity.low), max_budget=float(fidelity.high))
        facade = MultiFidelityFacade if model else HyperbandFacade
        options = {"runhistory_encoder": _finite_crash_encoder(scenario),
                   "acquisition_maximizer": _hash_free_maximizer(facade, scenario)} if model else {}
        self._facade = facade(
            scenario, _never_called_mf, overwrite=True, logging_level=False,
            intensifier=facade.get_intensifier(scenario, eta=eta), **options,
        )
