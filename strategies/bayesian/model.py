"""A Gaussian process with a Matern-5/2 ARD kernel, fitted by maximum a posteriori.

The model behind the ``bayesian`` strategy, in plain numpy/scipy so it can be read in one
sitting. Inputs live in the unit cube (one column per feature), outputs are standardised by
the caller. The hyperparameters are the log length scales (one per input column), the log
signal variance and the log noise variance; they maximise the log marginal likelihood plus
log priors (MAP, see :class:`GPHyperPrior`), with L-BFGS-B on analytic gradients and a few
restarts.

References: Rasmussen & Williams (2006), *Gaussian Processes for Machine Learning*, eqs. 4.17
(Matern-5/2), 5.8-5.9 (marginal likelihood and its gradient); the priors follow Optuna's
``GPSampler`` (Optuna 4/5, ``optuna/_gp/prior.py``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import linalg, optimize

__all__ = ["GPFitError", "GPHyperPrior", "GaussianProcess", "matern52", "fit_gp"]

_SQRT5 = math.sqrt(5.0)
_LOG_2PI = math.log(2.0 * math.pi)


class GPFitError(RuntimeError):
    """The kernel matrix could not be factorised even with added jitter."""


def matern52(xa: np.ndarray, xb: np.ndarray, lengthscales: np.ndarray, signal_var: float) -> np.ndarray:
    """Matern-5/2 ARD kernel matrix.

    ``k(x, x') = s2 (1 + sqrt5 r + 5/3 r^2) exp(-sqrt5 r)`` with
    ``r^2 = sum_i ((x_i - x'_i) / l_i)^2``.

    Parameters
    ----------
    xa : ndarray, shape (m, d)
    xb : ndarray, shape (n, d)
    lengthscales : ndarray, shape (d,)
    signal_var : float

    Returns
    -------
    ndarray, shape (m, n)
    """
    r = np.sqrt(_scaled_sqdist(xa / lengthscales, xb / lengthscales))
    return signal_var * (1.0 + _SQRT5 * r + (5.0 / 3.0) * r * r) * np.exp(-_SQRT5 * r)


def _scaled_sqdist(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    sq = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * a @ b.T
    return np.maximum(sq, 0.0)


@dataclass(frozen=True)
class GPHyperPrior:
    """Bounds and priors of the hyperparameters ``theta = [log l_1..d, log s2, log n2]``.

    The priors are those of Optuna's GP sampler (``optuna/_gp/prior.py``, v4-5), which keep
    every length scale near the scale of the unit cube: the penalty
    ``0.1 / lam + 0.1 lam`` on each inverse squared length scale ``lam = 1 / l^2`` grows like
    ``l^2`` for long scales, so the model cannot declare a dimension irrelevant on weak
    evidence (the failure that strands GP-BO in Hartmann-6's local minima). The signal
    variance of standardised outputs gets Gamma(2, 1) and the noise variance Gamma(1.1, 30),
    both as densities of the variance itself. The small noise lower bound lets deterministic
    functions be interpolated almost exactly. ``lengthscale_mode`` rescales the length-scale
    penalty (1 reproduces Optuna's: its mode is at ``l = 1``).
    """

    noise_floor: float = 1e-8
    lengthscale_mode: float = 1.0
    noise_ceiling: float = 1.0
    lengthscale_bounds: tuple[float, float] = (5e-3, 1e2)
    signal_bounds: tuple[float, float] = (1e-2, 1e2)

    def bounds(self, dim: int) -> list[tuple[float, float]]:
        """L-BFGS-B bounds of ``theta``, length ``dim + 2``."""
        lo, hi = self.lengthscale_bounds
        return [(math.log(lo), math.log(hi))] * dim + [
            (math.log(self.signal_bounds[0]), math.log(self.signal_bounds[1])),
            (math.log(self.noise_floor), math.log(self.noise_ceiling)),
        ]

    def default_theta(self, dim: int) -> np.ndarray:
        """A central starting point: unit length scales and signal, small noise."""
        return self.clip(np.r_[np.zeros(dim), 0.0, math.log(1e-3)], dim)

    def sample_theta(self, dim: int, rng: np.random.Generator) -> np.ndarray:
        """A random start spread over plausible values (clipped to the bounds)."""
        theta = np.r_[rng.normal(-0.5, 1.0, dim), rng.normal(0.0, 1.0), rng.uniform(math.log(1e-6), math.log(0.1))]
        return self.clip(theta, dim)

    def clip(self, theta: np.ndarray, dim: int) -> np.ndarray:
        """``theta`` clipped into the bounds."""
        b = np.array(self.bounds(dim))
        return np.clip(theta, b[:, 0], b[:, 1])

    def neg_log_prior(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        """Negative log prior (up to a constant) and its gradient with respect to ``theta``."""
        dim = theta.size - 2
        t_l, t_s, t_n = theta[:dim], theta[dim], theta[dim + 1]
        # lam: inverse squared length scales relative to the prior's mode
        lam = np.exp(-2.0 * t_l) * self.lengthscale_mode**2
        value = float((0.1 / lam + 0.1 * lam).sum())
        grad = np.empty_like(theta)
        grad[:dim] = 0.2 / lam - 0.2 * lam
        # Gamma(a, b) on v = exp(t): -log p = -(a - 1) t + b exp(t) + const
        s2, n2 = math.exp(t_s), math.exp(t_n)
        value += -t_s + s2 + (-0.1 * t_n + 30.0 * n2)
        grad[dim] = -1.0 + s2
        grad[dim + 1] = -0.1 + 30.0 * n2
        return value, grad


class GaussianProcess:
    """A zero-mean GP posterior at fixed hyperparameters.

    Parameters
    ----------
    x : ndarray, shape (n, d)
        Training inputs.
    y : ndarray, shape (n,)
        Training targets (standardised by the caller).
    theta : ndarray, shape (d + 2,)
        ``[log l_1..d, log s2, log n2]``.

    Raises
    ------
    GPFitError
        When the kernel matrix stays singular after adding jitter up to ``1e-2 * s2``.
    """

    def __init__(self, x: np.ndarray, y: np.ndarray, theta: np.ndarray) -> None:
        self.x = np.asarray(x, dtype=float)
        self.y = np.asarray(y, dtype=float)
        self.theta = np.asarray(theta, dtype=float)
        d = self.x.shape[1]
        self.lengthscales = np.exp(self.theta[:d])
        self.signal_var = float(np.exp(self.theta[d]))
        self.noise_var = float(np.exp(self.theta[d + 1]))
        gram = matern52(self.x, self.x, self.lengthscales, self.signal_var)
        self.chol, self.jitter = _robust_cholesky(gram, self.noise_var, self.signal_var)
        self.alpha = linalg.cho_solve((self.chol, True), self.y)

    def predict(self, xs: np.ndarray, *, with_grad: bool = False):
        """Posterior mean and variance of the latent function (noise excluded).

        Parameters
        ----------
        xs : ndarray, shape (m, d)
        with_grad : bool
            Also return the gradients with respect to ``xs``.

        Returns
        -------
        mean : ndarray, shape (m,)
        var : ndarray, shape (m,)
        dmean, dvar : ndarray, shape (m, d)
            Only when ``with_grad``.
        """
        xs = np.asarray(xs, dtype=float)
        ls = self.lengthscales
        r = np.sqrt(_scaled_sqdist(xs / ls, self.x / ls))
        e = np.exp(-_SQRT5 * r)
        kstar = self.signal_var * (1.0 + _SQRT5 * r + (5.0 / 3.0) * r * r) * e
        mean = kstar @ self.alpha
        v = linalg.solve_triangular(self.chol, kstar.T, lower=True)
        var = np.maximum(self.signal_var - (v * v).sum(0), 1e-30)
        if not with_grad:
            return mean, var
        # dk/dx_j = -5/3 s2 (1 + sqrt5 r) exp(-sqrt5 r) (x_j - X_j) / l_j^2
        m = -(5.0 / 3.0) * self.signal_var * (1.0 + _SQRT5 * r) * e
        w = linalg.solve_triangular(self.chol.T, v, lower=False).T  # K^-1 k*, shape (m, n)
        dmean = _weighted_diff(m * self.alpha[None, :], xs, self.x) / ls**2
        dvar = -2.0 * _weighted_diff(m * w, xs, self.x) / ls**2
        return mean, var, dmean, dvar


    def sample(self, xs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One joint draw of the latent function at ``xs`` from the posterior.

        Used for Thompson sampling (Thompson 1933; Russo & Van Roy 2014): the draw's minimiser
        over a candidate set is a suggestion distributed as the posterior of the argmin.

        Parameters
        ----------
        xs : ndarray, shape (m, d)
        rng : numpy.random.Generator

        Returns
        -------
        ndarray, shape (m,)
        """
        xs = np.asarray(xs, dtype=float)
        ls = self.lengthscales
        kstar = matern52(xs, self.x, ls, self.signal_var)
        mean = kstar @ self.alpha
        v = linalg.solve_triangular(self.chol, kstar.T, lower=True)
        cov = matern52(xs, xs, ls, self.signal_var) - v.T @ v
        m = xs.shape[0]
        for jitter in (1e-10, 1e-8, 1e-6, 1e-4, 1e-2):
            try:
                chol = linalg.cholesky(cov + jitter * self.signal_var * np.eye(m), lower=True, check_finite=False)
                break
            except linalg.LinAlgError:
                continue
        else:  # degenerate candidate set: independent marginals are still a valid exploration draw
            return mean + np.sqrt(np.maximum(np.diag(cov), 0.0)) * rng.standard_normal(m)
        return mean + chol @ rng.standard_normal(m)


def _weighted_diff(weights: np.ndarray, xs: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``sum_b weights[a, b] * (xs[a] - x[b])``, shape (m, d)."""
    return xs * weights.sum(1)[:, None] - weights @ x


def _robust_cholesky(gram: np.ndarray, noise_var: float, signal_var: float) -> tuple[np.ndarray, float]:
    n = gram.shape[0]
    jitter = 0.0
    for extra in (0.0, 1e-10, 1e-8, 1e-6, 1e-4, 1e-2):
        jitter = extra * signal_var
        try:
            chol = linalg.cholesky(gram + (noise_var + jitter) * np.eye(n), lower=True, check_finite=False)
        except linalg.LinAlgError:
            continue
        if np.all(np.isfinite(chol)):
            return chol, jitter
    raise GPFitError(f"kernel matrix not positive definite even with jitter {jitter:.1e}")


def _inverse_from_cholesky(chol: np.ndarray) -> np.ndarray:
    # LAPACK potri is about 3x cheaper than solving against the identity.
    inv, info = linalg.lapack.dpotri(chol, lower=1)
    if info != 0:
        raise linalg.LinAlgError(f"potri failed with info={info}")
    inv = np.tril(inv)
    return inv + np.tril(inv, -1).T


def neg_log_posterior(theta: np.ndarray, x: np.ndarray, y: np.ndarray, prior: GPHyperPrior | None):
    """Negative log marginal likelihood (plus negative log prior) and its gradient.

    Parameters
    ----------
    theta : ndarray, shape (d + 2,)
        ``[log l_1..d, log s2, log n2]``.
    x : ndarray, shape (n, d)
    y : ndarray, shape (n,)
    prior : GPHyperPrior or None
        ``None`` gives the plain negative log marginal likelihood.

    Returns
    -------
    value : float
    grad : ndarray, shape (d + 2,)
    """
    n, d = x.shape
    ls = np.exp(theta[:d])
    s2 = math.exp(theta[d])
    n2 = math.exp(theta[d + 1])
    xs = x / ls
    r = np.sqrt(_scaled_sqdist(xs, xs))
    e = np.exp(-_SQRT5 * r)
    kf = s2 * (1.0 + _SQRT5 * r + (5.0 / 3.0) * r * r) * e
    chol = linalg.cholesky(kf + n2 * np.eye(n), lower=True, check_finite=False)
    alpha = linalg.cho_solve((chol, True), y, check_finite=False)
    value = 0.5 * float(y @ alpha) + float(np.log(np.diag(chol)).sum()) + 0.5 * n * _LOG_2PI
    kinv = _inverse_from_cholesky(chol)
    # dNLL/dtheta_j = -1/2 tr((alpha alpha^T - K^-1) dK/dtheta_j)  (R&W eq. 5.9)
    w = np.outer(alpha, alpha) - kinv
    grad = np.empty(d + 2)
    # dK/dlog l_i = 5/3 s2 (1 + sqrt5 r) exp(-sqrt5 r) (x_ai - x_bi)^2 / l_i^2
    g = w * ((5.0 / 3.0) * s2 * (1.0 + _SQRT5 * r) * e)
    # sum_ab g_ab (xs_ai - xs_bi)^2 = 2 (xs^2 . g1 - diag(xs^T g xs)) for symmetric g
    grad[:d] = -0.5 * 2.0 * ((xs * xs).T @ g.sum(1) - ((g @ xs) * xs).sum(0))
    grad[d] = -0.5 * float((w * kf).sum())
    grad[d + 1] = -0.5 * n2 * float(np.trace(w))
    if prior is not None:
        pv, pg = prior.neg_log_prior(theta)
        value += pv
        grad += pg
    return value, grad


def _value_only(theta: np.ndarray, x: np.ndarray, y: np.ndarray, prior: GPHyperPrior) -> float:
    """The MAP objective without its gradient (one Cholesky), ``inf`` when singular."""
    d = x.shape[1]
    try:
        k = matern52(x, x, np.exp(theta[:d]), math.exp(theta[d])) + math.exp(theta[d + 1]) * np.eye(len(y))
        chol = linalg.cholesky(k, lower=True, check_finite=False)
    except linalg.LinAlgError:
        return math.inf
    alpha = linalg.cho_solve((chol, True), y, check_finite=False)
    return 0.5 * float(y @ alpha) + float(np.log(np.diag(chol)).sum()) + prior.neg_log_prior(theta)[0]


def _guarded_objective(theta: np.ndarray, x: np.ndarray, y: np.ndarray, prior: GPHyperPrior):
    """:func:`neg_log_posterior`, or a huge flat value where it is singular or not finite."""
    try:
        value, grad = neg_log_posterior(theta, x, y, prior)
    except linalg.LinAlgError:
        return 1e25, np.zeros_like(theta)
    if not (np.isfinite(value) and np.all(np.isfinite(grad))):
        return 1e25, np.zeros_like(theta)
    return value, grad


def fit_gp(x: np.ndarray, y: np.ndarray, *, prior: GPHyperPrior, rng: np.random.Generator,
           warm_start: np.ndarray | None = None, restarts: int = 3, screen: int = 16,
           maxiter: int = 200) -> tuple[GaussianProcess, dict]:
    """Fit the hyperparameters by MAP with L-BFGS-B restarts and return the posterior.

    Starts: the previous optimum (``warm_start``) when given, then the best of a central
    point and ``screen`` random draws ranked by their objective value, ``restarts`` L-BFGS-B
    runs in total.

    Parameters
    ----------
    x : ndarray, shape (n, d)
    y : ndarray, shape (n,)
        Standardised targets.
    prior : GPHyperPrior
    rng : numpy.random.Generator
        Source of the random restarts.
    warm_start : ndarray, shape (d + 2,), optional
    restarts : int
    screen : int
    maxiter : int

    Returns
    -------
    gp : GaussianProcess
    info : dict
        ``theta``, ``nlp`` (best objective), ``failed_starts``, ``evaluations`` (objective
        and gradient evaluations of L-BFGS-B).

    Raises
    ------
    GPFitError
        When every start failed or the final kernel matrix cannot be factorised.
    """
    d = x.shape[1]
    bounds = prior.bounds(d)
    starts = [prior.default_theta(d)] + [prior.sample_theta(d, rng) for _ in range(max(screen, 0))]
    # Cheap screening: only the most promising random starts get a full L-BFGS-B run.
    scores = [_value_only(t, x, y, prior) for t in starts]
    starts = [starts[i] for i in np.argsort(scores, kind="stable")]
    if warm_start is not None and warm_start.shape == (d + 2,):
        starts.insert(0, prior.clip(warm_start, d))
    best_theta, best_value, failed, evaluations = None, np.inf, 0, 0
    for start in starts[: max(restarts, 1)]:
        try:
            res = optimize.minimize(_guarded_objective, start, args=(x, y, prior), jac=True, method="L-BFGS-B",
                                    bounds=bounds, options={"maxiter": maxiter, "ftol": 1e-8, "gtol": 1e-4})
        except (ValueError, FloatingPointError):
            failed += 1
            continue
        evaluations += int(res.nfev)
        if np.isfinite(res.fun) and res.fun < best_value and res.fun < 1e24:
            best_theta, best_value = np.asarray(res.x), float(res.fun)
    if best_theta is None:
        raise GPFitError("every hyperparameter start failed (kernel matrix singular)")
    gp = GaussianProcess(x, y, best_theta)
    return gp, {"theta": best_theta, "nlp": best_value, "failed_starts": failed, "evaluations": evaluations}
