//! The engine's contract: the paper's parameter counts, every model overfits a tiny batch,
//! gradients of the composed spiral/padding layers match finite differences, weights
//! round-trip exactly, a resumed run equals an uninterrupted one, damaged files are errors.

use std::sync::Arc;

use reprise_core::rng::Rng;
use reprise_nn::burn::module::Module;
use reprise_nn::burn::prelude::*;
use reprise_nn::checkpoint::{load_weights, save_weights};
use reprise_nn::data::{Clip, PatchSet};
use reprise_nn::models::{LcConfig, ModelConfig, PonsConfig};
use reprise_nn::objectives::{Classification, PairReconstruction};
use reprise_nn::train::{fit, log_probs, FitOptions, TrainConfig};

/// burn's CPU backend has one global random generator (weights, dropout): every test takes
/// this lock so that concurrent tests do not draw from each other's stream (a test that only
/// builds a model draws its weights from it too).
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// The device under test: `cpu`, or another that this build knows (`libtorch`, `cuda`…)
/// named by `REPRISE_NN_TEST_DEVICE` (README, "Devices").
fn test_device() -> Device {
    let name = std::env::var("REPRISE_NN_TEST_DEVICE").unwrap_or_else(|_| "cpu".into());
    reprise_nn::device(&name).unwrap_or_else(|e| panic!("REPRISE_NN_TEST_DEVICE: {e}"))
}

fn params(name: &str, rows: usize, frames: usize) -> usize {
    ModelConfig::named(name, rows, frames, 8).unwrap().init(&test_device()).unwrap().num_params()
}

/// A damaged model.json (a size with extra digits) is refused by `validate` and `init`
/// before anything is allocated, for every model; the real networks stay far below the limit.
#[test]
fn absurd_sizes_are_errors_not_allocations() {
    let _guard = serial();
    let device = test_device();
    let mut cases: Vec<(&str, ModelConfig)> = vec![];
    let named = |name: &str| ModelConfig::named(name, 96, if name == "sample-cnn" { 59_049 } else { 128 }, 8).unwrap();
    let json = |name: &str| serde_json::to_value(named(name)).unwrap();
    for (name, field, value) in [
        ("mlp", "hidden", serde_json::json!([1u64 << 40])),
        ("mlp", "inputs", serde_json::json!(1u64 << 30)),
        ("lc-2d", "kernels", serde_json::json!(1u64 << 20)),
        ("lc-combined", "dense", serde_json::json!(1u64 << 33)),
        ("lc-1d", "bins_per_octave", serde_json::json!(u64::MAX / 2)),
        ("pons", "dense", serde_json::json!(1u64 << 32)),
        ("sample-cnn", "first", serde_json::json!(1u64 << 31)),
    ] {
        let mut v = json(name);
        assert!(v.get(field).is_some(), "{name} has no field {field}: {v}");
        v[field] = value;
        cases.push((name, serde_json::from_value(v).unwrap()));
    }
    for (name, c) in cases {
        let e = c.validate().unwrap_err().to_string();
        assert!(!e.contains('\n'), "{name}: {e}");
        assert!(c.init(&device).is_err(), "{name}: init accepted");
    }
    for name in ["lc-combined", "pons", "sample-cnn", "mlp"] {
        let c = named(name);
        assert!((c.init(&device).unwrap().num_params() as u128) < reprise_nn::models::MAX_WEIGHTS / 16, "{name}");
    }
}

#[test]
fn parameter_counts_are_the_papers() {
    let _guard = serial();
    // Lostanlen & Cella 2016, Table 1 and their code: 93k, 20k, 36k, 147k.
    assert_eq!(params("lc-2d", 96, 128), 92_584);
    assert_eq!(params("lc-1d", 96, 128), 19_720);
    assert_eq!(params("lc-spiral", 96, 128), 35_944);
    assert_eq!(params("lc-combined", 96, 128), 147_080);
    assert_eq!(params("mlp", 80, 1), 80 * 256 + 256 + 256 * 128 + 128 + 128 * 8 + 8);
    // Trainable counts of the networks with batch norm, as PyTorch counts them
    // (scripts/bench_torch_nn.py builds the same architectures).
    for (name, rows, frames, torch) in [("pons", 96, 128, 99_680), ("sample-cnn", 1, 59049, 175_368)] {
        let cfg = ModelConfig::named(name, rows, frames, 8).unwrap();
        assert_eq!(params(name, rows, frames) - cfg.running_stats(), torch, "{name}");
    }
}

#[test]
fn inputs_too_small_are_errors() {
    let _guard = serial();
    for (name, rows, frames) in
        [("lc-2d", 10, 128), ("lc-1d", 30, 128), ("lc-spiral", 50, 128), ("lc-2d", 96, 20), ("sample-cnn", 1, 1000), ("resnet", 96, 128)]
    {
        let e = ModelConfig::named(name, rows, frames, 8).unwrap_err().to_string();
        assert!(!e.contains('\n') && (e.contains("too small") || e.contains("too few") || e.contains("unknown model")), "{name}: {e}");
    }
}

/// `n` random clips of `rows × frames`, labels cycling over `classes`, with a class-dependent
/// offset in one row so that the task is learnable.
fn toy(n: usize, rows: usize, frames: usize, classes: usize, seed: u64) -> Vec<Clip> {
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|i| {
            let label = i % classes;
            let mut data: Vec<f32> = (0..rows * frames).map(|_| rng.range(-1.0, 1.0) as f32).collect();
            let r = (label * rows / classes + rows / (2 * classes)).min(rows - 1);
            for v in &mut data[r * frames..(r + 1) * frames] {
                *v += 2.0;
            }
            Clip::new(data, rows, frames, label, "toy").unwrap()
        })
        .collect()
}

fn no_dropout(c: ModelConfig) -> ModelConfig {
    match c {
        ModelConfig::Lc(l) => ModelConfig::Lc(LcConfig { dropout: 0.0, ..l }),
        ModelConfig::Pons(p) => ModelConfig::Pons(PonsConfig { dropout: 0.0, ..p }),
        ModelConfig::SampleCnn(s) => ModelConfig::SampleCnn(reprise_nn::models::SampleCnnConfig { dropout: 0.0, ..s }),
        ModelConfig::Mlp(m) => ModelConfig::Mlp(reprise_nn::models::MlpConfig { dropout: 0.0, ..m }),
        ModelConfig::Cae(c) => ModelConfig::Cae(reprise_nn::models::CaeConfig { dropout: 0.0, ..c }),
    }
}

fn overfits(name: &str, rows: usize, frames: usize) {
    overfits_with(no_dropout(ModelConfig::named(name, rows, frames, 4).unwrap()), toy(8, rows, frames, 4, 1), name);
}

/// (The caller holds the [`serial`] lock.)
fn overfits_with(model: ModelConfig, clips: Vec<Clip>, name: &str) {
    let (classes, frames) = (model.n_classes().unwrap(), model.input_shape().1);
    let set = Arc::new(PatchSet::new(clips, frames, classes).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let cfg = TrainConfig { epochs: 60, epoch_size: 16, batch_size: 8, lr: 3e-3, patience: 0, seed: 3, ..TrainConfig::default() };
    let report = fit(&model, &cfg, dir.path(), &Classification::new(set.clone(), None), &test_device(), FitOptions::quiet()).unwrap();
    let last = report.epochs.last().unwrap();
    let first = &report.epochs[0];
    assert!(last.train_loss < 0.25 * first.train_loss, "{name}: loss {} → {}", first.train_loss, last.train_loss);
    let net = load_weights(&model, &dir.path().join("weights.bpk"), &test_device()).unwrap();
    let windows: Vec<_> = (0..set.clips.len()).flat_map(|c| set.windows_of(c, frames)).collect();
    let lp = log_probs(&net, &set, &windows, 8, &test_device());
    let right = lp.iter().zip(&windows).filter(|(p, w)| reprise_nn::train::argmax(p) == set.clips[w.clip].label).count();
    assert_eq!(right, windows.len(), "{name} did not fit its 8 examples");
}

#[test]
fn lc_models_overfit_a_tiny_batch() {
    let _guard = serial();
    for name in ["lc-2d", "lc-1d", "lc-spiral", "lc-combined"] {
        overfits(name, 72, 50);
    }
}

#[test]
fn pons_overfits_a_tiny_batch() {
    let _guard = serial();
    overfits("pons", 40, 32);
}

#[test]
fn sample_cnn_and_mlp_overfit_a_tiny_batch() {
    let _guard = serial();
    // Waveforms: a sine whose frequency depends on the class, with noise.
    let mut rng = Rng::new(2);
    let clips = (0..8)
        .map(|i| {
            let f = 0.02 * (1 + i % 4) as f64;
            let x = (0..729).map(|t| ((std::f64::consts::TAU * f * t as f64).sin() + rng.range(-0.3, 0.3)) as f32).collect();
            Clip::new(x, 1, 729, i % 4, "sine").unwrap()
        })
        .collect();
    let model = ModelConfig::SampleCnn(reprise_nn::models::SampleCnnConfig {
        samples: 729,
        first: 8,
        blocks: vec![8, 8, 16, 16, 16],
        n_classes: 4,
        dropout: 0.0,
    });
    overfits_with(model, clips, "sample-cnn");
    overfits("mlp", 24, 1);
}

fn small_lc() -> ModelConfig {
    ModelConfig::named("lc-combined", 72, 50, 3).unwrap()
}

fn same_predictions(a: &reprise_nn::models::Net, b: &reprise_nn::models::Net, set: &PatchSet) {
    let w: Vec<_> = (0..set.clips.len()).flat_map(|c| set.windows_of(c, 25)).collect();
    assert_eq!(log_probs(a, set, &w, 4, &test_device()), log_probs(b, set, &w, 4, &test_device()));
}

#[test]
fn weights_round_trip_exactly() {
    let _guard = serial();
    let model = small_lc();
    let device = test_device();
    device.seed(5);
    let net = model.init(&device).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.bpk");
    save_weights(&net, &path).unwrap();
    let back = load_weights(&model, &path, &device).unwrap();
    let set = PatchSet::new(toy(6, 72, 70, 3, 9), 50, 3).unwrap();
    same_predictions(&net, &back, &set);
}

#[test]
fn resumed_run_equals_uninterrupted_run() {
    let _guard = serial();
    let model = small_lc();
    let set = Arc::new(PatchSet::new(toy(12, 72, 80, 3, 4), 50, 3).unwrap());
    let val = PatchSet::new(toy(6, 72, 80, 3, 5), 50, 3).unwrap();
    let cfg = TrainConfig { epochs: 3, epoch_size: 24, batch_size: 8, patience: 0, seed: 11, ..TrainConfig::default() };
    let whole = tempfile::tempdir().unwrap();
    let a = fit(&model, &cfg, whole.path(), &Classification::new(set.clone(), Some(&val)), &test_device(), FitOptions::quiet()).unwrap();
    // Interrupted after epoch 1 (a kill during epoch 2 leaves the epoch-1 checkpoint)...
    let cut = tempfile::tempdir().unwrap();
    fit(
        &model,
        &TrainConfig { epochs: 1, ..cfg.clone() },
        cut.path(),
        &Classification::new(set.clone(), Some(&val)),
        &test_device(),
        FitOptions::quiet(),
    )
    .unwrap();
    // ... and a half-written next checkpoint, as a kill leaves it.
    std::fs::create_dir_all(cut.path().join("checkpoint.tmp")).unwrap();
    std::fs::write(cut.path().join("checkpoint.tmp/model.bpk"), b"partial").unwrap();
    let b = fit(
        &model,
        &cfg,
        cut.path(),
        &Classification::new(set.clone(), Some(&val)),
        &test_device(),
        FitOptions { resume: true, progress: &mut |_| {}, on_epoch: &mut |_| {} },
    )
    .unwrap();
    assert_eq!(b.resumed_from, Some(1));
    assert_eq!(
        a.epochs,
        b.epochs.iter().map(|m| reprise_nn::train::EpochMetrics { seconds: a.epochs[m.epoch - 1].seconds, ..m.clone() }).collect::<Vec<_>>()
    );
    let last = |d: &std::path::Path| load_weights(&model, &d.join("checkpoint/model.bpk"), &test_device()).unwrap();
    same_predictions(&last(whole.path()), &last(cut.path()), &val);
    assert_eq!(std::fs::read_to_string(cut.path().join("metrics.jsonl")).unwrap().lines().count(), 3);
}

/// A damaged or missing checkpoint never makes `--resume` retrain over a run, a state beyond
/// the schedule is refused, and a finished run with damaged best weights is repaired when the
/// checkpoint holds the best epoch (and refused otherwise), never reported as success.
#[test]
fn resume_refuses_to_overwrite_or_accept_damaged_runs() {
    let _guard = serial();
    let model = small_lc();
    let set = Arc::new(PatchSet::new(toy(12, 72, 80, 3, 4), 50, 3).unwrap());
    let cfg = TrainConfig { epochs: 2, epoch_size: 16, batch_size: 8, patience: 0, seed: 3, ..TrainConfig::default() };
    let resume = || FitOptions {
        resume: true,
        progress: Box::leak(Box::new(|_: reprise_nn::train::Progress| {})),
        on_epoch: Box::leak(Box::new(|_: &reprise_nn::train::EpochMetrics| {})),
    };
    let run = tempfile::tempdir().unwrap();
    let r = run.path();
    // no validation set: the monitored loss is the training loss
    let done = fit(&model, &cfg, r, &Classification::new(set.clone(), None), &test_device(), FitOptions::quiet()).unwrap();
    let weights = std::fs::read(r.join("weights.bpk")).unwrap();
    // a finished run with truncated best weights
    std::fs::write(r.join("weights.bpk"), &weights[..weights.len() / 3]).unwrap();
    match fit(&model, &cfg, r, &Classification::new(set.clone(), None), &test_device(), resume()) {
        // the checkpoint held the best epoch: the weights were restored from it
        Ok(_) => {
            assert_eq!(done.best_epoch, 2);
            load_weights(&model, &r.join("weights.bpk"), &test_device()).unwrap();
        }
        Err(e) => {
            assert_ne!(done.best_epoch, 2);
            assert!(e.to_string().contains("weights.bpk") && e.to_string().contains("retrain"), "{e}");
        }
    }
    // a state that claims an epoch past the schedule
    let state = r.join("checkpoint/state.json");
    let text = std::fs::read_to_string(&state).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["epoch"] = serde_json::json!(999);
    std::fs::write(&state, v.to_string()).unwrap();
    let e = fit(&model, &cfg, r, &Classification::new(set.clone(), None), &test_device(), resume()).unwrap_err().to_string();
    assert!(e.contains("state.json") && e.contains("epoch 999"), "{e}");
    std::fs::write(&state, text).unwrap();
    // a deleted checkpoint: refused, and the run's files are untouched
    std::fs::remove_dir_all(r.join("checkpoint")).unwrap();
    let metrics = std::fs::read(r.join("metrics.jsonl")).unwrap();
    let e = fit(&model, &cfg, r, &Classification::new(set.clone(), None), &test_device(), resume()).unwrap_err().to_string();
    assert!(e.contains("checkpoint") && e.contains("cannot be resumed"), "{e}");
    assert_eq!(std::fs::read(r.join("metrics.jsonl")).unwrap(), metrics);
    assert!(r.join("weights.bpk").is_file());
}

/// Two runs with one seed write byte-identical weight and checkpoint files (burn's random
/// parameter ids made the weights differ in 63–64 header bytes, and its hash-map order the
/// optimizer state), so a checksum shows reproducibility.
#[test]
fn runs_with_one_seed_write_identical_files() {
    let _guard = serial();
    let model = small_lc();
    let set = Arc::new(PatchSet::new(toy(9, 72, 80, 3, 8), 50, 3).unwrap());
    let cfg = TrainConfig { epochs: 1, epoch_size: 16, batch_size: 8, patience: 0, seed: 21, ..TrainConfig::default() };
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    for d in [&a, &b] {
        fit(&model, &cfg, d.path(), &Classification::new(set.clone(), None), &test_device(), FitOptions::quiet()).unwrap();
    }
    for f in ["weights.bpk", "checkpoint/model.bpk", "checkpoint/optim.bpk"] {
        let (x, y) = (std::fs::read(a.path().join(f)).unwrap(), std::fs::read(b.path().join(f)).unwrap());
        assert!(x == y, "{f} differs between two runs with one seed");
    }
}

/// Two writers of one weights file and one checkpoint at once (threads here; the temporary
/// names are unique per process and per call) never leave a half-written or mixed file:
/// every read sees one writer's bytes whole, and the checkpoint loads at the end.
#[test]
fn concurrent_writers_leave_whole_files() {
    let _guard = serial();
    let device = test_device();
    let model = small_lc();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_path_buf();
    let nets: Vec<_> = (0..2).map(|_| model.init(&device).unwrap()).collect();
    let expected: Vec<Vec<u8>> = nets
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let p = d.join(format!("ref{i}.bpk"));
            save_weights(n, &p).unwrap();
            std::fs::read(&p).unwrap()
        })
        .collect();
    assert_ne!(expected[0], expected[1]);
    let shared = d.join("weights.bpk");
    save_weights(&nets[0], &shared).unwrap();
    let stop = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        let writers: Vec<_> = nets
            .iter()
            .map(|net| {
                let shared = &shared;
                s.spawn(move || (0..30).for_each(|_| save_weights(net, shared).unwrap()))
            })
            .collect();
        let reader = s.spawn(|| {
            let mut reads = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let b = std::fs::read(&shared).unwrap();
                assert!(b == expected[0] || b == expected[1], "a mixed or partial file of {} bytes", b.len());
                reads += 1;
            }
            reads
        });
        writers.into_iter().for_each(|w| w.join().unwrap());
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        assert!(reader.join().unwrap() > 0);
    });
    let mut left: Vec<String> = std::fs::read_dir(&d).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    left.sort();
    assert_eq!(left, ["ref0.bpk", "ref1.bpk", "weights.bpk"], "temporaries left behind");
}

#[test]
fn damaged_weights_are_clear_errors() {
    let _guard = serial();
    let model = small_lc();
    let device = test_device();
    let net = model.init(&device).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("w.bpk");
    save_weights(&net, &good).unwrap();
    let bytes = std::fs::read(&good).unwrap();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty", vec![]),
        ("truncated", bytes[..bytes.len() / 2].to_vec()),
        ("garbage", b"not a burnpack file at all".repeat(20)),
        ("header only", bytes[..16].to_vec()),
    ];
    for (what, content) in cases {
        let p = dir.path().join(format!("{what}.bpk"));
        std::fs::write(&p, content).unwrap();
        let e = load_weights(&model, &p, &device).unwrap_err().to_string();
        assert!(e.contains(&*p.to_string_lossy()) && !e.contains('\n'), "{what}: {e}");
    }
    let e = load_weights(&model, &dir.path().join("missing.bpk"), &device).unwrap_err().to_string();
    assert!(e.contains("missing.bpk") && e.contains("no such"), "{e}");
    // Weights of another architecture.
    let other = ModelConfig::named("lc-2d", 72, 50, 3).unwrap();
    let e = load_weights(&other, &good, &device).unwrap_err().to_string();
    assert!(e.contains("do not fit"), "{e}");
}

#[test]
fn spiral_gradients_match_finite_differences() {
    let _guard = serial();
    // The spiral branch (three band crops of the input, convolved and summed) is the one
    // composition of our own in the networks; check its input gradients.
    let device = test_device().autodiff();
    device.seed(1);
    let cfgs = vec![ModelConfig::Lc(LcConfig { dropout: 0.0, ..LcConfig::new(vec![reprise_nn::models::LcBranch::Spiral], 72, 50, 3) })];
    for cfg in cfgs {
        let (rows, frames) = cfg.input_shape();
        let net = cfg.init(&device).unwrap();
        let mut rng = Rng::new(7);
        let x0: Vec<f32> = (0..2 * rows * frames).map(|_| rng.range(-1.0, 1.0) as f32).collect();
        let loss_at = |x: &[f32], grad: bool| {
            let t = Tensor::<3>::from_data(TensorData::new(x.to_vec(), [2, rows, frames]), &device);
            let t = if grad { t.require_grad() } else { t };
            let out = net.forward(t.clone());
            let l = (out.clone() * out).sum();
            (t, l)
        };
        let (t, l) = loss_at(&x0, true);
        let grads = l.backward();
        let g: Vec<f32> = t.grad(&grads).unwrap().into_data().try_into_vec::<f32>().unwrap();
        // Central differences step over ReLU kinks and pooling ties now and then: require 10
        // of 12 random coordinates within 5 %.
        let mut errors = Vec::new();
        for _ in 0..12 {
            let i = rng.below(x0.len());
            let eps = 1e-2f32;
            let mut xp = x0.clone();
            xp[i] += eps;
            let mut xm = x0.clone();
            xm[i] -= eps;
            let lp = loss_at(&xp, false).1.into_scalar::<f32>();
            let lm = loss_at(&xm, false).1.into_scalar::<f32>();
            let fd = (lp - lm) as f64 / (2.0 * eps as f64);
            errors.push((fd - g[i] as f64).abs() / (g[i].abs() as f64).max(1e-2));
        }
        assert!(errors.iter().filter(|&&e| e < 0.05).count() >= 10, "{cfg:?}: relative gradient errors {errors:?}");
    }
}

/// Clips of smooth random "spectra" (rows × frames) for the CAE: a few bumps per frame
/// that drift slowly, so that shifted windows resemble their originals.
fn spectra(n: usize, rows: usize, frames: usize, seed: u64) -> Vec<Clip> {
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|_| {
            let centres: Vec<f64> = (0..3).map(|_| rng.range(2.0, rows as f64 - 2.0)).collect();
            let mut data = vec![0f32; rows * frames];
            for t in 0..frames {
                for (i, c) in centres.iter().enumerate() {
                    let c = c + (t as f64 * 0.1 * (i as f64 - 1.0)).sin();
                    for r in 0..rows {
                        data[r * frames + t] += (-(r as f64 - c).powi(2) / 2.0).exp() as f32;
                    }
                }
            }
            Clip::new(data, rows, frames, 0, "spectra").unwrap()
        })
        .collect()
}

fn tiny_cae() -> ModelConfig {
    ModelConfig::Cae(reprise_nn::models::CaeConfig {
        n_bins: 12,
        length: 4,
        n_bases: 16,
        dropout: 0.0,
        loss_power: 1.0,
        pitch_shift: 2,
        time_shift: 2,
    })
}

#[test]
fn the_cae_overfits_its_pairs_through_the_engine() {
    let _guard = serial();
    let model = tiny_cae();
    let set = Arc::new(PatchSet::new(spectra(4, 12, 10, 1), 4, 1).unwrap());
    let objective = PairReconstruction::for_model(&model, set.clone(), Some(&set)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cfg = TrainConfig { epochs: 60, epoch_size: 64, batch_size: 32, lr: 1e-2, patience: 0, seed: 2, ..TrainConfig::default() };
    let report = fit(&model, &cfg, dir.path(), &objective, &test_device(), FitOptions::quiet()).unwrap();
    let (first, last) = (&report.epochs[0], report.epochs.last().unwrap());
    assert!(last.train_loss < first.train_loss / 3.0, "loss {} → {}", first.train_loss, last.train_loss);
    // the pairs taught invariance: shifted windows' amplitudes are nearer than unrelated ones'
    let inv = last.value("val_invariance").unwrap();
    assert!(inv < first.value("val_invariance").unwrap() && inv < 0.5, "invariance {inv}");
    // the metrics log holds the objective's measures, and no classification ones
    let line = std::fs::read_to_string(dir.path().join("metrics.jsonl")).unwrap();
    assert!(line.contains("\"val_invariance\"") && !line.contains("acc"), "{line}");
}

#[test]
fn a_resumed_cae_run_equals_an_uninterrupted_one() {
    let _guard = serial();
    let model = ModelConfig::Cae(reprise_nn::models::CaeConfig {
        dropout: 0.5,
        ..match tiny_cae() {
            ModelConfig::Cae(c) => c,
            _ => unreachable!(),
        }
    });
    let set = Arc::new(PatchSet::new(spectra(5, 12, 12, 3), 4, 1).unwrap());
    let val = PatchSet::new(spectra(2, 12, 12, 4), 4, 1).unwrap();
    let objective = PairReconstruction::for_model(&model, set.clone(), Some(&val)).unwrap();
    let cfg = TrainConfig { epochs: 3, epoch_size: 48, batch_size: 16, patience: 0, seed: 5, ..TrainConfig::default() };
    let whole = tempfile::tempdir().unwrap();
    let a = fit(&model, &cfg, whole.path(), &objective, &test_device(), FitOptions::quiet()).unwrap();
    let cut = tempfile::tempdir().unwrap();
    fit(&model, &TrainConfig { epochs: 1, ..cfg.clone() }, cut.path(), &objective, &test_device(), FitOptions::quiet()).unwrap();
    let b =
        fit(&model, &cfg, cut.path(), &objective, &test_device(), FitOptions { resume: true, progress: &mut |_| {}, on_epoch: &mut |_| {} }).unwrap();
    assert_eq!(b.resumed_from, Some(1));
    let same_time = |m: &reprise_nn::train::EpochMetrics| reprise_nn::train::EpochMetrics { seconds: 0.0, ..m.clone() };
    assert_eq!(a.epochs.iter().map(same_time).collect::<Vec<_>>(), b.epochs.iter().map(same_time).collect::<Vec<_>>());
    for f in ["weights.bpk", "checkpoint/model.bpk", "checkpoint/optim.bpk"] {
        assert!(std::fs::read(whole.path().join(f)).unwrap() == std::fs::read(cut.path().join(f)).unwrap(), "{f} differs");
    }
}

#[test]
fn an_objective_refuses_a_model_it_cannot_train() {
    let _guard = serial();
    let set = Arc::new(PatchSet::new(spectra(2, 12, 8, 1), 4, 1).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let cfg = TrainConfig { epochs: 1, epoch_size: 4, batch_size: 4, ..TrainConfig::default() };
    let e = fit(&tiny_cae(), &cfg, dir.path(), &Classification::new(set.clone(), None), &test_device(), FitOptions::quiet()).unwrap_err();
    assert!(e.to_string().contains("not a classifier"), "{e}");
    let mlp = ModelConfig::named("mlp", 12, 1, 2).unwrap();
    let e = PairReconstruction::for_model(&mlp, set.clone(), None).err().unwrap();
    assert!(e.to_string().contains("cae"), "{e}");
    // a CAE whose window differs from the set's
    let wide = ModelConfig::named("cae", 12, 6, 0).unwrap();
    let e = fit(&wide, &cfg, dir.path(), &PairReconstruction::for_model(&wide, set, None).unwrap(), &test_device(), FitOptions::quiet()).unwrap_err();
    assert!(e.to_string().contains("4-frame windows") && e.to_string().contains("wants 12 and 6"), "{e}");
}

/// metrics.jsonl lines of classification keep their names, and lines written before the
/// measures were named (`"val_acc": null` without validation) still read.
#[test]
fn metrics_lines_keep_their_names_and_old_lines_read() {
    let _guard = serial();
    let old = r#"{"epoch":1,"train_loss":1.5,"train_acc":0.25,"val_loss":null,"val_acc":null,"val_balanced_acc":null,"seconds":2.0}"#;
    let m: reprise_nn::train::EpochMetrics = serde_json::from_str(old).unwrap();
    assert_eq!((m.value("train_acc"), m.value("val_acc"), m.val_loss), (Some(0.25), None, None));
    let v: serde_json::Value = serde_json::to_value(&m).unwrap();
    assert_eq!(v["train_acc"], 0.25);
    assert_eq!(v["epoch"], 1);
}
