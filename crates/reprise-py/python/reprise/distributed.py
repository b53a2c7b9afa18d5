"""Corpora on Ray: ``reprise features`` over a folder, a glob or a list of files, spread
over a Ray cluster with Ray Data's ``map_batches``, under the command line's batch contract.

Recipe
------
Install Ray Data beside reprise, in the same environment on every node (the version the
tests pin in ``crates/reprise-py/requirements-test.txt``)::

    pip install "ray[data]==2.60.0"

Start a cluster, or let :func:`map_features` start a local one on this machine::

    ray start --head --num-cpus 8              # on the head node
    ray start --address HEAD:6379              # on each other node

(``RAY_USAGE_STATS_ENABLED=0`` keeps Ray from reporting usage; for a local cluster bound to
127.0.0.1 only, as the tests start, set ``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0`` before
importing ray.)

then, on any node (``ray_address="auto"`` attaches to the running cluster; ``None`` calls
``ray.init()``, which attaches to ``RAY_ADDRESS`` or starts a local cluster)::

    from reprise.distributed import map_features

    report = map_features("corpus/", "features/", "mel", n_mels=64,
                          stft={"n_fft": 1024, "hop_length": 256}, ray_address="auto")
    print(report.summary())        # 1200 files: 1198 done (...), 0 already complete, 2 failed
    for path, message in report.failed.items():
        print(path, message)

Resume after a failure: call :func:`map_features` again with the same arguments. A job
that stopped (a node lost, workers killed more often than ``retries`` allows) raises
:class:`JobIncomplete` (an interrupted driver, ``KeyboardInterrupt``); either way every
file finished before the stop has complete outputs, and the rerun skips them (reported as
``skipped``) and computes only the rest. Temporaries that killed workers left are removed
first, as the command line does.

How it maps to ``reprise features``
-----------------------------------
``map_features(INPUT, OUT, KIND, **options)`` writes what ``reprise features KIND INPUT -o
OUT [options]`` writes, file for file: the inputs are listed by the same code (a folder is
walked recursively for audio extensions, a glob is expanded, both sorted), each output is
named by the same code (the input tree below the folder, or below the glob's literal
directory prefix, mirrored under ``OUT``; inputs that differ only by extension keep it),
and each file is computed and committed by the same code (``.npy``, the ``.png`` with
``plot=True``, then the ``.json`` sidecar last, each written atomically; the sidecar,
recording the options and the input's size and modification time, marks the output
complete). The arrays are bit-identical to the command line's and so are the sidecars,
with one difference: a sidecar's ``input`` records the path the worker was given, which
here is always absolute (workers on other nodes do not share the driver's working
directory), while the command line records the path as typed. Completeness does not
depend on that field, so a corpus half done by one tool is finished by the other.

- ``options`` are FeatureParams fields over the defaults, as :func:`reprise.spec` takes
  them: ``n_mels=64``, ``stft={"n_fft": 1024}``, ``sr=None`` (the file's rate), and for the
  scattering kinds ``scatter={"J": 8, "Q": [12, 1]}``. They are checked on the driver
  before anything starts: an unknown name or a bad value raises ``ValueError`` at once.
- ``inputs`` may also be a list of files (not walked: each entry is one input, whatever its
  extension). Their outputs mirror the tree below the deepest folder that holds all of
  them (their common parent): a list of a folder's audio files gets the folder's names
  when one of them lies directly in it or they span two of its subfolders. Duplicates are
  computed once. A single file (a string naming a file, or a list of one) gets
  ``OUT/<stem>.npy``, as ``reprise features FILE -o OUT`` with ``OUT`` a folder.
- A file that cannot be decoded is reported (``report.failed``, the command line's message
  naming the file) and the batch goes on, as with the command line.
- Each worker is a Ray actor of ``threads_per_worker`` CPUs with ``RAYON_NUM_THREADS`` and
  the BLAS/OpenMP thread counts set to that many in its environment (``runtime_env``), so
  ``num_workers`` workers use ``num_workers × threads_per_worker`` cores.
- Every node must see the inputs and ``OUT`` at the same paths (a shared file system):
  workers read and write files themselves, nothing travels through Ray's object store but
  the paths and the per-file results.

Throughput and overhead on this project's machine are in BENCHMARKS.md ("Ray (issue 24)").
Ray itself is imported only when :func:`map_features` runs; the rest of ``reprise`` does
not need it.
"""

from __future__ import annotations

import json
import math
import os
import socket
import time
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from . import _reprise

__all__ = ["map_features", "Report", "JobIncomplete", "plan", "worker_runtime_env"]

RAY_REQUIREMENT = "ray[data]==2.60.0"
# batch_size=None: about 8 tasks per worker, at most this many files per task (the driver
# spends milliseconds of CPU per task: BENCHMARKS.md, "Ray (issue 24)")
MAX_AUTO_BATCH = 256


@dataclass
class Report:
    """What one :func:`map_features` run did.

    ``out`` is the output folder (absolute), ``total`` the number of inputs. ``done`` lists
    the inputs computed in this run, ``skipped`` those whose outputs were already complete,
    ``failed`` maps each input that failed to the message naming it, ``warnings`` each input
    with warnings to them. ``rows`` holds one dict per input (``input``, ``npy``,
    ``status`` = ``"done"`` / ``"skipped"`` / ``"failed"``, ``message``, ``duration_s`` of
    audio computed, ``seconds`` of work, ``warnings``, ``worker`` = ``host:pid``), in the
    order they came back. ``audio_s`` is the audio computed in this run, in seconds
    (:attr:`audio_hours`); ``wall_s`` the run's wall time on the driver, from preparing
    ``out`` to the last row (a ``ray.init`` the call makes included). ``swept`` counts the
    temporaries of an interrupted run removed first; ``num_workers`` and ``batch_size`` are
    the values used.
    """

    out: str
    total: int
    done: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    warnings: dict[str, list[str]] = field(default_factory=dict)
    audio_s: float = 0.0
    wall_s: float = 0.0
    swept: int = 0
    num_workers: int = 0
    batch_size: int = 0
    rows: list[dict] = field(default_factory=list)

    @property
    def audio_hours(self) -> float:
        """Hours of audio computed in this run (skipped files not counted)."""
        return self.audio_s / 3600.0

    @property
    def ok(self) -> bool:
        """Every input is complete: none failed, none missing."""
        return not self.failed and len(self.done) + len(self.skipped) == self.total

    def summary(self) -> str:
        """The command line's closing line."""
        speed = self.audio_s / self.wall_s if self.wall_s > 0 else 0.0
        return (
            f"{self.total} files: {len(self.done)} done ({self.audio_hours:.3f} h of audio in {self.wall_s:.1f} s, "
            f"{speed:.0f}× real time), {len(self.skipped)} already complete, {len(self.failed)} failed → {self.out}"
        )

    def _add(self, row: dict) -> None:
        self.rows.append(row)
        path, status = row["input"], row["status"]
        if status == "done":
            self.done.append(path)
            self.audio_s += row["duration_s"]
        elif status == "skipped":
            self.skipped.append(path)
        else:
            self.failed[path] = row["message"]
        if row["warnings"]:
            self.warnings[path] = row["warnings"].split("\n")


class JobIncomplete(RuntimeError):
    """The Ray job stopped before every input came back (workers lost more often than
    ``retries`` allows, the cluster gone). ``report`` holds the rows
    that came back; every file finished before the stop has complete outputs, so calling
    :func:`map_features` again with the same arguments computes only the rest. ``message``
    says how many inputs came back and why the job stopped."""

    def __init__(self, message: str, report: Report):
        super().__init__(message)
        self.report = report


def _options_json(kind: str, options: dict) -> str:
    """The options as the JSON the compiled module takes, checked (ValueError)."""
    text = json.dumps({"kind": kind, **options})
    _reprise.params(text)  # unknown names and bad values raise ValueError with the library's message
    return text


def plan(inputs: str | os.PathLike | Iterable[str | os.PathLike], out: str | os.PathLike) -> list[tuple[str, str]]:
    """The ``(input, npy)`` pairs :func:`map_features` computes, as absolute paths, without
    computing anything: ``inputs`` listed and outputs named as ``reprise features`` does
    (see the module's documentation for a list of files). Raises ``OSError`` with the
    command line's message when a folder or glob names no audio file."""
    out = os.path.abspath(os.fspath(out))
    if isinstance(inputs, (str, os.PathLike)):
        root, files = _reprise.inputs(os.fspath(inputs))
        files = [os.path.abspath(f) for f in files]
        # one file: OUT/<stem>.npy (the command line's naming of a single file into a folder)
        root = os.path.dirname(files[0]) if root is None else os.path.abspath(root)
    else:
        files = list(dict.fromkeys(os.path.abspath(os.fspath(f)) for f in inputs))
        if not files:
            raise ValueError("inputs: the list of files is empty")
        root = os.path.commonpath([os.path.dirname(f) for f in files])
    return list(zip(files, _reprise.output_paths(root, files, out)))


def worker_runtime_env(threads_per_worker: int = 1) -> dict:
    """The Ray ``runtime_env`` of the workers: rayon (the compiled module's thread pool)
    and numpy's BLAS/OpenMP pools sized to ``threads_per_worker`` threads."""
    n = str(int(threads_per_worker))
    return {"env_vars": {"RAYON_NUM_THREADS": n, "OMP_NUM_THREADS": n, "OPENBLAS_NUM_THREADS": n, "MKL_NUM_THREADS": n}}


class _FeaturesOfFiles:
    """The Ray Data transform: one actor computes the batches it is given, file by file,
    each under the command line's contract; a file's failure becomes its row's message."""

    settings: tuple[str, bool, bool] = ("", False, False)  # (options JSON, plot, force)

    def __init__(self):
        self.options, self.plot, self.force = self.settings
        self.worker = f"{socket.gethostname()}:{os.getpid()}"

    def __call__(self, batch: dict) -> dict:
        rows: dict[str, list] = {k: [] for k in ("input", "npy", "status", "message", "duration_s", "seconds", "warnings", "worker")}
        for path, npy in zip(batch["input"], batch["npy"]):
            path, npy = str(path), str(npy)
            t0 = time.perf_counter()
            status, message, duration, warns = "failed", "", 0.0, []
            try:
                computed, duration, warns = _reprise.features_file(path, npy, self.options, self.plot, self.force)
                status = "done" if computed else "skipped"
            except (OSError, ValueError) as e:  # the CLI's one-line messages, naming the file
                message = str(e)
            except Exception as e:  # anything else is reported too: the batch goes on
                message = f"{path}: {type(e).__name__}: {e}"
            rows["input"].append(path)
            rows["npy"].append(npy)
            rows["status"].append(status)
            rows["message"].append(message)
            rows["duration_s"].append(float(duration))
            rows["seconds"].append(time.perf_counter() - t0)
            rows["warnings"].append("\n".join(warns))
            rows["worker"].append(self.worker)
        return rows


def _transform(options: str, plot: bool, force: bool) -> type:
    """The transform class with its settings as class attributes: Ray ships the class by
    value with the task, so a restarted actor needs no constructor arguments of ours from
    the object store."""
    return type("_FeaturesOfFiles", (_FeaturesOfFiles,), {"settings": (options, plot, force)})


def _import_ray():
    try:
        import ray
        import ray.data
    except ImportError as e:
        raise ImportError(f"reprise.distributed needs Ray Data: pip install \"{RAY_REQUIREMENT}\" ({e})") from e
    return ray


def map_features(
    inputs: str | os.PathLike | Iterable[str | os.PathLike],
    out: str | os.PathLike,
    kind: str,
    *,
    plot: bool = False,
    force: bool = False,
    num_workers: int | None = None,
    threads_per_worker: int = 1,
    batch_size: int | None = None,
    retries: int = 3,
    ray_address: str | None = None,
    on_row: Callable[[dict], None] | None = None,
    **options: Any,
) -> Report:
    """Computes ``kind`` for every input on a Ray cluster and writes the outputs under
    ``out`` as ``reprise features KIND INPUTS -o OUT`` does (see the module's
    documentation); returns a :class:`Report`.

    Parameters
    ----------
    inputs : str, path-like or iterable of them
        A folder (walked recursively), a glob pattern, one file, or a list of files.
    out : str or path-like
        The output folder (made if missing).
    kind : str
        What to compute: ``"mel"``, ``"mfcc"``, ``"cqt"``, ``"scattering"``, ... (the kinds
        of ``reprise features``).
    plot : bool, default False
        Also write each output's picture (``.png``), as ``--plot``.
    force : bool, default False
        Recompute outputs that are already complete, as ``--force``.
    num_workers : int or None
        Concurrent workers (Ray actors); ``None`` = the cluster's CPUs divided by
        ``threads_per_worker``.
    threads_per_worker : int, default 1
        CPUs each worker asks Ray for, and the size of its thread pools.
    batch_size : int or None
        Files per ``map_batches`` call (per Ray task): larger amortises Ray's cost per task
        (milliseconds of the driver's CPU and of the worker's, BENCHMARKS.md), smaller
        balances the load and reports progress sooner. ``None``: about 8 tasks per worker,
        between 1 and 256 files each. A worker lost mid-batch loses only the file it was
        computing: each file is committed on its own, and a retried batch skips the rest.
    retries : int, default 3
        How many times a worker that dies (killed, out of memory) is restarted and its batch
        retried before the job stops with :class:`JobIncomplete`; 0 stops at the first loss.
    ray_address : str or None
        ``ray.init(address=...)`` when Ray is not initialised yet: ``"auto"`` attaches to a
        running cluster, ``None`` attaches to ``RAY_ADDRESS`` or starts a local one.
    on_row : callable or None
        Called on the driver with each input's result row as it comes back (progress).
    **options
        FeatureParams fields over the defaults (as :func:`reprise.spec`).

    Raises
    ------
    ValueError
        An unknown option or a bad value (before anything starts).
    OSError
        No input, or ``out`` cannot be written in.
    JobIncomplete
        The job stopped early; call again with the same arguments to finish it.
    """
    if (batch_size is not None and batch_size < 1) or threads_per_worker < 1 or retries < 0 or (num_workers is not None and num_workers < 1):
        raise ValueError("batch_size, threads_per_worker and num_workers must be at least 1, retries at least 0")
    options_json = _options_json(kind, options)
    out_dir = os.path.abspath(os.fspath(out))
    if os.path.isfile(out_dir):
        raise OSError(f"{out_dir}: exists and is a file; -o must be a folder")
    pairs = plan(inputs, out_dir)
    ray = _import_ray()
    started = time.perf_counter()
    swept = _reprise.prepare_output_folder(out_dir)
    if not ray.is_initialized():
        ray.init(address=ray_address)
    if num_workers is None:
        num_workers = max(1, int(ray.cluster_resources().get("CPU", 1) // threads_per_worker))
    if batch_size is None:
        batch_size = min(MAX_AUTO_BATCH, max(1, math.ceil(len(pairs) / (8 * num_workers))))
    report = Report(out=out_dir, total=len(pairs), swept=swept, num_workers=num_workers, batch_size=batch_size)
    items = [{"input": i, "npy": n} for i, n in pairs]
    ds = ray.data.from_items(items, override_num_blocks=math.ceil(len(items) / batch_size))
    with warnings.catch_warnings():
        # Ray 2.60 takes the actors' restart limits only as plain remote arguments, which it
        # announces it will drop in 2.64 (the version is pinned)
        warnings.filterwarnings("ignore", message=".*ray_remote_args.* is deprecated")
        results = ds.map_batches(
            _transform(options_json, plot, force),
            batch_size=batch_size,
            compute=ray.data.ActorPoolStrategy(size=num_workers),
            num_cpus=threads_per_worker,
            runtime_env=worker_runtime_env(threads_per_worker),
            max_restarts=retries,
            max_task_retries=retries,
        )
    rows = iter(results.iter_rows())
    while True:
        try:
            row = next(rows)
        except StopIteration:
            break
        except Exception as e:  # the job, not a file: a file's failure is its row's message
            report.wall_s = time.perf_counter() - started
            first = str(e).strip().splitlines()[0] if str(e).strip() else ""
            raise JobIncomplete(
                f"the Ray job stopped after {len(report.rows)} of {report.total} inputs came back ({type(e).__name__}: {first}); "
                "call map_features again with the same arguments to compute only what is missing",
                report,
            ) from e
        row = {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}
        report._add(row)
        if on_row is not None:
            on_row(row)
    report.wall_s = time.perf_counter() - started
    return report
