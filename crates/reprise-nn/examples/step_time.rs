//! Times one training step (forward, cross-entropy, backward, Adam update) and one
//! inference of each model at batch 32, on the shapes `scripts/bench_torch_nn.py` uses for
//! PyTorch: median of `--steps` after `--warmup`. Inference is `train::log_probs`, the
//! route `reprise predict` and `reprise eval` take (for sample-cnn, its folded CPU path).
//!
//! ```text
//! cargo run --release -p reprise-nn --example step_time -- --json out.json [--steps 30] [--models lc-2d,pons] [--device libtorch]
//! ```
//! Threads: `RAYON_NUM_THREADS` (burn's CPU backend uses the global rayon pool; libtorch has its
//! own OpenMP threads).

// The allocator of the `reprise` binary (see its main.rs), so that steps are timed as
// `reprise train` runs them.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::time::Instant;

use burn::module::Module;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::{AdamConfig, GradientsParams};
use reprise_nn::data::{Clip, PatchSet, Window};
use reprise_nn::models::ModelConfig;
use reprise_nn::train::{batch_tensors, log_probs};

const MODELS: &[(&str, usize, usize)] = &[
    ("lc-2d", 96, 128),
    ("lc-1d", 96, 128),
    ("lc-spiral", 96, 128),
    ("lc-combined", 96, 128),
    ("pons", 96, 128),
    ("sample-cnn", 1, 59049),
    ("mlp", 80, 1),
];

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let steps: usize = arg("--steps").and_then(|s| s.parse().ok()).unwrap_or(30);
    let warmup: usize = arg("--warmup").and_then(|s| s.parse().ok()).unwrap_or(3);
    let only = arg("--models");
    let name = arg("--device").unwrap_or_else(|| "cpu".into());
    let device = reprise_nn::device(&name).unwrap_or_else(|e| panic!("--device: {e}")).autodiff();
    device.seed(0);
    let mut out = serde_json::Map::new();
    for &(name, rows, frames) in MODELS {
        if only.as_ref().is_some_and(|o| !o.split(',').any(|m| m == name)) {
            continue;
        }
        let cfg = ModelConfig::named(name, rows, frames, 8).expect("benchmark shapes are valid");
        let mut net = cfg.init(&device).expect("valid");
        let params = net.num_params() - cfg.running_stats();
        let mut optim = AdamConfig::new().init();
        let loss_fn = CrossEntropyLossConfig::new().init(&device);
        let batch = || {
            let mut rng = reprise_core::rng::Rng::new(1);
            let x: Vec<f32> = (0..32 * rows * frames).map(|_| rng.range(-1.0, 1.0) as f32).collect();
            reprise_nn::data::Batch { x, shape: [32, rows, frames], y: (0..32).map(|i| i % 8).collect(), target: None }
        };
        let mut times = Vec::new();
        for i in 0..warmup + steps {
            let (x, y) = batch_tensors(batch(), &device);
            let t0 = Instant::now();
            let loss = loss_fn.forward(net.forward(x), y);
            let grads = GradientsParams::from_grads(loss.backward(), &net);
            net = optim.step(1e-3, net, grads);
            let _ = loss.into_scalar::<f32>();
            if i >= warmup {
                times.push(t0.elapsed().as_secs_f64() * 1e3);
            }
        }
        let train_ms = median(times);
        let b = batch();
        let clips =
            b.x.chunks(rows * frames).zip(&b.y).map(|(x, &y)| Clip::new(x.to_vec(), rows, frames, y, "benchmark input").expect("finite")).collect();
        let set = PatchSet::new(clips, frames, 8).expect("valid set");
        let windows: Vec<Window> = (0..32).map(|clip| Window { clip, start: 0 }).collect();
        let mut times = Vec::new();
        for i in 0..warmup + steps {
            let t0 = Instant::now();
            let _ = log_probs(&net, &set, &windows, 32, &device);
            if i >= warmup {
                times.push(t0.elapsed().as_secs_f64() * 1e3);
            }
        }
        let infer_ms = median(times);
        eprintln!("{name:<12} {params:>8} params  train step {train_ms:8.1} ms  inference {infer_ms:8.1} ms");
        out.insert(name.into(), serde_json::json!({ "params": params, "train_step_ms": train_ms, "infer_ms": infer_ms }));
    }
    let doc = serde_json::json!({ "backend": format!("burn 0.22.1 on {name}"), "threads": std::env::var("RAYON_NUM_THREADS").ok(), "batch": 32, "models": out });
    match arg("--json") {
        Some(p) => std::fs::write(&p, serde_json::to_string_pretty(&doc).expect("json") + "\n").expect("write --json file"),
        None => println!("{}", serde_json::to_string_pretty(&doc).expect("json")),
    }
}
