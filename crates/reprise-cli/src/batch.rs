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
    let path = Path::new(input);
    // an existing path is taken literally, even with glob characters in its name
    let is_glob = !path.exists() && input.contains(['*', '?', '[']);
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
            crate::note(format_args!("{} → {} ({r} × {c} {}, {:.2} s of audio)", path.display(), out.display(), f.data.dtype(), f.duration_s));
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
        return out.join(npy_name(input, false));
    }
    if out.extension().and_then(|e| e.to_str()) == Some("npy") {
        out.to_owned()
    } else {
        let mut s = out.as_os_str().to_owned();
        s.push(".npy");
        PathBuf::from(s)
    }
}

/// `song.wav` → `song.npy`; with `keep_extension` (two inputs differ only by extension)
/// `song.wav` → `song.wav.npy`.
fn npy_name(input: &Path, keep_extension: bool) -> String {
    let name = if keep_extension { input.file_name() } else { input.file_stem() };
    format!("{}.npy", name.unwrap_or_default().to_string_lossy())
}

/// Output path of every input: the input tree below `root` mirrored under `out`.
/// Inputs that would share an output (`a.wav`, `a.flac`) keep their extension in the name.
fn output_paths(root: &Path, files: &[PathBuf], out: &Path) -> Vec<PathBuf> {
    let rel = |f: &PathBuf| -> PathBuf {
        let root_plain = root.strip_prefix(".").unwrap_or(root);
        let r = f.strip_prefix(root).or_else(|_| f.strip_prefix(root_plain)).map(Path::to_path_buf);
        // never write beside the input: fall back to the bare file name
        r.unwrap_or_else(|_| PathBuf::from(f.file_name().unwrap_or_default()))
    };
    let plain: Vec<PathBuf> = files.iter().map(|f| out.join(rel(f).with_file_name(npy_name(f, false)))).collect();
    let mut count = std::collections::HashMap::new();
    for p in &plain {
        *count.entry(p.clone()).or_insert(0) += 1;
    }
    files.iter().zip(plain).map(|(f, p)| if count[&p] > 1 { out.join(rel(f).with_file_name(npy_name(f, true))) } else { p }).collect()
}

/// The input's fingerprint as the sidecar records it, so that a changed input is
/// recomputed on the next run.
fn fingerprint(input: &Path) -> serde_json::Value {
    serde_json::to_value(reprise::core::fs::Fingerprint::of(input)).expect("plain struct")
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

/// Whether `npy` and its sidecar exist, the sidecar records the same parameters and the
/// same input (size, modification time), and the picture exists when one is asked for.
fn is_complete(npy: &Path, input: &Path, params: &FeatureParams, with_plot: bool) -> bool {
    if !npy.is_file() || (with_plot && !npy.with_extension("png").is_file()) {
        return false;
    }
    let Ok(text) = std::fs::read_to_string(npy.with_extension("json")) else { return false };
    let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) else { return false };
    let same_params = serde_json::to_value(params).map(|p| v.get("params") == Some(&p)).unwrap_or(false);
    same_params && v.get("source") == Some(&fingerprint(input))
}

pub fn write_outputs(f: &Features, params: &FeatureParams, input: &Path, npy: &Path, with_plot: bool) -> Result<(), Failure> {
    match &f.data {
        FeatureData::Real(a) => write_npy(npy, a)?,
        FeatureData::Complex(a) => write_npy(npy, a)?,
        FeatureData::Real3(a) => write_npy(npy, a)?,
    }
    let mut sidecar = f.sidecar(&input.display().to_string(), params);
    if with_plot {
        plot::write_features_png(&npy.with_extension("png"), &f.data, &sidecar, input)?;
    }
    // the sidecar is written last: its presence marks the output complete
    sidecar["source"] = fingerprint(input);
    write_json(&npy.with_extension("json"), &sidecar)?;
    Ok(())
}

fn run_batch(args: &FeaturesArgs, params: &FeatureParams, root: &Path, files: &[PathBuf]) -> Result<(), Failure> {
    let jobs = args.jobs.unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)).max(1);
    let pool = rayon::ThreadPoolBuilder::new().num_threads(jobs).build().map_err(|e| e.to_string())?;
    let pb = ProgressBar::new(files.len() as u64);
    pb.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} files, {msg} [{elapsed_precise} < {eta}]").expect("valid template").progress_chars("=> "),
    );
    // an output folder that cannot be written fails now, not after decoding every input
    reprise::io::check_writable(&args.out).map_err(|e| format!("{}: cannot write in the output folder: {e}", args.out.display()))?;
    // temporaries of an earlier run that was killed are removed before this one starts
    let swept = reprise::io::sweep_stale_temporaries(&args.out);
    if swept > 0 {
        pb.suspend(|| eprintln!("removed {swept} temporary file(s) left in {} by an interrupted run", args.out.display()));
    }
    let audio_ms = AtomicU64::new(0);
    let skipped = AtomicU64::new(0);
    let start = Instant::now();
    let outputs = output_paths(root, files, &args.out);
    let failures: Vec<String> = pool.install(|| {
        files
            .par_iter()
            .zip(&outputs)
            .filter_map(|(file, out)| {
                let out = out.as_path();
                let result = if !args.force && is_complete(out, file, params, args.plot) {
                    skipped.fetch_add(1, Ordering::Relaxed);
                    Ok(())
                } else {
                    extract_file(file, params).map_err(Failure::from).and_then(|f| {
                        for w in &f.warnings {
                            pb.suspend(|| eprintln!("warning: {}: {w}", file.display()));
                        }
                        write_outputs(&f, params, file, out, args.plot)?;
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
