//! Times pYIN on a float32 `.npy` signal (for `scripts/bench_pyin.py`):
//!
//!     cargo run --release -p reprise-dsp --example pyin_time -- SIGNAL.npy SR ROUNDS OUT.npy
//!
//! Prints one JSON line: the median and every round's seconds for the whole call, and the
//! median of its two stages (observations; Viterbi decoding). Writes the last round's
//! output to OUT.npy as rows (f0 Hz with NaN where unvoiced, voiced flag, voiced probability).

use ndarray::{Array1, Array2};
use ndarray_npy::{read_npy, write_npy};
use reprise_dsp::pyin::{Pyin, PyinConfig};
use std::time::Instant;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 5 {
        return Err("usage: pyin_time SIGNAL.npy SR ROUNDS OUT.npy".into());
    }
    let y: Array1<f32> = read_npy(&args[1])?;
    let sr: u32 = args[2].parse()?;
    let rounds: usize = args[3].parse()?;
    let x = y.as_slice().ok_or("signal not contiguous")?;
    let cfg = PyinConfig::default();
    let (mut total, mut observe, mut decode) = (vec![], vec![], vec![]);
    let mut last = None;
    for _ in 0..rounds {
        let t0 = Instant::now();
        let p = Pyin::new(sr, &cfg)?;
        let obs = p.observe(x)?;
        let t1 = Instant::now();
        let track = p.decode(&obs)?;
        let t2 = Instant::now();
        total.push((t2 - t0).as_secs_f64());
        observe.push((t1 - t0).as_secs_f64());
        decode.push((t2 - t1).as_secs_f64());
        last = Some(track);
    }
    let track = last.ok_or("ROUNDS must be ≥ 1")?;
    let n = track.len();
    let mut out = Array2::<f64>::zeros((3, n));
    for (t, ((f, v), p)) in track.f0_or_nan().iter().zip(&track.voiced).zip(&track.voiced_prob).enumerate() {
        out[[0, t]] = *f;
        out[[1, t]] = *v as u8 as f64;
        out[[2, t]] = *p;
    }
    write_npy(&args[4], &out)?;
    let runs: Vec<String> = total.iter().map(|t| format!("{t:.5}")).collect();
    println!(
        "{{\"median_s\": {:.5}, \"observe_s\": {:.5}, \"decode_s\": {:.5}, \"frames\": {n}, \"runs\": [{}]}}",
        median(total.clone()),
        median(observe),
        median(decode),
        runs.join(", ")
    );
    Ok(())
}
