"""Every registered strategy on every compatible problem type, read from the registry.

The checks are the public kit's (:func:`harness.testing.check_strategy`), the same a plugin's
tests run: for each (strategy, problem type) pair with a small budget, sequentially and with 4
parallel workers on a simulated clock with heterogeneous durations, the run never proposes an
invalid config, never exceeds its budget, is identical for the same seed and different for
different seeds, and survives failed trials.
"""

from __future__ import annotations

from harness.registry import strategies
from harness.testing import strategy_tests

#: Runs that no seed can change: Nevergrad's NGOpt picks Cobyla started at the centre of the
#: box for a small continuous budget, a deterministic method (its seed reaches nothing).
#: (Grid search needs no exemption: its seed shuffles the order it visits the grid in.)
SEED_FREE = {("nevergrad", "continuous"), ("nevergrad", "fidelity"), ("nevergrad", "failing")}

#: Built-in strategies only: an installed plugin's are checked by its own tests
#: (tests/plugin_pkg/tests/test_plugin_contract.py for the bundled one).
test_strategy_contract = strategy_tests(*(e.name for e in strategies.entries() if e.source == "builtin"),
                                        seed_free=SEED_FREE)
