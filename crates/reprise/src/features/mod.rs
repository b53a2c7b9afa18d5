//! The feature pipeline behind `reprise features`: decode a file in chunks, run a
//! frame-based transform on the stream, and collect the result with its axes.
//!
//! The decoded signal is never held whole: only one frame of samples plus the
//! feature matrix is in memory, so a two-hour file costs what its features cost.
//! `chroma-stft` with an estimated tuning reads the file twice (tuning, then chroma).

mod spec;

pub use spec::{CaeSpec, ConstantQSpec, Db, FeatureSpec, FrameSpec, ScatterSpec, SpectralSpec};

use crate::Result;
use ndarray::{Array2, ShapeBuilder};
use num_complex::Complex32;
use reprise_dsp::cqt::CqtMode;
use reprise_dsp::stream::{Axis, AxisValues, FrameTransform, Frames};
use reprise_dsp::{
    ChromaCqtConfig, ChromaStftConfig, CqtConfig, DbConfig, Descriptor, FrameDescriptor, Gamma, MelConfig, MelNorm, MelSpectrogram, Mfcc, MfccConfig,
    Stft, StftConfig, Tuning,
};
use reprise_io::{AudioStream, LoadOptions};
use reprise_scatter::{JtfsConfig, Planned, ScatteringConfig, WholeSignal};
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
    /// The invariant magnitudes (and optionally phases) of a trained Complex Autoencoder.
    Cae,
    /// pYIN: f0 (Hz, NaN where unvoiced), the voiced flag (0 or 1) and the voiced
    /// probability per frame.
    Pyin,
}

/// Which kinds read each kind-specific option, by its path in [`FeatureParams`]'s JSON
/// (`n_mels`, `cqt.n_bins`, `scatter.J`, …): the one table the command line's flags and the
/// Python package's options are checked against, so that an option the kind ignores is
/// refused rather than silently recorded. Options shared by every kind (`sr`, `stft.*`,
/// `db`, …) are not listed.
pub fn kinds_reading(option: &str) -> Option<&'static [FeatureKind]> {
    use FeatureKind::*;
    const SCATTERING: &[FeatureKind] = &[Scalogram, Scattering, Jtfs, Spiral];
    const JOINT: &[FeatureKind] = &[Jtfs, Spiral];
    const MEL: &[FeatureKind] = &[Mel, Mfcc];
    const CONSTANT_Q: &[FeatureKind] = &[Cqt, Vqt, HybridCqt, PseudoCqt, ChromaCqt, ChromaCens];
    const CHROMA: &[FeatureKind] = &[ChromaStft, ChromaCqt, ChromaCens];
    Some(match option {
        "scatter.J" | "scatter.Q" => SCATTERING,
        "scatter.T" => &[Scattering, Jtfs, Spiral],
        "scatter.max_order" => &[Scattering],
        "scatter.J_fr" | "scatter.Q_fr" | "scatter.F" | "scatter.format" => JOINT,
        "n_mels" | "htk" | "norm" => MEL,
        "n_mfcc" | "lifter" => &[Mfcc],
        "cqt.n_bins" | "cqt.bins_per_octave" | "cqt.filter_scale" | "cqt.sparsity" => CONSTANT_Q,
        "n_chroma" => CHROMA,
        "roll_percent" => &[Rolloff],
        "model" | "phases" => &[Cae],
        "pyin.resolution" | "pyin.max_transition_rate" | "pyin.switch_prob" => &[Pyin],
        _ => return None,
    })
}

/// The message for an option `kind` does not read (`shown` is how the caller names it:
/// `--n-mels` on the command line), or `None` when it reads it or every kind does.
pub fn ignored_option(option: &str, shown: &str, kind: FeatureKind) -> Option<String> {
    let kinds = kinds_reading(option)?;
    (!kinds.contains(&kind))
        .then(|| format!("{shown} applies to {}, not to {}", kinds.iter().map(|k| k.name()).collect::<Vec<_>>().join(", "), kind.name()))
}

impl FeatureKind {
    /// Every kind, in the order of the documentation.
    pub const ALL: [FeatureKind; 22] = [
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
        FeatureKind::Cae,
        FeatureKind::Pyin,
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
            FeatureKind::Cae => "cae",
            FeatureKind::Pyin => "pyin",
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
    /// Tuning in fractions of a bin, or estimate; `None` = the kind's librosa default
    /// (estimate for the chroma kinds, 0 for the other constant-Q kinds). Recorded as a
    /// number, or `null` for an estimate (see [`FeatureParams::recorded`]).
    #[serde(with = "recorded_tuning")]
    pub tuning: Option<Tuning>,
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
    /// The model of `cae`: a run folder of `reprise train --model cae` or an exported model
    /// folder; `None`: the shipped piano model.
    #[serde(default)]
    pub model: Option<std::path::PathBuf>,
    /// `cae`: also the phases (rows `n_bases…2·n_bases`, below the magnitudes).
    #[serde(default)]
    pub phases: bool,
    /// pYIN's parameters (its frames are the STFT's `n_fft`, `hop_length`, `center`,
    /// `pad_mode`).
    #[serde(default)]
    pub pyin: PyinParams,
}

/// pYIN parameters of a feature run, with librosa's names; `None` bounds take librosa's
/// recommendation (C2 and C7).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PyinParams {
    /// Lowest f0, Hz (C2 = 65.4 Hz).
    pub fmin: Option<f64>,
    /// Highest f0, Hz (C7 = 2093 Hz).
    pub fmax: Option<f64>,
    /// Pitch bin width, semitones (0.1).
    pub resolution: f64,
    /// Fastest pitch change, octaves per second (35.92).
    pub max_transition_rate: f64,
    /// Probability of a voiced/unvoiced switch between frames (0.01).
    pub switch_prob: f64,
}

impl Default for PyinParams {
    /// librosa's `pyin` defaults.
    fn default() -> Self {
        let c = reprise_dsp::PyinConfig::default();
        PyinParams { fmin: None, fmax: None, resolution: c.resolution, max_transition_rate: c.max_transition_rate, switch_prob: c.switch_prob }
    }
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
    /// The libraries' defaults (`ScatteringConfig`, `JtfsConfig`).
    fn default() -> Self {
        let (s, j) = (ScatteringConfig::default(), JtfsConfig::default());
        ScatterParams { j: s.j, q: s.q, t: s.t, max_order: s.max_order, j_fr: j.j_fr, q_fr: j.q_fr, f: j.f, format: j.format }
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
    /// The libraries' defaults (`CqtConfig`, `ChromaCqtConfig`); the kind-dependent ones
    /// are `None` and decided by [`FeatureParams::spec`].
    fn default() -> Self {
        let c = CqtConfig::default();
        Self {
            fmin: c.fmin,
            n_bins: c.n_bins,
            bins_per_octave: None,
            filter_scale: c.filter_scale,
            gamma: None,
            sparsity: c.sparsity,
            mode: c.mode,
            n_octaves: ChromaCqtConfig::default().n_octaves,
        }
    }
}

impl Default for FeatureParams {
    /// Mel at 22050 Hz (as `librosa.load`), every parameter at the libraries' default.
    fn default() -> Self {
        let (mel, mfcc) = (MelConfig::default(), MfccConfig::default());
        Self {
            kind: FeatureKind::Mel,
            sr: Some(22050),
            offset_s: 0.0,
            duration_s: None,
            stft: StftConfig::default(),
            power: None,
            n_mels: mel.n_mels,
            fmin: mel.fmin,
            fmax: mel.fmax,
            htk: mel.htk,
            norm: mel.norm,
            n_mfcc: mfcc.n_mfcc,
            lifter: mfcc.lifter,
            tuning: None,
            n_chroma: ChromaStftConfig::default().n_chroma,
            roll_percent: match Descriptor::by_name("rolloff") {
                Some(Descriptor::Rolloff { roll_percent }) => roll_percent,
                _ => unreachable!("rolloff has a roll_percent"),
            },
            db: false,
            top_db: DbConfig::power().top_db,
            cqt: CqtParams::default(),
            scatter: ScatterParams::default(),
            model: None,
            phases: false,
            pyin: PyinParams::default(),
        }
    }
}

impl FeatureParams {
    /// The load options these parameters imply.
    pub fn load_options(&self) -> LoadOptions {
        LoadOptions { sr: self.sr, offset_s: self.offset_s, duration_s: self.duration_s }
    }

    /// The parameters as the sidecar's `params` records them: the kind's default tuning
    /// written out, as it always has been (`0.0` for `cqt`, `null` = estimate).
    pub fn recorded(&self) -> FeatureParams {
        let tuning = self.tuning.or_else(|| self.spec(self.sr.unwrap_or(22050)).ok().and_then(|s| s.tuning()));
        FeatureParams { tuning, ..self.clone() }
    }

    /// Checks the parameters before any file is read, so that a batch fails once: with
    /// a given sample rate the whole specification is planned; with `--sr native` the
    /// rate-independent checks run here and the rest when each file is opened.
    pub fn validate(&self) -> Result<()> {
        self.spec(self.sr.unwrap_or(22050))?.validate(self.sr.is_some())
    }
}

/// The `params.tuning` field of a sidecar: a number of bins, or `null` for an estimate
/// (`"estimate"` is read too).
mod recorded_tuning {
    use reprise_dsp::Tuning;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &Option<Tuning>, s: S) -> std::result::Result<S::Ok, S::Error> {
        match t {
            Some(Tuning::Bins(b)) => s.serialize_some(b),
            _ => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<Tuning>, D::Error> {
        Option::<Tuning>::deserialize(d)
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
    /// What the rows are, from the plan that computed them.
    pub row_axis: Axis,
    /// The specification that produced the features (as given: an estimated tuning is
    /// in [`Features::tuning`]).
    pub spec: FeatureSpec,
    /// Per-channel description (the scattering kinds' `meta()`).
    pub meta: Option<Value>,
}

/// A source of mono sample chunks.
pub trait ChunkSource {
    /// The next chunk, or `None` at the end.
    fn next_chunk(&mut self) -> Result<Option<Vec<f32>>>;
    /// Problems the source worked around (damaged packets), for the user.
    fn warnings(&self) -> Vec<String> {
        Vec::new()
    }
    /// The whole signal, when the source holds it in memory (then the transform may read
    /// its frames straight from it instead of being fed chunks).
    fn whole(&self) -> Option<&[f32]> {
        None
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
    chunk: usize,
}

impl ChunkSource for SliceSource<'_> {
    /// The signal, when it is read in one chunk (smaller chunks stream it).
    fn whole(&self) -> Option<&[f32]> {
        (self.chunk >= self.y.len()).then_some(self.y)
    }

    fn next_chunk(&mut self) -> Result<Option<Vec<f32>>> {
        if self.pos >= self.y.len() {
            return Ok(None);
        }
        let end = (self.pos + self.chunk).min(self.y.len());
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
    let spec = params.spec(first.sr()).map_err(|e| e.in_file(path))?;
    let mut first = Some(first);
    let mut open = || -> Result<Box<dyn ChunkSource>> {
        match first.take() {
            Some(s) => Ok(Box::new(s)),
            None => Ok(Box::new(AudioStream::open(path, &opts)?)),
        }
    };
    extract(&mut open, &spec).map_err(|e| e.in_file(path))
}

/// Computes features of a signal in memory (same pipeline as [`extract_file`]).
pub fn extract_signal(y: &[f32], sr: u32, params: &FeatureParams) -> Result<Features> {
    params.validate()?;
    extract_signal_spec(y, &params.spec(sr)?)
}

/// Computes the features a specification describes, of a signal in memory at the
/// specification's sample rate.
pub fn extract_signal_spec(y: &[f32], spec: &FeatureSpec) -> Result<Features> {
    let mut open = || -> Result<Box<dyn ChunkSource + '_>> { Ok(Box::new(SliceSource { y, pos: 0, chunk: y.len().max(1) })) };
    extract(&mut open, spec)
}

/// Computes the features a specification describes, of an audio file decoded at the
/// specification's sample rate (`offset_s`, `duration_s` select a part).
pub fn extract_file_spec(path: &Path, spec: &FeatureSpec, offset_s: f64, duration_s: Option<f64>) -> Result<Features> {
    let opts = LoadOptions { sr: Some(spec.sr()), offset_s, duration_s };
    let mut open = || -> Result<Box<dyn ChunkSource>> { Ok(Box::new(AudioStream::open(path, &opts)?)) };
    extract(&mut open, spec).map_err(|e| e.in_file(path))
}

/// Tracks the length of the samples that pass through, whether any is not zero, and the source's warnings.
#[derive(Default)]
struct Watch {
    n: usize,
    sounding: bool,
    source_warnings: Vec<String>,
}

impl Watch {
    fn see(&mut self, c: &[f32]) {
        self.n += c.len();
        // silence is all the peak tells: the scan stops at the first sound
        self.sounding = self.sounding || c.iter().any(|v| *v != 0.0);
    }
}

/// The frames a transform emitted, gathered frame-major.
#[derive(Default)]
struct Gathered {
    real: Vec<f32>,
    complex: Vec<Complex32>,
    block: Option<ndarray::ArrayD<f32>>,
    frames: usize,
}

impl Gathered {
    fn take(&mut self, f: Frames<'_>) {
        match f {
            Frames::Real(v) => self.real.extend_from_slice(v),
            Frames::Complex(v) => self.complex.extend_from_slice(v),
            Frames::Block(a) => {
                self.block = Some(a);
                return;
            }
        }
        self.frames += 1;
    }

    /// The matrix, `rows` values per frame.
    fn into_data(self, rows: usize) -> FeatureData {
        if let Some(a) = self.block {
            return match a.ndim() {
                2 => FeatureData::Real(a.into_dimensionality().expect("2-D")),
                _ => FeatureData::Real3(a.into_dimensionality().expect("3-D")),
            };
        }
        if !self.complex.is_empty() {
            return FeatureData::Complex(Array2::from_shape_vec((rows, self.frames).f(), self.complex).expect("frame-major"));
        }
        FeatureData::Real(Array2::from_shape_vec((rows, self.frames).f(), self.real).expect("frame-major"))
    }
}

/// The one pump: every chunk of the source through the transform, then its end.
/// Returns the data, what its rows are and the hop.
fn pump(src: &mut dyn ChunkSource, t: &mut dyn FrameTransform, watch: &mut Watch, complex: bool) -> Result<(FeatureData, Axis, usize)> {
    let mut out = Gathered::default();
    if let Some(y) = src.whole() {
        // a signal in memory: the transform reads its frames straight from it, into
        // storage sized once (rows × about len/hop frames; 0 rows for whole-signal kinds)
        let size = t.axis().len() * (y.len() / t.hop_length().max(1) + 2);
        if complex {
            out.complex.reserve_exact(size);
        } else {
            out.real.reserve_exact(size);
        }
        watch.see(y);
        t.run(y, &mut |f| out.take(f))?;
    } else {
        while let Some(c) = src.next_chunk()? {
            watch.see(&c);
            t.push(&c, &mut |f| out.take(f))?;
        }
        watch.source_warnings = src.warnings();
        t.finish(&mut |f| out.take(f))?;
    }
    let axis = t.axis();
    let data = match out.into_data(axis.len()) {
        // a complex transform that emitted no frame is still complex
        FeatureData::Real(a) if complex && a.is_empty() => FeatureData::Complex(Array2::zeros(a.dim())),
        d => d,
    };
    Ok((data, axis, t.hop_length()))
}

fn extract<'a>(open: &mut dyn FnMut() -> Result<Box<dyn ChunkSource + 'a>>, given: &FeatureSpec) -> Result<Features> {
    // the plans below check what depends on the rate; a tuning pass must not run first
    // for a transform that cannot be planned
    given.validate(given.tuning() == Some(Tuning::Estimate))?;
    // pass 1, when the tuning is to be estimated: as librosa, on the power STFT for
    // chroma_stft and on the magnitude STFT (default parameters) for the constant-Q kinds
    let mut spec = given.clone();
    let tuning = match spec.tuning() {
        Some(Tuning::Estimate) => {
            let t = match &spec {
                FeatureSpec::ChromaStft { chroma } => estimate_tuning_streamed(open, chroma.tuning_estimator()?, &chroma.stft, 2.0)?,
                FeatureSpec::ChromaCqt { chroma } | FeatureSpec::ChromaCens { chroma, .. } => {
                    estimate_tuning_streamed(open, chroma.cqt.tuning_estimator()?, &StftConfig::default(), 1.0)?
                }
                FeatureSpec::Cqt(q) | FeatureSpec::Vqt(q) | FeatureSpec::HybridCqt(q) | FeatureSpec::PseudoCqt(q) => {
                    estimate_tuning_streamed(open, q.cqt.tuning_estimator()?, &StftConfig::default(), 1.0)?
                }
                _ => unreachable!("only pitched kinds have a tuning"),
            };
            spec = spec.with_tuning(t);
            Some(t)
        }
        Some(Tuning::Bins(t)) => Some(t),
        None => None,
    };

    // pass 2: the transform, planned from the spec, through the one pump
    let mut watch = Watch::default();
    let mut src = open()?;
    let src = &mut *src;
    let w = &mut watch;
    let mut meta = None;
    let mut extra_warnings = Vec::new();
    let (data, axis, hop) = match &spec {
        FeatureSpec::Stft { sr, stft, power, db } => {
            let magnitude = power.or(db.map(|_| 1.0));
            pump(src, &mut Stft::new(stft)?.frames(*sr, magnitude), w, magnitude.is_none())?
        }
        FeatureSpec::Mel { mel, .. } => pump(src, &mut MelSpectrogram::new(mel)?.frames(), w, false)?,
        FeatureSpec::Mfcc { mfcc } => {
            let plan = Mfcc::new(mfcc)?;
            let (mel, _, hop) = pump(src, &mut plan.mel().frames(), w, false)?;
            let FeatureData::Real(mel) = mel else { unreachable!("mel frames are real") };
            (FeatureData::Real(plan.from_mel(mel)?), Axis::indices("coefficient", mfcc.n_mfcc), hop)
        }
        FeatureSpec::ChromaStft { chroma } => pump(src, &mut chroma.frames()?, w, false)?,
        FeatureSpec::Centroid(s) | FeatureSpec::Bandwidth(s) | FeatureSpec::Rolloff(s) | FeatureSpec::Flatness(s) => {
            pump(src, &mut s.descriptor.frames(s.sr, &s.stft)?, w, false)?
        }
        FeatureSpec::Zcr(f) => pump(src, &mut FrameDescriptor::ZeroCrossingRate.frames(f.frame_length, f.hop_length, f.center)?, w, false)?,
        FeatureSpec::Rms { frames: f, .. } => pump(src, &mut FrameDescriptor::Rms.frames(f.frame_length, f.hop_length, f.center)?, w, false)?,
        FeatureSpec::Cqt(q) | FeatureSpec::Vqt(q) => pump(src, &mut reprise_dsp::Cqt::new(&q.cqt)?.stream()?, w, true)?,
        FeatureSpec::HybridCqt(q) => pump(src, &mut reprise_dsp::HybridCqt::new(&q.cqt)?.stream()?, w, false)?,
        FeatureSpec::PseudoCqt(q) => pump(src, &mut reprise_dsp::PseudoCqt::new(&q.cqt)?.stream(), w, false)?,
        FeatureSpec::ChromaCqt { chroma } | FeatureSpec::ChromaCens { chroma, .. } => {
            pump(src, &mut reprise_dsp::Cqt::new(&chroma.cqt)?.chroma_frames(chroma)?, w, false)?
        }
        FeatureSpec::Cae(c) => {
            // the model's CQT, streamed; its magnitudes standardised per frame, then encoded
            let model = crate::cae::CaeModel::open(c.model.as_deref())?;
            let (data, _, hop) = pump(src, &mut reprise_dsp::Cqt::new(&c.cqt)?.stream()?, w, true)?;
            let FeatureData::Complex(z) = data else { unreachable!("the CQT stream is complex") };
            let (rows, frames) = z.dim();
            let mut x: Vec<f32> = z.as_standard_layout().iter().map(|v| v.norm()).collect();
            crate::cae::standardize_frames(&mut x, rows, frames);
            let length = model.config().length;
            if frames < length {
                extra_warnings.push(format!(
                    "{frames} frames are fewer than the CAE's {length}-frame window ({:.1} s): every window is mostly padding",
                    (length * c.cqt.hop_length) as f64 / c.cqt.sr as f64
                ));
            }
            let e = model.encode(&x, rows, frames, c.phases)?;
            let k = e.magnitudes.nrows();
            let data = match e.phases {
                Some(p) => ndarray::concatenate![ndarray::Axis(0), e.magnitudes, p],
                None => e.magnitudes,
            };
            let axis = Axis::indices(if c.phases { "basis (magnitudes, then phases)" } else { "basis" }, if c.phases { 2 * k } else { k });
            (FeatureData::Real(data), axis, hop)
        }
        FeatureSpec::Pyin { sr, pyin } => {
            // the Viterbi decoding needs every frame: the whole signal, then the track
            let plan = reprise_dsp::Pyin::new(*sr, pyin)?;
            extra_warnings.extend(pyin.warning(*sr));
            let track = match src.whole() {
                Some(y) => {
                    w.see(y);
                    plan.track(y)?
                }
                None => {
                    let mut y = Vec::new();
                    while let Some(c) = src.next_chunk()? {
                        w.see(&c);
                        y.extend_from_slice(&c);
                    }
                    w.source_warnings = src.warnings();
                    plan.track(&y)?
                }
            };
            let n = track.len();
            let mut a = Array2::<f32>::zeros((3, n));
            for (t, ((f, v), p)) in track.f0_or_nan().iter().zip(&track.voiced).zip(&track.voiced_prob).enumerate() {
                a[[0, t]] = *f as f32;
                a[[1, t]] = *v as u8 as f32;
                a[[2, t]] = *p as f32;
            }
            let axis = Axis { name: "pyin".into(), values: AxisValues::Labels(vec!["f0_hz".into(), "voiced".into(), "voiced_prob".into()]) };
            (FeatureData::Real(a), axis, pyin.hop_length())
        }
        FeatureSpec::Scalogram(_) | FeatureSpec::Scattering(_) | FeatureSpec::Jtfs(_) | FeatureSpec::Spiral(_) => {
            let mut t = WholeSignal::new(spec.whole_signal().expect("a scattering kind"), spec.sr());
            let out = pump(src, &mut t, w, false)?;
            meta = t.plan().map(|p| scattering_meta(p, spec.sr()));
            out
        }
    };
    let data = post_process(data, &spec)?;

    let mut warnings = std::mem::take(&mut watch.source_warnings);
    if !watch.sounding {
        warnings.push("signal is silent (all samples are zero)".to_string());
    }
    if let Some(n) = spec.frame_length().filter(|n| watch.n < *n) {
        warnings.push(format!("signal has {} samples, fewer than n_fft = {n}; frames are mostly padding", watch.n));
    }
    warnings.extend(extra_warnings);
    Ok(Features {
        data,
        sr: spec.sr(),
        hop_length: hop,
        duration_s: watch.n as f64 / spec.sr() as f64,
        tuning,
        warnings,
        row_axis: axis,
        spec: given.clone(),
        meta,
    })
}

/// What is stored of the frames: `|X|^power` of complex constant-Q data, decibels, CENS.
fn post_process(data: FeatureData, spec: &FeatureSpec) -> Result<FeatureData> {
    if let FeatureSpec::ChromaCens { win_len_smooth, norm, .. } = spec {
        let FeatureData::Real(raw) = data else { unreachable!("chroma is real") };
        return Ok(FeatureData::Real(reprise_dsp::cens_from_chroma(raw, *norm, *win_len_smooth)));
    }
    let db = spec.db();
    let mut a = match data {
        FeatureData::Complex(c) => match spec {
            FeatureSpec::Cqt(q) | FeatureSpec::Vqt(q) if q.power.is_some() || db.is_some() => {
                let c = c.as_standard_layout();
                let mut a = Array2::zeros(c.dim());
                let (src, dst) = (c.as_slice().expect("standard layout"), a.as_slice_mut().expect("standard layout"));
                reprise_dsp::stft::magnitudes_pow(src, q.power.unwrap_or(1.0), dst);
                a
            }
            _ => return Ok(FeatureData::Complex(c)),
        },
        FeatureData::Real(a) => a,
        d @ FeatureData::Real3(_) => return Ok(d),
    };
    if let Some(db) = db {
        db.apply(&mut a, spec.stored_power())?;
    }
    Ok(FeatureData::Real(a))
}

/// The scattering kinds' description of their rows (`meta()`), as JSON.
/// The per-row description (`meta()`) of a scattering kind planned for signals of `len`
/// samples, without computing any: the transform is planned as a signal of that length
/// would plan it, so the parameters that depend on the length are checked too. Other
/// kinds have none.
pub fn whole_signal_meta(spec: &FeatureSpec, len: usize) -> Result<Value> {
    let config =
        spec.whole_signal().ok_or_else(|| reprise_core::invalid("kind", format!("{} has no per-row description (meta)", spec.kind().name())))?;
    Ok(scattering_meta(&Planned::new(config, len)?, spec.sr()))
}

fn scattering_meta(plan: &Planned, sr: u32) -> Value {
    match plan {
        Planned::Scalogram(s) => json!({
            "xi": s.params().iter().map(|p| p.xi).collect::<Vec<_>>(),
            "sigma": s.params().iter().map(|p| p.sigma).collect::<Vec<_>>(),
            "j": s.params().iter().map(|p| p.j).collect::<Vec<_>>(),
            "frequency_hz": s.frequencies_hz(sr as f64),
        }),
        Planned::Scattering(s) => json!(s.meta()),
        Planned::Jtfs(s) => json!(s.meta()),
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use reprise_dsp::FrameNorm;

    fn tone(n: usize) -> Vec<f32> {
        (0..n).map(|i| (2.0 * std::f32::consts::PI * 440.0 * i as f32 / 22050.0).sin() * 0.5).collect()
    }

    #[test]
    fn streamed_cqt_equals_the_library_call() {
        let y = tone(30000);
        for tuning in [Tuning::Bins(0.0), Tuning::Estimate] {
            let p = FeatureParams { kind: FeatureKind::Cqt, tuning: Some(tuning), ..Default::default() };
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
        for tuning in [Tuning::Bins(0.0), Tuning::Estimate] {
            let cfg = CqtConfig { tuning, ..Default::default() };
            for (kind, (lib, t)) in [
                (FeatureKind::HybridCqt, reprise_dsp::hybrid_cqt(&y, &cfg).unwrap()),
                (FeatureKind::PseudoCqt, reprise_dsp::pseudo_cqt(&y, &cfg).unwrap()),
            ] {
                let ours = extract_signal(&y, 22050, &FeatureParams { kind, tuning: Some(tuning), ..Default::default() }).unwrap();
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

    /// Options that move every kind off its defaults where it has a cheap one to move.
    fn varied(kind: FeatureKind) -> FeatureParams {
        let mut p = FeatureParams { kind, ..Default::default() };
        match kind {
            FeatureKind::Stft => (p.power, p.db) = (Some(2.0), true),
            FeatureKind::Mel => (p.n_mels, p.fmax) = (40, Some(8000.0)),
            FeatureKind::Mfcc => (p.n_mfcc, p.lifter) = (13, 22.0),
            FeatureKind::ChromaStft => p.tuning = Some(Tuning::Bins(0.1)),
            FeatureKind::Rolloff => p.roll_percent = 0.9,
            FeatureKind::Rms => p.db = true,
            FeatureKind::Cqt => (p.cqt.n_bins, p.tuning) = (60, Some(Tuning::Estimate)),
            FeatureKind::Vqt => p.cqt.n_bins = 48,
            FeatureKind::PseudoCqt => p.db = true,
            FeatureKind::ChromaCens => p.cqt.n_octaves = 6,
            FeatureKind::Scattering => p.scatter.max_order = 1,
            FeatureKind::Jtfs => (p.scatter.j, p.scatter.format) = (6, reprise_scatter::JtfsFormat::Joint),
            FeatureKind::Spiral => p.scatter.j = 6,
            _ => {}
        }
        p
    }

    /// A chirp with a slow tremolo: every kind sees energy in many rows and frames.
    fn chirp(n: usize) -> Vec<f32> {
        (0..n)
            .map(|i| {
                let t = i as f64 / 22050.0;
                ((2.0 * std::f64::consts::PI * (110.0 * t + 400.0 * t * t)).sin() * (0.6 + 0.3 * (7.0 * t).sin())) as f32 * 0.5
            })
            .collect()
    }

    #[test]
    fn every_kind_reads_back_the_spec_its_sidecar_records() {
        let y = chirp(12_000);
        for kind in FeatureKind::ALL {
            let p = varied(kind);
            let f = extract_signal(&y, 22050, &p).unwrap();
            let side = serde_json::from_str::<Value>(&f.sidecar("x.wav", &p).to_string()).unwrap();
            let back = FeatureSpec::from_sidecar(&side).unwrap();
            assert_eq!(back, f.spec, "{kind:?}");
            assert_eq!(back, p.spec(22050).unwrap(), "{kind:?}");
            assert_eq!(back.kind(), kind);
            // the spec read back computes the same features
            assert_eq!(extract_signal_spec(&y, &back).unwrap().data, f.data, "{kind:?}");
        }
    }

    #[test]
    fn sidecars_without_a_spec_read_back_from_their_params() {
        let y = chirp(12_000);
        for kind in [FeatureKind::Mel, FeatureKind::Cqt, FeatureKind::ChromaCqt, FeatureKind::Jtfs] {
            let p = varied(kind);
            let f = extract_signal(&y, 22050, &p).unwrap();
            let mut side = f.sidecar("x.wav", &p);
            side.as_object_mut().unwrap().remove("spec");
            assert_eq!(FeatureSpec::from_sidecar(&side).unwrap(), f.spec, "{kind:?}");
        }
    }

    #[test]
    fn every_kind_streams_the_same_frames_for_any_chunking() {
        let y = chirp(12_000);
        for kind in FeatureKind::ALL {
            let spec = varied(kind).spec(22050).unwrap();
            let whole = extract_signal_spec(&y, &spec).unwrap();
            // chunks stream the signal; the whole signal is read in place (FrameTransform::run)
            for chunk in [1, 257, 4096] {
                let mut open = || -> Result<Box<dyn ChunkSource + '_>> { Ok(Box::new(SliceSource { y: &y, pos: 0, chunk })) };
                let f = extract(&mut open, &spec).unwrap();
                assert_eq!(f.data, whole.data, "{kind:?} in chunks of {chunk}");
                assert_eq!(f.row_axis, whole.row_axis, "{kind:?}");
            }
        }
    }

    #[test]
    fn the_remaining_kinds_equal_their_library_calls() {
        let y = chirp(12_000);
        let stft = StftConfig::default();
        let real = |kind| match extract_signal(&y, 22050, &FeatureParams { kind, ..Default::default() }).unwrap().data {
            FeatureData::Real(a) => a,
            _ => panic!("real expected"),
        };
        assert_eq!(real(FeatureKind::Bandwidth), reprise_dsp::spectral_bandwidth(&y, 22050, &stft).unwrap());
        assert_eq!(real(FeatureKind::Rolloff), reprise_dsp::spectral_rolloff(&y, 22050, &stft, 0.85).unwrap());
        assert_eq!(real(FeatureKind::Flatness), reprise_dsp::spectral_flatness(&y, &stft).unwrap());
        assert_eq!(real(FeatureKind::Zcr), reprise_dsp::zero_crossing_rate(&y, 2048, 512, true).unwrap());
        let (vqt, _) = reprise_dsp::vqt(&y, &CqtConfig { gamma: Gamma::Erb, ..Default::default() }).unwrap();
        let ours = extract_signal(&y, 22050, &FeatureParams { kind: FeatureKind::Vqt, ..Default::default() }).unwrap();
        assert_eq!(ours.data, FeatureData::Complex(vqt));
        let sp = ScatterParams::default();
        let s = reprise_scatter::scalogram(&y, reprise_scatter::ScalogramConfig { j: sp.j, q: sp.q.0, hop_length: 1 << sp.j }).unwrap();
        assert_eq!(real(FeatureKind::Scalogram), s);
        let s = reprise_scatter::scattering1d(&y, ScatteringConfig::default()).unwrap();
        assert_eq!(real(FeatureKind::Scattering), s);
        let j = reprise_scatter::jtfs(&y, JtfsConfig::default()).unwrap();
        assert_eq!(real(FeatureKind::Jtfs).into_dyn(), j);
        let sp = reprise_scatter::spiral_scattering(&y, JtfsConfig::default()).unwrap();
        assert_eq!(real(FeatureKind::Spiral).into_dyn(), sp);
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
