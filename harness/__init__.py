"""hpo-harness: benchmark hyperparameter-optimisation strategies on Ray.

The public entry points are :func:`load` (stored trials as one tidy DataFrame), the
registries in :mod:`harness.registry`, the space in :mod:`harness.space` and the protocol
records and base classes in :mod:`harness.protocols`.
"""

from __future__ import annotations

__version__ = "0.1.0"


def load(path, all_runs: bool = False):
    """Load the stored trials of a results directory as one tidy pandas DataFrame.

    One row per trial; the columns are documented in the README ("Stored trials"). Stored
    runs no longer in the suite are left out unless ``all_runs``.
    """
    from harness.store import Store

    return Store(path).load(all_runs=all_runs)
