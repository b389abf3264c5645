"""Bayesian optimisation with a Gaussian process (Matern-5/2 ARD, MAP hyperparameters).

The reference model-based strategy of the harness, built on numpy/scipy only:

1. A seeded initial design (scrambled Sobol, ``n_initial`` points).
2. Every ask after that: standardise the observed values around the *worst* one (a constant
   prior mean at the worst observation, De Ath, Fieldsend & Everson 2020: unexplored regions
   are not presumed better than average, which stops log EI from spending evaluations on the
   corners of the cube), fit the GP hyperparameters by
   maximising the log marginal likelihood plus Optuna's hyperpriors (:mod:`strategies.bayesian.model`;
   noise variance >= 1e-8, so deterministic functions are resolved to ~1e-6 regret), and
   maximise log expected improvement (or a confidence bound) over valid points of the space
   (:mod:`strategies.bayesian.search`: Sobol candidates, perturbations of the best points, then
   L-BFGS-B and discrete neighbour moves from the best candidate, the incumbent and a
   roulette draw of the rest).
   Every third model-based suggestion is instead a Thompson-sampling draw (the minimiser of
   one joint posterior sample over Sobol points of the whole cube and around the incumbents),
   which hedges log EI's trust in an over-confident model (``thompson_every``).
3. Restarts: once log EI's maximum stays below ``restart_ei`` (expected improvement in units
   of the observed values' standard deviation) for ``restart_patience`` consecutive
   suggestions, the model has nothing left to gain in the basin it converged to. Later
   suggestions then come from a fresh *episode*: a new stretch of the Sobol design, then a
   model fitted only to the episode's own observations (the restart of TuRBO, Eriksson et al.
   2019). Without it, a run whose first basin is a local minimum (Hartmann-6's at -3.20)
   spends the rest of its budget re-evaluating that minimum.
4. ``ask(n > 1)`` and asks while earlier suggestions are still pending use the *kriging
   believer* (each chosen point is added to the data at its posterior mean before choosing
   the next) or a *constant liar* (at the worst observed value).

Failed trials (``nan`` values) are kept as data at the *worst* observed value, so the model
learns to avoid the region where the objective fails; before any finite value exists they are
left out. If the GP cannot be fitted (a kernel matrix singular even with jitter), the fit is
retried with a noise floor of 1e-4 and then 1e-2; if that fails too, the suggestion is a
uniform random point and its tag says so (``"bayesian:random-fallback:..."``). Tags name the
source of every suggestion: ``init``, ``logei``/``ucb``, ``ts`` (Thompson draws), ``*-believer``/``*-liar`` for batch
members, ``restart`` (the design of an episode after a restart), or ``random-fallback``.

Deterministic for a seed: the design and the search draw from streams spawned from
``seed``; ``ask`` runs BLAS on one thread (faster for these small matrices, and the same
floating-point reductions on every machine load).

References: Jones, Schonlau & Welch (1998), *Efficient Global Optimization*; Snoek, Larochelle
& Adams (2012), *Practical Bayesian Optimization of Machine Learning Algorithms*; Ament et al.
(2023) for log EI; Thompson (1933), Russo & Van Roy (2014) and Hoffman, Brochu & de Freitas
(2011, GP-Hedge) for Thompson draws in a portfolio; Ginsbourger, Le Riche & Carraro (2010) for kriging believer/constant liar;
De Ath, Fieldsend & Everson (2020), *What do you mean? The role of the mean function in Bayesian
optimisation* (GECCO) for the prior mean; Eriksson et al. (2019), *Scalable global optimization
via local Bayesian optimization* (NeurIPS, TuRBO) for restarts.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
from scipy.stats import qmc

from harness.protocols import Budget, Fidelity, Suggestion
from harness.registry import strategy
from harness.space import Space
from harness.validation import Interval, Options, check_parameters

from .acquisition import log_expected_improvement, lower_confidence_bound
from .base import ModelBasedStrategy
from .model import GPFitError, GPHyperPrior, GaussianProcess, fit_gp
from .search import FeatureMap, maximise_acquisition, perturb_incumbents

__all__ = ["BayesianOptimization"]


_ACQUISITIONS = ("logei", "ucb")
_PRIOR_MEANS = ("worst", "mean")
_BATCH_MODES = ("kriging-believer", "constant-liar")


@strategy("bayesian")
class BayesianOptimization(ModelBasedStrategy):
    """Gaussian-process Bayesian optimisation (Matern-5/2 ARD kernel, log EI).

    Parameters
    ----------
    space, seed, budget, fidelity, n_initial
        As for :class:`~strategies.bayesian.base.ModelBasedStrategy` (the fidelity is ignored;
        ``n_initial`` Sobol points first, by default ``min(max(d + 1, 5), budget / 4)``, >= 2).
    acquisition : {"logei", "ucb"}
        Log expected improvement (Ament et al. 2023) or the lower confidence bound
        ``mean - ucb_kappa * std``.
    ucb_kappa : float
        Exploration weight of ``"ucb"``.
    batch_mode : {"kriging-believer", "constant-liar"}
        How suggestions of one batch (and pending ones) are made to differ.
    n_candidates : int
        Sobol candidates per acquisition maximisation (plus a quarter as many around the best
        points), before local refinement.
    n_local : int
        Best candidates refined by L-BFGS-B and discrete neighbourhood moves.
    fit_restarts : int
        L-BFGS-B runs per hyperparameter fit: from the previous optimum, then from the best of
        16 screened random starts (ranked by their objective value, one Cholesky each).
    noise_floor : float
        Lower bound of the noise variance, relative to the standardised outputs' variance 1.
    lengthscale_prior : float
        Mode of the length-scale prior in the unit cube (1: Optuna's prior); smaller values
        make the model less sure that unexplored regions are flat.
    lengthscale_max : float
        Upper bound of every length scale in the unit cube (100: effectively none). A small
        bound keeps the model from declaring a dimension irrelevant; on Hartmann-6 it did not
        help (bench/bench_quality.py), so it is off by default.
    thompson_every : int
        Every ``thompson_every``-th model-based suggestion (0: never) is a Thompson-sampling
        draw instead of the log-EI maximiser: one joint posterior sample over
        ``thompson_candidates`` Sobol points of the whole cube plus a quarter as many around
        the incumbents, and its minimiser (Thompson 1933; Russo & Van Roy 2014; a portfolio
        of acquisitions in the spirit of GP-Hedge, Hoffman, Brochu & de Freitas 2011). EI
        trusts an over-confident model and stays in the first basin it finds; the draws
        sometimes land in other basins. On Hartmann-6 @100 it raised the fraction of seeds
        below 0.01 from 60% to 68% over 40 seeds with the mean prior and no restarts; with
        the defaults of ``prior_mean`` and ``restart_ei`` it makes no measurable difference
        there (38 of 40 seeds with the draws, 39 of 40 without).
    thompson_candidates : int
        Sobol candidates of a Thompson draw (rounded up to a power of two; cost ~ m^3).
    batch_size : int
        How many suggestions the runner should ask for at once (sets ``max_batch``). Any
        ``ask(n)`` is served (batch members via ``batch_mode``); 1 is the most sample-efficient.
    prior_mean : {"worst", "mean"}
        The GP's constant prior mean: the worst observed value (De Ath et al. 2020) or the
        mean of the observations (the textbook choice). With ``"mean"``, every evaluation in a
        good basin lowers the mean the model assumes for unexplored regions, so log EI sends
        evaluations to the cube's corners; on Hartmann-6 @100 ``"worst"`` took bench_quality's
        median regret from 1.1e-5 to 9.3e-7 (seeds 0-19, no restarts).
    restart_ei : float
        Restart threshold (0: never restart): a fresh episode begins once the maximum of
        expected improvement, in units of the standard deviation of the episode's observed
        values, stayed below it for ``restart_patience`` consecutive log-EI suggestions. Only
        the ``"logei"`` acquisition restarts. 3e-5 restarts after the incumbent has been
        refined to about 1e-5 regret on Branin and Hartmann-6 (bench/bench_quality.py).
    restart_patience : int
        Consecutive converged log-EI suggestions before a restart.
    """

    def __init__(self, space: Space, seed: int, budget: Budget, fidelity: Fidelity | None = None, *,
                 n_initial: int | None = None, acquisition: str = "logei", ucb_kappa: float = 2.0,
                 batch_mode: str = "kriging-believer", n_candidates: int = 2048, n_local: int = 10,
                 fit_restarts: int = 2, noise_floor: float = 1e-8, batch_size: int = 1,
                 lengthscale_prior: float = 1.0, lengthscale_max: float = 100.0, thompson_every: int = 3,
                 thompson_candidates: int = 1024, prior_mean: str = "worst", restart_ei: float = 3e-5,
                 restart_patience: int = 3) -> None:
        super().__init__(space, seed, budget, fidelity, n_initial=n_initial, batch_size=batch_size)
        count = Interval(int, 1, None)
        check_parameters(f"strategy '{self.name}'", {
            "acquisition": Options(*_ACQUISITIONS), "ucb_kappa": Interval(float, 0, None),
            "batch_mode": Options(*_BATCH_MODES), "n_candidates": count, "n_local": Interval(int, 0, None),
            "fit_restarts": Interval(int, 0, None), "noise_floor": Interval(float, 0, 1, closed="neither"),
            "lengthscale_prior": Interval(float, 0, None, closed="neither"),
            "lengthscale_max": Interval(float, 5e-3, None, closed="neither"),
            "thompson_every": Interval(int, 0, None), "thompson_candidates": count,
            "prior_mean": Options(*_PRIOR_MEANS), "restart_ei": Interval(float, 0, 1, closed="left"),
            "restart_patience": count,
        }, acquisition=acquisition, ucb_kappa=ucb_kappa, batch_mode=batch_mode, n_candidates=n_candidates,
            n_local=n_local, fit_restarts=fit_restarts, noise_floor=noise_floor, lengthscale_prior=lengthscale_prior,
            lengthscale_max=lengthscale_max, thompson_every=thompson_every, thompson_candidates=thompson_candidates,
            prior_mean=prior_mean, restart_ei=restart_ei, restart_patience=restart_patience)
        self.acquisition, self.ucb_kappa, self.batch_mode = acquisition, float(ucb_kappa), batch_mode
        self.n_candidates, self.n_local, self.fit_restarts = int(n_candidates), int(n_local), int(fit_restarts)
        self.thompson_every, self.thompson_candidates = int(thompson_every), int(thompson_candidates)
        self.prior_mean, self.restart_ei, self.restart_patience = prior_mean, float(restart_ei), int(restart_patience)
        self.prior = GPHyperPrior(noise_floor=float(noise_floor), lengthscale_mode=float(lengthscale_prior),
                                  lengthscale_bounds=(5e-3, float(lengthscale_max)))
        self.fmap = FeatureMap(space)
        self._theta: np.ndarray | None = None
        self._model_asks = 0
        self._converged_asks = 0  # consecutive log-EI suggestions below restart_ei
        #: One entry per model-based ask: what happened in the fit (for inspection and tests).
        self.fit_log: list[dict] = []

    # -- the model's side of the ask (see ModelBasedStrategy) ------------------------------
    def should_restart(self) -> bool:
        """A converged log EI: ``restart_patience`` suggestions below ``restart_ei`` in a row."""
        return self._converged_asks >= self.restart_patience  # only counts up when restart_ei > 0

    def restart(self) -> None:
        """A new episode, whose first fit starts from fresh hyperparameters."""
        super().restart()
        self._converged_asks = 0
        self._theta = None

    def _training_data(self) -> tuple[np.ndarray, np.ndarray, float, float]:
        episode = self.episode()
        units = np.array([u for u, _ in episode])
        values = np.array([v for _, v in episode])
        finite = np.isfinite(values)
        # Failures count as the worst value seen, which steers the search away from them.
        values = np.where(finite, values, values[finite].max())
        centre = float(values.max()) if self.prior_mean == "worst" else float(values.mean())
        std = float(values.std())
        std = std if std > 0 else 1.0
        return self.fmap.features(units), (values - centre) / std, centre, std

    def _fit(self, x: np.ndarray, y: np.ndarray) -> tuple[GaussianProcess | None, str]:
        floors = [self.prior.noise_floor] + [f for f in (1e-4, 1e-2) if f > self.prior.noise_floor]
        for attempt, floor in enumerate(floors):
            prior = self.prior if attempt == 0 else dataclasses.replace(self.prior, noise_floor=floor)
            try:
                gp, info = fit_gp(x, y, prior=prior, rng=self.search_rng, warm_start=self._theta, restarts=self.fit_restarts)
            except (GPFitError, np.linalg.LinAlgError, ValueError) as exc:
                self.fit_log.append({"n": len(y), "error": str(exc), "noise_floor": floor})
                continue
            self._theta = info["theta"]
            self.fit_log.append({"n": len(y), "theta": info["theta"].tolist(), "nlp": info["nlp"], "noise_floor": floor,
                                 "evaluations": info["evaluations"]})
            return gp, "" if attempt == 0 else f"noise-floor-{floor:g}"
        return None, "gp-fit-failed"

    def propose(self, n: int) -> list[Suggestion]:
        """``n`` GP suggestions; pending ones and earlier members of the batch are fantasised
        as data by ``batch_mode`` (kriging believer or constant liar)."""
        x, y, _, _ = self._training_data()
        gp, note = self._fit(x, y)
        out: list[Suggestion] = []
        if gp is None:
            for _ in range(n):
                out.append(self.suggest(self.search_rng.random(self.fmap.dim), f"random-fallback:{note}"))
            return out
        # Suggestions not yet told (from earlier asks or this one) are fantasised as data.
        pending = [u for u in self.pending_points.values()]
        theta = gp.theta
        y_best = float(y.min())
        base_x, base_y = x, y
        for k in range(n):
            if pending:
                fx = self.fmap.features(np.array(pending))
                fy = self._fantasy(gp, fx, y)
                try:
                    model = GaussianProcess(np.vstack([base_x, fx]), np.r_[base_y, fy], theta)
                except GPFitError:
                    model = gp
                best = min(y_best, float(fy.min()))
            else:
                model, best = gp, y_best
            self._model_asks += 1
            if self.thompson_every and not pending and self._model_asks % self.thompson_every == 0:
                raw = self._thompson_draw(model)
                out.append(self.suggest(raw, "ts" + (f"({note})" if note else "")))
                pending.append(self.pending_points[out[-1].tag])
                continue
            raw, best_acquisition = maximise_acquisition(
                self.acquisition_function(model, best),
                self.fmap,
                self.search_rng,
                self._incumbents(),
                n_candidates=self.n_candidates,
                n_local=self.n_local,
            )
            if not pending and self.acquisition == "logei":
                converged = self.restart_ei > 0 and best_acquisition < math.log(self.restart_ei)
                self._converged_asks = self._converged_asks + 1 if converged else 0
            source = self.acquisition + ("" if not pending else "-" + self.batch_mode.split("-")[1])
            if note:
                source += f"({note})"
            suggestion = self.suggest(raw, source)
            out.append(suggestion)
            pending.append(self.pending_points[suggestion.tag])
        return out

    def _thompson_draw(self, gp: GaussianProcess) -> np.ndarray:
        # Candidates over the whole cube (Sobol) and around the incumbents, so the draw can
        # both jump to another basin and refine the current one.
        d = self.fmap.dim
        m = int(np.ceil(np.log2(max(self.thompson_candidates, 2))))
        sobol = qmc.Sobol(d, scramble=True, seed=self.search_rng).random_base2(m)
        local = perturb_incumbents(self._incumbents(), self.fmap, self.search_rng, max(sobol.shape[0] // 4, 16))
        raw = np.vstack([sobol, local])
        draw = gp.sample(self.fmap.features(self.fmap.canonical(raw)), self.search_rng)
        return raw[int(np.argmin(draw))]

    def _fantasy(self, gp: GaussianProcess, fx: np.ndarray, y: np.ndarray) -> np.ndarray:
        if self.batch_mode == "constant-liar":
            return np.full(fx.shape[0], float(y.max()))
        return gp.predict(fx)[0]

    def _incumbents(self, k: int = 5) -> np.ndarray:
        usable = [(v, u) for u, v in self.episode() if math.isfinite(v)]
        usable.sort(key=lambda item: item[0])
        units = np.array([u for _, u in usable[:k]]).reshape(-1, self.fmap.dim)
        return self.fmap.raw_from_unit(units, self.search_rng)

    def acquisition_function(self, gp: GaussianProcess, best: float):
        """``acq(features, with_grad=False)`` to maximise: log EI below ``best`` or the negated
        lower confidence bound (``acquisition``). A subclass may return another acquisition of
        the same form (values ``(m,)``; with ``with_grad``, also gradients ``(m, p)``)."""
        kappa, use_ei = self.ucb_kappa, self.acquisition == "logei"

        def acq(features: np.ndarray, with_grad: bool = False):
            if not with_grad:
                mean, var = gp.predict(features)
                std = np.sqrt(var)
                value = (log_expected_improvement(mean, std, best) if use_ei else lower_confidence_bound(mean, std, kappa))[0]
                return value
            mean, var, dmean, dvar = gp.predict(features, with_grad=True)
            std = np.sqrt(var)
            value, g_mean, g_std = (
                log_expected_improvement(mean, std, best) if use_ei else lower_confidence_bound(mean, std, kappa)
            )
            grad = g_mean[:, None] * dmean + (g_std / (2.0 * std))[:, None] * dvar
            return value, grad

        return acq
