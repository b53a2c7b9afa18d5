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
use reprise_core::Result;

use crate::jtfs::{Jtfs, JtfsConfig};
use crate::octave::OctaveFilters;

/// One-call spiral scattering: JTFS with `config`, plus spiral paths with finite
/// differences across octaves unless `config.spiral` says otherwise.
pub fn spiral_scattering(x: &[f32], mut config: JtfsConfig) -> Result<ArrayD<f32>> {
    if config.spiral.is_none() {
        config.spiral = Some(OctaveFilters::FiniteDifference);
    }
    Jtfs::new(config, x.len())?.process(x)
}
