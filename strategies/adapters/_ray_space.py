"""Ray Tune's search spaces and searchers for the Ray adapters (no Ray cluster involved).

Mapping to Ray Tune's space: Float -> ``tune.uniform`` / ``tune.loguniform``, Int ->
``tune.randint(low, high + 1)`` / ``tune.lograndint(low, high + 1)`` (Ray's upper bounds are
exclusive), Categorical -> ``tune.choice`` (Ray keeps the choices' own types). Ray's
``tune.*`` domains have no conditions, so for a conditional space every parameter is drawn
and the inactive ones are dropped: with independent draws that is the same distribution as
drawing only the active ones.

The *searchers* (config sources) share Ray Tune's ``Searcher`` hooks ``suggest(trial_id)``,
``on_trial_result(trial_id, result)`` and ``on_trial_complete(trial_id, result, error)``:

- ``basic``: :class:`BasicVariantSource`, the variant generation of Ray Tune's default
  ``BasicVariantGenerator``. That class is a ``SearchAlgorithm`` that builds whole
  ``Experiment`` and ``Trial`` objects (it validates a storage directory on disk to do so),
  so the adapter calls the function it resolves every sample with,
  ``ray.tune.search.variant_generator.generate_variants``, with the same seeded random
  state. ``tests/test_adapters.py`` checks that it yields exactly the generator's configs.
- ``hyperopt``: Ray Tune's own ``HyperOptSearch``, given the native hyperopt space of
  :mod:`strategies.adapters._hyperopt_space` (so conditions survive) and
  ``random_state_seed`` (a 32-bit seed derived from the run's: it feeds a RandomState). Ray's HyperOptSearch marks an errored trial ``JOB_STATE_ERROR``,
  which hyperopt then drops: unlike our ``tpe``, it forgets failed trials.
"""

from __future__ import annotations

from typing import Any, Mapping

from harness.seeding import seed32
from harness.space import Categorical, Float, Space

from strategies.adapters import _hyperopt_space

METRIC = "value"
SEARCHERS = ("basic", "hyperopt")


def to_ray(space: Space) -> dict:
    """Ray Tune ``param_space`` with every parameter (conditions dropped, see module doc)."""
    from ray import tune

    out = {}
    for p in space.params:
        if isinstance(p, Float):
            out[p.name] = tune.loguniform(p.low, p.high) if p.log else tune.uniform(p.low, p.high)
        elif isinstance(p, Categorical):
            out[p.name] = tune.choice(list(p.choices))
        else:
            out[p.name] = tune.lograndint(p.low, p.high + 1) if p.log else tune.randint(p.low, p.high + 1)
    return out


def from_ray(space: Space, sample: Mapping[str, Any]) -> dict:
    """The harness config of a Ray sample: inactive parameters dropped, values made exact."""
    config: dict[str, Any] = {}
    for p in space.params:
        if not space.is_active(p, config):
            continue
        value = sample[p.name]
        if isinstance(p, Float):
            config[p.name] = min(max(float(value), p.low), p.high)
        elif isinstance(p, Categorical):
            config[p.name] = p.choices[p.index(value)]
        else:
            config[p.name] = int(min(max(int(value), p.low), p.high))
    return config


class BasicVariantSource:
    """Random search exactly as Ray Tune's ``BasicVariantGenerator`` draws it.

    Parameters
    ----------
    space : Space
    seed : int
        Passed as ``random_state`` (Ray wraps it in ``np.random.default_rng``).
    """

    def __init__(self, space: Space, seed: int) -> None:
        from ray.tune.search.sample import _BackwardsCompatibleNumpyRng

        self._space = space
        self._spec = {"config": to_ray(space)}
        # One random state shared by every draw, as BasicVariantGenerator shares it
        # across its trial iterators.
        self._random_state = _BackwardsCompatibleNumpyRng(seed)

    def suggest(self, trial_id: str) -> dict:
        """One config (a Ray sample of the whole space)."""
        from ray.tune.search.variant_generator import generate_variants

        _, spec = next(generate_variants(self._spec, random_state=self._random_state))
        return spec["config"]

    def on_trial_result(self, trial_id: str, result: dict) -> None:
        """Random search ignores intermediate results."""

    def on_trial_complete(self, trial_id: str, result: dict | None = None, error: bool = False) -> None:
        """Random search ignores results."""


def make_searcher(kind: str, space: Space, seed: int, **options: Any):
    """A seeded Ray Tune searcher (``"basic"`` or ``"hyperopt"``) minimising ``METRIC``."""
    if kind == "basic":
        return BasicVariantSource(space, seed)
    if kind == "hyperopt":
        from ray.tune.search.hyperopt import HyperOptSearch

        return HyperOptSearch(space=_hyperopt_space.to_hyperopt(space), metric=METRIC, mode="min",
                              random_state_seed=seed32(seed), **options)
    raise ValueError(f"Unknown Ray Tune searcher {kind!r}; choose one of {SEARCHERS}.")


def config_of(kind: str, space: Space, sample: Mapping[str, Any]) -> dict:
    """Harness config of what searcher ``kind`` suggested."""
    if kind == "hyperopt":
        return _hyperopt_space.from_hyperopt(space, sample)
    return from_ray(space, sample)
