//! `reprise train`, `reprise eval`, `reprise predict`: the networks of `reprise-nn` on
//! manifests and audio files, with run folders that can be resumed.

use crate::plot::{write_confusion_png, write_curves_png};
use crate::Failure;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use reprise::classify::grouped_folds;
use reprise::data::Manifest;
use reprise::deep::{compute_inputs, make_clips, patch_set, predict_clips, score, DeepInput, DeepResult, RunInfo};
use reprise::io::{write_atomic, write_json};
use reprise::nn::checkpoint::{FORMAT, VERSION};
use reprise::nn::data::{Clip, Standardizer};
use reprise::nn::models::{ModelConfig, MODEL_NAMES};
use reprise::nn::train::{fit, EpochMetrics, FitOptions, Optimizer, TrainConfig};
use serde_json::json;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn model_list() -> String {
    MODEL_NAMES.iter().map(|(n, d)| format!("  {n:<12} {d}")).collect::<Vec<_>>().join("\n")
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

A checkpoint is written after every epoch; --resume continues from it and gives the same
weights as an uninterrupted run. Clips that cannot be read are reported and left out (exit 1).",
        model_list()
    )
}

/// The clips of a manifest that could be analysed: paths, labels (as given), note groups
/// and unscaled inputs `(values, rows, frames)`.
type Loaded = (Vec<PathBuf>, Vec<String>, Vec<String>, Vec<(Vec<f32>, usize, usize)>);

/// Reads a manifest's clips and computes their inputs; unreadable clips are reported and
/// left out.
fn load_inputs(manifest: &Path, input: &DeepInput, skipped: &mut BTreeSet<String>) -> Result<Loaded, Failure> {
    let m = Manifest::read(manifest)?;
    if m.rows.is_empty() {
        return Err(format!("{}: the manifest has no clips", manifest.display()).into());
    }
    let paths: Vec<PathBuf> = m.rows.iter().map(|r| m.resolve(r)).collect();
    let bar = crate::files_bar(paths.len(), &input.name());
    let results = compute_inputs(input, &paths, &|| bar.inc(1));
    bar.finish_and_clear();
    let (mut p, mut l, mut g, mut x) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for ((r, path), row) in results.into_iter().zip(paths).zip(&m.rows) {
        match r {
            Ok(v) => {
                p.push(path);
                l.push(row.label.clone());
                g.push(row.group_key());
                x.push(v);
            }
            Err(e) => {
                let e = e.to_string();
                if skipped.insert(e.clone()) {
                    eprintln!("warning: skipped: {e}");
                }
            }
        }
    }
    if x.is_empty() {
        return Err(format!("{}: no clip could be analysed", manifest.display()).into());
    }
    Ok((p, l, g, x))
}

fn label_ids(labels: &[String], names: &[String], what: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let mut unknown = BTreeSet::new();
    for l in labels {
        match names.iter().position(|n| n == l) {
            Some(i) => out.push(i),
            None => {
                unknown.insert(l.clone());
                out.push(usize::MAX);
            }
        }
    }
    if !unknown.is_empty() {
        eprintln!(
            "warning: {what}: label(s) {} are not classes of the model; those clips count as errors",
            unknown.into_iter().collect::<Vec<_>>().join(", ")
        );
    }
    out
}

pub fn train(a: &TrainArgs) -> Result<(), Failure> {
    crate::set_global_jobs(a.jobs);
    let device = reprise::nn::device(&a.device)?;
    if !MODEL_NAMES.iter().any(|(n, _)| *n == a.model) {
        return Err(format!(
            "--model: unknown model '{}'; choose one of {}",
            a.model,
            MODEL_NAMES.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
        )
        .into());
    }
    let features = a.features.clone().unwrap_or_else(|| DeepInput::default_for(&a.model).to_string());
    let input = DeepInput::parse(&features).map_err(|e| format!("--features: {e}"))?;
    let cfg = TrainConfig {
        epochs: a.epochs,
        epoch_size: a.epoch_size,
        batch_size: a.batch_size,
        optimizer: a.optimizer,
        lr: a.lr,
        weight_decay: a.weight_decay,
        patience: a.patience,
        seed: a.seed,
    };
    cfg.validate()?;
    if a.val.is_none() && !(0.0..0.5).contains(&a.val_split) {
        return Err(format!("--val-split {}: use a fraction in [0, 0.5)", a.val_split).into());
    }
    let previous = if a.out.join("model.json").exists() {
        if !a.resume {
            return Err(format!("{} already holds a run; add --resume to continue it, or choose another --out", a.out.display()).into());
        }
        let info = RunInfo::load(&a.out)?;
        if info.name != a.model || info.input != input || info.train != cfg {
            // say which settings differ, with the run's values
            let mut diff = Vec::new();
            if info.name != a.model {
                diff.push(format!("--model {} (given {})", info.name, a.model));
            }
            if info.input != input {
                diff.push(format!("--features {} (given {})", info.input.name(), input.name()));
            }
            let (was, now) = (serde_json::to_value(&info.train).unwrap_or_default(), serde_json::to_value(&cfg).unwrap_or_default());
            if let (Some(was), Some(now)) = (was.as_object(), now.as_object()) {
                let plain = |v: &serde_json::Value| v.as_str().map(String::from).unwrap_or_else(|| v.to_string());
                for (k, v) in was {
                    if now.get(k) != Some(v) {
                        diff.push(format!("--{} {} (given {})", k.replace('_', "-"), plain(v), now.get(k).map(plain).unwrap_or_default()));
                    }
                }
            }
            return Err(format!("{}: --resume needs the run's own settings; it was trained with {}", a.out.display(), diff.join(", ")).into());
        }
        Some(info)
    } else {
        None
    };
    let mut skipped = BTreeSet::new();
    let (paths, labels, groups, inputs) = load_inputs(&a.train, &input, &mut skipped)?;
    let names: Vec<String> = match &previous {
        Some(info) => info.labels.clone(),
        None => labels.iter().cloned().collect::<BTreeSet<_>>().into_iter().collect(),
    };
    if names.len() < 2 {
        return Err(format!("{}: need at least two classes, found {}", a.train.display(), names.len()).into());
    }
    let y = label_ids(&labels, &names, "training");
    // validation: a manifest, or held-out notes of the training manifest
    let (train_idx, val_part) = match &a.val {
        Some(v) => ((0..paths.len()).collect::<Vec<_>>(), Some(load_inputs(v, &input, &mut skipped)?)),
        None if a.val_split > 0.0 => {
            let k = (1.0 / a.val_split).round().max(2.0) as usize;
            let (folds, _) = grouped_folds(&y, &groups, k, a.seed).map_err(|e| {
                format!(
                    "{}: cannot hold out --val-split {} of the notes of every class ({e}); give --val-split 0 (no validation), a larger split, or --val MANIFEST",
                    a.train.display(),
                    a.val_split
                )
            })?;
            let tr = (0..paths.len()).filter(|&i| folds[i] != 0).collect();
            let va: Vec<usize> = (0..paths.len()).filter(|&i| folds[i] == 0).collect();
            let pick = |v: &Vec<usize>| {
                (
                    v.iter().map(|&i| paths[i].clone()).collect::<Vec<_>>(),
                    v.iter().map(|&i| labels[i].clone()).collect::<Vec<_>>(),
                    Vec::new(),
                    v.iter().map(|&i| inputs[i].clone()).collect::<Vec<_>>(),
                )
            };
            (tr, Some(pick(&va)))
        }
        None => ((0..paths.len()).collect(), None),
    };
    let rows = inputs[0].1;
    if let Some(i) = inputs.iter().position(|x| x.1 != rows) {
        return Err(format!("{}: {} rows where other clips have {rows}", paths[i].display(), inputs[i].1).into());
    }
    let mut train_clips: Vec<Clip> = train_idx
        .iter()
        .map(|&i| Clip::new(inputs[i].0.clone(), inputs[i].1, inputs[i].2, y[i], &paths[i].display().to_string()))
        .collect::<Result<_, _>>()?;
    let scaler = match &previous {
        Some(info) => info.standardizer.clone(),
        None => Standardizer::fit(&train_clips)?,
    };
    for c in &mut train_clips {
        scaler.apply(c)?;
    }
    let model = ModelConfig::named(&a.model, rows, input.window(), names.len()).map_err(|e| format!("--model {}: {e}\n{}", a.model, model_list()))?;
    let parameters = {
        use reprise::nn::burn::module::Module;
        model.init(&device)?.num_params() - model.running_stats()
    };
    let info = RunInfo {
        format: FORMAT.into(),
        version: VERSION,
        name: a.model.clone(),
        model: model.clone(),
        train: cfg.clone(),
        labels: names.clone(),
        input: input.clone(),
        standardizer: scaler.clone(),
        trained_on: a.train.display().to_string(),
        parameters,
    };
    std::fs::create_dir_all(&a.out).map_err(|e| format!("{}: cannot create the run folder: {e}", a.out.display()))?;
    info.save(&a.out)?;
    let train_set = patch_set(train_clips, &info)?;
    let val_set = match val_part {
        Some((vp, vl, _, vx)) if !vx.is_empty() => {
            let vy = label_ids(&vl, &names, "validation");
            let keep: Vec<usize> = (0..vy.len()).filter(|&i| vy[i] != usize::MAX).collect();
            let clips = make_clips(
                keep.iter().map(|&i| vx[i].clone()).collect(),
                &keep.iter().map(|&i| vy[i]).collect::<Vec<_>>(),
                &scaler,
                &keep.iter().map(|&i| vp[i].clone()).collect::<Vec<_>>(),
            )?;
            (!clips.is_empty()).then(|| patch_set(clips, &info)).transpose()?
        }
        _ => None,
    };
    println!(
        "{}: {} parameters; {} training clips{}; {} classes; input {} ({} × {})",
        a.model,
        parameters,
        train_set.clips.len(),
        val_set.as_ref().map(|v| format!(", {} validation clips", v.clips.len())).unwrap_or_default(),
        names.len(),
        input.name(),
        rows,
        input.window()
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
        bar.set_message(format!("loss {:.3} acc {:.1}%", p.loss, 100.0 * p.acc));
    };
    if previous.is_some() {
        let done = std::fs::read_to_string(a.out.join("checkpoint/state.json"))
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .and_then(|v| v["epoch"].as_u64());
        println!("resuming after epoch {}", done.unwrap_or(0));
    }
    let mut on_epoch = |m: &EpochMetrics| bar.suspend(|| println!("{}", epoch_line(m)));
    let report = fit(
        &model,
        &cfg,
        &a.out,
        train_set,
        val_set.as_deref(),
        &device,
        FitOptions { resume: previous.is_some(), progress: &mut on_step, on_epoch: &mut on_epoch },
    )?;
    bar.finish_and_clear();
    println!(
        "best epoch {} → {}{}",
        report.best_epoch,
        a.out.join("weights.bpk").display(),
        if report.stopped_early { " (stopped early)" } else { "" }
    );
    write_curves_png(&a.out.join("training.png"), &a.model, &report.epochs)?;
    if !skipped.is_empty() {
        return Err(Failure { code: 1, message: format!("{} clip(s) could not be analysed and were left out (listed above)", skipped.len()) });
    }
    Ok(())
}

fn epoch_line(m: &EpochMetrics) -> String {
    let val = match (m.val_loss, m.val_acc, m.val_balanced_acc) {
        (Some(l), Some(a), Some(b)) => format!(" | val loss {l:.3} acc {:.1}% (per-class {:.1}%)", 100.0 * a, 100.0 * b),
        _ => String::new(),
    };
    format!("epoch {:>3}: train loss {:.3} acc {:.1}%{val}  {:.1} s", m.epoch, m.train_loss, 100.0 * m.train_acc, m.seconds)
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
    let net = info.network(&a.run, &device)?;
    let mut skipped = BTreeSet::new();
    let (paths, labels, _, inputs) = load_inputs(&a.test, &info.input, &mut skipped)?;
    let y = label_ids(&labels, &info.labels, "test");
    // unknown labels cannot be predicted: keep them as errors with an extra class row
    let mut names = info.labels.clone();
    let extra: BTreeSet<String> = labels.iter().zip(&y).filter(|(_, &i)| i == usize::MAX).map(|(l, _)| l.clone()).collect();
    names.extend(extra.iter().cloned());
    let y: Vec<usize> =
        labels.iter().zip(&y).map(|(l, &i)| if i == usize::MAX { names.iter().position(|n| n == l).expect("added") } else { i }).collect();
    let clips = make_clips(inputs, &y, &info.standardizer, &paths)?;
    let set = reprise::nn::data::PatchSet::new(clips, info.input.window(), names.len())?;
    let r = score(&info.name, &info.input.name(), &net, &set, &device).map_err(|e| damaged(&a.run, e))?;
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
    let info = RunInfo::load(&a.run)?;
    let net = info.network(&a.run, &device)?;
    let results = compute_inputs(&info.input, &a.files, &|| {});
    let mut failed = 0;
    let dt = info.input.seconds_per_frame();
    for (path, r) in a.files.iter().zip(results) {
        let one = r.and_then(|x| {
            let clips = make_clips(vec![x], &[0], &info.standardizer, std::slice::from_ref(path))?;
            let window = info.input.window();
            let hop = ((window as f64 * (1.0 - a.overlap)).round() as usize).max(1);
            Ok(predict_clips(&net, &reprise::nn::data::PatchSet::new(clips, window, info.labels.len())?, hop, &device)?.remove(0))
        });
        match one {
            // the run is damaged, not this file: stop at once
            Err(e @ reprise::Error::NonFiniteOutput) => return Err(damaged(&a.run, e)),
            Ok(p) if a.json => {
                let probs: serde_json::Map<String, serde_json::Value> =
                    info.labels.iter().zip(&p.probs).map(|(l, v)| (l.clone(), json!(v))).collect();
                let named = |w: &[f32]| -> serde_json::Map<String, serde_json::Value> {
                    info.labels.iter().zip(w).map(|(l, v)| (l.clone(), json!(v))).collect()
                };
                let windows: Vec<_> =
                    p.window_starts.iter().zip(&p.window_probs).map(|(s, w)| json!({ "start_s": *s as f64 * dt, "probs": named(w) })).collect();
                println!("{}", json!({ "file": path.display().to_string(), "label": info.labels[p.label], "probs": probs, "windows": windows }));
            }
            Ok(p) => println!("{}\t{}\t{:.3}", path.display(), info.labels[p.label], p.probs[p.label]),
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
