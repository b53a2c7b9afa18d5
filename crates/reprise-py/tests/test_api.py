"""The rest of Reprise from Python (models, datasets, MIDI) against the command line on the
same inputs: the same Rust code must give the same answers, and bad input the same
one-line errors as the documented exceptions."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

import reprise

REPO = Path(__file__).resolve().parents[3]


def _cli() -> Path:
    for build in ("release", "debug"):
        exe = REPO / "target" / build / "reprise"
        if exe.exists():
            return exe
    if os.environ.get("CI"):
        pytest.fail("the reprise binary is missing (cargo test --workspace builds target/debug/reprise)")
    pytest.skip("build the CLI first (cargo build -p reprise-cli)")


def run(*args, cwd=None) -> str:
    out = subprocess.run([str(_cli()), *map(str, args)], cwd=cwd, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out.stdout


@pytest.fixture(scope="module")
def tones(tmp_path_factory) -> Path:
    """Two classes of short tones, as LABEL/file.wav."""
    root = tmp_path_factory.mktemp("tones")
    sr = 22050
    t = np.arange(sr) / sr
    for label, f in (("low", 220.0), ("high", 880.0)):
        (root / label).mkdir()
        for i in range(6):
            y = 0.3 * np.sin(2 * np.pi * f * (1 + 0.01 * i) * t) + 0.01 * np.random.default_rng(i).standard_normal(t.size)
            sf.write(root / label / f"{label}{i}.wav", y.astype(np.float32), sr)
    return root


def test_a_network_predicts_what_the_cli_predicts(tones, tmp_path):
    run_dir = tmp_path / "run"
    run("train", "--model", "mlp", "--train", tones, "--val-split", "0", "--epochs", "2", "--epoch-size", "64", "-o", run_dir)
    files = sorted(str(p) for p in tones.rglob("*.wav"))[:4]
    model = reprise.models.load(run_dir)
    assert isinstance(model, reprise.models.Network) and model.labels == ["high", "low"]
    ours = model.predict(files)
    cli = [json.loads(line) for line in run("predict", run_dir, *files, "--json").splitlines()]
    assert ours == cli
    assert model.predict(files, overlap=0.0)[0]["label"] == cli[0]["label"]
    # a missing file: raised (OSError, naming it) or reported, the others still predicted
    with pytest.raises(OSError, match="nope.wav"):
        model.predict([files[0], str(tmp_path / "nope.wav")])
    mixed = model.predict([str(tmp_path / "nope.wav"), files[1]], errors="report")
    assert "nope.wav" in mixed[0]["error"] and mixed[1] == cli[1]
    with pytest.raises(ValueError, match="overlap"):
        model.predict(files, overlap=0.95)
    # damaged weights: one line naming the file, at load time
    bad = tmp_path / "bad"
    shutil.copytree(run_dir, bad)
    data = (bad / "weights.bpk").read_bytes()
    (bad / "weights.bpk").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="weights.bpk"):
        reprise.models.load(bad)
    # a folder that is not a run
    with pytest.raises(ValueError, match="model.json"):
        reprise.models.load(tones)


def test_a_classifier_predicts_what_the_cli_predicts(tones, tmp_path):
    run("classify", "--train", tones, "--test", tones, "--classifiers", "knn", "--features", "mfcc", "--save-models", "--no-cache", "-o", tmp_path / "cls")
    path = tmp_path / "cls" / "models" / "mfcc-knn.json"
    files = sorted(str(p) for p in tones.rglob("*.wav"))
    model = reprise.models.load(path)
    assert isinstance(model, reprise.models.Classifier) and sorted(model.labels) == ["high", "low"]
    cli = [json.loads(line) for line in run("classify", "predict", path, *files, "--json", "--cache", tmp_path / "cache").splitlines()]
    assert model.predict(files) == cli
    assert [p["label"] for p in cli] == [Path(f).parent.name for f in files], "the tones are easy"
    (tmp_path / "foreign.json").write_text('{"format": "something else"}')
    with pytest.raises(ValueError, match="foreign.json: not a Reprise classifier"):
        reprise.models.load(tmp_path / "foreign.json")
    with pytest.raises(OSError, match="no such file"):
        reprise.models.load(tmp_path / "missing.json")


def test_manifests_and_splits_are_the_clis(tones, tmp_path):
    m = reprise.data.read_manifest(tones)
    assert len(m) == 12 and sorted(set(m.labels())) == ["high", "low"]
    assert all(Path(f).is_file() for f in m.files())
    for by, extra, names in (("random", [], ["train", "val", "test"]), ("folds", ["--folds", "3"], ["fold0", "fold1", "fold2"])):
        out = tmp_path / by
        run("data", "split", tones, "--by", by, "--seed", "7", "--val", "0.2", *extra, "-o", out)
        ours = reprise.data.split(m, by=by, seed=7, val=0.2, folds=3)
        for name in names:
            cli = reprise.data.read_manifest(out / f"{name}.csv")
            assert sorted(ours.subset(name).files()) == sorted(cli.files()), f"{by}: {name}"
    # written and read back: the same rows
    m.write(tones / "copy.csv")
    again = reprise.data.read_manifest(tones / "copy.csv")
    assert again.rows == m.rows
    (tones / "copy.csv").unlink()
    (tmp_path / "bad.csv").write_text("file,kind\na.wav,x\n")
    with pytest.raises(ValueError, match="bad.csv: has no `path` column"):
        reprise.data.read_manifest(tmp_path / "bad.csv")
    with pytest.raises(ValueError, match="train="):
        reprise.data.split(m, by="family")


def test_piano_rolls_are_the_clis_and_round_trip(tmp_path):
    rng = np.random.default_rng(3)
    roll = np.zeros((128, 400), dtype=np.float32)
    # notes of one pitch that do not touch: the roll comes back exactly
    for p in range(40, 90):
        for s in range(rng.integers(0, 10), 380, 40):
            roll[p, s : s + rng.integers(2, 30)] = rng.integers(20, 127)
    roll[60, 390:399] = 90
    midi = tmp_path / "r.mid"
    reprise.midi.write_roll(roll, midi, fps=50)
    back = reprise.midi.piano_roll(midi, fps=50)
    n = back.shape[1]
    assert n >= 399 and np.array_equal(back, roll[:, :n]), "the roll comes back, velocities and all"
    notes, duration = reprise.midi.notes(midi)
    assert duration == pytest.approx(back.shape[1] / 50, abs=0.02) and notes and {"pitch", "velocity", "start_s", "end_s"} <= set(notes[0])
    run("midi", "roll", midi, "--fps", "50", "-o", tmp_path / "cli.npy")
    assert np.array_equal(reprise.midi.piano_roll(midi, fps=50), np.load(tmp_path / "cli.npy"))
    run("midi", "roll", midi, "--fps", "50", "--binary", "-o", tmp_path / "cli_b.npy")
    assert np.array_equal(reprise.midi.piano_roll(midi, fps=50, value="binary"), np.load(tmp_path / "cli_b.npy"))
    with pytest.raises(OSError, match="missing.mid"):
        reprise.midi.piano_roll(tmp_path / "missing.mid")
    (tmp_path / "junk.mid").write_bytes(b"MThd\x00\x00")
    with pytest.raises(OSError, match="junk.mid"):
        reprise.midi.notes(tmp_path / "junk.mid")
    with pytest.raises(ValueError, match="fps"):
        reprise.midi.piano_roll(midi, fps=0)
    with pytest.raises(ValueError, match="non-finite"):
        reprise.midi.write_roll(np.full((128, 4), np.nan), tmp_path / "x.mid")


def test_the_notes_kit_is_the_clis(tmp_path):
    if not Path("/usr/share/sounds/sf2/TimGM6mb.sf2").exists():
        if os.environ.get("CI"):
            pytest.fail("TimGM6mb.sf2 missing (scripts/test.sh installs timgm6mb-soundfont)")
        pytest.skip("TimGM6mb.sf2 not installed")
    args = dict(soundfonts=["tim"], classes="flute,0", pitches="60..64", sr=16000, duration_s=0.5, hold_s=0.3, velocities=[80])
    ours = reprise.data.notes(tmp_path / "py", **args)
    run("data", "notes", "-o", tmp_path / "cli", "--soundfont", "tim", "--classes", "flute,0", "--pitches", "60..64", "--sr", "16000",
        "--duration-s", "0.5", "--hold-s", "0.3", "--velocities", "80")
    cli = reprise.data.read_manifest(tmp_path / "cli" / "manifest.csv")
    assert len(ours) == len(cli) > 0 and not ours.skipped
    assert ours.rows == reprise.data.read_manifest(tmp_path / "py" / "manifest.csv").rows
    assert [r["path"] for r in ours.rows] == [r["path"] for r in cli.rows]
    for a, b in zip(ours.files(), cli.files()):
        assert Path(a).read_bytes() == Path(b).read_bytes(), a
    with pytest.raises(ValueError, match="classes|class"):
        reprise.data.notes(tmp_path / "x", soundfonts=["tim"], classes="no-such-instrument")


def test_the_stubs_list_the_compiled_module():
    import ast

    from reprise import _reprise

    tree = ast.parse((Path(reprise.__file__).parent / "_reprise.pyi").read_text())
    stubbed = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    compiled = {n for n in dir(_reprise) if not n.startswith("_")}
    assert stubbed == compiled, f"missing from the stubs: {sorted(compiled - stubbed)}; stale: {sorted(stubbed - compiled)}"


def test_every_public_function_documents_every_parameter():
    import inspect

    modules = [reprise, reprise.feature, reprise.feature.inverse, reprise.filters, reprise.data, reprise.midi, reprise.models, reprise.scattering]
    missing = []
    for mod in modules:
        for name in getattr(mod, "__all__", []):
            obj = getattr(mod, name)
            if inspect.ismodule(obj) or not callable(obj):
                continue
            doc = inspect.getdoc(obj) or ""
            target = obj.__init__ if inspect.isclass(obj) else obj
            if inspect.isclass(obj):
                doc += "\n" + (inspect.getdoc(obj.__init__) or "")
            for p in inspect.signature(target).parameters.values():
                if p.name in ("self",) or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                    continue
                if p.name not in doc:
                    missing.append(f"{mod.__name__}.{name}({p.name})")
    assert not missing, f"undocumented parameters: {missing}"


@pytest.mark.parametrize(
    "call, words",
    [
        (lambda: reprise.cqt(np.zeros(4096, np.float32), res_type="kaiser_best"), "res_type"),
        (lambda: reprise.load("x.wav", res_type="fft"), "res_type"),
        (lambda: reprise.spec("mel", foo=1), "unknown option"),
        (lambda: reprise.spec("mel", stft={"nfft": 1024}), "stft.nfft"),
        (lambda: reprise.spec("cqt", n_mels=64), "n_mels applies to mel, mfcc, not to cqt"),
        (lambda: reprise.spec("mel", scatter={"J": 6}), "scatter.J applies to"),
        (lambda: reprise.filters.mel(sr=-1, n_fft=2048), "sr=-1"),
        (lambda: reprise.filters.chroma(sr=0, n_fft=2048), "sr=0"),
        (lambda: reprise.piptrack(y=np.zeros(4096, np.float32), n_fft=None), "n_fft"),
        (lambda: reprise.midi.write_roll(np.zeros((128, 4), np.float32), "x.mid", channel=16), "channel=16"),
        (lambda: reprise.data.split(reprise.data.Manifest([]), by="random", seed=-1), "seed=-1"),
    ],
)
def test_bad_parameters_raise_value_errors_naming_them(call, words):
    with pytest.raises(ValueError, match=words):
        call()


def test_librosas_default_resampler_is_accepted_and_the_spiral_meta_names_octaves(tmp_path):
    y = np.sin(np.arange(8192) * 0.05).astype(np.float32)
    assert np.array_equal(reprise.cqt(y, res_type="soxr_hq"), reprise.cqt(y))
    with pytest.raises(OSError, match="no such file"):
        reprise.data.read_manifest(tmp_path / "missing.csv")
    spiral = reprise.scattering.SpiralScattering(J=6, J_fr=2, Q=8, shape=4096)
    meta = spiral.meta()
    assert meta["octave"].shape == meta["order"].shape == (spiral(y[:4096]).shape[0],)
    assert np.isnan(meta["octave"]).any() and not np.isnan(meta["octave"]).all()


def test_scattering_constructors_check_the_length_as_kymatio_does():
    # J too large for the signal: refused at construction, not when called
    with pytest.raises(ValueError):
        reprise.scattering.Scattering1D(J=13, shape=4096)
    with pytest.raises(ValueError):
        reprise.scattering.TimeFrequencyScattering(J=6, J_fr=2, Q=8, shape=4096, T=8192)
    # meta() without a transform equals the one a call records
    s = reprise.scattering.TimeFrequencyScattering(J=6, J_fr=2, Q=8, shape=4096)
    before = s.meta()
    s(np.sin(np.arange(4096) * 0.1).astype(np.float32))
    after = s.meta()
    assert before.keys() == after.keys()
    for k in before:
        if k == "key":
            assert before[k] == after[k]
        else:
            np.testing.assert_array_equal(before[k], after[k], err_msg=k)


@pytest.fixture(scope="module")
def chord(tmp_path_factory) -> tuple[Path, np.ndarray]:
    """Three seconds of a decaying C-major chord (a few harmonics per note) as a float32
    WAV at the CAE's 22050 Hz, and the samples written."""
    sr = 22050
    t = np.arange(3 * sr) / sr
    y = sum(0.1 / k * np.sin(2 * np.pi * f * k * t) for f in (261.63, 329.63, 392.0) for k in range(1, 5)) * np.exp(-t)
    y = y.astype(np.float32)
    path = tmp_path_factory.mktemp("cae") / "chord.wav"
    sf.write(path, y, sr, subtype="FLOAT")
    return path, y


def test_the_cae_magnitudes_are_the_clis(chord, tmp_path):
    path, y = chord
    run("features", "cae", path, "-o", tmp_path / "cae.npy")
    cli = np.load(tmp_path / "cae.npy")
    ours = reprise.feature.cae(y=y, sr=22050)
    assert ours.dtype == np.float32 and ours.shape == cli.shape == (256, reprise.cqt(y, hop_length=1984).shape[-1])
    np.testing.assert_allclose(ours, cli, rtol=1e-5, atol=1e-6)
    assert np.all(ours >= 0) and ours.max() > 0
    # leading axes are batches, each signal encoded as on its own
    both = reprise.feature.cae(y=np.stack([y, 0.5 * y[::-1]]))
    assert both.shape == (2,) + ours.shape
    np.testing.assert_allclose(both[0], ours, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(both[1], reprise.feature.cae(y=0.5 * y[::-1]), rtol=1e-5, atol=1e-6)


def test_the_cae_phases_follow_the_magnitudes(chord, tmp_path):
    path, y = chord
    mags = reprise.feature.cae(y=y)
    full = reprise.feature.cae(y=y, phases=True)
    assert full.dtype == np.float32 and full.shape == (512, mags.shape[1])
    np.testing.assert_array_equal(full[:256], mags)
    assert np.all(np.abs(full[256:]) <= np.pi + 1e-6), "phases in radians"
    run("features", "cae", path, "-o", tmp_path / "p.npy", "--phases")
    np.testing.assert_allclose(full, np.load(tmp_path / "p.npy"), rtol=1e-5, atol=1e-6)


def test_a_cae_model_must_be_a_cae_folder_at_its_sample_rate(chord, tmp_path):
    _, y = chord
    # no model.json: named (with the folder)
    with pytest.raises((OSError, ValueError), match="model.json"):
        reprise.feature.cae(y=y, model=tmp_path)
    # a damaged one: named, the CLI's message
    (tmp_path / "model.json").write_text('{"format": "reprise-nn"')
    with pytest.raises(ValueError, match="model.json: damaged model description") as err:
        reprise.feature.cae(y=y, model=str(tmp_path))
    cli = subprocess.run([str(_cli()), "features", "cae", str(chord[0]), "-o", str(tmp_path / "x.npy"), "--model", str(tmp_path)], capture_output=True, text=True)
    assert cli.returncode != 0 and str(err.value) in cli.stderr
    # the shipped model reads 22050 Hz: another rate is refused, not resampled
    with pytest.raises(ValueError, match="22050"):
        reprise.feature.cae(y=y, sr=16000)
    with pytest.raises(TypeError):
        reprise.feature.cae(y)
