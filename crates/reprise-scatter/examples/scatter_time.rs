//! Times planning and one call of scattering 1-D and JTFS (J=8, Q=(12,1), J_fr=3) on a
//! synthetic signal at 22050 Hz, one thread; prints JSON medians. `spiral` times JTFS with
//! the spiral paths (finite differences across octaves); `all` does not include it.
//! `cargo run --release -p reprise-scatter --example scatter_time -- [ROUNDS] [SECONDS] [scattering|jtfs|spiral|all] [SIGNAL.f32]`
//! With SIGNAL.f32 (raw little-endian float32 at 22050 Hz) its first SECONDS are used instead of the synthetic signal.
use reprise_scatter::{Jtfs, JtfsConfig, OctaveFilters, Scattering1D, ScatteringConfig};
use std::time::Instant;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn time<T>(rounds: usize, mut f: impl FnMut() -> T) -> f64 {
    median(
        (0..rounds)
            .map(|_| {
                let t = Instant::now();
                std::hint::black_box(f());
                t.elapsed().as_secs_f64()
            })
            .collect(),
    )
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let rounds: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(3);
    let seconds: f64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(60.0);
    let which = args.get(3).map(String::as_str).unwrap_or("all");
    let sr = 22050.0;
    let n = (seconds * sr) as usize;
    let x: Vec<f32> = if let Some(path) = args.get(4) {
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let all: Vec<f32> = bytes.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
        assert!(all.len() >= n, "{path}: {} samples, need {n}", all.len());
        all[..n].to_vec()
    } else {
        (0..n)
            .map(|i| {
                let t = i as f64 / sr;
                ((2.0 * std::f64::consts::PI * 220.0 * t).sin() * 0.5 + 0.1 * (2.0 * std::f64::consts::PI * 3520.0 * t + (7.0 * t).sin()).sin())
                    as f32
            })
            .collect()
    };
    let mut fields = vec![format!("\"seconds\": {seconds}")];
    if which == "scattering" || which == "all" {
        let cfg = ScatteringConfig::default();
        let plan = time(rounds, || Scattering1D::new(cfg, n).unwrap());
        let s = Scattering1D::new(cfg, n).unwrap();
        let run = time(rounds, || s.process(&x).unwrap());
        fields.push(format!("\"scattering_plan_s\": {plan:.4}, \"scattering_s\": {run:.4}, \"scattering_x_realtime\": {:.1}", seconds / run));
    }
    if which != "scattering" {
        let spiral = which == "spiral";
        let cfg = JtfsConfig { spiral: spiral.then_some(OctaveFilters::FiniteDifference), ..JtfsConfig::default() };
        let plan = time(rounds, || Jtfs::new(cfg, n).unwrap());
        let s = Jtfs::new(cfg, n).unwrap();
        let run = time(rounds, || s.process(&x).unwrap());
        let name = if spiral { "spiral" } else { "jtfs" };
        fields.push(format!("\"{name}_plan_s\": {plan:.4}, \"{name}_s\": {run:.4}, \"{name}_x_realtime\": {:.2}", seconds / run));
    }
    println!("{{{}}}", fields.join(", "));
}
