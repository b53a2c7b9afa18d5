//! Spiral scattering has no peer outside MATLAB. It is checked against a direct
//! implementation of its formula at full time resolution (no subsampling anywhere,
//! float64, circular convolutions by FFT on the padded signal, convolutions along λ
//! and across octaves as explicit sums), and by properties: shift covariance in time
//! and the octave-axis response to a Shepard tone versus a single partial.

use num_complex::Complex64;
use reprise_scatter::{scattering_params, Jtfs, JtfsConfig, Morlet, OctaveFilters, Padding};
use rustfft::FftPlanner;
use std::f64::consts::PI;

fn conv_fft(x: &[Complex64], h_hat: &[f64], planner: &mut FftPlanner<f64>) -> Vec<Complex64> {
    let n = x.len();
    let mut buf = x.to_vec();
    planner.plan_fft_forward(n).process(&mut buf);
    for (b, h) in buf.iter_mut().zip(h_hat) {
        *b *= *h / n as f64;
    }
    planner.plan_fft_inverse(n).process(&mut buf);
    buf
}

fn signal(n: usize) -> Vec<f32> {
    (0..n)
        .map(|i| {
            let t = i as f64 / 22050.0;
            let am = 1.0 + 0.8 * (2.0 * PI * 40.0 * t).sin();
            let f0 = 440.0 * 2f64.powf(t * 2.0);
            let s: f64 = (1..5).map(|k| (2.0 * PI * f0 * k as f64 * t).sin() / k as f64).sum();
            (am * s * 0.3) as f32
        })
        .collect()
}

/// The spiral channels of `config`, computed directly from the formula.
fn spiral_direct(x: &[f32], config: JtfsConfig, s: &Jtfs) -> Vec<Vec<f64>> {
    let n = x.len();
    let t = config.t.unwrap_or(1 << config.j);
    let lst = t.trailing_zeros();
    let f_rows = config.f.unwrap_or(1 << config.j_fr);
    let pad = Padding::new(n, t, lst.max(config.j)).unwrap();
    let np = 1usize << pad.j_pad;
    let mut xp = vec![0.0f32; np];
    pad.pad_into(x, &mut xp);
    let xc: Vec<Complex64> = xp.iter().map(|&v| Complex64::new(v as f64, 0.0)).collect();
    let mut planner = FftPlanner::new();
    let (psi1, psi2) = scattering_params(config.j, config.q);
    let u1: Vec<Vec<Complex64>> = psi1
        .iter()
        .map(|p| {
            conv_fft(&xc, &Morlet::bandpass(p.xi, p.sigma, np).sample_dense(0), &mut planner).iter().map(|v| Complex64::new(v.norm(), 0.0)).collect()
        })
        .collect();
    let nf = s.n_fr();
    let phi_t = Morlet::lowpass(0.1 / t as f64, np).sample_dense(0);
    let phi_f: Vec<f64> = Morlet::lowpass(0.1 / f_rows as f64, nf).impulse_response(nf).iter().map(|v| v.0).collect();
    let kernels = config.spiral.unwrap().kernels();
    let q1 = config.q.0 as i64;
    let mut out = vec![];
    let meta = s.meta();
    let mut done = std::collections::HashSet::new();
    for m in meta.iter().filter(|m| m.octave.is_some()) {
        let (n2, b) = (m.n2.unwrap(), m.octave.unwrap());
        let key = (n2, m.n_fr.unwrap(), b);
        if !done.insert(key) {
            continue;
        }
        let p2 = psi2[n2];
        let n1_max = psi1.iter().filter(|p| p.j < p2.j).count();
        let psi2_hat = Morlet::bandpass(p2.xi, p2.sigma, np).sample_dense(0);
        let y2: Vec<Vec<Complex64>> = (0..n1_max).map(|n1| conv_fft(&u1[n1], &psi2_hat, &mut planner)).collect();
        let g: Vec<Complex64> = if m.xi_fr == Some(0.0) {
            Morlet::lowpass(m.sigma_fr.unwrap(), nf).impulse_response(nf).iter().map(|v| Complex64::new(v.0, v.1)).collect()
        } else {
            Morlet::bandpass(m.xi_fr.unwrap(), m.sigma_fr.unwrap(), nf).impulse_response(nf).iter().map(|v| Complex64::new(v.0, v.1)).collect()
        };
        let taps = &kernels[b].taps;
        let rows = n1_max.div_ceil(f_rows);
        // full-resolution time series of every output row before time averaging
        let mut acc = vec![vec![Complex64::new(0.0, 0.0); np]; rows];
        for tt in 0..np {
            let z: Vec<Complex64> = (0..nf).map(|r| (0..n1_max).map(|n1| y2[n1][tt] * g[(r + nf - n1) % nf]).sum()).collect();
            let w: Vec<f64> = (0..nf as i64)
                .map(|r| {
                    let mut a = Complex64::new(0.0, 0.0);
                    for &(tap, wt) in taps {
                        let src = r - tap * q1;
                        if src >= 0 && src < nf as i64 {
                            a += z[src as usize] * Complex64::new(wt.re as f64, wt.im as f64);
                        }
                    }
                    a.norm()
                })
                .collect();
            for (ro, a) in acc.iter_mut().enumerate() {
                let r = ro * f_rows;
                a[tt] = Complex64::new((0..nf).map(|k| w[k] * phi_f[(r + nf - k) % nf]).sum(), 0.0);
            }
        }
        let (i0, i1) = (pad.ind_start[lst as usize], pad.ind_end[lst as usize]);
        for a in acc {
            let sm = conv_fft(&a, &phi_t, &mut planner);
            out.push((i0..i1).map(|k| sm[k << lst].re).collect());
        }
    }
    out
}

fn small_config() -> JtfsConfig {
    JtfsConfig { j: 5, j_fr: 2, q: (4, 1), spiral: Some(OctaveFilters::FiniteDifference), ..JtfsConfig::default() }
}

#[test]
fn spiral_equals_direct_formula() {
    let n = 2048;
    let x = signal(n);
    for cfg in [small_config(), JtfsConfig { spiral: Some(OctaveFilters::Morlet { j_oct: 2 }), ..small_config() }] {
        let s = Jtfs::new(cfg, n).unwrap();
        let got = s.process(&x).unwrap();
        let rows: Vec<usize> = s.meta().iter().enumerate().filter(|(_, m)| m.octave.is_some()).map(|(i, _)| i).collect();
        let want = spiral_direct(&x, cfg, &s);
        assert_eq!(rows.len(), want.len(), "spiral channel count");
        let peak = want.iter().flatten().fold(0.0f64, |a, v| a.max(v.abs()));
        let mut worst: f64 = 0.0;
        for (&r, w) in rows.iter().zip(&want) {
            for (g, w) in got.index_axis(ndarray::Axis(0), r).iter().zip(w) {
                worst = worst.max((*g as f64 - w).abs());
            }
        }
        println!("{:?}: {} spiral channels, multirate vs direct {:.2e} of max", cfg.spiral, rows.len(), worst / peak);
        // The only difference is the aliasing of kymatio's subsampling scheme.
        assert!(worst <= 1e-3 * peak, "{}", worst / peak);
    }
}

#[test]
fn spiral_is_shift_covariant_in_time() {
    let cfg = small_config();
    let n = 4096;
    let t = 1usize << cfg.j;
    let base = signal(1024);
    let place = |offset: usize| {
        let mut x = vec![0.0f32; n];
        x[offset..offset + base.len()].copy_from_slice(&base);
        x
    };
    let s = Jtfs::new(cfg, n).unwrap();
    let a = s.process(&place(1024)).unwrap();
    let b = s.process(&place(1024 + 3 * t)).unwrap();
    let frames = a.shape()[1];
    let peak = a.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    let mut worst = 0.0f32;
    for c in 0..a.shape()[0] {
        for k in 0..frames - 3 {
            worst = worst.max((a[[c, k]] - b[[c, k + 3]]).abs());
        }
    }
    println!("shift by 3T: max change {:.2e} of max", worst / peak);
    assert!(worst <= 1e-3 * peak);
}

/// A Shepard tone (equal partials one octave apart) looks the same in every octave,
/// so the first finite difference across octaves responds much less to it than to a
/// single partial of the same envelope, relative to the plain JTFS energy.
#[test]
fn octave_filter_cancels_octave_invariant_spectra() {
    let cfg = small_config();
    let n = 4096;
    let tone = |freqs: &[f64]| -> Vec<f32> {
        (0..n)
            .map(|i| {
                let t = i as f64 / 22050.0;
                let am = 1.0 + 0.9 * (2.0 * PI * 60.0 * t).sin();
                (am * freqs.iter().map(|f| (2.0 * PI * f * t).sin()).sum::<f64>() * 0.2) as f32
            })
            .collect()
    };
    let s = Jtfs::new(cfg, n).unwrap();
    let meta = s.meta();
    let ratio = |x: &[f32]| {
        let y = s.process(x).unwrap();
        let (mut spiral, mut jtfs) = (0.0f64, 0.0f64);
        for (c, m) in meta.iter().enumerate() {
            let e: f64 = y.index_axis(ndarray::Axis(0), c).iter().map(|v| (*v as f64).powi(2)).sum();
            match m.octave {
                Some(0) => spiral += e,
                None if m.order == 2 => jtfs += e,
                _ => {}
            }
        }
        spiral / jtfs
    };
    let shepard = ratio(&tone(&[344.5, 689.0, 1378.0, 2756.0, 5512.0]));
    let single = ratio(&tone(&[1378.0]));
    println!("first octave difference / JTFS energy: Shepard {shepard:.3}, single partial {single:.3}");
    assert!(shepard < 0.5 * single, "{shepard} vs {single}");
}
