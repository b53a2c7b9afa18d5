//! The error type of `reprise-ml`.

/// What can go wrong when fitting or applying a classifier. Every variant says which input
/// must change; none is recoverable by retrying.
#[derive(thiserror::Error, Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum MlError {
    /// No rows to fit or to predict.
    #[error("no samples: {what} is empty")]
    Empty {
        /// Which input, in words.
        what: &'static str,
    },
    /// Arrays whose shapes do not fit together.
    #[error("shape mismatch: expected {expected}, got {got}")]
    ShapeMismatch {
        /// The expected shape, in words.
        expected: String,
        /// The shape that was given.
        got: String,
    },
    /// A NaN or infinite feature value.
    #[error("feature matrix has a non-finite value ({value}) at row {row}, column {col}")]
    NonFinite {
        /// Row (sample) index.
        row: usize,
        /// Column (feature) index.
        col: usize,
        /// The value.
        value: f64,
    },
    /// A label outside `0..n_classes`.
    #[error("label {label} at row {row} is outside 0..{n_classes}")]
    BadLabel {
        /// Row index.
        row: usize,
        /// The label.
        label: usize,
        /// Number of classes.
        n_classes: usize,
    },
    /// Fewer than two classes in the training labels.
    #[error("need at least two classes to fit a classifier, the training labels have {found}")]
    TooFewClasses {
        /// Distinct classes found.
        found: usize,
    },
    /// A parameter outside its valid range, or another error of the shared vocabulary
    /// (`reprise_core::Error::InvalidParameter` says which parameter and what would be valid).
    #[error(transparent)]
    Core(#[from] reprise_core::Error),
}

/// Result alias for [`MlError`].
pub type Result<T, E = MlError> = std::result::Result<T, E>;
