//! Logistic regression with an L2 penalty, fitted by L-BFGS, as scikit-learn's
//! `LogisticRegression()` (solver `lbfgs`, `C = 1`, `max_iter = 100`, `tol = 1e-4`).
//!
//! With K ≥ 3 classes the model is multinomial: `P(k | x) = softmax(W x + b)_k` with W of
//! shape K × d. With two classes it is binomial, one weight vector w and
//! `P(1 | x) = σ(w·x + b)`, exactly as scikit-learn parameterises it (the two are not the same
//! penalised problem). The objective is
//!
//! `(1/n) Σ_i −log P(y_i | x_i) + ‖W‖² / (2 C n)`,
//!
//! the intercepts unpenalised. The minimiser is scikit-learn's; the stopping rules are SciPy's
//! L-BFGS-B rules with scikit-learn's settings, so the coefficients agree to about `tol`.

use crate::lbfgs::{minimize, LbfgsOptions};
use crate::{check_predict, check_xy, MlError, Result};
use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis};
use serde::{Deserialize, Serialize};

/// Settings, with scikit-learn's names and defaults.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LogRegConfig {
    /// Inverse regularisation strength (`C`, 1.0); larger fits the training data more closely.
    #[serde(rename = "C")]
    pub c: f64,
    /// Maximum L-BFGS iterations (100).
    pub max_iter: usize,
    /// Stop when the largest gradient component is below this (1e-4).
    pub tol: f64,
}

impl Default for LogRegConfig {
    fn default() -> Self {
        LogRegConfig { c: 1.0, max_iter: 100, tol: 1e-4 }
    }
}

impl LogRegConfig {
    /// Rejects a non-positive `C`, a zero `max_iter` or a non-positive `tol`.
    pub fn validate(&self) -> Result<()> {
        if !(self.c > 0.0) || !self.c.is_finite() {
            return Err(MlError::Core(reprise_core::invalid("C", format!("must be a positive number, got {}", self.c))));
        }
        if self.max_iter == 0 {
            return Err(MlError::Core(reprise_core::invalid("max_iter", "must be at least 1")));
        }
        if !(self.tol > 0.0) {
            return Err(MlError::Core(reprise_core::invalid("tol", format!("must be positive, got {}", self.tol))));
        }
        Ok(())
    }

    /// Fits on rows `x` with labels `y` in `0..n_classes`.
    pub fn fit(&self, x: ArrayView2<f64>, y: &[usize], n_classes: usize) -> Result<LogisticRegression> {
        self.validate()?;
        check_xy(x, y, n_classes)?;
        let d = x.ncols();
        let k = if n_classes == 2 { 1 } else { n_classes };
        let objective = |p: &[f64], grad: &mut [f64]| objective(x, y, n_classes, self.c, p, grad);
        let opts = LbfgsOptions { max_iter: self.max_iter, gtol: self.tol, ..Default::default() };
        let r = minimize(objective, vec![0.0; k * d + k], opts);
        let coef = Array2::from_shape_vec((k, d), r.x[..k * d].to_vec()).expect("sized");
        let intercept = Array1::from(r.x[k * d..].to_vec());
        Ok(LogisticRegression { coef, intercept, n_classes, n_iter: r.n_iter, converged: r.converged })
    }
}

/// The penalised mean log-loss at parameters `p` (W row-major, then b) and its gradient,
/// written into `grad`. Public for gradient checks.
pub fn objective(x: ArrayView2<f64>, y: &[usize], n_classes: usize, c: f64, p: &[f64], grad: &mut [f64]) -> f64 {
    let (n, d) = x.dim();
    let binary = n_classes == 2;
    let k = if binary { 1 } else { n_classes };
    let l2 = 1.0 / (c * n as f64);
    let inv_n = 1.0 / n as f64;
    let w = ArrayView2::from_shape((k, d), &p[..k * d]).expect("sized");
    let b = ArrayView1::from(&p[k * d..]);
    let mut z = x.dot(&w.t());
    z += &b;
    let mut loss = 0.0;
    // z becomes the derivative of the loss with respect to the logits
    if binary {
        for (zi, &yi) in z.column_mut(0).iter_mut().zip(y) {
            let t = if yi == 1 { 1.0 } else { 0.0 };
            // −log σ(±z) computed stably
            let s = if t == 1.0 { -*zi } else { *zi };
            loss += if s > 0.0 { s + (-s).exp().ln_1p() } else { s.exp().ln_1p() };
            *zi = sigmoid(*zi) - t;
        }
    } else {
        for (mut zi, &yi) in z.rows_mut().into_iter().zip(y) {
            let m = zi.fold(f64::NEG_INFINITY, |a, &b| a.max(b));
            let mut sum = 0.0;
            zi.iter_mut().for_each(|v| {
                *v = (*v - m).exp();
                sum += *v;
            });
            loss -= (zi[yi] / sum).ln();
            zi.iter_mut().for_each(|v| *v /= sum);
            zi[yi] -= 1.0;
        }
    }
    let gw = z.t().dot(&x);
    let (gw_out, gb_out) = grad.split_at_mut(k * d);
    let mut reg = 0.0;
    for ((g, &a), &wv) in gw_out.iter_mut().zip(gw.iter()).zip(w.iter()) {
        *g = a * inv_n + l2 * wv;
        reg += wv * wv;
    }
    for (g, s) in gb_out.iter_mut().zip(z.sum_axis(Axis(0))) {
        *g = s * inv_n;
    }
    loss * inv_n + 0.5 * l2 * reg
}

/// A fitted logistic regression.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogisticRegression {
    /// Weights (`coef_`): K × d, or 1 × d for two classes.
    pub coef: Array2<f64>,
    /// Intercepts (`intercept_`): K, or 1 for two classes.
    pub intercept: Array1<f64>,
    /// Number of classes.
    pub n_classes: usize,
    /// L-BFGS iterations run (`n_iter_`).
    pub n_iter: usize,
    /// False when `max_iter` was reached first (scikit-learn's `ConvergenceWarning`).
    pub converged: bool,
}

fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

impl LogisticRegression {
    /// Class probabilities, n × K (`predict_proba`).
    pub fn predict_proba(&self, x: ArrayView2<f64>) -> Result<Array2<f64>> {
        check_predict(x, self.coef.ncols())?;
        let mut z = x.dot(&self.coef.t());
        z += &self.intercept;
        if self.n_classes == 2 {
            let mut p = Array2::zeros((x.nrows(), 2));
            for (i, &zi) in z.column(0).iter().enumerate() {
                let s = sigmoid(zi);
                p[[i, 0]] = 1.0 - s;
                p[[i, 1]] = s;
            }
            return Ok(p);
        }
        for mut row in z.rows_mut() {
            let m = row.fold(f64::NEG_INFINITY, |a, &b| a.max(b));
            row.mapv_inplace(|v| (v - m).exp());
            let s = row.sum();
            row.mapv_inplace(|v| v / s);
        }
        Ok(z)
    }

    /// Most probable class of each row.
    pub fn predict(&self, x: ArrayView2<f64>) -> Result<Vec<usize>> {
        Ok(crate::argmax_rows(&self.predict_proba(x)?))
    }
}
