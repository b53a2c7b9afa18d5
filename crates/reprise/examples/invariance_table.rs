//! The invariance table of RESULTS.md (issue 21): for each piece of a transposition set
//! (`scripts/data/pattern_corpus.py` writes `invariance/manifest.csv`: piece,k,audio,midi,
//! the same MIDI rendered k = 0…12 semitones higher), the relative distance
//! (`reprise::invariance`) of the CAE, raw CQT, chroma and |FFT along pitch| windows:
//! to the k-semitone rendering, and to the same rendering s = 1…12 frames later. Prints a
//! markdown table of the means over the pieces.
//!
//!     cargo run --release -p reprise --example invariance_table -- MANIFEST [MODEL_DIR]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use reprise::cae::CaeModel;
use reprise::invariance::{relative_distances, windows, REPRESENTATIONS};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(manifest) = args.first() else {
        eprintln!("usage: invariance_table MANIFEST [MODEL_DIR]");
        std::process::exit(2);
    };
    let model = CaeModel::open(args.get(1).map(Path::new)).unwrap_or_else(|e| {
        eprintln!("error: {e}");
        std::process::exit(1)
    });
    let manifest = PathBuf::from(manifest);
    let text = std::fs::read_to_string(&manifest).unwrap_or_else(|e| panic!("{}: {e}", manifest.display()));
    let base = manifest.parent().unwrap_or(Path::new("."));
    // piece → k → audio
    let mut pieces: BTreeMap<String, BTreeMap<u32, PathBuf>> = BTreeMap::new();
    for line in text.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let cells: Vec<&str> = line.split(',').collect();
        let k: u32 = cells[1].parse().unwrap_or_else(|_| panic!("{}: bad k in {line}", manifest.display()));
        pieces.entry(cells[0].to_string()).or_default().insert(k, base.join(cells[2]));
    }
    // row label → sums per representation, count
    let mut rows: BTreeMap<(u8, u32), ([f64; 4], usize)> = BTreeMap::new();
    for (piece, renders) in &pieces {
        let Some(original) = renders.get(&0) else { continue };
        let w0 = windows(original, &model).unwrap_or_else(|e| panic!("{e}"));
        let mut add = |key: (u8, u32), d: Option<[f64; 4]>| {
            if let Some(d) = d {
                let e = rows.entry(key).or_insert(([0.0; 4], 0));
                (0..4).for_each(|i| e.0[i] += d[i]);
                e.1 += 1;
            }
        };
        for (&k, audio) in renders.iter().filter(|(k, _)| **k > 0) {
            let wk = windows(audio, &model).unwrap_or_else(|e| panic!("{e}"));
            add((0, k), relative_distances(&w0, &wk, 0));
        }
        for s in 1..=12 {
            add((1, s), relative_distances(&w0, &w0, s as usize));
        }
        eprintln!("{piece}: {} renders", renders.len());
    }
    let s = model.frame_s();
    println!("| transformation | pieces | {} |", REPRESENTATIONS.join(" | "));
    println!("|---|---|{}", "---|".repeat(4));
    for ((kind, n), (sums, count)) in rows {
        let label = if kind == 0 { format!("transposed +{n} semitones") } else { format!("{n} frames later ({:.2} s)", n as f64 * s) };
        let cells: Vec<String> = sums.iter().map(|v| format!("{:.3}", v / count as f64)).collect();
        println!("| {label} | {count} | {} |", cells.join(" | "));
    }
}
