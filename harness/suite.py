"""Suite files (TOML): parsed, validated at the edge, and resolved into run specs.

Every error names the bad field in one line, in the form "The 'budget' field of suite
'quick' must be an integer >= 1. Got 0.", and is raised before anything is written.
"""

from __future__ import annotations

import difflib
import hashlib
import inspect
import json
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from harness.protocols import Budget, StrategyError
from harness.records import RunSpec
from harness.registry import RegistryError, problems, strategies
from harness.seeding import derive_seed
from harness.space import SpaceError

__all__ = ["ConfigError", "Entry", "Suite", "load_suite", "parse_suite", "resolve_instance", "FIXED_INSTANCE"]

#: The instance used by ``instance = "fixed"``: one shifted instance shared by every run.
FIXED_INSTANCE = 1

_TOP_KEYS = {"name", "seed", "seeds", "budget", "trial_timeout", "problems", "strategies", "executor", "description",
             "workers", "clock", "charge_strategy_time"}
_BUDGET_KEYS = {"evaluations", "cost", "time", "wallclock_seconds"}
#: Keys of the parallel-workers settings (suite level, and per problem or strategy entry).
_TIMING_KEYS = ("workers", "clock")
#: Keys of a problem entry's simulated duration model.
_DURATION_KEYS = ("seconds", "duration_cv")
_EXECUTOR_KEYS = {"kind", "workers", "address"}


#: Most repetitions a suite may ask for (``seeds = N``): beyond it a suite is a typo, and
#: building the run list would exhaust memory before anything ran.
MAX_REPETITIONS = 10_000
#: Longest suite name and label: names become folders, labels appear in every table.
MAX_NAME_LENGTH = 100
_SHOWN_LENGTH = 300


def _shorten(text: str) -> str:
    """A message cut to a readable length (a 1 MB parameter makes a 1 MB message otherwise)."""
    if len(text) <= _SHOWN_LENGTH:
        return text
    return f"{text[:_SHOWN_LENGTH - 60]}... ({len(text) - _SHOWN_LENGTH + 60} characters omitted)"


class ConfigError(ValueError):
    """A suite file that cannot be run; the message names the field (and is kept short)."""

    def __init__(self, message: str) -> None:
        super().__init__(_shorten(str(message)))


@dataclass(frozen=True)
class Entry:
    """One problem or strategy of a suite: registry name, label and parameters."""

    name: str
    label: str
    params: dict
    instance: Any = None  # problems only: None, "seed", "fixed" or an int
    budget: Budget | None = None  # problems only: overrides the suite budget
    only: tuple | None = None  # strategies only: labels of the problems it runs on
    #: ``workers`` / ``clock`` set on this entry; problems also ``seconds`` / ``duration_cv``.
    timing: dict = field(default_factory=dict)

    def identity(self) -> str:
        """Canonical text of what the entry is (labels excluded), used to derive seeds."""
        return json.dumps([self.name, self.params, self.instance], sort_keys=True, default=str)


@dataclass
class Suite:
    """A validated suite."""

    name: str
    seed: int
    repetitions: list[int]
    budget: Budget
    trial_timeout: float | None
    problems: list[Entry]
    strategies: list[Entry]
    executor: dict = field(default_factory=dict)
    text: str = ""
    #: Suite-level ``workers``, ``clock`` and ``charge_strategy_time`` (absent: sequential).
    timing: dict = field(default_factory=dict)

    def timing_of(self, problem: Entry, strategy: Entry, budget: Budget) -> dict:
        """The parallel-run settings of one (problem, strategy) pair, only non-default keys.

        The strategy entry overrides the problem entry, which overrides the suite. Keys at
        their defaults are left out, so the run ids of sequential runs stay what they were.
        """
        merged = {**self.timing, **problem.timing, **strategy.timing}
        out = {}
        if merged.get("workers", 1) != 1:
            out["workers"] = merged["workers"]
        if merged.get("clock") is not None:
            out["clock"] = merged["clock"]
        if merged.get("charge_strategy_time"):
            out["charge_strategy_time"] = True
        durations = {k: problem.timing[k] for k in _DURATION_KEYS if k in problem.timing}
        timed = "workers" in out or "clock" in out or budget.kind == "time"
        if durations and timed:
            out["durations"] = durations
        return out

    def runs(self) -> list[RunSpec]:
        """Resolve the run list: problems x strategies x repetitions, with derived seeds.

        A run's seeds depend only on the suite seed and the run's own identity, so adding
        or removing a problem or strategy never changes another run's trials. The problem
        seed ignores the strategy: every strategy at a repetition sees the same problem
        randomness (common random numbers make paired comparisons sharper).
        """
        out = []
        for p in self.problems:
            budget = p.budget or self.budget
            for s in self.strategies:
                if s.only is not None and p.label not in s.only:
                    continue
                # The factories' defaults are part of a run's identity: after a default
                # changes in code, stored runs made with the old one are not reused.
                defaults = {"problem_defaults": factory_defaults(problems, p.name),
                            "strategy_defaults": factory_defaults(strategies, s.name)}
                for rep in self.repetitions:
                    spec = RunSpec(
                        suite=self.name, problem=p.label, problem_name=p.name, problem_params=p.params,
                        instance=resolve_instance(p, rep), strategy=s.label, strategy_name=s.name,
                        strategy_params=s.params, repetition=rep,
                        seed=derive_seed(self.seed, "strategy", p.identity(), s.identity(), rep),
                        problem_seed=derive_seed(self.seed, "problem", p.identity(), rep),
                        budget=budget, trial_timeout=self.trial_timeout, **self.timing_of(p, s, budget),
                    )
                    identity = {**spec.to_json(), **defaults}
                    run_id = hashlib.sha1(json.dumps(identity, sort_keys=True, default=str).encode()).hexdigest()[:16]
                    out.append(replace(spec, run_id=run_id))
        return out


def resolve_instance(entry: Entry, repetition: int) -> Any:
    """The instance a problem entry runs at a repetition.

    ``"seed"`` is the repetition itself, unless the problem's factory maps repetitions to its
    own instances with ``instance_of_repetition(repetition)`` (BBOB: COCO instances 1..15);
    ``"fixed"`` is :data:`FIXED_INSTANCE`; an integer or ``None`` is passed through.
    """
    if entry.instance == "seed":
        try:
            mapping = getattr(problems.factory(entry.name), "instance_of_repetition", None)
        except RegistryError:
            mapping = None
        return repetition if mapping is None else mapping(repetition)
    return FIXED_INSTANCE if entry.instance == "fixed" else entry.instance


def factory_defaults(registry, name: str) -> dict[str, Any]:
    """Keyword parameters of a registered factory and their defaults (``{}`` if unknown)."""
    try:
        signature = inspect.signature(registry.factory(name))
    except (RegistryError, TypeError, ValueError):
        return {}
    return {
        key: param.default
        for key, param in signature.parameters.items()
        if param.default is not inspect.Parameter.empty and param.kind is not inspect.Parameter.VAR_KEYWORD
    }


def load_suite(path: str | Path) -> Suite:
    """Read and validate a suite file."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise ConfigError(f"Cannot read suite file {path}: {exc.strerror}.") from None
    return parse_suite(text, default_name=path.stem)


def parse_suite(text: str, default_name: str = "suite") -> Suite:
    """Parse and validate suite TOML text."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"The suite file is not valid TOML: {exc}.") from None
    name = data.get("name", default_name)
    if (not isinstance(name, str) or not name or any(c in name for c in "/\\") or name.startswith(".")
            or not name.isprintable() or len(name) > MAX_NAME_LENGTH):
        raise ConfigError(f"The 'name' field of the suite must be a non-empty string usable as a folder name "
                          f"(printable characters, at most {MAX_NAME_LENGTH}). Got {name!r}.")
    where = f"of suite '{name}'"
    _no_unknown(data, _TOP_KEYS, "field", where)

    seed = data.get("seed", 0)
    if not _is_int(seed) or seed < 0:
        raise ConfigError(f"The 'seed' field {where} must be an integer >= 0. Got {seed!r}.")
    seeds = data.get("seeds", 5)
    if _is_int(seeds):
        if not 1 <= seeds <= MAX_REPETITIONS:
            raise ConfigError(f"The 'seeds' field {where} must be an integer >= 1 and <= {MAX_REPETITIONS} or a list "
                              f"of integers. Got {seeds!r}.")
        repetitions = list(range(seeds))
    elif (isinstance(seeds, list) and 0 < len(seeds) <= MAX_REPETITIONS and all(_is_int(s) and s >= 0 for s in seeds)
          and len(set(seeds)) == len(seeds)):
        repetitions = list(seeds)
    else:
        raise ConfigError(f"The 'seeds' field {where} must be an integer >= 1 or a non-empty list of distinct integers >= 0. Got {seeds!r}.")

    if "budget" not in data:
        raise ConfigError(f"The 'budget' field {where} is required (e.g. budget = 50).")
    budget = _budget(data["budget"], f"'budget' field {where}")
    timeout = data.get("trial_timeout")
    if timeout is not None and (not _is_number(timeout) or timeout <= 0):
        raise ConfigError(f"The 'trial_timeout' field {where} must be a number of seconds > 0. Got {timeout!r}.")

    executor = data.get("executor", {})
    if not isinstance(executor, dict):
        raise ConfigError(f"The 'executor' field {where} must be a table. Got {executor!r}.")
    _no_unknown(executor, _EXECUTOR_KEYS, "field", f"of the executor {where}", prefix="executor.")
    if executor.get("kind", "ray") not in ("ray", "serial"):
        raise ConfigError(f"The 'executor.kind' field {where} must be 'ray' or 'serial'. Got {executor.get('kind')!r}.")
    workers = executor.get("workers")
    if workers is not None and (not _is_int(workers) or workers < 1):
        raise ConfigError(f"The 'executor.workers' field {where} must be an integer >= 1. Got {workers!r}.")

    problem_entries = _entries(data.get("problems"), "problems", where, problems)
    strategy_entries = _entries(data.get("strategies"), "strategies", where, strategies)
    labels = [p.label for p in problem_entries]
    for j, strat in enumerate(strategy_entries):
        for label in strat.only or ():
            if label not in labels:
                close = difflib.get_close_matches(label, labels, n=1)
                hint = f"; did you mean '{close[0]}'?" if close else f" (problems: {', '.join(labels)})"
                raise ConfigError(f"The 'strategies[{j}]' entry {where} names unknown problem '{label}' in 'problems'{hint}")
    timing = {key: _timing_value(key, data[key], f"'{key}' field {where}") for key in (*_TIMING_KEYS, "charge_strategy_time")
              if key in data}
    suite = Suite(name, seed, repetitions, budget, None if timeout is None else float(timeout),
                  problem_entries, strategy_entries, executor, text, timing)
    _check_compatibility(suite, where)
    return suite


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _no_unknown(table: dict, allowed: set, what: str, where: str, prefix: str = "") -> None:
    for key in table:
        if key not in allowed:
            close = difflib.get_close_matches(key, sorted(allowed), n=1)
            hint = f"; did you mean '{prefix}{close[0]}'?" if close else f" (allowed: {', '.join(sorted(allowed))})"
            raise ConfigError(f"Unknown {what} '{prefix}{key}' {where}{hint}")


def _timing_value(key: str, value: Any, field_name: str) -> Any:
    """Validate one of ``workers``, ``clock``, ``charge_strategy_time``, ``seconds``, ``duration_cv``."""
    if key == "workers" and not (_is_int(value) and value >= 1):
        raise ConfigError(f"The {field_name} must be an integer >= 1 (evaluations in flight at once). Got {value!r}.")
    if key == "clock" and value not in ("simulated", "real"):
        raise ConfigError(f"The {field_name} must be 'simulated' or 'real'. Got {value!r}.")
    if key == "charge_strategy_time" and not isinstance(value, bool):
        raise ConfigError(f"The {field_name} must be true or false. Got {value!r}.")
    if key == "seconds" and not (_is_number(value) and value > 0):
        raise ConfigError(f"The {field_name} must be a number of seconds > 0 (one full-fidelity evaluation). Got {value!r}.")
    if key == "duration_cv" and not (_is_number(value) and value >= 0):
        raise ConfigError(f"The {field_name} must be a number >= 0 (coefficient of variation of durations). Got {value!r}.")
    return value


def _budget(value: Any, field_name: str) -> Budget:
    if _is_int(value):
        if value < 1:
            raise ConfigError(f"The {field_name} must be an integer >= 1. Got {value!r}.")
        return Budget(value, "evaluations")
    if not isinstance(value, dict):
        raise ConfigError(f"The {field_name} must be an integer >= 1 or a table with 'evaluations', 'cost' or 'time'. Got {value!r}.")
    _no_unknown(value, _BUDGET_KEYS, "key", f"in the {field_name}")
    has_evals, has_cost, has_time = "evaluations" in value, "cost" in value, "time" in value
    if has_evals + has_cost + has_time != 1:
        raise ConfigError(f"The {field_name} must give exactly one of 'evaluations', 'cost' or 'time'. Got {value!r}.")
    wall = value.get("wallclock_seconds")
    if wall is not None and (not _is_number(wall) or wall <= 0):
        raise ConfigError(f"The 'wallclock_seconds' key in the {field_name} must be a number > 0. Got {wall!r}.")
    if has_evals:
        amount = value["evaluations"]
        if not _is_int(amount) or amount < 1:
            raise ConfigError(f"The 'evaluations' key in the {field_name} must be an integer >= 1. Got {amount!r}.")
        return Budget(amount, "evaluations", wall)
    if has_time:
        amount = value["time"]
        if not _is_number(amount) or amount <= 0:
            raise ConfigError(f"The 'time' key in the {field_name} must be a number of seconds > 0 (on the run's clock). Got {amount!r}.")
        return Budget(float(amount), "time", wall)
    amount = value["cost"]
    if not _is_number(amount) or amount <= 0:
        raise ConfigError(f"The 'cost' key in the {field_name} must be a number > 0. Got {amount!r}.")
    return Budget(float(amount), "cost", wall)


def _entries(raw: Any, key: str, where: str, registry) -> list[Entry]:
    if not isinstance(raw, list) or not raw:
        raise ConfigError(f"The '{key}' field {where} must be a non-empty list. Got {raw!r}.")
    out: list[Entry] = []
    for i, item in enumerate(raw):
        field_name = f"'{key}[{i}]' entry {where}"
        if isinstance(item, str):
            item = {"name": item}
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise ConfigError(f"The {field_name} must be a name or a table with a 'name'. Got {item!r}.")
        item = dict(item)
        name = item.pop("name")
        try:
            registry.resolve(name)
        except RegistryError as exc:
            raise ConfigError(f"The {field_name}: {exc}.") from None
        label = item.pop("label", None)
        params = dict(item.pop("params", {}))
        instance = item.pop("instance", None) if key == "problems" else None
        budget = _budget(item.pop("budget"), f"'budget' of the {field_name}") if key == "problems" and "budget" in item else None
        only = item.pop("problems", None) if key == "strategies" else None
        timing_keys = _TIMING_KEYS + (_DURATION_KEYS if key == "problems" else ())
        timing = {k: _timing_value(k, item.pop(k), f"'{k}' of the {field_name}") for k in timing_keys if k in item}
        if only is not None and (not isinstance(only, list) or not only or not all(isinstance(o, str) for o in only)):
            raise ConfigError(f"The 'problems' key of the {field_name} must be a non-empty list of problem labels. Got {only!r}.")
        params.update(item)  # remaining keys are parameters, written inline for brevity
        if instance is not None and instance not in ("seed", "fixed") and not _is_int(instance):
            raise ConfigError(f"The 'instance' of the {field_name} must be 'seed', 'fixed' or an integer. Got {instance!r}.")
        if label is None:
            # A strategy's workers and clock tell its runs apart (random vs random[workers=4]);
            # a problem's timing does not change the problem, so it stays out of its label.
            shown = {**params, **({"instance": instance} if instance is not None else {}),
                     **(timing if key == "strategies" else {})}
            label = name if not shown else name + "[" + ",".join(f"{k}={v}" for k, v in sorted(shown.items())) + "]"
            if len(label) > MAX_NAME_LENGTH:
                # Long parameter values would make unreadable (and, at 1 MB, unusable) labels.
                digest = hashlib.sha1(label.encode()).hexdigest()[:8]
                label = f"{label[:MAX_NAME_LENGTH - 12]}...{digest}]"
        if not isinstance(label, str) or not label or not label.isprintable() or len(label) > MAX_NAME_LENGTH:
            raise ConfigError(f"The 'label' of the {field_name} must be a non-empty string of printable characters, "
                              f"at most {MAX_NAME_LENGTH} long. Got {label!r}.")
        if any(e.label == label for e in out):
            raise ConfigError(f"The {field_name} repeats the label '{label}'; give one of them a distinct 'label'.")
        out.append(Entry(name, label, params, instance, budget, None if only is None else tuple(only), timing))
    return out


def _check_compatibility(suite: Suite, where: str) -> None:
    """Build every problem once and every strategy against it, so bad params fail now."""
    for i, entry in enumerate(suite.problems):
        try:
            instance = resolve_instance(entry, suite.repetitions[0])
            problem = problems.create(entry.name, instance=instance, **entry.params)
        except (TypeError, ValueError, SpaceError, RegistryError) as exc:
            text = _first_line(exc)
            if isinstance(exc, TypeError) and entry.params:
                text = _misspelt_problem_parameter(entry, instance) or text
            raise ConfigError(f"The 'problems[{i}]' entry {where} ({entry.name}): {text}") from None
        for j, strat in enumerate(suite.strategies):
            if strat.only is not None and entry.label not in strat.only:
                continue
            cls = strategies.factory(strat.name)
            allowed = set(cls.parameters())
            for param in strat.params:
                if param not in allowed:
                    close = difflib.get_close_matches(param, sorted(allowed), n=1)
                    hint = f"; did you mean '{close[0]}'?" if close else (
                        f" (its parameters: {', '.join(sorted(allowed))})" if allowed else " (it takes no parameters)")
                    raise ConfigError(f"The 'strategies[{j}]' entry {where} ({strat.name}) has unknown parameter '{param}'{hint}")
            try:
                cls.check_compatible(problem.space, problem.fidelity)
                cls(problem.space, 0, entry.budget or suite.budget, problem.fidelity, **strat.params)
            except (StrategyError, TypeError, ValueError) as exc:
                raise ConfigError(
                    f"The 'strategies[{j}]' entry {where} ({strat.name}) cannot run on problem '{entry.label}': {_first_line(exc)}"
                ) from None


def _misspelt_problem_parameter(entry: Entry, instance: Any) -> str | None:
    """"unknown parameter 'x'; did you mean 'y'?", read from a build without the parameters."""
    from harness.factory_parameters import problem_parameters, unknown_parameter_hint

    try:
        built = problems.create(entry.name, instance=instance)
    except Exception:  # noqa: BLE001 - no hint then; the original error stands
        return None
    return unknown_parameter_hint(entry.params, problem_parameters(problems.factory(entry.name), built))


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
