"""The parameters of a search space: Float, Int, Categorical, and the Condition that gates them.

Each parameter validates its own bounds or choices at construction, maps values to and from
its column of the unit cube (log-scaled parameters in log space, integers and categoricals in
equal-width cells), samples, lists grid levels and describes itself as plain JSON.
:class:`~harness.space.Space` puts them together; both are importable from
:mod:`harness.space`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np

__all__ = ["SpaceError", "Condition", "Float", "Int", "Categorical", "Param"]


class SpaceError(ValueError):
    """An invalid space or a config that does not belong to a space."""


@dataclass(frozen=True)
class Condition:
    """Activate a parameter only when ``parent`` takes one of ``values``."""

    parent: str
    values: tuple

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", tuple(self.values))

    def to_json(self) -> dict:
        """Return a plain-JSON description."""
        return {"parent": self.parent, "values": list(self.values)}


def _condition(value: Condition | Mapping | Sequence | None) -> Condition | None:
    if value is None or isinstance(value, Condition):
        return value
    if isinstance(value, Mapping):
        return Condition(value["parent"], tuple(value["values"]))
    parent, values = value
    return Condition(parent, tuple(values))


class _Bounded:
    """What :class:`Float` and :class:`Int` share: a range, an optional log scale, their description."""

    name: str
    low: float
    high: float
    log: bool
    kind: str
    condition: Condition | None

    def describe(self) -> str:
        """One short human-readable description."""
        low, high = (f"{self.low:g}", f"{self.high:g}") if self.kind == "float" else (self.low, self.high)
        return f"{self.kind}[{low}, {high}{', log' if self.log else ''}]"

    def to_json(self) -> dict:
        """Return a plain-JSON description."""
        return _param_json(self, low=self.low, high=self.high, log=self.log)


@dataclass(frozen=True)
class Float(_Bounded):
    """A real parameter in ``[low, high]``, uniform or (``log=True``) log-uniform."""

    name: str
    low: float
    high: float
    log: bool = False
    condition: Condition | None = None

    kind = "float"

    def __post_init__(self) -> None:
        object.__setattr__(self, "condition", _condition(self.condition))
        _check_bounds(self)

    def to_unit(self, value: float) -> float:
        """Map a value to ``[0, 1]``."""
        if self.log:
            return (math.log(value) - math.log(self.low)) / (math.log(self.high) - math.log(self.low))
        return (value - self.low) / (self.high - self.low)

    def from_unit(self, u: float) -> float:
        """Map ``u`` in ``[0, 1]`` (clipped) back to a value."""
        u = min(max(float(u), 0.0), 1.0)
        if self.log:
            value = math.exp(math.log(self.low) + u * (math.log(self.high) - math.log(self.low)))
        else:
            value = self.low + u * (self.high - self.low)
        return min(max(value, self.low), self.high)

    def contains(self, value: Any) -> bool:
        """Whether ``value`` is a finite real within the bounds."""
        return (
            isinstance(value, (int, float, np.integer, np.floating))
            and not isinstance(value, (bool, np.bool_))
            and math.isfinite(value)
            and self.low <= value <= self.high
        )

    def grid(self, resolution: int) -> list:
        """``resolution`` evenly spaced values (in log space for log parameters)."""
        if resolution == 1:
            return [self.from_unit(0.5)]
        return [self.from_unit(u) for u in np.linspace(0.0, 1.0, resolution)]


@dataclass(frozen=True)
class Int(_Bounded):
    """An integer parameter in ``[low, high]`` (inclusive), optionally log-scaled."""

    name: str
    low: int
    high: int
    log: bool = False
    condition: Condition | None = None

    kind = "int"

    def __post_init__(self) -> None:
        object.__setattr__(self, "condition", _condition(self.condition))
        for bound in ("low", "high"):
            value = getattr(self, bound)
            if isinstance(value, bool) or not float(value).is_integer():
                raise SpaceError(f"Parameter '{self.name}': {bound} must be an integer. Got {value!r}.")
            object.__setattr__(self, bound, int(value))
        _check_bounds(self)

    def to_unit(self, value: int) -> float:
        """Map a value to the centre of its cell in ``[0, 1]``."""
        # Cells of equal width (in log space for log ints) so every integer is equally likely
        # under a uniform draw in the cube.
        lo, hi = self._edges()
        x = math.log(value) if self.log else float(value)
        return (x - lo) / (hi - lo)

    def from_unit(self, u: float) -> int:
        """Map ``u`` in ``[0, 1]`` (clipped) to the integer whose cell contains it."""
        u = min(max(float(u), 0.0), 1.0)
        lo, hi = self._edges()
        x = lo + u * (hi - lo)
        value = round(math.exp(x)) if self.log else round(x)
        return int(min(max(value, self.low), self.high))

    def _edges(self) -> tuple[float, float]:
        if self.log:
            return math.log(self.low - 0.5 if self.low > 0.5 else self.low), math.log(self.high + 0.5)
        return self.low - 0.5, self.high + 0.5

    def contains(self, value: Any) -> bool:
        """Whether ``value`` is an integer within the bounds."""
        return (
            isinstance(value, (int, np.integer))
            and not isinstance(value, (bool, np.bool_))
            and self.low <= value <= self.high
        )

    def grid(self, resolution: int) -> list:
        """Up to ``resolution`` distinct integers spread over the range."""
        if resolution == 1:
            return [self.from_unit(0.5)]
        if self.log:
            raw = np.exp(np.linspace(math.log(self.low), math.log(self.high), resolution))
        else:
            raw = np.linspace(self.low, self.high, resolution)
        return sorted({int(round(v)) for v in raw})


@dataclass(frozen=True)
class Categorical:
    """A choice among ``choices`` (strings, numbers or booleans)."""

    name: str
    choices: tuple
    condition: Condition | None = None

    kind = "categorical"
    log = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "condition", _condition(self.condition))
        object.__setattr__(self, "choices", tuple(self.choices))
        if not self.choices:
            raise SpaceError(f"Parameter '{self.name}': choices must not be empty.")
        if len(set(map(repr, self.choices))) != len(self.choices):
            raise SpaceError(f"Parameter '{self.name}': choices must be distinct. Got {list(self.choices)!r}.")
        for choice in self.choices:
            if not isinstance(choice, (str, int, float, bool)):
                raise SpaceError(
                    f"Parameter '{self.name}': choices must be str, int, float or bool. Got {choice!r}."
                )

    def to_unit(self, value: Any) -> float:
        """Map a choice to the centre of its cell in ``[0, 1]``."""
        return (self.index(value) + 0.5) / len(self.choices)

    def from_unit(self, u: float) -> Any:
        """Map ``u`` in ``[0, 1]`` (clipped) to the choice whose cell contains it."""
        k = len(self.choices)
        return self.choices[min(int(min(max(float(u), 0.0), 1.0) * k), k - 1)]

    def index(self, value: Any) -> int:
        """Position of ``value`` among the choices (type-exact, so ``True`` is not ``1``)."""
        for i, choice in enumerate(self.choices):
            if type(choice) is type(value) and choice == value:
                return i
        for i, choice in enumerate(self.choices):
            # numpy scalars and ints given for floats are the same choice.
            if not isinstance(choice, (str, bool)) and not isinstance(value, (str, bool, np.bool_)):
                try:
                    if choice == value:
                        return i
                except TypeError:
                    pass
        raise KeyError(value)

    def contains(self, value: Any) -> bool:
        """Whether ``value`` is one of the choices."""
        try:
            self.index(value)
        except KeyError:
            return False
        return True

    def grid(self, resolution: int) -> list:
        """Every choice (a categorical grid is always complete)."""
        return list(self.choices)

    def describe(self) -> str:
        """One short human-readable description."""
        return "categorical{" + ", ".join(map(str, self.choices)) + "}"

    def to_json(self) -> dict:
        """Return a plain-JSON description."""
        return _param_json(self, choices=list(self.choices))


Param = Float | Int | Categorical
_KINDS = {"float": Float, "int": Int, "categorical": Categorical}


def _check_bounds(param: Float | Int) -> None:
    for bound in ("low", "high"):
        value = getattr(param, bound)
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise SpaceError(f"Parameter '{param.name}': {bound} must be a number. Got {value!r}.")
        if not math.isfinite(value):
            raise SpaceError(f"Parameter '{param.name}': {bound} must be finite. Got {value!r}.")
    if not param.low < param.high:
        raise SpaceError(
            f"Parameter '{param.name}': low must be < high. Got low={param.low!r}, high={param.high!r}."
        )
    if param.log and param.low <= 0:
        raise SpaceError(f"Parameter '{param.name}': a log scale needs low > 0. Got low={param.low!r}.")


def _param_json(param: Param, **fields: Any) -> dict:
    out = {"name": param.name, "kind": param.kind, **fields}
    if param.condition is not None:
        out["condition"] = param.condition.to_json()
    return out


def _same_value(param: Param, value: Any, other: Any) -> bool:
    if isinstance(param, Categorical):
        try:
            return param.index(value) == param.index(other)
        except KeyError:
            return False
    return value == other

