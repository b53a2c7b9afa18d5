//! Filters along the octave axis of the pitch spiral (spiral scattering, [`crate::spiral`]),
//! applied by [`crate::Jtfs`] when its configuration asks for spiral paths.

use num_complex::Complex32;
use serde::{Deserialize, Serialize};

use crate::filter_bank::{filterbank_params, Morlet, ALPHA, R_PSI, SIGMA0};

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
