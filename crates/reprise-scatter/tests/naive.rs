//! Scattering against a naive float64 transcription of kymatio 0.3's algorithm:
//! dense filters built exactly as `morlet_1d` builds them (periodised over `2P − 1`
//! periods, κ from the periodised values, L1 norm from a direct inverse DFT),
//! subsampling by averaging spectral periods, and O(N²) DFTs. It checks the sparse
//! filter synthesis, the folds and the FFT plumbing independently of the fixtures.

use num_complex::Complex64;
use reprise_scatter::{scattering_params, Morlet, Scattering1D, ScatteringConfig};
use std::f64::consts::PI;

fn dft(x: &[Complex64], inverse: bool) -> Vec<Complex64> {
    let n = x.len();
    let sign = if inverse { 1.0 } else { -1.0 };
    (0..n)
        .map(|k| {
            let s: Complex64 =
                x.iter().enumerate().map(|(t, v)| v * Complex64::from_polar(1.0, sign * 2.0 * PI * ((k * t) % n) as f64 / n as f64)).sum();
            if inverse {
                s / n as f64
            } else {
                s
            }
        })
        .collect()
}

/// kymatio's `morlet_1d(N, xi, sigma)` (xi = None for the Gaussian).
fn morlet_naive(n: usize, xi: Option<f64>, sigma: f64) -> Vec<f64> {
    let p = ((((-2.0 * sigma * sigma * 1e-7f64.ln()).sqrt()) + 1.0).ceil() as i64).min(5);
    let periodize = |f: &dyn Fn(f64) -> f64| -> Vec<f64> {
        (0..n)
            .map(|k| {
                let s: f64 = (1 - p..p).map(|q| f(k as f64 / n as f64 + q as f64)).sum();
                s / (2 * p - 1) as f64
            })
            .collect()
    };
    let low = periodize(&|f| (-f * f / (2.0 * sigma * sigma)).exp());
    let filt: Vec<f64> = match xi {
        Some(xi) => {
            let gabor = periodize(&|f| (-(f - xi) * (f - xi) / (2.0 * sigma * sigma)).exp());
            let kappa = gabor[0] / low[0];
            gabor.iter().zip(&low).map(|(g, l)| g - kappa * l).collect()
        }
        None => low,
    };
    let time = dft(&filt.iter().map(|&v| Complex64::new(v, 0.0)).collect::<Vec<_>>(), true);
    let l1: f64 = time.iter().map(|c| c.norm()).sum();
    filt.iter().map(|v| v / l1).collect()
}

fn periodize_mean(h: &[f64], periods: usize) -> Vec<f64> {
    let m = h.len() / periods;
    (0..m).map(|k| (0..periods).map(|b| h[k + b * m]).sum::<f64>() / periods as f64).collect()
}

fn sub_fourier(x: &[Complex64], k: usize) -> Vec<Complex64> {
    let m = x.len() / k;
    (0..m).map(|i| (0..k).map(|b| x[i + b * m]).sum::<Complex64>() / k as f64).collect()
}

#[test]
fn sparse_filters_equal_dense_kymatio_formula() {
    let n = 512;
    let (psi1, psi2) = scattering_params(5, (4, 1));
    let mut worst: f64 = 0.0;
    for p in psi1.iter().chain(&psi2) {
        let want = morlet_naive(n, Some(p.xi), p.sigma);
        let m = Morlet::bandpass(p.xi, p.sigma, n);
        let peak = want.iter().fold(0.0f64, |a, v| a.max(v.abs()));
        for level in 0..4u32 {
            let got = m.sample_dense(level);
            let want_l = periodize_mean(&want, 1 << level);
            for (g, w) in got.iter().zip(&want_l) {
                worst = worst.max((g - w).abs() / peak);
            }
        }
    }
    let phi_want = morlet_naive(n, None, 0.1 / 32.0);
    let phi = Morlet::lowpass(0.1 / 32.0, n).sample_dense(0);
    for (g, w) in phi.iter().zip(&phi_want) {
        worst = worst.max((g - w).abs() / phi_want[0]);
    }
    println!("worst relative filter error {worst:.2e}");
    assert!(worst < 1e-6, "{worst}");
}

/// kymatio 0.3's `scattering1d` with averaging, transcribed literally in float64.
fn scattering_naive(x: &[f64], s: &Scattering1D) -> Vec<Vec<f64>> {
    let cfg = s.config();
    let pad = s.padding();
    let n = 1usize << pad.j_pad;
    let t = cfg.t_samples();
    let log2_t = t.ilog2();
    let os = cfg.oversampling;
    let mut xp = vec![0.0; n];
    for (i, v) in xp.iter_mut().enumerate() {
        let src = i as i64 - pad.left as i64;
        let len = x.len() as i64;
        let r = if src < 0 {
            -src
        } else if src >= len {
            2 * (len - 1) - src
        } else {
            src
        };
        *v = x[r as usize];
    }
    let xh = dft(&xp.iter().map(|&v| Complex64::new(v, 0.0)).collect::<Vec<_>>(), false);
    let phi0 = morlet_naive(n, None, 0.1 / t as f64);
    let phi = |level: u32| periodize_mean(&phi0, 1 << level);
    let lowpass = |spec: &[Complex64], level: u32, k: u32| -> Vec<f64> {
        let f = phi(level);
        let prod: Vec<Complex64> = spec.iter().zip(&f).map(|(a, b)| a * b).collect();
        let y = dft(&sub_fourier(&prod, 1 << k), true);
        let at = (level + k) as usize;
        y[pad.ind_start[at]..pad.ind_end[at]].iter().map(|c| c.re).collect()
    };
    let mut out = vec![];
    let k0 = log2_t.saturating_sub(os);
    out.push(lowpass(&xh, 0, k0));
    let mut second = vec![];
    for p1 in s.psi1() {
        let k1 = p1.j.min(log2_t).saturating_sub(os);
        let f1 = morlet_naive(n, Some(p1.xi), p1.sigma);
        let prod: Vec<Complex64> = xh.iter().zip(&f1).map(|(a, b)| a * b).collect();
        let u1: Vec<Complex64> = dft(&sub_fourier(&prod, 1 << k1), true).iter().map(|c| Complex64::new(c.norm(), 0.0)).collect();
        let u1h = dft(&u1, false);
        out.push(lowpass(&u1h, k1, log2_t.saturating_sub(k1 + os)));
        if cfg.max_order < 2 {
            continue;
        }
        for p2 in s.psi2() {
            if p2.j <= p1.j {
                continue;
            }
            let k2 = p2.j.min(log2_t).saturating_sub(k1 + os);
            let f2 = periodize_mean(&morlet_naive(n, Some(p2.xi), p2.sigma), 1 << k1);
            let prod: Vec<Complex64> = u1h.iter().zip(&f2).map(|(a, b)| a * b).collect();
            let u2: Vec<Complex64> = dft(&sub_fourier(&prod, 1 << k2), true).iter().map(|c| Complex64::new(c.norm(), 0.0)).collect();
            let u2h = dft(&u2, false);
            second.push(lowpass(&u2h, k1 + k2, log2_t.saturating_sub(k2 + k1 + os)));
        }
    }
    out.extend(second);
    out
}

fn test_signal(n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| {
            let t = i as f64;
            (2.0 * PI * 0.05 * t + 0.3 * (2.0 * PI * 0.003 * t).sin()).sin()
                + 0.5 * (2.0 * PI * 0.21 * t).cos() * (1.0 + (2.0 * PI * 0.01 * t).sin())
                + 0.1 * ((i * 7919 % 113) as f64 / 113.0 - 0.5)
        })
        .collect()
}

fn check(cfg: ScatteringConfig, n: usize) {
    let x = test_signal(n);
    let xf: Vec<f32> = x.iter().map(|&v| v as f32).collect();
    let s = Scattering1D::new(cfg, n).unwrap();
    let got = s.process(&xf).unwrap();
    let want = scattering_naive(&x, &s);
    assert_eq!(got.nrows(), want.len(), "channels");
    let peak = want.iter().flatten().fold(0.0f64, |a, v| a.max(v.abs()));
    let mut worst: f64 = 0.0;
    for (row, w) in got.rows().into_iter().zip(&want) {
        assert_eq!(row.len(), w.len(), "frames");
        for (g, w) in row.iter().zip(w) {
            worst = worst.max((*g as f64 - w).abs());
        }
    }
    println!("{cfg:?} n={n}: {} channels x {} frames, worst error {:.2e} of max", got.nrows(), got.ncols(), worst / peak);
    assert!(worst <= 2e-6 * peak, "{}", worst / peak);
}

#[test]
fn scattering_equals_naive_transcription() {
    check(ScatteringConfig { j: 4, q: (2, 1), t: None, max_order: 2, oversampling: 0 }, 300);
    check(ScatteringConfig { j: 4, q: (3, 2), t: Some(8), max_order: 2, oversampling: 1 }, 256);
    check(ScatteringConfig { j: 3, q: (1, 1), t: None, max_order: 1, oversampling: 0 }, 200);
}

#[test]
fn scalogram_rows_are_exact_samples_of_the_full_resolution_modulus() {
    use reprise_scatter::{Padding, Scalogram, ScalogramConfig};
    let n = 700;
    let x = test_signal(n);
    let xf: Vec<f32> = x.iter().map(|&v| v as f32).collect();
    let cfg = ScalogramConfig { j: 5, q: 3, hop_length: 4 };
    let s = Scalogram::new(cfg, n).unwrap();
    let got = s.process(&xf).unwrap();
    let pad = Padding::new(n, 32, 5).unwrap();
    let np = 1usize << pad.j_pad;
    let mut xp = vec![0.0f32; np];
    pad.pad_into(&xf, &mut xp);
    let xh = dft(&xp.iter().map(|&v| Complex64::new(v as f64, 0.0)).collect::<Vec<_>>(), false);
    let mut worst: f64 = 0.0;
    let mut peak: f64 = 0.0;
    for (row, p) in got.rows().into_iter().zip(s.params()) {
        let f = morlet_naive(np, Some(p.xi), p.sigma);
        let u: Vec<f64> = dft(&xh.iter().zip(&f).map(|(a, b)| a * b).collect::<Vec<_>>(), true).iter().map(|c| c.norm()).collect();
        for (k, g) in row.iter().enumerate() {
            let w = u[(pad.ind_start[2] + k) * 4];
            worst = worst.max((*g as f64 - w).abs());
            peak = peak.max(w);
        }
    }
    println!("scalogram: {:?}, worst {:.2e} of max", got.dim(), worst / peak);
    assert_eq!(got.nrows(), s.params().len());
    assert!(worst <= 1e-6 * peak);
}

/// Signals shorter than the averaging scale (or the scalogram's hop) are refused at plan
/// time with `TooShort`; they used to index out of bounds in the spectral folds.
#[test]
fn short_signals_are_refused_not_a_panic() {
    use reprise_scatter::{Jtfs, JtfsConfig, Scalogram, ScalogramConfig};
    for n in [2usize, 3, 17, 46, 255] {
        let e = Scattering1D::new(ScatteringConfig::default(), n).err().unwrap_or_else(|| panic!("{n} samples accepted"));
        assert!(matches!(e, reprise_scatter::Error::TooShort { need: 256, .. }), "{n}: {e}");
        let e = Scalogram::new(ScalogramConfig { j: 8, q: 12, hop_length: 256 }, n).err().unwrap_or_else(|| panic!("{n} samples accepted"));
        assert!(e.to_string().contains("hop"), "{n}: {e}");
        assert!(Jtfs::new(JtfsConfig::default(), n).is_err());
    }
    // from 2^J samples on, every plan runs and gives at least one frame
    for n in [256usize, 300, 1000] {
        let x: Vec<f32> = (0..n).map(|i| (i as f32 * 0.3).sin()).collect();
        let s = Scattering1D::new(ScatteringConfig::default(), n).unwrap().process(&x).unwrap();
        assert!(s.ncols() >= 1 && s.iter().all(|v| v.is_finite()), "{n}: {:?}", s.dim());
        let u = Scalogram::new(ScalogramConfig { j: 8, q: 12, hop_length: 256 }, n).unwrap().process(&x).unwrap();
        assert!(u.ncols() >= 1, "{n}");
    }
}
