"""hyperopt's algorithms (TPE, random, annealing) driven ask/tell style.

hyperopt's ``fmin`` owns its loop, but the runner owns ours, so the adapter does what one
iteration of ``fmin`` does (``hyperopt.fmin.FMinIter.run``) without it: take new trial ids
from a :class:`hyperopt.Trials`, call the algorithm's ``suggest(new_ids, domain, trials,
seed)`` with ``seed = rstate.integers(2**31 - 1)`` where ``rstate`` is
``np.random.default_rng(seed)`` (exactly how ``fmin(rstate=...)`` seeds it), insert the new
documents, and on ``tell`` mark them done with ``{"loss": value, "status": STATUS_OK}`` or
``{"status": STATUS_FAIL}``. hyperopt's TPE counts a failed trial as an infinitely bad one
(its loss is missing), which is what it does inside ``fmin`` too.

Same seed, same suggestions: hyperopt draws only from the seeded generators.

Reference: Bergstra, Bardenet, Bengio & Kegl, "Algorithms for Hyper-Parameter
Optimization", NeurIPS 2011; Bergstra, Yamins & Cox, "Making a Science of Model Search",
ICML 2013 (hyperopt).
"""

from __future__ import annotations

import contextlib
from functools import partial
from typing import Any, Callable, Sequence

import numpy as np

from harness.protocols import Budget, Fidelity, Status, Strategy, StrategyError, Suggestion, Trial
from harness.registry import strategy
from harness.space import Space

from strategies.adapters import _hyperopt_space


class _HyperoptStrategy(Strategy):
    """Shared ask/tell driver over one hyperopt ``suggest`` function."""

    max_batch = 1  # model-based: each suggestion should see every earlier result
    #: Whether suggestions still being evaluated are shown to the algorithm as finished with
    #: the worst loss seen so far (a constant liar; hyperopt's own TPE ignores running trials,
    #: so parallel workers would all propose near the same point).
    constant_liar = False

    def __init__(self, space: Space, seed: int, budget: Budget, fidelity: Fidelity | None = None) -> None:
        super().__init__(space, seed, budget, fidelity)
        self.check_compatible(space, fidelity)
        import hyperopt

        self._hyperopt = hyperopt
        self._expr = _hyperopt_space.to_hyperopt(space)
        # The objective is never called: the runner evaluates, hyperopt only proposes.
        self._domain = hyperopt.Domain(lambda config: 0.0, self._expr)
        self._trials = hyperopt.Trials()
        self._rstate = np.random.default_rng(self.seed)
        self._docs: dict[int, dict] = {}

    @classmethod
    def check_compatible(cls, space: Space, fidelity: Fidelity | None) -> None:
        """Refuse spaces hyperopt cannot express (a Float parent of a condition)."""
        super().check_compatible(space, fidelity)
        reason = _hyperopt_space.unsupported_reason(space)
        if reason:
            raise StrategyError(f"Strategy '{cls.name}' cannot translate this space to hyperopt: {reason}.")

    def _algorithm(self) -> Callable[..., list]:
        raise NotImplementedError

    def ask(self, n: int, pending: Sequence[Suggestion] = ()) -> list[Suggestion]:
        """Propose ``n`` configs, one ``suggest`` call each.

        Suggestions not yet told (``pending`` from parallel workers, and earlier members of
        this batch) count as unfinished, or as constant lies where ``constant_liar`` is set.
        """
        out = []
        for _ in range(n):
            new_ids = self._trials.new_trial_ids(1)
            self._trials.refresh()
            with self._lies():
                docs = self._algorithm()(new_ids, self._domain, self._trials, self._rstate.integers(2**31 - 1))
            self._trials.insert_trial_docs(docs)
            self._trials.refresh()
            doc = docs[0]
            self._docs[doc["tid"]] = doc
            vals = {label: v[0] for label, v in doc["misc"]["vals"].items() if v}
            sample = self._hyperopt.space_eval(self._expr, vals)
            out.append(Suggestion(_hyperopt_space.from_hyperopt(self.space, sample), tag=doc["tid"]))
        return out

    @contextlib.contextmanager
    def _lies(self):
        """Show pending documents as done with the worst loss so far, for one ``suggest``."""
        base = self._hyperopt.base
        losses = [d["result"]["loss"] for d in self._trials.trials
                  if d["state"] == base.JOB_STATE_DONE and d["result"].get("status") == base.STATUS_OK]
        lied = list(self._docs.values()) if self.constant_liar and losses else []
        saved = [(doc["result"], doc["state"]) for doc in lied]
        for doc in lied:
            doc["result"] = {"loss": max(losses), "status": base.STATUS_OK}
            doc["state"] = base.JOB_STATE_DONE
        if lied:
            self._trials.refresh()
        try:
            yield
        finally:
            for doc, (result, state) in zip(lied, saved):
                doc["result"], doc["state"] = result, state
            if lied:
                self._trials.refresh()

    def tell(self, trials: Sequence[Trial]) -> None:
        """Mark the matching hyperopt documents done (failed ones as ``STATUS_FAIL``)."""
        base = self._hyperopt.base
        for trial in trials:
            doc = self._docs.pop(trial.tag)
            if trial.status is Status.OK:
                doc["result"] = {"loss": float(trial.value), "status": base.STATUS_OK}
            else:
                doc["result"] = {"status": base.STATUS_FAIL}
            doc["state"] = base.JOB_STATE_DONE
        self._trials.refresh()


@strategy("tpe")
class HyperoptTPE(_HyperoptStrategy):
    """hyperopt's Tree-structured Parzen Estimator (``hyperopt.tpe.suggest``).

    Parameters
    ----------
    n_startup_jobs : int
        Random suggestions before TPE starts modelling (hyperopt's default 20).
    n_EI_candidates : int
        Candidates drawn from the good density, scored by expected improvement.
    gamma : float
        Fraction of observations forming the "good" density.
    prior_weight : float
        Weight of the prior in the Parzen estimators.

    With parallel workers, suggestions still being evaluated are shown to TPE as finished
    with the worst loss so far (a constant liar, as Optuna's ``constant_liar`` option), so
    workers spread out instead of proposing near the same point.
    """

    name = "tpe"
    constant_liar = True

    def __init__(self, space: Space, seed: int, budget: Budget, fidelity: Fidelity | None = None, *,
                 n_startup_jobs: int = 20, n_EI_candidates: int = 24, gamma: float = 0.25,
                 prior_weight: float = 1.0) -> None:
        super().__init__(space, seed, budget, fidelity)
        from hyperopt import tpe

        self._suggest = partial(tpe.suggest, n_startup_jobs=n_startup_jobs, n_EI_candidates=n_EI_candidates,
                                gamma=gamma, prior_weight=prior_weight, verbose=False)

    def _algorithm(self) -> Callable[..., list]:
        return self._suggest


@strategy("hyperopt-random")
class HyperoptRandom(_HyperoptStrategy):
    """hyperopt's random search (``hyperopt.rand.suggest``) over the translated space."""

    name = "hyperopt-random"
    max_batch = None  # suggestions never depend on results

    def _algorithm(self) -> Callable[..., list]:
        from hyperopt import rand

        return rand.suggest


@strategy("hyperopt-anneal")
class HyperoptAnneal(_HyperoptStrategy):
    """hyperopt's simulated-annealing-style search (``hyperopt.anneal.suggest``).

    Parameters
    ----------
    avg_best_idx : float
        Mean (geometric distribution) rank of the past trial to perturb; 2.0 is hyperopt's default.
    shrink_coef : float
        Rate at which the perturbation width shrinks with the number of trials.
    """

    name = "hyperopt-anneal"

    def __init__(self, space: Space, seed: int, budget: Budget, fidelity: Fidelity | None = None, *,
                 avg_best_idx: float = 2.0, shrink_coef: float = 0.1) -> None:
        super().__init__(space, seed, budget, fidelity)
        self._options: dict[str, Any] = {"avg_best_idx": avg_best_idx, "shrink_coef": shrink_coef}

    def _algorithm(self) -> Callable[..., list]:
        from hyperopt import anneal

        return partial(anneal.suggest, **self._options)
