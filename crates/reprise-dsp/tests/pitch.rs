//! YIN: against a direct evaluation of its formula, on tones of known pitch, bad input.

use reprise_dsp::{yin, YinConfig};

fn tone(f0: f64, sr: u32, secs: f64, harmonics: &[f64]) -> Vec<f32> {
    (0..(secs * sr as f64) as usize)
        .map(|i| {
            let t = i as f64 / sr as f64;
            harmonics.iter().enumerate().map(|(h, a)| a * (2.0 * std::f64::consts::PI * f0 * (h + 1) as f64 * t + 0.3 * h as f64).sin()).sum::<f64>()
                as f32
                * 0.3
        })
        .collect()
}

/// YIN computed straight from the definitions, in f64, no FFT.
fn naive(x: &[f32], sr: u32, cfg: &YinConfig) -> Vec<f64> {
    let tau_min = ((sr as f64 / cfg.fmax).floor() as usize).max(1);
    let tau_max = (sr as f64 / cfg.fmin).ceil() as usize;
    let w = cfg.frame_length - tau_max;
    let n_frames = 1 + (x.len() - cfg.frame_length) / cfg.hop_length;
    (0..n_frames)
        .map(|i| {
            let f: Vec<f64> = x[i * cfg.hop_length..i * cfg.hop_length + cfg.frame_length].iter().map(|&v| v as f64).collect();
            let d: Vec<f64> = (0..=tau_max).map(|tau| (0..w).map(|j| (f[j] - f[j + tau]).powi(2)).sum()).collect();
            let mut dn = vec![1.0; tau_max + 1];
            let mut cum = 0.0;
            for tau in 1..=tau_max {
                cum += d[tau];
                dn[tau] = if cum > 0.0 { d[tau] * tau as f64 / cum } else { 1.0 };
            }
            let tau = (tau_min..tau_max)
                .find(|&t| dn[t] < cfg.trough_threshold && dn[t] <= dn[t - 1] && dn[t] <= dn[t + 1])
                .unwrap_or_else(|| (tau_min..tau_max).min_by(|&p, &q| dn[p].total_cmp(&dn[q])).unwrap());
            let (l, c, r) = (dn[tau - 1], dn[tau], dn[tau + 1]);
            let den = l - 2.0 * c + r;
            let shift = if den.abs() > 1e-12 { (0.5 * (l - r) / den).clamp(-1.0, 1.0) } else { 0.0 };
            sr as f64 / (tau as f64 + shift)
        })
        .collect()
}

#[test]
fn yin_matches_the_direct_formula() {
    let sr = 16_000;
    let cfg = YinConfig { frame_length: 1024, hop_length: 700, fmin: 80.0, fmax: 1000.0, ..Default::default() };
    let mut x = tone(196.0, sr, 0.5, &[1.0, 0.5, 0.3]);
    // a little deterministic noise so that the troughs are not exact zeros
    for (i, v) in x.iter_mut().enumerate() {
        *v += 0.01 * ((i as f32 * 12.9898).sin() * 43758.547).fract();
    }
    let fast = yin(&x, sr, &cfg).unwrap();
    let slow = naive(&x, sr, &cfg);
    assert_eq!(fast.len(), slow.len());
    for (a, b) in fast.iter().zip(&slow) {
        assert!((a.f0_hz - b).abs() < 1e-6 * b, "{} vs {b}", a.f0_hz);
    }
}

#[test]
fn yin_finds_known_pitches_within_a_few_cents() {
    let sr = 22_050;
    for midi in [40.0, 52.0, 60.0, 69.0, 76.0, 84.0] {
        let f0 = 440.0 * 2f64.powf((midi - 69.0) / 12.0);
        // harmonic tone with a weak fundamental, the classic octave trap
        let x = tone(f0, sr, 0.6, &[0.3, 1.0, 0.8, 0.5]);
        let frames = yin(&x, sr, &YinConfig::default()).unwrap();
        for fr in &frames {
            let cents = 1200.0 * (fr.f0_hz / f0).log2();
            assert!(cents.abs() < 5.0, "midi {midi}: {} Hz ({cents:.1} cents)", fr.f0_hz);
            assert!(fr.aperiodicity < 0.1);
        }
    }
}

#[test]
fn yin_rejects_bad_parameters() {
    let x = vec![0.0f32; 4096];
    let e = |cfg: YinConfig| yin(&x, 16_000, &cfg).unwrap_err().to_string();
    assert!(e(YinConfig { fmin: 0.0, ..Default::default() }).contains("fmin"));
    assert!(e(YinConfig { fmax: 9000.0, ..Default::default() }).contains("Nyquist"));
    assert!(e(YinConfig { fmin: 5.0, ..Default::default() }).contains("frame_length"));
    assert!(e(YinConfig { hop_length: 0, ..Default::default() }).contains("hop_length"));
    let mut nan = x.clone();
    nan[5] = f32::NAN;
    assert!(yin(&nan, 16_000, &YinConfig::default()).is_err());
    assert!(yin(&x[..100], 16_000, &YinConfig::default()).unwrap().is_empty());
}
