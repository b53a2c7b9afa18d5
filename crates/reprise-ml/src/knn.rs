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
            return Err(MlError::Core(reprise_core::invalid(
                "n_neighbors",
                format!("must be between 1 and the number of training rows ({}), got {}", x.nrows(), self.n_neighbors),
            )));
        }
        Ok(Knn { n_neighbors: self.n_neighbors, x: x.as_standard_layout().into_owned(), y: y.to_vec(), n_classes })
    }
}

impl Knn {
    /// The `n_neighbors` nearest training rows of each row, nearest first, with squared
    /// distances.
    pub fn kneighbors(&self, x: ArrayView2<f64>) -> Result<Vec<Vec<(usize, f64)>>> {
        check_predict(x, self.x.ncols())?;
        let k = self.n_neighbors;
        let d = self.x.ncols();
        // rows as slices (a model read from disk may not be in standard layout)
        let train = self.x.as_standard_layout();
        let train = train.as_slice().expect("standard layout");
        let query = x.as_standard_layout();
        let query = query.as_slice().expect("standard layout");
        // (by index, so that zero-width rows work too)
        let train_rows: Vec<&[f64]> = (0..self.x.nrows()).map(|i| &train[i * d..(i + 1) * d]).collect();
        let query_rows: Vec<&[f64]> = (0..x.nrows()).map(|i| &query[i * d..(i + 1) * d]).collect();
        let train_sq: Vec<f64> = train_rows.iter().map(|r| sq_norm(r)).collect();
        let cross = x.dot(&self.x.t());
        Ok((0..x.nrows())
            .into_par_iter()
            .map(|r| {
                let (c, xr) = (cross.row(r), query_rows[r]);
                let xsq = sq_norm(xr);
                // expanded distances can round below a direct sum; refine candidates exactly
                let mut d: Vec<(f64, usize)> = c.iter().zip(&train_sq).enumerate().map(|(i, (&c, &t))| ((xsq + t - 2.0 * c).max(0.0), i)).collect();
                let cut = (k + 8).min(d.len());
                d.select_nth_unstable_by(cut - 1, |a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                let bound = d[..cut].iter().fold(0.0f64, |m, v| m.max(v.0));
                let slack = 1e-9 * (xsq + bound).max(1e-300);
                let mut cand: Vec<(f64, usize)> = d.iter().filter(|v| v.0 <= bound + slack).map(|&(_, i)| (sq_dist(xr, train_rows[i]), i)).collect();
                cand.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                cand.into_iter().take(k).map(|(d, i)| (i, d)).collect()
            })
            .collect())
    }

    /// The share of each class among the neighbours of each row, n × K (scikit-learn's
    /// `predict_proba` with uniform weights).
    pub fn predict_proba(&self, x: ArrayView2<f64>) -> Result<Array2<f64>> {
        let nbs = self.kneighbors(x)?;
        let mut p = Array2::zeros((nbs.len(), self.n_classes));
        for (mut row, nb) in p.rows_mut().into_iter().zip(&nbs) {
            nb.iter().for_each(|&(i, _)| row[self.y[i]] += 1.0 / nb.len() as f64);
        }
        Ok(p)
    }

    /// Majority class among the neighbours of each row.
    pub fn predict(&self, x: ArrayView2<f64>) -> Result<Vec<usize>> {
        Ok(crate::argmax_rows(&self.predict_proba(x)?))
    }
}

/// Σ (aᵢ − bᵢ)², in four running sums (one running sum is latency-bound).
fn sq_dist(a: &[f64], b: &[f64]) -> f64 {
    let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
    let tail: f64 = ca.remainder().iter().zip(cb.remainder()).map(|(x, y)| (x - y) * (x - y)).sum();
    let mut acc = [0.0f64; 4];
    for (x, y) in ca.zip(cb) {
        for j in 0..4 {
            let t = x[j] - y[j];
            acc[j] += t * t;
        }
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// Σ aᵢ², as [`sq_dist`].
fn sq_norm(a: &[f64]) -> f64 {
    let c = a.chunks_exact(4);
    let tail: f64 = c.remainder().iter().map(|x| x * x).sum();
    let mut acc = [0.0f64; 4];
    for x in c {
        for j in 0..4 {
            acc[j] += x[j] * x[j];
        }
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_width_rows_tie_everywhere_without_a_panic() {
        let x = Array2::<f64>::zeros((6, 0));
        let knn = KnnConfig { n_neighbors: 3 }.fit(x.view(), &[0, 1, 1, 0, 1, 1], 2).unwrap();
        let nb = knn.kneighbors(Array2::<f64>::zeros((2, 0)).view()).unwrap();
        // every distance is 0: the earliest rows are nearest
        assert_eq!(nb[0], vec![(0, 0.0), (1, 0.0), (2, 0.0)]);
        assert_eq!(knn.predict(Array2::<f64>::zeros((1, 0)).view()).unwrap(), vec![1]);
    }
}
