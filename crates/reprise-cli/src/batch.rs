//! `reprise features`: one file, or a folder/glob in parallel with progress, skip of
//! complete outputs, and a summary.

use crate::{plot, Failure, FeaturesArgs};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use reprise::features::{extract_file, FeatureData, FeatureParams, Features};
use reprise::io::{is_audio_path, write_json, write_npy};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

pub fn run(args: &FeaturesArgs) -> Result<(), Failure> {
    let params = args.opts.params(args.kind);
    params.validate()?;
    let input = args.input.as_str();
    let is_glob = input.contains(['*', '?', '[']);
    let path = Path::new(input);
    if !is_glob {
        if !path.exists() {
            return Err(format!("{input}: no such file or folder").into());
        }
        if path.is_file() {
            let out = single_output_path(&args.out, path);
            let f = extract_file(path, &params)?;
            for w in &f.warnings {
                eprintln!("warning: {input}: {w}");
            }
            write_outputs(&f, &params, path, &out, args.plot)?;
            let (r, c) = f.data.dim();
            eprintln!("{} → {} ({r} × {c} {}, {:.2} s of audio)", path.display(), out.display(), f.data.dtype(), f.duration_s);
            return Ok(());
        }
    }
    let (root, files) = collect(input, is_glob)?;
    if files.is_empty() {
        return Err(format!("{input}: no audio files found (looked for {})", reprise::io::AUDIO_EXTENSIONS.join(", ")).into());
    }
    if args.out.is_file() {
        return Err(format!("{}: exists and is a file; with a folder or glob as input, -o must be a folder", args.out.display()).into());
    }
    run_batch(args, &params, &root, &files)
}

/// `-o` for a single input: a folder gets `<stem>.npy` inside; anything else gets `.npy`.
fn single_output_path(out: &Path, input: &Path) -> PathBuf {
    if out.is_dir() {
        let stem = input.file_stem().unwrap_or_default();
        return out.join(stem).with_extension("npy");
    }
    if out.extension().and_then(|e| e.to_str()) == Some("npy") {
        out.to_owned()
    } else {
        let mut s = out.as_os_str().to_owned();
        s.push(".npy");
        PathBuf::from(s)
    }
}

fn collect(input: &str, is_glob: bool) -> Result<(PathBuf, Vec<PathBuf>), Failure> {
    let mut files = Vec::new();
    let root;
    if is_glob {
        // the literal directory prefix of the pattern is the root of the output tree
        let first_meta = input.find(['*', '?', '[']).unwrap_or(input.len());
        let prefix = &input[..first_meta];
        root = prefix.rfind('/').map(|i| PathBuf::from(&prefix[..=i])).unwrap_or_default();
        let paths = glob::glob(input).map_err(|e| format!("{input}: bad glob pattern: {e}"))?;
        for p in paths.flatten() {
            if p.is_file() && is_audio_path(&p) {
                files.push(p);
            }
        }
    } else {
        root = PathBuf::from(input);
        walk(&root, &mut files).map_err(|e| format!("{input}: {e}"))?;
    }
    files.sort();
    Ok((root, files))
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.path());
    for e in entries {
        let p = e.path();
        let ft = e.file_type()?;
        if ft.is_dir() {
            walk(&p, out)?;
        } else if is_audio_path(&p) {
            out.push(p);
        }
    }
    Ok(())
}

/// Whether `npy` and its sidecar exist and the sidecar records the same parameters.
fn is_complete(npy: &Path, params: &FeatureParams) -> bool {
    let sidecar = npy.with_extension("json");
    if !npy.is_file() {
        return false;
    }
    let Ok(text) = std::fs::read_to_string(&sidecar) else { return false };
    let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) else { return false };
    serde_json::to_value(params).map(|p| v.get("params") == Some(&p)).unwrap_or(false)
}

pub fn write_outputs(f: &Features, params: &FeatureParams, input: &Path, npy: &Path, with_plot: bool) -> Result<(), Failure> {
    match &f.data {
        FeatureData::Real(a) => write_npy(npy, a)?,
        FeatureData::Complex(a) => write_npy(npy, a)?,
    }
    if with_plot {
        let img = match &f.data {
            FeatureData::Real(a) => a.clone(),
            FeatureData::Complex(a) => a.mapv(|c| c.norm()),
        };
        let log = matches!(params.kind, reprise::features::FeatureKind::Stft | reprise::features::FeatureKind::Mel) && !params.db;
        plot::write_png(&npy.with_extension("png"), &[plot::Panel { data: &img, log }])?;
    }
    // the sidecar is written last: its presence marks the output complete
    write_json(&npy.with_extension("json"), &f.sidecar(&input.display().to_string(), params))?;
    Ok(())
}

fn run_batch(args: &FeaturesArgs, params: &FeatureParams, root: &Path, files: &[PathBuf]) -> Result<(), Failure> {
    let jobs = args.jobs.unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)).max(1);
    let pool = rayon::ThreadPoolBuilder::new().num_threads(jobs).build().map_err(|e| e.to_string())?;
    let pb = ProgressBar::new(files.len() as u64);
    pb.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} files, {msg} [{elapsed_precise} < {eta}]").expect("valid template").progress_chars("=> "),
    );
    let audio_ms = AtomicU64::new(0);
    let skipped = AtomicU64::new(0);
    let start = Instant::now();
    let failures: Vec<String> = pool.install(|| {
        files
            .par_iter()
            .filter_map(|file| {
                let rel = file.strip_prefix(root).unwrap_or(file);
                let out = args.out.join(rel).with_extension("npy");
                let result = if !args.force && is_complete(&out, params) {
                    skipped.fetch_add(1, Ordering::Relaxed);
                    Ok(())
                } else {
                    extract_file(file, params).map_err(Failure::from).and_then(|f| {
                        for w in &f.warnings {
                            pb.suspend(|| eprintln!("warning: {}: {w}", file.display()));
                        }
                        write_outputs(&f, params, file, &out, args.plot)?;
                        audio_ms.fetch_add((f.duration_s * 1000.0) as u64, Ordering::Relaxed);
                        Ok(())
                    })
                };
                pb.inc(1);
                pb.set_message(format!("{:.3} h of audio", audio_ms.load(Ordering::Relaxed) as f64 / 3.6e6));
                result.err().map(|f| {
                    pb.suspend(|| eprintln!("error: {}", f.message));
                    f.message
                })
            })
            .collect()
    });
    pb.finish_and_clear();
    let n = files.len();
    let skipped = skipped.load(Ordering::Relaxed) as usize;
    let hours = audio_ms.load(Ordering::Relaxed) as f64 / 3.6e6;
    let secs = start.elapsed().as_secs_f64();
    eprintln!(
        "{n} files: {} done ({hours:.3} h of audio in {secs:.1} s, {:.0}× real time), {skipped} already complete, {} failed → {}",
        n - skipped - failures.len(),
        hours * 3600.0 / secs.max(1e-9),
        failures.len(),
        args.out.display()
    );
    if failures.is_empty() {
        Ok(())
    } else {
        Err(Failure { code: 1, message: String::new() })
    }
}
