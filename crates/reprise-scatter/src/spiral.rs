//! Spiral scattering (Lostanlen & Mallat, "Wavelet scattering on the pitch spiral",
//! DAFx 2015): joint time–frequency scattering plus a wavelet transform **across
//! octaves at fixed chroma**.
//!
//! Write the first-order index as `n1 = Q1·r + c` (octave `r` below the top, chroma `c`;
//! the pitch-spiral view of the scalogram). For every second-order temporal wavelet
//! `ψ_μ` and frequential filter `ψ_{ℓ,s}` (JTFS's `φ_fr` and wavelets of both spins), a
//! spiral path is
//!
//! `S(λ, t) = φ_F ∗_λ φ_T ∗_t | h_b ⊛_r ( (U1 ∗_t ψ_μ) ∗_λ ψ_{ℓ,s} ) |`
//!
//! where `⊛_r` convolves along `r` at fixed `c` (λ steps of `Q1` rows, zeros beyond
//! the λ axis) with the octave filter `h_b`. By default `h_b` are the two finite
//! differences of scattering.m (`[−1, 0, 1]/√6` and `[1, −2, 1]/√18`); Morlet wavelets
//! across octaves (both spins) are an option. The λ filter is applied at full λ
//! resolution (no subsampling before the octave filter, which needs every chroma), and
//! every spiral path is averaged along λ by `φ_F` and subsampled by `F`.
//!
//! The first-order filters below the constant-Q region (the last `Q1 − 1` rows, at
//! constant bandwidth) are not log-spaced; they are rolled like the others.
//!
//! Use [`spiral_scattering`] or a [`crate::Jtfs`] with `spiral: Some(..)`: the output
//! holds every JTFS channel followed, after each second-order group, by its spiral
//! channels; `meta()` marks spiral channels with `octave: Some(b)`. There is no peer
//! implementation outside MATLAB; `tests/spiral.rs` checks it against a direct
//! full-resolution implementation of the formula and by properties.

use ndarray::ArrayD;
use num_complex::Complex32;
use reprise_core::Result;
use serde::{Deserialize, Serialize};

use crate::filter_bank::{filterbank_params, Morlet, ALPHA, R_PSI, SIGMA0};
use crate::jtfs::{Jtfs, JtfsConfig};

/// Filters across octaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum OctaveFilters {
    /// The first and second finite differences of scattering.m's `finitediff_1d`
    /// (`[−1, 0, 1]/√6`, `[1, −2, 1]/√18`), not spinned.
    #[default]
    FiniteDifference,
    /// `j_oct` Morlet wavelets per spin along the octave axis (one per octave of
    /// "octave frequency"), both spins, truncated where below 1e-3 of their peak.
    Morlet {
        /// Number of scales.
        j_oct: u32,
    },
}

/// A filter along the octave axis as `(offset in octaves, weight)` taps:
/// `out[r] = Σ w · in[r − offset]`.
#[derive(Debug, Clone, PartialEq)]
pub struct OctaveKernel {
    /// Taps.
    pub taps: Vec<(i64, Complex32)>,
    /// Signed centre frequency in cycles per octave (0 for the finite differences).
    pub xi: f64,
}

impl OctaveFilters {
    /// The filters as tap lists.
    pub fn kernels(&self) -> Vec<OctaveKernel> {
        match *self {
            OctaveFilters::FiniteDifference => {
                let a = 1.0 / 6f32.sqrt();
                let b = 1.0 / 18f32.sqrt();
                let c = |v: f32| Complex32::new(v, 0.0);
                vec![
                    OctaveKernel { taps: vec![(-1, c(-a)), (1, c(a))], xi: 0.0 },
                    OctaveKernel { taps: vec![(-1, c(b)), (0, c(-2.0 * b)), (1, c(b))], xi: 0.0 },
                ]
            }
            OctaveFilters::Morlet { j_oct } => {
                let j_oct = j_oct.clamp(1, 4);
                let params = filterbank_params(SIGMA0 / 2f64.powi(j_oct as i32), 1, ALPHA, R_PSI);
                let mut out = vec![];
                for sign in [1.0, -1.0] {
                    for p in params.iter().take(j_oct as usize) {
                        let n = 64;
                        let m = Morlet::bandpass(sign * p.xi, p.sigma, n);
                        let h = m.impulse_response(n);
                        let peak = h.iter().map(|(re, im)| re.hypot(*im)).fold(0.0, f64::max);
                        let taps = h
                            .iter()
                            .enumerate()
                            .filter(|(_, (re, im))| re.hypot(*im) >= 1e-3 * peak)
                            .map(|(k, &(re, im))| {
                                let off = if k < n / 2 { k as i64 } else { k as i64 - n as i64 };
                                (off, Complex32::new(re as f32, im as f32))
                            })
                            .collect();
                        out.push(OctaveKernel { taps, xi: sign * p.xi });
                    }
                }
                out
            }
        }
    }
}

/// One-call spiral scattering: JTFS with `config`, plus spiral paths with finite
/// differences across octaves unless `config.spiral` says otherwise.
pub fn spiral_scattering(x: &[f32], mut config: JtfsConfig) -> Result<ArrayD<f32>> {
    if config.spiral.is_none() {
        config.spiral = Some(OctaveFilters::FiniteDifference);
    }
    Jtfs::new(config, x.len())?.process(x)
}
