//! `reprise train`, `reprise eval`, `reprise predict`: the networks of `reprise-nn` on
//! manifests and audio files, with run folders that can be resumed.

use crate::plot::{write_confusion_png, write_curves_png};
use crate::Failure;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use reprise::deep::{make_clips, prepare, score, Classes, Clips, DeepInput, DeepResult, Predictor, RunInfo, TrainRequest, Validation};
use reprise::io::{write_atomic, write_json};
use reprise::nn::models::ModelName;
use reprise::nn::train::{fit, EpochMetrics, FitOptions, Optimizer, TrainConfig};
use serde_json::json;
use std::collections::BTreeSet;
use std::path::PathBuf;

fn model_list() -> String {
    ModelName::ALL.iter().map(|m| format!("  {:<12} {}", m.name(), m.description())).collect::<Vec<_>>().join("\n")
}

#[derive(Args)]
pub struct TrainArgs {
    /// The network (see below).
    #[arg(long)]
    model: String,
    /// Training manifest (CSV with path,label, or a folder of LABEL/file.wav).
    #[arg(long)]
    train: PathBuf,
    /// Validation manifest, for early stopping and model selection.
    #[arg(long, conflicts_with = "val_split")]
    val: Option<PathBuf>,
    /// Without --val: hold out this fraction of the training notes (grouped by note, stratified) for validation.
    #[arg(long, default_value_t = 0.1)]
    val_split: f64,
    /// Input: cqt, mel, waveform, or a clip feature (mfcc, spectral, …) for mlp [default: cqt for lc-*, mel for pons, waveform for sample-cnn, mfcc for mlp].
    #[arg(long)]
    features: Option<String>,
    /// Run folder: model.json, weights.bpk, metrics.jsonl, checkpoint/, training.png.
    #[arg(short, long)]
    out: PathBuf,
    /// Maximum epochs.
    #[arg(long, default_value_t = 20)]
    epochs: usize,
    /// Windows drawn per epoch (class-balanced).
    #[arg(long, default_value_t = 8192)]
    epoch_size: usize,
    /// Batch size.
    #[arg(long, default_value_t = 32)]
    batch_size: usize,
    /// Learning rate.
    #[arg(long, default_value_t = 1e-3)]
    lr: f64,
    /// adam or adamw.
    #[arg(long, default_value = "adam", value_parser = parse_optimizer)]
    optimizer: Optimizer,
    /// Weight decay.
    #[arg(long, default_value_t = 0.0)]
    weight_decay: f64,
    /// Stop after this many epochs without a lower validation loss (0: never).
    #[arg(long, default_value_t = 3)]
    patience: usize,
    /// Seed of the weights, the sampling, dropout and the validation split.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Continue the interrupted run in OUT from its last checkpoint.
    #[arg(long)]
    resume: bool,
    /// cpu; cuda / cuda:N in a build with the `cuda` feature; libtorch, libtorch-cuda[:N] in a
    /// build with the `libtorch` feature.
    #[arg(long, default_value = "cpu")]
    device: String,
    /// Threads (default: all cores).
    #[arg(short, long)]
    jobs: Option<usize>,
}

fn parse_optimizer(s: &str) -> Result<Optimizer, String> {
    match s {
        "adam" => Ok(Optimizer::Adam),
        "adamw" => Ok(Optimizer::AdamW),
        _ => Err(format!("unknown optimizer `{s}`; use adam or adamw")),
    }
}

pub fn train_help() -> String {
    format!(
        "Models:\n{}\n\nExamples:
  reprise data notes -o notes/ --soundfont tim --soundfont fluid
  reprise data split notes/manifest.csv --by family --train fluid --test tim --val 0 -o notes/
  reprise train --model lc-2d --train notes/train.csv -o runs/lc2d
  reprise train --model lc-2d --train notes/train.csv -o runs/lc2d --resume   # after a kill
  reprise eval runs/lc2d --test notes/test.csv
  reprise predict runs/lc2d clip.wav
  reprise train --model cae --train piano/manifest.csv -o runs/cae --epoch-size 100000 --batch-size 1000

A checkpoint is written after every epoch; --resume continues from it and gives the same
weights as an uninterrupted run. Clips that cannot be read are reported and left out (exit 1).",
        model_list()
    )
}

/// Prints each clip that could not be analysed once; returns how many there were.
fn report_skipped(skipped: &[reprise::Error], seen: &mut BTreeSet<String>) {
    for e in skipped {
        let e = e.to_string();
        if seen.insert(e.clone()) {
            eprintln!("warning: skipped: {e}");
        }
    }
}

fn warn_unknown(what: &str, unknown: &BTreeSet<String>) {
    if !unknown.is_empty() {
        eprintln!(
            "warning: {what}: label(s) {} are not classes of the model; those clips count as errors",
            unknown.iter().cloned().collect::<Vec<_>>().join(", ")
        );
    }
}

pub fn train(a: &TrainArgs) -> Result<(), Failure> {
    crate::set_global_jobs(a.jobs);
    let device = reprise::nn::device(&a.device)?;
    // (parsed here, not by clap, so that the error stays one line)
    let model: ModelName = a.model.parse().map_err(|e| format!("--model: {e}"))?;
    let input = match &a.features {
        Some(f) => DeepInput::parse(f).map_err(|e| format!("--features: {e}"))?,
        None => DeepInput::default_for(model),
    };
    let config = TrainConfig {
        epochs: a.epochs,
        epoch_size: a.epoch_size,
        batch_size: a.batch_size,
        optimizer: a.optimizer,
        lr: a.lr,
        weight_decay: a.weight_decay,
        patience: a.patience,
        seed: a.seed,
    };
    config.validate()?;
    if a.val.is_none() && !(0.0..0.5).contains(&a.val_split) {
        return Err(format!("--val-split {}: use a fraction in [0, 0.5)", a.val_split).into());
    }
    let validation = match &a.val {
        Some(v) => Validation::Manifest(v.clone()),
        None if a.val_split > 0.0 => Validation::Split(a.val_split),
        None => Validation::None,
    };
    let request = TrainRequest { model, input, train: a.train.clone(), validation, config, out: a.out.clone(), resume: a.resume };
    let bar = crate::files_bar(0, &request.input.name());
    let run = prepare(&request, &device, &|done, total| {
        bar.set_length(total as u64);
        bar.set_position(done as u64)
    })
    .map_err(|e| match e {
        reprise::Error::Model { model, source } => Failure::from(format!("--model {model}: {source}\n{}", model_list())),
        e => Failure::from(e),
    });
    bar.finish_and_clear();
    let run = run?;
    let mut skipped = BTreeSet::new();
    report_skipped(&run.skipped, &mut skipped);
    warn_unknown("training", &run.unknown_train_labels);
    warn_unknown("validation", &run.unknown_val_labels);
    let (info, cfg) = (&run.info, &request.config);
    let (rows, _) = info.model.input_shape();
    println!(
        "{}: {} parameters; {} training clips{}; {} classes; input {} ({} × {})",
        model,
        info.parameters,
        run.train.clips.len(),
        run.val.as_ref().map(|v| format!(", {} validation clips", v.clips.len())).unwrap_or_default(),
        info.labels.len(),
        info.input.name(),
        rows,
        info.input.window()
    );
    let steps = cfg.epoch_size.div_ceil(cfg.batch_size) as u64;
    let bar = ProgressBar::new(steps);
    bar.set_style(ProgressStyle::with_template("epoch {prefix:>3} [{bar:30}] {pos}/{len} {msg} {elapsed}").expect("template").progress_chars("=> "));
    let mut shown_epoch = usize::MAX;
    let mut on_step = |p: reprise::nn::train::Progress| {
        if p.epoch != shown_epoch {
            shown_epoch = p.epoch;
            bar.reset();
            bar.set_prefix(format!("{}", p.epoch + 1));
        }
        bar.set_position(p.step as u64);
        let acc = p.values.iter().find(|v| v.0 == "acc").map(|v| format!(" acc {:.1}%", 100.0 * v.1)).unwrap_or_default();
        bar.set_message(format!("loss {:.3}{acc}", p.loss));
    };
    if let Some(done) = run.resumed_after {
        println!("resuming after epoch {done}");
    }
    let mut on_epoch = |m: &EpochMetrics| bar.suspend(|| println!("{}", epoch_line(m)));
    let objective = run.objective()?;
    let report = fit(
        &info.model,
        cfg,
        &a.out,
        objective.as_ref(),
        &device,
        FitOptions { resume: run.resumed_after.is_some(), progress: &mut on_step, on_epoch: &mut on_epoch },
    )?;
    bar.finish_and_clear();
    println!(
        "best epoch {} → {}{}",
        report.best_epoch,
        a.out.join("weights.bpk").display(),
        if report.stopped_early { " (stopped early)" } else { "" }
    );
    write_curves_png(&a.out.join("training.png"), model.name(), &objective.loss_name(), &report.epochs)?;
    if !skipped.is_empty() {
        return Err(Failure { code: 1, message: format!("{} clip(s) could not be analysed and were left out (listed above)", skipped.len()) });
    }
    Ok(())
}

/// One finished epoch in a line: the losses, accuracies as percentages, other measures as
/// they are (`invariance 0.213`).
fn epoch_line(m: &EpochMetrics) -> String {
    let shown = |prefix: &str| -> String {
        m.values
            .iter()
            .filter_map(|(k, v)| k.strip_prefix(prefix).map(|name| (name, v)))
            .map(|(name, v)| match name {
                "acc" => format!(" acc {:.1}%", 100.0 * v),
                "balanced_acc" => format!(" (per-class {:.1}%)", 100.0 * v),
                other => format!(" {} {v:.3}", other.replace('_', " ")),
            })
            .collect()
    };
    let val = m.val_loss.map(|l| format!(" | val loss {l:.3}{}", shown("val_"))).unwrap_or_default();
    format!("epoch {:>3}: train loss {:.3}{}{val}  {:.1} s", m.epoch, m.train_loss, shown("train_"), m.seconds)
}

#[derive(Args)]
pub struct EvalArgs {
    /// A run folder of `reprise train`.
    run: PathBuf,
    /// Test manifest.
    #[arg(long)]
    test: PathBuf,
    /// Output folder: results.json, results.md and a confusion-matrix PNG [default: RUN/eval-<test name>].
    #[arg(short, long)]
    out: Option<PathBuf>,
    /// cpu; cuda / cuda:N in a build with the `cuda` feature; libtorch, libtorch-cuda[:N] in a
    /// build with the `libtorch` feature.
    #[arg(long, default_value = "cpu")]
    device: String,
    /// Threads (default: all cores).
    #[arg(short, long)]
    jobs: Option<usize>,
}

pub fn eval(a: &EvalArgs) -> Result<(), Failure> {
    crate::set_global_jobs(a.jobs);
    let device = reprise::nn::device(&a.device)?;
    let info = RunInfo::load(&a.run)?;
    info.require_classifier(&a.run)?;
    let net = info.network(&a.run, &device)?;
    let bar = crate::files_bar(0, &info.input.name());
    let loaded = Clips::load(&a.test, &info.input, &|done, total| {
        bar.set_length(total as u64);
        bar.set_position(done as u64)
    });
    bar.finish_and_clear();
    let (clips, errors) = loaded?;
    let mut skipped = BTreeSet::new();
    report_skipped(&errors, &mut skipped);
    let indexed = Classes(info.labels.clone()).index(&clips.labels);
    warn_unknown("test", &indexed.unknown);
    // unknown labels cannot be predicted: keep them as errors with an extra class row
    let mut names = info.labels.clone();
    names.extend(indexed.unknown.iter().cloned());
    let y: Vec<usize> =
        clips.labels.iter().zip(&indexed.ids).map(|(l, i)| i.unwrap_or_else(|| names.iter().position(|n| n == l).expect("added"))).collect();
    let clips = make_clips(clips.inputs, &y, &info.standardizer, &clips.paths)?;
    let set = reprise::nn::data::PatchSet::new(clips, info.input.window(), names.len())?;
    let r = score(info.name.name(), &info.input.name(), &net, &set, &device).map_err(|e| damaged(&a.run, e))?;
    let out = a.out.clone().unwrap_or_else(|| default_eval_dir(&a.run, &a.test));
    std::fs::create_dir_all(&out).map_err(|e| format!("{}: cannot create output folder: {e}", out.display()))?;
    let protocol = format!(
        "run {} (trained on {}), test {} ({} clips, {} windows)",
        a.run.display(),
        info.trained_on,
        a.test.display(),
        set.clips.len(),
        r.chunks
    );
    let table = result_table(std::slice::from_ref(&r));
    println!("{protocol}\n\n{table}");
    let stem = format!("{}-{}", r.feature, r.classifier);
    write_json(
        &out.join("results.json"),
        &json!({ "protocol": protocol, "test": a.test.display().to_string(), "labels": names, "parameters": info.parameters, "results": [&r], "skipped_files": skipped }),
    )?;
    write_atomic(&out.join("results.md"), |w| w.write_all(format!("{protocol}\n\n{table}").as_bytes()))?;
    write_confusion_png(
        &out.join(format!("{stem}-confusion.png")),
        &format!("{} on {}: clip accuracy {:.1} %", r.classifier, r.feature, 100.0 * r.accuracy),
        &names,
        &r.confusion.counts,
    )?;
    println!("wrote {}", out.join("results.json").display());
    if !skipped.is_empty() {
        return Err(Failure { code: 1, message: format!("{} clip(s) could not be analysed and were left out (listed above)", skipped.len()) });
    }
    Ok(())
}

/// `RUN/eval-STEM`, or `RUN/eval-STEM-2`, `-3`… when that folder holds the evaluation of
/// another test manifest with the same file name: a second evaluation never overwrites the
/// first (the same manifest again does, as a re-run).
fn default_eval_dir(run: &std::path::Path, test: &std::path::Path) -> PathBuf {
    let stem = test.file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_else(|| "test".into());
    let same_test = |dir: &std::path::Path| -> bool {
        let Ok(text) = std::fs::read_to_string(dir.join("results.json")) else { return true };
        let recorded = serde_json::from_str::<serde_json::Value>(&text).ok().and_then(|v| v["test"].as_str().map(String::from));
        recorded.as_deref() == Some(&*test.display().to_string())
    };
    (1..)
        .map(|k| run.join(if k == 1 { format!("eval-{stem}") } else { format!("eval-{stem}-{k}") }))
        .find(|d| !d.exists() || same_test(d))
        .expect("an unused folder name")
}

/// A network whose outputs are NaN: the run's weights are to blame, not the audio.
fn damaged(run: &std::path::Path, e: reprise::Error) -> Failure {
    match e {
        reprise::Error::NonFiniteOutput => Failure::from(format!("{}: {e}", run.join("weights.bpk").display())),
        other => Failure::from(other),
    }
}

fn result_table(results: &[DeepResult]) -> String {
    let mut t = String::from("| model | input | clip accuracy | clip per-class | chunk accuracy | chunk per-class |\n|---|---|---|---|---|---|\n");
    for r in results {
        t += &format!(
            "| {} | {} | {:.1} % | {:.1} % | {:.1} % | {:.1} % |\n",
            r.classifier,
            r.feature,
            100.0 * r.accuracy,
            100.0 * r.balanced_accuracy,
            100.0 * r.chunk_accuracy,
            100.0 * r.chunk_balanced_accuracy
        );
    }
    t
}

#[derive(Args)]
pub struct PredictArgs {
    /// A run folder of `reprise train`.
    run: PathBuf,
    /// Audio files.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// One JSON object per file with clip-level and window-level (frame-level) probabilities.
    #[arg(long)]
    json: bool,
    /// Overlap of consecutive windows, 0 to 0.9: 0.5 (the default) is what `reprise eval`
    /// scores; 0 (musicnn's default) halves the work.
    #[arg(long, default_value_t = 0.5)]
    overlap: f64,
    /// cpu; cuda / cuda:N in a build with the `cuda` feature; libtorch, libtorch-cuda[:N] in a
    /// build with the `libtorch` feature.
    #[arg(long, default_value = "cpu")]
    device: String,
}

pub fn predict(a: &PredictArgs) -> Result<(), Failure> {
    if !(0.0..=0.9).contains(&a.overlap) {
        return Err(Failure { code: 2, message: format!("--overlap {}: give a fraction from 0 to 0.9", a.overlap) });
    }
    let device = reprise::nn::device(&a.device)?;
    let model = Predictor::load(&a.run, &device)?;
    let mut failed = 0;
    for (path, one) in a.files.iter().zip(model.predict(&a.files, a.overlap)?) {
        match one {
            Ok(p) if a.json => println!("{}", model.to_json(path, &p)),
            Ok(p) => println!("{}\t{}\t{:.3}", path.display(), model.info.labels[p.label], p.probs[p.label]),
            Err(e) => {
                failed += 1;
                if a.json {
                    println!("{}", json!({ "file": path.display().to_string(), "error": e.to_string() }));
                } else {
                    eprintln!("error: {e}");
                }
            }
        }
    }
    if failed > 0 {
        return Err(Failure { code: 1, message: format!("{failed} of {} file(s) could not be classified", a.files.len()) });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::default_eval_dir;

    #[test]
    fn a_second_test_manifest_of_the_same_name_gets_its_own_folder() {
        let dir = tempfile::tempdir().unwrap();
        let run = dir.path();
        let (a, b) = (run.join("x/test.csv"), run.join("y/test.csv"));
        assert_eq!(default_eval_dir(run, &a), run.join("eval-test"));
        std::fs::create_dir_all(run.join("eval-test")).unwrap();
        let results = |t: &std::path::Path| serde_json::json!({ "test": t.display().to_string() }).to_string();
        std::fs::write(run.join("eval-test/results.json"), results(&a)).unwrap();
        // the same manifest again: the same folder (a re-run); another: a new one
        assert_eq!(default_eval_dir(run, &a), run.join("eval-test"));
        assert_eq!(default_eval_dir(run, &b), run.join("eval-test-2"));
        std::fs::create_dir_all(run.join("eval-test-2")).unwrap();
        std::fs::write(run.join("eval-test-2/results.json"), results(&b)).unwrap();
        assert_eq!(default_eval_dir(run, &b), run.join("eval-test-2"));
        assert_eq!(default_eval_dir(run, &run.join("z/test.csv")), run.join("eval-test-3"));
    }
}
