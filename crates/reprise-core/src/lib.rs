//! Core types shared by every Reprise crate: the [`Error`] enum, a decoded
//! [`Signal`], and small validation helpers.
//!
//! Data flows one way through Reprise: decode (`reprise-io`) → signal (here) →
//! representation (`reprise-dsp`) → output (`reprise-cli`). This crate depends on
//! nothing heavy so that every other crate can use it.
#![deny(missing_docs)]

pub mod fft;
pub mod fs;
pub mod rng;
pub mod stream;
pub use rng::{fnv1a, Rng};

use serde::{Deserialize, Serialize};

/// Errors raised by Reprise's signal-processing crates.
///
/// None of these is recoverable by retrying: each names a parameter or an input
/// that must be changed.
#[derive(thiserror::Error, Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// A parameter is outside its valid range; `reason` says what to do.
    #[error("invalid parameter `{name}`: {reason}")]
    InvalidParameter {
        /// Parameter name, as in librosa (`n_fft`, `hop_length`, ...).
        name: &'static str,
        /// What is wrong and what would be valid.
        reason: String,
    },
    /// An array has the wrong shape.
    #[error("shape mismatch: expected {expected}, got {got}")]
    ShapeMismatch {
        /// The expected shape, in words.
        expected: String,
        /// The shape that was given.
        got: String,
    },
    /// The signal is shorter than the transform needs.
    #[error("signal too short: {len} samples, need at least {need} ({why})")]
    TooShort {
        /// Length given.
        len: usize,
        /// Length needed.
        need: usize,
        /// Which parameter sets the need.
        why: String,
    },
    /// The input contains NaN or an infinity.
    #[error("input is not finite: {what} at index {index} is {value}")]
    NonFinite {
        /// What holds the value ("sample", "spectrogram value").
        what: &'static str,
        /// Flat index of the first bad value.
        index: usize,
        /// The bad value.
        value: f32,
    },
    /// The input is empty.
    #[error("input is empty")]
    Empty,
}

/// Result alias for [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A mono signal with its sample rate in Hz.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Signal {
    /// Samples in [-1, 1] for decoded audio (not enforced).
    pub samples: Vec<f32>,
    /// Sample rate in Hz.
    pub sr: u32,
}

impl Signal {
    /// Duration in seconds.
    pub fn duration_s(&self) -> f64 {
        self.samples.len() as f64 / self.sr as f64
    }
}

/// Returns an error naming the first NaN or infinite value of `x`.
pub fn check_finite(x: &[f32], what: &'static str) -> Result<()> {
    // Blocks are scanned without an early exit, which vectorises; only a block that
    // holds a bad value is searched for its first one.
    const BLOCK: usize = 256;
    for (b, block) in x.chunks(BLOCK).enumerate() {
        if block.iter().fold(true, |ok, v| ok & v.is_finite()) {
            continue;
        }
        let i = block.iter().position(|v| !v.is_finite()).expect("the block holds a non-finite value");
        let index = b * BLOCK + i;
        return Err(Error::NonFinite { what, index, value: x[index] });
    }
    Ok(())
}

/// Shorthand for an [`Error::InvalidParameter`].
pub fn invalid(name: &'static str, reason: impl Into<String>) -> Error {
    Error::InvalidParameter { name, reason: reason.into() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_finite_names_first_bad_sample() {
        assert!(check_finite(&[0.0, 1.0], "sample").is_ok());
        let e = check_finite(&[0.0, f32::NAN, f32::INFINITY], "sample").unwrap_err();
        assert!(matches!(e, Error::NonFinite { index: 1, .. }));
        assert!(e.to_string().contains("index 1"));
        // past the first scanned block, with a later bad value in the same block
        let mut long = vec![0.5f32; 2000];
        long[1500] = f32::NEG_INFINITY;
        long[1501] = f32::NAN;
        long[1999] = f32::NAN;
        assert!(matches!(check_finite(&long, "sample"), Err(Error::NonFinite { index: 1500, .. })));
        assert!(check_finite(&long[..1500], "sample").is_ok());
    }
}
