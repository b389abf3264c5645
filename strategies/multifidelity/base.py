"""The public base of multi-fidelity strategies: fidelity per suggestion, cost ledger, tags.

Resources follow Li et al. (2018, JMLR, "Hyperband: A Novel Bandit-Based Approach to
Hyperparameter Optimization"): the maximum resource ``R`` is the ratio of the problem's highest
fidelity to the smallest fidelity a strategy may use, and a rung's resource ``r`` (in units of
that smallest fidelity) maps to the fidelity ``min_fidelity * r``. Every rung is therefore
anchored at the top: the last rung of every bracket runs at ``fidelity.high``.

Budgets are counted in full-fidelity evaluations: a trial at fidelity ``f`` is estimated to
cost ``f / fidelity.high`` until its tell reports the real cost. A :class:`CostLedger` refuses
a suggestion that would push the committed cost (told plus pending) past a cost budget, so a
run never overspends even though the runner only stops once the amount is reached.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

from harness.protocols import Budget, Fidelity, Strategy, StrategyError, Suggestion, Trial, default_cost
from harness.space import Space
from harness.validation import Interval, check_parameters

__all__ = ["CostLedger", "MultiFidelityStrategy", "EPS"]

#: Relative slack for float comparisons of resources and costs (R = 81 must give s_max = 4
#: although log(81) / log(3) is not exactly 4 in floating point).
EPS = 1e-9


class CostLedger:
    """Committed spend of a run, in full-fidelity evaluations.

    Parameters
    ----------
    budget : Budget
        Only ``kind="cost"`` budgets limit the ledger; with an evaluation budget the runner
        caps the number of asks and the ledger never refuses.
    """

    def __init__(self, budget: Budget) -> None:
        self.limit = float(budget.amount) if budget.kind == "cost" else math.inf
        self.told = 0.0
        self._pending: dict[Any, float] = {}

    @property
    def committed(self) -> float:
        """Told cost plus the estimated cost of suggestions not yet told."""
        return self.told + sum(self._pending.values())

    def fits(self, cost: float) -> bool:
        """Whether a suggestion costing ``cost`` stays within the budget."""
        return self.committed + cost <= self.limit * (1 + EPS)

    def affordable(self, cost: float, n: int) -> int:
        """How many of ``n`` suggestions costing ``cost`` each still fit (``<= n``)."""
        if not math.isfinite(self.limit) or cost <= 0:
            return n
        room = self.limit * (1 + EPS) - self.committed
        return max(0, min(n, int(math.floor(room / cost + EPS))))

    def commit(self, tag: Any, cost: float) -> None:
        """Record a suggestion as pending at its estimated ``cost``."""
        self._pending[tag] = cost

    def settle(self, tag: Any, cost: float | None) -> None:
        """Replace a pending estimate by the told ``cost`` (the estimate if unknown)."""
        estimate = self._pending.pop(tag, 0.0)
        self.told += estimate if cost is None or not math.isfinite(cost) else float(cost)


class MultiFidelityStrategy(Strategy):
    """Base of the strategies that choose a fidelity per suggestion (public: plugins subclass it).

    Handles what they share: refusing problems without a fidelity, the ``eta`` and
    ``min_fidelity`` parameters, mapping resources to fidelity values, the cost ledger, tags
    and turning failed trials into the worst possible value.

    A subclass implements ``ask(n)``, making each suggestion with :meth:`suggest` (which
    commits its estimated cost; check :attr:`ledger` first so a cost budget is never
    overspent), and :meth:`on_result`, which receives the ``info`` it passed to
    :meth:`suggest` with the trial's value (``inf`` for failures). For synchronous brackets
    subclass :class:`~strategies.multifidelity.brackets.BracketStrategy` instead.

    Parameters
    ----------
    space, seed, budget, fidelity
        As for every :class:`~harness.protocols.Strategy`.
    eta : float
        Reduction factor between rungs (``> 1``; 3 in the papers).
    min_fidelity : float or None
        Smallest fidelity to use (default: ``fidelity.low``); ``R = fidelity.high / min_fidelity``.
    """

    needs_fidelity = True
    # Synchronous strategies return at most the rest of their current rung per ask, so the
    # runner need not cap the batch; ASHA sets its own per-instance cap (its ``batch_size``).
    max_batch = None

    def __init__(self, space: Space, seed: int, budget: Budget, fidelity: Fidelity | None = None, *,
                 eta: float = 3, min_fidelity: float | None = None) -> None:
        super().__init__(space, seed, budget, fidelity)
        type(self).check_compatible(space, fidelity)
        check_parameters(f"strategy '{self.name}'", {
            "eta": Interval(float, 1, None, closed="neither"),
            "min_fidelity": Interval(float, fidelity.low, fidelity.high, closed="left", none=True,
                                     note=f"the problem's fidelity '{fidelity.name}'"),
        }, eta=eta, min_fidelity=min_fidelity)
        low = fidelity.low if min_fidelity is None else min_fidelity
        self.eta = eta
        self.min_fidelity = float(low)
        self.R = fidelity.high / self.min_fidelity
        self.ledger = CostLedger(budget)
        self._pending: dict[str, Any] = {}
        self._seen_cost: dict[float, float] = {}

    @classmethod
    def check_compatible(cls, space: Space, fidelity: Fidelity | None) -> None:
        """Refuse problems without a fidelity, naming the alternative."""
        if fidelity is None:
            raise StrategyError(
                f"Strategy '{cls.name}' allocates budget across fidelities (e.g. epochs or trees) and "
                "needs a problem with a fidelity; this problem has none. Use a full-fidelity strategy "
                "such as 'random' or 'bayesian', or a problem with a fidelity."
            )
        super().check_compatible(space, fidelity)

    # -- helpers for subclasses -----------------------------------------------------------
    def fidelity_at(self, resource: float) -> float:
        """The fidelity of ``resource`` (in units of ``min_fidelity``), rounded if integer."""
        value = min(max(self.min_fidelity * resource, self.fidelity.low), self.fidelity.high)
        if self.fidelity.integer:
            value = float(min(max(round(value), math.ceil(self.fidelity.low)), math.floor(self.fidelity.high)))
        return float(value)

    def cost_of(self, fidelity: float) -> float:
        """Estimated cost of one trial at ``fidelity``, in full-fidelity evaluations.

        The largest cost told so far at that fidelity (problems may report their own cost
        model), else the runner's default ``fidelity / fidelity.high``.
        """
        return self._seen_cost.get(fidelity, default_cost(self.fidelity, fidelity))

    def suggest(self, config: dict, fidelity: float, tag: str, info: Any) -> Suggestion:
        """Build a suggestion, commit its cost and remember ``info`` under ``tag``."""
        if tag in self._pending:
            raise StrategyError(f"Strategy '{self.name}' issued tag {tag!r} twice.")
        self._pending[tag] = info
        self.ledger.commit(tag, self.cost_of(fidelity))
        return Suggestion(config=config, fidelity=fidelity, tag=tag)

    def tell(self, trials: Sequence[Trial]) -> None:
        """Match each trial to its suggestion by tag and pass its value to :meth:`on_result`.

        Failed and non-finite trials arrive as ``inf`` (the worst value), so they are never
        promoted and rank last in models.
        """
        for trial in trials:
            if trial.tag not in self._pending:
                raise StrategyError(
                    f"Strategy '{self.name}' was told a trial with tag {trial.tag!r}, which it has not "
                    "suggested or was already told."
                )
            info = self._pending.pop(trial.tag)
            self.ledger.settle(trial.tag, trial.cost)
            if trial.ok and trial.fidelity is not None and trial.cost is not None and math.isfinite(trial.cost):
                self._seen_cost[trial.fidelity] = max(self._seen_cost.get(trial.fidelity, 0.0), float(trial.cost))
            value = float(trial.value) if trial.ok and trial.value is not None else math.inf
            if not math.isfinite(value):
                value = math.inf
            self.on_result(info, value, trial)

    def on_result(self, info: Any, value: float, trial: Trial) -> None:
        """Learn one result (``value`` is ``inf`` for failures); subclasses override."""
        raise NotImplementedError

    def sample_configs(self, k: int) -> list[dict]:
        """``k`` new configs for a first rung: uniform in the space (BOHB overrides)."""
        return self.space.sample(self.rng, k)
