//! Mel inversion: `librosa.feature.inverse.mel_to_stft` (non-negative least squares)
//! and `mel_to_audio` (then Griffin-Lim).

use crate::filters::{check_rows, map_frames, MelFilterBank};
use crate::griffinlim::{griffinlim, GriffinLimConfig};
use crate::mel::MelConfig;
use ndarray::{Array2, ArrayView2};
use reprise_core::{invalid, Result};

/// Iterations of the projected-gradient NNLS solver per frame.
pub const NNLS_ITERATIONS: usize = 300;

/// Approximates the linear-frequency `|STFT|` whose mel projection is `mel`
/// (`(n_mels, n_frames)`, computed with `config`): per frame, the non-negative
/// least-squares solution of `M x = m`, raised to `1/power`.
///
/// The solver is accelerated projected gradient (FISTA) started from
/// `max(0, Mᵀ(MMᵀ)⁻¹m)`, run for [`NNLS_ITERATIONS`] iterations; librosa uses
/// L-BFGS-B from the same start. Both reach the same objective up to solver tolerance,
/// but the problem is under-determined, so the solutions need not be equal.
pub fn mel_to_stft(mel: ArrayView2<f32>, config: &MelConfig) -> Result<Array2<f32>> {
    let bank = MelFilterBank::new(&config.filters())?;
    check_rows(mel.nrows(), bank.n_mels())?;
    if let Some(i) = mel.iter().position(|v| !v.is_finite() || *v < 0.0) {
        return Err(invalid("mel", format!("value at flat index {i} is negative or not finite; pass a power (not dB) spectrogram")));
    }
    let a = bank.to_array().mapv(|v| v as f64); // (m, f)
    let (m, f) = a.dim();
    // pseudo-inverse rows: Aᵀ (A Aᵀ + εI)⁻¹, by Cholesky of the small m×m Gram matrix
    let mut gram = a.dot(&a.t());
    let ridge = 1e-10 * (0..m).map(|i| gram[[i, i]]).fold(0.0, f64::max).max(f64::MIN_POSITIVE);
    for i in 0..m {
        gram[[i, i]] += ridge;
    }
    let chol = cholesky(&gram)?;
    // Lipschitz constant of x ↦ Aᵀ(Ax − b): largest eigenvalue of AAᵀ, by power iteration
    let lipschitz = largest_eigenvalue(&gram);
    let step = 1.0 / lipschitz;
    let inv_power = 1.0 / config.power as f64;
    let bands: Vec<(usize, Vec<f64>)> = bank.bands().map(|(s, w)| (s, w.iter().map(|v| *v as f64).collect())).collect();
    let out = map_frames(mel, f, |b, out| {
        let b: Vec<f64> = b.iter().map(|v| *v as f64).collect();
        let z = cholesky_solve(&chol, &b);
        let mut x: Vec<f64> = (0..f).map(|k| (0..m).map(|i| a[[i, k]] * z[i]).sum::<f64>().max(0.0)).collect();
        let mut y = x.clone();
        let mut t = 1.0f64;
        let mut r = vec![0.0f64; m];
        let mut g = vec![0.0f64; f];
        for _ in 0..NNLS_ITERATIONS {
            // r = A y − b and g = Aᵀ r, on the sparse bands
            for ((ri, (start, w)), bi) in r.iter_mut().zip(&bands).zip(&b) {
                *ri = w.iter().zip(&y[*start..]).map(|(p, q)| p * q).sum::<f64>() - bi;
            }
            g.iter_mut().for_each(|v| *v = 0.0);
            for (ri, (start, w)) in r.iter().zip(&bands) {
                for (gk, p) in g[*start..].iter_mut().zip(w) {
                    *gk += p * ri;
                }
            }
            let t_next = (1.0 + (1.0 + 4.0 * t * t).sqrt()) / 2.0;
            let beta = (t - 1.0) / t_next;
            for k in 0..f {
                let x_new = (y[k] - step * g[k]).max(0.0);
                y[k] = x_new + beta * (x_new - x[k]);
                x[k] = x_new;
            }
            t = t_next;
        }
        for (o, v) in out.iter_mut().zip(&x) {
            *o = v.powf(inv_power) as f32;
        }
    });
    Ok(out)
}

/// `librosa.feature.inverse.mel_to_audio`: [`mel_to_stft`] then [`griffinlim`].
pub fn mel_to_audio(mel: ArrayView2<f32>, config: &MelConfig, gl: &GriffinLimConfig, length: Option<usize>) -> Result<Vec<f32>> {
    let s = mel_to_stft(mel, config)?;
    griffinlim(s.view(), &GriffinLimConfig { stft: config.stft, ..*gl }, length)
}

fn cholesky(a: &Array2<f64>) -> Result<Array2<f64>> {
    let n = a.nrows();
    let mut l = Array2::<f64>::zeros((n, n));
    for i in 0..n {
        for j in 0..=i {
            let s: f64 = (0..j).map(|k| l[[i, k]] * l[[j, k]]).sum();
            if i == j {
                let d = a[[i, i]] - s;
                if d <= 0.0 {
                    return Err(invalid("n_mels", "mel filter bank is rank-deficient; lower n_mels"));
                }
                l[[i, j]] = d.sqrt();
            } else {
                l[[i, j]] = (a[[i, j]] - s) / l[[j, j]];
            }
        }
    }
    Ok(l)
}

fn cholesky_solve(l: &Array2<f64>, b: &[f64]) -> Vec<f64> {
    let n = b.len();
    let mut y = vec![0.0; n];
    for i in 0..n {
        y[i] = (b[i] - (0..i).map(|k| l[[i, k]] * y[k]).sum::<f64>()) / l[[i, i]];
    }
    let mut x = vec![0.0; n];
    for i in (0..n).rev() {
        x[i] = (y[i] - (i + 1..n).map(|k| l[[k, i]] * x[k]).sum::<f64>()) / l[[i, i]];
    }
    x
}

fn largest_eigenvalue(a: &Array2<f64>) -> f64 {
    let n = a.nrows();
    let mut v = vec![1.0 / (n as f64).sqrt(); n];
    let mut lambda = 0.0;
    for _ in 0..100 {
        let w: Vec<f64> = (0..n).map(|i| a.row(i).iter().zip(&v).map(|(p, q)| p * q).sum()).collect();
        let norm = w.iter().map(|x| x * x).sum::<f64>().sqrt();
        if norm == 0.0 {
            return 1.0;
        }
        lambda = norm;
        v = w.into_iter().map(|x| x / norm).collect();
    }
    lambda * 1.01
}
