//! `reprise invert`: spectrogram .npy → WAV.

use crate::Failure;
use clap::Args;
use ndarray::Array2;
use ndarray_npy::read_npy;
use num_complex::Complex32;
use reprise::dsp::{griffinlim, icqt, istft, mel_to_audio, GriffinLimConfig, MelConfig, StftConfig};
use reprise::features::{FeatureKind, FeatureParams, FeatureSpec};
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct InvertArgs {
    /// What the .npy holds: `stft` (complex → iSTFT; magnitude → Griffin-Lim), `mel`, or
    /// `cqt` (complex → inverse CQT, as librosa.icqt).
    #[arg(value_parser = ["stft", "mel", "cqt"])]
    kind: String,
    /// Input .npy written by `reprise features` (its .json sidecar supplies the parameters).
    input: PathBuf,
    /// Output WAV (32-bit float).
    #[arg(short, long)]
    out: PathBuf,
    /// Sample rate in Hz [default: from the sidecar, else 22050].
    #[arg(long)]
    sr: Option<u32>,
    /// FFT length [default: from the sidecar, else 2048].
    #[arg(long)]
    n_fft: Option<usize>,
    /// Hop length [default: from the sidecar, else n-fft / 4].
    #[arg(long)]
    hop_length: Option<usize>,
    /// Griffin-Lim iterations.
    #[arg(long, default_value_t = 32)]
    n_iter: usize,
    /// Griffin-Lim momentum.
    #[arg(long, default_value_t = 0.99)]
    momentum: f32,
    /// Seed of the random initial phase.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Output length in samples [default: from the frame count].
    #[arg(long)]
    length: Option<usize>,
}

/// The specification and tuning recorded in the `.json` beside `npy`, if any.
fn read_sidecar(npy: &Path) -> Result<Option<(FeatureSpec, Option<f64>)>, Failure> {
    let path = npy.with_extension("json");
    let Ok(text) = std::fs::read_to_string(&path) else { return Ok(None) };
    let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| format!("{}: not valid JSON: {e}", path.display()))?;
    match v.get("sr") {
        None => return Err(format!("{}: no `sr` field", path.display()).into()),
        Some(s) if !s.as_u64().is_some_and(|r| r > 0 && r <= reprise::io::MAX_SAMPLE_RATE as u64) => {
            return Err(format!("{}: `sr` is {s}, not a sample rate (1 to {} Hz)", path.display(), reprise::io::MAX_SAMPLE_RATE).into())
        }
        Some(_) => {}
    }
    let spec = FeatureSpec::from_sidecar(&v).map_err(|e| format!("{}: unreadable parameters: {e}", path.display()))?;
    Ok(Some((spec, v["tuning"].as_f64())))
}

pub fn run(a: &InvertArgs) -> Result<(), Failure> {
    let input = &a.input;
    if !input.is_file() {
        return Err(format!("{}: no such file", input.display()).into());
    }
    // a damaged header must not make the reads below allocate what it declares
    reprise::io::check_npy(input)?;
    let kind: FeatureKind = a.kind.parse()?;
    let (spec, recorded_tuning) = match read_sidecar(input)? {
        Some(s) => s,
        None => (FeatureParams { kind, ..Default::default() }.spec(22050)?, None),
    };
    if spec.kind() != kind {
        return Err(format!("{}: holds `{}` features (per its sidecar), not `{}`", input.display(), spec.kind().name(), kind.name()).into());
    }
    let mut sr = spec.sr();
    if let Some(v) = a.sr {
        if v == 0 || v > reprise::io::MAX_SAMPLE_RATE {
            return Err(format!("--sr {v}: give a sample rate from 1 to {} Hz", reprise::io::MAX_SAMPLE_RATE).into());
        }
        sr = v;
    }
    // the STFT the frames were made with, and the options that override it
    let mut stft = match &spec {
        FeatureSpec::Stft { stft, .. } => *stft,
        FeatureSpec::Mel { mel, .. } => mel.stft,
        _ => StftConfig::default(),
    };
    if let Some(v) = a.n_fft {
        stft.n_fft = v;
    }
    if let Some(v) = a.hop_length {
        stft.hop_length = Some(v);
    }
    stft.validate().map_err(|e| format!("{}: {e}", input.display()))?;
    if a.n_iter == 0 || a.n_iter > 10_000 {
        return Err(format!("--n-iter {}: give 1 to 10000 Griffin-Lim iterations", a.n_iter).into());
    }
    let gl = GriffinLimConfig { stft, n_iter: a.n_iter, momentum: a.momentum, seed: a.seed, random_init: true };
    let bad = |e: String| Failure::from(format!("{}: {e}", input.display()));
    let y = match &spec {
        FeatureSpec::Stft { .. } => {
            if let Ok(d) = read_npy::<_, Array2<Complex32>>(input) {
                istft(d.view(), &stft, a.length).map_err(|e| bad(e.to_string()))?
            } else {
                let s: Array2<f32> = read_npy(input).map_err(|e| bad(format!("not a float32/complex64 2-D .npy: {e}")))?;
                let mag = to_linear(s, &spec, 1.0);
                griffinlim(mag.view(), &gl, a.length).map_err(|e| bad(e.to_string()))?
            }
        }
        FeatureSpec::Cqt(q) => {
            let c: Array2<Complex32> = read_npy(input)
                .map_err(|_| bad("needs the complex CQT (complex64 .npy, written by `reprise features cqt` without --power or --db)".into()))?;
            let mut cfg = q.cqt;
            cfg.sr = sr;
            if let Some(h) = a.hop_length {
                cfg.hop_length = h;
            }
            let tuning = recorded_tuning.or(q.cqt.tuning.known()).unwrap_or(0.0);
            icqt(c.view(), &cfg.with_tuning(tuning), a.length).map_err(|e| bad(e.to_string()))?
        }
        FeatureSpec::Mel { mel, .. } => {
            let s: Array2<f32> = read_npy(input).map_err(|e| bad(format!("not a float32 2-D .npy: {e}")))?;
            let mel_lin = to_linear(s, &spec, mel.power);
            let cfg = MelConfig { sr, stft, ..*mel };
            mel_to_audio(mel_lin.view(), &cfg, &gl, a.length).map_err(|e| bad(e.to_string()))?
        }
        other => return Err(format!("{}: `{}` features cannot be inverted", input.display(), other.kind().name()).into()),
    };
    reprise::io::write_wav(&a.out, &y, sr)?;
    crate::note(format_args!("{} → {} ({} samples at {sr} Hz)", input.display(), a.out.display(), y.len()));
    Ok(())
}

/// Undoes `--db` and `--power`: returns values with exponent `want` (1 = magnitude).
fn to_linear(mut s: Array2<f32>, spec: &FeatureSpec, want: f32) -> Array2<f32> {
    let stored_power = spec.stored_power();
    if spec.db().is_some() {
        // dB values are 10·log10(power) (or 20·log10(magnitude)): back to power
        s.mapv_inplace(|v| 10f32.powf(v / 10.0));
        s.mapv_inplace(|v| v.powf(want / 2.0));
    } else if stored_power != want {
        s.mapv_inplace(|v| v.max(0.0).powf(want / stored_power));
    }
    s
}
