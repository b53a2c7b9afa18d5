//! `reprise classify`: clip features → standard scaling → logistic regression, SVC, k-NN,
//! random forest; scored on a held-out manifest or by K-fold cross-validation.

use crate::plot::write_confusion_png;
use crate::{Failure, FeatureOpts};
use clap::{Args, Subcommand};
use ndarray::{Array1, Array2, Axis};
use reprise::classify::{evaluate, grouped_folds, stack, ClipFeature, FeatureCache, ModelFile, PairResult};
use reprise::data::Manifest;
use reprise::features::FeatureKind;
use reprise::io::{write_atomic, write_json, write_npy};
use reprise::ml::{ClassifierKind, Pipeline};
use serde_json::json;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct ClassifyArgs {
    #[command(subcommand)]
    command: Option<ClassifyCommand>,
    /// Training manifest: a CSV with path,label columns (as `reprise data` writes) or a
    /// folder of LABEL/file.wav.
    #[arg(long, required = true)]
    train: Option<PathBuf>,
    /// Test manifest (held-out protocol).
    #[arg(long, conflicts_with = "cv", required_unless_present = "cv")]
    test: Option<PathBuf>,
    /// K-fold cross-validation on the training manifest instead of a test manifest.
    #[arg(long)]
    cv: Option<usize>,
    /// Representations, comma-separated: any `reprise features` kind, or spectral, chroma.
    #[arg(long, default_value = "mfcc")]
    features: String,
    /// Classifiers, comma-separated: logreg, svc, knn, rf.
    #[arg(long, default_value = "logreg,svc,knn,rf")]
    classifiers: String,
    /// Seed of the folds and of the random forests.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Output folder: results.json, results.md, one JSON and one confusion PNG per pair.
    #[arg(short, long, default_value = "reprise-classify")]
    out: PathBuf,
    /// Also fit each pair on all training clips and save it to OUT/models/FEATURE-CLASSIFIER.json.
    #[arg(long)]
    save_models: bool,
    /// Feature cache folder (default $REPRISE_CACHE, else ~/.cache/reprise).
    #[arg(long)]
    cache: Option<PathBuf>,
    /// Do not read or write the feature cache.
    #[arg(long)]
    no_cache: bool,
    /// In cross-validation, let clips of one note (same SoundFont, program and pitch) fall
    /// into different folds (by default they share a fold, so near-duplicates cannot leak).
    #[arg(long)]
    no_groups: bool,
    /// Write the feature matrices and reprise's scores and timings to DIR/FEATURE/ (for
    /// scripts/bench_sklearn.py; held-out protocol only). Timings are the median of 5 runs
    /// after a warm-up, as the script times scikit-learn.
    #[arg(long)]
    dump: Option<PathBuf>,
    /// With --dump: the random forest's accuracy there is the mean over this many seeds
    /// (SEED, SEED+1, …), as scripts/bench_sklearn.py --rf-seeds does for scikit-learn.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=1000))]
    dump_rf_seeds: u64,
    /// Parallel files while extracting features (default: all cores).
    #[arg(short, long)]
    jobs: Option<usize>,
    #[command(flatten)]
    opts: FeatureOpts,
}

#[derive(Subcommand)]
pub enum ClassifyCommand {
    /// Apply a saved model to audio files: prints `file<TAB>label` per file.
    #[command(after_help = "Example:
  reprise classify predict out/models/mfcc-svc.json clip1.wav clip2.flac")]
    Predict {
        /// A model written by `reprise classify --save-models`.
        model: PathBuf,
        /// Audio files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Feature cache folder.
        #[arg(long)]
        cache: Option<PathBuf>,
        /// Print one JSON object per file instead of text.
        #[arg(long)]
        json: bool,
    },
}

fn cache_of(dir: &Option<PathBuf>, off: bool) -> FeatureCache {
    let (cache, warning) = FeatureCache { dir: if off { None } else { dir.clone().or_else(FeatureCache::default_dir) } }.checked();
    if let Some(w) = warning {
        eprintln!("warning: {w}");
    }
    cache
}

pub fn run(a: &ClassifyArgs) -> Result<(), Failure> {
    if let Some(ClassifyCommand::Predict { model, files, cache, json }) = &a.command {
        return predict(model, files, &cache_of(cache, false), *json);
    }
    crate::set_global_jobs(a.jobs);
    let train_path = a.train.as_ref().ok_or("--train is required")?;
    let features: Vec<ClipFeature> = a
        .features
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|f| ClipFeature::parse(f, &a.opts.params(FeatureKind::Mfcc)))
        .collect::<Result<_, _>>()
        .map_err(|e| format!("--features: {e}"))?;
    let mut kinds: Vec<ClassifierKind> = a
        .classifiers
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.parse())
        .collect::<Result<_, _>>()
        .map_err(|e| format!("--classifiers: {e}"))?;
    kinds.dedup();
    if features.is_empty() || kinds.is_empty() {
        return Err("give at least one feature (--features) and one classifier (--classifiers)".into());
    }
    if let Some(k) = a.cv {
        if k < 2 {
            return Err(format!("--cv {k}: need at least 2 folds").into());
        }
    }
    if a.dump.is_some() && a.test.is_none() {
        return Err("--dump needs the held-out protocol (--test)".into());
    }
    let train = Manifest::read(train_path)?;
    let test = a.test.as_ref().map(Manifest::read).transpose()?;
    if train.rows.is_empty() {
        return Err(format!("{}: the manifest has no clips", train_path.display()).into());
    }
    // class names: training labels, then labels only the test set has (they cannot be predicted)
    let train_labels: BTreeSet<&str> = train.rows.iter().map(|r| r.label.as_str()).collect();
    let mut labels: Vec<String> = train_labels.iter().map(|s| s.to_string()).collect();
    if let Some(t) = &test {
        let unseen: BTreeSet<&str> = t.rows.iter().map(|r| r.label.as_str()).filter(|l| !train_labels.contains(l)).collect();
        for l in &unseen {
            let n = t.rows.iter().filter(|r| r.label == *l).count();
            eprintln!("warning: test label `{l}` ({n} clips) is not in the training manifest; those clips count as errors");
            labels.push(l.to_string());
        }
    }
    let label_id = |l: &str| labels.iter().position(|x| x == l).expect("collected");
    // rows: training first, then test
    let mut paths: Vec<PathBuf> = train.rows.iter().map(|r| train.resolve(r)).collect();
    let mut y: Vec<usize> = train.rows.iter().map(|r| label_id(&r.label)).collect();
    let mut groups: Vec<String> = train.rows.iter().map(|r| if a.no_groups { r.path.clone() } else { r.group_key() }).collect();
    let n_train = paths.len();
    if let Some(t) = &test {
        paths.extend(t.rows.iter().map(|r| t.resolve(r)));
        y.extend(t.rows.iter().map(|r| label_id(&r.label)));
        groups.extend(t.rows.iter().map(|r| r.path.clone()));
    }
    std::fs::create_dir_all(&a.out).map_err(|e| format!("{}: cannot create output folder: {e}", a.out.display()))?;
    let cache = cache_of(&a.cache, a.no_cache);
    let protocol = match (&test, a.cv) {
        (Some(_), _) => format!(
            "train {} ({} clips), test {} ({} clips)",
            train_path.display(),
            n_train,
            a.test.as_ref().unwrap().display(),
            paths.len() - n_train
        ),
        (None, Some(k)) => format!(
            "{k}-fold stratified cross-validation{} on {} ({} clips), seed {}",
            if a.no_groups { "" } else { " grouped by note" },
            train_path.display(),
            n_train,
            a.seed
        ),
        _ => unreachable!("clap requires --test or --cv"),
    };
    println!("{protocol}; {} classes", labels.len());

    let mut results: Vec<PairResult> = Vec::new();
    let mut feature_info = serde_json::Map::new();
    let mut skipped: BTreeSet<String> = BTreeSet::new();
    for feat in &features {
        let bar = crate::files_bar(paths.len(), &feat.name);
        let t0 = std::time::Instant::now();
        let (vectors, cached) = cache.matrix(&paths, feat, &|| bar.inc(1));
        bar.finish_and_clear();
        let extract_s = t0.elapsed().as_secs_f64();
        let ok: Vec<usize> = (0..paths.len()).filter(|&i| vectors[i].is_ok()).collect();
        for v in vectors.iter().filter_map(|v| v.as_ref().err().map(|e| e.to_string())) {
            if skipped.insert(v.clone()) {
                eprintln!("warning: skipped: {v}");
            }
        }
        let rows: Vec<&Vec<f64>> = ok.iter().map(|&i| vectors[i].as_ref().expect("ok")).collect();
        if rows.is_empty() {
            eprintln!("warning: {}: no clip could be analysed; skipping this representation", feat.name);
            continue;
        }
        let x = stack(&rows)?;
        let yk: Vec<usize> = ok.iter().map(|&i| y[i]).collect();
        let folds: Vec<Option<usize>> = match a.cv {
            Some(k) if test.is_none() => {
                let g: Vec<String> = ok.iter().map(|&i| groups[i].clone()).collect();
                let (f, warnings) = grouped_folds(&yk, &g, k, a.seed)?;
                warnings.iter().for_each(|w| eprintln!("warning: {}: {w}", feat.name));
                f.into_iter().map(Some).collect()
            }
            _ => ok.iter().map(|&i| (i >= n_train).then_some(0)).collect(),
        };
        println!("{:>12}: {} dimensions, {} clips ({} from cache) in {:.1} s", feat.name, x.ncols(), x.nrows(), cached, extract_s);
        feature_info.insert(
            feat.name.clone(),
            json!({ "dimensions": x.ncols(), "clips": x.nrows(), "cached": cached, "extract_s": extract_s, "params": feat }),
        );
        let mut dumped = serde_json::Map::new();
        for &kind in &kinds {
            let r = evaluate(&feat.name, kind, &x, &yk, &folds, &labels, a.seed)?;
            for w in &r.warnings {
                eprintln!("warning: {} / {}: {w}", feat.name, kind.name());
            }
            let stem = format!("{}-{}", feat.name, kind.name());
            write_json(&a.out.join(format!("{stem}.json")), &json!({ "protocol": protocol, "labels": labels, "result": r }))?;
            let title = format!("{} + {}: accuracy {:.1} %", feat.name, kind.name(), 100.0 * r.accuracy);
            write_confusion_png(&a.out.join(format!("{stem}-confusion.png")), &title, &labels, &r.confusion.counts)?;
            if a.dump.is_some() {
                // timed as scripts/bench_sklearn.py times scikit-learn: the run above is the
                // warm-up, then the median of DUMP_REPEATS runs
                let mut runs = Vec::with_capacity(DUMP_REPEATS);
                for _ in 0..DUMP_REPEATS {
                    runs.push(evaluate(&feat.name, kind, &x, &yk, &folds, &labels, a.seed)?);
                }
                let median = |f: &dyn Fn(&PairResult) -> f64| {
                    let mut v: Vec<f64> = runs.iter().map(f).collect();
                    v.sort_by(f64::total_cmp);
                    v[v.len() / 2]
                };
                let (fit_s, predict_s) = (median(&|r| r.fit_s), median(&|r| r.predict_s));
                if kind == ClassifierKind::Rf {
                    // the mean accuracy over seeds, as the script does for scikit-learn
                    let mut by_seed = vec![r.accuracy];
                    for s in 1..a.dump_rf_seeds {
                        by_seed.push(evaluate(&feat.name, kind, &x, &yk, &folds, &labels, a.seed + s)?.accuracy);
                    }
                    let mean = by_seed.iter().sum::<f64>() / by_seed.len() as f64;
                    dumped
                        .insert(kind.name().into(), json!({ "accuracy": mean, "accuracy_by_seed": by_seed, "fit_s": fit_s, "predict_s": predict_s }));
                } else {
                    dumped.insert(kind.name().into(), json!({ "accuracy": r.accuracy, "fit_s": fit_s, "predict_s": predict_s }));
                }
            }
            if a.save_models {
                // fit on every training clip (all clips in cross-validation)
                let train_rows: Vec<usize> = (0..yk.len()).filter(|&i| test.is_none() || folds[i].is_none()).collect();
                let xt = x.select(Axis(0), &train_rows);
                let yt: Vec<usize> = train_rows.iter().map(|&i| yk[i]).collect();
                let (pipe, _) = Pipeline::fit(xt.view(), &yt, &labels, &kind.default_config(a.seed))?;
                std::fs::create_dir_all(a.out.join("models")).map_err(|e| format!("{}: {e}", a.out.join("models").display()))?;
                ModelFile::new(feat.clone(), pipe, train_path.display().to_string()).save(&a.out.join("models").join(format!("{stem}.json")))?;
            }
            results.push(r);
        }
        if let Some(dir) = &a.dump {
            dump(&dir.join(&feat.name), &x, &yk, &folds, &labels, dumped)?;
        }
    }
    let table = table(&features, &kinds, &results, a.cv.is_some() && test.is_none());
    println!("\n{table}");
    write_json(
        &a.out.join("results.json"),
        &json!({ "protocol": protocol, "labels": labels, "features": feature_info, "results": results, "skipped_files": skipped }),
    )?;
    write_atomic(&a.out.join("results.md"), |w| w.write_all(format!("{protocol}\n\n{table}").as_bytes()))?;
    println!("wrote {}", a.out.join("results.json").display());
    if !skipped.is_empty() {
        return Err(Failure { code: 1, message: format!("{} clip(s) could not be analysed and were left out (listed above)", skipped.len()) });
    }
    Ok(())
}

/// Timed runs per classifier for `--dump` (after one warm-up), as scripts/bench_sklearn.py.
const DUMP_REPEATS: usize = 5;

/// Accuracy table, representations × classifiers, in markdown.
fn table(features: &[ClipFeature], kinds: &[ClassifierKind], results: &[PairResult], cv: bool) -> String {
    let mut s =
        format!("| representation | {} |\n|---|{}\n", kinds.iter().map(|k| k.name()).collect::<Vec<_>>().join(" | "), "---:|".repeat(kinds.len()));
    for f in features {
        let cells: Vec<String> = kinds
            .iter()
            .map(|k| match results.iter().find(|r| r.feature == f.name && r.classifier == *k) {
                Some(r) if cv => {
                    let m = r.accuracy;
                    let sd = (r.fold_accuracy.iter().map(|a| (a - m) * (a - m)).sum::<f64>() / r.fold_accuracy.len().max(1) as f64).sqrt();
                    format!("{:.1} ± {:.1}", 100.0 * m, 100.0 * sd)
                }
                Some(r) => format!("{:.1}", 100.0 * r.accuracy),
                None => "–".into(),
            })
            .collect();
        s += &format!("| {} | {} |\n", f.name, cells.join(" | "));
    }
    s + "\naccuracy in %" + if cv { " (mean ± std over folds)" } else { "" }
}

fn dump(
    dir: &Path,
    x: &Array2<f64>,
    y: &[usize],
    folds: &[Option<usize>],
    labels: &[String],
    scores: serde_json::Map<String, serde_json::Value>,
) -> Result<(), Failure> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let tr: Vec<usize> = (0..y.len()).filter(|&i| folds[i].is_none()).collect();
    let te: Vec<usize> = (0..y.len()).filter(|&i| folds[i].is_some()).collect();
    let ys = |rows: &[usize]| Array1::from(rows.iter().map(|&i| y[i] as i64).collect::<Vec<_>>());
    write_npy(&dir.join("X_train.npy"), &x.select(Axis(0), &tr))?;
    write_npy(&dir.join("y_train.npy"), &ys(&tr))?;
    write_npy(&dir.join("X_test.npy"), &x.select(Axis(0), &te))?;
    write_npy(&dir.join("y_test.npy"), &ys(&te))?;
    write_json(&dir.join("labels.json"), &labels)?;
    write_json(&dir.join("reprise.json"), &json!({ "classifiers": scores, "threads": rayon::current_num_threads() }))?;
    Ok(())
}

fn predict(model: &Path, files: &[PathBuf], cache: &FeatureCache, json: bool) -> Result<(), Failure> {
    let m = ModelFile::load(model)?;
    let mut failed = 0;
    for (f, r) in files.iter().zip(m.predict_files(model, files, cache)) {
        match r {
            Ok(p) if json => {
                let scores: serde_json::Map<String, serde_json::Value> = p.scores.iter().map(|(l, v)| (l.clone(), json!(v))).collect();
                println!("{}", json!({ "file": f, "label": p.label, "scores": scores, "score_kind": p.score_kind }))
            }
            Ok(p) => println!("{}\t{}", f.display(), p.label),
            Err(e) => {
                failed += 1;
                eprintln!("error: {e}");
            }
        }
    }
    match failed {
        0 => Ok(()),
        n if n == files.len() => Err(Failure { code: 2, message: String::new() }),
        _ => Err(Failure { code: 1, message: String::new() }),
    }
}
