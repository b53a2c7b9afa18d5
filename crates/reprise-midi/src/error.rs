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
    /// A parameter outside its valid range, or another error of the shared vocabulary
    /// (`reprise_core::Error::InvalidParameter` says which parameter and what would be valid).
    #[error(transparent)]
    Core(#[from] reprise_core::Error),
    /// A pattern file (MIREX text format) or a pattern list that cannot be used.
    #[error("{}: {reason}", path.display())]
    Patterns {
        /// The file (or `reference` / `estimate`).
        path: PathBuf,
        /// What is wrong.
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
        MidiError::Core(reprise_core::invalid(name, reason))
    }
}

/// Result alias for [`MidiError`].
pub type Result<T, E = MidiError> = std::result::Result<T, E>;
