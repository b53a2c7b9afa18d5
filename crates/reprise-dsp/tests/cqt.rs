//! CQT/VQT by direct computation and properties (peer parity is in `librosa_cqt.rs`).

use ndarray::Array2;
use num_complex::Complex64;
use reprise_dsp::cqt::{from_spiral, relative_bandwidth, to_spiral, wavelet_atom};
use reprise_dsp::*;

fn chord(n: usize, sr: f64) -> Vec<f32> {
    (0..n)
        .map(|i| {
            let t = i as f64 / sr;
            [110.0, 220.0, 277.18, 329.63, 1760.0].iter().map(|f| (2.0 * std::f64::consts::PI * f * t).sin()).sum::<f64>() as f32 * 0.1
        })
        .collect()
}

/// `C_k(t) = √L_k · Σ_i a_k[i] · y[t·hop − (start_k + i)]`, zeros outside the signal.
fn direct(y: &[f32], cfg: &CqtConfig) -> Array2<Complex64> {
    let f = VqtFilters::design(cfg).unwrap();
    let n_frames = 1 + y.len() / cfg.hop_length;
    let mut out = Array2::zeros((cfg.n_bins, n_frames));
    for k in 0..cfg.n_bins {
        let (start, taps) = wavelet_atom(f.freqs[k], f.lengths[k], cfg.sr as f64, cfg.window, cfg.norm);
        for t in 0..n_frames {
            let mut acc = Complex64::new(0.0, 0.0);
            for (i, a) in taps.iter().enumerate() {
                let idx = (t * cfg.hop_length) as i64 - (start + i as i64);
                if idx >= 0 && (idx as usize) < y.len() {
                    acc += a * y[idx as usize] as f64;
                }
            }
            out[[k, t]] = acc * f.lengths[k].sqrt();
        }
    }
    out
}

#[test]
fn exact_mode_equals_direct_time_domain_computation() {
    let y = chord(8000, 22050.0);
    let cfg = CqtConfig { mode: CqtMode::Exact, n_bins: 48, fmin: Some(65.4), hop_length: 256, ..Default::default() };
    let (ours, _) = cqt(&y, &cfg).unwrap();
    let reference = direct(&y, &cfg);
    assert_eq!(ours.dim(), reference.dim());
    let scale = reference.iter().map(|c| c.norm()).fold(0.0, f64::max);
    let err = ours.iter().zip(reference.iter()).map(|(a, b)| (Complex64::new(a.re as f64, a.im as f64) - b).norm()).fold(0.0, f64::max);
    assert!(err <= 1e-5 * scale, "exact vs direct: {:e} of max", err / scale);
}

#[test]
fn multirate_is_within_a_few_percent_of_exact() {
    let y = chord(22050, 22050.0);
    let cfg = CqtConfig::default();
    let (multi, _) = cqt(&y, &cfg).unwrap();
    let (exact, _) = cqt(&y, &CqtConfig { mode: CqtMode::Exact, ..cfg }).unwrap();
    assert_eq!(multi.dim(), exact.dim());
    // per frame, relative to the frame maximum, away from the edges
    let mut worst = 0.0f64;
    for t in 4..multi.ncols() - 4 {
        let m = exact.column(t).iter().map(|c| c.norm()).fold(0.0f32, f32::max) as f64;
        for k in 0..multi.nrows() {
            worst = worst.max((multi[[k, t]].norm() - exact[[k, t]].norm()).abs() as f64 / m);
        }
    }
    eprintln!("measured multirate vs exact: {worst:.2e} of the frame maximum");
    assert!(worst < 0.03, "{worst}");
}

#[test]
fn peaks_sit_on_the_right_bins() {
    // A4 = 440 Hz is bin 45 above C1 (3 octaves + 9 semitones)
    let sr = 22050.0;
    let y: Vec<f32> = (0..22050).map(|i| (2.0 * std::f64::consts::PI * 440.0 * i as f64 / sr).sin() as f32).collect();
    let (c, _) = cqt(&y, &CqtConfig::default()).unwrap();
    let t = c.ncols() / 2;
    let best = (0..c.nrows()).max_by(|a, b| c[[*a, t]].norm().total_cmp(&c[[*b, t]].norm())).unwrap();
    assert_eq!(best, 45);
}

#[test]
fn filter_design_matches_the_formulas() {
    let f = VqtFilters::design(&CqtConfig::default()).unwrap();
    assert!((f.freqs[0] - reprise_dsp::cqt::C1_HZ).abs() < 1e-12);
    assert!((f.freqs[45] - 440.0).abs() < 1e-9);
    let a = relative_bandwidth(&f.freqs).unwrap();
    let expected = (2f64.powf(2.0 / 12.0) - 1.0) / (2f64.powf(2.0 / 12.0) + 1.0);
    assert!((a[40] - expected).abs() < 1e-12);
    // L = Q·sr/f with Q = 1/α
    assert!((f.lengths[0] - 22050.0 / (expected * f.freqs[0])).abs() < 1e-6 * f.lengths[0]);
    let (_, taps) = wavelet_atom(f.freqs[0], f.lengths[0], 22050.0, Window::Hann, FrameNorm::L1);
    assert!((taps.iter().map(|c| c.norm()).sum::<f64>() - 1.0).abs() < 1e-12);
}

#[test]
fn spiral_round_trip_and_layout() {
    let c = Array2::from_shape_fn((30, 4), |(k, t)| (k * 10 + t) as f32);
    let (s, shape) = to_spiral(&c, 12).unwrap();
    assert_eq!(shape, [3, 12, 4]);
    // octave 1, chroma 2, frame 3 is bin 14
    assert_eq!(s[(12 + 2) * 4 + 3], c[[14, 3]]);
    // the padded top of the last octave is zero
    assert_eq!(s[(2 * 12 + 11) * 4], 0.0);
    assert_eq!(from_spiral(&s, shape, 30).unwrap(), c);
}

#[test]
fn bad_parameters_are_errors() {
    let y = chord(4000, 22050.0);
    for (cfg, needle) in [
        (CqtConfig { fmin: Some(0.0), ..Default::default() }, "fmin"),
        (CqtConfig { fmin: Some(-3.0), ..Default::default() }, "fmin"),
        (CqtConfig { n_bins: 120, ..Default::default() }, "Nyquist"),
        (CqtConfig { bins_per_octave: 0, ..Default::default() }, "bins_per_octave"),
        (CqtConfig { hop_length: 0, ..Default::default() }, "hop_length"),
        (CqtConfig { sparsity: 1.0, ..Default::default() }, "sparsity"),
        (CqtConfig { filter_scale: 0.0, ..Default::default() }, "filter_scale"),
        (CqtConfig { fmin: Some(0.001), ..Default::default() }, "limit 2^24"),
    ] {
        let e = cqt(&y, &cfg).unwrap_err().to_string();
        assert!(e.contains(needle), "{e}");
    }
    assert!(cqt(&[], &CqtConfig::default()).is_err());
    assert!(cqt(&[f32::NAN; 100], &CqtConfig::default()).is_err());
}

#[test]
fn pseudo_and_hybrid_stream_equal_their_batch_transforms() {
    let y = chord(40000, 22050.0);
    for cfg in [
        CqtConfig::default(),
        CqtConfig { hop_length: 256, n_bins: 60, fmin: Some(55.0), ..Default::default() },
        // all bins short enough for the pseudo part: hybrid is one part only
        CqtConfig { hop_length: 2048, n_bins: 24, fmin: Some(1000.0), ..Default::default() },
    ] {
        let hybrid = HybridCqt::new(&cfg).unwrap();
        let pseudo = PseudoCqt::new(&cfg).unwrap();
        // the plans give what the library calls give
        let (h_lib, _) = hybrid_cqt(&y, &CqtConfig { tuning: Tuning::Bins(0.0), ..cfg }).unwrap();
        let (p_lib, _) = pseudo_cqt(&y, &CqtConfig { tuning: Tuning::Bins(0.0), ..cfg }).unwrap();
        let h_whole = hybrid.process(&y).unwrap();
        let p_whole = pseudo.process(&y).unwrap();
        assert_eq!(h_whole, h_lib);
        assert_eq!(p_whole, p_lib);
        for chunk in [1usize, 100, 4096, 40000] {
            let mut hs = hybrid.stream().unwrap();
            let mut ps = pseudo.stream();
            let (mut hf, mut pf) = (Vec::new(), Vec::new());
            for c in y.chunks(chunk) {
                hf.extend(hs.push(c).unwrap());
                pf.extend(ps.push(c).unwrap());
            }
            hf.extend(hs.finish().unwrap());
            pf.extend(ps.finish().unwrap());
            for (name, frames, whole) in [("hybrid", &hf, &h_whole), ("pseudo", &pf, &p_whole)] {
                assert_eq!(frames.len(), whole.ncols(), "{name} {cfg:?} chunk {chunk}: frame count");
                let scale = whole.iter().fold(0.0f32, |m, v| m.max(*v));
                let err = frames
                    .iter()
                    .enumerate()
                    .flat_map(|(t, f)| f.iter().enumerate().map(move |(k, v)| (v - whole[[k, t]]).abs()))
                    .fold(0.0f32, f32::max);
                assert!(err <= 1e-6 * scale, "{name} {cfg:?} chunk {chunk}: {err:e}");
            }
        }
    }
}

#[test]
fn streaming_equals_whole_signal_for_any_chunking() {
    let y = chord(40000, 22050.0);
    for cfg in [
        CqtConfig::default(),
        CqtConfig { hop_length: 256, n_bins: 60, fmin: Some(55.0), filter_scale: 0.8, ..Default::default() },
        // hop 1024 with 5 octaves triggers librosa's early downsampling
        CqtConfig { hop_length: 1024, n_bins: 60, fmin: Some(55.0), ..Default::default() },
        CqtConfig { mode: CqtMode::Exact, n_bins: 48, fmin: Some(65.4), ..Default::default() },
        // chroma_cqt's 36 bins per octave: octaves share their kernels
        CqtConfig { bins_per_octave: 36, n_bins: 144, fmin: Some(65.4), ..Default::default() },
    ] {
        let plan = Cqt::new(&cfg).unwrap();
        let whole = plan.process(&y).unwrap();
        let mag = plan.magnitude(&y).unwrap();
        let err = mag.iter().zip(&whole).map(|(m, c)| (m - c.norm()).abs() / c.norm().max(f32::MIN_POSITIVE)).fold(0.0f32, f32::max);
        assert!(err <= 2.0 * f32::EPSILON, "{cfg:?}: magnitude off by {err:e} (relative)");
        for chunk in [1usize, 100, 4096, 40000] {
            let mut s = plan.stream().unwrap();
            let mut frames = Vec::new();
            for c in y.chunks(chunk) {
                frames.extend(s.push(c).unwrap());
            }
            frames.extend(s.finish().unwrap());
            assert_eq!(frames.len(), whole.ncols(), "{cfg:?} chunk {chunk}: frame count");
            let scale = whole.iter().map(|c| c.norm()).fold(0.0f32, f32::max);
            let err = frames
                .iter()
                .enumerate()
                .flat_map(|(t, f)| f.iter().enumerate().map(move |(k, v)| (t, k, *v)))
                .map(|(t, k, v)| (v - whole[[k, t]]).norm())
                .fold(0.0f32, f32::max);
            assert!(err <= 1e-6 * scale, "{cfg:?} chunk {chunk}: {err:e}");
        }
    }
}
