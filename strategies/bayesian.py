"""Bayesian optimisation with a Gaussian process (Matern-5/2 ARD, MAP hyperparameters).

The reference model-based strategy of the harness, built on numpy/scipy only:

1. A seeded initial design (scrambled Sobol, ``n_initial`` points).
2. Every ask after that: standardise the observed values around the *worst* one (a constant
   prior mean at the worst observation, De Ath, Fieldsend & Everson 2020: unexplored regions
   are not presumed better than average, which stops log EI from spending evaluations on the
   corners of the cube), fit the GP hyperparameters by
   maximising the log marginal likelihood plus Optuna's hyperpriors (:mod:`strategies._gp`;
   noise variance >= 1e-8, so deterministic functions are resolved to ~1e-6 regret), and
   maximise log expected improvement (or a confidence bound) over valid points of the space
   (:mod:`strategies._gp_search`: Sobol candidates, perturbations of the best points, then
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

import contextlib
import dataclasses
import math
import warnings
from typing import Sequence

import numpy as np
from scipy.stats import qmc

from harness.protocols import Budget, Fidelity, Strategy, StrategyError, Suggestion, Trial
from harness.registry import strategy
from harness.space import Space

from ._gp import GPFitError, GPHyperPrior, GaussianProcess, fit_gp
from ._gp_acquisition import log_expected_improvement, lower_confidence_bound
from ._gp_search import FeatureMap, _perturb, maximise_acquisition

__all__ = ["BayesianOptimization"]


def _single_thread_blas():
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # threadpoolctl comes with scikit-learn; without it, run as is
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


_ACQUISITIONS = ("logei", "ucb")
_PRIOR_MEANS = ("worst", "mean")
_BATCH_MODES = ("kriging-believer", "constant-liar")


@strategy("bayesian")
class BayesianOptimization(Strategy):
    """Gaussian-process Bayesian optimisation (Matern-5/2 ARD kernel, log EI).

    Parameters
    ----------
    space, seed, budget, fidelity
        As for every strategy; the fidelity is ignored (suggestions are at full fidelity).
    n_initial : int or None
        Size of the Sobol initial design; ``None`` gives ``min(max(d + 1, 5), budget / 4)``
        (at least 2), d the number of parameters.
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

    supports_conditionals = True
    supports_mixed = True
    #: The runner asks ``max_batch`` points at a time; sequential BO is the most
    #: sample-efficient, so 1 unless ``batch_size`` says otherwise (set per instance).
    max_batch = 1

    def __init__(
        self,
        space: Space,
        seed: int,
        budget: Budget,
        fidelity: Fidelity | None = None,
        *,
        n_initial: int | None = None,
        acquisition: str = "logei",
        ucb_kappa: float = 2.0,
        batch_mode: str = "kriging-believer",
        n_candidates: int = 2048,
        n_local: int = 10,
        fit_restarts: int = 2,
        noise_floor: float = 1e-8,
        batch_size: int = 1,
        lengthscale_prior: float = 1.0,
        lengthscale_max: float = 100.0,
        thompson_every: int = 3,
        thompson_candidates: int = 1024,
        prior_mean: str = "worst",
        restart_ei: float = 3e-5,
        restart_patience: int = 3,
    ) -> None:
        super().__init__(space, seed, budget, fidelity)
        if acquisition not in _ACQUISITIONS:
            raise StrategyError(f"The 'acquisition' parameter of 'bayesian' must be one of {_ACQUISITIONS}. Got {acquisition!r}.")
        if batch_mode not in _BATCH_MODES:
            raise StrategyError(f"The 'batch_mode' parameter of 'bayesian' must be one of {_BATCH_MODES}. Got {batch_mode!r}.")
        if not 0 < noise_floor < 1:
            raise StrategyError(f"The 'noise_floor' parameter of 'bayesian' must be in (0, 1). Got {noise_floor!r}.")
        d = len(space.params)
        amount = budget.max_evaluations or int(budget.amount)
        if n_initial is None:
            n_initial = max(2, min(max(d + 1, 5), amount // 4))
        if isinstance(n_initial, bool) or not isinstance(n_initial, (int, np.integer)) or n_initial < 1:
            raise StrategyError(f"The 'n_initial' parameter of 'bayesian' must be an integer >= 1. Got {n_initial!r}.")
        self.n_initial = int(n_initial)
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise StrategyError(f"The 'batch_size' parameter of 'bayesian' must be an integer >= 1. Got {batch_size!r}.")
        self.max_batch = int(batch_size)
        self.acquisition = acquisition
        self.ucb_kappa = float(ucb_kappa)
        self.batch_mode = batch_mode
        self.n_candidates = int(n_candidates)
        self.n_local = int(n_local)
        self.fit_restarts = int(fit_restarts)
        if not 5e-3 < lengthscale_max:
            raise StrategyError(f"The 'lengthscale_max' parameter of 'bayesian' must be > 5e-3. Got {lengthscale_max!r}.")
        if isinstance(thompson_every, bool) or not isinstance(thompson_every, (int, np.integer)) or thompson_every < 0:
            raise StrategyError(f"The 'thompson_every' parameter of 'bayesian' must be an integer >= 0. Got {thompson_every!r}.")
        self.thompson_every = int(thompson_every)
        self.thompson_candidates = int(thompson_candidates)
        if prior_mean not in _PRIOR_MEANS:
            raise StrategyError(f"The 'prior_mean' parameter of 'bayesian' must be one of {_PRIOR_MEANS}. Got {prior_mean!r}.")
        self.prior_mean = prior_mean
        if not 0 <= restart_ei < 1:
            raise StrategyError(f"The 'restart_ei' parameter of 'bayesian' must be in [0, 1). Got {restart_ei!r}.")
        self.restart_ei = float(restart_ei)
        if isinstance(restart_patience, bool) or not isinstance(restart_patience, (int, np.integer)) or restart_patience < 1:
            raise StrategyError(f"The 'restart_patience' parameter of 'bayesian' must be an integer >= 1. Got {restart_patience!r}.")
        self.restart_patience = int(restart_patience)
        self.prior = GPHyperPrior(noise_floor=float(noise_floor), lengthscale_mode=float(lengthscale_prior),
                                  lengthscale_bounds=(5e-3, float(lengthscale_max)))
        self.fmap = FeatureMap(space)
        design_seed, self._search_seed = np.random.SeedSequence(self.seed).spawn(2)
        self._design = qmc.Sobol(d, scramble=True, seed=np.random.default_rng(design_seed))
        self._rng = np.random.default_rng(self._search_seed)
        self._asked = 0
        self._observed: list[tuple[np.ndarray, float]] = []  # canonical unit, value (nan = failed)
        self._pending: dict[str, np.ndarray] = {}  # tag -> canonical unit
        self._theta: np.ndarray | None = None
        self._model_asks = 0
        self._episode_start = 0  # index in _observed where the current episode began
        self._converged_asks = 0  # consecutive log-EI suggestions below restart_ei
        #: Number of observations at each restart (one entry per restart).
        self.restarts: list[int] = []
        #: One entry per model-based ask: what happened in the fit (for inspection and tests).
        self.fit_log: list[dict] = []

    # -- protocol ---------------------------------------------------------------------------
    def ask(self, n: int, pending: Sequence[Suggestion] = ()) -> list[Suggestion]:
        """Propose ``n`` configs: the initial design first, then GP suggestions.

        Suggestions still being evaluated (``pending``, from parallel workers, and earlier
        members of this batch) are fantasised as data by ``batch_mode`` (kriging believer or
        constant liar); the strategy tracks them itself by tag, so ``pending`` only confirms
        what it already knows.
        """
        # The matrices are small (n <= a few hundred): multi-threaded BLAS only adds
        # synchronisation, which costs 10x on a loaded machine, so one thread is used.
        with _single_thread_blas():
            return self._ask(n)

    def _ask(self, n: int) -> list[Suggestion]:
        out: list[Suggestion] = []
        if self._converged_asks >= self.restart_patience:  # only counts up when restart_ei > 0
            self._restart()
        # The design runs until n_initial points of the episode are observed or pending (points
        # told from elsewhere count too); the model needs two finite values, so failures prolong it.
        while len(out) < n and (len(self._episode()) + len(self._pending) < self.n_initial or self._n_usable() < 2):
            with warnings.catch_warnings():
                # Sobol warns when drawn one at a time; the first n of a scrambled sequence
                # are still well spread.
                warnings.simplefilter("ignore", UserWarning)
                point = self._design.random(1)
            out.append(self._suggest(point, "restart" if self.restarts else "init"))
        if len(out) < n:
            out.extend(self._model_batch(n - len(out)))
        return out

    def tell(self, trials: Sequence[Trial]) -> None:
        """Record finished trials; failed ones (nan value) are kept as failures."""
        for trial in trials:
            if isinstance(trial.tag, str):
                self._pending.pop(trial.tag, None)
            unit = self.space.encode([trial.config])[0]
            value = float(trial.value) if trial.ok and trial.value is not None else math.nan
            self._observed.append((unit, value if math.isfinite(value) else math.nan))

    # -- internals --------------------------------------------------------------------------
    def _suggest(self, raw: np.ndarray, source: str) -> Suggestion:
        raw = np.clip(np.asarray(raw, dtype=float).reshape(1, -1), 0.0, 1.0)
        config = self.space.decode(raw)[0]
        tag = f"bayesian:{source}:{self._asked}"
        self._asked += 1
        self._pending[tag] = self.space.encode([config])[0]
        return Suggestion(config=config, tag=tag)

    def _episode(self) -> list[tuple[np.ndarray, float]]:
        """Observations since the last restart: the only data the model sees."""
        return self._observed[self._episode_start:]

    def _restart(self) -> None:
        # The Sobol design continues where it stopped, so the new episode's design fills the
        # cube away from the first points, and the next fit starts from fresh hyperparameters.
        self.restarts.append(len(self._observed))
        self._episode_start = len(self._observed)
        self._converged_asks = 0
        self._theta = None

    def _n_usable(self) -> int:
        return sum(math.isfinite(v) for _, v in self._episode())

    def _training_data(self) -> tuple[np.ndarray, np.ndarray, float, float]:
        episode = self._episode()
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
                gp, info = fit_gp(x, y, prior=prior, rng=self._rng, warm_start=self._theta, restarts=self.fit_restarts)
            except (GPFitError, np.linalg.LinAlgError, ValueError) as exc:
                self.fit_log.append({"n": len(y), "error": str(exc), "noise_floor": floor})
                continue
            self._theta = info["theta"]
            self.fit_log.append({"n": len(y), "theta": info["theta"].tolist(), "nlp": info["nlp"], "noise_floor": floor,
                                 "evaluations": info["evaluations"]})
            return gp, "" if attempt == 0 else f"noise-floor-{floor:g}"
        return None, "gp-fit-failed"

    def _model_batch(self, n: int) -> list[Suggestion]:
        x, y, _, _ = self._training_data()
        gp, note = self._fit(x, y)
        out: list[Suggestion] = []
        if gp is None:
            for _ in range(n):
                out.append(self._suggest(self._rng.random(self.fmap.dim), f"random-fallback:{note}"))
            return out
        # Suggestions not yet told (from earlier asks or this one) are fantasised as data.
        pending = [u for u in self._pending.values()]
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
                out.append(self._suggest(raw, "ts" + (f"({note})" if note else "")))
                pending.append(self._pending[out[-1].tag])
                continue
            raw, best_acquisition = maximise_acquisition(
                self._acquisition_fn(model, best),
                self.fmap,
                self._rng,
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
            suggestion = self._suggest(raw, source)
            out.append(suggestion)
            pending.append(self._pending[suggestion.tag])
        return out

    def _thompson_draw(self, gp: GaussianProcess) -> np.ndarray:
        # Candidates over the whole cube (Sobol) and around the incumbents, so the draw can
        # both jump to another basin and refine the current one.
        d = self.fmap.dim
        m = int(np.ceil(np.log2(max(self.thompson_candidates, 2))))
        sobol = qmc.Sobol(d, scramble=True, seed=self._rng).random_base2(m)
        local = _perturb(self._incumbents(), self.fmap, self._rng, max(sobol.shape[0] // 4, 16))
        raw = np.vstack([sobol, local])
        draw = gp.sample(self.fmap.features(self.fmap.canonical(raw)), self._rng)
        return raw[int(np.argmin(draw))]

    def _fantasy(self, gp: GaussianProcess, fx: np.ndarray, y: np.ndarray) -> np.ndarray:
        if self.batch_mode == "constant-liar":
            return np.full(fx.shape[0], float(y.max()))
        return gp.predict(fx)[0]

    def _incumbents(self, k: int = 5) -> np.ndarray:
        usable = [(v, u) for u, v in self._episode() if math.isfinite(v)]
        usable.sort(key=lambda item: item[0])
        units = np.array([u for _, u in usable[:k]]).reshape(-1, self.fmap.dim)
        return self.fmap.raw_from_unit(units, self._rng)

    def _acquisition_fn(self, gp: GaussianProcess, best: float):
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
