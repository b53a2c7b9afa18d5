//! The Morlet scalogram `U1 x(λ, t) = |x ∗ ψ_λ|(t)`: the first layer of every scattering
//! transform, as a representation of its own.
//!
//! The filters are the first-order bank of [`crate::Scattering1D`] with the same `J` and
//! `Q` (kymatio's design, high to low frequency); the signal is padded as kymatio pads
//! it for `T = 2^J`. Each row is sampled every `hop_length` samples exactly (the fold
//! of the spectrum is an exact decimation, not an average), so rows are the modulus of
//! the full-resolution convolution at those instants, with no averaging.

use ndarray::Array2;
use reprise_core::{check_finite, Error, Result};
use serde::{Deserialize, Serialize};

use crate::filter_bank::{scattering_params, Morlet, MorletParams, SparseFilter};
use crate::fourier::{fold_real_spectrum, modulus, Planner, Plans};
use crate::padding::Padding;
use crate::scattering1d::{MAX_J, MAX_Q};

/// Parameters of [`Scalogram`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ScalogramConfig {
    /// Log2 of the largest wavelet scale (default 8).
    #[serde(rename = "J")]
    pub j: u32,
    /// Wavelets per octave (default 12).
    #[serde(rename = "Q")]
    pub q: u32,
    /// Samples between frames, a power of two (default 256).
    pub hop_length: usize,
}

impl Default for ScalogramConfig {
    fn default() -> Self {
        ScalogramConfig { j: 8, q: 12, hop_length: 256 }
    }
}

/// A planned scalogram for signals of one length.
#[derive(Debug, Clone)]
pub struct Scalogram {
    config: ScalogramConfig,
    n: usize,
    padding: Padding,
    params: Vec<MorletParams>,
    filters: Vec<SparseFilter>,
    plans: Plans,
}

impl Scalogram {
    /// Plans the scalogram for `n` samples.
    pub fn new(config: ScalogramConfig, n: usize) -> Result<Scalogram> {
        let bad = |name, reason: String| Err(Error::InvalidParameter { name, reason });
        if config.j == 0 || config.j > MAX_J {
            return bad("J", format!("must be in 1..={MAX_J}, got {}", config.j));
        }
        if config.q == 0 || config.q > MAX_Q {
            return bad("Q", format!("must be in 1..={MAX_Q}, got {}", config.q));
        }
        if !config.hop_length.is_power_of_two() || config.hop_length > 1 << config.j {
            return bad("hop_length", format!("must be a power of two no larger than 2^J = {}, got {}", 1 << config.j, config.hop_length));
        }
        if n < 2 {
            return Err(Error::TooShort { len: n, need: 2, why: "the scalogram needs at least two samples".into() });
        }
        if config.hop_length > n {
            return Err(Error::TooShort {
                len: n,
                need: config.hop_length,
                why: format!("the hop ({} samples) cannot exceed the signal; lower hop_length or J, or give a longer signal", config.hop_length),
            });
        }
        let t = (1usize << config.j).min(n.next_power_of_two() / 2).max(1);
        let padding = Padding::new(n, t, config.j)?;
        let np = 1usize << padding.j_pad;
        let (params, _) = scattering_params(config.j, (config.q, 1));
        let filters = params.iter().map(|p| Morlet::bandpass(p.xi, p.sigma, np).sample(0)).collect();
        let mut planner = Planner::default();
        planner.real(np);
        planner.complex(np / config.hop_length);
        Ok(Scalogram { config, n, padding, params, filters, plans: planner.finish() })
    }

    /// Filter parameters of the rows, high to low frequency.
    pub fn params(&self) -> &[MorletParams] {
        &self.params
    }

    /// Centre frequency of each row in Hz at sample rate `sr`.
    pub fn frequencies_hz(&self, sr: f64) -> Vec<f64> {
        self.params.iter().map(|p| p.xi * sr).collect()
    }

    /// `(filters, frames)` of the scalogram of `x`.
    pub fn process(&self, x: &[f32]) -> Result<Array2<f32>> {
        if x.len() != self.n {
            return Err(Error::ShapeMismatch { expected: format!("{} samples", self.n), got: format!("{} samples", x.len()) });
        }
        check_finite(x, "sample")?;
        let np = 1usize << self.padding.j_pad;
        let k = self.config.hop_length.trailing_zeros() as usize;
        let m = np >> k;
        let (a, b) = (self.padding.ind_start[k], self.padding.ind_end[k]);
        let mut real = vec![0.0f32; np];
        self.padding.pad_into(x, &mut real);
        let mut xhat = vec![num_complex::Complex32::default(); np / 2 + 1];
        let mut scratch = self.plans.scratch();
        self.plans.r2c(&mut real, &mut xhat, &mut scratch);
        let mut y = vec![num_complex::Complex32::default(); m];
        let mut u = vec![0.0f32; m];
        let mut out = Array2::zeros((self.filters.len(), b - a));
        for (row, f) in out.rows_mut().into_iter().zip(&self.filters) {
            fold_real_spectrum(&xhat, f, &mut y);
            self.plans.ifft(&mut y, &mut scratch);
            modulus(&y, 1.0 / np as f32, &mut u);
            row.into_slice().expect("standard layout").copy_from_slice(&u[a..b]);
        }
        Ok(out)
    }
}

/// One-call scalogram.
pub fn scalogram(x: &[f32], config: ScalogramConfig) -> Result<Array2<f32>> {
    Scalogram::new(config, x.len())?.process(x)
}
