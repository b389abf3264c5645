"""Ray Tune's ASHA and HyperBand schedulers driving the fidelity, as strategies.

The seam
--------
Ray Tune's schedulers do not propose anything: a ``TuneController`` runs live trials that
report a result every training iteration, and the scheduler answers each result with
CONTINUE, PAUSE or STOP (``on_trial_result``); the controller also asks it which paused or
pending trial to run next (``choose_trial_to_run``) and lets it stop other trials
(``controller.stop_trial``). Our runner instead evaluates one config at one fidelity per
trial. The adapter therefore keeps the *real* scheduler object (``AsyncHyperBandScheduler``,
``HyperBandScheduler``) and real ``ray.tune.experiment.Trial`` objects (``stub=True``: no
trainable, no Ray runtime, no files), and replaces only the controller by
:class:`_TuneLoop`, the few lines of ``TuneController`` the schedulers call into
(``get_trials``, ``stop_trial``, the order of the hooks on a result, a stop, a pause and an
error are copied from ``ray.tune.execution.tune_controller``). Each step of a simulated trial
becomes one of our trials:

- a trial starts (``searcher.suggest`` then ``scheduler.on_trial_add``), or the scheduler
  picks a paused/pending one (``choose_trial_to_run``), or a trial the scheduler told to
  CONTINUE takes its next step;
- the step is evaluated at the trial's next *milestone*: the next rung of its ASHA bracket
  (or ``max_t``), or its HyperBand bracket's current ``r``;
- the value is reported as a result ``{time_attr: milestone, "value": v}`` and the
  scheduler's decision is applied.

Reporting only at milestones gives the same decisions as reporting every iteration: ASHA
records a result only at the first report at or past a rung, and HyperBand continues every
trial below its bracket's milestone without looking at the value. Differences from a live
Ray run, all stated: (1) our problems do not resume, so a promoted trial is re-evaluated at
the higher fidelity and pays its full cost (the harness's cost model, the same for our own
Hyperband/ASHA); (2) with one worker one trial runs at a time (``max_batch = 1``); with k
workers (``workers = k``) up to k Ray trials run side by side, one step each;
(3) ASHA uses one bracket: with several, Ray draws the bracket from the *global*
``np.random`` (``AsyncHyperBandScheduler.on_trial_add``), which would break seeding. As in
Ray, a trial stopped while paused reports no result to the searcher.

Ray behaviours kept on purpose (they are what a Ray Tune user gets): Ray's ASHA is
*stopping*-based (a trial runs on unless a rung cuts it), not the paper's promotion-based
ASHA, so with one worker each new trial that survives a rung climbs at once; Ray's
HyperBand caps a bracket's ``r`` at ``max_t`` after multiplying by eta, so when ``max_t``
is not a power of eta the smaller brackets end below ``max_t`` (e.g. 2, 6, 18 of 20); and
Ray keeps 200 pending trials for its BasicVariantGenerator but only 1 for any other
searcher, so HyperBand with ``searcher="hyperopt"`` fills its first bracket, finishes it,
and then keeps adding trials to that empty bracket, i.e. runs full-fidelity TPE, unless
``max_pending_trials`` is raised (as one would raise it in Ray with a ConcurrencyLimiter).

Time axis: ``time_attr = "fidelity_units"``, fidelity in units of the problem's lowest
fidelity (so integer milestones exist for HyperBand, whose ``r`` values are integers);
unit ``t`` is evaluated at fidelity ``min(t * low, high)``, and at ``high`` once ``t``
reaches ``max_t = high / low`` (rounded down for HyperBand).

Reference: Li et al., "A System for Massively Parallel Hyperparameter Tuning" (ASHA),
MLSys 2020; Li et al., "Hyperband", JMLR 2018; Liaw et al., "Tune", 2018.
"""

from __future__ import annotations

import logging
import math
from typing import Any, Sequence

from harness.protocols import Budget, Fidelity, Status, Strategy, StrategyError, Suggestion, Trial
from harness.registry import strategy
from harness.space import Space
from harness.validation import Interval, Options, check_parameters

from strategies.adapters import _hyperopt_space, _ray_space

TIME_ATTR = "fidelity_units"


class _TuneLoop:
    """The part of Ray Tune's ``TuneController`` that schedulers call back into.

    Parameters
    ----------
    scheduler : ray.tune.schedulers.TrialScheduler
        The real scheduler, configured with ``time_attr=TIME_ATTR``, ``metric="value"``,
        ``mode="min"``.
    searcher : object
        A Ray Tune searcher (see :func:`strategies.adapters._ray_space.make_searcher`).
    searcher_kind : str
        ``"basic"`` or ``"hyperopt"``, to translate its samples.
    space : Space
    max_pending_trials : int
        How many PENDING trials the controller keeps queued (``TuneController`` tops the
        queue up from the searcher before it starts a trial).
    """

    def __init__(self, scheduler: Any, searcher: Any, searcher_kind: str, space: Space,
                 max_pending_trials: int) -> None:
        from ray.tune.experiment import Trial as RayTrial
        from ray.tune.schedulers import TrialScheduler

        self.scheduler = scheduler
        self.searcher = searcher
        self._kind = searcher_kind
        self._space = space
        self._RayTrial = RayTrial
        self._decisions = TrialScheduler
        self._trials: list = []
        self._by_id: dict[str, Any] = {}
        self._configs: dict[str, dict] = {}
        self._last: dict[str, dict] = {}
        self._continued: list = []  # RUNNING trials told to CONTINUE, waiting for their next step
        self._max_pending = max_pending_trials

    # -- what schedulers call ----------------------------------------------------------------
    def get_trials(self) -> list:
        """Every trial, in the order it was added (FIFOScheduler relies on this order)."""
        return list(self._trials)

    def stop_trial(self, trial: Any) -> None:
        """``TuneController.stop_trial``: notify scheduler and searcher, then terminate."""
        status = trial.status
        if status in (self._RayTrial.ERROR, self._RayTrial.TERMINATED):
            return
        if status in (self._RayTrial.PENDING, self._RayTrial.PAUSED):
            self.scheduler.on_trial_remove(self, trial)
            self.searcher.on_trial_complete(trial.trial_id)
        else:
            result = self._last.get(trial.trial_id, {})
            self.scheduler.on_trial_complete(self, trial, result)
            self.searcher.on_trial_complete(trial.trial_id, result=result)
        if trial in self._continued:
            self._continued.remove(trial)
        trial.set_status(self._RayTrial.TERMINATED)

    # -- what the strategy calls -------------------------------------------------------------
    def next_trial(self, in_flight: int = 0) -> Any:
        """The trial that runs next: a continued one, the scheduler's choice, or a new one.

        ``None`` when the scheduler has nothing to run while ``in_flight`` steps are still
        running (a synchronous bracket waiting at its milestone): the worker idles, as a Ray
        worker does. With nothing in flight that would be a deadlock, hence an error.
        """
        if self._continued:
            return self._continued.pop(0)
        # TuneController.step: top up the pending queue from the searcher, then let the
        # scheduler choose among pending and paused trials.
        pending = sum(t.status == self._RayTrial.PENDING for t in self._trials)
        for _ in range(self._max_pending - pending):
            self._add_trial()
        trial = self.scheduler.choose_trial_to_run(self)
        if trial is None:
            if in_flight > 0:
                return None
            raise RuntimeError(f"{type(self.scheduler).__name__} chose no trial among pending ones.")
        trial.set_status(self._RayTrial.RUNNING)
        return trial

    def _add_trial(self) -> None:
        trial_id = f"harness_{len(self._trials):05d}"
        config = _ray_space.config_of(self._kind, self._space, self.searcher.suggest(trial_id))
        trial = self._RayTrial("harness", config=dict(config), trial_id=trial_id, stub=True)
        self._trials.append(trial)
        self._by_id[trial_id] = trial
        self._configs[trial_id] = config
        self.scheduler.on_trial_add(self, trial)

    def config(self, trial: Any) -> dict:
        """The harness config of ``trial``."""
        return self._configs[trial.trial_id]

    def last_time(self, trial: Any) -> float:
        """The time of the trial's last result (0 before its first)."""
        return self._last.get(trial.trial_id, {}).get(TIME_ATTR, 0.0)

    def report(self, trial_id: str, time: float, value: float) -> None:
        """One result, as ``TuneController._process_trial_result`` handles it."""
        trial = self._by_id[trial_id]
        result = {TIME_ATTR: time, _ray_space.METRIC: value, "trial_id": trial_id}
        decision = self.scheduler.on_trial_result(self, trial, result)
        if decision != self._decisions.STOP:
            self.searcher.on_trial_result(trial_id, result)
        self._last[trial_id] = result
        if decision == self._decisions.STOP:
            self.stop_trial(trial)
        elif decision == self._decisions.PAUSE:
            trial.set_status(self._RayTrial.PAUSED)
        elif trial.status == self._RayTrial.RUNNING:
            self._continued.append(trial)

    def fail(self, trial_id: str) -> None:
        """A failed step: ``TuneController._process_trial_failure`` without retries."""
        trial = self._by_id[trial_id]
        if trial.status != self._RayTrial.RUNNING:
            return
        self.scheduler.on_trial_error(self, trial)
        self.searcher.on_trial_complete(trial_id, error=True)
        if trial in self._continued:
            self._continued.remove(trial)
        trial.set_status(self._RayTrial.ERROR)


class _RaySchedulerStrategy(Strategy):
    """Shared driver: one :class:`_TuneLoop` over a real Ray Tune scheduler."""

    needs_fidelity = True
    # With one worker a trial runs to its decision before the next; with k workers the event
    # loop passes the steps in flight (``pending``) and up to k trials run at once.
    max_batch = 1

    def __init__(self, space: Space, seed: int, budget: Budget, fidelity: Fidelity | None = None, *,
                 searcher: str = "basic", max_pending_trials: int | None = None) -> None:
        super().__init__(space, seed, budget, fidelity)
        self.check_compatible(space, fidelity)
        check_parameters(f"strategy '{self.name}'", {
            "searcher": Options(*_ray_space.SEARCHERS), "max_pending_trials": Interval(int, 1, None, none=True),
        }, searcher=searcher, max_pending_trials=max_pending_trials)
        if searcher == "hyperopt":
            reason = _hyperopt_space.unsupported_reason(space)
            if reason:
                raise StrategyError(f"Strategy '{self.name}' cannot translate this space to hyperopt: {reason}.")
        self.searcher = searcher
        self._max_units = fidelity.high / fidelity.low
        if max_pending_trials is None:
            # Ray's "auto" rule (tune_controller._get_max_pending_trials) on a small cluster:
            # 200 for its BasicVariantGenerator, 1 for any other searcher.
            max_pending_trials = 200 if searcher == "basic" else 1
        self.max_pending_trials = int(max_pending_trials)
        self._loop = _TuneLoop(self._make_scheduler(), _ray_space.make_searcher(searcher, space, self.seed),
                               searcher, space, self.max_pending_trials)

    def _make_scheduler(self) -> Any:
        raise NotImplementedError

    def _next_time(self, trial: Any) -> float:
        raise NotImplementedError

    def _fidelity(self, units: float) -> float:
        fid = self.fidelity
        value = fid.high if units >= self._max_t else min(units * fid.low, fid.high)
        if fid.integer:
            return float(min(max(round(value), math.ceil(fid.low)), math.floor(fid.high)))
        # 6 * 0.05 is 0.30000000000000004: keep fidelities readable in stored results.
        return min(max(float(f"{value:.12g}"), fid.low), fid.high)

    def ask(self, n: int, pending: Sequence[Suggestion] = ()) -> list[Suggestion]:
        """The next ``n`` trial steps, each at its trial's next milestone.

        With steps in flight (``pending``, k workers) each new step comes from another Ray
        trial, as Ray Tune runs one step per trial on each of its workers; fewer than ``n``
        come back when the scheduler must wait for a running step.
        """
        out: list[Suggestion] = []
        for _ in range(n):
            trial = self._loop.next_trial(in_flight=len(pending) + len(out))
            if trial is None:
                break
            units = self._next_time(trial)
            out.append(Suggestion(self._loop.config(trial), fidelity=self._fidelity(units),
                                  tag=(trial.trial_id, units)))
        return out

    def tell(self, trials: Sequence[Trial]) -> None:
        """Report each step to the scheduler (failed steps as trial errors)."""
        for trial in trials:
            trial_id, units = trial.tag
            if trial.status is Status.OK:
                self._loop.report(trial_id, units, float(trial.value))
            else:
                self._loop.fail(trial_id)


@strategy("ray-asha")
class RayASHA(_RaySchedulerStrategy):
    """Ray Tune's ``AsyncHyperBandScheduler`` (ASHA) with a Ray Tune searcher.

    Parameters
    ----------
    searcher : {"basic", "hyperopt"}
        Where new configs come from: Ray Tune's default random variants, or HyperOptSearch.
    reduction_factor : float
        ASHA's eta (Ray's default 4).
    grace_period : float, optional
        Fidelity of the first rung; default the problem's lowest fidelity.
    max_pending_trials : int, optional
        Trials Ray Tune keeps queued; default Ray's rule: 200 with ``searcher="basic"``, 1
        with a model-based searcher.
    """

    name = "ray-asha"

    def __init__(self, space: Space, seed: int, budget: Budget, fidelity: Fidelity | None = None, *,
                 searcher: str = "basic", reduction_factor: float = 4.0, grace_period: float | None = None,
                 max_pending_trials: int | None = None) -> None:
        self.reduction_factor = float(reduction_factor)
        self.grace_period = grace_period
        super().__init__(space, seed, budget, fidelity, searcher=searcher, max_pending_trials=max_pending_trials)

    def _make_scheduler(self) -> Any:
        from ray.tune.schedulers import AsyncHyperBandScheduler

        fid = self.fidelity
        check_parameters(f"strategy '{self.name}'", {
            "grace_period": Interval(float, fid.low, fid.high, none=True, note=f"the problem's fidelity '{fid.name}'"),
            "reduction_factor": Interval(float, 1, None, closed="neither"),
        }, grace_period=self.grace_period, reduction_factor=self.reduction_factor)
        grace = 1.0 if self.grace_period is None else self.grace_period / fid.low
        self._max_t = self._max_units
        return AsyncHyperBandScheduler(time_attr=TIME_ATTR, metric=_ray_space.METRIC, mode="min",
                                       max_t=self._max_t, grace_period=grace,
                                       reduction_factor=self.reduction_factor, brackets=1)

    def _next_time(self, trial: Any) -> float:
        # The next rung of the trial's bracket past its last result, or max_t.
        bracket = self._loop.scheduler._trial_info[trial.trial_id]
        last = self._loop.last_time(trial)
        rungs = [m for m, _ in bracket._rungs if last < m < self._max_t]
        return min(rungs, default=self._max_t)


@strategy("ray-hyperband")
class RayHyperBand(_RaySchedulerStrategy):
    """Ray Tune's synchronous ``HyperBandScheduler`` with a Ray Tune searcher.

    Parameters
    ----------
    searcher : {"basic", "hyperopt"}
        Where new configs come from: Ray Tune's default random variants, or HyperOptSearch.
    reduction_factor : float
        HyperBand's eta (Ray's default 3).
    max_pending_trials : int, optional
        Trials Ray Tune keeps queued; default Ray's rule: 200 with ``searcher="basic"``, 1
        with a model-based searcher.
    """

    name = "ray-hyperband"

    def __init__(self, space: Space, seed: int, budget: Budget, fidelity: Fidelity | None = None, *,
                 searcher: str = "basic", reduction_factor: float = 3.0,
                 max_pending_trials: int | None = None) -> None:
        self.reduction_factor = float(reduction_factor)
        super().__init__(space, seed, budget, fidelity, searcher=searcher, max_pending_trials=max_pending_trials)

    def _make_scheduler(self) -> Any:
        from ray.tune.schedulers import HyperBandScheduler

        # Ray logs "Bracket too small - Retrying..." at INFO for every skipped bracket.
        logging.getLogger("ray.tune.schedulers.hyperband").setLevel(logging.WARNING)

        # Ray's brackets use integer r values, hence an integer max_t in fidelity units.
        self._max_t = int(math.floor(self._max_units + 1e-9))
        check_parameters(f"strategy '{self.name}'", {"reduction_factor": Interval(float, 1, None, closed="neither")},
                         reduction_factor=self.reduction_factor)
        if self._max_t < 2:
            raise StrategyError(f"Strategy '{self.name}' needs a fidelity range of at least 2x (high/low). "
                                f"Got {self._max_units:g}x.")
        return HyperBandScheduler(time_attr=TIME_ATTR, metric=_ray_space.METRIC, mode="min",
                                  max_t=self._max_t, reduction_factor=self.reduction_factor)

    def _next_time(self, trial: Any) -> float:
        # A trial runs up to its bracket's current milestone r (Ray's _Bracket._cumul_r).
        bracket, _ = self._loop.scheduler._trial_info[trial]
        return float(bracket._cumul_r)
