"""The development / evaluation split of the problem registry.

Defaults of strategies (bayesian's prior mean and restarts, Hyperband's eta, ...) were tuned
by the scripts in ``bench/`` on a few problems. A paper that reports results on those same
problems reports results on its training set. The registry is therefore split: problems of
the *development* families are the only ones ``bench/`` tunes on, and the paper suite
(``suites/paper.toml``) uses only *evaluation* problems; reports say which split each problem
belongs to. The tests check both directions.

Development families: ``branin`` and ``hartmann6`` (``bench/bench_quality.py``,
``bench/bench_gradient_evolutionary.py``), ``branin-mf`` and ``hartmann6-mf``
(``bench/bench_multifidelity.py``), and ``sphere`` (speed benchmarks). Every variant of a
development family (noisy, mixed, shifted instances) is development too. Everything else,
including every real model-tuning task, is evaluation.
"""

from __future__ import annotations

import re

#: Families whose problems were used to tune defaults.
DEVELOPMENT_FAMILIES = ("branin", "hartmann6", "branin-mf", "hartmann6-mf", "sphere")

#: Suffixes that name a variant of a family rather than another family.
_VARIANT = re.compile(r"^(-\d+d)?(-mf)?(-noisy|-mixed)?$")

DEVELOPMENT = "development"
EVALUATION = "evaluation"


def split_of(problem_name: str) -> str:
    """``"development"`` when ``problem_name`` belongs to a development family, else
    ``"evaluation"``.

    Parameters
    ----------
    problem_name : str
        Registry name, e.g. ``"hartmann6-noisy"`` or ``"rosenbrock-5d"``.
    """
    for family in DEVELOPMENT_FAMILIES:
        if problem_name == family or (problem_name.startswith(family)
                                      and _VARIANT.match(problem_name[len(family):])):
            # "branin-mf" is its own family, so the "-mf" suffix of a non-MF development
            # family's name is still development; hartmann3-mf never matches "hartmann6".
            return DEVELOPMENT
    return EVALUATION
