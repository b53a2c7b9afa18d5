//! Mel spectrogram (`librosa.feature.melspectrogram`) and MFCC (`librosa.feature.mfcc`).

use crate::db::{power_to_db, DbConfig};
use crate::filters::{check_rows, dct_ortho, map_frames, MelFilterBank, MelFilterConfig, MelNorm};
use crate::stft::{magnitudes_pow, Stft, StftConfig};
use ndarray::{Array2, ArrayView2};
use num_complex::Complex32;
use reprise_core::{invalid, Result};
use serde::{Deserialize, Serialize};

/// Mel spectrogram parameters; defaults are librosa's (`sr=22050, n_fft=2048,
/// hop_length=512, n_mels=128, fmin=0, fmax=sr/2, htk=False, norm='slaney', power=2`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MelConfig {
    /// Sample rate in Hz.
    pub sr: u32,
    /// STFT parameters.
    pub stft: StftConfig,
    /// Number of mel bands.
    pub n_mels: usize,
    /// Lowest band edge in Hz.
    pub fmin: f64,
    /// Highest band edge in Hz; `None` = `sr/2`.
    pub fmax: Option<f64>,
    /// HTK mel scale.
    pub htk: bool,
    /// Filter normalisation.
    pub norm: MelNorm,
    /// Exponent of the magnitude: 1 for energy, 2 for power (default).
    pub power: f32,
}

impl Default for MelConfig {
    fn default() -> Self {
        Self { sr: 22050, stft: StftConfig::default(), n_mels: 128, fmin: 0.0, fmax: None, htk: false, norm: MelNorm::Slaney, power: 2.0 }
    }
}

impl MelConfig {
    /// Checks the parameters that do not depend on the sample rate; planning
    /// ([`MelSpectrogram::new`]) checks the rest (Nyquist, empty bands).
    pub fn validate(&self) -> Result<()> {
        self.stft.validate()?;
        if !(self.power > 0.0 && self.power.is_finite()) {
            return Err(invalid("power", format!("{} must be > 0 (1 = magnitude, 2 = power)", self.power)));
        }
        if self.n_mels == 0 {
            return Err(invalid("n_mels", "must be at least 1 (default 128)"));
        }
        if !(self.fmin >= 0.0 && self.fmin.is_finite()) {
            return Err(invalid("fmin", format!("{} must be ≥ 0 Hz", self.fmin)));
        }
        if let Some(fmax) = self.fmax {
            if !(fmax > self.fmin && fmax.is_finite()) {
                return Err(invalid("fmax", format!("{fmax} Hz must be above fmin = {} Hz", self.fmin)));
            }
        }
        Ok(())
    }

    /// The filter bank parameters.
    pub fn filters(&self) -> MelFilterConfig {
        MelFilterConfig { sr: self.sr, n_fft: self.stft.n_fft, n_mels: self.n_mels, fmin: self.fmin, fmax: self.fmax, htk: self.htk, norm: self.norm }
    }
}

/// A planned mel spectrogram: STFT plan plus sparse filter bank.
#[derive(Debug, Clone)]
pub struct MelSpectrogram {
    config: MelConfig,
    stft: Stft,
    bank: MelFilterBank,
}

impl MelSpectrogram {
    /// Plans the transform.
    pub fn new(config: &MelConfig) -> Result<Self> {
        config.validate()?;
        Ok(Self { config: *config, stft: Stft::new(&config.stft)?, bank: MelFilterBank::new(&config.filters())? })
    }
    /// The configuration.
    pub fn config(&self) -> &MelConfig {
        &self.config
    }
    /// The STFT plan.
    pub fn stft(&self) -> &Stft {
        &self.stft
    }
    /// The filter bank.
    pub fn bank(&self) -> &MelFilterBank {
        &self.bank
    }
    /// Mel spectrum of one STFT frame, into `out` (`n_mels` values); `scratch` holds
    /// `1 + n_fft/2` values.
    pub fn frame(&self, spectrum: &[Complex32], scratch: &mut [f32], out: &mut [f32]) {
        magnitudes_pow(spectrum, self.config.power, scratch);
        self.bank.apply_frame(scratch, out);
    }
    /// Mel spectrogram of `y`, shape `(n_mels, n_frames)`.
    pub fn process(&self, y: &[f32]) -> Result<Array2<f32>> {
        let n_mels = self.bank.n_mels();
        let mut scratch = vec![0.0f32; self.config.stft.n_freqs()];
        let mut out = vec![0.0f32; n_mels];
        let mut data = Vec::new();
        let n = self.stft.for_each_frame(y, |_, spec| {
            self.frame(spec, &mut scratch, &mut out);
            data.extend_from_slice(&out);
        })?;
        Ok(frames_to_array(data, n_mels, n))
    }
    /// Mel spectrogram of a precomputed `|STFT|^power`, shape `(1 + n_fft/2, n_frames)`.
    pub fn from_spectrogram(&self, s: ArrayView2<f32>) -> Result<Array2<f32>> {
        self.bank.apply(s)
    }
}

/// Builds a `(n_rows, n_frames)` array from frame-major data.
pub(crate) fn frames_to_array(data: Vec<f32>, n_rows: usize, n_frames: usize) -> Array2<f32> {
    use ndarray::ShapeBuilder;
    Array2::from_shape_vec((n_rows, n_frames).f(), data).expect("frame-major data of the right length")
}

/// `librosa.feature.melspectrogram(y=y, sr=..., ...)`.
///
/// ```
/// use reprise_dsp::{melspectrogram, MelConfig};
/// let y = vec![0.1f32; 22050];
/// let m = melspectrogram(&y, &MelConfig::default()).unwrap();
/// assert_eq!(m.shape(), &[128, 44]);
/// ```
pub fn melspectrogram(y: &[f32], config: &MelConfig) -> Result<Array2<f32>> {
    MelSpectrogram::new(config)?.process(y)
}

/// MFCC parameters; defaults are librosa's (`n_mfcc=20`, DCT-II ortho, `lifter=0`,
/// log-power mel with `ref=1, amin=1e-10, top_db=80`, 128 mel bands).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MfccConfig {
    /// The mel spectrogram the coefficients are taken from.
    pub mel: MelConfig,
    /// Number of coefficients (≤ `n_mels`).
    pub n_mfcc: usize,
    /// Sinusoidal liftering `1 + (L/2)·sin(π(n+1)/L)`; 0 disables it.
    pub lifter: f32,
    /// dB scaling of the mel spectrogram.
    pub db: DbConfig,
}

impl Default for MfccConfig {
    fn default() -> Self {
        Self { mel: MelConfig::default(), n_mfcc: 20, lifter: 0.0, db: DbConfig::power() }
    }
}

impl MfccConfig {
    /// Checks the parameters that do not depend on the sample rate (see [`MelConfig::validate`]).
    pub fn validate(&self) -> Result<()> {
        self.mel.validate()?;
        if self.n_mfcc == 0 || self.n_mfcc > self.mel.n_mels {
            return Err(invalid("n_mfcc", format!("{} must be between 1 and n_mels = {}", self.n_mfcc, self.mel.n_mels)));
        }
        if !(self.lifter >= 0.0 && self.lifter.is_finite()) {
            return Err(invalid("lifter", format!("{} must be ≥ 0", self.lifter)));
        }
        Ok(())
    }
}

/// A planned MFCC: mel spectrogram, dB, DCT-II (orthonormal), optional liftering.
#[derive(Debug, Clone)]
pub struct Mfcc {
    config: MfccConfig,
    mel: MelSpectrogram,
    dct: Array2<f32>,
}

impl Mfcc {
    /// Plans the transform.
    pub fn new(config: &MfccConfig) -> Result<Self> {
        let mel = MelSpectrogram::new(&config.mel)?;
        config.validate()?;
        let mut dct = dct_ortho(config.n_mfcc, config.mel.n_mels);
        if config.lifter > 0.0 {
            let l = config.lifter as f64;
            for (k, mut row) in dct.rows_mut().into_iter().enumerate() {
                let w = 1.0 + (l / 2.0) * (std::f64::consts::PI * (k + 1) as f64 / l).sin();
                row.mapv_inplace(|v| v * w);
            }
        }
        Ok(Self { config: *config, mel, dct: dct.mapv(|v| v as f32) })
    }
    /// The mel stage.
    pub fn mel(&self) -> &MelSpectrogram {
        &self.mel
    }
    /// MFCCs of `y`, shape `(n_mfcc, n_frames)`.
    pub fn process(&self, y: &[f32]) -> Result<Array2<f32>> {
        let m = self.mel.process(y)?;
        self.from_mel(m)
    }
    /// MFCCs from a mel *power* spectrogram (consumed: it is converted to dB in place).
    pub fn from_mel(&self, mut mel: Array2<f32>) -> Result<Array2<f32>> {
        check_rows(mel.nrows(), self.config.mel.n_mels)?;
        power_to_db(&mut mel, &self.config.db)?;
        self.from_db(mel.view())
    }
    /// MFCCs from a log-power (dB) mel spectrogram.
    pub fn from_db(&self, db: ArrayView2<f32>) -> Result<Array2<f32>> {
        check_rows(db.nrows(), self.config.mel.n_mels)?;
        let n_mfcc = self.config.n_mfcc;
        Ok(map_frames(db, n_mfcc, |frame, out| {
            let w = self.dct.as_slice().expect("standard layout");
            for (o, row) in out.iter_mut().zip(w.chunks_exact(frame.len())) {
                *o = crate::filters::dot(row, frame);
            }
        }))
    }
}

/// `librosa.feature.mfcc(y=y, sr=..., ...)`.
pub fn mfcc(y: &[f32], config: &MfccConfig) -> Result<Array2<f32>> {
    Mfcc::new(config)?.process(y)
}
