//! Support-vector classification with an RBF kernel, as scikit-learn's `SVC()` (libsvm's
//! C-SVC: `C = 1`, `gamma = "scale"`, `tol = 1e-3`, one-vs-one).
//!
//! For each pair of classes (i, j), i < j, the dual problem
//! `min ½ αᵀQα − Σα  subject to  0 ≤ α ≤ C, Σ y α = 0`, `Q_ab = y_a y_b K(x_a, x_b)`,
//! `K(a, b) = exp(−γ ‖a − b‖²)`, with y = +1 for class i and −1 for class j, is solved by
//! sequential minimal optimisation with second-order working-set selection (Fan, Chen & Lin,
//! "Working set selection using second order information for training SVM", JMLR 2005), the
//! algorithm of libsvm. The pair's decision is `f(x) = Σ y_a α_a K(x_a, x) − ρ`; f > 0 votes
//! for i. The class with most votes wins, the lowest index on a tie, as in libsvm.
//! libsvm's shrinking heuristic is not used: it changes the running time, not the solution.

use crate::{check_predict, check_xy, MlError, Result};
use ndarray::{Array2, ArrayView2};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// The RBF kernel's γ.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Gamma {
    /// `1 / (n_features · Var(X))`, the variance over all entries of the training matrix
    /// (scikit-learn's default, `"scale"`).
    Scale,
    /// `1 / n_features` (`"auto"`).
    Auto,
    /// A given value.
    Value(f64),
}

/// Settings, with scikit-learn's names and defaults.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SvcConfig {
    /// Penalty of margin violations (`C`, 1.0).
    #[serde(rename = "C")]
    pub c: f64,
    /// Kernel width (`gamma`, `"scale"`).
    pub gamma: Gamma,
    /// Stopping tolerance on the KKT violation (`tol`, 1e-3).
    pub tol: f64,
    /// Kernel cache in MB (`cache_size`, 200): pairs whose kernel matrix fits are computed
    /// once, larger ones row by row with this much memory.
    pub cache_size: f64,
}

impl Default for SvcConfig {
    fn default() -> Self {
        SvcConfig { c: 1.0, gamma: Gamma::Scale, tol: 1e-3, cache_size: 200.0 }
    }
}

/// One binary problem of the one-vs-one scheme.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairModel {
    /// The positive class.
    pub i: usize,
    /// The negative class.
    pub j: usize,
    /// `(support-vector index, y α)` for every support vector of this pair.
    pub coef: Vec<(usize, f64)>,
    /// Bias ρ; scikit-learn's `intercept_` is −ρ.
    pub rho: f64,
    /// SMO iterations.
    pub n_iter: usize,
}

/// A fitted support-vector classifier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Svc {
    /// The support vectors, grouped by class in class order (`support_vectors_`).
    pub support_vectors: Array2<f64>,
    /// Their row indices in the training matrix (`support_`).
    pub support: Vec<usize>,
    /// Support vectors per class (`n_support_`).
    pub n_support: Vec<usize>,
    /// One model per pair (0,1), (0,2), …, (1,2), … — libsvm's order.
    pub pairs: Vec<PairModel>,
    /// The γ used.
    pub gamma: f64,
    /// Number of classes.
    pub n_classes: usize,
    /// False when an SMO run hit libsvm's iteration cap (`max(10⁷, 100 l)`).
    pub converged: bool,
}

impl SvcConfig {
    /// Rejects non-positive `C`, `tol`, `gamma` or cache size.
    pub fn validate(&self) -> Result<()> {
        let pos = |name, v: f64| {
            if v > 0.0 && v.is_finite() {
                Ok(())
            } else {
                Err(MlError::Core(reprise_core::invalid(name, format!("must be a positive number, got {v}"))))
            }
        };
        pos("C", self.c)?;
        pos("tol", self.tol)?;
        pos("cache_size", self.cache_size)?;
        if let Gamma::Value(g) = self.gamma {
            pos("gamma", g)?;
        }
        Ok(())
    }

    /// The γ this configuration gives on a training matrix.
    pub fn resolve_gamma(&self, x: ArrayView2<f64>) -> f64 {
        let d = x.ncols() as f64;
        match self.gamma {
            Gamma::Value(g) => g,
            Gamma::Auto => 1.0 / d,
            Gamma::Scale => {
                let n = x.len() as f64;
                let mean = x.sum() / n;
                let var = x.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
                if var > 0.0 {
                    1.0 / (d * var)
                } else {
                    1.0
                }
            }
        }
    }

    /// Fits on rows `x` with labels `y` in `0..n_classes` (every class present).
    pub fn fit(&self, x: ArrayView2<f64>, y: &[usize], n_classes: usize) -> Result<Svc> {
        self.validate()?;
        check_xy(x, y, n_classes)?;
        let gamma = self.resolve_gamma(x);
        let by_class: Vec<Vec<usize>> = (0..n_classes).map(|k| (0..y.len()).filter(|&r| y[r] == k).collect()).collect();
        let sq: Vec<f64> = x.rows().into_iter().map(|r| r.dot(&r)).collect();
        let pair_list: Vec<(usize, usize)> = (0..n_classes).flat_map(|i| (i + 1..n_classes).map(move |j| (i, j))).collect();
        let solved: Vec<PairSolution> = pair_list
            .par_iter()
            .map(|&(i, j)| {
                let rows: Vec<usize> = by_class[i].iter().chain(&by_class[j]).copied().collect();
                let ys: Vec<f64> = rows.iter().map(|&r| if y[r] == i { 1.0 } else { -1.0 }).collect();
                let kernel = |a: usize, b: usize| {
                    let (ra, rb) = (rows[a], rows[b]);
                    let d2 = sq[ra] + sq[rb] - 2.0 * x.row(ra).dot(&x.row(rb));
                    (-gamma * d2.max(0.0)).exp()
                };
                let s = smo(&ys, kernel, self.c, self.tol, self.cache_size);
                let coef = rows.iter().zip(&ys).zip(&s.alpha).filter(|(_, &a)| a > 0.0).map(|((&r, &yv), &a)| (r, yv * a)).collect();
                PairSolution { coef, rho: s.rho, n_iter: s.n_iter, converged: s.converged }
            })
            .collect();
        // support vectors: training rows with a non-zero α in any pair, grouped by class
        let mut is_sv = vec![false; y.len()];
        solved.iter().flat_map(|s| &s.coef).for_each(|&(r, _)| is_sv[r] = true);
        let support: Vec<usize> = by_class.iter().flatten().copied().filter(|&r| is_sv[r]).collect();
        let n_support = by_class.iter().map(|rows| rows.iter().filter(|&&r| is_sv[r]).count()).collect();
        let mut position = vec![usize::MAX; y.len()];
        support.iter().enumerate().for_each(|(p, &r)| position[r] = p);
        let support_vectors = x.select(ndarray::Axis(0), &support);
        let converged = solved.iter().all(|s| s.converged);
        let pairs = pair_list
            .into_iter()
            .zip(solved)
            .map(|((i, j), s)| PairModel { i, j, coef: s.coef.into_iter().map(|(r, c)| (position[r], c)).collect(), rho: s.rho, n_iter: s.n_iter })
            .collect();
        Ok(Svc { support_vectors, support, n_support, pairs, gamma, n_classes, converged })
    }
}

impl Svc {
    /// Pairwise decision values, n × K(K−1)/2, in libsvm's pair order (scikit-learn's
    /// `decision_function` with `decision_function_shape="ovo"`).
    pub fn decision_function_ovo(&self, x: ArrayView2<f64>) -> Result<Array2<f64>> {
        check_predict(x, self.support_vectors.ncols())?;
        let sv_sq: Vec<f64> = self.support_vectors.rows().into_iter().map(|r| r.dot(&r)).collect();
        let mut k = x.dot(&self.support_vectors.t());
        for (mut row, xr) in k.rows_mut().into_iter().zip(x.rows()) {
            let xsq = xr.dot(&xr);
            for (v, &s) in row.iter_mut().zip(&sv_sq) {
                *v = (-self.gamma * (xsq + s - 2.0 * *v).max(0.0)).exp();
            }
        }
        let mut out = Array2::zeros((x.nrows(), self.pairs.len()));
        for (p, pair) in self.pairs.iter().enumerate() {
            for (n, krow) in k.rows().into_iter().enumerate() {
                out[[n, p]] = pair.coef.iter().map(|&(s, c)| c * krow[s]).sum::<f64>() - pair.rho;
            }
        }
        Ok(out)
    }

    /// Each class's share of the one-vs-one votes of each row, n × K (summing to 1; not
    /// a probability: scikit-learn's `predict_proba` needs Platt scaling, not fitted here).
    pub fn vote_shares(&self, x: ArrayView2<f64>) -> Result<Array2<f64>> {
        let dec = self.decision_function_ovo(x)?;
        let mut out = Array2::zeros((x.nrows(), self.n_classes));
        let share = 1.0 / self.pairs.len().max(1) as f64;
        for (mut votes, row) in out.rows_mut().into_iter().zip(dec.rows()) {
            for (pair, &v) in self.pairs.iter().zip(row) {
                votes[if v > 0.0 { pair.i } else { pair.j }] += share;
            }
        }
        Ok(out)
    }

    /// One-vs-one vote of each row.
    pub fn predict(&self, x: ArrayView2<f64>) -> Result<Vec<usize>> {
        Ok(crate::argmax_rows(&self.vote_shares(x)?))
    }
}

/// A pair's solution with training-row indices.
struct PairSolution {
    coef: Vec<(usize, f64)>,
    rho: f64,
    n_iter: usize,
    converged: bool,
}

struct SmoSolution {
    alpha: Vec<f64>,
    rho: f64,
    n_iter: usize,
    converged: bool,
}

/// Rows of Q = y yᵀ ∘ K: the whole matrix when it fits in `cache_mb`, else the most recently
/// used rows.
struct QRows<'a, K: Fn(usize, usize) -> f64> {
    y: &'a [f64],
    kernel: K,
    rows: Vec<Option<Vec<f64>>>,
    order: VecDeque<usize>,
    max_rows: usize,
}

impl<K: Fn(usize, usize) -> f64> QRows<'_, K> {
    fn ensure(&mut self, a: usize) {
        if self.rows[a].is_some() {
            return;
        }
        if self.order.len() >= self.max_rows {
            if let Some(old) = self.order.pop_front() {
                self.rows[old] = None;
            }
        }
        let l = self.y.len();
        self.rows[a] = Some((0..l).map(|b| self.y[a] * self.y[b] * (self.kernel)(a, b)).collect());
        self.order.push_back(a);
    }

    fn row(&self, a: usize) -> &[f64] {
        self.rows[a].as_deref().expect("ensured")
    }
}

/// libsvm's SMO with second-order working-set selection, without shrinking.
fn smo(y: &[f64], kernel: impl Fn(usize, usize) -> f64, c: f64, eps: f64, cache_mb: f64) -> SmoSolution {
    const TAU: f64 = 1e-12;
    let l = y.len();
    let max_rows = ((cache_mb * 1024.0 * 1024.0 / (8.0 * l as f64)) as usize).clamp(2, l.max(2));
    let qd: Vec<f64> = (0..l).map(|a| kernel(a, a)).collect();
    let mut q = QRows { y, kernel, rows: vec![None; l], order: VecDeque::new(), max_rows };
    let mut alpha = vec![0.0; l];
    let mut g = vec![-1.0; l];
    let max_iter = 10_000_000usize.max(100 * l);
    let upper = |a: f64| a >= c;
    let lower = |a: f64| a <= 0.0;
    let mut n_iter = 0;
    let mut converged = false;
    while n_iter < max_iter {
        // i: the most violating index in the "up" set
        let mut gmax = f64::NEG_INFINITY;
        let mut i = usize::MAX;
        for t in 0..l {
            if y[t] > 0.0 {
                if !upper(alpha[t]) && -g[t] >= gmax {
                    gmax = -g[t];
                    i = t;
                }
            } else if !lower(alpha[t]) && g[t] >= gmax {
                gmax = g[t];
                i = t;
            }
        }
        // j: the index of the "low" set giving the largest second-order decrease
        let mut gmax2 = f64::NEG_INFINITY;
        let mut j = usize::MAX;
        let mut obj_min = f64::INFINITY;
        if i != usize::MAX {
            q.ensure(i);
        }
        let qi = if i != usize::MAX { Some(q.row(i)) } else { None };
        for t in 0..l {
            let Some(qi) = qi else { break };
            let (grad_diff, quad) = if y[t] > 0.0 {
                if lower(alpha[t]) {
                    continue;
                }
                gmax2 = gmax2.max(g[t]);
                (gmax + g[t], qd[i] + qd[t] - 2.0 * y[i] * qi[t])
            } else {
                if upper(alpha[t]) {
                    continue;
                }
                gmax2 = gmax2.max(-g[t]);
                (gmax - g[t], qd[i] + qd[t] + 2.0 * y[i] * qi[t])
            };
            if grad_diff > 0.0 {
                let obj = -(grad_diff * grad_diff) / if quad > 0.0 { quad } else { TAU };
                if obj <= obj_min {
                    j = t;
                    obj_min = obj;
                }
            }
        }
        if gmax + gmax2 < eps || j == usize::MAX {
            converged = true;
            break;
        }
        n_iter += 1;
        q.ensure(j);
        q.ensure(i);
        let (qi, qj) = (q.row(i), q.row(j));
        let (old_i, old_j) = (alpha[i], alpha[j]);
        if y[i] != y[j] {
            let quad = qd[i] + qd[j] + 2.0 * qi[j];
            let delta = (-g[i] - g[j]) / if quad > 0.0 { quad } else { TAU };
            let diff = alpha[i] - alpha[j];
            alpha[i] += delta;
            alpha[j] += delta;
            if diff > 0.0 {
                if alpha[j] < 0.0 {
                    alpha[j] = 0.0;
                    alpha[i] = diff;
                }
            } else if alpha[i] < 0.0 {
                alpha[i] = 0.0;
                alpha[j] = -diff;
            }
            if diff > 0.0 {
                if alpha[i] > c {
                    alpha[i] = c;
                    alpha[j] = c - diff;
                }
            } else if alpha[j] > c {
                alpha[j] = c;
                alpha[i] = c + diff;
            }
        } else {
            let quad = qd[i] + qd[j] - 2.0 * qi[j];
            let delta = (g[i] - g[j]) / if quad > 0.0 { quad } else { TAU };
            let sum = alpha[i] + alpha[j];
            alpha[i] -= delta;
            alpha[j] += delta;
            if sum > c {
                if alpha[i] > c {
                    alpha[i] = c;
                    alpha[j] = sum - c;
                }
            } else if alpha[j] < 0.0 {
                alpha[j] = 0.0;
                alpha[i] = sum;
            }
            if sum > c {
                if alpha[j] > c {
                    alpha[j] = c;
                    alpha[i] = sum - c;
                }
            } else if alpha[i] < 0.0 {
                alpha[i] = 0.0;
                alpha[j] = sum;
            }
        }
        let (di, dj) = (alpha[i] - old_i, alpha[j] - old_j);
        for t in 0..l {
            g[t] += qi[t] * di + qj[t] * dj;
        }
    }
    // ρ: mean of y∇f over free vectors, else the middle of the feasible interval
    let (mut ub, mut lb, mut sum_free, mut n_free) = (f64::INFINITY, f64::NEG_INFINITY, 0.0, 0usize);
    for t in 0..l {
        let yg = y[t] * g[t];
        if upper(alpha[t]) {
            if y[t] < 0.0 {
                ub = ub.min(yg)
            } else {
                lb = lb.max(yg)
            }
        } else if lower(alpha[t]) {
            if y[t] > 0.0 {
                ub = ub.min(yg)
            } else {
                lb = lb.max(yg)
            }
        } else {
            n_free += 1;
            sum_free += yg;
        }
    }
    let rho = if n_free > 0 { sum_free / n_free as f64 } else { (ub + lb) / 2.0 };
    SmoSolution { alpha, rho, n_iter, converged }
}
