use std::path::PathBuf;

/// Errors of reading, writing and converting symbolic music. File errors name the file.
#[derive(thiserror::Error, Debug)]
#[non_exhaustive]
pub enum MidiError {
    /// The bytes are not a standard MIDI file, or the file is damaged.
    #[error("{}: not a valid MIDI file: {reason}", path.display())]
    Malformed {
        /// The file (or a label for in-memory data).
        path: PathBuf,
        /// What the parser found.
        reason: String,
    },
    /// The file parsed but holds no notes.
    #[error("{}: the MIDI file has no notes", path.display())]
    NoNotes {
        /// The file.
        path: PathBuf,
    },
    /// A parameter is out of its range.
    #[error("invalid parameter `{name}`: {reason}")]
    InvalidParameter {
        /// The parameter.
        name: &'static str,
        /// What is wrong and what to do.
        reason: String,
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

impl MidiError {
    pub(crate) fn invalid(name: &'static str, reason: impl Into<String>) -> Self {
        MidiError::InvalidParameter { name, reason: reason.into() }
    }
}

/// Result alias for [`MidiError`].
pub type Result<T, E = MidiError> = std::result::Result<T, E>;
