//! `reprise-nn`: Reprise's training engine and learned representations, on
//! [burn](https://burn.dev) (the pure-Rust `flex` CPU backend; CUDA behind the `cuda`
//! feature).
//!
//! - [`models`]: the networks, each a serde configuration plus a constructor
//!   (Lostanlen & Cella's CQT and spiral ConvNets, a Pons/musicnn multi-shape front end, a
//!   sample-level waveform CNN, an MLP).
//! - [`data`]: clips cut into windows, class-balanced seeded epochs, background batching.
//! - [`train`]: Adam/AdamW on cross-entropy, validation, early stopping, resume.
//! - [`checkpoint`]: run folders, weights files, atomic checkpoints.
#![deny(missing_docs)]

pub mod checkpoint;
pub mod data;
mod error;
pub mod models;
pub mod train;

pub use burn;
pub use error::{NnError, Result};

/// The compute device named `name`: `cpu` (burn's flex backend) or, when built with the
/// `cuda` feature, `cuda` / `cuda:N`.
pub fn device(name: &str) -> Result<burn::prelude::Device> {
    match name {
        "cpu" => Ok(burn::prelude::Device::flex()),
        #[cfg(feature = "cuda")]
        n if n == "cuda" || n.starts_with("cuda:") => {
            let index: usize = n.strip_prefix("cuda:").unwrap_or("0").parse().map_err(|_| NnError::Config(format!("bad CUDA device '{n}'; use cuda or cuda:N")))?;
            Ok(burn::prelude::Device::cuda(index))
        }
        n => Err(NnError::Config(format!("unknown device '{n}'; this build knows cpu{}", if cfg!(feature = "cuda") { ", cuda, cuda:N" } else { " (rebuild with --features cuda for cuda)" }))),
    }
}
