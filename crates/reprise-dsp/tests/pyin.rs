//! pYIN and the HMM decoding it needs: against librosa 0.11 (fixtures from
//! `scripts/make_pitch_fixtures.py`, calls in `fixtures/pitch/manifest.json`), against a
//! brute-force search over every state path, and by properties.
//!
//! Tolerances: transition matrices within 1e-15; Viterbi states equal and log
//! probabilities within 1e-12 relative (the banded decoder: the same log probability, and
//! the same states unless another path ties within rounding); pYIN (float64 input to librosa) voicing equal in
//! every frame, decoded pitch equal (the same bin), voiced probability within 1e-9.

use ndarray::{Array1, Array2, ArrayView2};
use ndarray_npy::read_npy;
use reprise_core::rng::Rng;
use reprise_dsp::pyin::{Pyin, PyinConfig};
use reprise_dsp::sequence::{transition_cycle, transition_local, transition_loop, transition_uniform, viterbi, KronBanded, LocalWindow};
use reprise_dsp::PadMode;
use serde_json::Value;
use std::path::PathBuf;

fn path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/pitch").join(name)
}

fn mat(name: &str) -> Array2<f64> {
    read_npy(path(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn manifest() -> Value {
    serde_json::from_str(&std::fs::read_to_string(path("manifest.json")).unwrap()).unwrap()
}

fn assert_close(a: ArrayView2<f64>, b: ArrayView2<f64>, tol: f64, what: &str) {
    assert_eq!(a.dim(), b.dim(), "{what}");
    let err = a.iter().zip(b.iter()).fold(0f64, |m, (x, y)| m.max((x - y).abs()));
    assert!(err <= tol, "{what}: max error {err:e}");
}

#[test]
fn transition_builders_match_librosa() {
    let cases: Vec<(&str, Array2<f64>)> = vec![
        ("uniform", transition_uniform(5).unwrap()),
        ("loop", transition_loop(5, &[0.9, 0.5, 0.7, 0.2, 0.99]).unwrap()),
        ("cycle", transition_cycle(4, &[0.8]).unwrap()),
        ("local_tri", transition_local(12, &[5], LocalWindow::Triangle, false).unwrap()),
        ("local_wrap", transition_local(12, &[4], LocalWindow::Triangle, true).unwrap()),
        ("local_box", transition_local(9, &[1, 3, 5, 7, 9, 7, 5, 3, 1], LocalWindow::Boxcar, false).unwrap()),
        ("local_hann", transition_local(10, &[6], LocalWindow::Hann, false).unwrap()),
    ];
    for (name, ours) in cases {
        assert_close(ours.view(), mat(&format!("transition_{name}.npy")).view(), 1e-15, name);
    }
}

#[test]
fn transition_builders_refuse_bad_parameters() {
    assert!(transition_loop(1, &[0.5]).is_err());
    assert!(transition_loop(3, &[1.5]).is_err());
    assert!(transition_loop(3, &[0.5, 0.5]).is_err());
    assert!(transition_cycle(3, &[f64::NAN]).is_err());
    assert!(transition_local(5, &[0], LocalWindow::Triangle, false).is_err());
    assert!(transition_local(5, &[6], LocalWindow::Triangle, false).is_err());
    assert!(transition_uniform(0).is_err());
}

#[test]
fn viterbi_matches_librosa() {
    let m = manifest();
    for (case, tname) in [("loop", "loop"), ("local_tri", "local_tri"), ("local_wrap", "local_wrap"), ("pyin_like", "pyin_like")] {
        let prob = mat(&format!("viterbi_{case}_prob.npy"));
        let t = mat(&format!("transition_{tname}.npy"));
        let init: Option<Array1<f64>> = read_npy(path(&format!("viterbi_{case}_p_init.npy"))).ok();
        let want: Array1<i64> = read_npy(path(&format!("viterbi_{case}_states.npy"))).unwrap();
        let (states, logp) = viterbi(prob.view(), t.view(), init.as_ref().map(|a| a.as_slice().unwrap())).unwrap();
        let want: Vec<usize> = want.iter().map(|&s| s as usize).collect();
        assert_eq!(states, want, "{case}");
        let want_logp = m["files"][format!("viterbi_{case}_states.npy")]["logp"].as_f64().unwrap();
        assert!((logp - want_logp).abs() <= 1e-12 * want_logp.abs(), "{case}: {logp} vs {want_logp}");
    }
}

#[test]
fn kron_banded_matches_the_dense_decoder_on_librosas_case() {
    let prob = mat("viterbi_pyin_like_prob.npy");
    let switch = transition_loop(2, &[0.9]).unwrap();
    let local = transition_local(30, &[7], LocalWindow::Triangle, false).unwrap();
    let fast = KronBanded::new(switch.view(), local.view(), None).unwrap().decode(prob.view()).unwrap();
    let want: Array1<i64> = read_npy(path("viterbi_pyin_like_states.npy")).unwrap();
    assert_eq!(fast.0, want.iter().map(|&s| s as usize).collect::<Vec<_>>());
}

/// Random observations shaped like pYIN's: few voiced bins, often far apart from one
/// step to the next (so that the best path needs "impossible" out-of-band transitions),
/// exact zeros, ties.
fn adversarial(rng: &mut Rng, n: usize, steps: usize) -> Array2<f64> {
    let mut p = Array2::zeros((2 * n, steps));
    for t in 0..steps {
        let k = rng.below(3);
        for _ in 0..k {
            p[[rng.below(n), t]] = (rng.below(4) as f64 + 1.0) / 8.0;
        }
        let unvoiced = match rng.below(3) {
            0 => 0.0,
            1 => 0.25,
            _ => rng.uniform() * 0.1,
        };
        for s in n..2 * n {
            p[[s, t]] = unvoiced / n as f64;
        }
    }
    p
}

#[test]
fn kron_banded_equals_the_dense_decoder() {
    let mut rng = Rng::new(3);
    for trial in 0..40 {
        let n = 6 + rng.below(20);
        let width = 1 + 2 * rng.below(n / 2);
        let wrap = trial % 5 == 4;
        let local = transition_local(n, &[width], if trial % 3 == 0 { LocalWindow::Boxcar } else { LocalWindow::Triangle }, wrap).unwrap();
        let stay = 0.5 + 0.49 * rng.uniform();
        let switch = transition_loop(2, &[stay]).unwrap();
        let dense = kron(switch.view(), local.view());
        let prob = adversarial(&mut rng, n, 30);
        let want = viterbi(prob.view(), dense.view(), None).unwrap();
        let got = KronBanded::new(switch.view(), local.view(), None).unwrap().decode(prob.view()).unwrap();
        assert!((got.1 - want.1).abs() <= 1e-12 * want.1.abs(), "trial {trial}: {} vs {}", got.1, want.1);
        if got.0 != want.0 {
            // only a path that ties with the dense one within rounding may differ
            let score = path_score(&got.0, prob.view(), dense.view());
            assert!((score - want.1).abs() <= 1e-12 * want.1.abs(), "trial {trial}: n {n} width {width} wrap {wrap}: {score} vs {}", want.1);
        }
    }
}

/// The log probability of a state path under `transition`, as the dense decoder scores it.
fn path_score(states: &[usize], prob: ArrayView2<f64>, transition: ArrayView2<f64>) -> f64 {
    let lp = |p: f64| (p + f64::MIN_POSITIVE).ln();
    let n = transition.nrows();
    let mut s = lp(prob[[states[0], 0]]) + lp(1.0 / n as f64);
    for t in 1..states.len() {
        s = lp(prob[[states[t], t]]) + (s + lp(transition[[states[t - 1], states[t]]]));
    }
    s
}

fn kron(a: ArrayView2<f64>, b: ArrayView2<f64>) -> Array2<f64> {
    let (m, n) = (a.nrows(), b.nrows());
    Array2::from_shape_fn((m * n, m * n), |(i, j)| a[[i / n, j / n]] * b[[i % n, j % n]])
}

#[test]
fn viterbi_finds_the_best_path_of_all() {
    // every path of a small model, scored in the same log domain
    let mut rng = Rng::new(9);
    for _ in 0..20 {
        let (n, steps) = (3, 5);
        let t = Array2::from_shape_fn((n, n), |_| rng.uniform() + 0.01);
        let t = &t / &t.sum_axis(ndarray::Axis(1)).insert_axis(ndarray::Axis(1));
        let prob = Array2::from_shape_fn((n, steps), |_| if rng.below(4) == 0 { 0.0 } else { rng.uniform() });
        let lp = |p: f64| (p + f64::MIN_POSITIVE).ln();
        let mut best = (f64::NEG_INFINITY, vec![]);
        for code in 0..n.pow(steps as u32) {
            let path: Vec<usize> = (0..steps).map(|k| (code / n.pow(k as u32)) % n).collect();
            let mut s = lp(1.0 / n as f64) + lp(prob[[path[0], 0]]);
            for k in 1..steps {
                s += lp(t[[path[k - 1], path[k]]]) + lp(prob[[path[k], k]]);
            }
            if s > best.0 + 1e-9 {
                best = (s, path);
            }
        }
        let (states, logp) = viterbi(prob.view(), t.view(), None).unwrap();
        assert!((logp - best.0).abs() < 1e-9, "{logp} vs {}", best.0);
        // the decoded path scores the optimum (ties may pick another path)
        let mut s = lp(1.0 / n as f64) + lp(prob[[states[0], 0]]);
        for k in 1..steps {
            s += lp(t[[states[k - 1], states[k]]]) + lp(prob[[states[k], k]]);
        }
        assert!((s - best.0).abs() < 1e-9);
    }
}

#[test]
fn viterbi_refuses_bad_input() {
    let t = transition_uniform(3).unwrap();
    let p = Array2::from_elem((3, 4), 0.5);
    assert!(viterbi(Array2::from_elem((2, 4), 0.5).view(), t.view(), None).is_err());
    assert!(viterbi(Array2::from_elem((3, 4), 1.5).view(), t.view(), None).is_err());
    assert!(viterbi(Array2::from_elem((3, 4), f64::NAN).view(), t.view(), None).is_err());
    assert!(viterbi(Array2::zeros((3, 0)).view(), t.view(), None).is_err());
    assert!(viterbi(p.view(), Array2::from_elem((3, 3), 0.5).view(), None).is_err());
    assert!(viterbi(p.view(), t.view(), Some(&[0.5, 0.5, 0.5])).is_err());
}

fn case_config(m: &Value, case: &str) -> (u32, PyinConfig) {
    let p = &m["files"][format!("pyin_{case}_f0.npy")]["params"];
    let mut c = PyinConfig { fmin: p["fmin"].as_f64().unwrap(), fmax: p["fmax"].as_f64().unwrap(), ..Default::default() };
    if let Some(v) = p["frame_length"].as_u64() {
        c.frame_length = v as usize;
    }
    c.hop_length = p["hop_length"].as_u64().map(|v| v as usize);
    if let Some(v) = p["resolution"].as_f64() {
        c.resolution = v;
    }
    if let Some(v) = p["max_transition_rate"].as_f64() {
        c.max_transition_rate = v;
    }
    if let Some(v) = p["switch_prob"].as_f64() {
        c.switch_prob = v;
    }
    if let Some(v) = p["n_thresholds"].as_u64() {
        c.n_thresholds = v as usize;
    }
    if let Some(v) = p["beta_parameters"].as_array() {
        c.beta_parameters = [v[0].as_f64().unwrap(), v[1].as_f64().unwrap()];
    }
    if let Some(v) = p["boltzmann_parameter"].as_f64() {
        c.boltzmann_parameter = v;
    }
    if let Some(v) = p["no_trough_prob"].as_f64() {
        c.no_trough_prob = v;
    }
    if let Some(v) = p["center"].as_bool() {
        c.center = v;
    }
    if p["pad_mode"].as_str() == Some("reflect") {
        c.pad_mode = PadMode::Reflect;
    }
    (p["sr"].as_u64().unwrap() as u32, c)
}

#[test]
fn pyin_matches_librosa() {
    let m = manifest();
    for case in ["default", "custom", "reflect"] {
        let (sr, cfg) = case_config(&m, case);
        let y: Array1<f32> = read_npy(path(&format!("pyin_{case}_y.npy"))).unwrap();
        let f0: Array1<f64> = read_npy(path(&format!("pyin_{case}_f0.npy"))).unwrap();
        let voiced: Array1<u8> = read_npy(path(&format!("pyin_{case}_voiced.npy"))).unwrap();
        let prob: Array1<f64> = read_npy(path(&format!("pyin_{case}_prob.npy"))).unwrap();
        let track = Pyin::new(sr, &cfg).unwrap().track(y.as_slice().unwrap()).unwrap();
        assert_eq!(track.len(), f0.len(), "{case}: frames");
        let flags: Vec<bool> = voiced.iter().map(|&v| v == 1).collect();
        assert_eq!(track.voiced, flags, "{case}: voicing");
        for (t, (a, b)) in track.f0_hz.iter().zip(f0.iter()).enumerate() {
            assert!((a / b).log2().abs() * 1200.0 < 1e-6, "{case} frame {t}: {a} Hz vs {b} Hz");
        }
        for (t, (a, b)) in track.voiced_prob.iter().zip(prob.iter()).enumerate() {
            assert!((a - b).abs() < 1e-9, "{case} frame {t}: voiced probability {a} vs {b}");
        }
    }
}

fn tone(f0: f64, sr: u32, secs: f64) -> Vec<f32> {
    (0..(secs * sr as f64) as usize)
        .map(|i| {
            let t = i as f64 / sr as f64;
            (1..=5).map(|h| (2.0 * std::f64::consts::PI * f0 * h as f64 * t).sin() / h as f64).sum::<f64>() as f32 * 0.3
        })
        .collect()
}

#[test]
fn pyin_tracks_tones_and_rests() {
    let sr = 22050;
    let cfg = PyinConfig::default();
    for f0 in [82.41, 220.0, 261.63, 880.0, 1500.0] {
        let mut x = vec![0f32; sr as usize / 4];
        x.extend(tone(f0, sr, 0.6));
        x.extend(vec![0f32; sr as usize / 4]);
        let track = Pyin::new(sr, &cfg).unwrap().track(&x).unwrap();
        // frames well inside the tone: voiced, within half a bin (5 cents) of f0
        let hop = cfg.hop_length() as f64 / sr as f64;
        let mut inside = 0;
        for (t, (f, v)) in track.f0_hz.iter().zip(&track.voiced).enumerate() {
            let time = t as f64 * hop;
            if time > 0.35 && time < 0.75 {
                inside += 1;
                assert!(*v, "{f0} Hz at {time:.2} s: unvoiced");
                assert!((f / f0).log2().abs() * 1200.0 < 6.0, "{f0} Hz at {time:.2} s: {f} Hz");
            }
            if !(0.1..=1.0).contains(&time) {
                assert!(!v, "{f0} Hz at {time:.2} s: silence voiced");
            }
        }
        assert!(inside > 12);
    }
}

#[test]
fn pyin_refuses_bad_parameters_and_input() {
    let e = |c: PyinConfig| Pyin::new(22050, &c).unwrap_err().to_string();
    let d = PyinConfig::default;
    assert!(e(PyinConfig { fmin: 0.0, ..d() }).contains("fmin"));
    assert!(e(PyinConfig { fmax: 20_000.0, ..d() }).contains("Nyquist"));
    assert!(e(PyinConfig { fmin: 10.0, ..d() }).contains("too low"));
    assert!(e(PyinConfig { fmin: 440.0, fmax: 460.0, ..d() }).contains("pitch bins"));
    assert!(e(PyinConfig { resolution: 1.5, ..d() }).contains("resolution"));
    assert!(e(PyinConfig { switch_prob: 1.0, ..d() }).contains("switch_prob"));
    assert!(e(PyinConfig { hop_length: Some(0), ..d() }).contains("hop_length"));
    assert!(e(PyinConfig { beta_parameters: [0.0, 1.0], ..d() }).contains("beta"));
    let p = Pyin::new(22050, &d()).unwrap();
    assert!(p.track(&[]).is_err());
    assert!(p.track(&[0.0, f32::NAN, 0.0]).is_err());
    // shorter than a frame: centred, so still frames (librosa gives one per hop)
    assert_eq!(p.track(&[0.1; 100]).unwrap().len(), 1);
    // silence: every frame unvoiced
    assert!(p.track(&vec![0f32; 22050]).unwrap().voiced.iter().all(|v| !v));
}
