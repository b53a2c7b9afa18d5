//! Errors of the training engine: each names the file or the parameter it concerns.

use std::path::PathBuf;

/// What can go wrong when building, training, saving or loading a network.
#[derive(thiserror::Error, Debug)]
#[non_exhaustive]
pub enum NnError {
    /// A model or training parameter that cannot work (with what to do instead).
    #[error("{0}")]
    Config(String),
    /// Input data of the wrong shape or with non-finite values.
    #[error("{0}")]
    Data(String),
    /// A checkpoint or run folder that cannot be read or written.
    #[error("{}: {reason}", path.display())]
    File {
        /// The file or folder.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
}

impl NnError {
    /// A file error.
    pub fn file(path: impl Into<PathBuf>, reason: impl std::fmt::Display) -> Self {
        NnError::File { path: path.into(), reason: reason.to_string() }
    }
}

/// Result with [`NnError`].
pub type Result<T> = std::result::Result<T, NnError>;
