//! `reprise features`: one file, or a folder/glob in parallel with progress, skip of
//! complete outputs, and a summary. Output naming, completeness and the atomic commit
//! are the facade's batch contract (`reprise::outputs`); this adds scheduling and printing.

use crate::{Failure, FeaturesArgs};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use reprise::features::{extract_file, FeatureParams};
use reprise::outputs::{commit, inputs, is_complete, output_paths, single_output_path, Inputs};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

pub fn run(args: &FeaturesArgs) -> Result<(), Failure> {
    let params = args.opts.params(args.kind);
    params.validate()?;
    let input = args.input.as_str();
    let (root, files) = match inputs(input)? {
        Inputs::File(path) => {
            let path = path.as_path();
            let out = single_output_path(&args.out, path);
            let f = extract_file(path, &params)?;
            for w in &f.warnings {
                eprintln!("warning: {input}: {w}");
            }
            commit(&f, &params, path, &out, args.plot)?;
            let (r, c) = f.data.dim();
            crate::note(format_args!("{} → {} ({r} × {c} {}, {:.2} s of audio)", path.display(), out.display(), f.data.dtype(), f.duration_s));
            return Ok(());
        }
        Inputs::Batch { root, files } => (root, files),
    };
    if args.out.is_file() {
        return Err(format!("{}: exists and is a file; with a folder or glob as input, -o must be a folder", args.out.display()).into());
    }
    run_batch(args, &params, &root, &files)
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
                        commit(&f, params, file, out, args.plot)?;
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
