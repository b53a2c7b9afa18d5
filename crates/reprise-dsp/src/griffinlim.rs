//! Phase reconstruction: fast Griffin-Lim (Perraudin, Balazs & Søndergaard 2013),
//! as `librosa.griffinlim`.

use crate::stft::{FramesIn, Istft, Stft, StftConfig};
use ndarray::ArrayView2;
use num_complex::Complex32;
use reprise_core::{invalid, Error, Result};
use serde::{Deserialize, Serialize};

/// Griffin-Lim parameters; defaults are librosa's.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GriffinLimConfig {
    /// STFT parameters of the magnitude being inverted.
    pub stft: StftConfig,
    /// Iterations (default 32).
    pub n_iter: usize,
    /// Momentum of the fast variant (default 0.99; 0 gives classic Griffin-Lim).
    pub momentum: f32,
    /// Seed of the random initial phase (uniform on [0, 2π)).
    pub seed: u64,
    /// Start from random phases (default) or from zero phase.
    pub random_init: bool,
}

impl Default for GriffinLimConfig {
    fn default() -> Self {
        Self { stft: StftConfig::default(), n_iter: 32, momentum: 0.99, seed: 0, random_init: true }
    }
}

/// Reconstructs a signal whose STFT magnitude approximates `magnitude`
/// (shape `(1 + n_fft/2, n_frames)`); `length` fixes the output length.
///
/// Each iteration is one inverse STFT and one STFT; plans and buffers are reused.
pub fn griffinlim(magnitude: ArrayView2<f32>, config: &GriffinLimConfig, length: Option<usize>) -> Result<Vec<f32>> {
    if !(config.momentum >= 0.0 && config.momentum.is_finite()) {
        return Err(invalid("momentum", format!("{} must be ≥ 0", config.momentum)));
    }
    if config.momentum > 1.0 {
        return Err(invalid("momentum", format!("{} > 1 is unstable; librosa uses 0.99", config.momentum)));
    }
    let (n_freqs, n_frames) = magnitude.dim();
    crate::filters::check_rows(n_freqs, config.stft.n_freqs())?;
    if n_frames == 0 {
        return Err(Error::Empty);
    }
    if let Some(i) = magnitude.iter().position(|v| !v.is_finite() || *v < 0.0) {
        return Err(invalid("magnitude", format!("value at flat index {i} is negative or not finite")));
    }
    let stft = Stft::new(&config.stft)?;
    let mut istft = Istft::new(&config.stft)?;
    // frame-major copies
    let mag: Vec<f32> = magnitude.t().iter().copied().collect();
    // the sequence for a seed is part of the reproducibility contract
    let mut rng = reprise_core::Rng::new(config.seed);
    let mut angles: Vec<Complex32> = mag
        .iter()
        .map(|m| {
            if config.random_init {
                let phase = 2.0 * std::f64::consts::PI * rng.uniform();
                Complex32::from_polar(*m, phase as f32)
            } else {
                Complex32::new(*m, 0.0)
            }
        })
        .collect();
    let mut tprev: Vec<Complex32> = vec![Complex32::new(0.0, 0.0); angles.len()];
    let mut rebuilt: Vec<Complex32> = Vec::with_capacity(angles.len());
    let alpha = config.momentum / (1.0 + config.momentum);
    istft.check_output_size(n_frames, length)?;
    let sig_len = length.unwrap_or_else(|| istft.default_length(n_frames));
    if stft.n_frames(sig_len)? != n_frames {
        return Err(invalid("length", format!("a signal of {sig_len} samples has {} frames, the magnitude has {n_frames}", stft.n_frames(sig_len)?)));
    }
    let mut inverse = Vec::with_capacity(sig_len);
    let mut frame = vec![0.0f32; config.stft.n_fft];
    let mut work = stft.new_workspace();
    for it in 0..config.n_iter {
        // the inverse FFT consumes `angles`; they are recomputed from scratch below
        istft.process_frames(FramesIn::Consume(&mut angles), Some(sig_len), &mut inverse);
        rebuilt.clear();
        stft.frames_into(&inverse, &mut rebuilt, &mut frame, &mut work);
        let a = if it > 0 { alpha } else { 0.0 };
        for (((ang, r), p), m) in angles.iter_mut().zip(&rebuilt).zip(&tprev).zip(&mag) {
            let v = *r - *p * a;
            let norm = v.norm_sqr().sqrt() + f32::MIN_POSITIVE;
            *ang = v * (*m / norm);
        }
        std::mem::swap(&mut tprev, &mut rebuilt);
    }
    istft.process_frames(FramesIn::Consume(&mut angles), Some(sig_len), &mut inverse);
    Ok(inverse)
}

/// Spectral convergence `‖S − |STFT(y)|‖_F / ‖S‖_F`, the quality measure of phase
/// reconstruction.
pub fn spectral_convergence(magnitude: ArrayView2<f32>, y: &[f32], stft: &StftConfig) -> Result<f64> {
    let d = Stft::new(stft)?.process(y)?;
    if d.dim() != magnitude.dim() {
        return Err(Error::ShapeMismatch { expected: format!("{:?}", magnitude.dim()), got: format!("{:?}", d.dim()) });
    }
    let (mut num, mut den) = (0.0f64, 0.0f64);
    for (m, c) in magnitude.iter().zip(d.iter()) {
        num += (*m as f64 - c.norm() as f64).powi(2);
        den += (*m as f64).powi(2);
    }
    Ok((num / den.max(f64::MIN_POSITIVE)).sqrt())
}
