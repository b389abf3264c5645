"""Any Optuna sampler as a strategy, through ``study.ask`` / ``study.tell``.

One in-memory study per run (no storage, no files), minimising, with the sampler seeded by
the run's seed. A space without conditions is asked with ``study.ask(fixed_distributions)``;
a conditional one define-by-run (see :mod:`strategies.adapters._optuna_space`). Samplers that
model a joint space (GP, CMA-ES, QMC) sample the parameters outside their fixed intersection
space (categoricals for CMA-ES, conditional parameters) with their independent sampler, as
they do in plain Optuna. Failed and timed-out trials are told as ``TrialState.FAIL``, which
Optuna's samplers leave out of their models.

Optuna is an optional extra (``pip install -e ".[optuna]"``). Its GPSampler needs torch and
its CmaEsSampler needs ``cmaes``; both would only fail late (after the start-up trials), so
the adapter checks for them up front and says what to install.

Registered names: ``optuna`` (parameter ``sampler``), and ``optuna-tpe``, ``optuna-gp``,
``optuna-cmaes``, ``optuna-qmc``, ``optuna-random``. Same seed, same suggestions for every
sampler (checked for GPSampler with torch 2.13.0+cpu outside the test suite, which runs
without torch). Seeds above 32 bits are hashed to 32 (:func:`harness.seeding.seed32`).

Reference: Akiba et al., "Optuna: A Next-generation Hyperparameter Optimization Framework",
KDD 2019.
"""

from __future__ import annotations

import warnings
from typing import Any, ClassVar, Mapping, Sequence

from harness.protocols import Budget, Fidelity, Status, Strategy, StrategyError, Suggestion, Trial
from harness.registry import strategy
from harness.seeding import seed32
from harness.space import Space
from harness.validation import Options, check_parameters
from harness.variants import variant

from strategies.adapters import _optuna_space
from strategies.adapters._deps import require

#: sampler name -> (Optuna class, extra module it needs, how to install that module, defaults)
SAMPLERS: dict[str, tuple[str, str | None, str | None, dict[str, Any]]] = {
    "tpe": ("TPESampler", None, None, {}),
    "gp": ("GPSampler", "torch", "pip install torch==2.13.0  (the CPU wheel; never an unpinned torch)", {}),
    "cmaes": ("CmaEsSampler", "cmaes", "pip install cmaes", {"warn_independent_sampling": False}),
    # Unscrambled Sobol points ignore the seed; scrambling makes seeds matter.
    "qmc": ("QMCSampler", None, None,
            {"scramble": True, "warn_independent_sampling": False, "warn_asynchronous_seeding": False}),
    "random": ("RandomSampler", None, None, {}),
}
_OPTUNA_INSTALL = 'pip install -e ".[optuna]"  (or: pip install optuna)'


def check_sampler(strategy_name: str, sampler: str, space: Space | None = None) -> None:
    """Raise :class:`StrategyError` if ``sampler`` is unknown, its dependencies are missing,
    or it cannot handle ``space`` (Optuna's QMCSampler assumes a space without conditions)."""
    check_parameters(f"strategy '{strategy_name}'", {"sampler": Options(*sorted(SAMPLERS))}, sampler=sampler)
    require("optuna", strategy_name, _OPTUNA_INSTALL)
    _, module, install, _ = SAMPLERS[sampler]
    if module is not None:
        require(module, strategy_name, install)
    if sampler == "qmc" and space is not None and space.is_conditional:
        raise StrategyError(
            f"Strategy '{strategy_name}' does not support conditional spaces (Optuna's QMCSampler "
            "assumes a space without conditions)."
        )


@strategy("optuna")
class OptunaSampler(Strategy):
    """An Optuna sampler chosen by name.

    Parameters
    ----------
    sampler : {"tpe", "gp", "cmaes", "qmc", "random"}
        Optuna's TPESampler, GPSampler, CmaEsSampler, QMCSampler (scrambled Sobol) or
        RandomSampler, each with Optuna's defaults.
    sampler_options : mapping, optional
        Extra keyword arguments for the sampler's constructor (e.g. ``{"n_startup_trials":
        20}``); ``seed`` is always derived from the run's seed (:func:`harness.seeding.seed32`).
    """

    name = "optuna"
    max_batch = 1  # model-based samplers should see every earlier result
    #: Fixed by the per-sampler subclasses; ``None`` for the generic ``optuna``.
    sampler_name: ClassVar[str | None] = None

    def __init__(self, space: Space, seed: int, budget: Budget, fidelity: Fidelity | None = None, *,
                 sampler: str = "tpe", sampler_options: Mapping[str, Any] | None = None) -> None:
        super().__init__(space, seed, budget, fidelity)
        check_sampler(self.name, sampler, space)
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        self._optuna = optuna
        self.sampler = sampler
        cls_name, _, _, defaults = SAMPLERS[sampler]
        options = {**defaults, **dict(sampler_options or {}), "seed": seed32(self.seed)}
        with self._quiet():
            self._study = optuna.create_study(direction="minimize", sampler=getattr(optuna.samplers, cls_name)(**options))
        self._fixed = None if space.is_conditional else _optuna_space.distributions(space)
        self._pending: dict[int, Any] = {}

    @classmethod
    def check_compatible(cls, space: Space, fidelity: Fidelity | None) -> None:
        """Refuse up front when Optuna or the sampler's extra dependency is missing."""
        super().check_compatible(space, fidelity)
        if cls.sampler_name is None:
            require("optuna", cls.name, _OPTUNA_INSTALL)  # the sampler is only known at construction
        else:
            check_sampler(cls.name, cls.sampler_name, space)

    def _quiet(self) -> "_Quiet":
        return _Quiet(self._optuna)

    def ask(self, n: int, pending: Sequence[Suggestion] = ()) -> list[Suggestion]:
        """Ask the study for ``n`` trials (later ones see earlier ones as running).

        Asynchronous: Optuna's ask without tell; trials still ``pending`` are RUNNING in the
        study, which its samplers take into account as they do in a parallel study.
        """
        out = []
        with self._quiet():
            for _ in range(n):
                trial, config = _optuna_space.ask_config(self._study, self.space, self._fixed)
                self._pending[trial.number] = trial
                out.append(Suggestion(config, tag=trial.number))
        return out

    def tell(self, trials: Sequence[Trial]) -> None:
        """Tell the study each result; failed and timed-out trials as ``TrialState.FAIL``."""
        with self._quiet():
            for trial in trials:
                pending = self._pending.pop(trial.tag)
                if trial.status is Status.OK:
                    self._study.tell(pending, float(trial.value))
                else:
                    self._study.tell(pending, state=self._optuna.trial.TrialState.FAIL)


class _Quiet:
    """Silence Optuna's experimental-feature warnings inside ask/tell (they are not ours)."""

    def __init__(self, optuna: Any) -> None:
        self._optuna = optuna
        self._guard = warnings.catch_warnings()

    def __enter__(self) -> None:
        self._guard.__enter__()
        warnings.simplefilter("ignore", self._optuna.exceptions.ExperimentalWarning)

    def __exit__(self, *exc: object) -> None:
        self._guard.__exit__(*exc)


def _fixed_sampler(sampler: str, doc: str) -> type:
    """``optuna-<sampler>``: :class:`OptunaSampler` with its sampler fixed (a registered variant)."""
    return variant(f"optuna-{sampler}", OptunaSampler, doc, fixed={"sampler": sampler}, attributes={
        "sampler_name": sampler,
        "max_batch": None if sampler in ("random", "qmc") else 1,
        "supports_conditionals": sampler != "qmc",
    })


OptunaTPE = _fixed_sampler("tpe", "Optuna's TPESampler (independent TPE, Optuna's defaults).")
OptunaGP = _fixed_sampler("gp", "Optuna's GPSampler (needs torch: pip install torch==2.13.0).")
OptunaCmaEs = _fixed_sampler("cmaes", "Optuna's CmaEsSampler (needs cmaes).")
OptunaQMC = _fixed_sampler("qmc", "Optuna's QMCSampler (scrambled Sobol).")
OptunaRandom = _fixed_sampler("random", "Optuna's RandomSampler.")
