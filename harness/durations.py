"""How long a trial lasts on a simulated clock: a deterministic function of its cost and seed.

A trial's duration is ``seconds * cost * factor``: ``seconds`` per full-fidelity evaluation
(from the suite, else the problem's ``seconds_per_evaluation``, else 1 s), ``cost`` the
trial's fidelity-weighted cost (the cost the problem reported, else ``fidelity / max``), and
``factor`` a log-normal draw with mean 1 and coefficient of variation ``cv`` (1 when
``cv = 0``). Asynchronous schedulers only gain over synchronous ones when durations differ,
so heterogeneity is what makes a simulated comparison meaningful (Li et al. 2020, Sec. 4).

A problem that knows how long an evaluation would really have taken (a surrogate predicting
the training time of its config) reports it as ``info["simulated_seconds"]``; unless the
suite fixed ``seconds``, that figure replaces ``seconds * cost`` (``trial_seconds=True``).

The draw is a pure function of the trial seed (a SplitMix64 hash of it feeds Box-Muller), so
a simulation is exactly reproducible and costs no generator construction per trial.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from harness.seeding import mix64, mix64_array

__all__ = ["DurationModel", "standard_normal_from_seed"]

#: Distinct odd constants so the two uniforms of a seed are independent of each other and
#: of the trial-seed hash itself.
_SALT_1 = 0xD1B54A32D192ED03
_SALT_2 = 0x8CB92BA72F3D8DD7


def standard_normal_from_seed(seed: int) -> float:
    """A standard normal deviate determined by ``seed`` alone (Box-Muller on two hashes)."""
    u1 = ((mix64(seed * _SALT_1 + 1) >> 11) + 0.5) / (1 << 53)  # in (0, 1): log is finite
    u2 = (mix64(seed * _SALT_2 + 2) >> 11) / (1 << 53)
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)


@dataclass(frozen=True)
class DurationModel:
    """Simulated duration of a trial.

    Parameters
    ----------
    seconds : float
        Seconds of one full-fidelity evaluation (> 0).
    cv : float
        Coefficient of variation of the log-normal factor (>= 0; 0: every trial of a given
        cost lasts exactly ``seconds * cost``).
    trial_seconds : bool
        Use an evaluation's own ``info["simulated_seconds"]``, when it reports one, in place
        of ``seconds * cost`` (the spread still applies).
    """

    seconds: float = 1.0
    cv: float = 0.0
    trial_seconds: bool = False

    def __post_init__(self) -> None:
        if not (isinstance(self.seconds, (int, float)) and math.isfinite(self.seconds) and self.seconds > 0):
            raise ValueError(f"Duration 'seconds' must be a number > 0. Got {self.seconds!r}.")
        if not (isinstance(self.cv, (int, float)) and math.isfinite(self.cv) and self.cv >= 0):
            raise ValueError(f"Duration 'duration_cv' must be a number >= 0. Got {self.cv!r}.")
        sigma2 = math.log1p(self.cv**2)
        # log-normal with E[factor] = 1: mu = -sigma^2 / 2.
        object.__setattr__(self, "_sigma", math.sqrt(sigma2))
        object.__setattr__(self, "_mu", -sigma2 / 2.0)

    def duration(self, cost: float, seed: int, own_seconds: float | None = None) -> float:
        """Seconds a trial of ``cost`` full-fidelity evaluations lasts, given its trial seed
        (``own_seconds``: the evaluation's reported seconds, used when ``trial_seconds``)."""
        base = own_seconds if self.trial_seconds and own_seconds is not None else self.seconds * cost
        if self.cv == 0:
            return base
        return base * math.exp(self._mu + self._sigma * standard_normal_from_seed(seed))

    def durations(self, costs: Sequence[float], seeds: Sequence[int],
                  own_seconds: Sequence[float | None] | None = None) -> list[float]:
        """:meth:`duration` of many trials at once, bit for bit the same values.

        The SplitMix64 hashes are integer arithmetic, vectorised exactly; the logarithm,
        cosine and exponential stay Python's own (numpy's may differ in the last bit).
        """
        seconds = self.seconds
        bases = [seconds * c for c in costs]
        if self.trial_seconds and own_seconds is not None:
            bases = [b if own is None else own for b, own in zip(bases, own_seconds)]
        if self.cv == 0:
            return bases
        state = np.array([s & 0xFFFFFFFFFFFFFFFF for s in seeds], np.uint64)
        u1 = ((mix64_array(state * np.uint64(_SALT_1) + np.uint64(1)) >> np.uint64(11)).astype(float) + 0.5) / (1 << 53)
        u2 = (mix64_array(state * np.uint64(_SALT_2) + np.uint64(2)) >> np.uint64(11)).astype(float) / (1 << 53)
        mu, sigma, exp, log, sqrt, cos, two_pi = self._mu, self._sigma, math.exp, math.log, math.sqrt, math.cos, 2.0 * math.pi
        return [base * exp(mu + sigma * (sqrt(-2.0 * log(a)) * cos(two_pi * b)))
                for base, a, b in zip(bases, u1.tolist(), u2.tolist())]

    def to_json(self) -> dict:
        """Plain-JSON description."""
        return {"seconds": self.seconds, "cv": self.cv, "trial_seconds": self.trial_seconds}
