//! Training orchestration: the clips of a manifest, class indexing, the validation split,
//! resuming a run folder, and everything a run needs before `reprise_nn::train::fit`.
//! The command line parses its flags into a [`TrainRequest`], shows progress and prints;
//! the decisions are made here.

use super::{compute_inputs, make_clips, patch_set, DeepInput, RunInfo};
use crate::classify::grouped_folds;
use crate::{Error, Result};
use reprise_data::Manifest;
use reprise_nn::checkpoint::{TrainState, FORMAT, VERSION};
use reprise_nn::data::{Clip, PatchSet, Standardizer};
use reprise_nn::models::{ModelConfig, ModelName};
use reprise_nn::objectives::{Classification, PairReconstruction};
use reprise_nn::train::{Objective, TrainConfig};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One network input, not yet standardised: `(values row-major, rows, frames)`.
pub type RawInput = (Vec<f32>, usize, usize);

/// Called with `(done, total)` as inputs are computed.
pub type Progress<'a> = dyn Fn(usize, usize) + Sync + 'a;

/// The clips of a manifest that could be analysed, with their inputs.
#[derive(Debug, Clone, Default)]
pub struct Clips {
    /// Audio files.
    pub paths: Vec<PathBuf>,
    /// Labels, as the manifest gives them.
    pub labels: Vec<String>,
    /// Note groups (clips of one note stay on one side of a split).
    pub groups: Vec<String>,
    /// The inputs.
    pub inputs: Vec<RawInput>,
}

impl Clips {
    /// Reads `manifest` and computes every clip's input in parallel; `progress(done,
    /// total)` after each. Returns the clips that could be analysed and the errors of those
    /// that could not; an empty manifest, or one with no usable clip, is an error.
    pub fn load(manifest: &Path, input: &DeepInput, progress: &Progress<'_>) -> Result<(Clips, Vec<Error>)> {
        let m = Manifest::read(manifest)?;
        let bad = |reason: &str| Error::Clip { path: manifest.to_owned(), reason: reason.into() };
        if m.rows.is_empty() {
            return Err(bad("the manifest has no clips"));
        }
        let paths: Vec<PathBuf> = m.rows.iter().map(|r| m.resolve(r)).collect();
        let mut clips = Clips::default();
        let mut skipped = Vec::new();
        let done = std::sync::atomic::AtomicUsize::new(0);
        let tick = || progress(done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1, paths.len());
        for ((r, path), row) in compute_inputs(input, &paths, &tick).into_iter().zip(paths.clone()).zip(&m.rows) {
            match r {
                Ok(v) => {
                    clips.paths.push(path);
                    clips.labels.push(row.label.clone());
                    clips.groups.push(row.group_key());
                    clips.inputs.push(v);
                }
                Err(e) => skipped.push(e),
            }
        }
        if clips.inputs.is_empty() {
            return Err(bad("no clip could be analysed"));
        }
        Ok((clips, skipped))
    }

    /// Number of clips.
    pub fn len(&self) -> usize {
        self.paths.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.paths.is_empty()
    }

    /// The clips at `idx`, in that order.
    pub fn subset(&self, idx: &[usize]) -> Clips {
        Clips {
            paths: idx.iter().map(|&i| self.paths[i].clone()).collect(),
            labels: idx.iter().map(|&i| self.labels[i].clone()).collect(),
            groups: idx.iter().map(|&i| self.groups[i].clone()).collect(),
            inputs: idx.iter().map(|&i| self.inputs[i].clone()).collect(),
        }
    }

    /// The rows every input shares; a clip with other rows is an error that names it.
    pub fn rows(&self) -> Result<usize> {
        let rows = self.inputs.first().map_or(0, |x| x.1);
        match self.inputs.iter().position(|x| x.1 != rows) {
            Some(i) => Err(Error::Clip { path: self.paths[i].clone(), reason: format!("{} rows where other clips have {rows}", self.inputs[i].1) }),
            None => Ok(rows),
        }
    }
}

/// The classes of a run, in output order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classes(pub Vec<String>);

/// Labels mapped to class indices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Indexed {
    /// The class of each label; `None` for a label the classes lack.
    pub ids: Vec<Option<usize>>,
    /// The labels the classes lack.
    pub unknown: BTreeSet<String>,
}

impl Classes {
    /// The distinct labels, sorted.
    pub fn of(labels: &[String]) -> Classes {
        Classes(labels.iter().cloned().collect::<BTreeSet<_>>().into_iter().collect())
    }

    /// The class of each label.
    pub fn index(&self, labels: &[String]) -> Indexed {
        let ids: Vec<Option<usize>> = labels.iter().map(|l| self.0.iter().position(|n| n == l)).collect();
        let unknown = labels.iter().zip(&ids).filter(|(_, i)| i.is_none()).map(|(l, _)| l.clone()).collect();
        Indexed { ids, unknown }
    }
}

/// Where validation clips come from.
#[derive(Debug, Clone, PartialEq)]
pub enum Validation {
    /// No validation: early stopping watches the training loss.
    None,
    /// Hold out this fraction of the notes of every class (in `(0, 0.5)`).
    Split(f64),
    /// A manifest of its own.
    Manifest(PathBuf),
}

/// Holds out about `fraction` of the note groups of every class: one fold of
/// `round(1/fraction)` grouped, stratified folds. Returns `(train, validation)` indices.
pub fn hold_out(y: &[usize], groups: &[String], fraction: f64, seed: u64) -> Result<(Vec<usize>, Vec<usize>)> {
    let k = (1.0 / fraction).round().max(2.0) as usize;
    let (folds, _) = grouped_folds(y, groups, k, seed)?;
    let train = (0..y.len()).filter(|&i| folds[i] != 0).collect();
    let val = (0..y.len()).filter(|&i| folds[i] == 0).collect();
    Ok((train, val))
}

/// A setting of a run that a resumed run must keep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// The setting (`model`, `features`, or a training setting such as `epochs`).
    pub setting: String,
    /// Its value in the run.
    pub recorded: String,
    /// The value given now.
    pub given: String,
}

/// The settings given for resuming that differ from the run's own.
pub fn resume_conflicts(info: &RunInfo, model: ModelName, input: &DeepInput, train: &TrainConfig) -> Vec<Conflict> {
    let mut out = Vec::new();
    let conflict = |setting: &str, recorded: String, given: String| Conflict { setting: setting.into(), recorded, given };
    if info.name != model {
        out.push(conflict("model", info.name.to_string(), model.to_string()));
    }
    if &info.input != input {
        out.push(conflict("features", info.input.name(), input.name()));
    }
    let (was, now) = (serde_json::to_value(&info.train).unwrap_or_default(), serde_json::to_value(train).unwrap_or_default());
    if let (Some(was), Some(now)) = (was.as_object(), now.as_object()) {
        let plain = |v: &serde_json::Value| v.as_str().map(String::from).unwrap_or_else(|| v.to_string());
        for (k, v) in was {
            if now.get(k) != Some(v) {
                out.push(conflict(k, plain(v), now.get(k).map(plain).unwrap_or_default()));
            }
        }
    }
    out
}

/// Epochs the run's checkpoint has finished (`None` without a readable checkpoint).
pub fn completed_epochs(run: &Path) -> Option<usize> {
    let text = std::fs::read_to_string(run.join("checkpoint/state.json")).ok()?;
    serde_json::from_str::<TrainState>(&text).ok().map(|s| s.epoch)
}

/// What to train, where.
#[derive(Debug, Clone)]
pub struct TrainRequest {
    /// The network.
    pub model: ModelName,
    /// What it reads.
    pub input: DeepInput,
    /// The training manifest.
    pub train: PathBuf,
    /// Where validation clips come from.
    pub validation: Validation,
    /// The training settings.
    pub config: TrainConfig,
    /// The run folder.
    pub out: PathBuf,
    /// Continue the run in `out` (its settings must equal these).
    pub resume: bool,
}

impl PreparedRun {
    /// What the run's model is trained for: pair reconstruction for the CAE (with the shifts
    /// of its configuration), classification for the others.
    pub fn objective(&self) -> Result<Box<dyn Objective + '_>> {
        Ok(match &self.info.model {
            ModelConfig::Cae(_) => Box::new(PairReconstruction::for_model(&self.info.model, self.train.clone(), self.val.as_deref())?),
            _ => Box::new(Classification::new(self.train.clone(), self.val.as_deref())),
        })
    }
}

/// Everything [`reprise_nn::train::fit`] needs, and what happened on the way.
pub struct PreparedRun {
    /// The run's description, saved as `model.json`.
    pub info: RunInfo,
    /// Training windows.
    pub train: Arc<PatchSet>,
    /// Validation windows, if any.
    pub val: Option<Arc<PatchSet>>,
    /// Epochs already finished when resuming (`Some(0)` without a checkpoint yet).
    pub resumed_after: Option<usize>,
    /// Clips that could not be analysed, with why.
    pub skipped: Vec<Error>,
    /// Training labels a resumed run's classes lack (those clips count as errors).
    pub unknown_train_labels: BTreeSet<String>,
    /// Validation labels the classes lack (those clips are left out).
    pub unknown_val_labels: BTreeSet<String>,
}

/// Checks the request against the run folder, loads and splits the clips, indexes the
/// classes, standardises the inputs with the training statistics (the run's own when
/// resuming), and saves `model.json`. `progress` follows each manifest's inputs.
pub fn prepare(req: &TrainRequest, device: &reprise_nn::burn::prelude::Device, progress: &Progress<'_>) -> Result<PreparedRun> {
    let run_error = |reason: String| Error::Clip { path: req.out.clone(), reason };
    req.config.validate()?;
    let previous = if req.out.join("model.json").exists() {
        if !req.resume {
            return Err(run_error("already holds a run; add --resume to continue it, or choose another --out".into()));
        }
        let info = RunInfo::load(&req.out)?;
        let conflicts = resume_conflicts(&info, req.model, &req.input, &req.config);
        if !conflicts.is_empty() {
            let list: Vec<String> =
                conflicts.iter().map(|c| format!("--{} {} (given {})", c.setting.replace('_', "-"), c.recorded, c.given)).collect();
            return Err(run_error(format!("--resume needs the run's own settings; it was trained with {}", list.join(", "))));
        }
        Some(info)
    } else {
        None
    };
    let (all, mut skipped) = Clips::load(&req.train, &req.input, progress)?;
    let classifier = req.model.is_classifier();
    let classes = match &previous {
        Some(info) => Classes(info.labels.clone()),
        // a representation learner has no classes: its manifest's labels are not used
        None if !classifier => Classes(Vec::new()),
        None => Classes::of(&all.labels),
    };
    if classifier && classes.0.len() < 2 {
        return Err(Error::Clip { path: req.train.clone(), reason: format!("need at least two classes, found {}", classes.0.len()) });
    }
    // a resumed run's classes are its own: training labels it lacks are left out
    let indexed = if classifier { classes.index(&all.labels) } else { Indexed { ids: vec![Some(0); all.len()], unknown: BTreeSet::new() } };
    let y: Vec<usize> = indexed.ids.iter().map(|i| i.unwrap_or(usize::MAX)).collect();
    let (train_idx, val_clips) = match &req.validation {
        Validation::Manifest(v) => {
            let (clips, more) = Clips::load(v, &req.input, progress)?;
            skipped.extend(more);
            ((0..all.len()).collect::<Vec<_>>(), Some(clips))
        }
        Validation::Split(fraction) => {
            let (tr, va) = hold_out(&y, &all.groups, *fraction, req.config.seed).map_err(|e| Error::Clip {
                path: req.train.clone(),
                reason: format!(
                    "cannot hold out --val-split {fraction} of the notes of every class ({e}); give --val-split 0 (no validation), a larger split, or --val MANIFEST"
                ),
            })?;
            (tr, Some(all.subset(&va)))
        }
        Validation::None => ((0..all.len()).collect(), None),
    };
    let rows = all.rows()?;
    let mut train_clips: Vec<Clip> = train_idx
        .iter()
        .map(|&i| Clip::new(all.inputs[i].0.clone(), all.inputs[i].1, all.inputs[i].2, y[i], &all.paths[i].display().to_string()))
        .collect::<std::result::Result<_, _>>()?;
    let scaler = match &previous {
        Some(info) => info.standardizer.clone(),
        // the CAE's input is standardised per frame: its scaling is the identity
        None if !classifier => Standardizer { mean: vec![0.0; rows], std: vec![1.0; rows] },
        None => Standardizer::fit(&train_clips)?,
    };
    for c in &mut train_clips {
        scaler.apply(c)?;
    }
    let model = ModelConfig::of(req.model, rows, req.input.window(), classes.0.len()).map_err(|source| Error::Model { model: req.model, source })?;
    let parameters = {
        use reprise_nn::burn::module::Module;
        model.init(device)?.num_params() - model.running_stats()
    };
    let info = RunInfo {
        format: FORMAT.into(),
        version: VERSION,
        name: req.model,
        model,
        train: req.config.clone(),
        labels: classes.0.clone(),
        input: req.input.clone(),
        standardizer: scaler.clone(),
        trained_on: req.train.display().to_string(),
        parameters,
    };
    std::fs::create_dir_all(&req.out).map_err(|e| run_error(format!("cannot create the run folder: {e}")))?;
    info.save(&req.out)?;
    let train = patch_set(train_clips, &info)?;
    let mut unknown_val_labels = BTreeSet::new();
    let val = match val_clips {
        Some(v) if !v.is_empty() => {
            let indexed = if classifier { classes.index(&v.labels) } else { Indexed { ids: vec![Some(0); v.len()], unknown: BTreeSet::new() } };
            unknown_val_labels = indexed.unknown;
            let keep: Vec<usize> = (0..v.len()).filter(|&i| indexed.ids[i].is_some()).collect();
            let kept = v.subset(&keep);
            let ids: Vec<usize> = keep.iter().map(|&i| indexed.ids[i].expect("kept")).collect();
            let clips = make_clips(kept.inputs, &ids, &scaler, &kept.paths)?;
            (!clips.is_empty()).then(|| patch_set(clips, &info)).transpose()?
        }
        _ => None,
    };
    let resumed_after = previous.is_some().then(|| completed_epochs(&req.out).unwrap_or(0));
    Ok(PreparedRun { info, train, val, resumed_after, skipped, unknown_train_labels: indexed.unknown, unknown_val_labels })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn classes_are_sorted_labels_and_index_unknown_ones_as_none() {
        let c = Classes::of(&s(&["flute", "cello", "flute", "oboe"]));
        assert_eq!(c.0, s(&["cello", "flute", "oboe"]));
        let i = c.index(&s(&["oboe", "harp", "cello"]));
        assert_eq!(i.ids, [Some(2), None, Some(0)]);
        assert_eq!(i.unknown.into_iter().collect::<Vec<_>>(), s(&["harp"]));
    }

    #[test]
    fn a_held_out_note_stays_on_one_side_and_every_class_is_held_out() {
        // 2 classes × 10 notes × 3 clips per note
        let (mut y, mut groups) = (Vec::new(), Vec::new());
        for c in 0..2 {
            for n in 0..10 {
                for _ in 0..3 {
                    y.push(c);
                    groups.push(format!("{c}-{n}"));
                }
            }
        }
        let (train, val) = hold_out(&y, &groups, 0.2, 7).unwrap();
        assert_eq!(train.len() + val.len(), y.len());
        for v in &val {
            assert!(train.iter().all(|t| groups[*t] != groups[*v]), "note {} on both sides", groups[*v]);
        }
        for c in 0..2 {
            assert!(val.iter().any(|&i| y[i] == c), "class {c} held out");
        }
        assert_eq!(hold_out(&y, &groups, 0.2, 7).unwrap(), (train, val), "seeded");
    }

    #[test]
    fn resuming_names_every_setting_that_differs() {
        let input = DeepInput::default_for(ModelName::Lc2d);
        let config = TrainConfig::default();
        let model = ModelConfig::of(ModelName::Mlp, 4, 1, 2).unwrap();
        let info = RunInfo {
            format: FORMAT.into(),
            version: VERSION,
            name: ModelName::Lc2d,
            model,
            train: config.clone(),
            labels: s(&["a", "b"]),
            input: input.clone(),
            standardizer: Standardizer { mean: vec![0.0; 4], std: vec![1.0; 4] },
            trained_on: "train.csv".into(),
            parameters: 0,
        };
        assert!(resume_conflicts(&info, ModelName::Lc2d, &input, &config).is_empty());
        let other = TrainConfig { epochs: config.epochs + 5, ..config.clone() };
        let c = resume_conflicts(&info, ModelName::Pons, &DeepInput::default_for(ModelName::Pons), &other);
        let settings: Vec<&str> = c.iter().map(|c| c.setting.as_str()).collect();
        assert_eq!(settings, ["model", "features", "epochs"]);
        assert_eq!((c[0].recorded.as_str(), c[0].given.as_str()), ("lc-2d", "pons"));
    }

    #[test]
    fn completed_epochs_come_from_the_checkpoint_state() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(completed_epochs(dir.path()), None);
        std::fs::create_dir_all(dir.path().join("checkpoint")).unwrap();
        let state = TrainState { epoch: 4, best_loss: 0.5, best_epoch: 3, stale: 1, stopped: false };
        std::fs::write(dir.path().join("checkpoint/state.json"), serde_json::to_string(&state).unwrap()).unwrap();
        assert_eq!(completed_epochs(dir.path()), Some(4));
    }

    #[test]
    fn clips_with_other_rows_are_named() {
        let c = Clips {
            paths: vec!["a.wav".into(), "b.wav".into()],
            labels: s(&["x", "y"]),
            groups: s(&["a", "b"]),
            inputs: vec![(vec![0.0; 8], 4, 2), (vec![0.0; 6], 3, 2)],
        };
        let e = c.rows().unwrap_err().to_string();
        assert!(e.starts_with("b.wav: 3 rows where other clips have 4"), "{e}");
        assert_eq!(c.subset(&[1]).paths, [PathBuf::from("b.wav")]);
    }
}
