"""reprise's Python functions against librosa 0.11 (pinned in scripts/requirements-peer.txt)
on the same inputs, with the tolerances the Rust tests document, plus bad input.

Tolerances are relative to the reference's peak: ``max|ours - ref| <= tol * max|ref|``.
The STFT family agrees to float32 rounding (1e-5). The multirate constant-Q kinds differ
from librosa by the decimator (Reprise's half-band filter against soxr), with the protocol
of `crates/reprise-dsp/tests/librosa_cqt.rs`: CQT magnitudes within 1e-2 of each frame's
maximum in the frames whose longest filter stays inside the signal; chroma within 1e-2
(mean 1e-3) everywhere; CENS within 0.05 (mean 2e-3), its quantisation steps flipping at
the ends.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import librosa
import numpy as np
import pytest

import reprise

SR = 22050


def chord(seconds: float = 3.0, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(SR * seconds)) / SR
    y = sum(np.sin(2 * np.pi * f * t) / k for k, f in enumerate([220.0, 277.18, 329.63, 440.0], 1))
    y = y * (0.6 + 0.3 * np.sin(2 * np.pi * 0.7 * t)) + 0.01 * rng.standard_normal(t.size)
    return (0.3 * y).astype(np.float32)


def close(ours, ref, tol):
    ours, ref = np.asarray(ours), np.asarray(ref)
    assert ours.shape == ref.shape, (ours.shape, ref.shape)
    err = np.max(np.abs(ours - ref))
    scale = np.max(np.abs(ref))
    assert err <= tol * scale, f"max error {err:.3g} > {tol} x peak {scale:.3g}"


Y = chord()


@pytest.mark.parametrize(
    "name, ours, ref, tol",
    [
        ("stft", lambda y: reprise.stft(y), lambda y: librosa.stft(y), 1e-5),
        ("stft hop 256 hamming", lambda y: reprise.stft(y, n_fft=1024, hop_length=256, window="hamming"), lambda y: librosa.stft(y, n_fft=1024, hop_length=256, window="hamming"), 1e-5),
        ("stft reflect", lambda y: reprise.stft(y, pad_mode="reflect"), lambda y: librosa.stft(y, pad_mode="reflect"), 1e-5),
        ("melspectrogram", lambda y: reprise.feature.melspectrogram(y=y, sr=SR), lambda y: librosa.feature.melspectrogram(y=y, sr=SR), 1e-5),
        ("melspectrogram htk 40", lambda y: reprise.feature.melspectrogram(y=y, sr=SR, n_mels=40, htk=True, fmax=8000.0, power=1.0), lambda y: librosa.feature.melspectrogram(y=y, sr=SR, n_mels=40, htk=True, fmax=8000.0, power=1.0), 1e-5),
        ("mfcc", lambda y: reprise.feature.mfcc(y=y, sr=SR), lambda y: librosa.feature.mfcc(y=y, sr=SR), 1e-4),
        ("mfcc lifter", lambda y: reprise.feature.mfcc(y=y, sr=SR, n_mfcc=13, lifter=22), lambda y: librosa.feature.mfcc(y=y, sr=SR, n_mfcc=13, lifter=22), 1e-4),
        ("chroma_stft", lambda y: reprise.feature.chroma_stft(y=y, sr=SR), lambda y: librosa.feature.chroma_stft(y=y, sr=SR), 1e-4),
        ("chroma_stft tuning 0", lambda y: reprise.feature.chroma_stft(y=y, sr=SR, tuning=0.0), lambda y: librosa.feature.chroma_stft(y=y, sr=SR, tuning=0.0), 1e-4),
        ("spectral_centroid", lambda y: reprise.feature.spectral_centroid(y=y, sr=SR), lambda y: librosa.feature.spectral_centroid(y=y, sr=SR), 1e-4),
        ("spectral_bandwidth", lambda y: reprise.feature.spectral_bandwidth(y=y, sr=SR), lambda y: librosa.feature.spectral_bandwidth(y=y, sr=SR), 1e-4),
        ("spectral_rolloff", lambda y: reprise.feature.spectral_rolloff(y=y, sr=SR), lambda y: librosa.feature.spectral_rolloff(y=y, sr=SR), 1e-4),
        ("spectral_flatness", lambda y: reprise.feature.spectral_flatness(y=y), lambda y: librosa.feature.spectral_flatness(y=y), 1e-4),
        ("zero_crossing_rate", lambda y: reprise.feature.zero_crossing_rate(y), lambda y: librosa.feature.zero_crossing_rate(y), 1e-6),
        ("rms", lambda y: reprise.feature.rms(y=y), lambda y: librosa.feature.rms(y=y), 1e-5),
    ],
)
def test_equals_librosa(name, ours, ref, tol):
    close(ours(Y), ref(Y), tol)


def close_cqt(ours, ref, fmin=librosa.note_to_hz("C1"), bins_per_octave=12, hop_length=512, sr=SR):
    """Magnitudes within 1e-2 of each frame's maximum, in the frames whose longest (lowest)
    filter lies inside the signal."""
    a, b = np.abs(np.asarray(ours)), np.abs(np.asarray(ref))
    assert a.shape == b.shape, (a.shape, b.shape)
    q = 1.0 / (2.0 ** (1.0 / bins_per_octave) - 1.0)
    edge = int(np.ceil(0.5 * q * sr / fmin / hop_length)) + 1
    assert b.shape[-1] > 2 * edge + 4, "the signal is too short to have interior frames"
    inner = (slice(None),) * (b.ndim - 1) + (slice(edge, b.shape[-1] - edge),)
    a, b = a[inner], b[inner]
    worst = np.max(np.max(np.abs(a - b), axis=-2) / np.max(b, axis=-2))
    assert worst <= 1e-2, f"{worst:.3g} of the frame maximum"


def close_chroma(ours, ref, max_tol=1e-2, mean_tol=1e-3):
    e = np.abs(np.asarray(ours) - np.asarray(ref))
    assert np.asarray(ours).shape == np.asarray(ref).shape
    assert e.max() <= max_tol and e.mean() <= mean_tol, (e.max(), e.mean())


def test_constant_q_equals_librosa():
    close_cqt(reprise.cqt(Y, sr=SR), librosa.cqt(Y, sr=SR))
    close_cqt(reprise.cqt(Y, sr=SR, fmin=55.0, n_bins=144, bins_per_octave=36), librosa.cqt(Y, sr=SR, fmin=55.0, n_bins=144, bins_per_octave=36), fmin=55.0, bins_per_octave=36)
    close_cqt(reprise.vqt(Y, sr=SR, gamma=20.0), librosa.vqt(Y, sr=SR, gamma=20.0))
    close_cqt(reprise.vqt(Y, sr=SR), librosa.vqt(Y, sr=SR))
    close_chroma(reprise.feature.chroma_cqt(y=Y, sr=SR), librosa.feature.chroma_cqt(y=Y, sr=SR))
    close_chroma(reprise.feature.chroma_cens(y=Y, sr=SR), librosa.feature.chroma_cens(y=Y, sr=SR), 0.05, 2e-3)


def test_istft_and_db():
    d = librosa.stft(Y)
    close(reprise.istft(d), librosa.istft(d), 1e-5)
    close(reprise.istft(d, length=10000), librosa.istft(d, length=10000), 1e-5)
    s = np.abs(d) ** 2
    close(reprise.power_to_db(s), librosa.power_to_db(s), 1e-5)
    close(reprise.power_to_db(s, ref=np.max, top_db=60.0), librosa.power_to_db(s, ref=np.max, top_db=60.0), 1e-5)
    close(reprise.amplitude_to_db(np.abs(d), ref=np.max), librosa.amplitude_to_db(np.abs(d), ref=np.max), 1e-5)


def test_estimate_tuning():
    detuned = librosa.tone(440.0 * 2 ** (0.23 / 12), sr=SR, duration=2.0).astype(np.float32)
    assert reprise.estimate_tuning(y=detuned, sr=SR) == pytest.approx(librosa.estimate_tuning(y=detuned, sr=SR), abs=0.011)


def test_leading_axes_are_batches_and_float64_is_accepted():
    y2 = np.stack([Y, Y[::-1] * 0.5, np.roll(Y, 1000)])
    ours = reprise.feature.melspectrogram(y=y2, sr=SR)
    assert ours.shape == librosa.feature.melspectrogram(y=y2, sr=SR).shape
    for i in range(3):
        close(ours[i], librosa.feature.melspectrogram(y=y2[i], sr=SR), 1e-5)
    y4 = y2.reshape(3, 1, -1)
    assert reprise.stft(y4).shape == (3, 1, 1025, 130)
    close(reprise.stft(Y.astype(np.float64)), librosa.stft(Y), 1e-5)
    d = reprise.stft(y2)
    assert reprise.istft(d).shape == librosa.istft(d).shape
    assert reprise.istft(d, length=Y.size).shape == (3, Y.size)


def test_load_matches_librosa(tmp_path):
    import soundfile

    path = tmp_path / "tone.wav"
    stereo = np.stack([Y, 0.5 * Y], axis=1)
    soundfile.write(path, stereo, 44100, subtype="FLOAT")
    ours, sr = reprise.load(path, sr=None)
    ref, ref_sr = librosa.load(path, sr=None)
    assert sr == ref_sr == 44100
    close(ours, ref, 1e-6)
    ours, sr = reprise.load(path, offset=0.5, duration=1.0)
    ref, _ = librosa.load(path, offset=0.5, duration=1.0)
    assert sr == 22050 and abs(ours.size - ref.size) <= 1
    n = min(ours.size, ref.size)
    close(ours[100 : n - 100], ref[100 : n - 100], 1e-2)  # rubato vs soxr_hq, away from the ends


@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda: reprise.stft(np.full(4096, np.nan, dtype=np.float32)), ValueError, "not finite"),
        (lambda: reprise.stft(np.zeros(4096, dtype=np.int16)), ValueError, "floating-point"),
        (lambda: reprise.stft(np.zeros(0, dtype=np.float32)), ValueError, "empty"),
        (lambda: reprise.stft(Y, n_fft=0), ValueError, "n_fft"),
        (lambda: reprise.stft(Y, window="kaiser"), ValueError, "window"),
        (lambda: reprise.stft(Y, pad_mode="wrap"), ValueError, "pad_mode"),
        (lambda: reprise.feature.melspectrogram(y=Y, n_mels=0), ValueError, "n_mels"),
        (lambda: reprise.feature.melspectrogram(y=Y, fmax=20000.0), ValueError, "Nyquist"),
        (lambda: reprise.feature.chroma_cqt(C=np.ones((252, 10)) + 0j), ValueError, "magnitudes"),
        (lambda: reprise.feature.melspectrogram(S=np.ones((1025, 10)) + 0j), ValueError, "real"),
        (lambda: reprise.feature.melspectrogram(y=Y, n_melz=40), TypeError, "n_melz"),
        (lambda: reprise.feature.mfcc(y=Y, dct_type=3), ValueError, "dct_type"),
        (lambda: reprise.cqt(Y, sr=SR, fmin=20000.0), ValueError, "Nyquist"),
        (lambda: reprise.cqt(Y, sr=SR, norm=2), ValueError, "norm"),
        (lambda: reprise.feature.chroma_cqt(y=Y, bins_per_octave=30), ValueError, "multiple"),
        (lambda: reprise.load("/nonexistent/x.wav"), OSError, "x.wav"),
        (lambda: reprise.load(__file__), OSError, "test_librosa.py"),
        (lambda: reprise.load(__file__, mono=False), ValueError, "mono"),
        (lambda: reprise.istft(np.full((1025, 4), np.nan, dtype=np.complex64)), ValueError, "non-finite"),
    ],
)
def test_bad_input_raises_one_line(call, error, words):
    with pytest.raises(error) as e:
        call()
    message = str(e.value)
    assert words in message and "\n" not in message, message


def test_a_librosa_script_runs_with_the_import_swapped(tmp_path):
    script = textwrap.dedent(
        """
        import numpy as np
        import {module} as librosa
        y = np.load(r"{signal}")
        S = librosa.feature.melspectrogram(y=y, sr=22050, n_mels=64)
        logS = librosa.power_to_db(S, ref=np.max)
        M = librosa.feature.mfcc(y=y, sr=22050, n_mfcc=13)
        C = np.abs(librosa.cqt(y, sr=22050))
        chroma = librosa.feature.chroma_cqt(y=y, sr=22050)
        np.savez(r"{out}", logS=logS, M=M, C=C, chroma=chroma)
        """
    )
    runs = {}
    np.save(tmp_path / "y.npy", Y)
    for module in ("librosa", "reprise"):
        out = tmp_path / f"{module}.npz"
        subprocess.run([sys.executable, "-c", script.format(module=module, out=out, signal=tmp_path / "y.npy")], check=True)
        runs[module] = np.load(out)
    close(runs["reprise"]["logS"], runs["librosa"]["logS"], 1e-4)
    close(runs["reprise"]["M"], runs["librosa"]["M"], 1e-3)
    close_cqt(runs["reprise"]["C"], runs["librosa"]["C"])
    close_chroma(runs["reprise"]["chroma"], runs["librosa"]["chroma"])


def test_spec_is_what_the_cli_records():
    s = reprise.spec("mel", sr=16000, n_mels=96)
    assert s["kind"] == "mel" and s["mel"]["n_mels"] == 96 and s["mel"]["sr"] == 16000
    assert reprise.spec("cqt")["cqt"]["tuning"] == 0.0
    assert reprise.spec("chroma-cqt")["chroma"]["cqt"]["tuning"] == "estimate"


def kymatio_scattering1d():
    import scipy.special

    # kymatio 0.3 imports scipy.special.sph_harm, renamed in SciPy 1.15; its 1-D code never calls it
    if not hasattr(scipy.special, "sph_harm"):
        scipy.special.sph_harm = lambda m, n, theta, phi: scipy.special.sph_harm_y(n, m, phi, theta)
    from kymatio.numpy import Scattering1D

    return Scattering1D


@pytest.mark.parametrize("J, Q, max_order", [(6, 8, 2), (5, 12, 1), (8, 1, 2)])
def test_scattering1d_equals_kymatio(J, Q, max_order):
    Kymatio = kymatio_scattering1d()
    x = np.stack([Y[:8192], Y[8192:16384]])
    ref = Kymatio(J=J, shape=8192, Q=Q, max_order=max_order)
    ours = reprise.scattering.Scattering1D(J=J, shape=8192, Q=Q, max_order=max_order)
    close(ours(x), ref(x.astype(np.float64)), 1e-4)
    m, k = ours.meta(), ref.meta()
    assert m["key"] == list(k["key"])
    np.testing.assert_array_equal(m["order"], k["order"])
    for field in ("xi", "sigma", "j", "n"):
        np.testing.assert_allclose(m[field], np.asarray(k[field], dtype=float), rtol=1e-9, equal_nan=True, err_msg=field)


def test_scattering1d_refuses_what_it_does_not_do():
    with pytest.raises(ValueError, match="oversampling"):
        reprise.scattering.Scattering1D(J=6, shape=4096, oversampling=1)
    with pytest.raises(ValueError, match="J"):
        reprise.scattering.Scattering1D(J=0, shape=4096)
    with pytest.raises(ValueError, match="differs from shape"):
        reprise.scattering.Scattering1D(J=6, shape=4096)(Y[:1000])


def test_spectrogram_inputs_equal_librosa():
    power = np.abs(librosa.stft(Y)) ** 2
    close(reprise.feature.melspectrogram(S=power, sr=SR), librosa.feature.melspectrogram(S=power, sr=SR), 1e-5)
    log_mel = librosa.power_to_db(librosa.feature.melspectrogram(y=Y, sr=SR))
    close(reprise.feature.mfcc(S=log_mel, sr=SR, n_mfcc=13), librosa.feature.mfcc(S=log_mel, sr=SR, n_mfcc=13), 1e-4)
    close(reprise.feature.chroma_stft(S=power, sr=SR), librosa.feature.chroma_stft(S=power, sr=SR), 1e-4)
    power4 = np.abs(librosa.stft(Y, n_fft=1024)) ** 2
    close(reprise.feature.chroma_stft(S=power4, sr=SR, tuning=0.0), librosa.feature.chroma_stft(S=power4, sr=SR, tuning=0.0), 1e-4)
    with pytest.raises(ValueError, match="rows"):
        reprise.feature.melspectrogram(S=power4, sr=SR)
    # the descriptors and RMS from a magnitude spectrogram, at two FFT lengths
    for n_fft in (2048, 1024):
        mag = np.abs(librosa.stft(Y, n_fft=n_fft))
        for name in ("spectral_centroid", "spectral_bandwidth", "spectral_rolloff"):
            close(getattr(reprise.feature, name)(S=mag, sr=SR), getattr(librosa.feature, name)(S=mag, sr=SR), 1e-4)
        close(reprise.feature.spectral_flatness(S=mag), librosa.feature.spectral_flatness(S=mag), 1e-4)
        close(reprise.feature.rms(S=mag, frame_length=n_fft), librosa.feature.rms(S=mag, frame_length=n_fft), 1e-5)
    with pytest.raises(ValueError, match="frame_length"):
        reprise.feature.rms(S=mag, frame_length=2048)
    with pytest.raises(ValueError, match="non-negative"):
        reprise.feature.spectral_centroid(S=-mag, sr=SR)
    # chroma from CQT magnitudes already computed, as librosa's C=
    c = np.abs(librosa.cqt(Y, sr=SR, n_bins=84 * 3, bins_per_octave=36))
    close(reprise.feature.chroma_cqt(C=c, sr=SR), librosa.feature.chroma_cqt(C=c, sr=SR), 1e-4)
    close(reprise.feature.chroma_cens(C=np.abs(c), sr=SR), librosa.feature.chroma_cens(C=np.abs(c), sr=SR), 1e-4)
    with pytest.raises(ValueError, match="multiple of bins_per_octave"):
        reprise.feature.chroma_cqt(C=c[:-1], sr=SR)


def test_piptrack_equals_librosa():
    y2 = np.stack([Y, chord(seed=3)[::-1].copy()])
    for kwargs in ({}, {"fmin": 100.0, "fmax": 2000.0, "threshold": 0.2, "hop_length": 256}):
        p, m = reprise.piptrack(y=y2, sr=SR, **kwargs)
        lp, lm = librosa.piptrack(y=y2, sr=SR, **kwargs)
        assert p.shape == lp.shape
        # the same peaks, at the same bins, with the same interpolated frequency and magnitude
        assert np.array_equal(p > 0, lp > 0), f"{np.sum((p > 0) != (lp > 0))} peaks differ"
        close(p, lp, 1e-5)
        close(m, lm, 1e-4)
    mag = np.abs(librosa.stft(Y, n_fft=1024))
    for ref in (np.mean, 0.5):
        p, m = reprise.piptrack(S=mag, sr=SR, threshold=1.0, ref=ref)
        lp, lm = librosa.piptrack(S=mag, sr=SR, threshold=1.0, ref=ref)
        assert np.array_equal(p > 0, lp > 0)
        close(p, lp, 1e-5)
        close(m, lm, 1e-4)


def test_estimate_tuning_pools_and_takes_spectrograms():
    detuned = [librosa.tone(440.0 * 2 ** (c / 12), sr=SR, duration=1.5).astype(np.float32) for c in (0.23, -0.11)]
    y2 = np.stack(detuned)
    # leading axes are pooled into one estimate, as librosa does
    assert reprise.estimate_tuning(y=y2, sr=SR) == pytest.approx(librosa.estimate_tuning(y=y2, sr=SR), abs=0.011)
    mag = np.abs(librosa.stft(detuned[0], n_fft=4096))
    assert reprise.estimate_tuning(S=mag, sr=SR) == pytest.approx(librosa.estimate_tuning(S=mag, sr=SR), abs=0.011)
    kw = {"bins_per_octave": 36, "resolution": 0.02, "fmin": 200.0, "hop_length": 256}
    assert reprise.estimate_tuning(y=detuned[1], sr=SR, **kw) == pytest.approx(librosa.estimate_tuning(y=detuned[1], sr=SR, **kw), abs=0.021)
    with pytest.raises(ValueError, match="ref"):
        reprise.estimate_tuning(y=detuned[0], ref=np.mean)


def test_filters_equal_librosa():
    close(reprise.filters.mel(sr=SR, n_fft=2048), librosa.filters.mel(sr=SR, n_fft=2048), 1e-5)
    close(reprise.filters.mel(sr=16000, n_fft=512, n_mels=40, htk=True, norm=None), librosa.filters.mel(sr=16000, n_fft=512, n_mels=40, htk=True, norm=None), 1e-5)
    close(reprise.filters.chroma(sr=SR, n_fft=2048), librosa.filters.chroma(sr=SR, n_fft=2048), 1e-5)
    close(reprise.filters.chroma(sr=SR, n_fft=4096, n_chroma=24, tuning=0.2), librosa.filters.chroma(sr=SR, n_fft=4096, n_chroma=24, tuning=0.2), 1e-5)


def test_hybrid_and_pseudo_cqt_equal_librosa():
    close_cqt(reprise.hybrid_cqt(Y, sr=SR), librosa.hybrid_cqt(Y, sr=SR))
    close(reprise.pseudo_cqt(Y, sr=SR), librosa.pseudo_cqt(Y, sr=SR), 1e-4)


def test_inversions_match_librosa():
    c = librosa.cqt(Y, sr=SR, sparsity=0)
    close(reprise.icqt(c, sr=SR, length=Y.size), librosa.icqt(c, sr=SR, length=Y.size), 2e-2)
    mel = librosa.feature.melspectrogram(y=Y, sr=SR)
    # the NNLS problem is under-determined: compare how well each solution fits the mel
    # spectrogram (the protocol of the Rust parity test)
    bank = librosa.filters.mel(sr=SR, n_fft=2048)
    ours_s = reprise.feature.inverse.mel_to_stft(mel, sr=SR)
    ref_s = librosa.feature.inverse.mel_to_stft(mel, sr=SR)
    assert ours_s.shape == ref_s.shape and np.all(ours_s >= 0)
    residual = lambda s: np.linalg.norm(bank @ (s.astype(np.float64) ** 2) - mel)
    assert residual(ours_s) <= 1.01 * residual(ref_s) + 1e-6 * np.linalg.norm(mel), (residual(ours_s), residual(ref_s))
    # Griffin-Lim: different random starts, so compare how well each reconstructs |S|
    mag = np.abs(librosa.stft(Y[: 3 * SR // 2]))

    def convergence(y):
        m = np.abs(librosa.stft(y))[:, : mag.shape[1]]
        return np.linalg.norm(m - mag) / np.linalg.norm(mag)

    ours = reprise.griffinlim(mag, random_state=0)
    ref = librosa.griffinlim(mag, random_state=0)
    assert ours.shape == ref.shape
    assert convergence(ours) <= 1.2 * convergence(ref) + 0.01, (convergence(ours), convergence(ref))
    audio = reprise.feature.inverse.mel_to_audio(mel[:, :40], sr=SR, length=20000)
    assert audio.shape == (20000,) and np.all(np.isfinite(audio))


def test_jtfs_equals_kymatio_main():
    """The reference outputs of kymatio main (11552ed5, float64) in ../shared/fixtures/jtfs/,
    the same the Rust parity test reads."""
    from pathlib import Path

    import os

    path = Path(__file__).resolve().parents[4] / "shared" / "fixtures" / "jtfs" / "jtfs_reference.npz"
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{path} not found (CI requires ../shared beside the repository)")
        pytest.skip(f"{path} not found")
    z = np.load(path)
    configs = {"a": dict(J=6, J_fr=2, Q=(8, 1)), "b": dict(J=8, J_fr=3, Q=(12, 1))}
    for c, cfg in configs.items():
        x = z[f"x_{c}"]
        for fmt in ("time", "joint"):
            s = reprise.scattering.TimeFrequencyScattering(shape=x.size, format=fmt, **cfg)
            close(s(x), z[f"{fmt}_{c}"], 1e-4)
        # meta() of the time format, field by field (NaN where kymatio has NaN). kymatio
        # main's meta() lists the paths sorted by key, (n1, n_fr) then (n1, n2, n_fr), not
        # in the order of its output's channels; Reprise's rows are the output's channels,
        # so they are sorted the same way before comparing
        meta = reprise.scattering.TimeFrequencyScattering(shape=x.size, **cfg).meta()
        keys = [(o, (n1, n_fr) if o == 1 else (n1, n2, n_fr)) for o, (n1, n2, n_fr) in zip(meta["order"], meta["key"])]
        order = sorted(range(len(keys)), key=lambda i: (keys[i][0], keys[i][1] if keys[i][0] else ()))
        for key in ("n", "n_fr", "order", "xi", "xi_fr", "sigma", "sigma_fr", "j", "j_fr", "spin"):
            ref = z[f"meta_time_{c}_{key}"]
            meta[key] = meta[key][order]
            assert meta[key].shape == ref.shape, (key, meta[key].shape, ref.shape)
            assert np.array_equal(np.isnan(meta[key]), np.isnan(ref)), f"{key}: NaN at other paths"
            np.testing.assert_allclose(np.nan_to_num(meta[key]), np.nan_to_num(ref), rtol=1e-6, atol=1e-9, err_msg=key)
    s = reprise.scattering.TimeFrequencyScattering(J=6, J_fr=2, Q=8, shape=4096)
    batch = np.stack([z["x_a"], z["x_a"][::-1]])
    out = s(batch)
    assert out.shape == (2,) + z["time_a"].shape
    close(out[0], z["time_a"], 1e-4)
    spiral = reprise.scattering.SpiralScattering(J=6, J_fr=2, Q=8, shape=4096, format="joint")
    assert spiral(z["x_a"]).ndim == 3


def test_pyin_equals_librosa():
    # a melody with rests and an octave leap; librosa on the float32 signal (as float64,
    # the precision Reprise computes its difference function in)
    t = np.arange(int(SR * 0.5)) / SR
    notes = [np.zeros_like(t)] + [sum(np.sin(2 * np.pi * f * k * t) / k for k in range(1, 5)) for f in (196.0, 392.0, 261.6)]
    y = (0.2 * np.concatenate(notes) + 0.001 * np.random.default_rng(3).standard_normal(4 * t.size)).astype(np.float32)
    kw = dict(fmin=65.40639132514966, fmax=2093.004522404789, sr=SR)
    f0, v, p = reprise.pyin(y, **kw)
    rf0, rv, rp = librosa.pyin(y.astype(np.float64), **kw)
    assert f0.dtype == np.float64 and v.dtype == bool and f0.shape == rf0.shape
    np.testing.assert_array_equal(v, rv)
    np.testing.assert_allclose(f0[v], rf0[rv], rtol=1e-9)
    assert np.all(np.isnan(f0[~v]))
    np.testing.assert_allclose(p, rp, atol=1e-6)
    # leading axes, fill_na, hop
    f2, v2, _ = reprise.pyin(np.stack([y, y]), fill_na=None, hop_length=256, **kw)
    assert f2.shape == (2, 1 + y.size // 256) and np.all(np.isfinite(f2))
    with pytest.raises(ValueError, match="fmin"):
        reprise.pyin(y, fmin=5.0, fmax=1000.0, sr=SR)
    with pytest.raises(ValueError, match="Nyquist"):
        reprise.pyin(y, fmin=100.0, fmax=20000.0, sr=SR)
    with pytest.raises(TypeError):
        reprise.pyin(y, fmax=1000.0)
    with pytest.warns(FutureWarning):
        reprise.pyin(y[:4096], win_length=1024, **kw)
