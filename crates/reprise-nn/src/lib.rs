//! `reprise-nn`: Reprise's training engine and learned representations, on
//! [burn](https://burn.dev): the pure-Rust `flex` CPU backend by default, libtorch (CPU or
//! CUDA) behind the `libtorch` feature, CubeCL's CUDA behind the `cuda` feature ([`device`]).
//!
//! - [`models`]: the networks, each a serde configuration plus a constructor
//!   (Lostanlen & Cella's CQT and spiral ConvNets, a Pons/musicnn multi-shape front end, a
//!   sample-level waveform CNN, an MLP, the Complex Autoencoder).
//! - [`data`]: clips cut into windows; the samplers (class-balanced windows, shifted pairs),
//!   seeded per epoch; background batching.
//! - [`objectives`]: what a network is trained for: classification, pair reconstruction.
//! - [`train`]: the engine: Adam/AdamW on any objective, validation, early stopping, resume.
//! - [`checkpoint`]: run folders, weights files, atomic checkpoints.
#![deny(missing_docs)]

pub mod checkpoint;
pub mod data;
mod error;
pub mod models;
pub mod objectives;
pub mod train;

pub use burn;
pub use error::{NnError, Result};

/// The compute device named `name`: `cpu` (burn's flex backend); `cuda` / `cuda:N` in a
/// build with the `cuda` feature; `libtorch` (its CPU) and `libtorch-cuda` /
/// `libtorch-cuda:N` in a build with the `libtorch` feature.
pub fn device(name: &str) -> Result<burn::prelude::Device> {
    match name {
        "cpu" => Ok(burn::prelude::Device::flex()),
        #[cfg(feature = "cuda")]
        n if n == "cuda" || n.starts_with("cuda:") => Ok(burn::prelude::Device::cuda(device_index(n, "cuda")?)),
        #[cfg(feature = "libtorch")]
        "libtorch" => {
            #[allow(deprecated)] // burn 0.22 deprecates its libtorch backend; issue 7 asks for one
            Ok(burn::prelude::Device::libtorch())
        }
        #[cfg(feature = "libtorch")]
        n if n == "libtorch-cuda" || n.starts_with("libtorch-cuda:") => {
            let i = device_index(n, "libtorch-cuda")?;
            let found = if tch::Cuda::is_available() { tch::Cuda::device_count() } else { 0 };
            if i as i64 >= found {
                return Err(NnError::Config(format!("device '{n}': libtorch sees {found} CUDA device(s); use libtorch (its CPU) or cpu")));
            }
            #[allow(deprecated)]
            Ok(burn::prelude::Device::libtorch_cuda(i))
        }
        n => {
            let mut known = vec!["cpu"];
            let mut rebuild = Vec::new();
            if cfg!(feature = "cuda") {
                known.extend(["cuda", "cuda:N"]);
            } else {
                rebuild.push("--features cuda for cuda");
            }
            if cfg!(feature = "libtorch") {
                known.extend(["libtorch", "libtorch-cuda", "libtorch-cuda:N"]);
            } else {
                rebuild.push("--features libtorch for libtorch");
            }
            let rebuild = if rebuild.is_empty() { String::new() } else { format!(" (rebuild with {})", rebuild.join(", ")) };
            Err(NnError::Config(format!("unknown device '{n}'; this build knows {}{rebuild}", known.join(", "))))
        }
    }
}

/// The `N` of `KIND:N` (0 for a bare `KIND`).
#[cfg(any(feature = "cuda", feature = "libtorch"))]
fn device_index(name: &str, kind: &str) -> Result<usize> {
    match name.strip_prefix(kind) {
        Some("") => Ok(0),
        rest => rest
            .and_then(|r| r.strip_prefix(':'))
            .and_then(|i| i.parse().ok())
            .ok_or_else(|| NnError::Config(format!("bad device '{name}'; use {kind} or {kind}:N"))),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn device_names_are_checked() {
        assert!(super::device("cpu").is_ok());
        let e = super::device("tpu").unwrap_err().to_string();
        assert!(e.contains("unknown device 'tpu'") && e.contains("cpu"), "{e}");
        #[cfg(not(feature = "libtorch"))]
        assert!(super::device("libtorch").unwrap_err().to_string().contains("--features libtorch"));
        #[cfg(feature = "libtorch")]
        {
            assert!(super::device("libtorch").is_ok());
            let e = super::device("libtorch-cuda:999").unwrap_err().to_string();
            assert!(e.contains("libtorch sees") && e.contains("CUDA device"), "{e}");
            let e = super::device("libtorch-cuda:x").unwrap_err().to_string();
            assert!(e.contains("use libtorch-cuda or libtorch-cuda:N"), "{e}");
        }
    }
}
