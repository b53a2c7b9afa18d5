//! Standard scaling: `(x − mean) / std` per feature, as scikit-learn's `StandardScaler()`.

use crate::{check_finite, check_predict, Result};
use ndarray::{Array1, Array2, ArrayView2, Axis};
use serde::{Deserialize, Serialize};

/// Per-feature mean and standard deviation of a training matrix.
///
/// The deviation is the population one (`ddof = 0`). A feature whose deviation is zero (or
/// below rounding noise) gets scale 1, so that it is centred but not blown up, as in
/// scikit-learn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StandardScaler {
    /// Mean of each feature (`mean_`).
    pub mean: Array1<f64>,
    /// Divisor of each feature (`scale_`).
    pub scale: Array1<f64>,
}

impl StandardScaler {
    /// Learns the mean and scale of each column.
    pub fn fit(x: ArrayView2<f64>) -> Result<Self> {
        check_finite(x, "the training matrix")?;
        let n = x.nrows() as f64;
        let mean = x.mean_axis(Axis(0)).expect("non-empty");
        let mut var = Array1::<f64>::zeros(x.ncols());
        for row in x.rows() {
            for ((v, &a), &m) in var.iter_mut().zip(row).zip(&mean) {
                *v += (a - m) * (a - m);
            }
        }
        let scale = var
            .iter()
            .zip(&mean)
            .map(|(&v, &m)| {
                let v = v / n;
                // rounding noise of the variance of a constant column is about eps·mean²
                if v <= 10.0 * f64::EPSILON * (m * m).max(f64::MIN_POSITIVE) {
                    1.0
                } else {
                    v.sqrt()
                }
            })
            .collect();
        Ok(StandardScaler { mean, scale })
    }

    /// Number of features it was fitted on.
    pub fn n_features(&self) -> usize {
        self.mean.len()
    }

    /// Scales rows: `(x − mean) / scale`.
    pub fn transform(&self, x: ArrayView2<f64>) -> Result<Array2<f64>> {
        check_predict(x, self.n_features())?;
        let mut out = x.as_standard_layout().into_owned();
        let (mean, scale) = (self.mean.as_slice().expect("1-D"), self.scale.as_slice().expect("1-D"));
        for row in out.as_slice_mut().expect("standard layout").chunks_exact_mut(mean.len().max(1)) {
            for ((v, m), s) in row.iter_mut().zip(mean).zip(scale) {
                *v = (*v - m) / s;
            }
        }
        Ok(out)
    }
}
