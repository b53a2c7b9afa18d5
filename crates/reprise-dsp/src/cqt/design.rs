//! Filter design: centre frequencies, bandwidths, lengths and atoms (`librosa.filters`).

use super::*;
/// Equivalent noise bandwidth of a window in FFT bins (librosa's table).
pub fn window_bandwidth(w: Window) -> f64 {
    match w {
        Window::Hann => 1.500_183_105_468_75,
        Window::Hamming => 1.362_945_532_035_034_8,
        Window::Blackman => 1.726_968_155_426_232_6,
        Window::Rectangular => 1.0,
    }
}

/// `fmin · 2^o · 2^(j/B)` for `n_bins` bins (librosa's `interval_frequencies`, equal temperament).
pub fn cqt_frequencies(n_bins: usize, fmin: f64, bins_per_octave: usize) -> Vec<f64> {
    (0..n_bins)
        .map(|k| {
            let (o, j) = (k / bins_per_octave, k % bins_per_octave);
            2f64.powi(o as i32) * 2f64.powf(j as f64 / bins_per_octave as f64) * fmin
        })
        .collect()
}

/// Relative bandwidth `α_k` from the local bins per octave (centred log-differences).
pub fn relative_bandwidth(freqs: &[f64]) -> Result<Vec<f64>> {
    let n = freqs.len();
    if n < 2 {
        return Err(invalid("n_bins", "at least 2 frequencies are needed to compute bandwidths"));
    }
    let lf: Vec<f64> = freqs.iter().map(|f| f.log2()).collect();
    Ok((0..n)
        .map(|k| {
            let bpo = if k == 0 {
                1.0 / (lf[1] - lf[0])
            } else if k == n - 1 {
                1.0 / (lf[n - 1] - lf[n - 2])
            } else {
                2.0 / (lf[k + 1] - lf[k - 1])
            };
            let r = 2f64.powf(2.0 / bpo);
            (r - 1.0) / (r + 1.0)
        })
        .collect())
}

/// The VQT filter design: frequencies, bandwidths, lengths and cutoff.
#[derive(Debug, Clone, PartialEq)]
pub struct VqtFilters {
    /// Centre frequencies in Hz (tuning applied), ascending.
    pub freqs: Vec<f64>,
    /// Relative bandwidths `α_k`.
    pub alpha: Vec<f64>,
    /// `γ_k` in Hz.
    pub gamma: Vec<f64>,
    /// Filter lengths in samples at the design rate (fractional).
    pub lengths: Vec<f64>,
    /// Highest frequency any filter reaches, Hz (must stay below Nyquist).
    pub cutoff: f64,
}

impl VqtFilters {
    /// Designs the filters of `config`; its tuning must be known ([`Tuning::Bins`]).
    pub fn design(config: &CqtConfig) -> Result<Self> {
        let tuning = config.tuning.bins()?;
        config.validate()?;
        let fmin = config.fmin.unwrap_or(C1_HZ) * 2f64.powf(tuning / config.bins_per_octave as f64);
        let freqs = cqt_frequencies(config.n_bins, fmin, config.bins_per_octave);
        let alpha = relative_bandwidth(&freqs)?;
        let f = Self::with(freqs, alpha, config, config.sr as f64);
        let longest = f.lengths.iter().cloned().fold(0.0, f64::max);
        if longest > crate::frame::MAX_FRAME as f64 {
            return Err(invalid(
                "fmin",
                format!("the lowest filter would be {longest:.0} samples long (limit 2^24); raise fmin or lower filter_scale"),
            ));
        }
        if f.cutoff > config.sr as f64 / 2.0 {
            return Err(invalid(
                "n_bins",
                format!("the top filter reaches {:.1} Hz, above the Nyquist frequency {} Hz; lower n_bins or fmin", f.cutoff, config.sr as f64 / 2.0),
            ));
        }
        Ok(f)
    }

    /// Lengths for the given frequencies and bandwidths at rate `sr` (`wavelet_lengths`).
    pub(super) fn with(freqs: Vec<f64>, alpha: Vec<f64>, config: &CqtConfig, sr: f64) -> Self {
        let gamma: Vec<f64> = alpha
            .iter()
            .map(|a| match config.gamma {
                Gamma::Fixed(g) => g,
                Gamma::Erb => a * 24.7 / 0.108,
            })
            .collect();
        let wb = window_bandwidth(config.window);
        let mut cutoff = f64::MIN;
        let lengths = freqs
            .iter()
            .zip(&alpha)
            .zip(&gamma)
            .map(|((f, a), g)| {
                let q = config.filter_scale / a;
                cutoff = cutoff.max(f * (1.0 + 0.5 * wb / q) + 0.5 * g);
                q * sr / (f + g / a)
            })
            .collect();
        Self { freqs, alpha, gamma, lengths, cutoff }
    }

    /// The subset `range` of bins, redesigned at rate `sr` (same α and γ).
    pub(super) fn subset(&self, range: std::ops::Range<usize>, config: &CqtConfig, sr: f64) -> Self {
        Self::with(self.freqs[range.clone()].to_vec(), self.alpha[range].to_vec(), config, sr)
    }
}

/// The time-domain atom of a bin: `(first index, taps)`, taps at indices
/// `floor(−L/2) … floor(L/2) − 1`, windowed and normalised (`librosa.filters.wavelet`).
pub fn wavelet_atom(freq: f64, length: f64, sr: f64, window: Window, norm: FrameNorm) -> (i64, Vec<Complex64>) {
    let start = (-length / 2.0).floor() as i64;
    let stop = (length / 2.0).floor() as i64;
    let n = (stop - start).max(1) as usize;
    let w = window.periodic(n);
    let mut taps: Vec<Complex64> =
        (0..n).map(|i| Complex64::from_polar(w[i], (start + i as i64) as f64 * 2.0 * std::f64::consts::PI * freq / sr)).collect();
    let s = match norm {
        FrameNorm::L1 => taps.iter().map(|c| c.norm()).sum::<f64>(),
        FrameNorm::L2 => taps.iter().map(|c| c.norm_sqr()).sum::<f64>().sqrt(),
        FrameNorm::Inf => taps.iter().map(|c| c.norm()).fold(0.0, f64::max),
        FrameNorm::None => 1.0,
    };
    if s > f64::MIN_POSITIVE {
        taps.iter_mut().for_each(|c| *c /= s);
    }
    (start, taps)
}
