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
import math
import time

import numpy as np
import pyarrow.parquet as pq
from scipy.stats import kendalltau, spearmanr

from harness.protocols import Budget
from harness.registry import problems, strategies
from harness.runner import drive
from harness.tabulate import sobol_configs
from problems.dl.surrogate import TABLE, LCNetSurrogate, SurrogateModel, objective_of_curves, table_curves

RANK_STRATEGIES = ["random", "hyperband", "asha", "median-stopping"]
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
    return {"configs": len(ids), "seeds": len(seeds), "spearman": float(np.mean(per_seed)),
            "spearman_vs_mean": float(spearmanr(pred, np.nanmean(obs, axis=1)).statistic),
            "ceiling": float(np.mean(ceiling)) if ceiling else math.nan,
            "runtime_spearman": float(spearmanr(pred_sec, sec_seed[:, 0]).statistic),
            "runtime_ceiling": float(spearmanr(sec_seed[:, 0], sec_seed[:, 1]).statistic) if len(seeds) > 1 else math.nan}


def final_value(trials) -> float:
    """Best value among the trials at the highest fidelity reached (full fidelity when any)."""
    ok = [t for t in trials if t.ok]
    top = max(t.fidelity for t in ok)
    return min(t.value for t in ok if t.fidelity == top)


def study(problem_factory, names, seeds, budget, workers=1) -> tuple[dict, float, float]:
    """Mean final value per strategy, total simulated seconds, wall seconds."""
    means, simulated = {}, 0.0
    started = time.perf_counter()
    for name in names:
        values = []
        for rep in seeds:
            problem = problem_factory()
            strategy = strategies.factory(name)(problem.space, rep, budget, problem.fidelity)
            kwargs = {"workers": workers, "clock": "simulated"} if workers > 1 else {}
            outcome = drive(problem, strategy, budget, seed=1000 + rep, **kwargs)
            values.append(final_value(outcome.trials))
            if workers > 1:
                simulated += max(getattr(t, "end_time", 0.0) or 0.0 for t in outcome.trials)
        means[name] = float(np.mean(values))
    return means, simulated, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--live-configs", type=int, default=8, help="fresh live configs (timings, live Spearman)")
    parser.add_argument("--rank-seeds", type=int, default=2, help="seeds of the live rank-agreement study")
    parser.add_argument("--rank-budget", type=float, default=4.0, help="cost budget (full evaluations) per live run")
    parser.add_argument("--skip-live", action="store_true", help="only the surrogate's own figures (no torch training)")
    parser.add_argument("--study-seeds", type=int, default=20)
    parser.add_argument("--study-budget", type=float, default=100.0)
    args = parser.parse_args()

    frame = pq.read_table(TABLE).to_pandas()
    print(f"table: {TABLE.name}, {frame.config_id.nunique()} configs x {frame.seed.nunique()} seeds, {len(frame):,} rows")

    from problems.dl.lcnet_space import lcnet_space

    space = lcnet_space()
    fresh = sobol_configs(space, args.live_configs, seed=1)
    live = None if args.skip_live else live_timings(fresh)
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

    print("\n## lcnet-digits-surrogate")
    t0 = time.perf_counter()
    SurrogateModel(*table_curves(frame))
    print(f"fit from the table: {time.perf_counter() - t0:.2f} s")
    surrogate = LCNetSurrogate()
    batch = space.sample(np.random.default_rng(0), 10_000)
    t0, c0 = time.perf_counter(), time.process_time()
    surrogate.evaluate_batch(batch, [50] * len(batch), range(len(batch)))
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"batch of 10,000 configs: {len(batch) / wall:,.0f} configs/s wall, {len(batch) / cpu:,.0f} configs/s CPU")
    cv = held_out(frame)
    print(f"held-out table configs (5 folds, {cv['configs']} configs x {cv['seeds']} seeds): Spearman {cv['spearman']:.3f} "
          f"vs one seed ({cv['spearman_vs_mean']:.3f} vs the seed mean); noise ceiling (seed vs seed) {cv['ceiling']:.3f}; "
          f"seconds per epoch Spearman {cv['runtime_spearman']:.3f} vs one seed (ceiling {cv['runtime_ceiling']:.3f})")
    if live is not None:
        mean_model = LCNetSurrogate(noise=False)
        predicted = [e.value for e in mean_model.evaluate_batch(fresh, [50] * len(fresh), range(len(fresh)))]
        pred_sec = [e.info["seconds_per_epoch"] for e in mean_model.evaluate_batch(fresh, [50] * len(fresh), range(len(fresh)))]
        print(f"fresh live evaluations ({len(fresh)} configs, seed 0): Spearman {spearmanr(predicted, live['value']).statistic:.3f}; "
              f"seconds per epoch Spearman {spearmanr(pred_sec, live['sec_per_epoch']).statistic:.3f}")

        print("\n## strategy ranks, live vs surrogate")
        budget = Budget(args.rank_budget, "cost")
        seeds = range(args.rank_seeds)
        live_means, _, live_wall = study(lambda: problems.create("lcnet-digits"), RANK_STRATEGIES, seeds, budget)
        sur_means, _, sur_wall = study(LCNetSurrogate, RANK_STRATEGIES, seeds, budget)
        tau = kendalltau([live_means[n] for n in RANK_STRATEGIES], [sur_means[n] for n in RANK_STRATEGIES]).statistic
        for name in RANK_STRATEGIES:
            print(f"  {name:16s} live {live_means[name]:.4f}   surrogate {sur_means[name]:.4f}")
        print(f"Kendall tau of strategy means ({len(RANK_STRATEGIES)} strategies x {args.rank_seeds} seeds, budget "
              f"{args.rank_budget:g} full evaluations): {tau:.2f}; wall {live_wall:.0f} s live vs {sur_wall:.1f} s surrogate")

    print("\n## a study the live task could not afford")
    budget = Budget(args.study_budget, "cost")
    _, simulated, wall = study(LCNetSurrogate, STUDY_STRATEGIES, range(args.study_seeds), budget, workers=8)
    print(f"{len(STUDY_STRATEGIES)} strategies x {args.study_seeds} seeds x 8 workers, {args.study_budget:g} full "
          f"evaluations each: {simulated / 3600:.1f} simulated hours of training (8-worker makespans summed) "
          f"in {wall:.1f} s wall")


if __name__ == "__main__":
    main()
