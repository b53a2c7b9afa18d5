use std::path::{Path, PathBuf};

/// Errors of reading and writing files. Every variant names the file, so that the
/// message alone tells a user what to fix.
#[derive(thiserror::Error, Debug)]
#[non_exhaustive]
pub enum IoError {
    /// The path does not exist.
    #[error("{}: no such file", path.display())]
    NotFound {
        /// The file.
        path: PathBuf,
    },
    /// The file has no bytes.
    #[error("{}: file is empty (0 bytes)", path.display())]
    EmptyFile {
        /// The file.
        path: PathBuf,
    },
    /// The content is not audio in a supported format.
    #[error("{}: not a supported audio file ({reason}); Reprise reads WAV, FLAC, MP3 and Ogg Vorbis", path.display())]
    UnsupportedFormat {
        /// The file.
        path: PathBuf,
        /// What the decoder said.
        reason: String,
    },
    /// The audio data cannot be decoded.
    #[error("{}: corrupt audio data: {reason}", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What the decoder said.
        reason: String,
    },
    /// The file ends before the length its header declares.
    #[error("{}: truncated or corrupt file: header declares {declared} frames, only {decoded} could be decoded", path.display())]
    Truncated {
        /// The file.
        path: PathBuf,
        /// Frames declared by the header.
        declared: u64,
        /// Frames decoded.
        decoded: u64,
    },
    /// A request that cannot be satisfied (bad offset, sample rate, ...).
    #[error("{}: {reason}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong and what to do.
        reason: String,
    },
    /// The samples or an array violate a signal-processing precondition (NaN, ...).
    #[error("{}: {source}", path.display())]
    Signal {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: reprise_core::Error,
    },
    /// An operating-system I/O error.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

impl IoError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        if source.kind() == std::io::ErrorKind::NotFound {
            return IoError::NotFound { path: path.to_owned() };
        }
        IoError::Io { path: path.to_owned(), source }
    }
    pub(crate) fn invalid(path: &Path, reason: impl Into<String>) -> Self {
        IoError::Invalid { path: path.to_owned(), reason: reason.into() }
    }
}

/// Result alias for [`IoError`].
pub type Result<T, E = IoError> = std::result::Result<T, E>;
