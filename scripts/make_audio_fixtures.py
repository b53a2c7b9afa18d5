#!/usr/bin/env python3
"""Generate audio-decoder fixtures (small audio files + librosa reference decodes).

How to run (from the repository root):

    python3 -m venv .venv
    .venv/bin/pip install -r scripts/requirements-peer.txt
    nice -n 10 .venv/bin/python scripts/make_audio_fixtures.py [--out fixtures/audio]

It needs the pinned environment in scripts/requirements-peer.txt
(librosa==0.11.0, soundfile==0.14.0 with its bundled libsndfile, numpy, soxr).
It prints the soundfile / libsndfile / librosa / numpy / soxr versions it runs
with and aborts if librosa is not 0.11.0 or soundfile is not 0.14.0.

What it writes into fixtures/audio/:

* audio files of one seeded test tone (A4 = 440 Hz + 0.3 x 2nd harmonic +
  small seeded white noise, peak 0.6) in several containers / sample formats
  (WAV PCM_U8/16/24/32, FLOAT, DOUBLE; FLAC 16/24; MP3; Ogg Vorbis), a stereo
  WAV and a stereo FLAC (440 Hz tone left, 660 Hz tone right);
* `<file name>.native.npy` (extension kept, e.g. tone.flac.native.npy, since
  tone.flac/.mp3/.ogg share a stem): float32
  `librosa.load(path, sr=None, mono=True)` for every audio file, plus a resampled and an offset/duration decode of
  stereo_s16_44100.wav;
* deliberately bad inputs (empty, text, truncated, corrupt FLAC, a NaN sample,
  digital silence);
* manifest.json: per audio file what soundfile reports (format, subtype,
  channels, samplerate, frames), size and sha256; per .npy the exact call,
  dtype, shape and sha256; per bad input what it is and how soundfile and
  librosa react to it.

Determinism: everything is seeded. libsndfile writes two non-deterministic
things, which this script normalises after writing:
  - float/double WAVs carry a PEAK chunk with a `time(NULL)` timestamp; the
    timestamp field is set to 0 (the chunk itself is kept: decoders must skip
    it);
  - Ogg streams get a random serial number; every page's serial is set to a
    fixed value and its CRC recomputed.
Two runs produce byte-identical files (check with md5sum).

This script only *calls* soundfile/librosa; no code is copied into Reprise.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import struct
import sys
import warnings

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
import soundfile as sf  # noqa: E402
import librosa  # noqa: E402
import soxr  # noqa: E402

REQUIRED_LIBROSA = "0.11.0"
REQUIRED_SOUNDFILE = "0.14.0"

SEED = 20240611
PEAK = 0.6
HARMONIC2_GAIN = 0.3
NOISE_REL = 1e-3  # noise std relative to the peak-normalised tonal part
OGG_SERIAL = 0x52505253
# librosa.load's defaults in 0.11.0 (recorded next to each call in the manifest).
LOAD_DEFAULTS = {"sr": 22050, "mono": True, "offset": 0.0, "duration": None,
                 "dtype": "float32", "res_type": "soxr_hq"}  # fixed Ogg bitstream serial ("SRPR" little-endian)

TONE_RECIPE = (
    "x[n] = sin(2*pi*f0*n/sr) + 0.3*sin(2*pi*2*f0*n/sr) (float64), divided by max|x|; "
    "plus rng.standard_normal(n_frames) * 1e-3 with rng = np.random.default_rng(seed); "
    "then scaled so that max|x| = 0.6 exactly (before the file's quantisation)"
)


# ---------------------------------------------------------------------------
# Signals
# ---------------------------------------------------------------------------

def tone(sr: int, f0: float, n_frames: int, seed: int) -> np.ndarray:
    n = np.arange(n_frames, dtype=np.float64)
    x = np.sin(2 * np.pi * f0 * n / sr) + HARMONIC2_GAIN * np.sin(2 * np.pi * 2 * f0 * n / sr)
    x /= np.max(np.abs(x))
    rng = np.random.default_rng(seed)
    x = x + rng.standard_normal(n_frames) * NOISE_REL
    x *= PEAK / np.max(np.abs(x))
    return x


# ---------------------------------------------------------------------------
# Byte-level normalisation of libsndfile output
# ---------------------------------------------------------------------------

def zero_wav_peak_timestamp(path: str) -> bool:
    """Set the timestamp of a RIFF/WAVE PEAK chunk to 0. Returns True if found."""
    data = bytearray(open(path, "rb").read())
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE", path
    pos = 12
    found = False
    while pos + 8 <= len(data):
        cid = bytes(data[pos:pos + 4])
        size = struct.unpack_from("<I", data, pos + 4)[0]
        if cid == b"PEAK":
            # PEAK chunk body: uint32 version, uint32 timestamp, then per channel
            # (float32 value, uint32 position).
            struct.pack_into("<I", data, pos + 12, 0)
            found = True
        pos += 8 + size + (size & 1)
    open(path, "wb").write(bytes(data))
    return found


def _ogg_crc_table() -> list[int]:
    table = []
    for i in range(256):
        r = i << 24
        for _ in range(8):
            r = ((r << 1) ^ 0x04C11DB7) if (r & 0x80000000) else (r << 1)
            r &= 0xFFFFFFFF
        table.append(r)
    return table


_OGG_CRC = _ogg_crc_table()


def ogg_crc(page: bytes) -> int:
    crc = 0
    for b in page:
        crc = ((crc << 8) & 0xFFFFFFFF) ^ _OGG_CRC[((crc >> 24) & 0xFF) ^ b]
    return crc


def fix_ogg_serial(path: str, serial: int) -> int:
    """Rewrite the bitstream serial of every Ogg page and recompute page CRCs."""
    data = bytearray(open(path, "rb").read())
    pos = 0
    pages = 0
    while pos < len(data):
        assert data[pos:pos + 4] == b"OggS", f"{path}: no Ogg page at {pos}"
        nseg = data[pos + 26]
        body = sum(data[pos + 27:pos + 27 + nseg])
        end = pos + 27 + nseg + body
        struct.pack_into("<I", data, pos + 14, serial)
        struct.pack_into("<I", data, pos + 22, 0)
        struct.pack_into("<I", data, pos + 22, ogg_crc(bytes(data[pos:end])))
        pos = end
        pages += 1
    open(path, "wb").write(bytes(data))
    return pages


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------

def sha256_file(path: str) -> str:
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def describe_exception(e: BaseException, out_dir: str) -> str:
    msg = str(e).replace(os.path.abspath(out_dir) + os.sep, "").replace(out_dir + os.sep, "")
    return f"{type(e).__module__}.{type(e).__name__}: {msg}"


def try_load(path: str, out_dir: str, **kw) -> dict:
    """Run librosa.load and summarise the outcome (for bad inputs)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            y, sr = librosa.load(path, **kw)
            res = {
                "ok": True,
                "sr": int(sr),
                "n_samples": int(y.shape[-1]),
                "dtype": str(y.dtype),
                "n_nan": int(np.isnan(y).sum()),
                "nan_indices": [int(i) for i in np.flatnonzero(np.isnan(y))[:8]],
                "max_abs_finite": float(np.max(np.abs(y[np.isfinite(y)]))) if np.isfinite(y).any() else None,
            }
        except Exception as e:  # noqa: BLE001
            res = {"ok": False, "error": describe_exception(e, out_dir)}
    # ResourceWarnings (unclosed files inside librosa's fallback path) are GC noise; leave them out.
    res["warnings"] = sorted({f"{w.category.__name__}: {str(w.message).splitlines()[0]}"
                              for w in caught if not issubclass(w.category, ResourceWarning)})
    return res


def try_sf_read(path: str, out_dir: str) -> dict:
    try:
        y, sr = sf.read(path, dtype="float32")
        return {"ok": True, "sr": int(sr), "n_frames": int(y.shape[0])}
    except Exception as e:  # noqa: BLE001
        return {"ok": False, "error": describe_exception(e, out_dir)}


# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------

def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join("fixtures", "audio"))
    args = ap.parse_args()
    out = args.out

    versions = {
        "soundfile": sf.__version__,
        "libsndfile": sf.__libsndfile_version__,
        "librosa": librosa.__version__,
        "numpy": np.__version__,
        "soxr": soxr.__version__,
    }
    for k, v in versions.items():
        print(f"{k} {v}")
    if librosa.__version__ != REQUIRED_LIBROSA or sf.__version__ != REQUIRED_SOUNDFILE:
        print(f"error: need librosa=={REQUIRED_LIBROSA} and soundfile=={REQUIRED_SOUNDFILE}", file=sys.stderr)
        return 1

    os.makedirs(out, exist_ok=True)

    def p(name: str) -> str:
        return os.path.join(out, name)

    # --- the signals ------------------------------------------------------
    SR = 22050
    SR_ST = 44100
    mono = tone(SR, 440.0, SR // 2, SEED)                    # 0.5 s
    st_n = int(round(0.3 * SR_ST))                           # 0.3 s (offset fixture needs 0.1 + 0.2 s)
    stereo = np.stack([tone(SR_ST, 440.0, st_n, SEED + 1),
                       tone(SR_ST, 660.0, st_n, SEED + 2)], axis=1)
    st24_n = SR_ST // 4                                       # 0.25 s (size)
    stereo24 = np.stack([tone(SR_ST, 440.0, st24_n, SEED + 3),
                         tone(SR_ST, 660.0, st24_n, SEED + 4)], axis=1)

    mono_desc = "tone(sr=22050, f0=440, n_frames=11025, seed=SEED): 0.5 s"
    # (name, data, sr, format, subtype, content description)
    audio = [
        ("tone_u8.wav", mono, SR, "WAV", "PCM_U8", mono_desc),
        ("tone_s16.wav", mono, SR, "WAV", "PCM_16", mono_desc),
        ("tone_s24.wav", mono, SR, "WAV", "PCM_24", mono_desc),
        ("tone_s32.wav", mono, SR, "WAV", "PCM_32", mono_desc),
        ("tone_f32.wav", mono, SR, "WAV", "FLOAT", mono_desc),
        ("tone_f64.wav", mono[: SR // 4], SR, "WAV", "DOUBLE",
         "first 5512 frames (0.25 s) of the 0.5 s mono tone; shortened to keep the file < 60 KB"),
        ("stereo_s16_44100.wav", stereo, SR_ST, "WAV", "PCM_16",
         "L = tone(44100, 440, 13230, SEED+1), R = tone(44100, 660, 13230, SEED+2): 0.3 s"),
        ("tone.flac", mono, SR, "FLAC", "PCM_16", mono_desc),
        ("tone_stereo_24.flac", stereo24, SR_ST, "FLAC", "PCM_24",
         "L = tone(44100, 440, 11025, SEED+3), R = tone(44100, 660, 11025, SEED+4): 0.25 s"),
        ("tone.mp3", mono, SR, "MP3", "MPEG_LAYER_III", mono_desc + " (lossy)"),
        ("tone.ogg", mono, SR, "OGG", "VORBIS", mono_desc + " (lossy)"),
    ]

    manifest: dict = {
        "generator": "scripts/make_audio_fixtures.py",
        "requirements": "scripts/requirements-peer.txt",
        "versions": versions,
        "seed": SEED,
        "tone_recipe": TONE_RECIPE,
        "conventions": {
            "paths": "file names are relative to this folder",
            "librosa_module": "librosa",
            "npy": "float32 1-D arrays (mono), as librosa.load returns them",
            "normalisation": "float/double WAV PEAK-chunk timestamps are zeroed; Ogg page serials are fixed "
                             f"to {OGG_SERIAL:#010x} with CRCs recomputed (for byte-identical reruns)",
        },
        "audio": {},
        "npy": {},
        "bad_inputs_note": "soundfile_read = sf.read(path, dtype='float32'); librosa_load_sr_none = "
                           "librosa.load(path, sr=None, mono=True). librosa falls back to audioread when "
                           "soundfile fails; that fallback's error depends on which audioread backends "
                           "(e.g. ffmpeg) are installed, so only the soundfile outcome is stable.",
        "bad_inputs": {},
    }

    for name, data, sr, fmt, subtype, desc in audio:
        path = p(name)
        sf.write(path, data, sr, format=fmt, subtype=subtype)
        notes = []
        if fmt == "WAV" and subtype in ("FLOAT", "DOUBLE"):
            if zero_wav_peak_timestamp(path):
                notes.append("has a PEAK chunk (timestamp zeroed)")
        if fmt == "OGG":
            pages = fix_ogg_serial(path, OGG_SERIAL)
            notes.append(f"{pages} Ogg pages, serial fixed, CRCs recomputed")
        info = sf.info(path)
        entry = {
            "format": info.format,
            "subtype": info.subtype,
            "channels": int(info.channels),
            "samplerate": int(info.samplerate),
            "frames": int(info.frames),
            "source_frames": int(data.shape[0]),
            "bytes": os.path.getsize(path),
            "sha256": sha256_file(path),
            "content": desc,
        }
        if notes:
            entry["notes"] = notes
        manifest["audio"][name] = entry

    # --- reference decodes --------------------------------------------------
    def ref(npy_name: str, src: str, **kw) -> np.ndarray:
        y, sr = librosa.load(p(src), **kw)
        y = np.asarray(y, dtype=np.float32)
        np.save(p(npy_name), y)
        effective = dict(LOAD_DEFAULTS)
        effective.update(kw)
        manifest["npy"][npy_name] = {
            "source": src,
            "call": "librosa.load({!r}, {})".format(src, ", ".join(f"{k}={v!r}" for k, v in kw.items())),
            "effective_params": effective,
            "returned_sr": int(sr),
            "dtype": str(y.dtype),
            "shape": list(y.shape),
            "sha256": sha256_file(p(npy_name)),
        }
        return y

    for name, data, sr, fmt, subtype, desc in audio:
        y = ref(f"{name}.native.npy", name, sr=None, mono=True)
        # How close is the decode to the float64 source (mono mix for stereo)?
        src_mono = data.mean(axis=1) if data.ndim == 2 else data
        n = min(len(y), len(src_mono))
        err = float(np.max(np.abs(y[:n].astype(np.float64) - src_mono[:n])))
        manifest["audio"][name]["decoded_frames"] = int(len(y))
        manifest["audio"][name]["max_abs_err_vs_source"] = float(f"{err:.3e}")

    ref("stereo_s16_44100.sr22050.npy", "stereo_s16_44100.wav", sr=22050)
    ref("stereo_s16_44100.offset.npy", "stereo_s16_44100.wav", sr=None, offset=0.1, duration=0.2)

    # --- lossy codecs: delay / length check -----------------------------------
    for name in ("tone.mp3", "tone.ogg"):
        y = np.load(p(name + ".native.npy")).astype(np.float64)
        lags = range(-2000, 2001)
        m = min(len(y), len(mono))
        best = max(lags, key=lambda L: float(np.dot(y[max(L, 0):m + min(L, 0)],
                                                    mono[max(-L, 0):m - max(L, 0)])) if abs(L) < m else -1e9)
        manifest["audio"][name]["lag_vs_source_frames"] = int(best)
        print(f"{name}: decoded {len(y)} frames (source {len(mono)}), best lag {best}")

    # --- bad inputs ------------------------------------------------------------
    bad = manifest["bad_inputs"]
    rng = np.random.default_rng(SEED + 100)

    open(p("empty.wav"), "wb").close()
    bad["empty.wav"] = {"what": "0-byte file"}

    with open(p("text.wav"), "w", encoding="ascii", newline="\n") as f:
        f.write("This is not a WAV file.\n"
                "It is plain ASCII text with a .wav extension,\n"
                "used to test that decoders reject non-audio input.\n")
    bad["text.wav"] = {"what": "3 lines of plain ASCII text"}

    s16 = open(p("tone_s16.wav"), "rb").read()
    cut = int(len(s16) * 0.6)
    open(p("truncated.wav"), "wb").write(s16[:cut])
    bad["truncated.wav"] = {
        "what": f"first {cut} of {len(s16)} bytes of tone_s16.wav; header still declares the full data chunk",
    }

    fl = bytearray(open(p("tone.flac"), "rb").read())
    fl[200:400] = rng.integers(0, 256, size=200, dtype=np.uint8).tobytes()
    open(p("corrupt.flac"), "wb").write(bytes(fl))
    bad["corrupt.flac"] = {
        "what": "tone.flac with bytes [200, 400) replaced by np.random.default_rng(SEED+100)"
                ".integers(0, 256, 200, dtype=uint8)",
    }

    nan_sig = mono[: SR // 10].astype(np.float32).copy()  # 0.1 s
    nan_idx = len(nan_sig) // 2
    nan_sig[nan_idx] = np.nan
    sf.write(p("nan_f32.wav"), nan_sig, SR, format="WAV", subtype="FLOAT")
    zero_wav_peak_timestamp(p("nan_f32.wav"))
    bad["nan_f32.wav"] = {
        "what": f"32-bit float WAV, 22050 Hz mono, first 2205 frames of the mono tone, sample {nan_idx} = NaN "
                "(PEAK chunk timestamp zeroed)",
        "nan_index": nan_idx,
    }

    sf.write(p("silence.wav"), np.zeros(SR // 2), SR, format="WAV", subtype="PCM_16")
    bad["silence.wav"] = {"what": "0.5 s of digital silence, 16-bit PCM, 22050 Hz mono"}

    for name, entry in bad.items():
        entry["bytes"] = os.path.getsize(p(name))
        entry["sha256"] = sha256_file(p(name))
        entry["soundfile_read"] = try_sf_read(p(name), out)
        entry["librosa_load_sr_none"] = try_load(p(name), out, sr=None, mono=True)

    with open(p("manifest.json"), "w", encoding="utf-8", newline="\n") as f:
        json.dump(manifest, f, indent=1, sort_keys=False)
        f.write("\n")

    total = 0
    for fn in sorted(os.listdir(out)):
        sz = os.path.getsize(p(fn))
        total += sz
        print(f"{sz:8d}  {fn}")
    print(f"{total:8d}  total")
    return 0


if __name__ == "__main__":
    sys.exit(main())
