//! Times one training step of the Complex Autoencoder at the reference's sizes (batch 1000
//! pairs of 120 × 32 windows → 2 × 256 bases, input dropout 0.5, L1 pair loss, Adam 1e-3),
//! as `scripts/bench_cae.py` times PyTorch on the same model: the median of `--steps` after
//! `--warmup`. The step is what the engine runs: pair loss, backward, Adam update.
//!
//! ```text
//! RAYON_NUM_THREADS=2 cargo run --release -p reprise-nn --example cae_step -- [--steps 20] [--warmup 3] [--json out.json]
//! ```

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::time::Instant;

use burn::module::Module;
use burn::optim::{AdamConfig, GradientsParams};
use burn::prelude::*;
use reprise_nn::models::{CaeConfig, ModelConfig, Net};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let steps: usize = arg("--steps").and_then(|s| s.parse().ok()).unwrap_or(20);
    let warmup: usize = arg("--warmup").and_then(|s| s.parse().ok()).unwrap_or(3);
    let batch: usize = arg("--batch").and_then(|s| s.parse().ok()).unwrap_or(1000);
    let device = reprise_nn::device("cpu").expect("cpu").autodiff();
    device.seed(0);
    let cfg = CaeConfig::default();
    let Net::Cae(mut cae) = ModelConfig::Cae(cfg.clone()).init(&device).expect("valid") else { unreachable!() };
    let params = cae.num_params();
    let mut optim = AdamConfig::new().init();
    let n = cfg.inputs();
    let mut rng = reprise_core::rng::Rng::new(1);
    let x: Vec<f32> = (0..batch * n).map(|_| rng.range(-1.0, 1.0) as f32).collect();
    let y: Vec<f32> = (0..batch * n).map(|_| rng.range(-1.0, 1.0) as f32).collect();
    let mut times = Vec::new();
    for i in 0..warmup + steps {
        let xt = Tensor::<2>::from_data(TensorData::new(x.clone(), [batch, n]), &device);
        let yt = Tensor::<2>::from_data(TensorData::new(y.clone(), [batch, n]), &device);
        let t0 = Instant::now();
        let loss = cae.pair_loss(xt, yt, cfg.loss_power);
        let grads = GradientsParams::from_grads(loss.backward(), &cae);
        cae = optim.step(1e-3, cae, grads);
        let _ = loss.into_scalar::<f32>();
        if i >= warmup {
            times.push(t0.elapsed().as_secs_f64() * 1e3);
        }
    }
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    eprintln!("cae {params} params, batch {batch}: train step {median:.1} ms (median of {steps})");
    let doc = serde_json::json!({
        "backend": "burn 0.22.1 on cpu",
        "threads": std::env::var("RAYON_NUM_THREADS").ok(),
        "batch": batch,
        "params": params,
        "train_step_ms": median,
        "steps_ms": times,
    });
    match arg("--json") {
        Some(p) => std::fs::write(&p, serde_json::to_string_pretty(&doc).expect("json") + "\n").expect("write --json file"),
        None => println!("{}", serde_json::to_string_pretty(&doc).expect("json")),
    }
}
