//! Melody metrics against mir_eval 0.8.2 (`mir_eval.melody.evaluate` on the fixtures of
//! `scripts/make_pitch_fixtures.py`; scores in `fixtures/pitch/manifest.json`), within 1e-12,
//! and by properties.

use ndarray::Array1;
use ndarray_npy::read_npy;
use reprise_dsp::melody::{evaluate_melody, MelodyEvalConfig};
use serde_json::Value;
use std::path::PathBuf;

fn path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/pitch").join(name)
}

fn vec(name: &str) -> Vec<f64> {
    let a: Array1<f64> = read_npy(path(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    a.to_vec()
}

#[test]
fn scores_match_mir_eval() {
    let m: Value = serde_json::from_str(&std::fs::read_to_string(path("manifest.json")).unwrap()).unwrap();
    for case in ["same_grid", "resampled", "soft_voicing"] {
        let f = |part: &str| vec(&format!("melody_{case}_{part}.npy"));
        let voicing = path(&format!("melody_{case}_est_voicing.npy")).exists().then(|| f("est_voicing"));
        let s = evaluate_melody(&f("ref_time"), &f("ref_freq"), &f("est_time"), &f("est_freq"), voicing.as_deref(), &MelodyEvalConfig::default())
            .unwrap();
        let want = &m["files"][format!("melody_{case}_ref_time.npy")]["scores"];
        for (name, got) in [
            ("Voicing Recall", s.voicing_recall),
            ("Voicing False Alarm", s.voicing_false_alarm),
            ("Raw Pitch Accuracy", s.raw_pitch_accuracy),
            ("Raw Chroma Accuracy", s.raw_chroma_accuracy),
            ("Overall Accuracy", s.overall_accuracy),
        ] {
            let w = want[name].as_f64().unwrap();
            assert!((got - w).abs() < 1e-12, "{case} {name}: {got} vs {w}");
        }
    }
}

#[test]
fn a_melody_against_itself_scores_one() {
    let t: Vec<f64> = (0..200).map(|i| i as f64 * 0.01).collect();
    let f: Vec<f64> = t.iter().map(|&x| if (0.5..0.8).contains(&x) { 0.0 } else { 200.0 + 100.0 * x }).collect();
    let s = evaluate_melody(&t, &f, &t, &f, None, &MelodyEvalConfig::default()).unwrap();
    assert_eq!((s.voicing_recall, s.voicing_false_alarm, s.raw_pitch_accuracy, s.raw_chroma_accuracy, s.overall_accuracy), (1.0, 0.0, 1.0, 1.0, 1.0));
    // an octave error: raw pitch 0, raw chroma 1
    let up: Vec<f64> = f.iter().map(|x| x * 2.0).collect();
    let s = evaluate_melody(&t, &f, &t, &up, None, &MelodyEvalConfig::default()).unwrap();
    assert_eq!((s.raw_pitch_accuracy, s.raw_chroma_accuracy), (0.0, 1.0));
    // on a 5 ms grid the same melody still scores one
    let cfg = MelodyEvalConfig { hop_s: Some(0.005), ..Default::default() };
    let s = evaluate_melody(&t, &f, &t, &f, None, &cfg).unwrap();
    assert!((s.raw_pitch_accuracy - 1.0).abs() < 1e-12 && s.voicing_false_alarm == 0.0);
}

#[test]
fn bad_melodies_are_refused() {
    let cfg = MelodyEvalConfig::default();
    let t = [0.0, 0.01, 0.02];
    let f = [100.0, 100.0, 0.0];
    assert!(evaluate_melody(&t, &f[..2], &t, &f, None, &cfg).unwrap_err().to_string().contains("reference"));
    assert!(evaluate_melody(&t, &f, &[0.0, 0.02, 0.01], &f, None, &cfg).unwrap_err().to_string().contains("increase"));
    assert!(evaluate_melody(&t, &f, &t, &[100.0, f64::NAN, 0.0], None, &cfg).unwrap_err().to_string().contains("NaN"));
    assert!(evaluate_melody(&t, &f, &t, &f, Some(&[0.5, 2.0, 0.0]), &cfg).is_err());
    assert!(evaluate_melody(&[0.0], &[1.0], &t, &f, None, &cfg).is_err());
}
