"""Translate a harness :class:`~harness.space.Space` to a ConfigSpace ``ConfigurationSpace``.

Used by the SMAC3 (``smac``, ``smac-hyperband``) and DEHB (``dehb``) adapters; both libraries
describe their search spaces with ConfigSpace.

Mapping
-------
- Float: ``UniformFloatHyperparameter(low, high, log=log)``.
- Int: ``UniformIntegerHyperparameter(low, high, log=log)``.
- Categorical: ``CategoricalHyperparameter`` over the choice *indices* written as strings
  (``"0"``, ``"1"``...), mapped back type-exactly. The harness allows choices of mixed types
  (``[0.5, 1, "none"]``, ``True``), which ConfigSpace would coerce or fail to serialise (SMAC
  writes its space to JSON).
- Conditions: ``EqualsCondition`` (one value) or ``InCondition`` (several) on the parent,
  ConfigSpace's own way of saying "active only when the parent takes one of these values".
  A Float parent has no finite value set in ConfigSpace's sense and is refused by
  :func:`unsupported_reason`.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

from harness.protocols import StrategyError
from harness.space import Categorical, Float, Int, Space


def unsupported_reason(space: Space) -> str | None:
    """Why ``space`` cannot be expressed in ConfigSpace, or ``None`` when it can."""
    for param in space.params:
        if param.condition is not None and isinstance(space[param.condition.parent], Float):
            return f"parameter '{param.condition.parent}' is a Float that other parameters are conditioned on"
    return None


def check_translatable(strategy_name: str, space: Space) -> None:
    """Raise :class:`StrategyError` naming the strategy when ``space`` has no ConfigSpace form."""
    reason = unsupported_reason(space)
    if reason:
        raise StrategyError(f"Strategy '{strategy_name}' cannot translate this space to ConfigSpace: {reason}.")


def _encode_value(param, value: Any) -> Any:
    """A harness value as ConfigSpace holds it (categoricals by index string)."""
    if isinstance(param, Categorical):
        return str(param.index(value))
    return value


def to_configspace(space: Space, seed: int):
    """A seeded ``ConfigurationSpace`` equivalent to ``space`` (same names, same conditions).

    Parameters
    ----------
    space : Space
        The harness space; must pass :func:`unsupported_reason`.
    seed : int
        Seed of ConfigSpace's own sampler (32-bit), which SMAC's and DEHB's random
        designs draw from.
    """
    import ConfigSpace as CS

    cs = CS.ConfigurationSpace(seed=int(seed))
    hps = {}
    for param in space.params:
        if isinstance(param, Float):
            hp = CS.UniformFloatHyperparameter(param.name, param.low, param.high, log=param.log)
        elif isinstance(param, Int):
            hp = CS.UniformIntegerHyperparameter(param.name, param.low, param.high, log=param.log)
        else:
            hp = CS.CategoricalHyperparameter(param.name, [str(i) for i in range(len(param.choices))])
        hps[param.name] = hp
        cs.add(hp)
    conditions = []
    for param in space.params:
        cond = param.condition
        if cond is None:
            continue
        parent = space[cond.parent]
        values = sorted({_encode_value(parent, v) for v in cond.values}, key=str)
        child_hp, parent_hp = hps[param.name], hps[cond.parent]
        if len(values) == 1:
            conditions.append(CS.EqualsCondition(child_hp, parent_hp, values[0]))
        else:
            conditions.append(CS.InCondition(child_hp, parent_hp, values))
    if conditions:
        cs.add(conditions)
    return cs


def from_configspace(space: Space, values: Mapping[str, Any]) -> dict:
    """The harness config of a ConfigSpace configuration (a ``Configuration`` or its dict).

    Only active parameters are present in ``values``; numbers are returned as Python
    ``float``/``int`` clipped to the harness bounds (ConfigSpace's log transform can land a
    hair outside them).
    """
    config: dict[str, Any] = {}
    for param in space.params:
        if param.name not in values or not space.is_active(param, config):
            continue
        value = values[param.name]
        if isinstance(param, Categorical):
            config[param.name] = param.choices[int(value)]
        elif isinstance(param, Int):
            config[param.name] = int(min(max(int(round(float(value))), param.low), param.high))
        else:
            value = float(value)
            if not math.isfinite(value):
                raise ValueError(f"ConfigSpace returned a non-finite value for '{param.name}': {value!r}")
            config[param.name] = min(max(value, param.low), param.high)
    return config
