"""Search spaces: typed parameters, conditions, sampling, unit-cube encoding and grids.

A :class:`Space` is an ordered collection of parameters. Each parameter may carry a
:class:`Condition` that makes it active only when a parent parameter takes one of a set of
values; an inactive parameter is simply absent from a config.

The unit-cube encoding is the common ground of model-based, gradient and evolutionary
strategies: every parameter maps to one column in ``[0, 1]`` (log-scaled parameters in log
space, integers and categoricals in equal-width cells), and inactive parameters encode as
``nan`` so a strategy can decide how to treat them. The parameter types themselves are in
:mod:`harness.parameters` (importable from here too).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from harness.parameters import (_KINDS, Categorical, Condition, Float, Int, Param, SpaceError, _condition,
                                _same_value)

__all__ = [
    "SpaceError",
    "Condition",
    "Float",
    "Int",
    "Categorical",
    "Param",
    "Space",
]


@dataclass(frozen=True)
class Space:
    """An ordered, validated collection of parameters.

    Parameters
    ----------
    params : sequence of Float, Int or Categorical
        Parameter names must be unique; a condition must name a parameter declared
        earlier, and its values must be valid values of that parent.
    """

    params: tuple
    _by_name: dict = field(init=False, repr=False, compare=False)

    def __init__(self, params: Iterable[Param]) -> None:
        params = tuple(params)
        object.__setattr__(self, "params", params)
        by_name: dict[str, Param] = {}
        for param in params:
            if not isinstance(param, (Float, Int, Categorical)):
                raise SpaceError(f"Space entries must be Float, Int or Categorical. Got {param!r}.")
            if not isinstance(param.name, str) or not param.name:
                raise SpaceError(f"Parameter names must be non-empty strings. Got {param.name!r}.")
            if param.name in by_name:
                raise SpaceError(f"Parameter '{param.name}' is declared twice.")
            if param.condition is not None:
                parent = by_name.get(param.condition.parent)
                if parent is None:
                    raise SpaceError(
                        f"Parameter '{param.name}': its condition names '{param.condition.parent}', "
                        "which is not a parameter declared before it."
                    )
                if not param.condition.values:
                    raise SpaceError(f"Parameter '{param.name}': its condition lists no values.")
                for value in param.condition.values:
                    if not parent.contains(value):
                        raise SpaceError(
                            f"Parameter '{param.name}': its condition value {value!r} is not a valid "
                            f"value of '{parent.name}'."
                        )
            by_name[param.name] = param
        if not params:
            raise SpaceError("A space needs at least one parameter.")
        object.__setattr__(self, "_by_name", by_name)
        # Plain float boxes are validated by a tight loop: the check runs on every trial and
        # must not dominate cheap objectives.
        boxes = None
        if all(isinstance(p, Float) and p.condition is None for p in params):
            boxes = tuple((p.name, p.low, p.high) for p in params)
        object.__setattr__(self, "_float_boxes", boxes)

    # -- basic queries ---------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.params)

    def __iter__(self):
        return iter(self.params)

    def __getitem__(self, name: str) -> Param:
        return self._by_name[name]

    @property
    def names(self) -> list[str]:
        """Parameter names in declaration order."""
        return [p.name for p in self.params]

    @property
    def is_conditional(self) -> bool:
        """Whether any parameter has a condition."""
        return any(p.condition is not None for p in self.params)

    @property
    def is_continuous(self) -> bool:
        """Whether every parameter is a Float and none is conditional."""
        return all(isinstance(p, Float) for p in self.params) and not self.is_conditional

    def is_active(self, param: Param, config: Mapping[str, Any]) -> bool:
        """Whether ``param`` is active given the (partial) ``config``."""
        cond = param.condition
        if cond is None:
            return True
        if cond.parent not in config:
            return False
        parent = self._by_name[cond.parent]
        value = config[cond.parent]
        return any(_same_value(parent, value, v) for v in cond.values)

    def describe(self) -> str:
        """A one-line summary: dimension and parameter types."""
        kinds = [p.kind for p in self.params]
        counts = ", ".join(f"{kinds.count(k)} {k}" for k in ("float", "int", "categorical") if k in kinds)
        cond = ", conditional" if self.is_conditional else ""
        return f"{len(self.params)}d ({counts}{cond})"

    # -- validation ------------------------------------------------------------------------
    def validate(self, config: Mapping[str, Any]) -> None:
        """Raise :class:`SpaceError` naming the first problem with ``config``."""
        boxes = self._float_boxes
        if boxes is not None and type(config) is dict and len(config) == len(boxes):
            try:
                for name, low, high in boxes:
                    value = config[name]
                    if type(value) is not float or not low <= value <= high:
                        break
                else:
                    return
            except KeyError:
                pass  # the slow path below names the problem
        if not isinstance(config, Mapping):
            raise SpaceError(f"A config must be a mapping of parameter names to values. Got {config!r}.")
        for name in config:
            if name not in self._by_name:
                raise SpaceError(f"Config has unknown parameter '{name}'.")
        for param in self.params:
            active = self.is_active(param, config)
            if active and param.name not in config:
                raise SpaceError(f"Config is missing active parameter '{param.name}'.")
            if not active and param.name in config:
                raise SpaceError(f"Config sets parameter '{param.name}', which its condition makes inactive.")
            if active and not param.contains(config[param.name]):
                raise SpaceError(
                    f"Config value {config[param.name]!r} of parameter '{param.name}' is outside "
                    f"{param.describe()}."
                )

    def contains(self, config: Mapping[str, Any]) -> bool:
        """Whether ``config`` is a valid config of this space."""
        try:
            self.validate(config)
        except SpaceError:
            return False
        return True

    # -- sampling and encoding ------------------------------------------------------------
    def sample(self, rng: np.random.Generator, n: int) -> list[dict]:
        """Draw ``n`` configs uniformly (log-uniformly for log parameters)."""
        return self.decode(rng.random((n, len(self.params))))

    def encode(self, configs: Sequence[Mapping[str, Any]]) -> np.ndarray:
        """Map configs to an ``(n, d)`` array in ``[0, 1]``; inactive parameters are ``nan``."""
        out = np.full((len(configs), len(self.params)), np.nan)
        for i, config in enumerate(configs):
            for j, param in enumerate(self.params):
                if param.name in config:
                    out[i, j] = param.to_unit(config[param.name])
        return out

    def decode(self, unit: np.ndarray) -> list[dict]:
        """Map an ``(n, d)`` array in the unit cube to configs (values clipped into range).

        Columns of inactive parameters are ignored, so any point of the cube decodes to a
        valid config.
        """
        unit = np.asarray(unit, dtype=float)
        if unit.ndim != 2 or unit.shape[1] != len(self.params):
            raise SpaceError(f"decode expects shape (n, {len(self.params)}). Got {unit.shape}.")
        unit = np.nan_to_num(unit, nan=0.5)
        if not self.is_conditional and all(isinstance(p, Float) and not p.log for p in self.params):
            # The common case of plain boxes is vectorised: decoding must not dominate cheap runs.
            lows = np.array([p.low for p in self.params])
            spans = np.array([p.high - p.low for p in self.params])
            values = np.clip(lows + np.clip(unit, 0.0, 1.0) * spans, lows, lows + spans).tolist()
            names = self.names
            return [dict(zip(names, row)) for row in values]
        configs = []
        for row in unit.tolist():
            config: dict[str, Any] = {}
            for param, u in zip(self.params, row):
                if self.is_active(param, config):
                    config[param.name] = param.from_unit(u)
            configs.append(config)
        return configs

    def _resolution(self, resolution: int | Mapping[str, int], param: Param) -> int:
        res = resolution.get(param.name, 1) if isinstance(resolution, Mapping) else resolution
        if not isinstance(res, (int, np.integer)) or res < 1:
            raise SpaceError(f"Grid resolution of '{param.name}' must be an integer >= 1. Got {res!r}.")
        return int(res)

    def grid(self, resolution: int | Mapping[str, int]) -> list[dict]:
        """Enumerate a full grid with ``resolution`` points per numeric axis.

        ``resolution`` is one number for every axis or a mapping of parameter name to its
        own resolution. Log parameters are spaced evenly in log space; categoricals
        contribute every choice; an inactive parameter takes no value, so conditional
        branches are not duplicated.
        """
        configs: list[dict] = [{}]
        for param in self.params:
            values = param.grid(self._resolution(resolution, param))
            grown = []
            for config in configs:
                if self.is_active(param, config):
                    grown.extend({**config, param.name: v} for v in values)
                else:
                    grown.append(config)
            configs = grown
        return configs

    def grid_size(self, resolution: int | Mapping[str, int]) -> int:
        """Number of points :meth:`grid` would return, computed without building it."""
        if not self.is_conditional:
            return math.prod(len(p.grid(self._resolution(resolution, p))) for p in self.params)
        # Count without enumerating: group partial configs by the values of the parameters
        # that later conditions read, since nothing else affects which branches exist.
        parents = {p.condition.parent for p in self.params if p.condition is not None}
        groups: dict[tuple, int] = {(): 1}
        for param in self.params:
            values = param.grid(self._resolution(resolution, param))
            grown: dict[tuple, int] = {}
            for key, count in groups.items():
                partial = dict(key)
                if not self.is_active(param, partial):
                    grown[key] = grown.get(key, 0) + count
                elif param.name in parents:
                    for v in values:
                        new = key + ((param.name, v),)
                        grown[new] = grown.get(new, 0) + count
                else:
                    grown[key] = grown.get(key, 0) + count * len(values)
            groups = grown
        return sum(groups.values())

    # -- serialisation ---------------------------------------------------------------------
    def to_json(self) -> list[dict]:
        """Plain-JSON description (a list of parameter dicts)."""
        return [p.to_json() for p in self.params]

    def dumps(self) -> str:
        """The JSON description as a string."""
        return json.dumps(self.to_json())

    @classmethod
    def from_json(cls, data: str | Sequence[Mapping[str, Any]]) -> "Space":
        """Rebuild a space from :meth:`to_json` output (or its string form)."""
        if isinstance(data, str):
            data = json.loads(data)
        params = []
        for entry in data:
            entry = dict(entry)
            kind = entry.pop("kind", None)
            if kind not in _KINDS:
                raise SpaceError(f"Parameter {entry.get('name')!r}: unknown kind {kind!r}.")
            if "condition" in entry:
                entry["condition"] = _condition(entry["condition"])
            params.append(_KINDS[kind](**entry))
        return cls(params)
