"""Gradient-based HPO: projected gradient descent with an Armijo line search in the unit cube.

References: J. Nocedal and S. J. Wright, "Numerical Optimization", 2nd ed., Springer 2006:
backtracking line search with the Armijo (sufficient decrease) condition and quadratic
interpolation of the step (Sec. 3.1 and 3.5); D. P. Bertsekas, "Nonlinear Programming", 1999,
Sec. 2.3: the Armijo rule along the projection arc for box constraints. Finite differences:
Nocedal and Wright, Sec. 8.1.
"""

from __future__ import annotations

import math
from typing import Generator, Sequence

import numpy as np

from harness.protocols import Budget, Fidelity, Strategy, StrategyError, Suggestion, Trial
from harness.registry import strategy
from harness.space import Categorical, Float, Space
from harness.validation import Interval, Options, check_parameters
from harness.variants import variant
from strategies.descent_steps import backtrack, bfgs_update, finite_difference, probe_points, quasi_newton_direction
from strategies.evolution import fitness

_GRADIENTS = ("auto", "exact", "finite-difference")
_SCHEMES = ("forward", "central")
_DIRECTIONS = ("steepest", "bfgs")
_DISCRETE = ("coordinate-search", "hold")

# A request is a list of (unit point, want_gradient); its answer a list of (value, gradient).
_Request = list[tuple[np.ndarray, bool]]
_Answer = list[tuple[float, np.ndarray | None]]


@strategy("gradient")
class GradientDescent(Strategy):
    """Projected gradient descent on the float parameters, in the unit cube ``[0, 1]^d``.

    **Method.** From a start point, repeat: take the gradient ``g`` in the unit cube, zero its
    components for non-float parameters, inactive parameters and coordinates pinned at a
    bound with ``g`` pushing outward (the *free* coordinates are the rest); move along
    ``d = -g / ||g||`` to the projection ``x(t) = clip(x + t d, 0, 1)``. The step ``t``
    starts at twice the last accepted step (``initial_step`` at first, at most ``max_step``)
    and is accepted under the Armijo condition ``f(x(t)) <= f(x) + armijo * g . (x(t) - x)``;
    otherwise it shrinks to the minimiser of the quadratic through ``f(x)``, the slope
    ``g . d`` and ``f(x(t))``, kept within ``[0.1 t, 0.5 t]``, at most ``max_backtracks``
    times.

    With ``direction="bfgs"`` (registered preconfigured as ``gradient-bfgs``) the direction
    after the first accepted step is the quasi-Newton ``d = -H g`` on the free coordinates,
    with ``H`` the inverse-Hessian approximation of BFGS (Nocedal and Wright eq. 6.17,
    scaled by eq. 6.20, updates skipped when ``s . y <= 0``), tried first at the full step
    ``t = 1`` (capped at ``max_step``), same projection and line search; if ``-H g`` is not a
    descent direction the descent falls back to steepest descent and ``H`` is rebuilt. Still
    first-order: it uses gradients only, and each iteration costs the same evaluations.

    **Restarts.** A descent ends when the line search fails, the projected gradient vanishes
    (``||d|| <= gtol``), the step shrinks below ``min_step``, or the value improves by less
    than ``ftol * max(1, |f|)`` over ``patience`` accepted steps. The next descent starts
    alternately at a fresh uniform random point and at the best point seen so far plus
    Gaussian noise of standard deviation ``restart_sigma`` on every unit-cube coordinate
    (clipped). The first start point is uniform random from the strategy's seed.

    **Integer and categorical parameters** are *held* during a descent at the values of its
    start point, and then (``discrete="coordinate-search"``, the default) *refined by
    coordinate search*: when a descent ends, one sweep asks, in one batch, every neighbour of
    its end point along the active discrete parameters (each integer one step down and one
    up, each categorical every other choice; float coordinates unchanged). If the best
    neighbour is better, the descent goes on from it with its discrete values; otherwise
    the next restart follows. With ``discrete="hold"`` there is no sweep: discrete values
    change only at restarts (random at a fresh start; at a restart from the best point, the
    incumbent's values moved by the restart noise, so a neighbouring integer or another
    category when the noise crosses a cell boundary). Which conditional parameters are
    active changes with the discrete values. A space without any float parameter is refused
    (nothing to differentiate).

    **How evaluations are counted.** Every suggestion is one evaluation of the problem and
    counts 1 against an evaluation budget (its cost against a cost budget); nothing is free
    except an exact gradient. With ``k`` the number of float parameters active at the point:

    * exact gradients (``gradient="exact"``, or ``"auto"`` once the problem has returned
      one): the gradient arrives with its evaluation (``want_gradient=True``) and costs no
      extra evaluation. A start point costs 1; an iteration costs 1 + (number of
      backtracks).
    * finite differences: a gradient costs ``k`` probes (``fd_scheme="forward"``: one at
      ``x + fd_step e_j``, or ``x - fd_step e_j`` when that would leave the cube) or ``2k``
      (``"central"``). A start point costs ``1 + k`` (``1 + 2k``) evaluations, asked in one
      batch; an iteration costs its line-search evaluations (at least 1) plus ``k``
      (``2k``) probes at the accepted point, again asked in one batch. The probe values
      count as ordinary trials (the best of them can become the incumbent).
    * a coordinate-search sweep costs one evaluation per neighbour: 2 per active integer
      (1 at an end of its range) plus ``choices - 1`` per active categorical, asked in one
      batch (with ``want_gradient=True`` when gradients are exact, so a descent can go on
      from the best neighbour at no extra cost; with finite differences it costs that
      point's ``k`` probes, not a re-evaluation).
    * ``gradient="auto"``: the first point is asked with ``want_gradient=True``; if its
      trial comes back OK without a gradient, the strategy switches to finite differences
      for good and asks that point's ``k`` (``2k``) probes next, so the first gradient
      costs ``1 + k`` evaluations as in finite-difference mode, just in two batches.

    ``max_batch`` is ``1 + k`` (``1 + 2k``) so that a point and its probes fit one ask (1
    with ``gradient="exact"``), or the size of the largest sweep if that is larger. Failed
    trials rank worst: a failed line-search point counts as no decrease, a failed probe
    sets that gradient component to 0, and a failed start point starts the next descent.

    Parameters
    ----------
    gradient : {"auto", "exact", "finite-difference"}
        Where gradients come from; ``"exact"`` fails the run if the problem has none.
    direction : {"steepest", "bfgs"}
        Projected steepest descent, or projected BFGS quasi-Newton directions.
    discrete : {"coordinate-search", "hold"}
        Refine integer and categorical parameters by a coordinate-search sweep after each
        descent, or hold them until the next restart.
    fd_scheme : {"forward", "central"}
        Finite-difference scheme.
    fd_step : float
        Finite-difference step in the unit cube.
    initial_step, max_step, min_step : float
        Line-search step lengths in the unit cube (Euclidean norm of the move).
    armijo : float
        Sufficient-decrease constant ``c1`` of the Armijo condition.
    max_backtracks : int
        Line-search trials after the first before a descent is declared stalled.
    gtol, ftol : float
        Thresholds on the projected-gradient norm and on the relative decrease.
    patience : int
        Accepted steps of too small decrease before a restart.
    restart_sigma : float
        Noise of a restart from the best point, in the unit cube.
    """

    supports_conditionals = True
    supports_mixed = True
    max_batch = 1  # per instance: a point and its probes, or a sweep (see the docstring)

    def __init__(self, space: Space, seed: int, budget: Budget, fidelity: Fidelity | None = None, *,
                 gradient: str = "auto", direction: str = "steepest", discrete: str = "coordinate-search",
                 fd_scheme: str = "forward", fd_step: float = 1e-6,
                 initial_step: float = 0.1, max_step: float = 0.5, min_step: float = 1e-9,
                 armijo: float = 1e-4, max_backtracks: int = 8, gtol: float = 1e-10,
                 ftol: float = 1e-9, patience: int = 3, restart_sigma: float = 0.1) -> None:
        super().__init__(space, seed, budget, fidelity)
        positive = Interval(float, 0, None, closed="neither")
        check_parameters(f"strategy '{self.name}'", {
            "gradient": Options(*_GRADIENTS), "direction": Options(*_DIRECTIONS), "discrete": Options(*_DISCRETE),
            "fd_scheme": Options(*_SCHEMES), "fd_step": positive, "initial_step": positive, "max_step": positive,
            "min_step": positive, "armijo": Interval(float, 0, 1, closed="neither"), "restart_sigma": positive,
            "max_backtracks": Interval(int, 0, None), "patience": Interval(int, 1, None),
            "gtol": Interval(float, 0, None), "ftol": Interval(float, 0, None),
        }, gradient=gradient, direction=direction, discrete=discrete, fd_scheme=fd_scheme, fd_step=fd_step,
            initial_step=initial_step, max_step=max_step, min_step=min_step, armijo=armijo,
            restart_sigma=restart_sigma, max_backtracks=max_backtracks, patience=patience, gtol=gtol, ftol=ftol)
        self.check_compatible(space, fidelity)
        self.mode = gradient
        self.direction = direction
        self.discrete = discrete
        self.fd_scheme, self.fd_step = fd_scheme, float(fd_step)
        self.initial_step, self.max_step, self.min_step = float(initial_step), float(max_step), float(min_step)
        self.armijo, self.max_backtracks = float(armijo), int(max_backtracks)
        self.gtol, self.ftol, self.patience = float(gtol), float(ftol), int(patience)
        self.restart_sigma = float(restart_sigma)
        self.dim = len(space)
        self.is_float = np.array([isinstance(p, Float) for p in space.params])
        probes = int(self.is_float.sum()) * (2 if fd_scheme == "central" else 1)
        self.max_batch = 1 if gradient == "exact" else 1 + probes
        if discrete == "coordinate-search":
            sweep = sum(len(p.choices) - 1 if isinstance(p, Categorical) else 2
                        for p in space.params if not isinstance(p, Float))
            self.max_batch = max(self.max_batch, sweep)
        self.n_descents = 0
        self.best_point: np.ndarray | None = None
        self.best_value = math.inf
        self._search = self._run()
        self._request: _Request = []
        self._answers: list = []
        self._queue: list[int] = []
        self._request_id = -1
        self._extra = 0

    @classmethod
    def check_compatible(cls, space: Space, fidelity: Fidelity | None) -> None:
        """Refuse spaces without a float parameter (there is no gradient to follow)."""
        super().check_compatible(space, fidelity)
        if not any(isinstance(p, Float) for p in space.params):
            raise StrategyError(f"Strategy '{cls.name or 'gradient'}' needs at least one float parameter.")

    # -- protocol ---------------------------------------------------------------------------
    def ask(self, n: int, pending: Sequence[Suggestion] = ()) -> list[Suggestion]:
        """Hand out up to ``n`` points of the search's current request.

        With parallel workers, while the current request's answers are ``pending``, returns
        ``[]`` (the next step needs them); the probes of one request run in parallel.
        """
        if not self._queue and all(a is not None for a in self._answers):
            answers = self._answers
            self._request = next(self._search) if self._request_id < 0 else self._search.send(answers)
            self._request_id += 1
            self._answers = [None] * len(self._request)
            self._queue = list(range(len(self._request)))
        if not self._queue:
            if pending:
                return []
            # Asked again before the current request is answered with nothing said to be
            # pending (never by the harness's runners): explore a uniform random point.
            self._extra += 1
            config = self.space.decode(self.rng.random((1, self.dim)))[0]
            return [Suggestion(config, tag=f"x{self._extra}")]
        chosen, self._queue = self._queue[:n], self._queue[n:]
        points = np.array([self._request[i][0] for i in chosen])
        configs = self.space.decode(points)
        return [
            Suggestion(config, tag=f"r{self._request_id}:{i}", want_gradient=self._request[i][1])
            for i, config in zip(chosen, configs)
        ]

    def tell(self, trials: Sequence[Trial]) -> None:
        """Store the answers of the current request and track the incumbent."""
        for trial in trials:
            value = fitness(trial)
            tag = trial.tag if isinstance(trial.tag, str) else ""
            point = None
            if tag.startswith(f"r{self._request_id}:"):
                i = int(tag.split(":")[1])
                point = self._request[i][0]
                gradient = None if trial.gradient is None else np.asarray(trial.gradient, dtype=float)
                self._answers[i] = (value, gradient)
            if point is None:
                point = self.space.encode([trial.config])[0]
            if value < self.best_value:
                self.best_value, self.best_point = value, np.nan_to_num(point, nan=0.5)

    # -- the search, written as a coroutine that yields requests and receives answers ------
    def _run(self) -> Generator[_Request, _Answer, None]:
        while True:
            x, known = self._start_point(), None
            while True:
                x, f = yield from self._descend(x, known)
                if self.discrete == "hold" or not math.isfinite(f):
                    break
                better = yield from self._coordinate_search(x, f)
                if better is None:
                    break
                x, known = better[0], better[1:]  # descend on with the new discrete values
            self.n_descents += 1

    def _start_point(self) -> np.ndarray:
        if self.n_descents % 2 == 0 or self.best_point is None:
            return self.rng.random(self.dim)
        # Noise on every coordinate, so integers and categoricals may move to a neighbouring
        # cell: the only way a restart from the best point revisits the held parameters.
        noise = self.restart_sigma * self.rng.standard_normal(self.dim)
        return np.clip(self.best_point + noise, 0.0, 1.0)

    def _descend(self, x: np.ndarray, known: tuple | None = None) -> Generator[_Request, _Answer, tuple]:
        """Descend from ``x`` (with its value and gradient if ``known``); return the end point."""
        if known is None:
            f, g = yield from self._value_and_gradient(x)
        else:
            f, g = known
            g = self._check_exact(g) if self._exact() else (yield from self._fd_gradient(x, f))
        if not math.isfinite(f):
            return x, f
        step, small = self.initial_step, 0
        inverse_hessian: np.ndarray | None = None  # BFGS only, built from the first step
        while True:
            steepest = self._direction(x, g)
            norm = float(np.linalg.norm(steepest))
            if norm <= self.gtol:
                return x, f  # a stationary point of the box-constrained problem
            direction = None
            if inverse_hessian is not None:
                direction = quasi_newton_direction(inverse_hessian, g, steepest != 0)
            quasi_newton = direction is not None
            if quasi_newton:
                t = min(1.0, self.max_step / float(np.linalg.norm(direction)))  # the full step first
            else:
                inverse_hessian = None
                direction, t = steepest / norm, min(step, self.max_step)
            slope = float(g @ direction)
            for _ in range(self.max_backtracks + 1):
                x_new = np.clip(x + t * direction, 0.0, 1.0)
                move = x_new - x
                if np.linalg.norm(move) < self.min_step:
                    return x, f
                [(f_new, g_new)] = yield [(x_new, self._exact())]
                if f_new <= f + self.armijo * float(g @ move):
                    break
                t = backtrack(t, f, slope, f_new)
            else:
                return x, f  # the line search failed: the gradient no longer points downhill
            small = small + 1 if f - f_new < self.ftol * max(1.0, abs(f)) else 0
            if small >= self.patience:
                return x_new, f_new
            if self._exact():
                g_new = self._check_exact(g_new)
            else:
                g_new = yield from self._fd_gradient(x_new, f_new)
            if self.direction == "bfgs":
                change = np.where(self._movable(x_new), g_new - g, 0.0)
                inverse_hessian = bfgs_update(inverse_hessian, move, change)
            step = 2 * float(np.linalg.norm(move)) if quasi_newton else 2 * t
            x, f, g = x_new, f_new, g_new

    def _coordinate_search(self, x: np.ndarray, f: float) -> Generator[_Request, _Answer, tuple | None]:
        """One sweep over the active integer and categorical parameters at ``x``.

        Neighbours: each integer one step down and up, each categorical every other choice,
        all asked in one batch; returns ``(point, value, gradient)`` of the best neighbour if it
        beats ``f``, else None.
        """
        config = self.space.decode(x[None, :])[0]
        neighbours = []
        for j, param in enumerate(self.space.params):
            if param.name not in config or isinstance(param, Float):
                continue
            if isinstance(param, Categorical):
                values = [c for c in param.choices if param.index(c) != param.index(config[param.name])]
            else:
                values = [v for v in (config[param.name] - 1, config[param.name] + 1) if param.low <= v <= param.high]
            for value in values:
                point = x.copy()
                point[j] = param.to_unit(value)
                neighbours.append(point)
        if not neighbours:
            return None
        answers = yield [(p, self._exact()) for p in neighbours]
        best = int(np.argmin([value for value, _ in answers]))
        if not answers[best][0] < f:
            return None
        return neighbours[best], answers[best][0], answers[best][1]

    def _direction(self, x: np.ndarray, g: np.ndarray) -> np.ndarray:
        d = -np.where(self._movable(x), g, 0.0)
        d[(x <= 0.0) & (d < 0)] = 0.0  # pinned at a bound, pushed outward
        d[(x >= 1.0) & (d > 0)] = 0.0
        return d

    def _movable(self, x: np.ndarray) -> np.ndarray:
        """Float parameters active at ``x`` (the only coordinates a descent moves)."""
        config = self.space.decode(x[None, :])[0]
        return self.is_float & np.array([p.name in config for p in self.space.params])

    def _exact(self) -> bool:
        return self.mode in ("auto", "exact")

    def _check_exact(self, g: np.ndarray | None) -> np.ndarray:
        if g is None:
            raise StrategyError("gradient: gradient='exact' but the problem returned no gradient.")
        return np.nan_to_num(g, nan=0.0, posinf=0.0, neginf=0.0)

    def _value_and_gradient(self, x: np.ndarray) -> Generator[_Request, _Answer, tuple]:
        """Evaluate a start point with its gradient (exact, or by finite differences)."""
        if self.mode == "finite-difference":
            probes = probe_points(x, self._movable(x), self.fd_step, self.fd_scheme)
            answers = yield [(x, False)] + [(p, False) for p, _, _ in probes]
            f = answers[0][0]
            return f, finite_difference(f, probes, [a[0] for a in answers[1:]], self.fd_scheme, self.dim)
        [(f, g)] = yield [(x, True)]
        if not math.isfinite(f):
            return f, None
        if g is None and self.mode == "auto":
            self.mode = "finite-difference"  # the problem has no exact gradient
            return f, (yield from self._fd_gradient(x, f))
        return f, self._check_exact(g)

    def _fd_gradient(self, x: np.ndarray, f: float) -> Generator[_Request, _Answer, np.ndarray]:
        probes = probe_points(x, self._movable(x), self.fd_step, self.fd_scheme)
        if not probes:
            return np.zeros(self.dim)  # no active float parameter: nothing to probe
        answers = yield [(p, False) for p, _, _ in probes]
        return finite_difference(f, probes, [a[0] for a in answers], self.fd_scheme, self.dim)



GradientBFGS = variant(
    "gradient-bfgs", GradientDescent,
    """Projected gradient descent with BFGS quasi-Newton directions (see ``gradient``).""",
    direction="bfgs",
)
