"""Grid search sized to the budget, over mixed and conditional spaces.

A truncated grid in lexicographic order explores only the first values of the leading
parameters, a known unfair baseline; the default therefore visits the grid in a seeded
random order, so a budget that ends early still covers every axis.
"""

from __future__ import annotations

from harness.protocols import Budget, Fidelity, Strategy, Suggestion
from harness.registry import strategy
from harness.space import Space
from harness.validation import Interval, check_parameters

#: Largest per-axis resolution tried when sizing the grid to a budget.
MAX_RESOLUTION = 1000


@strategy("grid")
class GridSearch(Strategy):
    """A full-factorial grid sized to fill as much of the budget as it can.

    Numeric axes get evenly spaced points (in log space for log parameters); categorical axes
    all their choices; conditional parameters only appear where active. The largest common
    resolution that fits is chosen first, then single axes (in declaration order) get one
    more point each while the grid still fits, so a budget of 12 on two axes is a 3 x 4 grid
    rather than 3 x 3. When even resolution 2 does not fit (many categoricals), resolution 2
    is used and the grid is cut at the budget, in shuffled order by default.

    Parameters
    ----------
    resolution : int, optional
        Fix the per-axis resolution instead of sizing it to the budget.
    shuffle : bool
        Visit grid points in a seeded random order (default) or in lexicographic order.
    """

    max_batch = None

    def __init__(self, space: Space, seed: int, budget: Budget, fidelity: Fidelity | None = None,
                 *, resolution: int | None = None, shuffle: bool = True) -> None:
        super().__init__(space, seed, budget, fidelity)
        check_parameters(f"strategy '{self.name}'", {"resolution": Interval(int, 1, None, none=True)},
                         resolution=resolution)
        if resolution is None:
            resolution = self.fitting_resolution(space, budget.max_evaluations or int(budget.amount))
        self.resolution = resolution
        points = space.grid(resolution)
        if shuffle:
            order = self.rng.permutation(len(points))
            points = [points[i] for i in order]
        self._points = points
        self._next = 0

    @staticmethod
    def fitting_resolution(space: Space, evaluations: int) -> dict[str, int]:
        """Per-axis resolutions whose grid has at most ``evaluations`` points (each >= 2)."""
        low, high = 2, MAX_RESOLUTION
        if space.grid_size(low) > evaluations:
            return {p.name: low for p in space.params}
        while low < high:  # grid size grows with resolution, so bisect
            mid = (low + high + 1) // 2
            if space.grid_size(mid) <= evaluations:
                low = mid
            else:
                high = mid - 1
        resolution = {p.name: low for p in space.params}
        for param in space.params:
            if param.kind == "categorical":
                continue
            bigger = {**resolution, param.name: low + 1}
            if space.grid_size(bigger) <= evaluations:
                resolution = bigger
        return resolution

    def ask(self, n: int) -> list[Suggestion]:
        """The next ``n`` grid points (fewer, or none, once the grid is exhausted)."""
        batch = self._points[self._next:self._next + n]
        self._next += len(batch)
        return [Suggestion(c) for c in batch]
