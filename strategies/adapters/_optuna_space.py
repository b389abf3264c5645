"""Translate a harness :class:`~harness.space.Space` to Optuna distributions.

Float -> ``FloatDistribution(low, high, log)``, Int -> ``IntDistribution(low, high, log)``,
Categorical -> ``CategoricalDistribution(choices)``. A space without conditions is asked
in one go (``study.ask(fixed_distributions)``); a conditional space is asked define-by-run:
parameters are suggested in declaration order and only when active, so Optuna sees the
same tree the harness declares.
"""

from __future__ import annotations

from typing import Any

from harness.space import Categorical, Float, Space


def distribution(param):
    """The Optuna distribution of one harness parameter."""
    from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

    if isinstance(param, Float):
        return FloatDistribution(param.low, param.high, log=param.log)
    if isinstance(param, Categorical):
        return CategoricalDistribution(param.choices)
    return IntDistribution(param.low, param.high, log=param.log)


def distributions(space: Space) -> dict:
    """Name -> distribution for every parameter, in declaration order."""
    return {p.name: distribution(p) for p in space.params}


def ask_config(study, space: Space, fixed: dict | None) -> tuple[Any, dict]:
    """Ask ``study`` for one trial; return it and its harness config.

    ``fixed`` is :func:`distributions` of a space without conditions (asked in one call),
    or ``None`` for a conditional space (asked define-by-run).
    """
    if fixed is not None:
        trial = study.ask(fixed)
        return trial, {name: trial.params[name] for name in fixed}
    trial = study.ask()
    config: dict[str, Any] = {}
    for param in space.params:
        if not space.is_active(param, config):
            continue
        if isinstance(param, Float):
            config[param.name] = trial.suggest_float(param.name, param.low, param.high, log=param.log)
        elif isinstance(param, Categorical):
            config[param.name] = trial.suggest_categorical(param.name, param.choices)
        else:
            config[param.name] = trial.suggest_int(param.name, param.low, param.high, log=param.log)
    return trial, config
