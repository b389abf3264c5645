"""Registers every synthetic function and its variants under explicit names.

For each family ``F`` (fixed dimension) or ``F-{dim}d`` (scalable):

- ``F`` / ``F-{dim}d``: the function;
- ``F-noisy`` / ``F-noisy-{dim}d``: additive Gaussian noise with the family's
  ``default_noise_sd`` (any function also takes ``noise_sd=`` as a suite parameter);
- ``F-mixed`` / ``F-mixed-{dim}d``: the last ``max(1, d // 2)`` axes integer and, for
  ``d >= 3``, the axis before them categorical (11 grid levels through the optimum);
- ``branin-mf``, ``hartmann3-mf``, ``hartmann6-mf``: multi-fidelity versions.

Every factory accepts ``instance`` (a seeded shift/rotation of the optimum, value kept
exact) and the keywords of :class:`~problems.synthetic.base.SyntheticFunction`.
"""

from __future__ import annotations

from typing import Any, Callable

from harness.registry import problem

from problems.synthetic.base import SyntheticFunction
from problems.synthetic.classic2d import Branin, GoldsteinPrice, SixHumpCamel
from problems.synthetic.hartmann import Hartmann3, Hartmann6
from problems.synthetic.michalewicz import Michalewicz
from problems.synthetic.multifidelity import BraninMF, Hartmann3MF, Hartmann6MF
from problems.synthetic.scalable import Ackley, Griewank, Levy, Rastrigin, Rosenbrock, Sphere, StyblinskiTang

__all__ = ["FIXED", "SCALABLE", "MULTI_FIDELITY", "mixed_dims"]

FIXED: list[type[SyntheticFunction]] = [Branin, SixHumpCamel, GoldsteinPrice, Hartmann3, Hartmann6]
SCALABLE: list[type[SyntheticFunction]] = [
    Rosenbrock, Ackley, Rastrigin, Levy, StyblinskiTang, Griewank, Michalewicz, Sphere,
]
MULTI_FIDELITY: list[type[SyntheticFunction]] = [BraninMF, Hartmann3MF, Hartmann6MF]


def mixed_dims(d: int) -> dict[str, int]:
    """The discretised axes of the registered ``-mixed`` variants in dimension ``d``."""
    return {"integer_dims": max(1, d // 2), "categorical_dims": 1 if d >= 3 else 0}


_VARIANTS: dict[str, tuple[str, Callable[[type, int], dict[str, Any]]]] = {
    "": ("", lambda cls, d: {}),
    "noisy": (
        "With additive Gaussian noise of sd ``default_noise_sd``.",
        lambda cls, d: {"noise_sd": cls.default_noise_sd},
    ),
    "mixed": ("With discretised trailing axes (see ``mixed_dims``).", lambda cls, d: mixed_dims(d)),
}


def _register(cls: type[SyntheticFunction], variant: str, template: str) -> None:
    note, settings = _VARIANTS[variant]
    if cls.dim is not None:

        def factory(*, instance: int | None = None, **params: Any) -> SyntheticFunction:
            return cls(instance=instance, name=template, **{**settings(cls, cls.dim), **params})

        problem(template)(factory)
    else:

        def factory(dim: int, *, instance: int | None = None, **params: Any) -> SyntheticFunction:
            return cls(dim, instance=instance, name=template.format(dim=dim), **{**settings(cls, dim), **params})

        problem(template, example=template.format(dim=max(2, cls.min_dim)))(factory)
    factory.__name__ = factory.__qualname__ = f"make_{template.replace('-', '_').replace('{dim}', 'N')}"
    factory.__doc__ = (cls.__doc__ or "") + ("\n\n    " + note if note else "")


def _register_all() -> None:
    for cls in FIXED:
        for variant in _VARIANTS:
            _register(cls, variant, cls.family + (f"-{variant}" if variant else ""))
    for cls in SCALABLE:
        for variant in _VARIANTS:
            _register(cls, variant, cls.family + (f"-{variant}" if variant else "") + "-{dim}d")
    for cls in MULTI_FIDELITY:
        _register(cls, "", cls.family)


_register_all()
