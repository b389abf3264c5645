"""Bayesian signed-rank test with a region of practical equivalence (Benavoli et al.).

A p-value says whether a difference is detectable, not whether it matters, and a large
p-value is not evidence of equivalence. The Bayesian signed-rank test answers the question a
reader asks of a pair of strategies: what is the probability that A is practically better,
practically equivalent (within the ``rope``), or practically worse than B?

Model (A. Benavoli, G. Corani, F. Mangili, M. Zaffalon and F. Ruggeri, "A Bayesian Wilcoxon
signed-rank test based on the Dirichlet process", ICML 2014; A. Benavoli, G. Corani, J. Demsar
and M. Zaffalon, "Time for a change: a tutorial for comparing multiple classifiers through
Bayesian analysis", JMLR 18, 2017): the paired differences ``z_1..z_n`` plus one prior
pseudo-observation ``z_0 = 0`` of weight ``prior`` get Dirichlet-process posterior weights
``w ~ Dir(prior, 1, ..., 1)``; each posterior draw puts mass ``sum_ij w_i w_j [z_i + z_j > 2
rope]`` on "better", ``... < -2 rope`` on "worse" and the rest on "equivalent" (ties at the
boundary count half). The reported probabilities are the fractions of draws in which each
region has the largest mass. This is the model of the ``baycomp`` package's
``SignedRankTest``, against which the tests check this implementation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Posterior draws per comparison.
N_SAMPLES = 20_000

#: Weight of the prior pseudo-observation at zero difference (baycomp's default).
PRIOR_WEIGHT = 0.5


@dataclass(frozen=True)
class BayesSignedRank:
    """Posterior probabilities that the first strategy is better, equivalent, or worse.

    Attributes
    ----------
    p_better, p_equivalent, p_worse : float
        Fractions of posterior draws in which each region holds the largest mass; they sum
        to 1.
    rope : float
        Half-width of the region of practical equivalence, in the units of the values.
    n : int
        Paired observations used.
    """

    p_better: float
    p_equivalent: float
    p_worse: float
    rope: float
    n: int

    def verdict(self, threshold: float = 0.95) -> str:
        """``"better"``, ``"equivalent"`` or ``"worse"`` when one has posterior probability
        at least ``threshold``, else ``"undecided"``."""
        for name, p in (("better", self.p_better), ("equivalent", self.p_equivalent),
                        ("worse", self.p_worse)):
            if p >= threshold:
                return name
        return "undecided"


def bayes_signed_rank(a, b, rope: float, *, seed: int = 0, n_samples: int = N_SAMPLES,
                      prior: float = PRIOR_WEIGHT) -> BayesSignedRank:
    """Bayesian signed-rank comparison of paired values where lower is better.

    Parameters
    ----------
    a, b : array_like
        Shape ``(n,)``, paired by position (problems or seeds); pairs with a NaN are dropped.
        Infinite values (failed runs) are allowed and count as worst.
    rope : float
        Half-width of the region of practical equivalence (>= 0), same units as ``a``.
    seed : int
        Seed of the posterior sampler.
    n_samples : int
        Posterior draws.
    prior : float
        Weight of the pseudo-observation at zero.

    Returns
    -------
    BayesSignedRank
        ``p_better`` is the probability that ``a`` is practically lower than ``b``.
    """
    if rope < 0:
        raise ValueError(f"The 'rope' argument must be >= 0. Got {rope}.")
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    keep = ~(np.isnan(a) | np.isnan(b))
    a, b = a[keep], b[keep]
    both_infinite = np.isinf(a) & np.isinf(b) & (np.sign(a) == np.sign(b))
    # Positive z: a is lower (better). Two failures of the same kind are a tie.
    with np.errstate(invalid="ignore"):  # inf - inf where both failed: masked just below
        z = np.where(both_infinite, 0.0, b - a)
    z = np.concatenate([[0.0], z])
    with np.errstate(invalid="ignore"):
        sums = z[:, None] + z[None, :]
    better = _heaviside(sums, 2.0 * rope)
    worse = _heaviside(-sums, 2.0 * rope)
    weights = np.ones(len(z))
    weights[0] = prior
    rng = np.random.default_rng(seed)
    draws = rng.dirichlet(weights, n_samples)  # (n_samples, n + 1)
    mass_better = np.einsum("si,ij,sj->s", draws, better, draws)
    mass_worse = np.einsum("si,ij,sj->s", draws, worse, draws)
    masses = np.column_stack([mass_better, 1.0 - mass_better - mass_worse, mass_worse])
    if rope == 0:
        # Without a rope "equivalent" has no region; only better and worse compete.
        masses[:, 1] = -np.inf
    winners = np.bincount(np.argmax(masses, axis=1), minlength=3) / n_samples
    return BayesSignedRank(float(winners[0]), float(winners[1]), float(winners[2]),
                           float(rope), int(len(a)))


def _heaviside(values: np.ndarray, threshold: float) -> np.ndarray:
    return (values > threshold).astype(float) + 0.5 * (values == threshold).astype(float)
