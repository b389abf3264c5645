"""Ray Tune's search algorithms as strategies, through their ``Searcher`` hooks.

Ray Tune's searchers are plain Python objects with ask/tell-like hooks: ``suggest(trial_id)``
returns a config and ``on_trial_complete(trial_id, result, error)`` reports back. The
adapter calls exactly those, with trial ids made from a counter; no Ray runtime, cluster or
``Tuner`` is started. Results are reported as ``{"value": v}`` with ``metric="value",
mode="min"``; failed and timed-out trials as ``error=True``.

- ``ray-basic``: Ray Tune's default random search (``BasicVariantGenerator``'s variant
  generation, seeded through its ``random_state``).
- ``ray-hyperopt``: ``ray.tune.search.hyperopt.HyperOptSearch`` (seeded through
  ``random_state_seed``), given the native hyperopt space so conditional spaces work.

Both are deterministic for a given seed. Space translations: :mod:`._ray_space`.
"""

from __future__ import annotations

from typing import Any, Sequence

from harness.protocols import Budget, Fidelity, Status, Strategy, StrategyError, Suggestion, Trial
from harness.registry import strategy
from harness.space import Space

from strategies.adapters import _hyperopt_space, _ray_space


class _RaySearcherStrategy(Strategy):
    """Drive one Ray Tune searcher: ``suggest`` on ask, ``on_trial_complete`` on tell."""

    searcher_kind = "basic"

    def __init__(self, space: Space, seed: int, budget: Budget, fidelity: Fidelity | None = None,
                 **searcher_options: Any) -> None:
        super().__init__(space, seed, budget, fidelity)
        self.check_compatible(space, fidelity)
        self._searcher = _ray_space.make_searcher(self.searcher_kind, space, self.seed, **searcher_options)
        self._count = 0

    @classmethod
    def check_compatible(cls, space: Space, fidelity: Fidelity | None) -> None:
        """HyperOptSearch is given the hyperopt translation: refuse what it cannot express."""
        super().check_compatible(space, fidelity)
        reason = _hyperopt_space.unsupported_reason(space) if cls.searcher_kind == "hyperopt" else None
        if reason:
            raise StrategyError(f"Strategy '{cls.name}' cannot translate this space to hyperopt: {reason}.")

    def ask(self, n: int, pending: Sequence[Suggestion] = ()) -> list[Suggestion]:
        """``suggest`` ``n`` new Ray trial ids (asynchronous: ``pending`` trials are live ones)."""
        out = []
        for _ in range(n):
            trial_id = f"harness_{self._count:05d}"
            self._count += 1
            sample = self._searcher.suggest(trial_id)
            out.append(Suggestion(_ray_space.config_of(self.searcher_kind, self.space, sample), tag=trial_id))
        return out

    def tell(self, trials: Sequence[Trial]) -> None:
        """``on_trial_complete`` for each trial (``error=True`` when it failed)."""
        for trial in trials:
            if trial.status is Status.OK:
                self._searcher.on_trial_complete(trial.tag, result={_ray_space.METRIC: float(trial.value)})
            else:
                self._searcher.on_trial_complete(trial.tag, error=True)


@strategy("ray-basic")
class RayBasicVariant(_RaySearcherStrategy):
    """Ray Tune's default search: random variants (``BasicVariantGenerator``), seeded."""

    name = "ray-basic"
    searcher_kind = "basic"
    max_batch = None  # suggestions never depend on results

    def __init__(self, space: Space, seed: int, budget: Budget, fidelity: Fidelity | None = None) -> None:
        super().__init__(space, seed, budget, fidelity)


@strategy("ray-hyperopt")
class RayHyperOpt(_RaySearcherStrategy):
    """Ray Tune's ``HyperOptSearch`` (hyperopt's TPE behind Ray's Searcher API).

    Parameters
    ----------
    n_initial_points : int
        Random suggestions before TPE starts modelling (Ray's default 20).
    gamma : float
        TPE's fraction of "good" observations (Ray's default 0.25).
    """

    name = "ray-hyperopt"
    searcher_kind = "hyperopt"
    max_batch = 1  # model-based: each suggestion should see every earlier result

    def __init__(self, space: Space, seed: int, budget: Budget, fidelity: Fidelity | None = None, *,
                 n_initial_points: int = 20, gamma: float = 0.25) -> None:
        super().__init__(space, seed, budget, fidelity, n_initial_points=n_initial_points, gamma=gamma)
