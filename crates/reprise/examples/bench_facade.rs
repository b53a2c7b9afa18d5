//! Times the facade's in-memory call — `reprise::features::extract_signal_spec`, which the
//! Python package's functions call — on a decoded file, one thread, and prints one JSON
//! object of median seconds. Used by `scripts/bench_python.py` beside `bench_json` (the
//! libraries' batch calls with a plan made beforehand).
//!
//! `cargo run --release -p reprise --example bench_facade -- bench-data/clip60.wav`

use reprise::features::{extract_signal_spec, FeatureKind, FeatureParams};
use std::time::Instant;

fn median_time(reps: usize, mut f: impl FnMut()) -> f64 {
    f(); // warm-up
    let mut t: Vec<f64> = (0..reps)
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed().as_secs_f64()
        })
        .collect();
    t.sort_by(f64::total_cmp);
    t[t.len() / 2]
}

fn main() {
    let path = std::env::args().nth(1).unwrap_or_else(|| "bench-data/clip60.wav".into());
    let sig = match reprise::io::load(&path, &reprise::io::LoadOptions { sr: None, ..Default::default() }) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    let mut out = serde_json::Map::new();
    for (name, kind) in [("melspectrogram", FeatureKind::Mel), ("stft", FeatureKind::Stft)] {
        let spec = FeatureParams { kind, ..Default::default() }.spec(sig.sr).expect("default parameters");
        let t = median_time(7, || drop(extract_signal_spec(&sig.samples, &spec).expect("a decoded signal")));
        out.insert(name.into(), serde_json::json!(t));
    }
    println!("{}", serde_json::Value::Object(out));
}
