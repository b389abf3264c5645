"""Bars of the deep-learning tasks and of the lcnet-digits surrogate (issue 12).

1. ``lcnet-digits`` seconds per evaluation at 1 and 50 epochs (fresh configs, one core), and
   the continuation saving: 10 then 50 epochs continued vs 10 then 50 from scratch.
2. Surrogate: fit seconds; evaluations per second on a batch of 10,000 (wall and CPU);
   Spearman of the full-fidelity objective (validation cross-entropy with early stopping) on
   table configs held out of the fit (5 folds by config), against each seed's observation,
   next to the table's seed-to-seed ceiling (Spearman of seed 0 vs seed 1); Spearman on fresh
   live evaluations (configs from another Sobol sequence); the same for seconds per epoch.
3. Rank agreement: a small live study (strategies x seeds at a cost budget) and the same on
   the surrogate; Kendall tau between the strategies' mean final full-fidelity values.
4. A study the live task could not afford: strategies x seeds x 8 workers on the surrogate's
   simulated clock: simulated hours of training vs wall time here.

Usage::

    nice -n 10 python bench/bench_dl.py                        # the sizes quoted in the README
    python bench/bench_dl.py --live-configs 4 --rank-seeds 1 --study-seeds 3   # smoke run
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
from scipy.stats import kendalltau, spearmanr

from harness.protocols import Budget
from harness.registry import problems, strategies
from harness.runner import drive
from harness.tabulate import sobol_configs
from problems.dl.surrogate import TABLE, LCNetSurrogate, SurrogateModel, objective_of_curves, table_curves

RANK_STRATEGIES = ["random", "hyperband", "asha", "bohb", "median-stopping"]
#: Live runs of the rank study, kept so the surrogate side can be recomputed without retraining.
LIVE_CACHE = Path(__file__).resolve().parents[1] / "results" / "bench_dl_live_study.json"
STUDY_STRATEGIES = ["random", "hyperband", "asha", "bohb", "successive-halving", "median-stopping"]


def live_timings(configs: list[dict]) -> dict:
    """Seconds at 1 and 50 epochs per config, and the continuation comparison."""
    rows = []
    problems.create("lcnet-digits", checkpoints=0).evaluate(configs[0], 1, seed=0)  # one-time torch start-up
    for config in configs:
        # Early stopping off, so 50 epochs are 50 epochs and the continuation saving is exact.
        config = {**config, "patience": 0}
        fresh = problems.create("lcnet-digits", checkpoints=0)
        t0, c0 = time.perf_counter(), time.process_time()
        fresh.evaluate(config, 1, seed=0)
        one, one_cpu = time.perf_counter() - t0, time.process_time() - c0
        t0, c0 = time.perf_counter(), time.process_time()
        full = fresh.evaluate(config, 50, seed=0)
        fifty, fifty_cpu = time.perf_counter() - t0, time.process_time() - c0
        keeping = problems.create("lcnet-digits")
        t0, c0 = time.perf_counter(), time.process_time()
        keeping.evaluate(config, 10, seed=0)
        ten, ten_cpu = time.perf_counter() - t0, time.process_time() - c0
        t0, c0 = time.perf_counter(), time.process_time()
        continued = keeping.evaluate(config, 50, seed=1)
        rest, rest_cpu = time.perf_counter() - t0, time.process_time() - c0
        assert continued.value == full.value  # continuation equals straight-through training
        trained = full.info["epochs_trained"]
        rows.append({"one": one, "fifty": fifty, "ten": ten, "rest": rest, "value": full.value,
                     "one_cpu": one_cpu, "fifty_cpu": fifty_cpu, "ten_cpu": ten_cpu, "rest_cpu": rest_cpu,
                     "sec_per_epoch": sum(full.info["curve"]["seconds"]) / trained,
                     "charged_continued": 10 / 50 + continued.cost, "charged_scratch": 10 / 50 + full.cost})
    return {k: np.array([r[k] for r in rows]) for k in rows[0]}


def held_out(frame, folds: int = 5) -> dict:
    """Spearman of held-out predictions vs observed objectives, and the seed ceiling."""
    configs, curves, seconds, keys = table_curves(frame)
    patience = np.array([c["patience"] for c in configs])
    observed, _, _, _ = objective_of_curves(curves, patience, np.full(len(configs), 50))
    ids = np.unique(keys[:, 0])
    seeds = np.unique(keys[:, 1])
    obs = np.full((len(ids), len(seeds)), np.nan)
    sec = np.zeros(len(ids))
    for row, (cid, seed) in enumerate(keys):
        i = np.searchsorted(ids, cid)
        obs[i, np.searchsorted(seeds, seed)] = observed[row]
        sec[i] += seconds[row] / np.sum(keys[:, 0] == cid)
    pred = np.zeros(len(ids))
    pred_sec = np.zeros(len(ids))
    for fold in range(folds):
        test_ids = ids[ids % folds == fold]
        train = ~np.isin(keys[:, 0], test_ids)
        model = SurrogateModel([c for c, t in zip(configs, train) if t], {k: v[train] for k, v in curves.items()},
                               seconds[train], keys[train])
        first = {cid: row for row, cid in reversed(list(enumerate(keys[:, 0])))}
        test_configs = [configs[first[cid]] for cid in test_ids]
        mean_curves, mean_sec = model.predict(test_configs)
        values, _, _, _ = objective_of_curves(mean_curves, np.array([c["patience"] for c in test_configs]),
                                              np.full(len(test_ids), 50))
        idx = np.searchsorted(ids, test_ids)
        pred[idx], pred_sec[idx] = values, mean_sec
    sec_seed = np.full((len(ids), len(seeds)), np.nan)
    for row, (cid, seed) in enumerate(keys):
        sec_seed[np.searchsorted(ids, cid), np.searchsorted(seeds, seed)] = seconds[row]
    per_seed = [spearmanr(pred, obs[:, s]).statistic for s in range(len(seeds))]
    ceiling = [spearmanr(obs[:, a], obs[:, b]).statistic for a in range(len(seeds)) for b in range(a + 1, len(seeds))]
    # Where the error is: configs that learn (mean final loss below 1) ranked among themselves,
    # and learnt-or-not as a classification by the predicted value.
    from sklearn.metrics import roc_auc_score

    learnt = np.nanmean(obs, axis=1) < 1.0
    within = {"within_learnt": float(spearmanr(pred[learnt], obs[learnt, 0]).statistic),
              "within_learnt_ceiling": float(spearmanr(obs[learnt, 0], obs[learnt, 1]).statistic)
              if len(seeds) > 1 else math.nan,
              "learnt_share": float(learnt.mean()),
              "learnt_auc": float(roc_auc_score(learnt, -pred)) if 0 < learnt.sum() < len(learnt) else math.nan}
    return {**within, "configs": len(ids), "seeds": len(seeds), "spearman": float(np.mean(per_seed)),
            "spearman_vs_mean": float(spearmanr(pred, np.nanmean(obs, axis=1)).statistic),
            "ceiling": float(np.mean(ceiling)) if ceiling else math.nan,
            "runtime_spearman": float(spearmanr(pred_sec, sec_seed[:, 0]).statistic),
            "runtime_ceiling": float(spearmanr(sec_seed[:, 0], sec_seed[:, 1]).statistic) if len(seeds) > 1 else math.nan}


def final_value(trials) -> float:
    """Best value among the trials at the highest fidelity reached (full fidelity when any)."""
    ok = [t for t in trials if t.ok]
    top = max(t.fidelity for t in ok)
    return min(t.value for t in ok if t.fidelity == top)


class OneAtATime:
    """A strategy asked for one suggestion at a time.

    Under a cost budget the sequential runner asks a strategy without a batch limit (random
    search, Hyperband) for up to 1,024 suggestions and evaluates them all before keeping the
    prefix the budget allows: free on a surrogate, hours of training on the live task.
    """

    max_batch = 1

    def __init__(self, strategy) -> None:
        self.strategy = strategy
        self.name = strategy.name

    def ask(self, n: int):
        """One suggestion of the wrapped strategy."""
        return self.strategy.ask(min(n, 1))

    def tell(self, trials) -> None:
        """Pass the trials on."""
        self.strategy.tell(trials)


def study(problem_factory, names, seeds, budget, workers=1, cache: dict | None = None,
          on_run=None, one_at_a_time: bool = False) -> tuple[dict, float, float]:
    """Final value per (strategy, seed) ``{name: [values]}``, total simulated seconds, wall seconds.

    ``cache`` (``{"name/seed/budget": value}``) holds runs already made; new ones are added
    and ``on_run(cache)`` is called after each (so an interrupted live study keeps its runs).
    """
    values, simulated = {}, 0.0
    study.training_seconds = 0.0
    started = time.perf_counter()
    for name in names:
        values[name] = []
        for rep in seeds:
            key = f"{name}/{rep}/{budget.amount:g}"
            if cache is not None and key in cache:
                values[name].append(cache[key])
                continue
            problem = problem_factory()
            strategy = strategies.factory(name)(problem.space, rep, budget, problem.fidelity)
            strategy = OneAtATime(strategy) if one_at_a_time else strategy
            kwargs = {"workers": workers, "clock": "simulated"} if workers > 1 else {}
            outcome = drive(problem, strategy, budget, seed=1000 + rep, **kwargs)
            values[name].append(final_value(outcome.trials))
            if cache is not None:
                cache[key] = values[name][-1]
                if on_run is not None:
                    on_run(cache)
            if workers > 1:
                simulated += max(getattr(t, "end_time", 0.0) or 0.0 for t in outcome.trials)
                study.training_seconds += sum(t.end_time - t.start_time for t in outcome.trials)
    return values, simulated, time.perf_counter() - started


def mean_ranks(values: dict) -> dict:
    """Mean rank of each strategy over seeds (rank 1 = lowest final value of that seed; ties averaged)."""
    from scipy.stats import rankdata

    names = list(values)
    table = np.array([values[n] for n in names])  # (strategies, seeds)
    ranks = np.apply_along_axis(rankdata, 0, table)
    return dict(zip(names, ranks.mean(axis=1).tolist()))


def rank_agreement(seeds: int, budget_amount: float) -> None:
    """The live study and the same on the surrogate; Kendall tau of the strategies' mean ranks."""
    budget = Budget(budget_amount, "cost")
    cache = json.loads(LIVE_CACHE.read_text()) if LIVE_CACHE.exists() else {}
    LIVE_CACHE.parent.mkdir(exist_ok=True)

    def save(runs: dict) -> None:
        LIVE_CACHE.write_text(json.dumps(runs, indent=1, sort_keys=True))

    live, _, live_wall = study(lambda: problems.create("lcnet-digits"), RANK_STRATEGIES, range(seeds), budget,
                               cache=cache, on_run=save, one_at_a_time=True)
    sur, _, sur_wall = study(LCNetSurrogate, RANK_STRATEGIES, range(seeds), budget, one_at_a_time=True)
    live_ranks, sur_ranks = mean_ranks(live), mean_ranks(sur)
    for name in RANK_STRATEGIES:
        print(f"  {name:16s} live mean {np.mean(live[name]):.4f} rank {live_ranks[name]:.2f}   "
              f"surrogate mean {np.mean(sur[name]):.4f} rank {sur_ranks[name]:.2f}")
    tau_rank = kendalltau([live_ranks[n] for n in RANK_STRATEGIES], [sur_ranks[n] for n in RANK_STRATEGIES]).statistic
    tau_mean = kendalltau([np.mean(live[n]) for n in RANK_STRATEGIES], [np.mean(sur[n]) for n in RANK_STRATEGIES]).statistic
    print(f"Kendall tau of the strategies' mean ranks ({len(RANK_STRATEGIES)} strategies x {seeds} seeds, cost budget "
          f"{budget_amount:g} full evaluations): {tau_rank:.2f} (of mean final values: {tau_mean:.2f}); wall "
          f"{live_wall:.0f} s live (cached runs count 0) vs {sur_wall:.1f} s surrogate")


SECTIONS = ("timings", "surrogate", "sizes", "rank", "study")


def read_table(path: Path):
    """A finished table, or every finished part of a table still being built (a ``.parts`` folder)."""
    import pandas as pd

    if path.is_dir():
        parts = sorted(path.glob("part-*.parquet"))
        return pd.concat([pq.read_table(p).to_pandas() for p in parts], ignore_index=True)
    return pq.read_table(path).to_pandas()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=SECTIONS, default=list(SECTIONS), help="sections to run")
    parser.add_argument("--table", type=Path, default=TABLE,
                        help="table (or a tabulate .parts folder) for the held-out figures; the problem uses its own")
    parser.add_argument("--live-configs", type=int, default=8, help="fresh live configs (timings, live Spearman)")
    parser.add_argument("--rank-seeds", type=int, default=4, help="seeds of the live rank-agreement study")
    parser.add_argument("--rank-budget", type=float, default=6.0, help="cost budget (full evaluations) per live run")
    parser.add_argument("--sizes", type=int, nargs="+", default=[64, 128, 256, 512, 1024],
                        help="training-set sizes (configs) of the held-out learning curve")
    parser.add_argument("--study-seeds", type=int, default=20)
    parser.add_argument("--study-budget", type=float, default=100.0)
    args = parser.parse_args()
    only = set(args.only)

    frame = read_table(args.table)
    print(f"table: {args.table.name}, {frame.config_id.nunique()} configs x {frame.seed.nunique()} seeds, {len(frame):,} rows")

    from problems.dl.lcnet_space import lcnet_space

    space = lcnet_space()
    fresh = sobol_configs(space, args.live_configs, seed=1)
    live = live_timings(fresh) if "timings" in only else None
    if live is not None:
        print("\n## lcnet-digits (live, one core)")
        for label, key in (("1 epoch", "one"), ("50 epochs", "fifty")):
            print(f"seconds per evaluation at {label}: CPU median {np.median(live[key + '_cpu']):.2f}, max "
                  f"{live[key + '_cpu'].max():.2f}; wall median {np.median(live[key]):.2f}, max {live[key].max():.2f} "
                  f"({args.live_configs} fresh Sobol configs, patience 0)")
        scratch = live["ten_cpu"] + live["fifty_cpu"]
        continued = live["ten_cpu"] + live["rest_cpu"]
        print(f"10 then 50 epochs (patience 0): continued {continued.sum():.1f} CPU s vs from scratch {scratch.sum():.1f} CPU s "
              f"(saving {1 - continued.sum() / scratch.sum():.0%}); charged {live['charged_continued'].mean():.2f} vs "
              f"{live['charged_scratch'].mean():.2f} full evaluations; continued values equal straight-through: yes")

    if "surrogate" in only:
        print("\n## lcnet-digits-surrogate")
        t0 = time.perf_counter()
        SurrogateModel(*table_curves(frame))
        print(f"fit from the table: {time.perf_counter() - t0:.2f} s")
        surrogate = LCNetSurrogate()
        batch = space.sample(np.random.default_rng(0), 10_000)
        walls, cpus = [], []
        for _ in range(3):  # the best of three: the machine is shared, other sessions' load only slows it
            t0, c0 = time.perf_counter(), time.process_time()
            surrogate.evaluate_batch(batch, [50] * len(batch), range(len(batch)))
            walls.append(time.perf_counter() - t0)
            cpus.append(time.process_time() - c0)
        print(f"batch of 10,000 configs (best of 3; first {len(batch) / walls[0]:,.0f} wall, {len(batch) / cpus[0]:,.0f} CPU): "
              f"{len(batch) / min(walls):,.0f} configs/s wall, {len(batch) / min(cpus):,.0f} configs/s CPU")
        one = space.sample(np.random.default_rng(1), 200)
        c0 = time.process_time()
        for config in one:
            surrogate.evaluate_batch([config], [10], [0])
        print(f"one config at a time: {(time.process_time() - c0) / len(one) * 1000:.2f} ms CPU each")
        cv = held_out(frame)
        print(f"held-out table configs (5 folds, {cv['configs']} configs x {cv['seeds']} seeds): Spearman {cv['spearman']:.3f} "
              f"vs one seed ({cv['spearman_vs_mean']:.3f} vs the seed mean); noise ceiling (seed vs seed) {cv['ceiling']:.3f}; "
              f"seconds per epoch Spearman {cv['runtime_spearman']:.3f} vs one seed (ceiling {cv['runtime_ceiling']:.3f})")
        print(f"  configs that learn (mean final loss < 1, {cv['learnt_share']:.0%} of the table): Spearman among "
              f"them {cv['within_learnt']:.3f} vs seed 0 (seed-vs-seed ceiling {cv['within_learnt_ceiling']:.3f}); "
              f"learnt-or-not from the predicted value: AUC {cv['learnt_auc']:.3f}")
    if live is not None:
        mean_model = LCNetSurrogate(noise=False)
        evaluations = mean_model.evaluate_batch(fresh, [50] * len(fresh), range(len(fresh)))
        predicted = [e.value for e in evaluations]
        pred_sec = [e.info["seconds_per_epoch"] for e in evaluations]
        print(f"fresh live evaluations ({len(fresh)} configs, seed 0): Spearman {spearmanr(predicted, live['value']).statistic:.3f}; "
              f"seconds per epoch Spearman {spearmanr(pred_sec, live['sec_per_epoch']).statistic:.3f}")

    if "sizes" in only:
        print("\n## held-out Spearman against training-set size")
        for size in args.sizes:
            if size > frame.config_id.nunique():
                print(f"  {size:5d} configs: not in this table ({frame.config_id.nunique()} configs)")
                continue
            cv = held_out(frame[frame.config_id < size])
            print(f"  {size:5d} configs (5 folds): Spearman {cv['spearman']:.3f} (ceiling {cv['ceiling']:.3f}); "
                  f"seconds per epoch {cv['runtime_spearman']:.3f} (ceiling {cv['runtime_ceiling']:.3f})")

    if "rank" in only:
        print("\n## strategy ranks, live vs surrogate")
        rank_agreement(args.rank_seeds, args.rank_budget)

    if "study" in only:
        print("\n## a study the live task could not afford")
        budget = Budget(args.study_budget, "cost")
        c0 = time.process_time()
        finals, simulated, wall = study(LCNetSurrogate, STUDY_STRATEGIES, range(args.study_seeds), budget, workers=8)
        cpu = time.process_time() - c0
        ranks = mean_ranks(finals)
        for name in STUDY_STRATEGIES:
            print(f"  {name:20s} median final full-fidelity value {np.median(finals[name]):.4f}, mean rank {ranks[name]:.2f}")
        print(f"{len(STUDY_STRATEGIES)} strategies x {args.study_seeds} seeds x 8 workers, {args.study_budget:g} full "
              f"evaluations each: {study.training_seconds / 3600:.1f} simulated hours of training (trial durations "
              f"summed; {simulated / 3600:.1f} h of 8-worker makespans) in {wall:.1f} s wall, {cpu:.1f} s CPU")


if __name__ == "__main__":
    main()
