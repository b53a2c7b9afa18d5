#!/usr/bin/env python3
"""Synthesize Reprise's embedded demo clip, assets/demo.flac.

How to run (from the repository root):

    python3 -m venv .venv
    .venv/bin/pip install -r scripts/requirements-peer.txt
    nice -n 10 .venv/bin/python scripts/make_demo_clip.py [--out assets/demo.flac]

Needs numpy, scipy and soundfile from scripts/requirements-peer.txt (librosa
is only used, if present, for the final decode check). It prints the versions
it runs with.

The clip is an original 6-second excerpt, synthesized from scratch here:
C major, 4/4 at 100 BPM (one beat = 0.6 s), two beats per chord:

    | C  | Am | F  | G  | C  |      (I - vi - IV - V - I)
     0.0  1.2  2.4  3.6  4.8  6.0 s

* chords: four-note voicings (root doubled) around middle C, each note a sum of 10
  harmonics whose amplitudes fall as 1/k and whose higher partials decay
  faster (a plucked/electric-piano-like pad);
* bass: chord roots in octave 2, root then fifth, a warm 6-harmonic tone;
* melody: a simple line in octave 5 with gentle vibrato (5.5 Hz, +-18 cents,
  fading in after the onset);
* percussion: a decaying pitch-swept sine "kick" on every beat and short
  high-passed noise bursts as a closed hi-hat on every eighth note.

The mix is normalised to a peak of 0.8, with a 10 ms fade-in and a 150 ms
fade-out, and written as 16-bit FLAC, 22050 Hz mono. Everything is seeded and
computed in float64 with numpy/scipy; two runs give byte-identical files.
The clip is dedicated to the public domain (CC0-1.0), see assets/README.md.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
import scipy  # noqa: E402
import scipy.signal  # noqa: E402
import soundfile as sf  # noqa: E402

SR = 22050
DURATION = 6.0
BPM = 100.0
BEAT = 60.0 / BPM  # 0.6 s
SEED = 1234
PEAK = 0.8
FADE_IN = 0.010
FADE_OUT = 0.150


def midi_hz(m: float) -> float:
    return 440.0 * 2.0 ** ((m - 69) / 12.0)


# MIDI note numbers: C4 = 60.
C2, D2, E2, F2, G2, A2, B2 = 36, 38, 40, 41, 43, 45, 47
B3, C4, D4, E4, F4, G4, A4 = 59, 60, 62, 64, 65, 67, 69
B4, C5, D5, E5, F5, G5, A5 = 71, 72, 74, 76, 77, 79, 81

# (chord name, voicing with doubled root, bass root, bass fifth); two beats each.
PROGRESSION = [
    ("C", (C4, E4, G4, C5), C2 + 12, G2),
    ("Am", (A4 - 12, C4, E4, A4), A2 - 12, E2),
    ("F", (F4 - 12, C4, F4, A4), F2, C2 + 12),
    ("G", (G4 - 12, B3, D4, G4), G2 - 12, D2),
    ("C", (C4, E4, G4, C5), C2 + 12, G2),
]

# Melody: (MIDI note, length in beats), back to back from t = 0.
MELODY = [
    (E5, 1.0), (G5, 1.0),                 # C
    (A5, 1.0), (E5, 1.0),                 # Am
    (F5, 0.5), (A5, 0.5), (C5 + 12, 1.0),  # F  (C6)
    (B4 + 12, 1.0), (G5, 0.5), (F5, 0.5),  # G  (B5, G5, then the 7th F5)
    (E5, 2.0),                            # C
]


def envelope(n: int, attack: float, release: float) -> np.ndarray:
    """Linear attack / linear release over n samples (seconds)."""
    env = np.ones(n)
    a = min(n, max(1, int(round(attack * SR))))
    r = min(n - a, max(1, int(round(release * SR))))
    env[:a] = np.arange(1, a + 1) / a
    if r > 0:
        env[n - r:] *= np.linspace(1.0, 0.0, r + 1)[1:]
    return env


def harmonic_tone(f0: float, n: int, amps, decays, phase_rng=None, vibrato=None) -> np.ndarray:
    """Sum of harmonics k*f0 with amplitude amps[k-1]*exp(-decays[k-1]*t)."""
    t = np.arange(n) / SR
    if vibrato is None:
        inst = np.full(n, f0)
    else:
        rate, cents, delay = vibrato
        depth = np.clip((t - delay) / 0.25, 0.0, 1.0) * cents
        inst = f0 * 2.0 ** (depth * np.sin(2 * np.pi * rate * t) / 1200.0)
    phase = 2 * np.pi * np.cumsum(inst) / SR
    out = np.zeros(n)
    for k, (a, d) in enumerate(zip(amps, decays), start=1):
        if k * f0 >= 0.45 * SR:
            break
        ph0 = 0.0 if phase_rng is None else phase_rng.uniform(0, 2 * np.pi)
        out += a * np.exp(-d * t) * np.sin(k * phase + ph0)
    return out


def add(buf: np.ndarray, sig: np.ndarray, start: float) -> None:
    i = int(round(start * SR))
    j = min(len(buf), i + len(sig))
    buf[i:j] += sig[: j - i]


def synthesize() -> np.ndarray:
    rng = np.random.default_rng(SEED)
    n_total = int(round(DURATION * SR))
    chords = np.zeros(n_total)
    bass = np.zeros(n_total)
    melody = np.zeros(n_total)
    kick = np.zeros(n_total)
    hat = np.zeros(n_total)

    chord_len = 2 * BEAT
    # Chords: 10 harmonics, 1/k amplitudes, higher partials decay faster.
    pad_amps = [1.0 / k for k in range(1, 11)]
    pad_decays = [0.3 + 0.4 * (k - 1) for k in range(1, 11)]
    for i, (_name, voicing, root, fifth) in enumerate(PROGRESSION):
        start = i * chord_len
        n = int(round((chord_len + 0.08) * SR))  # slight overlap into the next chord
        for m in voicing:
            tone = harmonic_tone(midi_hz(m), n, pad_amps, pad_decays, phase_rng=rng)
            add(chords, tone * envelope(n, 0.012, 0.09), start)
        # Bass: root on beat 1, fifth on beat 2.
        bass_amps = [1.0, 0.5, 0.3, 0.18, 0.1, 0.05]
        bass_decays = [1.2, 1.8, 2.6, 3.4, 4.2, 5.0]
        for b, m in enumerate((root, fifth)):
            nb = int(round(BEAT * 0.95 * SR))
            tone = harmonic_tone(midi_hz(m), nb, bass_amps, bass_decays, phase_rng=rng)
            add(bass, tone * envelope(nb, 0.008, 0.06), start + b * BEAT)

    # Melody with vibrato.
    mel_amps = [1.0, 0.45, 0.25, 0.12, 0.06]
    mel_decays = [0.35, 0.6, 0.9, 1.3, 1.8]
    t0 = 0.0
    for m, beats in MELODY:
        dur = beats * BEAT
        nm = int(round(dur * 0.92 * SR))
        tone = harmonic_tone(midi_hz(m), nm, mel_amps, mel_decays, phase_rng=rng,
                             vibrato=(5.5, 18.0, 0.12))
        add(melody, tone * envelope(nm, 0.015, 0.07), t0)
        t0 += dur

    # Kick: sine swept 110 -> 45 Hz, fast exponential decay, on every beat.
    nk = int(round(0.25 * SR))
    tk = np.arange(nk) / SR
    f_k = 45.0 + 65.0 * np.exp(-tk / 0.035)
    kick_wave = np.sin(2 * np.pi * np.cumsum(f_k) / SR) * np.exp(-tk / 0.07)
    kick_wave *= envelope(nk, 0.002, 0.02)
    n_beats = int(round(DURATION / BEAT))
    for b in range(n_beats):
        add(kick, kick_wave * (1.0 if b % 2 == 0 else 0.8), b * BEAT)

    # Hi-hat: high-passed seeded noise bursts on every eighth note, off-beats softer.
    sos = scipy.signal.butter(4, 6000.0, btype="highpass", fs=SR, output="sos")
    nh = int(round(0.045 * SR))
    th = np.arange(nh) / SR
    for e in range(2 * n_beats):
        burst = scipy.signal.sosfilt(sos, rng.standard_normal(nh)) * np.exp(-th / 0.012)
        add(hat, burst * (1.0 if e % 2 == 0 else 0.6), e * BEAT / 2)

    def norm(x):
        return x / np.max(np.abs(x))

    mix = (0.50 * norm(chords) + 0.36 * norm(bass) + 0.26 * norm(melody)
           + 0.32 * norm(kick) + 0.07 * norm(hat))
    mix *= envelope(n_total, FADE_IN, FADE_OUT)
    mix *= PEAK / np.max(np.abs(mix))
    return mix


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join("assets", "demo.flac"))
    args = ap.parse_args()

    print(f"numpy {np.__version__}")
    print(f"scipy {scipy.__version__}")
    print(f"soundfile {sf.__version__}")
    print(f"libsndfile {sf.__libsndfile_version__}")

    y = synthesize()
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    sf.write(args.out, y, SR, format="FLAC", subtype="PCM_16")
    data = open(args.out, "rb").read()
    print(f"wrote {args.out}: {len(data)} bytes, {len(y)} frames @ {SR} Hz, "
          f"peak {np.max(np.abs(y)):.3f}, md5 {hashlib.md5(data).hexdigest()}")

    try:
        import librosa
    except ImportError:
        return 0
    yl, sr = librosa.load(args.out, sr=None)
    print(f"librosa {librosa.__version__}: load(sr=None) -> {yl.shape[0]} samples @ {sr} Hz "
          f"= {yl.shape[0] / sr:.3f} s")
    if sr != SR or yl.shape[0] != len(y):
        print("error: decode check failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
