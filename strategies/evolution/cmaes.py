"""CMA-ES, in-house on numpy: the (mu/mu_w, lambda)-CMA-ES with restarts (optionally IPOP).

Reference: N. Hansen, "The CMA Evolution Strategy: A Tutorial", arXiv:1604.00772 (2016);
every default and update below follows its Table 1 and Section 4 ("the basic equation"
numbers are cited inline). IPOP restarts: A. Auger and N. Hansen, "A Restart CMA Evolution
Strategy With Increasing Population Size", CEC 2005. The ``cma`` package is not used.
"""

from __future__ import annotations

import math

import numpy as np

from harness.protocols import Budget, Fidelity
from harness.registry import strategy
from harness.space import Space
from harness.validation import Interval, Options, check_parameters
from harness.variants import variant

from .base import GenerationalStrategy

_RESTARTS = ("ipop", "random", "none")


@strategy("cmaes")
class CMAES(GenerationalStrategy):
    """Covariance matrix adaptation evolution strategy in the unit cube of the space.

    Search space: one coordinate per parameter in ``[0, 1]`` (``space.encode``). Integer and
    categorical parameters are searched as continuous coordinates and the decode *rounds*
    them to their cell (categoricals in declaration order, which is arbitrary, so CMA-ES is
    weak on nominal parameters). Coordinates of inactive conditional parameters are sampled
    and adapted like the others and ignored by the decode.

    Boundary handling (tutorial, Appendix B, "repair and penalise"): a sample ``x`` outside
    the cube is evaluated at its projection ``clip(x, 0, 1)``; for ranking its fitness gets
    the penalty ``spread * ||x - clip(x)||^2 / sigma^2``, where ``spread`` is the range of
    the generation's finite values, so a violation of about one step size costs about the
    generation's spread of fitness. The unrepaired ``x`` enters the update. Failed trials
    rank worst.

    Restarts: when the distribution has collapsed (``sigma * max sqrt(eig C) < tol_x``), the
    recent best values stagnate (range below ``tol_fun`` over ``10 + 30 d / lambda``
    generations) or ``C`` is ill-conditioned (``> 1e14``), a new run starts at a uniform
    random mean with ``sigma0``; with ``restarts="ipop"`` its population doubles each time
    (at most ``2**max_doublings`` times the default). A flat generation (all values equal,
    e.g. on an integer plateau) widens ``sigma`` as the tutorial advises instead.

    Parameters
    ----------
    sigma0 : float
        Initial step size in the unit cube (0.3: the optimum is expected within about
        ``3 sigma0`` of a uniform random start).
    population : int or None
        ``lambda``; ``None`` uses ``4 + floor(3 ln d)`` (tutorial Table 1).
    restarts : {"ipop", "random", "none"}
        Restart policy when the search stalls.
    tol_x, tol_fun : float
        Stopping tolerances that trigger a restart.
    max_doublings : int
        Cap on IPOP population doublings.
    active : bool
        The active covariance update (tutorial Table 1 and eq. 46-47): the worst samples get
        negative recombination weights in the rank-mu update, which shrinks variance in bad
        directions. The default, as in pycma (``CMA_active=True``) and the tutorial; on the
        development problems it is no worse than without (``bench/bench_gradient_evolutionary.py``).
        ``cmaes-passive`` presets ``False`` (positive weights only, this strategy's default
        before it became active). A parameter, so the default is part of a run's id and
        stored runs of the other update are never reused.
    """

    supports_conditionals = True
    supports_mixed = True

    def __init__(self, space: Space, seed: int, budget: Budget, fidelity: Fidelity | None = None, *,
                 sigma0: float = 0.3, population: int | None = None, restarts: str = "ipop",
                 tol_x: float = 1e-11, tol_fun: float = 1e-12, max_doublings: int = 8,
                 active: bool = True) -> None:
        super().__init__(space, seed, budget, fidelity)
        check_parameters(f"strategy '{self.name}'", {
            "sigma0": Interval(float, 0, None, closed="neither"), "population": Interval(int, 2, None, none=True),
            "restarts": Options(*_RESTARTS), "tol_x": Interval(float, 0, None), "tol_fun": Interval(float, 0, None),
            "max_doublings": Interval(int, 0, None), "active": Options(True, False),
        }, sigma0=sigma0, population=population, restarts=restarts, tol_x=tol_x, tol_fun=tol_fun,
            max_doublings=max_doublings, active=active)
        self.active = active
        self.sigma0 = float(sigma0)
        self.base_population = population or 4 + int(math.floor(3 * math.log(self.dim)))
        self.restarts = restarts
        self.tol_x, self.tol_fun = float(tol_x), float(tol_fun)
        self.max_doublings = int(max_doublings)
        self.n_restarts = 0
        self.max_batch = self.base_population
        self._reset(self.rng.random(self.dim), self.base_population)

    # -- state ------------------------------------------------------------------------------
    def _reset(self, mean: np.ndarray, lam: int) -> None:
        """Start a fresh CMA-ES run: strategy parameters from the tutorial's Table 1."""
        n = self.dim
        self.lam = lam
        self.mu = lam // 2
        raw_all = math.log((lam + 1) / 2) - np.log(np.arange(1, lam + 1))
        raw = raw_all[: self.mu]
        self.weights = raw / raw.sum()
        self.mu_eff = 1.0 / np.sum(self.weights**2)
        mu_eff = self.mu_eff
        self.c_sigma = (mu_eff + 2) / (n + mu_eff + 5)
        self.d_sigma = 1 + 2 * max(0.0, math.sqrt((mu_eff - 1) / (n + 1)) - 1) + self.c_sigma
        self.c_c = (4 + mu_eff / n) / (n + 4 + 2 * mu_eff / n)
        self.c_1 = 2 / ((n + 1.3) ** 2 + mu_eff)
        self.c_mu = min(1 - self.c_1, 2 * (mu_eff - 2 + 1 / mu_eff) / ((n + 2) ** 2 + mu_eff))
        # Negative weights of the worst ranks, scaled by the smallest of Table 1's three
        # alphas (the last keeps C positive definite).
        negative = raw_all[raw_all < 0] if self.active else np.zeros(0)
        if negative.size and self.c_mu > 0:
            mu_eff_neg = negative.sum() ** 2 / np.sum(negative**2)
            alpha = min(1 + self.c_1 / self.c_mu, 1 + 2 * mu_eff_neg / (mu_eff + 2),
                        (1 - self.c_1 - self.c_mu) / (n * self.c_mu))
            self.negative_weights = alpha * negative / np.abs(negative).sum()
        else:
            self.negative_weights = np.zeros(0)
        self.chi_n = math.sqrt(n) * (1 - 1 / (4 * n) + 1 / (21 * n * n))  # E||N(0, I)||
        self.mean = np.asarray(mean, dtype=float)
        self.sigma = self.sigma0
        self.cov = np.eye(n)
        self.eig_vectors = np.eye(n)
        self.eig_values = np.ones(n)  # the D of the tutorial: square roots of C's eigenvalues
        self.p_sigma = np.zeros(n)
        self.p_c = np.zeros(n)
        self.run_generation = 0
        self.best_history: list[float] = []

    def _sample(self, count: int) -> np.ndarray:
        """``count`` samples of ``N(m, sigma^2 C)`` (tutorial eq. 38-40)."""
        z = self.rng.standard_normal((count, self.dim))
        y = (z * self.eig_values) @ self.eig_vectors.T
        return self.mean + self.sigma * y

    # -- generations ------------------------------------------------------------------------
    def first_generation(self) -> np.ndarray:
        return self._sample(self.lam)

    def extra_genotype(self) -> np.ndarray:
        return self._sample(1)[0]

    def next_generation(self, genotypes: np.ndarray, values: np.ndarray) -> np.ndarray:
        ranked = self._penalised(genotypes, values)
        finite = values[np.isfinite(values)]
        if finite.size == len(values) and np.ptp(finite) == 0:
            # Flat fitness: no ranking information, so widen the search (tutorial, Sec. B.3).
            self.sigma *= math.exp(0.2 + self.c_sigma / self.d_sigma)
        else:
            order = np.argsort(ranked, kind="stable")
            k = len(self.negative_weights)
            # Negative weights need the full ranked generation (the worst k samples).
            worst = genotypes[order[len(order) - k:]] if k and len(order) == self.lam else None
            self._update(genotypes[order[: self.mu]], worst)
        if finite.size:
            self.best_history.append(float(finite.min()))
        if self._stalled():
            self._restart()
        return self._sample(self.lam)

    def _penalised(self, genotypes: np.ndarray, values: np.ndarray) -> np.ndarray:
        finite = values[np.isfinite(values)]
        spread = float(np.ptp(finite)) if finite.size > 1 else 0.0
        spread = spread if spread > 0 else 1.0
        violation = np.sum((genotypes - np.clip(genotypes, 0.0, 1.0)) ** 2, axis=1)
        return values + spread * violation / self.sigma**2

    def _update(self, best: np.ndarray, worst: np.ndarray | None = None) -> None:
        """One CMA-ES update from the ``mu`` best samples, best first (tutorial eq. 41-47),
        and with ``active``, the ``worst`` samples in rank order (negative weights)."""
        n = self.dim
        w = self.weights[: len(best)] / self.weights[: len(best)].sum()
        y = (best - self.mean) / self.sigma
        y_w = w @ y
        old_mean = self.mean
        self.mean = self.mean + self.sigma * y_w  # c_m = 1
        inv_sqrt = (self.eig_vectors / self.eig_values) @ self.eig_vectors.T  # C^{-1/2}
        self.p_sigma = (1 - self.c_sigma) * self.p_sigma + math.sqrt(
            self.c_sigma * (2 - self.c_sigma) * self.mu_eff) * (inv_sqrt @ y_w)
        self.run_generation += 1
        norm_ps = float(np.linalg.norm(self.p_sigma))
        h_sigma = norm_ps / math.sqrt(1 - (1 - self.c_sigma) ** (2 * self.run_generation)) < (
            1.4 + 2 / (n + 1)) * self.chi_n
        self.p_c = (1 - self.c_c) * self.p_c + h_sigma * math.sqrt(
            self.c_c * (2 - self.c_c) * self.mu_eff) * y_w
        delta_h = (1 - h_sigma) * self.c_c * (2 - self.c_c)
        rank_mu = (y.T * w) @ y
        weight_sum = 1.0
        if worst is not None:
            y_neg = (worst - old_mean) / self.sigma
            # w_i o = w_i * n / ||C^{-1/2} y_i||^2 for negative weights (tutorial eq. 46).
            scaled = self.negative_weights * n / np.maximum(np.sum((y_neg @ inv_sqrt) ** 2, axis=1), 1e-300)
            rank_mu = rank_mu + (y_neg.T * scaled) @ y_neg
            weight_sum += float(self.negative_weights.sum())
        self.cov = ((1 + self.c_1 * delta_h - self.c_1 - self.c_mu * weight_sum) * self.cov
                    + self.c_1 * np.outer(self.p_c, self.p_c) + self.c_mu * rank_mu)
        self.sigma *= math.exp(self.c_sigma / self.d_sigma * (norm_ps / self.chi_n - 1))
        self.cov = (self.cov + self.cov.T) / 2
        eigenvalues, self.eig_vectors = np.linalg.eigh(self.cov)
        self.eig_values = np.sqrt(np.maximum(eigenvalues, 1e-300))

    def _stalled(self) -> bool:
        if self.sigma * self.eig_values.max() < self.tol_x:
            return True
        if self.eig_values.max() ** 2 > 1e14 * self.eig_values.min() ** 2:
            return True
        window = 10 + int(math.ceil(30 * self.dim / self.lam))
        recent = self.best_history[-window:]
        return len(recent) == window and max(recent) - min(recent) < self.tol_fun

    def _restart(self) -> None:
        if self.restarts == "none":
            return
        self.n_restarts += 1
        lam = self.lam
        if self.restarts == "ipop" and self.n_restarts <= self.max_doublings:
            lam = 2 * self.lam
        self._reset(self.rng.random(self.dim), lam)


PassiveCMAES = variant(
    "cmaes-passive", CMAES,
    """The in-house CMA-ES without the active covariance update: positive recombination
    weights only (the tutorial's basic rank-mu update), as ``cmaes`` was before the active
    update became its default.""",
    active=False,
)
