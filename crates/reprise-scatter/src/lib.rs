//! Wavelet scattering for Reprise: Morlet filter banks, the scalogram, scattering 1-D
//! (orders 0–2), joint time–frequency scattering and spiral scattering.
//!
//! Filter design (`(xi, sigma, j)` generators) is kept apart from filter synthesis and
//! from the transform cores, as in kymatio, whose defaults and output layouts are
//! followed. Filters are kept sparse in the Fourier domain at the resolutions they are
//! used at, so planning a transform for minutes of audio takes milliseconds.
#![deny(missing_docs)]
#![allow(clippy::neg_cmp_op_on_partial_ord)]

pub mod filter_bank;
mod fourier;
pub mod frames;
pub mod jtfs;
mod lambda;
pub mod octave;
mod padding;
pub mod scalogram;
pub mod scattering1d;
mod segments;
pub mod spiral;

pub use filter_bank::{filterbank_params, scattering_params, Morlet, MorletParams, SparseFilter};
pub use frames::{Planned, WholeConfig, WholeSignal};
pub use jtfs::{jtfs, Jtfs, JtfsConfig, JtfsFormat, JtfsMeta};
pub use octave::{OctaveFilters, OctaveKernel};
pub use reprise_core::{Error, Result};
pub use scalogram::{scalogram, Scalogram, ScalogramConfig};
pub use scattering1d::{scattering1d, Padding, PathMeta, Scattering1D, ScatteringConfig};
pub use spiral::spiral_scattering;
