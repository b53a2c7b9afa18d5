//! A limited-memory BFGS minimiser (Nocedal & Wright, *Numerical Optimization*, 2nd ed.,
//! algorithms 7.4, 7.5 and the strong-Wolfe line search 3.5/3.6), with the stopping rules of
//! SciPy's L-BFGS-B as scikit-learn calls it: projected-gradient ∞-norm ≤ `gtol`, or relative
//! decrease of the objective ≤ `ftol`, or `max_iter` iterations.

/// Settings; `Default` is what scikit-learn's `LogisticRegression(solver="lbfgs")` passes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LbfgsOptions {
    /// Maximum iterations (`max_iter`, 100).
    pub max_iter: usize,
    /// Pairs kept (`maxcor`, 10).
    pub m: usize,
    /// Gradient tolerance (`tol`, 1e-4).
    pub gtol: f64,
    /// Relative objective decrease tolerance (64 · machine epsilon).
    pub ftol: f64,
    /// Function evaluations per line search (`maxls`, 50).
    pub max_ls: usize,
}

impl Default for LbfgsOptions {
    fn default() -> Self {
        LbfgsOptions { max_iter: 100, m: 10, gtol: 1e-4, ftol: 64.0 * f64::EPSILON, max_ls: 50 }
    }
}

/// Outcome of a minimisation.
#[derive(Debug, Clone)]
pub(crate) struct LbfgsResult {
    pub x: Vec<f64>,
    pub n_iter: usize,
    /// False when `max_iter` was reached or the line search failed.
    pub converged: bool,
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn inf_norm(a: &[f64]) -> f64 {
    a.iter().fold(0.0, |m, v| m.max(v.abs()))
}

/// Minimises `fg`, which returns f(x) and writes ∇f(x) into its second argument.
pub(crate) fn minimize(mut fg: impl FnMut(&[f64], &mut [f64]) -> f64, x0: Vec<f64>, opts: LbfgsOptions) -> LbfgsResult {
    let n = x0.len();
    let mut x = x0;
    let mut g = vec![0.0; n];
    let mut f = fg(&x, &mut g);
    let mut s_hist: Vec<Vec<f64>> = Vec::new();
    let mut y_hist: Vec<Vec<f64>> = Vec::new();
    let mut rho_hist: Vec<f64> = Vec::new();
    if inf_norm(&g) <= opts.gtol {
        return LbfgsResult { x, n_iter: 0, converged: true };
    }
    let mut d = vec![0.0; n];
    let mut alpha = vec![0.0; opts.m];
    for iter in 0..opts.max_iter {
        // two-loop recursion: d = −H·g
        d.iter_mut().zip(&g).for_each(|(d, g)| *d = -g);
        let k = s_hist.len();
        for i in (0..k).rev() {
            alpha[i] = rho_hist[i] * dot(&s_hist[i], &d);
            d.iter_mut().zip(&y_hist[i]).for_each(|(d, y)| *d -= alpha[i] * y);
        }
        if k > 0 {
            let gamma = dot(&s_hist[k - 1], &y_hist[k - 1]) / dot(&y_hist[k - 1], &y_hist[k - 1]);
            d.iter_mut().for_each(|d| *d *= gamma);
        }
        for i in 0..k {
            let beta = rho_hist[i] * dot(&y_hist[i], &d);
            d.iter_mut().zip(&s_hist[i]).for_each(|(d, s)| *d += (alpha[i] - beta) * s);
        }
        let mut dg = dot(&d, &g);
        if !(dg < 0.0) {
            // not a descent direction (rounding): restart from steepest descent
            s_hist.clear();
            y_hist.clear();
            rho_hist.clear();
            d.iter_mut().zip(&g).for_each(|(d, g)| *d = -g);
            dg = dot(&d, &g);
        }
        // SciPy's first step is 1/‖d‖, later ones 1
        let step0 = if iter == 0 || k == 0 { 1.0 / dot(&d, &d).sqrt() } else { 1.0 };
        let Some((step, f_new, g_new)) = line_search(&mut fg, &x, f, dg, &d, step0, opts.max_ls) else {
            return LbfgsResult { x, n_iter: iter, converged: false };
        };
        let s: Vec<f64> = d.iter().map(|d| step * d).collect();
        let y: Vec<f64> = g_new.iter().zip(&g).map(|(a, b)| a - b).collect();
        x.iter_mut().zip(&s).for_each(|(x, s)| *x += s);
        let f_old = f;
        f = f_new;
        g = g_new;
        let sy = dot(&s, &y);
        if sy > f64::EPSILON * dot(&y, &y) {
            if s_hist.len() == opts.m {
                s_hist.remove(0);
                y_hist.remove(0);
                rho_hist.remove(0);
            }
            s_hist.push(s);
            y_hist.push(y);
            rho_hist.push(1.0 / sy);
        }
        if inf_norm(&g) <= opts.gtol || (f_old - f) / f_old.abs().max(f.abs()).max(1.0) <= opts.ftol {
            return LbfgsResult { x, n_iter: iter + 1, converged: true };
        }
    }
    LbfgsResult { x, n_iter: opts.max_iter, converged: false }
}

/// Strong-Wolfe line search along `d` (c1 = 1e-3 and c2 = 0.9, MINPACK-2's values in SciPy).
/// Returns the step, f and ∇f there, or `None` if no acceptable step was found.
#[allow(clippy::type_complexity)]
fn line_search(
    fg: &mut impl FnMut(&[f64], &mut [f64]) -> f64,
    x: &[f64],
    f0: f64,
    dg0: f64,
    d: &[f64],
    step0: f64,
    max_ls: usize,
) -> Option<(f64, f64, Vec<f64>)> {
    const C1: f64 = 1e-3;
    const C2: f64 = 0.9;
    let n = x.len();
    let mut xt = vec![0.0; n];
    let mut gt = vec![0.0; n];
    let mut eval = |t: f64, xt: &mut Vec<f64>, gt: &mut Vec<f64>| -> (f64, f64) {
        xt.iter_mut().zip(x).zip(d).for_each(|((xt, x), d)| *xt = x + t * d);
        let f = fg(xt, gt);
        (f, dot(gt, d))
    };
    // bracket: (lo, f_lo, dg_lo) always satisfies the sufficient-decrease condition
    let (mut lo, mut f_lo, mut dg_lo) = (0.0, f0, dg0);
    let mut hi: Option<(f64, f64, f64)> = None;
    let mut t = step0;
    for _ in 0..max_ls {
        let (ft, dgt) = eval(t, &mut xt, &mut gt);
        if !ft.is_finite() {
            hi = Some((t, f64::INFINITY, 0.0));
        } else if ft > f0 + C1 * t * dg0 || ft >= f_lo {
            hi = Some((t, ft, dgt));
        } else if dgt.abs() <= -C2 * dg0 {
            return Some((t, ft, gt));
        } else {
            // the minimiser lies between t and the old lo when the slope points back there
            let flip = match hi {
                Some((th, _, _)) => dgt * (th - lo) >= 0.0,
                None => dgt >= 0.0,
            };
            if flip {
                hi = Some((lo, f_lo, dg_lo));
            }
            lo = t;
            f_lo = ft;
            dg_lo = dgt;
        }
        t = match hi {
            // zoom: cubic interpolation between lo and hi, kept inside the bracket
            Some((th, fh, dgh)) => {
                let (a, b) = (lo.min(th), lo.max(th));
                let c = if fh.is_finite() { cubic_min(lo, f_lo, dg_lo, th, fh, dgh) } else { f64::NAN };
                let w = b - a;
                if c.is_finite() && c > a + 0.1 * w && c < b - 0.1 * w {
                    c
                } else {
                    0.5 * (a + b)
                }
            }
            // no bracket yet: extrapolate
            None => t * 4.0,
        };
        if let Some((th, _, _)) = hi {
            if (th - lo).abs() <= f64::EPSILON * lo.abs().max(1e-300) {
                break;
            }
        }
    }
    // accept the best point with sufficient decrease, if any
    if lo > 0.0 {
        let (f, _) = eval(lo, &mut xt, &mut gt);
        return Some((lo, f, gt));
    }
    None
}

/// Minimiser of the cubic through (a, fa, da) and (b, fb, db).
fn cubic_min(a: f64, fa: f64, da: f64, b: f64, fb: f64, db: f64) -> f64 {
    let d1 = da + db - 3.0 * (fa - fb) / (a - b);
    let disc = d1 * d1 - da * db;
    if disc < 0.0 {
        return f64::NAN;
    }
    let d2 = (b - a).signum() * disc.sqrt();
    b - (b - a) * (db + d2 - d1) / (db - da + 2.0 * d2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimises_rosenbrock() {
        let rosen = |x: &[f64], g: &mut [f64]| {
            let (a, b) = (x[0], x[1]);
            g[0] = -2.0 * (1.0 - a) - 400.0 * a * (b - a * a);
            g[1] = 200.0 * (b - a * a);
            (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2)
        };
        let r = minimize(rosen, vec![-1.2, 1.0], LbfgsOptions { max_iter: 200, gtol: 1e-8, ..Default::default() });
        assert!(r.converged, "{r:?}");
        assert!((r.x[0] - 1.0).abs() < 1e-5 && (r.x[1] - 1.0).abs() < 1e-5, "{:?}", r.x);
    }

    #[test]
    fn minimises_an_ill_conditioned_quadratic() {
        let scales = [1.0, 10.0, 100.0, 1e3, 1e4];
        let quad = |x: &[f64], g: &mut [f64]| {
            let mut f = 0.0;
            for i in 0..5 {
                g[i] = scales[i] * (x[i] - i as f64);
                f += 0.5 * scales[i] * (x[i] - i as f64).powi(2);
            }
            f
        };
        let r = minimize(quad, vec![0.0; 5], LbfgsOptions { max_iter: 200, gtol: 1e-9, ..Default::default() });
        assert!(r.converged);
        for (i, x) in r.x.iter().enumerate() {
            assert!((x - i as f64).abs() < 1e-8, "{:?}", r.x);
        }
    }
}
