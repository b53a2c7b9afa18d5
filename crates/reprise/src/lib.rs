//! Reprise: music representations in Rust.
//!
//! This facade re-exports the workspace crates and holds the applications wired from
//! them: [`features`], the streaming pipeline behind `reprise features`, [`classify`],
//! clip-level features and classifiers behind `reprise classify`, and [`deep`], the
//! network inputs and run folders behind `reprise train`, `eval` and `predict`, [`cae`], a
//! trained Complex Autoencoder as a representation, and [`structure`], self-similarity and
//! repeated sections behind `reprise structure`.
//!
//! | crate | holds |
//! |---|---|
//! | [`core`] (`reprise-core`) | `Signal`, the shared `Error` |
//! | [`io`] (`reprise-io`) | decoding, resampling, atomic writers |
//! | [`dsp`] (`reprise-dsp`) | STFT family, mel, MFCC, chroma, descriptors, Griffin-Lim |
//! | [`midi`] (`reprise-midi`) | standard MIDI files, piano and drum rolls, chord labels |
//! | [`data`] (`reprise-data`) | SoundFont rendering, instrument kits, manifests, splits |
//! | [`ml`] (`reprise-ml`) | scaling, classical classifiers, cross-validation, metrics |
//! | [`nn`] (`reprise-nn`) | the training engine and networks, on burn |
//! | [`plot`] (`reprise-plot`) | figures: heat maps with axes and colour bars, lines, confusion matrices |
#![deny(missing_docs)]
// `!(x > 0.0)` is deliberate throughout: it also rejects NaN.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

pub use reprise_core as core;
pub use reprise_data as data;
pub use reprise_dsp as dsp;
pub use reprise_io as io;
pub use reprise_midi as midi;
pub use reprise_ml as ml;
pub use reprise_nn as nn;
pub use reprise_plot as plot;
pub use reprise_scatter as scatter;

pub mod cae;
pub mod classify;
pub mod deep;
pub mod features;
pub mod invariance;
pub mod outputs;
pub mod pictures;
pub mod pitch;
pub mod structure;
pub mod transfer;

/// Errors of the applications: each names the file it concerns, when there is one.
#[derive(thiserror::Error, Debug)]
#[non_exhaustive]
pub enum Error {
    /// Reading or writing a file failed.
    #[error(transparent)]
    Io(#[from] reprise_io::IoError),
    /// A transform rejected its parameters or input.
    #[error("{}{source}", path.as_ref().map(|p| format!("{}: ", p.display())).unwrap_or_default())]
    Dsp {
        /// The file the signal came from, if any.
        path: Option<std::path::PathBuf>,
        /// The underlying error.
        source: reprise_core::Error,
    },
    /// A classifier rejected its input.
    #[error(transparent)]
    Ml(#[from] reprise_ml::MlError),
    /// A network, its training or its files failed.
    #[error(transparent)]
    Nn(#[from] reprise_nn::NnError),
    /// A manifest, dataset or SoundFont that cannot be used.
    #[error(transparent)]
    Data(#[from] reprise_data::DataError),
    /// A model that cannot be built for its input.
    #[error("model {model}: {source}")]
    Model {
        /// The model.
        model: reprise_nn::models::ModelName,
        /// Why.
        source: reprise_nn::NnError,
    },
    /// A network whose outputs are not finite: its weights or input scaling are damaged.
    #[error("the network's outputs are not numbers (NaN): its weights or its input scaling are damaged")]
    NonFiniteOutput,
    /// An input given to a batch (file, folder or glob) that names nothing usable.
    #[error("{input}: {reason}")]
    Input {
        /// The input, as given.
        input: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A clip or model file that cannot be used.
    #[error("{}{reason}", if path.as_os_str().is_empty() { String::new() } else { format!("{}: ", path.display()) })]
    Clip {
        /// The file.
        path: std::path::PathBuf,
        /// What is wrong with it.
        reason: String,
    },
}

impl From<reprise_core::Error> for Error {
    fn from(source: reprise_core::Error) -> Self {
        Error::Dsp { path: None, source }
    }
}

impl Error {
    /// Attaches a file name to an error that has none.
    pub fn in_file(self, path: &std::path::Path) -> Self {
        match self {
            Error::Dsp { path: None, source } => Error::Dsp { path: Some(path.to_owned()), source },
            other => other,
        }
    }
}

/// Result alias for [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
