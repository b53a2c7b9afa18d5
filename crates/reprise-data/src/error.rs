use std::path::PathBuf;

/// Errors of building datasets. File errors name the file and say what to do.
#[derive(thiserror::Error, Debug)]
#[non_exhaustive]
pub enum DataError {
    /// A SoundFont file that cannot be used.
    #[error("{}: {reason}", path.display())]
    SoundFont {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A preset that the SoundFont does not have.
    #[error("{}: no preset for bank {bank}, program {program} ({name}); `reprise data soundfonts {}` lists the presets", path.display(), path.display())]
    MissingPreset {
        /// The SoundFont.
        path: PathBuf,
        /// MIDI bank (128 = percussion).
        bank: u16,
        /// GM program, counted from 0.
        program: u8,
        /// The program's GM name.
        name: String,
    },
    /// A manifest that cannot be read or used.
    #[error("{}: {reason}", path.display())]
    Manifest {
        /// The manifest file or folder.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A parameter outside its valid range, or another error of the shared vocabulary
    /// (`reprise_core::Error::InvalidParameter` says which parameter and what would be valid).
    #[error(transparent)]
    Core(#[from] reprise_core::Error),
    /// Reading or writing audio failed.
    #[error(transparent)]
    Audio(#[from] reprise_io::IoError),
    /// MIDI reading or conversion failed.
    #[error(transparent)]
    Midi(#[from] reprise_midi::MidiError),
    /// No SoundFont was given and none of the usual ones is installed.
    #[error("no SoundFont installed: run `reprise data install` (or `reprise data install minimal` for TimGM6mb only), or pass --soundfont PATH")]
    NoSoundFont,
    /// An operating-system I/O error.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

impl DataError {
    pub(crate) fn invalid(name: &'static str, reason: impl Into<String>) -> Self {
        DataError::Core(reprise_core::invalid(name, reason))
    }
    pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        DataError::Io { path: path.to_owned(), source }
    }
    /// Reads a SoundFont, patch or configuration file: a missing one is a
    /// [`DataError::SoundFont`] saying "no such file", other failures are I/O errors.
    pub(crate) fn read_font_file(path: &std::path::Path) -> Result<Vec<u8>> {
        std::fs::read(path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                DataError::SoundFont { path: path.to_owned(), reason: "no such file".into() }
            } else {
                DataError::io(path, e)
            }
        })
    }
}

/// Result alias for [`DataError`].
pub type Result<T, E = DataError> = std::result::Result<T, E>;
