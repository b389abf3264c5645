"""Translate a harness :class:`~harness.space.Space` to a hyperopt search space and back.

Used by the hyperopt adapters (``tpe``, ``hyperopt-random``, ``hyperopt-anneal``) and by Ray
Tune's ``HyperOptSearch`` (``ray-hyperopt``), which accepts a native hyperopt space.

Mapping
-------
- Float: ``hp.uniform`` / ``hp.loguniform`` (``log=True``).
- Int: ``hp.quniform(low - 0.5, high + 0.5, 1)`` / ``hp.qloguniform`` over the same cells
  the harness uses, so every integer has equal prior mass and TPE keeps the ordinal
  structure (``hp.randint`` would model the integers as unordered).
- Categorical: ``hp.choice`` over the choice *indices*, mapped back type-exactly (hyperopt
  would otherwise hand back ``1`` for ``True`` and so on).
- Conditions: a parameter that other parameters depend on becomes a nested ``hp.choice``
  whose option ``i`` is a dict holding the index ``i`` and the sub-spaces active for the
  parent's ``i``-th value; this is hyperopt's own idiom for conditional spaces. A parent
  may be a Categorical or an Int with at most :data:`MAX_INT_PARENT_VALUES` values (each
  value then becomes one branch). A Float parent has no finite set of branches and is
  refused by :func:`unsupported_reason`.

Labels are made unique per branch (``parent[i].child``) because hyperopt forbids a label
twice, while the harness allows one child to be active under several parent values.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

from harness.space import Categorical, Float, Int, Space

#: Largest integer range a conditional parent may span (one hp.choice branch per value).
MAX_INT_PARENT_VALUES = 64
_INDEX = "__index__"


def unsupported_reason(space: Space) -> str | None:
    """Why ``space`` cannot be expressed in hyperopt, or ``None`` when it can."""
    parents = {p.condition.parent for p in space.params if p.condition is not None}
    for name in parents:
        parent = space[name]
        if isinstance(parent, Float):
            return f"parameter '{name}' is a Float that other parameters are conditioned on"
        if isinstance(parent, Int) and parent.high - parent.low + 1 > MAX_INT_PARENT_VALUES:
            return (
                f"parameter '{name}' is an Int with more than {MAX_INT_PARENT_VALUES} values "
                "that other parameters are conditioned on"
            )
    return None


def _parent_values(param: Categorical | Int) -> list:
    if isinstance(param, Categorical):
        return list(param.choices)
    return list(range(param.low, param.high + 1))


def _children(space: Space) -> dict[str, list]:
    children: dict[str, list] = {p.name: [] for p in space.params}
    for p in space.params:
        if p.condition is not None:
            children[p.condition.parent].append(p)
    return children


def to_hyperopt(space: Space) -> dict:
    """The hyperopt search space of ``space``: a dict of pyll nodes, nested for conditions."""
    from hyperopt import hp

    children = _children(space)

    def node(param, label: str):
        kids = children[param.name]
        if kids:
            options = []
            for i, value in enumerate(_parent_values(param)):
                branch = {_INDEX: i}
                for kid in kids:
                    if space.is_active(kid, {param.name: value}):
                        branch[kid.name] = node(kid, f"{label}[{i}].{kid.name}")
                options.append(branch)
            return hp.choice(label, options)
        if isinstance(param, Float):
            if param.log:
                return hp.loguniform(label, math.log(param.low), math.log(param.high))
            return hp.uniform(label, param.low, param.high)
        if isinstance(param, Int):
            # The same cells as the harness's unit encoding: [low - 0.5, high + 0.5].
            lo = param.low - 0.5 if (param.low > 0.5 or not param.log) else param.low
            hi = param.high + 0.5
            if param.log:
                return hp.qloguniform(label, math.log(lo), math.log(hi), 1)
            return hp.quniform(label, lo, hi, 1)
        return hp.choice(label, list(range(len(param.choices))))

    return {p.name: node(p, p.name) for p in space.params if p.condition is None}


def from_hyperopt(space: Space, sample: Mapping[str, Any]) -> dict:
    """The harness config of a (nested) sample of :func:`to_hyperopt`'s space.

    ``sample`` is what ``hyperopt.space_eval`` (or Ray's ``HyperOptSearch.suggest``)
    returns. Numeric values are clipped to their bounds: ``exp(log(high))`` can exceed
    ``high`` by one ulp, and a quantised draw at a cell edge can round one step outside.
    """
    config: dict[str, Any] = {}

    def visit(name: str, value: Any) -> None:
        param = space[name]
        if isinstance(value, Mapping):  # a parent: its branch carries the index and the kids
            config[name] = _parent_values(param)[int(value[_INDEX])]
            for key, sub in value.items():
                if key != _INDEX:
                    visit(key, sub)
        elif isinstance(param, Float):
            config[name] = min(max(float(value), param.low), param.high)
        elif isinstance(param, Int):
            config[name] = int(min(max(round(float(value)), param.low), param.high))
        elif isinstance(param, Categorical):
            config[name] = param.choices[int(value)]

    for name, value in sample.items():
        visit(name, value)
    return {n: config[n] for n in space.names if n in config}
