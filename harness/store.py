"""Results on disk: the suite as given, the resolved runs, and every trial, in Parquet.

Layout of ``results/<suite>/``::

    suite.toml          the suite file exactly as given
    runs.json           the resolved run list (one entry per run, with its seeds)
    environment.json    Python, package versions, machine, git commit of the harness
    trials/part-*.parquet
                        finished runs; each part holds whole runs, and its key-value
                        metadata lists those runs (so a run is stored whole or not at all)

Every file is written to a temporary name and renamed into place, so a crash or ``kill -9``
leaves either the old file or the new one, never half of one. Runs are buffered by the
driver (the single writer) and flushed as parts every few seconds, so 10,000 runs make tens
of files, not 10,000, and loading stays fast. Parquet only; never pickle.

A part's name ends in the SHA-256 of its bytes (and its pages carry Parquet CRC checksums),
so a flipped bit anywhere in a part is reported by name instead of silently altering a
config or a value. No finished run is ever deleted except on request (``--retry-failed``,
``--rerun-changed``, ``harness prune``); runs no longer in the suite stay stored and are
set aside when loading (:mod:`harness.run_selection`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from harness.atomic_files import atomic_write
from harness.records import RunRecord, RunSpec
from harness.run_selection import RunSelection, select_runs
from harness.trial_table import RUN_COLUMNS, config_json, trials_table

__all__ = ["StoreError", "Store", "RunResult", "trials_table", "config_json", "RUN_COLUMNS", "atomic_write"]

_RUNS_KEY = b"harness.runs"
#: The search spaces of a part's runs, each once (a run record names its space by key): a
#: 40-parameter space is kilobytes, and a part may hold thousands of runs of one problem.
_SPACES_KEY = b"harness.spaces"
#: Hex digits of a part's SHA-256 in its file name (older parts carry 8 random hex digits).
_HASH_DIGITS = 16
#: Flush buffered runs to a new part after this many seconds or runs, whichever comes first:
#: frequent enough that a kill loses little work, rare enough to keep the file count low.
#: The environment variable HARNESS_FLUSH_SECONDS overrides the interval.
FLUSH_SECONDS = 2.0
FLUSH_RUNS = 2000

class StoreError(RuntimeError):
    """A results directory that cannot be read or written as asked."""


@dataclass(frozen=True, slots=True)
class RunResult:
    """A finished run as a worker returns it: its run record and its trials as a table."""

    record: RunRecord
    table: pa.Table


class Store:
    """One results directory. The driver process is its only writer."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        self.trials_dir = self.path / "trials"
        self._buffer: list[RunResult] = []
        self._lock = threading.RLock()
        self._buffer_since = time.monotonic()
        self._flush_error: Exception | None = None
        self.flush_seconds = float(os.environ.get("HARNESS_FLUSH_SECONDS", FLUSH_SECONDS))

    # -- set-up ----------------------------------------------------------------------------
    def prepare(self, suite_text: str, runs: Sequence[RunSpec], environment: Mapping[str, Any] | None) -> None:
        """Record the suite as given, the resolved run list and the environment.

        ``environment`` is None when nothing will run (every run is stored): the record of
        the invocation that computed the runs is then kept. Each invocation that runs
        something also appends its environment to ``environment-history.jsonl``, so a suite
        resumed on another machine says so.
        """
        self.trials_dir.mkdir(parents=True, exist_ok=True)
        atomic_write(self.path / "suite.toml", suite_text.encode())
        atomic_write(self.path / "runs.json", json.dumps([r.to_json() for r in runs], indent=1).encode())
        if environment is None:
            return
        atomic_write(self.path / "environment.json", json.dumps(dict(environment), indent=1).encode())
        history = self.path / "environment-history.jsonl"
        previous = history.read_bytes() if history.exists() else b""
        atomic_write(history, previous + json.dumps(dict(environment)).encode() + b"\n")

    def planned_runs(self) -> list[RunSpec] | None:
        """Run specs of the current suite (``runs.json``), or None if there is none."""
        path = self.path / "runs.json"
        if not path.exists():
            return None
        try:
            runs = [RunSpec.from_json(r) for r in json.loads(path.read_text())]
            if not all(r.run_id for r in runs):
                raise KeyError("run_id")
        except (ValueError, KeyError, TypeError) as exc:
            raise StoreError(f"{path} is corrupt ({exc}); delete it to start this results directory afresh") from None
        return runs

    def planned_run_ids(self) -> list[str] | None:
        """Run ids of the current suite (``runs.json``), or None if there is none."""
        planned = self.planned_runs()
        return None if planned is None else [r.run_id for r in planned]

    # -- parts -----------------------------------------------------------------------------
    def parts(self) -> list[Path]:
        """Stored part files in write order."""
        if not self.trials_dir.exists():
            return []
        return sorted(self.trials_dir.glob("part-*.parquet"))

    def _part_bytes(self, part: Path) -> bytes:
        """A part's bytes, checked against the SHA-256 in its name."""
        data = part.read_bytes()
        digest = part.stem.rsplit("-", 1)[-1]
        if len(digest) == _HASH_DIGITS and hashlib.sha256(data).hexdigest()[:_HASH_DIGITS] != digest:
            raise StoreError(f"corrupt results file {part}: its content does not match the checksum in its name "
                             "(the file was altered after it was written); restore it from a backup or delete it "
                             "and rerun to recompute its runs")
        return data

    def _part_records(self, part: Path, data: bytes | None = None) -> list[dict]:
        try:
            data = self._part_bytes(part) if data is None else data
            metadata = pq.read_schema(pa.BufferReader(data)).metadata or {}
            records = json.loads(metadata[_RUNS_KEY])
            if _SPACES_KEY in metadata:
                spaces = json.loads(metadata[_SPACES_KEY])
                for record in records:
                    if isinstance(record.get("space"), str):
                        record["space"] = spaces[record["space"]]
            return records
        except StoreError:
            raise
        except FileNotFoundError:
            raise _Vanished() from None
        except Exception as exc:  # noqa: BLE001 - any unreadable part is reported by name
            raise StoreError(f"corrupt results file {part}: {type(exc).__name__}: {exc}") from None

    def _all_records(self) -> list[RunRecord]:
        """Run records of every stored run (one per run id; the first stored wins)."""
        seen: dict[str, dict] = {}
        for part in self.parts():
            for record in self._part_records(part):
                seen.setdefault(record["run_id"], record)
        try:
            return [RunRecord.from_json(r) for r in seen.values()]
        except TypeError as exc:
            raise StoreError(f"a run record under {self.trials_dir} is incomplete ({exc})") from None

    def selection(self, all_runs: bool = False) -> RunSelection:
        """Stored runs split into those of the current suite and the ignored rest.

        ``selection().note()`` is the line to show users ("N stored runs are ignored ...").
        """
        return select_runs(_retrying(self._all_records), self.planned_runs(), all_runs=all_runs)

    def run_records(self, all_runs: bool = False) -> list[RunRecord]:
        """Run-level records of the current suite's stored runs (every stored run with ``all_runs``)."""
        return self.selection(all_runs).kept

    def finished_run_ids(self) -> set[str]:
        """Ids of runs stored whole (the ones a rerun skips)."""
        return {r.run_id for r in self.run_records()}

    # -- writing ---------------------------------------------------------------------------
    def add(self, result: RunResult) -> None:
        """Buffer a finished run; flush when enough time or runs have accumulated."""
        if self._flush_error is not None:
            error, self._flush_error = self._flush_error, None
            raise error
        with self._lock:
            if not self._buffer:
                self._buffer_since = time.monotonic()
            self._buffer.append(result)
            due = len(self._buffer) >= FLUSH_RUNS or self._flush_due()
        if due:
            self.flush()

    def _flush_due(self) -> bool:
        return bool(self._buffer) and time.monotonic() - self._buffer_since >= self.flush_seconds

    def flush(self) -> None:
        """Write buffered runs as one new part file (atomically)."""
        with self._lock:
            if not self._buffer:
                return
            self._write_part([r.table for r in self._buffer], [r.record.to_json() for r in self._buffer])
            self._buffer = []

    @contextlib.contextmanager
    def autoflush(self):
        """Flush buffered runs from a background thread once they waited ``flush_seconds``.

        Without it a finished run waits in the buffer until the next run finishes, so a
        ``kill -9`` could lose runs that finished long before it; with it the loss window is
        the flush interval plus one write, whatever the runs' lengths.
        """
        stop = threading.Event()

        def loop() -> None:
            while not stop.wait(min(0.25, self.flush_seconds / 4)):
                with self._lock:
                    due = self._flush_due()
                if due:
                    try:
                        self.flush()
                    except Exception as exc:  # noqa: BLE001 - raised again in the writer's thread
                        self._flush_error = exc
                        return

        thread = threading.Thread(target=loop, name="harness-autoflush", daemon=True)
        thread.start()
        try:
            yield self
        finally:
            stop.set()
            thread.join()

    def _write_part(self, tables: Sequence[pa.Table], records: Sequence[dict]) -> Path:
        table = _concat(tables)
        metadata = dict(table.schema.metadata or {})
        records, spaces = _spaces_by_key(records)
        metadata[_RUNS_KEY] = json.dumps(records).encode()
        if spaces:
            metadata[_SPACES_KEY] = json.dumps(spaces).encode()
        table = table.replace_schema_metadata(metadata)
        sink = pa.BufferOutputStream()
        pq.write_table(table, sink, compression="zstd", write_page_checksum=True)
        data = sink.getvalue().to_pybytes()
        name = f"part-{time.time_ns():020d}-{hashlib.sha256(data).hexdigest()[:_HASH_DIGITS]}.parquet"
        path = self.trials_dir / name
        atomic_write(path, data)
        return path

    def compact(self) -> None:
        """Merge all parts into one (written before the old ones are removed).

        Every stored run is kept, in the suite or not. A crash between the two steps leaves
        duplicates, which loading ignores (a run id is read from the first part that holds it).
        """
        parts = self.parts()
        if len(parts) <= 1:
            return
        tables, records = self._read_parts(parts, all_runs=True)
        merged = self._write_part(tables, records)
        for part in parts:
            if part != merged:
                part.unlink()

    def drop_runs(self, run_ids: set[str]) -> int:
        """Remove the given stored runs (asked for by the user), rewriting the parts.

        Every other stored run is kept. Returns how many runs were removed.
        """
        parts = self.parts()
        tables, records = self._read_parts(parts, all_runs=True)
        keep = [r for r in records if r["run_id"] not in run_ids]
        if len(keep) == len(records):
            return 0
        ids = pa.array([r["run_id"] for r in keep], pa.string())
        if keep:
            self._write_part([t.filter(pc.is_in(t["run_id"], value_set=ids)) for t in tables], keep)
        for part in parts:
            part.unlink()
        return len(records) - len(keep)

    # -- reading ---------------------------------------------------------------------------
    def _read_parts(self, parts: Iterable[Path], all_runs: bool = False) -> tuple[list[pa.Table], list[dict]]:
        planned = None if all_runs else self.planned_run_ids()
        keep = None if planned is None else set(planned)
        seen: set[str] = set()
        tables, records = [], []
        for part in parts:
            try:
                data = self._part_bytes(part)
            except FileNotFoundError:
                raise _Vanished() from None
            part_records = self._part_records(part, data)
            wanted = [r for r in part_records if r["run_id"] not in seen and (keep is None or r["run_id"] in keep)]
            if not wanted:
                continue
            try:
                table = pq.read_table(pa.BufferReader(data), page_checksum_verification=True)
            except Exception as exc:  # noqa: BLE001
                raise StoreError(f"corrupt results file {part}: {type(exc).__name__}: {exc}") from None
            if len(wanted) != len(part_records):
                ids = pa.array([r["run_id"] for r in wanted], pa.string())
                table = table.filter(pc.is_in(table["run_id"], value_set=ids))
            seen.update(r["run_id"] for r in wanted)
            tables.append(table.replace_schema_metadata(None))
            records.extend(wanted)
        return tables, records

    def load(self, all_runs: bool = False):
        """Stored trials of the current suite as one tidy pandas DataFrame (README: columns).

        Runs no longer in the suite (see :meth:`selection`) are left out unless ``all_runs``.
        """
        if not self.path.exists():
            raise StoreError(f"no results directory at {self.path}")
        tables, _ = _retrying(lambda: self._read_parts(self.parts(), all_runs=all_runs))
        if not tables:
            raise StoreError(f"no stored trials under {self.path}")
        table = _concat(tables)
        return table.to_pandas()

    def runs(self, all_runs: bool = False):
        """One row per stored run of the current suite (runs that ended before any trial included)."""
        import pandas as pd

        return pd.DataFrame([r.to_json() for r in self.run_records(all_runs)])

    def read_json(self, name: str) -> Any:
        """A JSON side file of the results directory (``runs.json``, ``environment.json``)."""
        return json.loads((self.path / name).read_text())


def _spaces_by_key(records: Sequence[dict]) -> tuple[list[dict], dict[str, Any]]:
    """Records whose ``space`` is replaced by a key into the returned table of distinct spaces."""
    spaces: dict[str, Any] = {}
    out = []
    for record in records:
        space = record.get("space")
        if space is not None and not isinstance(space, str):
            text = json.dumps(space, sort_keys=True)
            key = hashlib.sha256(text.encode()).hexdigest()[:16]
            spaces.setdefault(key, space)
            record = {**record, "space": key}
        out.append(record)
    return out, spaces


class _Vanished(Exception):
    """A part listed a moment ago is gone (a concurrent compaction replaced it)."""


def _retrying(read, attempts: int = 5):
    """Call ``read`` again from a fresh listing when a part vanished under it (compaction)."""
    for attempt in range(attempts):
        try:
            return read()
        except _Vanished:
            if attempt == attempts - 1:
                raise StoreError("the results directory kept changing while being read; retry when the run "
                                 "writing it has finished") from None
            time.sleep(0.2)
    raise AssertionError("unreachable")


def _concat(tables: Sequence[pa.Table]) -> pa.Table:
    """Concatenate tables whose parameter columns may differ (problems differ in spaces)."""
    if len(tables) == 1:
        return tables[0]
    try:
        return pa.concat_tables(tables, promote_options="permissive")
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        # Two problems gave one parameter name different types: keep every value as text.
        names = {f.name for t in tables for f in t.schema if f.name.startswith("param_")}
        fixed = []
        for t in tables:
            for name in names & set(t.column_names):
                t = t.set_column(t.column_names.index(name), name, t[name].cast(pa.string()))
            fixed.append(t)
        return pa.concat_tables(fixed, promote_options="permissive")
