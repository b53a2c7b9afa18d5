//! `reprise demo`: the main job on the embedded demo clip.

use crate::{batch::write_outputs, plot, Failure};
use reprise::features::{extract_file, FeatureData, FeatureKind, FeatureParams};
use std::path::Path;
use std::time::Instant;

/// The demo clip: 6 s of original synthesized music, CC0 (see `assets/README.md`).
const DEMO_FLAC: &[u8] = include_bytes!("../../../assets/demo.flac");

pub fn run(out: &Path) -> Result<(), Failure> {
    std::fs::create_dir_all(out).map_err(|e| format!("{}: cannot create folder: {e}", out.display()))?;
    let clip = out.join("demo.flac");
    reprise::io::write_atomic(&clip, |w| w.write_all(DEMO_FLAC))?;
    let info = reprise::io::probe(&clip)?;
    println!(
        "demo clip: {} ({} Hz, {} channel, {:.2} s) → {}",
        clip.display(),
        info.sample_rate,
        info.channels,
        info.duration_s().unwrap_or(0.0),
        out.display()
    );
    let t0 = Instant::now();
    let kinds = [
        (FeatureKind::Mel, true),
        (FeatureKind::ChromaStft, false),
        (FeatureKind::Mfcc, false),
        (FeatureKind::Stft, false),
        (FeatureKind::Centroid, false),
        (FeatureKind::Rms, false),
    ];
    let mut images = Vec::new();
    for (kind, db) in kinds {
        let params = FeatureParams { kind, db, ..Default::default() };
        let f = extract_file(&clip, &params)?;
        let npy = out.join(format!("demo.{}.npy", kind.name()));
        write_outputs(&f, &params, &clip, &npy, false)?;
        let (r, c) = f.data.dim();
        let extra = f.tuning.map(|t| format!(", tuning {t:+.2} bin")).unwrap_or_default();
        println!("  {:<12} {r:>5} × {c:<5} {:<9} {}{extra}", kind.name(), f.data.dtype(), npy.display());
        if let FeatureData::Real(a) = f.data {
            if matches!(kind, FeatureKind::Mel | FeatureKind::ChromaStft | FeatureKind::Mfcc) {
                images.push(a);
            }
        }
    }
    let png = out.join("demo.png");
    let panels: Vec<plot::Panel> = images.iter().map(|a| plot::Panel { data: a, log: false }).collect();
    plot::write_png(&png, &panels)?;
    println!("picture (log-mel, chroma, MFCC from top to bottom): {}", png.display());
    println!("done in {:.0} ms", t0.elapsed().as_secs_f64() * 1000.0);
    Ok(())
}

