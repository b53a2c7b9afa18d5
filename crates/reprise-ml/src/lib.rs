//! Classical classifiers with scikit-learn's defaults, for clip-level feature vectors.
//!
//! | module | holds | scikit-learn counterpart |
//! |---|---|---|
//! | [`scale`] | standard scaling | `StandardScaler()` |
//! | [`logistic`] | multinomial logistic regression, L-BFGS, L2, `C = 1` | `LogisticRegression()` |
//! | [`svc`] | RBF support-vector classifier, one-vs-one, libsvm's SMO | `SVC()` |
//! | [`knn`] | k nearest neighbours, `k = 5` | `KNeighborsClassifier()` |
//! | [`forest`] | random forest of Gini trees, bootstrap, √features | `RandomForestClassifier(n_estimators=10)` |
//! | [`model_selection`] | stratified and plain K-fold, shuffled or not | `StratifiedKFold`, `KFold` |
//! | [`metrics`] | accuracy, per-class recall and precision, macro scores, confusion matrix | `sklearn.metrics` |
//! | [`pipeline`] | scaler + classifier + class names, serde-able | `make_pipeline(StandardScaler(), clf)` |
//!
//! Samples are rows of an `f64` matrix; labels are class indices `0..n_classes`. Every
//! configuration's `Default` is scikit-learn's default (the random forest's 10 trees are the
//! seeds' setting; scikit-learn's default is 100). Fitting validates its input and returns
//! [`MlError`] for empty or ragged data, NaN features, labels out of range or a single class.
//! Randomness (forests, shuffled folds) comes from a seed, so results are reproducible on
//! every platform.
#![deny(missing_docs)]
#![allow(clippy::neg_cmp_op_on_partial_ord)]

pub mod error;
pub mod forest;
pub mod knn;
mod lbfgs;
pub mod logistic;
pub mod metrics;
pub mod model_selection;
pub mod pipeline;
pub mod scale;
pub mod svc;

pub use error::{MlError, Result};
pub use forest::{ForestConfig, RandomForest};
pub use knn::{Knn, KnnConfig};
pub use logistic::{LogRegConfig, LogisticRegression};
pub use metrics::ConfusionMatrix;
pub use model_selection::{k_fold, stratified_k_fold, FoldWarning};
pub use pipeline::{ClassifierConfig, ClassifierKind, Model, Pipeline};
pub use scale::StandardScaler;
pub use svc::{Svc, SvcConfig};

use ndarray::ArrayView2;

/// Checks that `x` is non-empty and finite.
pub fn check_finite(x: ArrayView2<f64>, what: &'static str) -> Result<()> {
    if x.nrows() == 0 {
        return Err(MlError::Empty { what });
    }
    for ((row, col), &value) in x.indexed_iter() {
        if !value.is_finite() {
            return Err(MlError::NonFinite { row, col, value });
        }
    }
    Ok(())
}

/// Checks a training set: finite rows, one label per row, labels below `n_classes`, at least
/// two distinct classes present.
pub fn check_xy(x: ArrayView2<f64>, y: &[usize], n_classes: usize) -> Result<()> {
    check_finite(x, "the training matrix")?;
    if y.len() != x.nrows() {
        return Err(MlError::ShapeMismatch { expected: format!("{} labels (one per row)", x.nrows()), got: format!("{} labels", y.len()) });
    }
    if let Some((row, &label)) = y.iter().enumerate().find(|(_, &l)| l >= n_classes) {
        return Err(MlError::BadLabel { row, label, n_classes });
    }
    let mut seen = vec![false; n_classes];
    y.iter().for_each(|&l| seen[l] = true);
    let found = seen.iter().filter(|&&s| s).count();
    if found < 2 {
        return Err(MlError::TooFewClasses { found });
    }
    Ok(())
}

/// Checks that a matrix to predict has `n_features` columns and finite values.
pub(crate) fn check_predict(x: ArrayView2<f64>, n_features: usize) -> Result<()> {
    if x.ncols() != n_features {
        return Err(MlError::ShapeMismatch { expected: format!("{n_features} features per row (as in training)"), got: format!("{}", x.ncols()) });
    }
    check_finite(x, "the matrix to predict")
}

/// The first-maximum column of each row of a probability matrix.
pub(crate) fn argmax_rows(p: &ndarray::Array2<f64>) -> Vec<usize> {
    p.rows().into_iter().map(|r| argmax(r.as_slice().expect("standard layout"))).collect()
}

/// Index of the first maximum (scikit-learn's `argmax` tie rule: the lowest index wins).
pub fn argmax(v: &[f64]) -> usize {
    let mut best = 0;
    for (i, &x) in v.iter().enumerate() {
        if x > v[best] {
            best = i;
        }
    }
    best
}
