//! Times planning and one scattering call on 60 s of a synthetic signal at 22050 Hz
//! (J=8, Q=(12,1)); prints JSON medians. `cargo run --release -p reprise-scatter --example scatter_time [ROUNDS]`
use reprise_scatter::{Scattering1D, ScatteringConfig};
use std::time::Instant;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() {
    let rounds: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(3);
    let sr = 22050.0;
    let n = 60 * 22050;
    let x: Vec<f32> = (0..n)
        .map(|i| {
            let t = i as f64 / sr;
            ((2.0 * std::f64::consts::PI * 220.0 * t).sin() * 0.5 + 0.1 * (2.0 * std::f64::consts::PI * 3520.0 * t + (7.0 * t).sin()).sin()) as f32
        })
        .collect();
    let cfg = ScatteringConfig::default();
    let mut plan_s = vec![];
    let mut run_s = vec![];
    let mut shape = (0, 0);
    for _ in 0..rounds {
        let t0 = Instant::now();
        let s = Scattering1D::new(cfg, n).unwrap();
        plan_s.push(t0.elapsed().as_secs_f64());
        let t1 = Instant::now();
        let y = s.process(&x).unwrap();
        run_s.push(t1.elapsed().as_secs_f64());
        shape = y.dim();
    }
    println!("{{\"plan_s\": {:.4}, \"scattering_s\": {:.4}, \"shape\": [{}, {}]}}", median(plan_s), median(run_s), shape.0, shape.1);
}
