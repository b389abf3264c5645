"""``harness tabulate``: a tabular benchmark of whole learning curves, rebuilt by a command.

``tabulate(problem, configs=N, seeds=S)`` draws N configurations from a scrambled Sobol
sequence over the problem's space (seed 0, decoded through the space so conditional
parameters are set only where active), trains each with S seeds at the full fidelity through
the problem's ``learning_curve(config, seed, epochs)``, and writes one Parquet table with a
row per (config, seed, epoch): ``config_id``, ``seed``, ``epoch``, ``param_<name>`` (null when
inactive), the curve series (``train_loss``, ``train_error``, ``val_loss``, ``val_error``,
``test_loss``, ``test_error``, ``seconds``) and ``diverged``.

The work is cut into chunks of configs, each a Ray task (or run in-process with the serial
executor). A finished chunk is written at once as ``<out>.parts/part-<first>-<last>.parquet``
(its range of config ids; temporary file + rename), so a killed build resumes where it
stopped when the same command runs again; once every chunk is there they are joined into
``<out>`` and the parts removed. The first N points of a Sobol sequence do not depend on N,
so a build may also be resumed with another ``--configs``: parts of whole chunks are reused.
Provenance goes into the table's Parquet metadata and into ``<out minus .parquet>.json``:
the command, problem and parameters, the environment (git commit, package versions,
machine), compute and wall seconds summed over invocations, and the noise ceiling (the
Spearman correlation between seeds of the final validation value, mean over seed pairs).
"""

from __future__ import annotations

import json
import math
import os
import shlex
import sys
import time
import warnings
from itertools import combinations
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from harness.environment import environment
from harness.store import atomic_write
from harness.registry import problems

__all__ = ["TabulateError", "sobol_configs", "tabulate", "noise_ceiling", "read_provenance", "CURVE_COLUMNS"]

CURVE_COLUMNS = ("train_loss", "train_error", "val_loss", "val_error", "test_loss", "test_error", "seconds")


class TabulateError(ValueError):
    """Bad arguments to ``harness tabulate`` (exit status 2 from the CLI)."""


def sobol_configs(space, n: int, seed: int = 0) -> list[dict]:
    """``n`` configs from a scrambled Sobol sequence in the unit cube, decoded by ``space``."""
    from scipy.stats import qmc

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # balance properties need n = 2**m; any n is fine here
        unit = qmc.Sobol(d=len(space), scramble=True, seed=seed).random(n)
    return space.decode(unit)


def _chunk_rows(problem_name: str, problem_params: Mapping[str, Any], instance: int | None,
                items: Sequence[tuple[int, dict, int]], epochs: int) -> tuple[pa.Table, float]:
    """Train every (config_id, config, seed) of one chunk; an Arrow table and its compute seconds."""
    from harness.executors import _single_threaded_blas

    _single_threaded_blas()
    problem = problems.create(problem_name, instance=instance, **problem_params)
    names = problem.space.names
    columns: dict[str, list] = {"config_id": [], "seed": [], "epoch": [], **{f"param_{n}": [] for n in names},
                                **{c: [] for c in CURVE_COLUMNS}, "diverged": []}
    start = time.perf_counter()
    for config_id, config, seed in items:
        curve = problem.learning_curve(config, seed, epochs)
        length = len(curve["seconds"])
        columns["config_id"] += [config_id] * length
        columns["seed"] += [seed] * length
        columns["epoch"] += list(range(1, length + 1))
        for n in names:
            columns[f"param_{n}"] += [config.get(n)] * length
        for c in CURVE_COLUMNS:
            columns[c] += curve[c]
        columns["diverged"] += [bool(curve["diverged"][0])] * length
    seconds = time.perf_counter() - start
    arrays = {}
    for key, values in columns.items():
        if key.startswith("param_"):
            param = problem.space[key[len("param_"):]]
            kind = {"float": pa.float64(), "int": pa.int64()}.get(param.kind)
            if kind is None:  # categorical: stored as text, so bool/str choices share one type
                values = [None if v is None else str(v) for v in values]
                kind = pa.string()
            arrays[key] = pa.array(values, type=kind)
        else:
            arrays[key] = pa.array(values)
    return pa.table(arrays), seconds


def noise_ceiling(table: pa.Table | Any, column: str = "val_loss") -> float:
    """Mean Spearman correlation, over pairs of seeds, of each config's last-epoch ``column``."""
    from scipy.stats import spearmanr

    df = table.to_pandas() if isinstance(table, pa.Table) else table
    last = df.sort_values("epoch").groupby(["config_id", "seed"])[column].last().unstack("seed")
    values = []
    for a, b in combinations(last.columns, 2):
        pair = last[[a, b]].dropna()
        if len(pair) > 2:
            values.append(spearmanr(pair[a], pair[b]).statistic)
    return float(np.mean(values)) if values else math.nan


def _sidecar(out: Path) -> Path:
    return out.with_suffix(".json")


def read_provenance(out: str | Path) -> dict:
    """The provenance JSON written next to a table."""
    return json.loads(_sidecar(Path(out)).read_text())


def tabulate(problem: str, *, configs: int, seeds: int, out: str | Path, epochs: int | None = None,
             chunk: int = 4, executor: str = "ray", address: str | None = None, workers: int | None = None,
             instance: int | None = None, problem_params: Mapping[str, Any] | None = None,
             command: str | None = None, progress: bool = True) -> Path:
    """Build (or resume) the table of ``problem`` (see the module docstring); returns ``out``."""
    problem_params = dict(problem_params or {})
    for name, value, low in (("configs", configs, 1), ("seeds", seeds, 1), ("chunk", chunk, 1)):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise TabulateError(f"The '--{name}' option of harness tabulate must be an integer >= {low}. Got {value!r}.")
    try:
        instance_problem = problems.create(problem, instance=instance, **problem_params)
    except Exception as exc:  # noqa: BLE001 - one line for the user
        raise TabulateError(f"harness tabulate cannot build problem '{problem}': {str(exc).splitlines()[0]}") from None
    if not hasattr(instance_problem, "learning_curve") or instance_problem.fidelity is None:
        raise TabulateError(f"Problem '{problem}' has no learning curves to tabulate (it needs a fidelity and a "
                            "learning_curve method, like lcnet-digits).")
    top = int(instance_problem.fidelity.high)
    epochs = top if epochs is None else epochs
    if isinstance(epochs, bool) or not isinstance(epochs, int) or not 1 <= epochs <= top:
        raise TabulateError(f"The '--epochs' option of harness tabulate must be an integer in [1, {top}]. Got {epochs!r}.")
    out = Path(out)
    if out.suffix != ".parquet":
        raise TabulateError(f"The '--out' option of harness tabulate must end in .parquet. Got {str(out)!r}.")
    spec = {"problem": problem, "problem_params": problem_params, "instance": instance,
            "seeds": seeds, "epochs": epochs, "chunk": chunk, "sobol_seed": 0}
    parts = out.with_name(out.name + ".parts")
    parts.mkdir(parents=True, exist_ok=True)
    spec_file = parts / "spec.json"
    if spec_file.exists() and json.loads(spec_file.read_text()) != spec:
        raise TabulateError(f"{parts} holds a build with other settings ({spec_file}); remove it or use another --out.")
    atomic_write(spec_file, json.dumps(spec, indent=2).encode())
    spec["configs"] = configs
    drawn = sobol_configs(instance_problem.space, configs)
    chunks = {_part_name(k, min(k + chunk, configs)): [(i, drawn[i], s) for i in range(k, min(k + chunk, configs))
                                                       for s in range(seeds)]
              for k in range(0, configs, chunk)}
    if out.exists():
        _reuse_finished_table(out, parts, spec, chunks)
    todo = {name: items for name, items in chunks.items() if not (parts / name).exists()}
    started = time.perf_counter()
    invocation = f"{os.getpid()}-{time.time():.6f}"
    done = len(chunks) - len(todo)
    for k, table, seconds in _execute(problem, problem_params, instance, todo, epochs, executor, address, workers):
        meta = {b"compute_seconds": str(seconds).encode()}
        table = table.replace_schema_metadata(meta)
        sink = pa.BufferOutputStream()
        pq.write_table(table, sink)
        atomic_write(parts / k, sink.getvalue().to_pybytes())
        _record_wall(parts, invocation, time.perf_counter() - started)
        done += 1
        if progress:
            print(f"\rtabulate {problem}: {done}/{len(chunks)} chunks", end="", file=sys.stderr, flush=True)
    if progress and todo:
        print(file=sys.stderr)
    _record_wall(parts, invocation, time.perf_counter() - started)
    return _finish(out, parts, list(chunks), spec, command)


def _reuse_finished_table(out: Path, parts: Path, spec: dict, chunks: dict) -> None:
    """Split a finished table built with the same settings back into parts, so a build can
    grow (a larger ``--configs``) without retraining what it holds.

    A reused part's compute seconds are the sum of its epochs' seconds (the per-part figure of
    the earlier build is not kept); the earlier build's wall seconds count as one invocation.
    """
    provenance = json.loads(pq.read_schema(out).metadata[b"harness.provenance"])
    if {k: provenance.get(k) for k in spec if k != "configs"} != {k: v for k, v in spec.items() if k != "configs"}:
        raise TabulateError(f"{out} was built with other settings; remove it or use another --out.")
    table = pq.read_table(out).replace_schema_metadata(None)
    ids = np.asarray(table.column("config_id"))
    for name, items in chunks.items():
        wanted = sorted({config_id for config_id, _, _ in items})
        if (parts / name).exists() or not np.isin(wanted, ids).all():
            continue
        rows = table.filter(pa.array(np.isin(ids, wanted)))
        compute = float(np.sum(np.asarray(rows.column("seconds"))))
        sink = pa.BufferOutputStream()
        pq.write_table(rows.replace_schema_metadata({b"compute_seconds": str(compute).encode()}), sink)
        atomic_write(parts / name, sink.getvalue().to_pybytes())
    if not (parts / "wall.jsonl").exists():
        _record_wall(parts, f"earlier build of {out.name}", float(provenance.get("wall_seconds", 0.0)))


def _part_name(first: int, end: int) -> str:
    return f"part-{first:05d}-{end - 1:05d}.parquet"


def _execute(problem, params, instance, todo: dict, epochs, executor, address, workers) -> Iterator[tuple[str, pa.Table, float]]:
    if executor == "serial":
        for k, items in todo.items():
            yield (k, *_chunk_rows(problem, params, instance, items, epochs))
        return
    if executor != "ray":
        raise TabulateError(f"The '--executor' option of harness tabulate must be 'ray' or 'serial'. Got {executor!r}.")
    from harness.executors import RayExecutor

    ray_executor = RayExecutor(address=address, workers=workers)
    ray = ray_executor._ray
    remote = ray.remote(num_cpus=1, max_retries=2)(_chunk_rows)
    pending = {remote.remote(problem, params, instance, items, epochs): k for k, items in todo.items()}
    try:
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1)
            k = pending.pop(ready[0])
            yield (k, *ray.get(ready[0]))
    finally:
        for ref in pending:
            ray.cancel(ref, force=True)
        ray_executor.close()


def _record_wall(parts: Path, invocation: str, seconds: float) -> None:
    # Appended after every part, so a killed invocation still counts up to its last part.
    with open(parts / "wall.jsonl", "a") as handle:
        handle.write(json.dumps({"invocation": invocation, "wall_seconds": seconds}) + "\n")


def _finish(out: Path, parts: Path, names: list[str], spec: dict, command: str | None) -> Path:
    files = [parts / name for name in names]
    tables = [pq.read_table(f) for f in files]
    compute = sum(float(t.schema.metadata[b"compute_seconds"]) for t in tables)
    walls: dict[str, float] = {}
    for line in (parts / "wall.jsonl").read_text().splitlines():
        if line.strip():
            entry = json.loads(line)
            key = entry.get("invocation", f"line-{len(walls)}")
            walls[key] = max(walls.get(key, 0.0), entry["wall_seconds"])
    table = pa.concat_tables([t.replace_schema_metadata(None) for t in tables])
    provenance = {
        **spec,
        "command": command or " ".join(shlex.quote(a) for a in ["harness", *sys.argv[1:]]),
        "rows": table.num_rows,
        "compute_seconds": compute,
        "wall_seconds": sum(walls.values()),
        "invocations": len(walls),
        "noise_ceiling_spearman_val_loss": noise_ceiling(table) if spec["seeds"] > 1 else None,
        "environment": environment(),
    }
    table = table.replace_schema_metadata({b"harness.provenance": json.dumps(provenance).encode()})
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd")
    atomic_write(out, sink.getvalue().to_pybytes())
    atomic_write(_sidecar(out), (json.dumps(provenance, indent=2) + "\n").encode())
    for f in parts.glob("part-*.parquet"):
        f.unlink()
    for extra in ("spec.json", "wall.jsonl"):
        (parts / extra).unlink(missing_ok=True)
    os.rmdir(parts)
    return out
