//! Clip-level classification: summarise any representation per clip, cache the summaries on
//! disk, and fit, score, save and apply the classical classifiers of [`reprise_ml`].
//!
//! A clip's vector is the mean and the standard deviation over frames of each row of a
//! representation (energy-like ones — spectrograms, CQT, scalogram, scattering — are taken
//! in natural log first, with a floor 100 dB below the clip's maximum). This is the seeds'
//! recipe ("features → standardisation → classifier").

use crate::features::{extract_file, FeatureKind, FeatureParams};
use crate::{Error, Result};
use ndarray::Array2;
use rayon::prelude::*;
use reprise_ml::{ClassifierKind, ConfusionMatrix, Pipeline};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// A clip-level representation: one or more frame-level features, summarised over frames.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClipFeature {
    /// Name on the command line (`mfcc`, `spectral`, `scattering`, ...).
    pub name: String,
    /// The frame-level features, concatenated in this order.
    pub parts: Vec<FeatureParams>,
}

/// The spectral descriptors that `spectral` stands for.
pub const SPECTRAL: [FeatureKind; 6] =
    [FeatureKind::Centroid, FeatureKind::Bandwidth, FeatureKind::Rolloff, FeatureKind::Flatness, FeatureKind::Zcr, FeatureKind::Rms];

/// Names accepted besides the `reprise features` kinds.
pub const ALIASES: &str = "spectral (centroid, bandwidth, rolloff, flatness, zcr, rms), chroma (= chroma-cqt)";

impl ClipFeature {
    /// The clip feature called `name`, with `base`'s parameters (sample rate, STFT, CQT and
    /// scattering settings) for every part.
    pub fn parse(name: &str, base: &FeatureParams) -> std::result::Result<Self, String> {
        let name = name.trim();
        let kinds: Vec<FeatureKind> = match name {
            "spectral" => SPECTRAL.to_vec(),
            "chroma" => vec![FeatureKind::ChromaCqt],
            other => vec![other.parse::<FeatureKind>().map_err(|e| format!("{e}; or {ALIASES}"))?],
        };
        let parts = kinds
            .into_iter()
            .map(|kind| {
                let mut p = FeatureParams { kind, ..base.clone() };
                if kind == FeatureKind::Stft {
                    p.power = Some(p.power.unwrap_or(2.0));
                }
                p.db = false;
                p
            })
            .collect::<Vec<_>>();
        for p in &parts {
            p.validate().map_err(|e| format!("{name}: {e}"))?;
        }
        Ok(ClipFeature { name: name.to_string(), parts })
    }
}

/// Whether a kind is a non-negative energy whose logarithm is summarised.
fn is_energy(kind: FeatureKind) -> bool {
    !matches!(kind, FeatureKind::Mfcc | FeatureKind::ChromaStft | FeatureKind::ChromaCqt | FeatureKind::ChromaCens) && !SPECTRAL.contains(&kind)
}

/// Mean and (population) standard deviation over frames of each row: `[means…, stds…]`.
/// With `log`, values are replaced by `ln(max(v, 1e-10 · max))` first.
pub fn summarize(m: &Array2<f32>, log: bool) -> Vec<f64> {
    let (rows, frames) = m.dim();
    let peak = m.iter().fold(0.0f64, |a, &v| a.max(v as f64));
    let floor = if peak > 0.0 { peak * 1e-10 } else { 1e-10 };
    let mut means = Vec::with_capacity(rows);
    let mut stds = Vec::with_capacity(rows);
    for row in m.rows() {
        let vals: Vec<f64> = row.iter().map(|&v| if log { (v as f64).max(floor).ln() } else { v as f64 }).collect();
        let n = frames.max(1) as f64;
        let mean = vals.iter().sum::<f64>() / n;
        let var = vals.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
        means.push(mean);
        stds.push(var.sqrt());
    }
    means.extend(stds);
    means
}

/// Computes the clip vector of one file (no cache).
pub fn clip_vector(path: &Path, feature: &ClipFeature) -> Result<Vec<f64>> {
    let mut out = Vec::new();
    for p in &feature.parts {
        let f = extract_file(path, p)?;
        if f.data.dim().1 == 0 {
            return Err(Error::Clip { path: path.to_owned(), reason: format!("{} has no frames (clip too short)", p.kind.name()) });
        }
        out.extend(summarize(&f.data.magnitude_2d(), is_energy(p.kind)));
    }
    if let Some(i) = out.iter().position(|v| !v.is_finite()) {
        return Err(Error::Clip {
            path: path.to_owned(),
            reason: format!("{} feature {i} is not finite ({}); the clip may be silent or damaged", feature.name, out[i]),
        });
    }
    Ok(out)
}

/// A folder of cached clip vectors, one `.npy` per (file, feature), keyed by the file's
/// path, size and modification time and by every feature parameter, so that an edited file
/// or a changed parameter is recomputed.
#[derive(Debug, Clone)]
pub struct FeatureCache {
    /// The folder; `None` disables caching.
    pub dir: Option<PathBuf>,
}

impl FeatureCache {
    /// The cache at `$REPRISE_CACHE`, else `$XDG_CACHE_HOME/reprise`, else `~/.cache/reprise`.
    pub fn default_dir() -> Option<PathBuf> {
        let env = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty()).map(PathBuf::from);
        env("REPRISE_CACHE").or_else(|| env("XDG_CACHE_HOME").map(|d| d.join("reprise"))).or_else(|| env("HOME").map(|h| h.join(".cache/reprise")))
    }

    /// Checks that the cache folder can be written; otherwise disables the cache and says
    /// why (a cache that cannot be written would silently recompute everything each run).
    pub fn checked(self) -> (Self, Option<String>) {
        let Some(dir) = &self.dir else { return (self, None) };
        match reprise_io::check_writable(dir) {
            Ok(()) => (self, None),
            Err(e) => {
                let why = format!("{}: the feature cache cannot be written ({e}); running without a cache", dir.display());
                (FeatureCache { dir: None }, Some(why))
            }
        }
    }

    fn entry(&self, path: &Path, feature: &ClipFeature) -> Option<PathBuf> {
        let dir = self.dir.as_ref()?;
        let fp = reprise_core::fs::Fingerprint::of(path);
        let bytes = fp.bytes?;
        let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
        let key = format!(
            "{}\n{}\n{}\n{}\n{}",
            env!("CARGO_PKG_VERSION"),
            canonical.display(),
            bytes,
            fp.modified_unix_ns.unwrap_or(0),
            serde_json::to_string(feature).unwrap_or_default()
        );
        Some(dir.join("clip-features").join(&feature.name).join(format!("{:016x}.npy", reprise_core::fnv1a(key.as_bytes()))))
    }

    /// The clip vector of `path`, from the cache when present (second value `true`), else
    /// computed and stored. A damaged cache entry is recomputed; a cache that cannot be
    /// written is ignored.
    pub fn get(&self, path: &Path, feature: &ClipFeature) -> Result<(Vec<f64>, bool)> {
        let entry = self.entry(path, feature);
        if let Some(e) = &entry {
            if let Ok(a) = ndarray_npy::read_npy::<_, ndarray::Array1<f64>>(e) {
                if a.iter().all(|v| v.is_finite()) && !a.is_empty() {
                    return Ok((a.to_vec(), true));
                }
            }
        }
        let v = clip_vector(path, feature)?;
        if let Some(e) = entry {
            if let Some(parent) = e.parent() {
                let _ = std::fs::create_dir_all(parent);
            }
            let _ = reprise_io::write_npy(&e, &ndarray::Array1::from(v.clone()));
        }
        Ok((v, false))
    }

    /// Clip vectors of many files, in parallel. Returns one `Ok(vector)` or `Err` (naming
    /// the file) per file and the number served from the cache; `tick` is called once per file.
    pub fn matrix(&self, paths: &[PathBuf], feature: &ClipFeature, tick: &(dyn Fn() + Sync)) -> (Vec<Result<Vec<f64>>>, usize) {
        let out: Vec<_> = paths
            .par_iter()
            .map(|p| {
                let r = self.get(p, feature).map_err(|e| e.in_file(p));
                tick();
                r
            })
            .collect();
        let cached = out.iter().filter(|r| matches!(r, Ok((_, true)))).count();
        (out.into_iter().map(|r| r.map(|(v, _)| v)).collect(), cached)
    }
}

/// Stacks vectors into a matrix; all must have the same length.
pub fn stack(rows: &[&Vec<f64>]) -> Result<Array2<f64>> {
    let d = rows.first().map(|r| r.len()).unwrap_or(0);
    if let Some(r) = rows.iter().find(|r| r.len() != d) {
        return Err(Error::Clip {
            path: PathBuf::new(),
            reason: format!("clip vectors of different lengths ({d} and {}); are the files' sample rates or lengths very different?", r.len()),
        });
    }
    let flat: Vec<f64> = rows.iter().flat_map(|r| r.iter().copied()).collect();
    Ok(Array2::from_shape_vec((rows.len(), d), flat).expect("sized"))
}

/// The scores of one (representation, classifier) pair.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PairResult {
    /// Representation.
    pub feature: String,
    /// Classifier.
    pub classifier: ClassifierKind,
    /// Fraction correct (mean over folds in cross-validation).
    pub accuracy: f64,
    /// Accuracy of each fold (one value on a held-out test set).
    pub fold_accuracy: Vec<f64>,
    /// Mean per-class recall.
    pub balanced_accuracy: f64,
    /// Macro F1.
    pub macro_f1: f64,
    /// Recall of each class (`None`: no test example).
    pub recall: Vec<Option<f64>>,
    /// Confusion matrix summed over folds; rows are true classes.
    pub confusion: ConfusionMatrix,
    /// Seconds spent fitting (all folds).
    pub fit_s: f64,
    /// Seconds spent predicting (all folds).
    pub predict_s: f64,
    /// Warnings of the fits (single-example classes, no convergence, ...).
    pub warnings: Vec<String>,
}

/// Fits `kind` on each (train, test) split of `x` and scores it. `folds[i]` is the test fold
/// of row i, or `None` for a row that is only ever in training (a held-out protocol passes
/// the train rows as `None` and the test rows as `Some(0)`).
pub fn evaluate(
    feature: &str,
    kind: ClassifierKind,
    x: &Array2<f64>,
    y: &[usize],
    folds: &[Option<usize>],
    labels: &[String],
    seed: u64,
) -> Result<PairResult> {
    let n_folds = folds.iter().flatten().max().map_or(0, |m| m + 1);
    let mut confusion = ConfusionMatrix::new(&[], &[], labels.len());
    let (mut fit_s, mut predict_s) = (0.0, 0.0);
    let mut fold_accuracy = Vec::new();
    let mut warnings = Vec::new();
    for f in 0..n_folds {
        let train: Vec<usize> = (0..y.len()).filter(|&i| folds[i] != Some(f)).collect();
        let test: Vec<usize> = (0..y.len()).filter(|&i| folds[i] == Some(f)).collect();
        if test.is_empty() {
            continue;
        }
        let xt = x.select(ndarray::Axis(0), &train);
        let yt: Vec<usize> = train.iter().map(|&i| y[i]).collect();
        let t0 = Instant::now();
        let (pipe, w) = Pipeline::fit(xt.view(), &yt, labels, &kind.default_config(seed.wrapping_add(f as u64)))?;
        fit_s += t0.elapsed().as_secs_f64();
        for w in w {
            if !warnings.contains(&w) {
                warnings.push(w);
            }
        }
        let xs = x.select(ndarray::Axis(0), &test);
        let t1 = Instant::now();
        let pred = pipe.predict(xs.view())?;
        predict_s += t1.elapsed().as_secs_f64();
        let truth: Vec<usize> = test.iter().map(|&i| y[i]).collect();
        let cm = ConfusionMatrix::new(&truth, &pred, labels.len());
        fold_accuracy.push(cm.accuracy());
        for (a, b) in confusion.counts.iter_mut().zip(&cm.counts) {
            a.iter_mut().zip(b).for_each(|(a, b)| *a += b);
        }
    }
    let accuracy = if fold_accuracy.is_empty() { 0.0 } else { fold_accuracy.iter().sum::<f64>() / fold_accuracy.len() as f64 };
    Ok(PairResult {
        feature: feature.to_string(),
        classifier: kind,
        accuracy,
        fold_accuracy,
        balanced_accuracy: confusion.balanced_accuracy(),
        macro_f1: confusion.macro_f1(),
        recall: confusion.recall(),
        confusion,
        fit_s,
        predict_s,
        warnings,
    })
}

/// Stratified K folds over groups: every row of a group (e.g. the velocities of one note)
/// lands in the same fold, and each class is spread evenly over the folds. Groups are
/// labelled by their first row's class. Without groups this is scikit-learn's
/// `StratifiedKFold(shuffle=True)` with this crate's generator.
pub fn grouped_folds(y: &[usize], groups: &[String], k: usize, seed: u64) -> Result<(Vec<usize>, Vec<String>)> {
    let mut index = std::collections::HashMap::new();
    let mut group_label = Vec::new();
    let gid: Vec<usize> = groups
        .iter()
        .zip(y)
        .map(|(g, &l)| {
            *index.entry(g.as_str()).or_insert_with(|| {
                group_label.push(l);
                group_label.len() - 1
            })
        })
        .collect();
    let (gf, warnings) = reprise_ml::stratified_k_fold(&group_label, k, Some(seed))?;
    Ok((gid.iter().map(|&g| gf[g]).collect(), warnings.iter().map(|w| w.to_string()).collect()))
}

/// A clip's prediction by a [`ModelFile`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClipScores {
    /// The predicted label.
    pub label: String,
    /// A score per label of the model, in its label order.
    pub scores: Vec<(String, f64)>,
    /// `probability`, or `vote_share` for an SVC (shares of its one-vs-one votes).
    pub score_kind: &'static str,
}

/// A saved pipeline: the clip feature it reads and the fitted scaler + classifier.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ModelFile {
    /// Always `reprise-classifier`.
    pub format: String,
    /// Format version (1).
    pub version: u32,
    /// Reprise version that wrote it.
    pub reprise_version: String,
    /// The clip feature.
    pub feature: ClipFeature,
    /// The fitted pipeline.
    pub pipeline: Pipeline,
    /// What it was trained on, for the record.
    pub trained_on: String,
}

impl ModelFile {
    /// A model file for a fitted pipeline.
    pub fn new(feature: ClipFeature, pipeline: Pipeline, trained_on: String) -> Self {
        ModelFile {
            format: "reprise-classifier".into(),
            version: 1,
            reprise_version: env!("CARGO_PKG_VERSION").into(),
            feature,
            pipeline,
            trained_on,
        }
    }

    /// Writes it as JSON, atomically.
    pub fn save(&self, path: &Path) -> Result<()> {
        Ok(reprise_io::write_json(path, self)?)
    }

    /// Reads and checks a model file; a missing, truncated, foreign or damaged file gets an
    /// error naming it.
    pub fn load(path: &Path) -> Result<Self> {
        let bad = |reason: String| Error::Clip { path: path.to_owned(), reason };
        let text = std::fs::read_to_string(path).map_err(|e| bad(format!("cannot read model: {e}")))?;
        let value: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| bad(format!("not a Reprise model (invalid or truncated JSON: {e})")))?;
        if value.get("format").and_then(|f| f.as_str()) != Some("reprise-classifier") {
            return Err(bad(
                "not a Reprise classifier model (no `format: reprise-classifier`); models are written by `reprise classify --save-models`".into(),
            ));
        }
        let m: ModelFile = serde_json::from_value(value).map_err(|e| bad(format!("damaged model: {e}")))?;
        if m.version != 1 {
            return Err(bad(format!("model format version {} is not supported (this Reprise reads version 1)", m.version)));
        }
        m.pipeline.validate().map_err(|e| bad(format!("damaged model: {e}")))?;
        for p in &m.feature.parts {
            p.validate().map_err(|e| bad(format!("damaged model: {e}")))?;
        }
        Ok(m)
    }

    /// Predicts the label of each file, with a score per label (see
    /// [`reprise_ml::Pipeline::class_scores`]). `model` names the model file in errors
    /// that are the model's fault (its feature settings give vectors of another length
    /// than its pipeline reads).
    pub fn predict_files(&self, model: &Path, files: &[PathBuf], cache: &FeatureCache) -> Vec<Result<ClipScores>> {
        let (vectors, _) = cache.matrix(files, &self.feature, &|| {});
        let want = self.pipeline.n_features();
        let model_error = |reason: String| Error::Clip { path: model.to_owned(), reason };
        vectors
            .into_iter()
            .map(|v| {
                let v = v?;
                if v.len() != want {
                    return Err(model_error(format!(
                        "inconsistent model: its feature settings give {} values per clip but its classifier reads {want} (the file was edited or damaged; save it again with `reprise classify --save-models`)",
                        v.len()
                    )));
                }
                let x = Array2::from_shape_vec((1, v.len()), v).expect("sized");
                let scores = self.pipeline.class_scores(x.view()).map_err(|e| model_error(e.to_string()))?;
                let row = scores.row(0).to_vec();
                // the first highest score is the pipeline's prediction (see `Pipeline::class_scores`)
                let label = self.pipeline.labels[reprise_ml::argmax(&row)].clone();
                let scores = self.pipeline.labels.iter().cloned().zip(row).collect();
                Ok(ClipScores { label, scores, score_kind: self.pipeline.model.score_kind() })
            })
            .collect()
    }
}
