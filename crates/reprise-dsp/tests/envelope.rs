//! Cepstral envelopes against a direct evaluation of their formula, and cross-synthesis by
//! properties: the identity, the length, the input's pitch kept, the timbre's envelope taken.

use ndarray::Array2;
use reprise_dsp::envelope::{cepstral_envelope, cross_synthesize, CrossSynthesisConfig};
use reprise_dsp::pyin::{Pyin, PyinConfig};

/// exp(DFT(lifter(IDFT(ln|S|)))) with O(N²) sums in f64.
fn naive(mag: &[f32], order: usize) -> Vec<f64> {
    let bins = mag.len();
    let n = 2 * (bins - 1);
    let full: Vec<f64> = (0..n).map(|k| (mag[if k < bins { k } else { n - k }] as f64).ln()).collect();
    let tau = std::f64::consts::TAU;
    let ceps: Vec<f64> = (0..n).map(|q| (0..n).map(|k| full[k] * (tau * (k * q) as f64 / n as f64).cos()).sum::<f64>() / n as f64).collect();
    (0..bins)
        .map(|k| {
            let s: f64 = (0..n).filter(|&q| q < order || q > n - order).map(|q| ceps[q] * (tau * (k * q) as f64 / n as f64).cos()).sum();
            s.exp()
        })
        .collect()
}

#[test]
fn envelope_matches_the_direct_formula() {
    let bins = 65;
    let mut state = 1u32;
    let mag = Array2::from_shape_fn((bins, 3), |_| {
        state = state.wrapping_mul(1664525).wrapping_add(1013904223);
        0.01 + (state >> 8) as f32 / (1u32 << 24) as f32
    });
    for order in [1, 5, 20] {
        let fast = cepstral_envelope(&mag, order, 1e-8).unwrap();
        for t in 0..3 {
            let col: Vec<f32> = mag.column(t).to_vec();
            for (a, b) in fast.column(t).iter().zip(naive(&col, order)) {
                assert!((*a as f64 / b - 1.0).abs() < 1e-5, "order {order}: {a} vs {b}");
            }
        }
    }
}

fn tone(f0: f64, n: usize, sr: f64, amps: &[f64]) -> Vec<f32> {
    (0..n)
        .map(|i| {
            amps.iter().enumerate().map(|(h, a)| a * (std::f64::consts::TAU * f0 * (h + 1) as f64 * i as f64 / sr).sin()).sum::<f64>() as f32 * 0.2
        })
        .collect()
}

fn centroid(x: &[f32]) -> f64 {
    let s = reprise_dsp::stft(x, &Default::default()).unwrap();
    let (mut num, mut den) = (0.0, 0.0);
    for ((k, _), c) in s.indexed_iter() {
        num += k as f64 * c.norm() as f64;
        den += c.norm() as f64;
    }
    num / den
}

#[test]
fn cross_synthesis_keeps_the_pitch_and_takes_the_envelope() {
    let sr = 22050.0;
    // a bright input (flat partials) and a dark timbre (falling partials) at other pitches
    let input = tone(220.0, 22050, sr, &[1.0; 12]);
    let timbre = tone(155.0, 11025, sr, &[1.0, 0.5, 0.25, 0.12, 0.06, 0.03, 0.015, 0.008]);
    let cfg = CrossSynthesisConfig::default();
    // the identity: its own envelope changes nothing
    let same = cross_synthesize(&input, &input, &cfg).unwrap();
    let err = same.iter().zip(&input).fold(0f32, |m, (a, b)| m.max((a - b).abs()));
    assert!(err < 1e-3, "{err}");
    let out = cross_synthesize(&input, &timbre, &cfg).unwrap();
    assert_eq!(out.len(), input.len());
    assert!(centroid(&out) < 0.8 * centroid(&input), "{} vs {}", centroid(&out), centroid(&input));
    let track = Pyin::new(22050, &PyinConfig::default()).unwrap().track(&out).unwrap();
    let mid = &track.f0_hz[10..track.len() - 10];
    let ok = mid.iter().filter(|f| ((*f / 220.0).log2() * 1200.0).abs() < 50.0).count();
    assert!(ok as f64 > 0.9 * mid.len() as f64, "{ok} of {}", mid.len());
    // the longer one sets the length
    assert_eq!(cross_synthesize(&timbre, &input, &cfg).unwrap().len(), input.len());
}

#[test]
fn cross_synthesis_refuses_bad_input() {
    let cfg = CrossSynthesisConfig::default();
    let x = vec![0.1f32; 4096];
    assert!(cross_synthesize(&[], &x, &cfg).is_err());
    assert!(cross_synthesize(&x, &[0.0, f32::NAN], &cfg).is_err());
    assert!(cross_synthesize(&x, &x, &CrossSynthesisConfig { lifter_order: 0, ..cfg }).is_err());
    // silence in, silence out (no NaN)
    let quiet = cross_synthesize(&vec![0f32; 4096], &x, &cfg).unwrap();
    assert!(quiet.iter().all(|v| v.is_finite()));
}

#[test]
fn mosaic_of_a_signal_from_itself_is_itself_and_takes_the_corpus_timbre() {
    use reprise_dsp::mosaic::{mosaic, MosaicConfig};
    let sr = 22050.0;
    let input = tone(220.0, 22050, sr, &[1.0; 12]);
    let cfg = MosaicConfig::default();
    let same = mosaic(&input, &[&input], &cfg).unwrap();
    assert_eq!(same.len(), input.len());
    let err = same.iter().zip(&input).fold(0f32, |m, (a, b)| m.max((a - b).abs()));
    assert!(err < 1e-4, "{err}");
    // from a dark corpus, a dark output of the input's length and level
    let corpus = tone(155.0, 33075, sr, &[1.0, 0.3, 0.1]);
    let out = mosaic(&input, &[&corpus, &[]], &MosaicConfig { k: 2, ..cfg }).unwrap();
    assert_eq!(out.len(), input.len());
    assert!(centroid(&out) < 0.6 * centroid(&input), "{} vs {}", centroid(&out), centroid(&input));
    let rms = |x: &[f32]| (x.iter().map(|v| (*v as f64).powi(2)).sum::<f64>() / x.len() as f64).sqrt();
    assert!((rms(&out) / rms(&input) - 1.0).abs() < 0.3, "{} vs {}", rms(&out), rms(&input));
    // bad input
    assert!(mosaic(&input, &[&[]], &cfg).unwrap_err().to_string().contains("no audio"));
    assert!(mosaic(&[], &[&corpus], &cfg).is_err());
    assert!(mosaic(&input, &[&corpus], &MosaicConfig { hop_length: 0, ..cfg }).is_err());
}
