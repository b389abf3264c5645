"""Recompute the pinned baselines of Bayesmark's score (``problems/bayesmark/baselines.json``).

    python bench/bayesmark_baselines.py --problems bayesmark-DT-breast-acc --evaluations 256
    python bench/bayesmark_baselines.py --all --evaluations 256 --pool results/bayesmark

Bayesmark's score needs two fixed numbers per problem (``docs/scoring.rst``): ``clip``, the
median loss of one random-search evaluation, and ``best``, the best loss known. For each
problem this script evaluates ``--evaluations`` configs drawn as the ``random`` strategy draws
them (uniform, log-uniform on log axes) at data seed 0, with seeds derived from ``--seed`` and
the problem name by ``numpy.random.SeedSequence``; ``clip`` is the median of the finite
losses (a failure is ``+inf`` to Bayesmark, so it counts above the median). ``best`` is the
lowest loss among these evaluations, the ok trials of the ``--pool`` result directories
(``harness.load``) and the previously pinned value (a best known value only improves), lowered
by Bayesmark's padding (``PAD_FACTOR`` ulps). Each entry records its provenance: the command,
the number of evaluations, the pooled directories, the harness commit, scikit-learn's version
and the date. JSON only (no pickle).
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from harness.analysis.bayesmark_score import padded_best  # noqa: E402
from problems.bayesmark.tasks import BASELINES_FILE, problem_names  # noqa: E402


def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, check=True,
                              capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def random_losses(name: str, evaluations: int, seed: int) -> list[float]:
    """Losses of ``evaluations`` random configs of problem ``name`` (``inf`` for failures)."""
    from harness.registry import problems

    problem = problems.create(name)
    stream = np.random.SeedSequence([seed, zlib.crc32(name.encode())])
    config_seed, trial_seed = stream.spawn(2)
    configs = problem.space.sample(np.random.default_rng(config_seed), evaluations)
    trial_seeds = trial_seed.generate_state(evaluations, dtype=np.uint32)
    losses = []
    for config, s in zip(configs, trial_seeds):
        try:
            losses.append(problem.evaluate(config, None, int(s)).value)
        except Exception:  # a failed evaluation is an infinite loss to Bayesmark
            losses.append(math.inf)
    return losses


def pooled_best(name: str, pools: list[Path]) -> float:
    """Lowest ok value of problem ``name`` in the stored results ``pools``."""
    import harness

    best = math.inf
    for pool in pools:
        trials = harness.load(pool)
        mine = trials[(trials["problem_name"] == name) & (trials["status"] == "ok")]
        if not mine.empty:
            best = min(best, float(mine["value"].min()))
    return best


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problems", nargs="*", default=[], help="Bayesmark problem names")
    parser.add_argument("--all", action="store_true", help="every Bayesmark problem (90)")
    parser.add_argument("--evaluations", type=int, default=256)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--pool", nargs="*", default=[], type=Path, help="result directories whose trials count")
    parser.add_argument("--pool-only", action="store_true",
                        help="keep each pinned clip (no new random evaluations); only lower best from --pool")
    args = parser.parse_args(argv)
    names = problem_names() if args.all else args.problems
    unknown = sorted(set(names) - set(problem_names()))
    if not names or unknown:
        parser.error(f"name Bayesmark problems (or --all); unknown: {unknown}")
    document = json.loads(BASELINES_FILE.read_text()) if BASELINES_FILE.exists() else {"problems": {}}
    document["about"] = ("Bayesmark score baselines per problem at data seed 0: clip = median loss of one "
                         "random evaluation, best = best known loss lowered by Bayesmark's padding. "
                         "Recompute with bench/bayesmark_baselines.py.")
    import sklearn

    for name in names:
        old = document["problems"].get(name, {})
        if args.pool_only:
            if not old:
                print(f"{name}: not pinned yet; run without --pool-only first", file=sys.stderr)
                continue
            clip, observed = old["clip"], pooled_best(name, args.pool)
            args.evaluations, losses = old["random_evaluations"], np.asarray([old["best_observed"]])
        else:
            losses = np.asarray(random_losses(name, args.evaluations, args.seed))
            clip = float(np.median(losses))
            observed = min(float(losses.min()), pooled_best(name, args.pool))
        previous = old.get("best_observed", math.inf)
        best_observed = min(observed, previous)
        if not math.isfinite(clip) or not math.isfinite(best_observed):
            print(f"{name}: more than half the random evaluations failed; not pinned", file=sys.stderr)
            continue
        command = (f"python bench/bayesmark_baselines.py --problems {name} --evaluations {args.evaluations} "
                   f"--seed {args.seed}" + "".join(f" --pool {p}" for p in args.pool))
        document["problems"][name] = {
            "clip": clip,
            "best": padded_best(best_observed),
            "best_observed": best_observed,
            "random_evaluations": int(args.evaluations),
            "random_failed": old.get("random_failed", 0) if args.pool_only else int(np.sum(~np.isfinite(losses))),
            "provenance": (f"{args.evaluations} random evaluations (seed {args.seed})"
                           + (f" + pooled {', '.join(map(str, args.pool))}" if args.pool else "")
                           + (", kept the earlier best" if previous < observed else "")),
            "command": command,
            "commit": _commit(),
            "sklearn": sklearn.__version__,
            "date": datetime.date.today().isoformat(),
        }
        print(f"{name:40s} clip {clip:.6g}  best {best_observed:.6g}", flush=True)
        document["problems"] = dict(sorted(document["problems"].items()))
        tmp = BASELINES_FILE.with_suffix(".tmp")
        tmp.write_text(json.dumps(document, indent=1) + "\n")
        tmp.replace(BASELINES_FILE)
    return 0


if __name__ == "__main__":
    sys.exit(main())
