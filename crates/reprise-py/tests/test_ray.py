"""reprise.distributed (corpora on Ray) against the command line, on a local Ray cluster that
this module starts on the loopback interface (127.0.0.1 only, no dashboard, usage reports
off) and stops at the end.

- Bad options fail before Ray starts; outputs are named as ``reprise features`` names them,
  for a folder and for a list of files.
- A small corpus (a tree of WAV and FLAC files, mono and stereo, two inputs that differ only
  by extension, a damaged file) through ``map_features`` and through the CLI
  (``reprise features mel``, same folder argument): the same files, the ``.npy`` and ``.png``
  byte for byte, the ``.json`` sidecars equal in every field (both runs are given the same
  absolute folder, so even ``input`` agrees), the damaged file reported with the CLI's
  message while the others complete; a second run (a list of the files) and the CLI's own
  rerun find everything complete.
- The workers' thread pools: ``RAYON_NUM_THREADS`` reaches each worker's environment, and
  rayon in a Ray worker with it starts exactly that many threads.
- A job whose workers are killed (SIGKILL) midway stops with ``JobIncomplete``; the rerun
  leaves the outputs finished before the kill untouched (same inode and mtime, counted as
  skipped), computes only the rest, and ends equal to the CLI's outputs. With retries (the
  default), a worker killed midway is replaced and the job completes by itself.

The CLI binary is target/release/reprise or target/debug/reprise (whichever is newer;
``REPRISE_CLI`` overrides). Without one, or without Ray, these tests skip, and fail under CI.
"""

from __future__ import annotations

import glob as globmod
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import wave
from pathlib import Path

# before Ray is imported: no usage reports, and a single-node cluster bound to 127.0.0.1
# (Ray otherwise binds its node to the machine's outward address)
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from reprise import _reprise  # noqa: E402
from reprise import distributed  # noqa: E402
from reprise.distributed import JobIncomplete, map_features, plan  # noqa: E402

REPO = Path(__file__).resolve().parents[3]
# Ray Data reads its own deprecated settings when a job starts
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:ray.data.context")
CI = bool(os.environ.get("CI"))


def unavailable(reason: str):
    if CI:
        pytest.fail(f"{reason} (CI must provide it)")
    pytest.skip(reason)


def cli_binary() -> Path:
    if os.environ.get("REPRISE_CLI"):
        return Path(os.environ["REPRISE_CLI"])
    found = [p for p in (REPO / "target/release/reprise", REPO / "target/debug/reprise") if p.is_file()]
    if not found:
        unavailable("no reprise binary: build it with `cargo build --release -p reprise-cli` (or `cargo test --workspace`)")
    return max(found, key=lambda p: p.stat().st_mtime)


def run_cli(*args) -> subprocess.CompletedProcess:
    exe = cli_binary()
    return subprocess.run([str(exe), *map(str, args)], capture_output=True, text=True, timeout=300)


# ---------------------------------------------------------------------------------------
# corpora


def tone(seconds: float, sr: int, seed: int, channels: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sr)) / sr
    y = 0.3 * np.sin(2 * np.pi * (180.0 + 37.0 * seed) * t) * (0.7 + 0.3 * np.sin(2 * np.pi * 0.5 * t))
    y = y + 0.02 * rng.standard_normal((channels, t.size))
    return np.clip(y, -1, 1)


def write_wav(path: Path, y: np.ndarray, sr: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pcm = (y.T * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(y.shape[0])
        w.setsampwidth(2)
        w.setframerate(sr)
        w.writeframes(pcm.tobytes())


def make_corpus(root: Path) -> dict:
    """A tree of 8 audio files (+ a damaged one and a text file the walk ignores)."""
    import soundfile as sf

    write_wav(root / "top.wav", tone(1.5, 22050, 0), 22050)
    write_wav(root / "a" / "one.wav", tone(2.0, 22050, 1), 22050)
    write_wav(root / "a" / "stereo44k.wav", tone(1.2, 44100, 2, channels=2), 44100)
    write_wav(root / "a" / "same.wav", tone(1.0, 22050, 3), 22050)
    sf.write(root / "a" / "same.flac", tone(1.3, 22050, 4)[0], 22050, subtype="PCM_16")
    write_wav(root / "b" / "c" / "deep.wav", tone(0.8, 16000, 5), 16000)
    write_wav(root / "b" / "short.wav", tone(0.3, 22050, 6), 22050)
    sf.write(root / "b" / "c" / "song.flac", tone(1.7, 32000, 7)[0], 32000, subtype="PCM_16")
    (root / "b" / "broken.wav").write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(range(200)))
    (root / "notes.txt").write_text("not audio\n")
    return {"broken": str(root / "b" / "broken.wav"), "audio": 8}


def tree(out: Path) -> dict[str, Path]:
    return {str(p.relative_to(out)): p for p in sorted(out.rglob("*")) if p.is_file()}


def png_pixels(data: bytes) -> tuple[tuple[int, int, int, int], bytes]:
    """(width, height, bit depth, colour type) and the unfiltered scanlines of a PNG: the
    same picture compressed by another build of the encoder (debug or release) compares
    equal here when its bytes do not."""
    import struct
    import zlib

    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBB", body[:10])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour = header
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[colour]
    bpp = max(1, channels * depth // 8)
    stride = width * bpp
    raw = zlib.decompress(idat)
    out, prev = bytearray(), bytearray(stride)
    for row in range(height):
        f, line = raw[row * (stride + 1)], bytearray(raw[row * (stride + 1) + 1 : (row + 1) * (stride + 1)])
        for i in range(stride):
            a, b, c = line[i - bpp] if i >= bpp else 0, prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        out += line
        prev = line
    return header, bytes(out)


def assert_same_outputs(ours: Path, cli: Path) -> int:
    """Same file names; .npy byte for byte; .png pixel for pixel (the encoder's compression
    differs between a debug and a release build); sidecars equal field by field."""
    a, b = tree(ours), tree(cli)
    assert sorted(a) == sorted(b), f"file names differ: only from Ray {sorted(set(a) - set(b))}, only from the CLI {sorted(set(b) - set(a))}"
    for name in a:
        if name.endswith(".json"):
            x, y = json.loads(a[name].read_text()), json.loads(b[name].read_text())
            diff = sorted(k for k in set(x) | set(y) if x.get(k) != y.get(k))
            assert not diff, f"{name}: sidecar fields differ from the CLI's: {diff} (Ray {[x.get(k) for k in diff]!r:.300} vs CLI {[y.get(k) for k in diff]!r:.300})"
        else:
            ra, rb = a[name].read_bytes(), b[name].read_bytes()
            if ra != rb and name.endswith(".npy"):
                xa, xb = np.load(a[name]), np.load(b[name])
                detail = f"shapes {xa.shape} vs {xb.shape}" if xa.shape != xb.shape else f"max |diff| {np.max(np.abs(xa - xb))}"
                pytest.fail(f"{name}: array differs from the CLI's ({detail})")
            if name.endswith(".png"):
                (ha, pa), (hb, pb) = png_pixels(ra), png_pixels(rb)
                assert ha == hb, f"{name}: picture {ha} differs from the CLI's {hb}"
                assert pa == pb, f"{name}: {sum(x != y for x, y in zip(pa, pb))} pixel bytes differ from the CLI's"
            else:
                assert ra == rb, f"{name}: {len(ra)} bytes differ from the CLI's {len(rb)} bytes"
    return len(a)


def stamps(out: Path) -> dict[str, tuple[int, int]]:
    """(inode, mtime_ns) of every output file."""
    return {n: (p.stat().st_ino, p.stat().st_mtime_ns) for n, p in tree(out).items()}


def complete_inputs(pairs, out: Path) -> set[str]:
    """Inputs whose sidecar (written last) exists."""
    return {i for i, n in pairs if os.path.exists(n[:-4] + ".json")}


# ---------------------------------------------------------------------------------------
# without a cluster


def test_bad_options_fail_before_anything_starts(tmp_path):
    corpus = tmp_path / "corpus"
    make_corpus(corpus)
    out = tmp_path / "out"
    cases = [
        (dict(n_melz=64), "unknown option(s) n_melz"),
        (dict(stft={"nfft": 1024}), "unknown option(s) stft.nfft"),
        (dict(n_mels=0), "n_mels"),
    ]
    for options, needle in cases:
        t0 = time.perf_counter()
        with pytest.raises(ValueError) as e:
            map_features(corpus, out, "mel", **options)
        assert needle in str(e.value), f"{options}: message {str(e.value)!r} does not mention {needle!r}"
        assert time.perf_counter() - t0 < 2.0, f"{options}: took {time.perf_counter() - t0:.1f} s to refuse (Ray started?)"
    with pytest.raises(ValueError, match="unknown variant `melody`"):
        map_features(corpus, out, "melody")
    with pytest.raises(ValueError, match="batch_size"):
        map_features(corpus, out, "mel", batch_size=0)
    assert not out.exists(), "a refused call made the output folder"
    with pytest.raises(OSError, match="no such file or folder"):
        map_features(tmp_path / "missing", out, "mel")
    (tmp_path / "empty").mkdir()
    with pytest.raises(OSError, match="no audio files found"):
        map_features(tmp_path / "empty", out, "mel")
    (tmp_path / "afile").write_text("x")
    with pytest.raises(OSError, match="exists and is a file"):
        map_features(corpus, tmp_path / "afile", "mel")


def test_plan_names_outputs_as_the_cli(tmp_path):
    corpus = tmp_path / "corpus"
    make_corpus(corpus)
    out = tmp_path / "out"
    pairs = plan(str(corpus), out)
    root, files = _reprise.inputs(str(corpus))
    assert [i for i, _ in pairs] == [str(Path(f).absolute()) for f in files]
    assert [n for _, n in pairs] == _reprise.output_paths(root, files, str(out))
    names = {os.path.relpath(n, out) for _, n in pairs}
    assert {"same.wav.npy", "same.flac.npy"} <= {os.path.basename(n) for n in names}, names
    assert "b/c/deep.npy" in names and "top.npy" in names, names
    # a list of the same files (shuffled, one twice): the same pairs, each once
    listed = [i for i, _ in pairs][::-1] + [pairs[0][0]]
    assert sorted(plan(listed, out)) == sorted(pairs)
    # a list of files in one subfolder: their folder is the root
    sub = [i for i, _ in pairs if "/b/c/" in i]
    assert sorted(os.path.relpath(n, out) for _, n in plan(sub, out)) == ["deep.npy", "song.npy"]
    # one file: OUT/<stem>.npy, as `reprise features FILE -o OUT` with OUT a folder
    one = str(corpus / "a" / "one.wav")
    assert plan(one, out) == [(one, str(out / "one.npy"))]
    # a glob: the literal prefix is the root
    assert sorted(os.path.relpath(n, out) for _, n in plan(str(corpus / "b" / "*" / "*.flac"), out)) == ["c/song.npy"]


# ---------------------------------------------------------------------------------------
# on a local cluster


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError as e:
        unavailable(f"Ray Data is not installed ({e}): pip install -r crates/reprise-py/requirements-test.txt")
    # Ray's unix sockets live under its temp dir: keep the path short (108-byte limit)
    base = tmp_path_factory.mktemp("ray")
    made = None
    if len(str(base)) > 40:
        base = made = Path(tempfile.mkdtemp(prefix="rr-"))
    # only paths and result rows go through the object store: keep it small
    ray.init(num_cpus=2, include_dashboard=False, _temp_dir=str(base), object_store_memory=256 * 2**20, log_to_driver=False, configure_logging=False)
    try:
        nodes = ray.nodes()
        assert [n["NodeManagerAddress"] for n in nodes] == ["127.0.0.1"], f"the test cluster must be one node on 127.0.0.1, got {nodes}"
        yield ray
    finally:
        ray.shutdown()
        if made is not None:
            shutil.rmtree(made, ignore_errors=True)


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """The small corpus and the CLI's outputs for it."""
    base = tmp_path_factory.mktemp("small")
    corpus = base / "corpus"
    info = make_corpus(corpus)
    cli_out = base / "cli"
    p = run_cli("features", "mel", corpus, "-o", cli_out, "--n-mels", "64", "--n-fft", "1024", "--hop-length", "256", "--plot", "-j", "2")
    assert p.returncode == 1, f"the CLI should fail on the damaged file only (exit 1), got {p.returncode}: {p.stderr}"
    assert f"{info['audio']} done" in p.stderr and "1 failed" in p.stderr, p.stderr
    return base, corpus, cli_out, info, p.stderr


OPTIONS = dict(n_mels=64, stft={"n_fft": 1024, "hop_length": 256})


def test_equals_the_cli_and_reports_the_damaged_file(cluster, small):
    base, corpus, cli_out, info, cli_stderr = small
    out = base / "ray"
    report = map_features(str(corpus), out, "mel", plot=True, num_workers=2, batch_size=2, **OPTIONS)
    broken = info["broken"]
    assert list(report.failed) == [broken], f"expected only {broken} to fail, got {report.failed}"
    message = report.failed[broken]
    assert "broken.wav" in message, message
    assert f"error: {message}" in cli_stderr, f"Ray's message {message!r} is not the CLI's:\n{cli_stderr}"
    assert len(report.done) == info["audio"] and not report.skipped, report.summary()
    assert len(report.rows) == info["audio"] + 1 and report.total == info["audio"] + 1
    assert not report.ok
    expected_s = sum(json.loads(p.read_text())["duration_s"] for p in cli_out.rglob("*.json"))
    assert report.audio_s == pytest.approx(expected_s), (report.audio_s, expected_s)
    assert report.audio_hours == pytest.approx(expected_s / 3600)
    n = assert_same_outputs(out, cli_out)
    assert n == 3 * info["audio"], f"expected .npy, .png and .json for {info['audio']} inputs, got {n} files"

    # a second run, given the list of files (their common parent is the folder): nothing to do
    before = stamps(out)
    files = sorted(f for f in globmod.glob(str(corpus / "**" / "*.*"), recursive=True) if not f.endswith(".txt"))
    again = map_features(files, out, "mel", plot=True, num_workers=2, batch_size=3, **OPTIONS)
    assert not again.done and len(again.skipped) == info["audio"], again.summary()
    assert list(again.failed) == [broken], again.failed
    assert stamps(out) == before, "a run with nothing to do rewrote outputs"
    # and the CLI finds the Ray outputs complete
    p = run_cli("features", "mel", corpus, "-o", out, "--n-mels", "64", "--n-fft", "1024", "--hop-length", "256", "--plot", "-j", "2")
    assert f"{info['audio']} already complete" in p.stderr, p.stderr
    assert stamps(out) == before, "the CLI recomputed outputs written by Ray"
    # other options are other outputs: not complete
    changed = map_features(str(corpus), out, "mel", plot=True, num_workers=2, batch_size=4, n_mels=32, stft={"n_fft": 1024, "hop_length": 256})
    assert len(changed.done) == info["audio"] and not changed.skipped, changed.summary()


def test_worker_threads_follow_the_runtime_env(cluster):
    ray = cluster

    def probe():
        from reprise import _reprise as r

        def threads():
            return len(os.listdir("/proc/self/task"))

        before = threads()
        y = np.random.default_rng(0).standard_normal((8, 22050)).astype(np.float32)
        r.features(y, 22050, json.dumps({"kind": "mel"}))
        return os.environ.get("RAYON_NUM_THREADS"), threads() - before

    for n in (1, 3):
        env, started = ray.get(ray.remote(num_cpus=1, runtime_env=distributed.worker_runtime_env(n))(probe).remote())
        assert env == str(n), f"RAYON_NUM_THREADS in the worker is {env!r}, expected {n}"
        assert started == n, f"rayon started {started} threads in a worker with RAYON_NUM_THREADS={n}"


# ---------------------------------------------------------------------------------------
# killed workers

N_SLOW = 12


@pytest.fixture(scope="module")
def slow(tmp_path_factory):
    """12 clips of 8 s whose time-frequency scattering takes about 0.3 s each, and the CLI's
    outputs for them."""
    base = tmp_path_factory.mktemp("slow")
    corpus = base / "corpus"
    for i in range(N_SLOW):
        write_wav(corpus / f"clip{i:02d}.wav", tone(8.0, 22050, 10 + i), 22050)
    cli_out = base / "cli"
    p = run_cli("features", "jtfs", corpus, "-o", cli_out, "-j", "2")
    assert p.returncode == 0, p.stderr
    return base, corpus, cli_out


def killer(victims: str, after: int, out: Path, pairs):
    """An on_row callback that SIGKILLs workers once `after` rows came back from both
    workers: `victims` is "all" or "one". Also reads each worker's environment (while it
    runs: the job lasts seconds) into state["envs"]."""
    state = {"rows": 0, "pids": [], "killed": [], "complete_at_kill": None, "envs": {}}

    def on_row(row):
        state["rows"] += 1
        pid = int(row["worker"].rsplit(":", 1)[1])
        if pid not in state["pids"]:
            state["pids"].append(pid)
            try:
                raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
                state["envs"][pid] = dict(e.decode(errors="replace").split("=", 1) for e in raw if b"=" in e)
            except OSError:
                pass
        if not state["killed"] and state["rows"] >= after and len(state["pids"]) == 2:
            targets = state["pids"] if victims == "all" else state["pids"][:1]
            for p in targets:
                os.kill(p, signal.SIGKILL)
            state["killed"] = list(targets)
            state["complete_at_kill"] = len(complete_inputs(pairs, out))

    return state, on_row


def test_killed_job_resumes_without_recomputing(cluster, slow):
    base, corpus, cli_out = slow
    out = base / "killed"
    pairs = plan(str(corpus), out)
    state, on_row = killer("all", 3, out, pairs)
    t0 = time.perf_counter()
    with pytest.raises(JobIncomplete) as stopped:
        map_features(str(corpus), out, "jtfs", num_workers=2, batch_size=1, retries=0, on_row=on_row)
    assert state["killed"], f"no worker was killed: {state}"
    assert "call map_features again" in str(stopped.value)
    partial = stopped.value.report
    assert partial.total == N_SLOW and len(partial.rows) < N_SLOW
    finished = complete_inputs(pairs, out)
    # the kill must land midway for the test to mean anything
    assert state["complete_at_kill"] is not None and state["complete_at_kill"] <= N_SLOW - 4, (
        f"{state['complete_at_kill']} of {N_SLOW} outputs were complete when the workers were killed: the files are too fast"
    )
    assert 3 <= len(finished) <= N_SLOW - 2, f"{len(finished)} of {N_SLOW} complete after the stop ({time.perf_counter() - t0:.1f} s)"
    for p in state["killed"]:
        with pytest.raises(ProcessLookupError):
            os.kill(p, 0)
    # the workers ran with one rayon / BLAS thread each (worker_runtime_env(1))
    assert sorted(state["envs"]) == sorted(state["killed"]), f"could not read the workers' environments: {state}"
    for pid, env in state["envs"].items():
        got = {k: env.get(k) for k in ("RAYON_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
        assert set(got.values()) == {"1"}, f"worker {pid}: {got}"
    before = {i: (os.stat(n).st_ino, os.stat(n).st_mtime_ns, os.stat(n[:-4] + ".json").st_mtime_ns) for i, n in pairs if i in finished}

    report = map_features(str(corpus), out, "jtfs", num_workers=2, batch_size=1)
    assert set(report.skipped) == finished, f"skipped {sorted(report.skipped)}, but complete before the rerun: {sorted(finished)}"
    assert set(report.done) == {i for i, _ in pairs} - finished, report.summary()
    assert report.ok and not report.failed, report.summary()
    after = {i: (os.stat(n).st_ino, os.stat(n).st_mtime_ns, os.stat(n[:-4] + ".json").st_mtime_ns) for i, n in pairs if i in finished}
    changed = sorted(i for i in before if before[i] != after[i])
    assert not changed, f"outputs complete before the rerun were rewritten: {changed}"
    leftovers = [n for n in tree(out) if os.path.basename(n).startswith(".reprise-")]
    assert not leftovers, f"temporaries left: {leftovers}"
    assert assert_same_outputs(out, cli_out) == 2 * N_SLOW


def test_a_killed_worker_is_replaced_and_the_job_completes(cluster, slow):
    base, corpus, cli_out = slow
    out = base / "retried"
    pairs = plan(str(corpus), out)
    state, on_row = killer("one", 3, out, pairs)
    report = map_features(str(corpus), out, "jtfs", num_workers=2, batch_size=1, on_row=on_row)
    assert state["killed"], f"no worker was killed: {state}"
    assert state["complete_at_kill"] is not None and state["complete_at_kill"] <= N_SLOW - 4, state
    assert report.ok, report.summary()
    assert sorted(r["input"] for r in report.rows) == sorted(i for i, _ in pairs), "each input must come back exactly once"
    assert len(report.done) + len(report.skipped) == N_SLOW
    workers = {r["worker"] for r in report.rows}
    assert len(workers) >= 3, f"the killed worker was not replaced: rows came from {workers}"
    assert assert_same_outputs(out, cli_out) == 2 * N_SLOW
