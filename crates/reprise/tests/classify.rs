//! Clip features, their cache, grouped folds and model files.

use ndarray::{array, Array2};
use reprise::classify::{clip_vector, grouped_folds, summarize, ClipFeature, FeatureCache, ModelFile};
use reprise::features::FeatureParams;
use reprise::ml::{ClassifierKind, Pipeline};

fn tone(path: &std::path::Path, freq_hz: f32, amp: f32) {
    let sr = 22050;
    let y: Vec<f32> = (0..sr / 2).map(|n| amp * (2.0 * std::f32::consts::PI * freq_hz * n as f32 / sr as f32).sin()).collect();
    reprise::io::write_wav(path, &y, sr as u32).unwrap();
}

#[test]
fn summary_is_mean_and_std_over_frames() {
    let m: Array2<f32> = array![[1.0, 2.0, 3.0, 6.0], [0.0, 0.0, 4.0, 4.0]];
    let v = summarize(&m, false);
    // naive: mean 3, std sqrt(((−2)² + (−1)² + 0 + 3²)/4) = sqrt(3.5); row 2: mean 2, std 2
    let expect = [3.0, 2.0, 3.5f64.sqrt(), 2.0];
    for (a, b) in v.iter().zip(expect) {
        assert!((a - b).abs() < 1e-12, "{v:?}");
    }
    // log: the floor is 1e-10 of the maximum, so zeros stay finite
    let l = summarize(&m, true);
    let floor = (6.0f64 * 1e-10).ln();
    assert!((l[1] - (2.0 * floor + 2.0 * 4f64.ln()) / 4.0).abs() < 1e-9, "{l:?}");
    assert!(l.iter().all(|x| x.is_finite()));
}

#[test]
fn clip_features_are_cached_and_refreshed_when_the_file_changes() {
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("a.wav");
    tone(&wav, 440.0, 0.5);
    let feat = ClipFeature::parse("mfcc", &FeatureParams::default()).unwrap();
    assert_eq!(feat.parts.len(), 1);
    assert_eq!(ClipFeature::parse("spectral", &FeatureParams::default()).unwrap().parts.len(), 6);
    let err = ClipFeature::parse("wavelets", &FeatureParams::default()).unwrap_err();
    assert!(err.contains("unknown feature kind `wavelets`") && err.contains("spectral"), "{err}");
    let cache = FeatureCache { dir: Some(dir.path().join("cache")) };
    let (v1, hit) = cache.get(&wav, &feat).unwrap();
    assert!(!hit);
    assert_eq!(v1.len(), 40);
    assert_eq!(v1, clip_vector(&wav, &feat).unwrap());
    let (v2, hit) = cache.get(&wav, &feat).unwrap();
    assert!(hit);
    assert_eq!(v1, v2);
    // a different parameter is a different entry
    let p = FeatureParams { n_mfcc: 13, ..Default::default() };
    let (v3, hit) = cache.get(&wav, &ClipFeature::parse("mfcc", &p).unwrap()).unwrap();
    assert!(!hit && v3.len() == 26);
    // rewriting the file (other size or time) invalidates the entry
    std::thread::sleep(std::time::Duration::from_millis(20));
    tone(&wav, 880.0, 0.5);
    let (v4, hit) = cache.get(&wav, &feat).unwrap();
    assert!(!hit && v4 != v1);
    // a damaged entry is recomputed, not trusted
    for e in std::fs::read_dir(dir.path().join("cache/clip-features/mfcc")).unwrap() {
        std::fs::write(e.unwrap().path(), b"garbage").unwrap();
    }
    assert_eq!(cache.get(&wav, &feat).unwrap(), (v4, false));
    // a missing file is an error naming it
    let err = cache.get(&dir.path().join("nope.wav"), &feat).unwrap_err().to_string();
    assert!(err.contains("nope.wav"), "{err}");
}

#[test]
fn grouped_folds_keep_a_note_together_and_stratify() {
    // 4 classes × 5 notes × 3 velocities
    let mut y = Vec::new();
    let mut groups = Vec::new();
    for c in 0..4 {
        for note in 0..5 {
            for _vel in 0..3 {
                y.push(c);
                groups.push(format!("{c}-{note}"));
            }
        }
    }
    let (folds, warnings) = grouped_folds(&y, &groups, 5, 1).unwrap();
    assert!(warnings.is_empty());
    for i in 0..y.len() {
        for j in 0..y.len() {
            if groups[i] == groups[j] {
                assert_eq!(folds[i], folds[j]);
            }
        }
    }
    // each fold holds one note of each class
    for f in 0..5 {
        for c in 0..4 {
            assert_eq!((0..y.len()).filter(|&i| folds[i] == f && y[i] == c).count(), 3);
        }
    }
}

#[test]
fn model_files_round_trip_and_refuse_damage() {
    let dir = tempfile::tempdir().unwrap();
    let x = array![[0.0, 1.0], [0.1, 1.1], [5.0, 0.0], [5.1, 0.2]];
    let labels = vec!["a".to_string(), "b".to_string()];
    let (pipe, _) = Pipeline::fit(x.view(), &[0, 0, 1, 1], &labels, &ClassifierKind::Svc.default_config(0)).unwrap();
    let feat = ClipFeature::parse("mfcc", &FeatureParams::default()).unwrap();
    let path = dir.path().join("m.json");
    ModelFile::new(feat.clone(), pipe.clone(), "test".into()).save(&path).unwrap();
    let back = ModelFile::load(&path).unwrap();
    assert_eq!(back.pipeline, pipe);
    assert_eq!(back.feature, feat);
    // edit the scaler to a zero scale: refused with the file's name
    let text = std::fs::read_to_string(&path).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["pipeline"]["scaler"]["scale"]["data"][0] = serde_json::json!(0.0);
    std::fs::write(&path, v.to_string()).unwrap();
    let err = ModelFile::load(&path).unwrap_err().to_string();
    assert!(err.starts_with(&path.display().to_string()) && err.contains("damaged model"), "{err}");
    v["version"] = serde_json::json!(7);
    std::fs::write(&path, v.to_string()).unwrap();
    assert!(ModelFile::load(&path).unwrap_err().to_string().contains("version 7 is not supported"));
}
