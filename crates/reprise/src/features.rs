//! The feature pipeline behind `reprise features`: decode a file in chunks, run a
//! frame-based transform on the stream, and collect the result with its axes.
//!
//! The decoded signal is never held whole: only one frame of samples plus the
//! feature matrix is in memory, so a two-hour file costs what its features cost.
//! `chroma-stft` with an estimated tuning reads the file twice (tuning, then chroma).

use crate::Result;
use ndarray::Array2;
use num_complex::Complex32;
use reprise_dsp::chroma::chroma_frame;
use reprise_dsp::convert::mel_frequencies;
use reprise_dsp::cqt::CqtMode;
use reprise_dsp::{
    amplitude_to_db, fft_frequencies, power_to_db, ChromaCqtConfig, ChromaStftConfig, CqtConfig, DbConfig, Descriptor, FrameDescriptor, FrameNorm,
    FrameStream, Gamma, MelConfig, MelNorm, MelSpectrogram, Mfcc, MfccConfig, Stft, StftConfig, VqtFilters,
};
use reprise_io::{AudioStream, LoadOptions};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::path::Path;
use std::str::FromStr;

/// The representations `reprise features` computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FeatureKind {
    /// Complex STFT (complex64), or `|STFT|^power` with `power`, or dB with `db`.
    Stft,
    /// Mel spectrogram (power 2 by default).
    Mel,
    /// Mel-frequency cepstral coefficients.
    Mfcc,
    /// Chromagram from the power STFT.
    ChromaStft,
    /// Spectral centroid, Hz.
    Centroid,
    /// Spectral bandwidth (p = 2), Hz.
    Bandwidth,
    /// Spectral roll-off, Hz.
    Rolloff,
    /// Spectral flatness.
    Flatness,
    /// Zero-crossing rate.
    Zcr,
    /// Root-mean-square energy.
    Rms,
    /// Constant-Q transform (complex64, or magnitude with `power`/`db`).
    Cqt,
    /// Variable-Q transform (ERB bandwidths unless `gamma` is given).
    Vqt,
    /// Hybrid CQT (magnitudes).
    HybridCqt,
    /// Pseudo CQT (magnitudes).
    PseudoCqt,
    /// Chromagram from the CQT.
    ChromaCqt,
    /// Chroma energy normalised statistics (CENS).
    ChromaCens,
    /// Morlet scalogram `|x ∗ ψ_λ|` (kymatio's first-order filters).
    Scalogram,
    /// Wavelet scattering 1-D, orders 0–2 (kymatio 0.3's `Scattering1D`).
    Scattering,
    /// Joint time–frequency scattering (kymatio main's `TimeFrequencyScattering`).
    Jtfs,
    /// Spiral scattering: JTFS plus finite differences across octaves.
    Spiral,
}

impl FeatureKind {
    /// Every kind, in the order of the documentation.
    pub const ALL: [FeatureKind; 20] = [
        FeatureKind::Stft,
        FeatureKind::Mel,
        FeatureKind::Mfcc,
        FeatureKind::ChromaStft,
        FeatureKind::Centroid,
        FeatureKind::Bandwidth,
        FeatureKind::Rolloff,
        FeatureKind::Flatness,
        FeatureKind::Zcr,
        FeatureKind::Rms,
        FeatureKind::Cqt,
        FeatureKind::Vqt,
        FeatureKind::HybridCqt,
        FeatureKind::PseudoCqt,
        FeatureKind::ChromaCqt,
        FeatureKind::ChromaCens,
        FeatureKind::Scalogram,
        FeatureKind::Scattering,
        FeatureKind::Jtfs,
        FeatureKind::Spiral,
    ];

    /// The command-line name (`chroma-stft`, ...).
    pub fn name(self) -> &'static str {
        match self {
            FeatureKind::Stft => "stft",
            FeatureKind::Mel => "mel",
            FeatureKind::Mfcc => "mfcc",
            FeatureKind::ChromaStft => "chroma-stft",
            FeatureKind::Centroid => "centroid",
            FeatureKind::Bandwidth => "bandwidth",
            FeatureKind::Rolloff => "rolloff",
            FeatureKind::Flatness => "flatness",
            FeatureKind::Zcr => "zcr",
            FeatureKind::Rms => "rms",
            FeatureKind::Cqt => "cqt",
            FeatureKind::Vqt => "vqt",
            FeatureKind::HybridCqt => "hybrid-cqt",
            FeatureKind::PseudoCqt => "pseudo-cqt",
            FeatureKind::ChromaCqt => "chroma-cqt",
            FeatureKind::ChromaCens => "chroma-cens",
            FeatureKind::Scalogram => "scalogram",
            FeatureKind::Scattering => "scattering",
            FeatureKind::Jtfs => "jtfs",
            FeatureKind::Spiral => "spiral",
        }
    }

    /// The wavelet-scattering kinds, computed on the whole decoded signal.
    pub fn is_scattering(self) -> bool {
        matches!(self, FeatureKind::Scalogram | FeatureKind::Scattering | FeatureKind::Jtfs | FeatureKind::Spiral)
    }

    /// The constant-Q kinds (all streamed).
    pub fn is_constant_q(self) -> bool {
        matches!(
            self,
            FeatureKind::Cqt | FeatureKind::Vqt | FeatureKind::HybridCqt | FeatureKind::PseudoCqt | FeatureKind::ChromaCqt | FeatureKind::ChromaCens
        )
    }

    fn descriptor(self, roll_percent: f64) -> Option<Descriptor> {
        match self {
            FeatureKind::Centroid => Some(Descriptor::Centroid),
            FeatureKind::Bandwidth => Some(Descriptor::Bandwidth { p: 2.0 }),
            FeatureKind::Rolloff => Some(Descriptor::Rolloff { roll_percent }),
            FeatureKind::Flatness => Some(Descriptor::Flatness { amin: 1e-10, power: 2.0 }),
            _ => None,
        }
    }
}

impl FromStr for FeatureKind {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        FeatureKind::ALL.into_iter().find(|k| k.name() == s).ok_or_else(|| {
            let names: Vec<&str> = FeatureKind::ALL.iter().map(|k| k.name()).collect();
            format!("unknown feature kind `{s}`; choose one of: {}", names.join(", "))
        })
    }
}

/// Every parameter of a feature run, with librosa's names and defaults. Stored in the
/// json sidecar, and compared on re-runs to decide whether an output is up to date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureParams {
    /// What to compute.
    pub kind: FeatureKind,
    /// Target sample rate; `None` keeps the file's rate (default 22050, as `librosa.load`).
    pub sr: Option<u32>,
    /// Start time in seconds.
    pub offset_s: f64,
    /// Maximum duration in seconds.
    pub duration_s: Option<f64>,
    /// STFT parameters (`n_fft` is also the frame length of `zcr` and `rms`).
    pub stft: StftConfig,
    /// Magnitude exponent: `stft` default none (complex output), `mel` default 2.
    pub power: Option<f32>,
    /// Mel bands (default 128).
    pub n_mels: usize,
    /// Lowest mel edge, Hz.
    pub fmin: f64,
    /// Highest mel edge, Hz (default sr/2).
    pub fmax: Option<f64>,
    /// HTK mel scale.
    pub htk: bool,
    /// Mel filter normalisation.
    pub norm: MelNorm,
    /// MFCC coefficients (default 20).
    pub n_mfcc: usize,
    /// MFCC liftering (default 0).
    pub lifter: f32,
    /// Chroma tuning in fractions of a bin; `None` = estimate.
    pub tuning: Option<f64>,
    /// Chroma bins (default 12).
    pub n_chroma: usize,
    /// Roll-off fraction (default 0.85).
    pub roll_percent: f64,
    /// Output in dB (`stft`, `mel`).
    pub db: bool,
    /// dB clamp below the maximum (default 80).
    pub top_db: Option<f32>,
    /// Constant-Q parameters (the `cqt`, `vqt`, `*-cqt` and `chroma-cens` kinds).
    pub cqt: CqtParams,
    /// Scattering parameters (`scalogram`, `scattering`, `jtfs`, `spiral`).
    #[serde(default)]
    pub scatter: ScatterParams,
}

/// Scattering parameters of a feature run, with kymatio's names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ScatterParams {
    /// Log2 of the largest temporal scale (8: 256 samples, 11.6 ms at 22050 Hz).
    #[serde(rename = "J")]
    pub j: u32,
    /// Wavelets per octave at orders 1 and 2 (12, 1); the scalogram uses the first.
    #[serde(rename = "Q")]
    pub q: (u32, u32),
    /// Averaging scale in samples (2^J); the scalogram's hop is `--hop-length` or 2^J.
    #[serde(rename = "T")]
    pub t: Option<usize>,
    /// 1 or 2 (scattering).
    pub max_order: u32,
    /// Log2 of the largest frequential scale (jtfs, spiral).
    #[serde(rename = "J_fr")]
    pub j_fr: u32,
    /// Frequential wavelets per octave (jtfs, spiral).
    #[serde(rename = "Q_fr")]
    pub q_fr: u32,
    /// Frequential averaging scale in rows (2^J_fr).
    #[serde(rename = "F")]
    pub f: Option<usize>,
    /// `time` (channels × frames) or `joint` (paths × rows × frames).
    pub format: reprise_scatter::JtfsFormat,
}

impl Default for ScatterParams {
    fn default() -> Self {
        ScatterParams { j: 8, q: (12, 1), t: None, max_order: 2, j_fr: 3, q_fr: 1, f: None, format: reprise_scatter::JtfsFormat::Time }
    }
}

impl ScatterParams {
    /// The scattering 1-D configuration.
    pub fn scattering(&self) -> reprise_scatter::ScatteringConfig {
        reprise_scatter::ScatteringConfig { j: self.j, q: self.q, t: self.t, max_order: self.max_order, oversampling: 0 }
    }

    /// The JTFS configuration (`spiral` adds finite differences across octaves).
    pub fn jtfs(&self, spiral: bool) -> reprise_scatter::JtfsConfig {
        reprise_scatter::JtfsConfig {
            j: self.j,
            j_fr: self.j_fr,
            q: self.q,
            q_fr: self.q_fr,
            t: self.t,
            f: self.f,
            format: self.format,
            spiral: spiral.then_some(reprise_scatter::OctaveFilters::FiniteDifference),
        }
    }

    /// The scalogram configuration for a hop of `hop` samples.
    pub fn scalogram(&self, hop: usize) -> reprise_scatter::ScalogramConfig {
        reprise_scatter::ScalogramConfig { j: self.j, q: self.q.0, hop_length: hop }
    }
}

/// Constant-Q parameters of a feature run, with librosa's names; `None` fields take the
/// kind's librosa default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CqtParams {
    /// Lowest frequency before tuning (C1 = 32.70 Hz).
    pub fmin: Option<f64>,
    /// Number of bins (84; chroma kinds use `n_octaves · bins_per_octave`).
    pub n_bins: usize,
    /// Bins per octave (12; 36 for chroma-cqt and chroma-cens).
    pub bins_per_octave: Option<usize>,
    /// Filter length factor (1).
    pub filter_scale: f64,
    /// Bandwidth offset: 0 for cqt, ERB for vqt unless given.
    pub gamma: Option<Gamma>,
    /// Kernel sparsity (0.01).
    pub sparsity: f64,
    /// Multirate (default) or exact.
    pub mode: CqtMode,
    /// Octaves for the chroma kinds (7).
    pub n_octaves: usize,
}

impl Default for CqtParams {
    fn default() -> Self {
        Self { fmin: None, n_bins: 84, bins_per_octave: None, filter_scale: 1.0, gamma: None, sparsity: 0.01, mode: CqtMode::Multirate, n_octaves: 7 }
    }
}

impl Default for FeatureParams {
    fn default() -> Self {
        Self {
            kind: FeatureKind::Mel,
            sr: Some(22050),
            offset_s: 0.0,
            duration_s: None,
            stft: StftConfig::default(),
            power: None,
            n_mels: 128,
            fmin: 0.0,
            fmax: None,
            htk: false,
            norm: MelNorm::Slaney,
            n_mfcc: 20,
            lifter: 0.0,
            tuning: None,
            n_chroma: 12,
            roll_percent: 0.85,
            db: false,
            top_db: Some(80.0),
            cqt: CqtParams::default(),
            scatter: ScatterParams::default(),
        }
    }
}

impl FeatureParams {
    /// The load options these parameters imply.
    pub fn load_options(&self) -> LoadOptions {
        LoadOptions { sr: self.sr, offset_s: self.offset_s, duration_s: self.duration_s }
    }

    fn mel_config(&self, sr: u32) -> MelConfig {
        MelConfig {
            sr,
            stft: self.stft,
            n_mels: self.n_mels,
            fmin: self.fmin,
            fmax: self.fmax,
            htk: self.htk,
            norm: self.norm,
            power: self.power.unwrap_or(2.0),
        }
    }

    /// The CQT configuration for a kind: `tuning` `None` = estimate.
    pub fn cqt_config(&self, sr: u32) -> CqtConfig {
        let chroma = matches!(self.kind, FeatureKind::ChromaCqt | FeatureKind::ChromaCens);
        CqtConfig {
            sr,
            hop_length: self.stft.hop_length.unwrap_or(512),
            fmin: self.cqt.fmin,
            n_bins: if chroma { self.cqt.n_octaves * self.cqt.bins_per_octave.unwrap_or(36) } else { self.cqt.n_bins },
            bins_per_octave: self.cqt.bins_per_octave.unwrap_or(if chroma { 36 } else { 12 }),
            tuning: self.tuning,
            filter_scale: self.cqt.filter_scale,
            sparsity: self.cqt.sparsity,
            pad_mode: self.stft.pad_mode,
            gamma: self.cqt.gamma.unwrap_or(if self.kind == FeatureKind::Vqt { Gamma::Erb } else { Gamma::Fixed(0.0) }),
            mode: self.cqt.mode,
            ..CqtConfig::default()
        }
    }

    fn chroma_config(&self, sr: u32) -> ChromaStftConfig {
        ChromaStftConfig { sr, stft: self.stft, n_chroma: self.n_chroma, tuning: self.tuning, norm: FrameNorm::Inf }
    }

    /// Checks parameters that do not depend on the sample rate, so that a batch fails
    /// once, before any file is read.
    pub fn validate(&self) -> Result<()> {
        self.stft.validate()?;
        if self.db && (matches!(self.kind, FeatureKind::Mfcc | FeatureKind::ChromaStft | FeatureKind::Zcr) || self.kind.descriptor(0.5).is_some()) {
            return Err(reprise_core::invalid("db", format!("--db applies to stft, mel and rms, not to {}", self.kind.name())).into());
        }
        if let Some(p) = self.power {
            if !(p > 0.0 && p.is_finite()) {
                return Err(reprise_core::invalid("power", format!("{p} must be > 0")).into());
            }
        }
        if let Some(t) = self.top_db {
            if !(t >= 0.0) {
                return Err(reprise_core::invalid("top_db", format!("{t} must be ≥ 0")).into());
            }
        }
        if self.db && self.kind.is_scattering() {
            return Err(reprise_core::invalid("db", format!("--db does not apply to {}", self.kind.name())).into());
        }
        if self.kind.is_scattering() && self.scatter.t == Some(0) {
            return Err(reprise_core::invalid(
                "T",
                "0 (no averaging) gives paths of different lengths, which one .npy cannot hold; give T ≥ 1 samples, or leave it at 2^J",
            )
            .into());
        }
        // scattering parameters, checked against an unbounded length (the signal's is checked later)
        match self.kind {
            FeatureKind::Scattering => self.scatter.scattering().validate(usize::MAX / 4)?,
            FeatureKind::Jtfs | FeatureKind::Spiral => self.scatter.jtfs(false).validate(usize::MAX / 4)?,
            FeatureKind::Scalogram => {
                let hop = self.scalogram_hop();
                if !hop.is_power_of_two() || hop > 1 << self.scatter.j.min(30) {
                    return Err(reprise_core::invalid(
                        "hop_length",
                        format!("the scalogram needs a power of two no larger than 2^J = {}, got {hop}", 1u64 << self.scatter.j.min(30)),
                    )
                    .into());
                }
            }
            _ => {}
        }
        match self.kind {
            k if k.is_constant_q() => {
                if self.db && matches!(k, FeatureKind::ChromaCqt | FeatureKind::ChromaCens) {
                    return Err(reprise_core::invalid("db", format!("--db does not apply to {}", k.name())).into());
                }
                let cfg = self.cqt_config(self.sr.unwrap_or(22050));
                cfg.validate()?;
                if self.sr.is_some() {
                    // the whole design, including the Nyquist check, depends only on sr
                    VqtFilters::design(&cfg, self.tuning.unwrap_or(0.0))?;
                }
                if matches!(k, FeatureKind::ChromaCqt | FeatureKind::ChromaCens)
                    && (self.n_chroma == 0 || !cfg.bins_per_octave.is_multiple_of(self.n_chroma))
                {
                    return Err(reprise_core::invalid(
                        "bins_per_octave",
                        format!("{} must be a multiple of n_chroma = {}", cfg.bins_per_octave, self.n_chroma),
                    )
                    .into());
                }
            }
            FeatureKind::ChromaStft => self.chroma_config(22050).validate()?,
            FeatureKind::Mel | FeatureKind::Mfcc => self.validate_mel()?,
            k => {
                if let Some(d) = k.descriptor(self.roll_percent) {
                    d.validate()?;
                }
            }
        }
        Ok(())
    }

    /// Mel and MFCC parameters. With a known sample rate the whole plan is built (it is
    /// cheap), which also catches `fmax` above Nyquist and empty bands; with `--sr native`
    /// the rate-independent checks run here and the rest when each file is opened.
    fn validate_mel(&self) -> Result<()> {
        if let Some(sr) = self.sr {
            let cfg = self.mel_config(sr);
            if self.kind == FeatureKind::Mfcc {
                Mfcc::new(&MfccConfig { mel: cfg, n_mfcc: self.n_mfcc, lifter: self.lifter, db: DbConfig::power() })?;
            } else {
                MelSpectrogram::new(&cfg)?;
            }
            return Ok(());
        }
        let bad = |name, reason: String| Err(reprise_core::invalid(name, reason).into());
        if self.n_mels == 0 {
            return bad("n_mels", "must be at least 1 (default 128)".into());
        }
        if !(self.fmin >= 0.0 && self.fmin.is_finite()) {
            return bad("fmin", format!("{} must be ≥ 0 Hz", self.fmin));
        }
        if let Some(fmax) = self.fmax {
            if !(fmax > self.fmin && fmax.is_finite()) {
                return bad("fmax", format!("{fmax} Hz must be above fmin = {} Hz", self.fmin));
            }
        }
        if self.kind == FeatureKind::Mfcc {
            if self.n_mfcc == 0 || self.n_mfcc > self.n_mels {
                return bad("n_mfcc", format!("{} must be between 1 and n_mels = {}", self.n_mfcc, self.n_mels));
            }
            if !(self.lifter >= 0.0 && self.lifter.is_finite()) {
                return bad("lifter", format!("{} must be ≥ 0", self.lifter));
            }
        }
        Ok(())
    }

    /// Hop of the scalogram: `--hop-length`, else `2^J`.
    pub fn scalogram_hop(&self) -> usize {
        self.stft.hop_length.unwrap_or(1usize << self.scatter.j.min(30))
    }

    /// The exponent of the values written for `stft`/`mel`/`rms` before any dB scaling:
    /// `--power` if given, else 2 for mel and 1 (magnitude) otherwise. Inversion undoes
    /// exactly this.
    pub fn stored_power(&self) -> f32 {
        self.power.unwrap_or(if self.kind == FeatureKind::Mel { 2.0 } else { 1.0 })
    }
}

/// A feature matrix: real (float32) or complex (complex64), features × frames.
#[derive(Debug, Clone, PartialEq)]
pub enum FeatureData {
    /// Real values.
    Real(Array2<f32>),
    /// Complex values (`stft` without `power`).
    Complex(Array2<Complex32>),
    /// Real values, paths × rows × frames (`jtfs`/`spiral` with `format: joint`).
    Real3(ndarray::Array3<f32>),
}

impl FeatureData {
    /// `(n_features, n_frames)`; for 3-D data, features = paths × rows.
    pub fn dim(&self) -> (usize, usize) {
        match self {
            FeatureData::Real(a) => a.dim(),
            FeatureData::Complex(a) => a.dim(),
            FeatureData::Real3(a) => (a.shape()[0] * a.shape()[1], a.shape()[2]),
        }
    }

    /// The full shape.
    pub fn shape(&self) -> Vec<usize> {
        match self {
            FeatureData::Real(a) => a.shape().to_vec(),
            FeatureData::Complex(a) => a.shape().to_vec(),
            FeatureData::Real3(a) => a.shape().to_vec(),
        }
    }

    /// Real magnitudes as features × frames (3-D data flattened), for pictures.
    pub fn magnitude_2d(&self) -> Array2<f32> {
        match self {
            FeatureData::Real(a) => a.clone(),
            FeatureData::Complex(a) => a.mapv(|c| c.norm()),
            FeatureData::Real3(a) => {
                let (r, c) = self.dim();
                a.to_shape((r, c)).expect("contiguous").to_owned()
            }
        }
    }
    /// numpy dtype name.
    pub fn dtype(&self) -> &'static str {
        match self {
            FeatureData::Real(_) | FeatureData::Real3(_) => "float32",
            FeatureData::Complex(_) => "complex64",
        }
    }
}

/// The result of a feature run.
#[derive(Debug, Clone)]
pub struct Features {
    /// The matrix.
    pub data: FeatureData,
    /// Sample rate of the analysed signal.
    pub sr: u32,
    /// Hop between frames in samples.
    pub hop_length: usize,
    /// Duration of the analysed signal in seconds.
    pub duration_s: f64,
    /// Tuning used by chroma (given or estimated).
    pub tuning: Option<f64>,
    /// Conditions worth telling the user (silence, clip shorter than a frame).
    pub warnings: Vec<String>,
    /// Name and values of the feature axis.
    pub row_axis: (String, Value),
    /// Per-channel description (the scattering kinds' `meta()`).
    pub meta: Option<Value>,
}

impl Features {
    /// The json sidecar: sample rate, hop, every parameter, and the axis values.
    pub fn sidecar(&self, input: &str, params: &FeatureParams) -> Value {
        let (_, frames) = self.data.dim();
        let times = StftConfig { hop_length: Some(self.hop_length), ..params.stft }.frame_times(frames, self.sr);
        json!({
            "reprise_version": env!("CARGO_PKG_VERSION"),
            "kind": params.kind.name(),
            "input": input,
            "sr": self.sr,
            "hop_length": self.hop_length,
            "duration_s": self.duration_s,
            "shape": self.data.shape(),
            "dtype": self.data.dtype(),
            "orientation": "features x frames (librosa)",
            "tuning": self.tuning,
            "params": params,
            "axes": {
                "features": { "name": self.row_axis.0, "values": self.row_axis.1 },
                "frames": { "name": "time_s", "values": times },
            },
            "warnings": self.warnings,
            "meta": self.meta,
        })
    }
}

/// A source of mono sample chunks.
pub trait ChunkSource {
    /// The next chunk, or `None` at the end.
    fn next_chunk(&mut self) -> Result<Option<Vec<f32>>>;
    /// Problems the source worked around (damaged packets), for the user.
    fn warnings(&self) -> Vec<String> {
        Vec::new()
    }
}

impl ChunkSource for AudioStream {
    fn next_chunk(&mut self) -> Result<Option<Vec<f32>>> {
        Ok(AudioStream::next_chunk(self)?)
    }
    fn warnings(&self) -> Vec<String> {
        AudioStream::warnings(self).to_vec()
    }
}

struct SliceSource<'a> {
    y: &'a [f32],
    pos: usize,
}

impl ChunkSource for SliceSource<'_> {
    fn next_chunk(&mut self) -> Result<Option<Vec<f32>>> {
        if self.pos >= self.y.len() {
            return Ok(None);
        }
        let end = (self.pos + 65536).min(self.y.len());
        let c = self.y[self.pos..end].to_vec();
        self.pos = end;
        Ok(Some(c))
    }
}

/// Computes features of an audio file, streaming.
pub fn extract_file(path: &Path, params: &FeatureParams) -> Result<Features> {
    params.validate()?;
    let opts = params.load_options();
    let first = AudioStream::open(path, &opts)?;
    let sr = first.sr();
    let mut first = Some(first);
    let mut open = || -> Result<Box<dyn ChunkSource>> {
        match first.take() {
            Some(s) => Ok(Box::new(s)),
            None => Ok(Box::new(AudioStream::open(path, &opts)?)),
        }
    };
    extract(&mut open, sr, params).map_err(|e| e.in_file(path))
}

/// Computes features of a signal in memory (same pipeline as [`extract_file`]).
pub fn extract_signal(y: &[f32], sr: u32, params: &FeatureParams) -> Result<Features> {
    params.validate()?;
    let mut open = || -> Result<Box<dyn ChunkSource + '_>> { Ok(Box::new(SliceSource { y, pos: 0 })) };
    extract(&mut open, sr, params)
}

/// Tracks length and peak of the samples that pass through, and the source's warnings.
#[derive(Default)]
struct Watch {
    n: usize,
    peak: f32,
    source_warnings: Vec<String>,
}

impl Watch {
    fn see(&mut self, c: &[f32]) {
        self.n += c.len();
        self.peak = c.iter().fold(self.peak, |m, v| m.max(v.abs()));
    }
}

fn extract<'a>(open: &mut dyn FnMut() -> Result<Box<dyn ChunkSource + 'a>>, sr: u32, params: &FeatureParams) -> Result<Features> {
    let kind = params.kind;
    let mut watch = Watch::default();
    let mut tuning = None;
    let mut meta = None;
    let (data, hop) = match kind {
        FeatureKind::Cqt | FeatureKind::Vqt | FeatureKind::ChromaCqt | FeatureKind::ChromaCens => {
            // streamed: pass 1 estimates the tuning when it is not given (as librosa:
            // estimate_tuning on the magnitude STFT with bins_per_octave), pass 2 the CQT
            let mut cfg = params.cqt_config(sr);
            if cfg.tuning.is_none() {
                let est = reprise_dsp::TuningEstimator::new(&reprise_dsp::PiptrackConfig { sr, ..Default::default() }, cfg.bins_per_octave, 0.01)?;
                cfg.tuning = Some(estimate_tuning_streamed(open, est, &StftConfig::default(), 1.0)?);
            }
            let t = cfg.tuning.unwrap_or(0.0);
            let plan = reprise_dsp::Cqt::new(&cfg, t)?;
            let mut stream = plan.stream()?;
            let chroma = matches!(kind, FeatureKind::ChromaCqt | FeatureKind::ChromaCens);
            let cc = chroma_config(&cfg, params, if kind == FeatureKind::ChromaCqt { FrameNorm::Inf } else { FrameNorm::None });
            // the chroma kinds fold every block of CHROMA_BLOCK frames as it comes (each frame
            // is folded and normalised on its own), so memory stays flat however long the file
            const CHROMA_BLOCK: usize = 1024;
            let mut complex: Vec<Complex32> = Vec::new();
            let mut mags: Vec<f32> = Vec::new();
            let mut folded: Vec<f32> = Vec::new();
            let fold = |mags: &mut Vec<f32>, folded: &mut Vec<f32>| -> Result<()> {
                if !mags.is_empty() {
                    let m = Array2::from_shape_vec(ndarray::ShapeBuilder::f((cfg.n_bins, mags.len() / cfg.n_bins)), std::mem::take(mags))
                        .expect("frame-major");
                    let c = reprise_dsp::chroma_from_cqt_magnitude(m.view(), &cc)?;
                    folded.extend(c.t().iter());
                }
                Ok(())
            };
            let mut keep = |f: Vec<Complex32>, mags: &mut Vec<f32>, folded: &mut Vec<f32>| -> Result<()> {
                if chroma {
                    mags.extend(f.iter().map(|c| reprise_dsp::stft::abs_parts(c.re, c.im)));
                    if mags.len() >= CHROMA_BLOCK * cfg.n_bins {
                        fold(mags, folded)?;
                    }
                } else {
                    complex.extend(f);
                }
                Ok(())
            };
            let mut src = open()?;
            while let Some(c) = src.next_chunk()? {
                watch.see(&c);
                for f in stream.push(&c)? {
                    keep(f, &mut mags, &mut folded)?;
                }
            }
            watch.source_warnings = src.warnings();
            for f in stream.finish()? {
                keep(f, &mut mags, &mut folded)?;
            }
            fold(&mut mags, &mut folded)?;
            tuning = Some(t);
            let shape = |len: usize| ndarray::ShapeBuilder::f((cfg.n_bins, len / cfg.n_bins));
            let data = if chroma {
                let raw = Array2::from_shape_vec(ndarray::ShapeBuilder::f((params.n_chroma, folded.len() / params.n_chroma.max(1))), folded)
                    .expect("frame-major");
                FeatureData::Real(if kind == FeatureKind::ChromaCens { reprise_dsp::cens_from_chroma(raw, FrameNorm::L2, 41) } else { raw })
            } else {
                let c = Array2::from_shape_vec(shape(complex.len()), complex).expect("frame-major");
                finish_constant_q(FeatureData::Complex(c), params)?
            };
            (data, cfg.hop_length)
        }
        FeatureKind::HybridCqt | FeatureKind::PseudoCqt => {
            // streamed like cqt: pass 1 estimates the tuning unless given, pass 2 transforms
            let mut cfg = params.cqt_config(sr);
            if cfg.tuning.is_none() {
                let est = reprise_dsp::TuningEstimator::new(&reprise_dsp::PiptrackConfig { sr, ..Default::default() }, cfg.bins_per_octave, 0.01)?;
                cfg.tuning = Some(estimate_tuning_streamed(open, est, &StftConfig::default(), 1.0)?);
            }
            let t = cfg.tuning.unwrap_or(0.0);
            let mut src = open()?;
            let mags = if kind == FeatureKind::HybridCqt {
                let plan = reprise_dsp::HybridCqt::new(&cfg, t)?;
                drain(&mut *src, &mut watch, plan.stream()?, |s, c| s.push(c), |s| s.finish())?
            } else {
                let plan = reprise_dsp::PseudoCqt::new(&cfg, t)?;
                drain(&mut *src, &mut watch, plan.stream(), |s, c| s.push(c), |s| s.finish())?
            };
            watch.source_warnings = src.warnings();
            tuning = Some(t);
            let a = Array2::from_shape_vec(ndarray::ShapeBuilder::f((cfg.n_bins, mags.len() / cfg.n_bins)), mags).expect("frame-major");
            (finish_constant_q(FeatureData::Real(a), params)?, cfg.hop_length)
        }
        k if k.is_scattering() => {
            // these hold the whole signal: their padding depends on its length
            let y = read_all(open, &mut watch)?;
            let (data, hop, m) = scattering(&y, sr, params)?;
            meta = Some(m);
            (data, hop)
        }
        FeatureKind::Zcr | FeatureKind::Rms => {
            let d = if kind == FeatureKind::Rms { FrameDescriptor::Rms } else { FrameDescriptor::ZeroCrossingRate };
            let mut framing = d.framing(params.stft.n_fft, params.stft.hop_length(), params.stft.center);
            if d == FrameDescriptor::Rms {
                framing.pad_mode = params.stft.pad_mode; // librosa.feature.rms(pad_mode=...); zcr always pads with edges
            }
            let mut frames = FrameStream::new(framing)?;
            let mut out = Vec::new();
            let mut src = open()?;
            while let Some(c) = src.next_chunk()? {
                watch.see(&c);
                frames.push(&c, |_, x| out.push(d.frame(x) as f32));
            }
            watch.source_warnings = src.warnings();
            let n = frames.finish(|_, x| out.push(d.frame(x) as f32))?;
            let mut a = Array2::from_shape_vec((1, n), out).expect("one value per frame");
            if params.db {
                amplitude_to_db(&mut a, &DbConfig { top_db: params.top_db, ..DbConfig::amplitude() })?;
            }
            (FeatureData::Real(a), params.stft.hop_length())
        }
        _ => {
            if kind == FeatureKind::ChromaStft && params.tuning.is_none() {
                // pass 1: tuning from the power spectrogram, as chroma_stft does
                let est = params.chroma_config(sr).tuning_estimator()?;
                tuning = Some(estimate_tuning_streamed(open, est, &params.stft, 2.0)?);
            }
            let mut sink = SpectralSink::new(params, sr, tuning.or(params.tuning))?;
            let mut stream = Stft::new(&params.stft)?.stream();
            let mut src = open()?;
            while let Some(c) = src.next_chunk()? {
                watch.see(&c);
                stream.push(&c, |_, s| sink.frame(s))?;
            }
            watch.source_warnings = src.warnings();
            let n = stream.finish(|_, s| sink.frame(s))?;
            if kind == FeatureKind::ChromaStft {
                tuning = Some(tuning.or(params.tuning).unwrap_or(0.0));
            }
            (sink.finish(n)?, params.stft.hop_length())
        }
    };
    let mut warnings = std::mem::take(&mut watch.source_warnings);
    if watch.peak == 0.0 {
        warnings.push("signal is silent (all samples are zero)".to_string());
    }
    if watch.n < params.stft.n_fft && !kind.is_scattering() {
        warnings.push(format!("signal has {} samples, fewer than n_fft = {}; frames are mostly padding", watch.n, params.stft.n_fft));
    }
    Ok(Features {
        data,
        sr,
        hop_length: hop,
        duration_s: watch.n as f64 / sr as f64,
        tuning,
        warnings,
        row_axis: row_axis(params, sr, tuning, data_rows(&meta)),
        meta,
    })
}

/// Reads the whole source into memory, watching it.
fn read_all<'a>(open: &mut dyn FnMut() -> Result<Box<dyn ChunkSource + 'a>>, watch: &mut Watch) -> Result<Vec<f32>> {
    let mut y = Vec::new();
    let mut src = open()?;
    while let Some(c) = src.next_chunk()? {
        watch.see(&c);
        y.extend_from_slice(&c);
    }
    watch.source_warnings = src.warnings();
    Ok(y)
}

/// The scattering kinds on a whole signal: data, hop in samples, and `meta()` as JSON.
fn scattering(y: &[f32], sr: u32, params: &FeatureParams) -> Result<(FeatureData, usize, Value)> {
    use reprise_scatter::{Jtfs, Scalogram, Scattering1D};
    let sp = &params.scatter;
    if y.len() < 2 {
        return Err(reprise_core::Error::TooShort { len: y.len(), need: 2, why: format!("{} needs at least two samples", params.kind.name()) }.into());
    }
    match params.kind {
        FeatureKind::Scalogram => {
            let hop = params.scalogram_hop();
            let s = Scalogram::new(sp.scalogram(hop), y.len())?;
            let meta = json!({ "xi": s.params().iter().map(|p| p.xi).collect::<Vec<_>>(), "sigma": s.params().iter().map(|p| p.sigma).collect::<Vec<_>>(), "j": s.params().iter().map(|p| p.j).collect::<Vec<_>>(), "frequency_hz": s.frequencies_hz(sr as f64) });
            Ok((FeatureData::Real(s.process(y)?), hop, meta))
        }
        FeatureKind::Scattering => {
            let cfg = sp.scattering();
            let s = Scattering1D::new(cfg, y.len())?;
            let hop = cfg.t_samples();
            Ok((FeatureData::Real(s.process(y)?), hop, json!(s.meta())))
        }
        _ => {
            let cfg = sp.jtfs(params.kind == FeatureKind::Spiral);
            let s = Jtfs::new(cfg, y.len())?;
            let out = s.process(y)?;
            let hop = cfg.t.unwrap_or(1 << cfg.j);
            let data = match out.ndim() {
                2 => FeatureData::Real(out.into_dimensionality().expect("2-D")),
                _ => FeatureData::Real3(out.into_dimensionality().expect("3-D")),
            };
            Ok((data, hop, json!(s.meta())))
        }
    }
}

/// Number of described rows in a `meta()` JSON array (0 when there is none).
fn data_rows(meta: &Option<Value>) -> usize {
    meta.as_ref().and_then(|m| m.as_array()).map_or(0, |a| a.len())
}

/// Feeds every chunk of `src` to a magnitude stream (`push`, then `finish`) and returns
/// its frames, concatenated.
fn drain<S>(
    src: &mut dyn ChunkSource,
    watch: &mut Watch,
    mut stream: S,
    push: impl Fn(&mut S, &[f32]) -> reprise_dsp::Result<Vec<Vec<f32>>>,
    finish: impl FnOnce(S) -> reprise_dsp::Result<Vec<Vec<f32>>>,
) -> Result<Vec<f32>> {
    let mut out = Vec::new();
    while let Some(c) = src.next_chunk()? {
        watch.see(&c);
        push(&mut stream, &c)?.into_iter().for_each(|f| out.extend(f));
    }
    finish(stream)?.into_iter().for_each(|f| out.extend(f));
    Ok(out)
}

/// A pass over the source that feeds `|STFT|^power` frames to `est` and returns its
/// estimate (chroma_stft estimates on power, the CQT family on magnitude, as librosa).
fn estimate_tuning_streamed<'a>(
    open: &mut dyn FnMut() -> Result<Box<dyn ChunkSource + 'a>>,
    mut est: reprise_dsp::TuningEstimator,
    stft: &StftConfig,
    power: f32,
) -> Result<f64> {
    let stft = Stft::new(stft)?;
    let n_freqs = stft.config().n_freqs();
    // one pass over the source, or two for long signals (see TuningEstimator)
    est.estimate_with(|est| {
        let mut stream = stft.stream();
        let mut src = open()?;
        if power == 1.0 {
            // the spectra of the library's `estimate_tuning_of`, so that both find the same tuning
            let mut mag = Vec::new();
            while let Some(c) = src.next_chunk()? {
                stream.push_parts(&c, |_, re, im| est.push_parts(re, im, &mut mag))?;
            }
            stream.finish_parts(|_, re, im| est.push_parts(re, im, &mut mag))?;
            return Ok(());
        }
        let mut frame = vec![0.0f32; n_freqs];
        let mut push = |spec: &[Complex32]| {
            reprise_dsp::stft::magnitudes_pow(spec, power, &mut frame);
            est.push_frame(&frame);
        };
        while let Some(c) = src.next_chunk()? {
            stream.push(&c, |_, s| push(s))?;
        }
        stream.finish(|_, s| push(s))?;
        Ok(())
    })
}

/// The chroma-from-CQT settings of a run (`cfg` already holds all the chroma bins).
fn chroma_config(cfg: &CqtConfig, params: &FeatureParams, norm: FrameNorm) -> ChromaCqtConfig {
    ChromaCqtConfig { cqt: *cfg, n_octaves: params.cqt.n_octaves, n_chroma: params.n_chroma, threshold: 0.0, norm }
}

/// `--power` (complex data only) and `--db` for the constant-Q kinds.
fn finish_constant_q(data: FeatureData, params: &FeatureParams) -> Result<FeatureData> {
    let mut a = match data {
        FeatureData::Complex(c) => match params.power {
            None if !params.db => return Ok(FeatureData::Complex(c)),
            p => {
                let c = c.as_standard_layout();
                let mut a = Array2::zeros(c.dim());
                let (src, dst) = (c.as_slice().expect("standard layout"), a.as_slice_mut().expect("standard layout"));
                reprise_dsp::stft::magnitudes_pow(src, p.unwrap_or(1.0), dst);
                a
            }
        },
        FeatureData::Real(a) => a,
        FeatureData::Real3(_) => unreachable!("constant-Q data is 2-D"),
    };
    if params.db {
        let power = params.stored_power();
        if power == 1.0 {
            amplitude_to_db(&mut a, &DbConfig { top_db: params.top_db, ..DbConfig::amplitude() })?;
        } else {
            a.mapv_inplace(|v| v.powf(2.0 / power));
            power_to_db(&mut a, &DbConfig { top_db: params.top_db, ..DbConfig::power() })?;
        }
    }
    Ok(FeatureData::Real(a))
}

fn row_axis(params: &FeatureParams, sr: u32, tuning: Option<f64>, meta_rows: usize) -> (String, Value) {
    match params.kind {
        FeatureKind::Scalogram => {
            let (p, _) = reprise_scatter::scattering_params(params.scatter.j, (params.scatter.q.0, 1));
            ("frequency_hz".into(), json!(p.iter().map(|p| p.xi * sr as f64).collect::<Vec<_>>()))
        }
        k if k.is_scattering() => ("channel (see meta)".into(), json!((0..meta_rows).collect::<Vec<_>>())),
        k if k.is_constant_q() && !matches!(k, FeatureKind::ChromaCqt | FeatureKind::ChromaCens) => {
            let cfg = params.cqt_config(sr);
            let freqs = VqtFilters::design(&cfg, tuning.unwrap_or(0.0)).map(|f| f.freqs).unwrap_or_default();
            ("frequency_hz".into(), json!(freqs))
        }
        FeatureKind::ChromaCqt | FeatureKind::ChromaCens => chroma_axis(params.n_chroma),
        FeatureKind::Stft => ("frequency_hz".into(), json!(fft_frequencies(sr, params.stft.n_fft))),
        FeatureKind::Mel => {
            let f = mel_frequencies(params.n_mels + 2, params.fmin, params.fmax.unwrap_or(sr as f64 / 2.0), params.htk);
            ("mel_center_hz".into(), json!(f[1..=params.n_mels]))
        }
        FeatureKind::Mfcc => ("coefficient".into(), json!((0..params.n_mfcc).collect::<Vec<_>>())),
        FeatureKind::ChromaStft => chroma_axis(params.n_chroma),
        k => (k.name().into(), json!([k.name()])),
    }
}

fn chroma_axis(n_chroma: usize) -> (String, Value) {
    if n_chroma == 12 {
        ("pitch_class".into(), json!(["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]))
    } else {
        ("chroma_bin".into(), json!((0..n_chroma).collect::<Vec<_>>()))
    }
}

/// Per-frame work on STFT spectra for the spectral kinds.
struct SpectralSink {
    kind: FeatureKind,
    params: FeatureParams,
    mel: Option<MelSpectrogram>,
    mfcc: Option<Mfcc>,
    chroma: Option<Array2<f32>>,
    descriptor: Option<Descriptor>,
    freqs: Vec<f64>,
    scratch: Vec<f32>,
    col: Vec<f32>,
    real: Vec<f32>,
    complex: Vec<Complex32>,
    n_rows: usize,
}

impl SpectralSink {
    fn new(params: &FeatureParams, sr: u32, tuning: Option<f64>) -> Result<Self> {
        let kind = params.kind;
        let n_freqs = params.stft.n_freqs();
        let mut s = Self {
            kind,
            params: params.clone(),
            mel: None,
            mfcc: None,
            chroma: None,
            descriptor: kind.descriptor(params.roll_percent),
            freqs: fft_frequencies(sr, params.stft.n_fft),
            scratch: vec![0.0; n_freqs],
            col: Vec::new(),
            real: Vec::new(),
            complex: Vec::new(),
            n_rows: n_freqs,
        };
        match kind {
            FeatureKind::Mel => {
                s.mel = Some(MelSpectrogram::new(&params.mel_config(sr))?);
                s.n_rows = params.n_mels;
            }
            FeatureKind::Mfcc => {
                let cfg = MfccConfig { mel: params.mel_config(sr), n_mfcc: params.n_mfcc, lifter: params.lifter, db: DbConfig::power() };
                let m = Mfcc::new(&cfg)?;
                s.mel = Some(m.mel().clone());
                s.mfcc = Some(m);
                s.n_rows = params.n_mels;
            }
            FeatureKind::ChromaStft => {
                s.chroma = Some(params.chroma_config(sr).filters(tuning.unwrap_or(0.0))?);
                s.n_rows = params.n_chroma;
            }
            FeatureKind::Stft => {}
            _ => s.n_rows = 1,
        }
        s.col = vec![0.0; s.n_rows];
        Ok(s)
    }

    fn frame(&mut self, spec: &[Complex32]) {
        match self.kind {
            FeatureKind::Stft => match self.params.power {
                None if !self.params.db => self.complex.extend_from_slice(spec),
                p => {
                    let at = self.real.len();
                    self.real.resize(at + spec.len(), 0.0);
                    reprise_dsp::stft::magnitudes_pow(spec, p.unwrap_or(1.0), &mut self.real[at..]);
                }
            },
            FeatureKind::Mel | FeatureKind::Mfcc => {
                self.mel.as_ref().expect("planned").frame(spec, &mut self.scratch, &mut self.col);
                self.real.extend_from_slice(&self.col);
            }
            FeatureKind::ChromaStft => {
                for (p, c) in self.scratch.iter_mut().zip(spec) {
                    *p = c.norm_sqr();
                }
                chroma_frame(self.chroma.as_ref().expect("planned"), &self.scratch, FrameNorm::Inf, &mut self.col);
                self.real.extend_from_slice(&self.col);
            }
            _ => {
                reprise_dsp::stft::magnitudes_pow(spec, 1.0, &mut self.scratch);
                self.real.push(self.descriptor.expect("spectral descriptor").frame(&self.scratch, &self.freqs) as f32);
            }
        }
    }

    fn finish(self, n: usize) -> Result<FeatureData> {
        use ndarray::ShapeBuilder;
        if self.kind == FeatureKind::Stft && self.params.power.is_none() && !self.params.db {
            return Ok(FeatureData::Complex(Array2::from_shape_vec((self.n_rows, n).f(), self.complex).expect("frame-major")));
        }
        let mut a = Array2::from_shape_vec((self.n_rows, n).f(), self.real).expect("frame-major");
        if let Some(m) = &self.mfcc {
            return Ok(FeatureData::Real(m.from_mel(a)?));
        }
        if self.params.db {
            let power = self.params.stored_power();
            if power == 1.0 {
                amplitude_to_db(&mut a, &DbConfig { top_db: self.params.top_db, ..DbConfig::amplitude() })?;
            } else {
                if power != 2.0 {
                    a.mapv_inplace(|v| v.powf(2.0 / power));
                }
                power_to_db(&mut a, &DbConfig { top_db: self.params.top_db, ..DbConfig::power() })?;
            }
        }
        Ok(FeatureData::Real(a))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(n: usize) -> Vec<f32> {
        (0..n).map(|i| (2.0 * std::f32::consts::PI * 440.0 * i as f32 / 22050.0).sin() * 0.5).collect()
    }

    #[test]
    fn streamed_cqt_equals_the_library_call() {
        let y = tone(30000);
        for tuning in [Some(0.0), None] {
            let p = FeatureParams { kind: FeatureKind::Cqt, tuning, ..Default::default() };
            let ours = extract_signal(&y, 22050, &p).unwrap();
            let (lib, t) = reprise_dsp::cqt(&y, &CqtConfig { tuning, ..Default::default() }).unwrap();
            assert_eq!(ours.tuning, Some(t));
            let FeatureData::Complex(c) = ours.data else { panic!("complex expected") };
            assert_eq!(c.dim(), lib.dim());
            let err = c.iter().zip(lib.iter()).map(|(a, b)| (a - b).norm()).fold(0.0f32, f32::max);
            assert!(err <= 1e-6 * lib.iter().map(|v| v.norm()).fold(0.0f32, f32::max), "{err}");
        }
    }

    #[test]
    fn streamed_hybrid_and_pseudo_cqt_equal_the_library_calls() {
        let y = tone(30000);
        for tuning in [Some(0.0), None] {
            let cfg = CqtConfig { tuning, ..Default::default() };
            for (kind, (lib, t)) in [
                (FeatureKind::HybridCqt, reprise_dsp::hybrid_cqt(&y, &cfg).unwrap()),
                (FeatureKind::PseudoCqt, reprise_dsp::pseudo_cqt(&y, &cfg).unwrap()),
            ] {
                let ours = extract_signal(&y, 22050, &FeatureParams { kind, tuning, ..Default::default() }).unwrap();
                assert_eq!(ours.tuning, Some(t));
                let FeatureData::Real(a) = ours.data else { panic!("real expected") };
                assert_eq!(a.dim(), lib.dim());
                let scale = lib.iter().fold(0.0f32, |m, v| m.max(*v));
                assert!(a.iter().zip(lib.iter()).all(|(x, y)| (x - y).abs() <= 1e-6 * scale), "{kind:?}");
            }
        }
    }

    #[test]
    fn streamed_chroma_cqt_and_cens_equal_the_library_calls() {
        // 59 frames, and 1,172 frames: more than one block of folded frames
        for n in [30000, 600_000] {
            let y: Vec<f32> = tone(n).iter().enumerate().map(|(i, v)| v * (1.0 + (i as f32 / 9000.0).sin()) / 2.0).collect();
            let cc = ChromaCqtConfig::default();
            let p = FeatureParams { kind: FeatureKind::ChromaCqt, ..Default::default() };
            let (lib, t) = reprise_dsp::chroma_cqt(&y, &cc).unwrap();
            let ours = extract_signal(&y, 22050, &p).unwrap();
            assert_eq!(ours.tuning, Some(t));
            let FeatureData::Real(a) = ours.data else { panic!("real expected") };
            assert_eq!(a.dim(), lib.dim());
            assert!(a.iter().zip(lib.iter()).all(|(x, y)| (x - y).abs() <= 1e-6), "chroma_cqt, {n} samples");
            let p = FeatureParams { kind: FeatureKind::ChromaCens, ..Default::default() };
            let (lib, _) = reprise_dsp::chroma_cens(&y, &ChromaCqtConfig { norm: FrameNorm::L2, ..cc }, 41).unwrap();
            let FeatureData::Real(a) = extract_signal(&y, 22050, &p).unwrap().data else { panic!("real expected") };
            assert_eq!(a.dim(), lib.dim());
            assert!(a.iter().zip(lib.iter()).all(|(x, y)| (x - y).abs() <= 1e-6), "chroma_cens, {n} samples");
        }
    }

    #[test]
    fn streaming_pipeline_equals_library_calls() {
        let y = tone(30000);
        let p = FeatureParams { kind: FeatureKind::Mel, ..Default::default() };
        let ours = extract_signal(&y, 22050, &p).unwrap();
        let lib = reprise_dsp::melspectrogram(&y, &MelConfig::default()).unwrap();
        assert_eq!(ours.data, FeatureData::Real(lib));
        let p = FeatureParams { kind: FeatureKind::Mfcc, ..Default::default() };
        let lib = reprise_dsp::mfcc(&y, &MfccConfig::default()).unwrap();
        assert_eq!(extract_signal(&y, 22050, &p).unwrap().data, FeatureData::Real(lib));
        let p = FeatureParams { kind: FeatureKind::ChromaStft, ..Default::default() };
        let (lib, t) = reprise_dsp::chroma_stft(&y, &ChromaStftConfig::default()).unwrap();
        let ours = extract_signal(&y, 22050, &p).unwrap();
        assert_eq!(ours.tuning, Some(t));
        assert_eq!(ours.data, FeatureData::Real(lib));
        let p = FeatureParams { kind: FeatureKind::Rms, ..Default::default() };
        let lib = reprise_dsp::rms(&y, 2048, 512, true).unwrap();
        assert_eq!(extract_signal(&y, 22050, &p).unwrap().data, FeatureData::Real(lib));
        let p = FeatureParams { kind: FeatureKind::Centroid, ..Default::default() };
        let lib = reprise_dsp::spectral_centroid(&y, 22050, &StftConfig::default()).unwrap();
        assert_eq!(extract_signal(&y, 22050, &p).unwrap().data, FeatureData::Real(lib));
    }

    #[test]
    fn silence_and_short_clips_warn() {
        let f = extract_signal(&[0.0; 1000], 22050, &FeatureParams::default()).unwrap();
        assert_eq!(f.warnings.len(), 2, "{:?}", f.warnings);
    }

    #[test]
    fn db_on_mfcc_is_rejected() {
        let p = FeatureParams { kind: FeatureKind::Mfcc, db: true, ..Default::default() };
        assert!(extract_signal(&tone(5000), 22050, &p).is_err());
    }
}
