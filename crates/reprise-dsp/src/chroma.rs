//! Chromagram from the power STFT (`librosa.feature.chroma_stft`).

use crate::filters::{chroma_filters, map_frames, ChromaFilterConfig};
use crate::stft::{Stft, StftConfig};
use crate::tuning::{PiptrackConfig, TuningEstimator};
use ndarray::{Array2, ArrayView2};
use reprise_core::{invalid, Result};
use serde::{Deserialize, Serialize};

/// Column normalisation (`librosa.util.normalize` with `axis=0`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum FrameNorm {
    /// Divide by the maximum absolute value (librosa's `np.inf`, the default for chroma).
    #[default]
    Inf,
    /// Divide by the sum of absolute values.
    L1,
    /// Divide by the Euclidean norm.
    L2,
    /// No normalisation.
    None,
}

impl FrameNorm {
    /// Normalises one frame in place; frames whose norm is below the smallest normal
    /// f32 are left as they are (librosa's `threshold=tiny`, `fill=None`).
    pub fn apply(self, x: &mut [f32]) {
        let n = match self {
            FrameNorm::Inf => x.iter().fold(0.0f32, |m, v| m.max(v.abs())),
            FrameNorm::L1 => x.iter().map(|v| v.abs()).sum(),
            FrameNorm::L2 => x.iter().map(|v| v * v).sum::<f32>().sqrt(),
            FrameNorm::None => return,
        };
        if n >= f32::MIN_POSITIVE {
            x.iter_mut().for_each(|v| *v /= n);
        }
    }
}

/// `chroma_stft` parameters; defaults are librosa's.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ChromaStftConfig {
    /// Sample rate in Hz.
    pub sr: u32,
    /// STFT parameters (the power spectrogram is used).
    pub stft: StftConfig,
    /// Number of chroma bins (default 12).
    pub n_chroma: usize,
    /// Tuning deviation from A440 in fractions of a chroma bin; `None` = estimate it
    /// from the spectrogram as `librosa.estimate_tuning` does.
    pub tuning: Option<f64>,
    /// Per-frame normalisation (default ∞-norm).
    pub norm: FrameNorm,
}

impl Default for ChromaStftConfig {
    fn default() -> Self {
        Self { sr: 22050, stft: StftConfig::default(), n_chroma: 12, tuning: None, norm: FrameNorm::Inf }
    }
}

impl ChromaStftConfig {
    /// Checks the parameters and says what would be valid.
    pub fn validate(&self) -> Result<()> {
        self.stft.validate()?;
        if self.n_chroma == 0 || self.n_chroma > crate::filters::MAX_CHROMA {
            return Err(invalid("n_chroma", format!("{} must be between 1 and {} (default 12)", self.n_chroma, crate::filters::MAX_CHROMA)));
        }
        if let Some(t) = self.tuning {
            if !(t.is_finite() && t.abs() <= 0.5) {
                return Err(invalid("tuning", format!("{t} must lie in [-0.5, 0.5] chroma bins")));
            }
        }
        Ok(())
    }
    /// Piptrack parameters used to estimate the tuning.
    pub fn piptrack(&self) -> PiptrackConfig {
        PiptrackConfig { sr: self.sr, n_fft: self.stft.n_fft, ..PiptrackConfig::default() }
    }
    /// A tuning estimator for these parameters.
    pub fn tuning_estimator(&self) -> Result<TuningEstimator> {
        TuningEstimator::new(&self.piptrack(), self.n_chroma, 0.01)
    }
    /// The chroma filter bank for a given tuning.
    pub fn filters(&self, tuning: f64) -> Result<Array2<f32>> {
        chroma_filters(&ChromaFilterConfig { sr: self.sr, n_fft: self.stft.n_fft, n_chroma: self.n_chroma, tuning, ..Default::default() })
    }
}

/// Applies a chroma filter bank to one power-spectrum frame, then normalises.
pub fn chroma_frame(filters: &Array2<f32>, power: &[f32], norm: FrameNorm, out: &mut [f32]) {
    let n = filters.ncols();
    let w = filters.as_slice().expect("filter banks are built in standard layout");
    for (o, row) in out.iter_mut().zip(w.chunks_exact(n)) {
        *o = crate::filters::dot(row, power);
    }
    norm.apply(out);
}

/// `librosa.feature.chroma_stft(y=y, ...)`: returns the chromagram `(n_chroma, n_frames)`
/// and the tuning used (given or estimated).
pub fn chroma_stft(y: &[f32], config: &ChromaStftConfig) -> Result<(Array2<f32>, f64)> {
    config.validate()?;
    let stft = Stft::new(&config.stft)?;
    let s = stft.spectrogram(y, 2.0)?;
    chroma_from_power(s.view(), config)
}

/// Chromagram from a power spectrogram `(1 + n_fft/2, n_frames)` (`chroma_stft(S=S)`).
pub fn chroma_from_power(s: ArrayView2<f32>, config: &ChromaStftConfig) -> Result<(Array2<f32>, f64)> {
    config.validate()?;
    crate::filters::check_rows(s.nrows(), config.stft.n_freqs())?;
    let tuning = match config.tuning {
        Some(t) => t,
        None => {
            let mut est = config.tuning_estimator()?;
            crate::filters::for_each_frame(s, |frame| est.push_frame(frame));
            est.estimate()
        }
    };
    let fb = config.filters(tuning)?;
    let out = map_frames(s, config.n_chroma, |frame, out| chroma_frame(&fb, frame, config.norm, out));
    Ok((out, tuning))
}

