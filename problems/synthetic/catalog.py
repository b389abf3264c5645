"""The ``@synthetic_problem`` decorator: registers a synthetic function and its variants.

A function class is registered where it is defined, by decorating it; nothing keeps a list of
them. For a family ``F`` (fixed dimension) or ``F-{dim}d`` (scalable, ``dim`` left ``None``)
the decorator registers the variants it is given (all three by default):

- ``""``: ``F`` / ``F-{dim}d``, the function;
- ``"noisy"``: ``F-noisy`` / ``F-noisy-{dim}d``, additive Gaussian noise with the family's
  ``default_noise_sd`` (any function also takes ``noise_sd=`` as a suite parameter);
- ``"mixed"``: ``F-mixed`` / ``F-mixed-{dim}d``, the last ``max(1, d // 2)`` axes integer and,
  for ``d >= 3``, the axis before them categorical (11 grid levels through the optimum).

The multi-fidelity versions (``branin-mf``, ``hartmann3-mf``, ``hartmann6-mf``) register only
``""``. Every factory accepts ``instance`` (a seeded shift/rotation of the optimum, value kept
exact) and the keywords of :class:`~problems.synthetic.base.SyntheticFunction`.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from harness.registry import problem

from problems.synthetic.base import SyntheticFunction

__all__ = ["synthetic_problem", "mixed_dims", "VARIANTS"]


def mixed_dims(d: int) -> dict[str, int]:
    """The discretised axes of the registered ``-mixed`` variants in dimension ``d``."""
    return {"integer_dims": max(1, d // 2), "categorical_dims": 1 if d >= 3 else 0}


#: Variant suffix -> (note appended to the factory's docstring, settings for dimension ``d``).
VARIANTS: dict[str, tuple[str, Callable[[type, int], dict[str, Any]]]] = {
    "": ("", lambda cls, d: {}),
    "noisy": (
        "With additive Gaussian noise of sd ``default_noise_sd``.",
        lambda cls, d: {"noise_sd": cls.default_noise_sd},
    ),
    "mixed": ("With discretised trailing axes (see ``mixed_dims``).", lambda cls, d: mixed_dims(d)),
}


def _register(cls: type[SyntheticFunction], variant: str) -> None:
    note, settings = VARIANTS[variant]
    template = cls.family + (f"-{variant}" if variant else "") + ("" if cls.dim is not None else "-{dim}d")
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


def synthetic_problem(cls: type[SyntheticFunction] | None = None, *, variants: Sequence[str] = tuple(VARIANTS)):
    """Class decorator: register ``cls`` under its ``family`` name with each of ``variants``.

    Usable bare (``@synthetic_problem``: every variant) or with ``variants=("",)``. The class
    is returned unchanged, so a decorated function may be subclassed (the multi-fidelity
    versions are) without registering the subclass.
    """
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown:
        raise ValueError(f"unknown synthetic variant {unknown[0]!r}; known: {sorted(VARIANTS)}")

    def register(target: type[SyntheticFunction]) -> type[SyntheticFunction]:
        for variant in variants:
            _register(target, variant)
        return target

    return register(cls) if cls is not None else register
