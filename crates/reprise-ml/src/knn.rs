//! k nearest neighbours with uniform votes and Euclidean distance, as scikit-learn's
//! `KNeighborsClassifier()` (`n_neighbors = 5`, brute force).
//!
//! Ties: among neighbours at equal distance the earlier training row is nearer; among classes
//! with equal votes the lowest class index wins (scikit-learn's `argmax` of the vote counts).

use crate::{check_predict, check_xy, MlError, Result};
use ndarray::{Array2, ArrayView2};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Settings, with scikit-learn's names and defaults.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct KnnConfig {
    /// Neighbours that vote (`n_neighbors`, 5).
    pub n_neighbors: usize,
}

impl Default for KnnConfig {
    fn default() -> Self {
        KnnConfig { n_neighbors: 5 }
    }
}

/// A fitted k-NN classifier: the training set itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Knn {
    /// Neighbours that vote.
    pub n_neighbors: usize,
    /// Training rows.
    pub x: Array2<f64>,
    /// Training labels.
    pub y: Vec<usize>,
    /// Number of classes.
    pub n_classes: usize,
}

impl KnnConfig {
    /// Stores the training set; `n_neighbors` must be between 1 and the number of rows.
    pub fn fit(&self, x: ArrayView2<f64>, y: &[usize], n_classes: usize) -> Result<Knn> {
        check_xy(x, y, n_classes)?;
        if self.n_neighbors == 0 || self.n_neighbors > x.nrows() {
            return Err(MlError::InvalidParameter {
                name: "n_neighbors",
                reason: format!(
                    "must be between 1 and the number of training rows ({}), got {}",
                    x.nrows(),
                    self.n_neighbors
                ),
            });
        }
        Ok(Knn {
            n_neighbors: self.n_neighbors,
            x: x.to_owned(),
            y: y.to_vec(),
            n_classes,
        })
    }
}

impl Knn {
    /// The `n_neighbors` nearest training rows of each row, nearest first, with squared
    /// distances.
    pub fn kneighbors(&self, x: ArrayView2<f64>) -> Result<Vec<Vec<(usize, f64)>>> {
        check_predict(x, self.x.ncols())?;
        let train_sq: Vec<f64> = self.x.rows().into_iter().map(|r| r.dot(&r)).collect();
        let k = self.n_neighbors;
        let cross = x.dot(&self.x.t());
        Ok((0..x.nrows())
            .into_par_iter()
            .map(|r| {
                let (c, xr) = (cross.row(r), x.row(r));
                let xsq = xr.dot(&xr);
                // expanded distances can round below a direct sum; refine candidates exactly
                let mut d: Vec<(f64, usize)> = c
                    .iter()
                    .zip(&train_sq)
                    .enumerate()
                    .map(|(i, (&c, &t))| ((xsq + t - 2.0 * c).max(0.0), i))
                    .collect();
                let cut = (k + 8).min(d.len());
                d.select_nth_unstable_by(cut - 1, |a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                let bound = d[..cut].iter().fold(0.0f64, |m, v| m.max(v.0));
                let slack = 1e-9 * (xsq + bound).max(1e-300);
                let mut cand: Vec<(f64, usize)> = d
                    .iter()
                    .filter(|v| v.0 <= bound + slack)
                    .map(|&(_, i)| {
                        let exact: f64 = xr
                            .iter()
                            .zip(self.x.row(i))
                            .map(|(a, b)| (a - b) * (a - b))
                            .sum();
                        (exact, i)
                    })
                    .collect();
                cand.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                cand.into_iter().take(k).map(|(d, i)| (i, d)).collect()
            })
            .collect())
    }

    /// Majority class among the neighbours of each row.
    pub fn predict(&self, x: ArrayView2<f64>) -> Result<Vec<usize>> {
        Ok(self
            .kneighbors(x)?
            .into_iter()
            .map(|nb| {
                let mut votes = vec![0.0; self.n_classes];
                nb.iter().for_each(|&(i, _)| votes[self.y[i]] += 1.0);
                crate::argmax(&votes)
            })
            .collect())
    }
}
