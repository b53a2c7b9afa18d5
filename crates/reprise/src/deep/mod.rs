//! Deep instrument recognition: the inputs of the networks in `reprise-nn`, built from
//! audio files and manifests, and the run folders behind `reprise train`, `reprise eval`
//! and `reprise predict`.
//!
//! Inputs (`--features`):
//! - `cqt`: Lostanlen & Cella's constant-Q input: 96 bins from A1 (55 Hz) at 12 bins per
//!   octave, hop 1024 at 44.1 kHz, `log1p(1000 · |CQT| · A-weighting)`; windows of 128
//!   frames (2.97 s).
//! - `mel`: musicnn's input: 96 Slaney mel bands of a 512-point STFT, hop 256 at 16 kHz,
//!   `log10(1 + 10000 · mel)`; windows of 187 frames (3 s).
//! - `waveform`: raw audio at 22050 Hz; windows of 59049 samples (2.7 s).
//! - `cae-cqt`: the Complex Autoencoder's input (Lattner et al. 2019): `|CQT|`, 120 bins at
//!   24 per octave from 65.4 Hz (C2), hop 1984 at 22050 Hz, each frame standardised over its
//!   bins (zero mean, unit variance); windows of 32 frames (2.9 s).
//! - any clip feature of `reprise classify` (`mfcc`, `spectral`, `mel`…, prefixed
//!   `summary:` when the name clashes): one summary vector per clip, for the MLP.
//!
//! Every classifier's input is standardised per row with training statistics stored in
//! `model.json`; the CAE's input is standardised per frame instead (its scaling is the identity).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use reprise_ml::metrics::ConfusionMatrix;
use reprise_nn::checkpoint::{load_weights, write_json_atomic, FORMAT, VERSION};
use reprise_nn::data::{Clip, PatchSet, Standardizer, Window};
use reprise_nn::models::{InputKind, ModelConfig, ModelName, Net};
use reprise_nn::train::{argmax, eval_batch, log_probs, TrainConfig};
use serde::{Deserialize, Serialize};

use crate::classify::{clip_vector, ClipFeature};
use crate::features::{extract_file_spec, FeatureKind, FeatureParams, FeatureSpec};
use crate::{Error, Result};

mod run;

pub use run::{
    completed_epochs, hold_out, prepare, resume_conflicts, Classes, Clips, Conflict, Indexed, PreparedRun, Progress, RawInput, TrainRequest,
    Validation,
};

/// What a network reads, and how it is computed from audio.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", try_from = "DeepInputRecord")]
pub enum DeepInput {
    /// `log1p(1000 · |CQT| · A-weighting)` (Lostanlen & Cella).
    Cqt {
        /// The CQT.
        spec: FeatureSpec,
        /// Frames per window.
        window: usize,
    },
    /// `log10(1 + 10000 · mel)` (musicnn).
    Mel {
        /// The mel spectrogram.
        spec: FeatureSpec,
        /// Frames per window.
        window: usize,
    },
    /// `|CQT|` standardised per frame (the Complex Autoencoder's input).
    CaeCqt {
        /// The CQT.
        spec: FeatureSpec,
        /// Frames per window.
        window: usize,
    },
    /// Raw audio.
    Waveform {
        /// Sample rate.
        sr: u32,
        /// Samples per window.
        window: usize,
    },
    /// One summary vector per clip.
    Summary {
        /// The clip feature.
        feature: ClipFeature,
    },
}

/// A `DeepInput` as `model.json` holds it: the spec, or (runs written before the spec
/// existed) the options it is built from.
#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
enum DeepInputRecord {
    Cqt {
        #[serde(default)]
        spec: Option<FeatureSpec>,
        #[serde(default)]
        params: Option<FeatureParams>,
        window: usize,
    },
    Mel {
        #[serde(default)]
        spec: Option<FeatureSpec>,
        #[serde(default)]
        params: Option<FeatureParams>,
        window: usize,
    },
    CaeCqt {
        spec: FeatureSpec,
        window: usize,
    },
    Waveform {
        sr: u32,
        window: usize,
    },
    Summary {
        feature: ClipFeature,
    },
}

impl TryFrom<DeepInputRecord> for DeepInput {
    type Error = String;
    fn try_from(r: DeepInputRecord) -> std::result::Result<Self, String> {
        let spec = |spec: Option<FeatureSpec>, params: Option<FeatureParams>| -> std::result::Result<FeatureSpec, String> {
            match (spec, params) {
                (Some(s), _) => Ok(s),
                (None, Some(p)) => {
                    let p = p.with_recorded_tuning();
                    p.spec(p.sr.unwrap_or(22050)).map_err(|e| e.to_string())
                }
                (None, None) => Err("the input has neither `spec` nor `params`".into()),
            }
        };
        Ok(match r {
            DeepInputRecord::Cqt { spec: s, params, window } => DeepInput::Cqt { spec: spec(s, params)?, window },
            DeepInputRecord::Mel { spec: s, params, window } => DeepInput::Mel { spec: spec(s, params)?, window },
            DeepInputRecord::CaeCqt { spec, window } => DeepInput::CaeCqt { spec, window },
            DeepInputRecord::Waveform { sr, window } => DeepInput::Waveform { sr, window },
            DeepInputRecord::Summary { feature } => DeepInput::Summary { feature },
        })
    }
}

impl DeepInput {
    /// The input named `name` (`cqt`, `mel`, `waveform`, or a clip feature).
    pub fn parse(name: &str) -> std::result::Result<Self, String> {
        Ok(match name {
            "cqt" => {
                let mut p = FeatureParams {
                    kind: FeatureKind::Cqt,
                    sr: Some(44100),
                    tuning: Some(reprise_dsp::Tuning::Bins(0.0)),
                    ..FeatureParams::default()
                };
                p.stft.hop_length = Some(1024);
                p.cqt.fmin = Some(55.0);
                p.cqt.n_bins = 96;
                p.cqt.bins_per_octave = Some(12);
                DeepInput::Cqt { spec: p.spec(44100).expect("the CQT input is valid"), window: 128 }
            }
            "mel" => {
                let mut p = FeatureParams { kind: FeatureKind::Mel, sr: Some(16000), n_mels: 96, ..FeatureParams::default() };
                p.stft.n_fft = 512;
                p.stft.hop_length = Some(256);
                DeepInput::Mel { spec: p.spec(16000).expect("the mel input is valid"), window: 187 }
            }
            "cae-cqt" => DeepInput::CaeCqt { spec: cae_cqt_spec(), window: 32 },
            "waveform" => DeepInput::Waveform { sr: 22050, window: 59049 },
            other => DeepInput::Summary { feature: ClipFeature::parse(other.strip_prefix("summary:").unwrap_or(other), &FeatureParams::default())? },
        })
    }

    /// The input a model reads by default.
    pub fn default_for(model: ModelName) -> DeepInput {
        let name = match model {
            ModelName::Pons => "mel",
            ModelName::SampleCnn => "waveform",
            ModelName::Mlp => "mfcc",
            ModelName::Lc2d | ModelName::Lc1d | ModelName::LcSpiral | ModelName::LcCombined => "cqt",
            ModelName::Cae => "cae-cqt",
        };
        DeepInput::parse(name).expect("the default inputs parse")
    }

    /// What kind of network input this is.
    pub fn kind(&self) -> InputKind {
        match self {
            DeepInput::Cqt { .. } | DeepInput::Mel { .. } | DeepInput::CaeCqt { .. } => InputKind::Patch,
            DeepInput::Waveform { .. } => InputKind::Waveform,
            DeepInput::Summary { .. } => InputKind::Vector,
        }
    }

    /// A short name for reports.
    pub fn name(&self) -> String {
        match self {
            DeepInput::Cqt { .. } => "cqt".into(),
            DeepInput::Mel { .. } => "mel".into(),
            DeepInput::CaeCqt { .. } => "cae-cqt".into(),
            DeepInput::Waveform { .. } => "waveform".into(),
            DeepInput::Summary { feature } => feature.name.clone(),
        }
    }

    /// Seconds between frames (between samples for waveforms; 0 for summary vectors).
    pub fn seconds_per_frame(&self) -> f64 {
        match self {
            DeepInput::Cqt { spec, .. } | DeepInput::Mel { spec, .. } | DeepInput::CaeCqt { spec, .. } => spec.hop_length() as f64 / spec.sr() as f64,
            DeepInput::Waveform { sr, .. } => 1.0 / *sr as f64,
            DeepInput::Summary { .. } => 0.0,
        }
    }

    /// Frames (samples) per window; 1 for summary vectors.
    pub fn window(&self) -> usize {
        match self {
            DeepInput::Cqt { window, .. } | DeepInput::Mel { window, .. } | DeepInput::CaeCqt { window, .. } | DeepInput::Waveform { window, .. } => {
                *window
            }
            DeepInput::Summary { .. } => 1,
        }
    }

    /// The input of one file: `(values row-major, rows, frames)`, not yet standardised.
    pub fn compute(&self, path: &Path) -> Result<(Vec<f32>, usize, usize)> {
        let clip_err = |reason: String| Error::Clip { path: path.to_owned(), reason };
        let (data, rows, frames) = match self {
            DeepInput::Cqt { spec, .. } => {
                let f = extract_file_spec(path, spec, 0.0, None)?;
                let m = f.data.magnitude_2d();
                let (rows, frames) = m.dim();
                let FeatureSpec::Cqt(q) = f.spec else { unreachable!("a CQT input computes the CQT") };
                let freqs: Vec<f64> =
                    (0..rows).map(|k| q.cqt.fmin.unwrap_or(reprise_dsp::cqt::C1_HZ) * 2f64.powf(k as f64 / q.cqt.bins_per_octave as f64)).collect();
                let gain: Vec<f32> = reprise_dsp::a_weighting(&freqs, Some(-80.0)).iter().map(|db| 10f64.powf(db / 10.0) as f32).collect();
                let data = m.indexed_iter().map(|((r, _), &v)| (1000.0 * v * gain[r]).ln_1p()).collect();
                (data, rows, frames)
            }
            DeepInput::Mel { spec, .. } => {
                let f = extract_file_spec(path, spec, 0.0, None)?;
                let m = f.data.magnitude_2d();
                let (rows, frames) = m.dim();
                (m.iter().map(|&v| (1.0 + 10000.0 * v).log10()).collect(), rows, frames)
            }
            DeepInput::CaeCqt { spec, .. } => {
                let f = extract_file_spec(path, spec, 0.0, None)?;
                let m = f.data.magnitude_2d();
                let (rows, frames) = m.dim();
                let mut data: Vec<f32> = m.iter().copied().collect();
                crate::cae::standardize_frames(&mut data, rows, frames);
                (data, rows, frames)
            }
            DeepInput::Waveform { sr, .. } => {
                let s = reprise_io::load(path, &reprise_io::LoadOptions { sr: Some(*sr), ..Default::default() })?;
                let n = s.samples.len();
                (s.samples, 1, n)
            }
            DeepInput::Summary { feature } => {
                let v = clip_vector(path, feature)?;
                let n = v.len();
                (v.into_iter().map(|x| x as f32).collect(), n, 1)
            }
        };
        if frames == 0 {
            return Err(clip_err(format!("{} has no frames (clip too short)", self.name())));
        }
        if let Some(i) = data.iter().position(|v| !v.is_finite()) {
            return Err(clip_err(format!("{} value {i} is not finite; the file may be damaged", self.name())));
        }
        Ok((data, rows, frames))
    }
}

/// The CQT of the Complex Autoencoder's input: 120 bins at 24 per octave from 65.4 Hz (C2),
/// hop 1984 at 22050 Hz, magnitudes, tuning 0 (the reference's `config_cqt.ini`).
pub fn cae_cqt_spec() -> FeatureSpec {
    let mut p = FeatureParams { kind: FeatureKind::Cqt, sr: Some(22050), tuning: Some(reprise_dsp::Tuning::Bins(0.0)), ..FeatureParams::default() };
    p.stft.hop_length = Some(1984);
    p.cqt.fmin = Some(65.4);
    p.cqt.n_bins = 120;
    p.cqt.bins_per_octave = Some(24);
    p.spec(22050).expect("the CAE's CQT is valid")
}

/// Everything about a trained network but its weights: `RUN_DIR/model.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunInfo {
    /// Always `reprise-nn`.
    pub format: String,
    /// Layout version.
    pub version: u32,
    /// The model (`lc-2d`, `pons`, …).
    pub name: ModelName,
    /// The network.
    pub model: ModelConfig,
    /// How it was trained.
    pub train: TrainConfig,
    /// Class names, in output order (none for the CAE).
    pub labels: Vec<String>,
    /// The input.
    pub input: DeepInput,
    /// Per-row standardisation of the input.
    pub standardizer: Standardizer,
    /// The training manifest.
    pub trained_on: String,
    /// Trainable parameters (batch-norm running statistics not counted).
    pub parameters: usize,
}

impl RunInfo {
    /// Reads and checks `RUN_DIR/model.json`.
    pub fn load(run: &Path) -> Result<Self> {
        let path = run.join("model.json");
        let bad = |reason: String| Error::Clip { path: path.clone(), reason };
        let text = std::fs::read_to_string(&path)
            .map_err(|e| bad(format!("cannot read the run's model description ({e}); is {} a run folder of `reprise train`?", run.display())))?;
        let info: RunInfo = serde_json::from_str(&text).map_err(|e| bad(format!("damaged model description: {e}")))?;
        if info.format != FORMAT || info.version != VERSION {
            return Err(bad(format!("not a {FORMAT} v{VERSION} run (format {} v{})", info.format, info.version)));
        }
        info.model.validate().map_err(|e| bad(e.to_string()))?;
        let (rows, _) = info.model.input_shape();
        let outputs = info.model.n_classes().unwrap_or(0);
        if info.labels.len() != outputs || info.standardizer.mean.len() != rows || info.standardizer.std.len() != rows {
            return Err(bad(format!(
                "inconsistent: {} labels for {outputs} classes, {} scaling rows for {rows} input rows",
                info.labels.len(),
                info.standardizer.mean.len()
            )));
        }
        // training writes 1 where a row's deviation is 0: anything else would divide by 0
        if let Some(r) = info.standardizer.std.iter().position(|v| !(*v > 0.0 && v.is_finite())) {
            return Err(bad(format!("damaged input scaling: the standard deviation of row {r} is {}", info.standardizer.std[r])));
        }
        if let Some(r) = info.standardizer.mean.iter().position(|v| !v.is_finite()) {
            return Err(bad(format!("damaged input scaling: the mean of row {r} is {}", info.standardizer.mean[r])));
        }
        Ok(info)
    }

    /// Writes `RUN_DIR/model.json` atomically.
    pub fn save(&self, run: &Path) -> Result<()> {
        Ok(write_json_atomic(&run.join("model.json"), self)?)
    }

    /// Refuses a run whose model has no classes (the CAE), saying what to use instead.
    pub fn require_classifier(&self, run: &Path) -> Result<()> {
        if self.name.is_classifier() {
            return Ok(());
        }
        Err(Error::Clip {
            path: run.join("model.json"),
            reason: format!(
                "a {} run has no classes to predict; its output is a representation: `reprise features {} --model {}`",
                self.name,
                self.name,
                run.display()
            ),
        })
    }

    /// Loads the best weights of the run.
    pub fn network(&self, run: &Path, device: &reprise_nn::burn::prelude::Device) -> Result<Net> {
        Ok(load_weights(&self.model, &run.join("weights.bpk"), device)?)
    }
}

/// A trained network loaded from its run folder, ready to predict files: what
/// `reprise predict RUN FILES` and the Python package's `models.load(RUN)` use.
pub struct Predictor {
    /// The run folder.
    pub run: PathBuf,
    /// Its description.
    pub info: RunInfo,
    net: Net,
    device: reprise_nn::burn::prelude::Device,
}

impl Predictor {
    /// Loads `RUN/model.json` and the best weights; a run of a model that is not a
    /// classifier (the CAE) is refused.
    pub fn load(run: &Path, device: &reprise_nn::burn::prelude::Device) -> Result<Self> {
        let info = RunInfo::load(run)?;
        info.require_classifier(run)?;
        let net = info.network(run, device)?;
        Ok(Predictor { run: run.to_owned(), info, net, device: device.clone() })
    }

    /// One prediction per file, from windows that overlap by `overlap` (0 to 0.9); a file
    /// that cannot be read or is too short gets its own error. A network whose outputs are
    /// not finite is damaged, whatever the file: that is the outer error, naming its weights.
    pub fn predict(&self, files: &[PathBuf], overlap: f64) -> Result<Vec<Result<ClipPrediction>>> {
        if !(0.0..=0.9).contains(&overlap) {
            return Err(reprise_core::invalid("overlap", format!("{overlap}: give a fraction from 0 to 0.9")).into());
        }
        let window = self.info.input.window();
        let hop = ((window as f64 * (1.0 - overlap)).round() as usize).max(1);
        let mut out = Vec::with_capacity(files.len());
        for (path, r) in files.iter().zip(compute_inputs(&self.info.input, files, &|| {})) {
            let one = r.and_then(|x| {
                let clips = make_clips(vec![x], &[0], &self.info.standardizer, std::slice::from_ref(path))?;
                Ok(predict_clips(&self.net, &PatchSet::new(clips, window, self.info.labels.len())?, hop, &self.device)?.remove(0))
            });
            match one {
                Err(e @ Error::NonFiniteOutput) => return Err(Error::Clip { path: self.run.join("weights.bpk"), reason: e.to_string() }),
                one => out.push(one),
            }
        }
        Ok(out)
    }

    /// A prediction as the JSON line `reprise predict --json` prints: `file`, `label`,
    /// `probs` (per label) and `windows` (`start_s` and `probs` of each).
    pub fn to_json(&self, file: &Path, p: &ClipPrediction) -> serde_json::Value {
        let labels = &self.info.labels;
        let named = |w: &[f32]| -> serde_json::Map<String, serde_json::Value> {
            labels.iter().zip(w).map(|(l, v)| (l.clone(), serde_json::json!(v))).collect()
        };
        let dt = self.info.input.seconds_per_frame();
        let windows: Vec<_> =
            p.window_starts.iter().zip(&p.window_probs).map(|(s, w)| serde_json::json!({ "start_s": *s as f64 * dt, "probs": named(w) })).collect();
        serde_json::json!({ "file": file.display().to_string(), "label": labels[p.label], "probs": named(&p.probs), "windows": windows })
    }
}

/// Computes the (unscaled) inputs of `paths` in parallel: one result per path.
pub fn compute_inputs(input: &DeepInput, paths: &[PathBuf], tick: &(dyn Fn() + Sync)) -> Vec<Result<(Vec<f32>, usize, usize)>> {
    paths
        .par_iter()
        .map(|p| {
            let r = input.compute(p);
            tick();
            r
        })
        .collect()
}

/// Labelled clips, scaled: the inputs must all have `rows` rows.
pub fn make_clips(inputs: Vec<(Vec<f32>, usize, usize)>, labels: &[usize], scaler: &Standardizer, names: &[PathBuf]) -> Result<Vec<Clip>> {
    inputs
        .into_iter()
        .zip(labels)
        .zip(names)
        .map(|(((data, rows, frames), &label), name)| {
            let mut c = Clip::new(data, rows, frames, label, &name.display().to_string())?;
            scaler.apply(&mut c).map_err(|e| Error::Clip { path: name.clone(), reason: e.to_string() })?;
            Ok(c)
        })
        .collect()
}

/// Scores of a network on a labelled set.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeepResult {
    /// Input name.
    pub feature: String,
    /// Model name.
    pub classifier: String,
    /// Clip-level accuracy (argmax of the mean log-probability of the clip's windows).
    pub accuracy: f64,
    /// Clip-level mean per-class recall.
    pub balanced_accuracy: f64,
    /// Clip-level macro F1.
    pub macro_f1: f64,
    /// Clip-level recall of each class.
    pub recall: Vec<Option<f64>>,
    /// Clip-level confusion matrix; rows are true classes.
    pub confusion: ConfusionMatrix,
    /// Window-level ("chunk") accuracy, half-overlapping windows.
    pub chunk_accuracy: f64,
    /// Window-level mean per-class recall (the metric of Lostanlen & Cella's table).
    pub chunk_balanced_accuracy: f64,
    /// Windows scored.
    pub chunks: usize,
    /// Seconds spent predicting.
    pub predict_s: f64,
}

/// Per-clip predictions: the windows' log-probabilities and the clip's mean.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClipPrediction {
    /// First frame (sample for waveforms) of each window.
    pub window_starts: Vec<usize>,
    /// Class probabilities of each window.
    pub window_probs: Vec<Vec<f32>>,
    /// Clip probabilities: normalised geometric mean of the windows' probabilities.
    pub probs: Vec<f32>,
    /// The most probable class.
    pub label: usize,
}

/// Predicts every clip of `set` from windows `hop` frames (samples for waveforms) apart;
/// [`score`] uses half-overlapping windows (`hop = ⌈window/2⌉`), musicnn's default is
/// `hop = window`. The last window always ends at the clip's end.
///
/// Fails when the network's outputs are not finite (damaged weights or scaling): a NaN
/// probability is never reported as a prediction.
pub fn predict_clips(net: &Net, set: &PatchSet, hop: usize, device: &reprise_nn::burn::prelude::Device) -> Result<Vec<ClipPrediction>> {
    let windows: Vec<Window> = (0..set.clips.len()).flat_map(|c| set.windows_of(c, hop.max(1))).collect();
    let lp = log_probs(net, set, &windows, eval_batch(device), device);
    if lp.iter().any(|p| p.iter().any(|v| v.is_nan() || *v == f32::INFINITY)) {
        return Err(Error::NonFiniteOutput);
    }
    let mut out: Vec<ClipPrediction> =
        (0..set.clips.len()).map(|_| ClipPrediction { window_starts: vec![], window_probs: vec![], probs: vec![], label: 0 }).collect();
    // the network's classes: a test set may add classes it lacks (they count as errors)
    let n_out = lp.first().map_or(set.n_classes, |p| p.len());
    let mut sums: Vec<Vec<f64>> = vec![vec![0.0; n_out]; set.clips.len()];
    for (w, p) in windows.iter().zip(&lp) {
        out[w.clip].window_starts.push(w.start);
        out[w.clip].window_probs.push(p.iter().map(|v| v.exp()).collect());
        sums[w.clip].iter_mut().zip(p).for_each(|(s, v)| *s += *v as f64);
    }
    for (o, s) in out.iter_mut().zip(sums) {
        let n = o.window_probs.len().max(1) as f64;
        let m = s.iter().map(|v| v / n).fold(f64::NEG_INFINITY, f64::max);
        let e: Vec<f64> = s.iter().map(|v| (v / n - m).exp()).collect();
        let z: f64 = e.iter().sum();
        o.probs = e.iter().map(|v| (v / z) as f32).collect();
        o.label = argmax(&o.probs);
    }
    Ok(out)
}

/// Scores `net` on the labelled `set`.
pub fn score(name: &str, input: &str, net: &Net, set: &PatchSet, device: &reprise_nn::burn::prelude::Device) -> Result<DeepResult> {
    let t0 = std::time::Instant::now();
    let preds = predict_clips(net, set, set.window.div_ceil(2), device)?;
    let predict_s = t0.elapsed().as_secs_f64();
    let truth: Vec<usize> = set.clips.iter().map(|c| c.label).collect();
    let pred: Vec<usize> = preds.iter().map(|p| p.label).collect();
    let cm = ConfusionMatrix::new(&truth, &pred, set.n_classes);
    let (mut ct, mut cp) = (Vec::new(), Vec::new());
    for (p, &t) in preds.iter().zip(&truth) {
        for w in &p.window_probs {
            ct.push(t);
            cp.push(argmax(w));
        }
    }
    let chunk = ConfusionMatrix::new(&ct, &cp, set.n_classes);
    Ok(DeepResult {
        feature: input.to_string(),
        classifier: name.to_string(),
        accuracy: cm.accuracy(),
        balanced_accuracy: cm.balanced_accuracy(),
        macro_f1: cm.macro_f1(),
        recall: cm.recall(),
        confusion: cm,
        chunk_accuracy: chunk.accuracy(),
        chunk_balanced_accuracy: chunk.balanced_accuracy(),
        chunks: ct.len(),
        predict_s,
    })
}

/// A patch set of scaled clips with the run's window.
pub fn patch_set(clips: Vec<Clip>, info: &RunInfo) -> Result<Arc<PatchSet>> {
    Ok(Arc::new(PatchSet::new(clips, info.input.window(), info.labels.len().max(1))?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reprise_nn::data::{Clip, PatchSet};
    use reprise_nn::models::ModelConfig;

    #[test]
    fn inputs_round_trip_and_runs_written_with_params_still_load() {
        for name in ["cqt", "mel", "waveform", "mfcc", "cae-cqt"] {
            let input = DeepInput::parse(name).unwrap();
            let back: DeepInput = serde_json::from_value(serde_json::to_value(&input).unwrap()).unwrap();
            assert_eq!(back, input, "{name}");
        }
        // model.json as runs before the spec wrote it: the options, tuning 0 written out
        let DeepInput::Cqt { spec, .. } = DeepInput::parse("cqt").unwrap() else { unreachable!() };
        let mut p = FeatureParams { kind: FeatureKind::Cqt, sr: Some(44100), ..FeatureParams::default() };
        p.stft.hop_length = Some(1024);
        p.cqt.fmin = Some(55.0);
        p.cqt.n_bins = 96;
        p.cqt.bins_per_octave = Some(12);
        let old = serde_json::json!({ "kind": "cqt", "params": p.recorded(), "window": 128 });
        assert_eq!(serde_json::from_value::<DeepInput>(old).unwrap(), DeepInput::Cqt { spec, window: 128 });
        assert!(serde_json::from_value::<DeepInput>(serde_json::json!({ "kind": "mel", "window": 187 })).is_err());
    }

    fn clips(labels: &[usize]) -> Vec<Clip> {
        labels
            .iter()
            .enumerate()
            .map(|(i, &l)| Clip::new((0..24 * 3).map(|k| ((k * 7 + i * 13) % 11) as f32 / 11.0).collect(), 24, 3, l, "clip").unwrap())
            .collect()
    }

    /// Test clips of a class the network lacks count as errors: they used to be predicted as
    /// that class (a log-probability sum of 0 beat every real class) and scored 100 %.
    #[test]
    fn clips_of_classes_the_model_lacks_are_errors() {
        let device = reprise_nn::device("cpu").unwrap();
        let net = ModelConfig::named("mlp", 24, 1, 2).unwrap().init(&device).unwrap();
        // classes 0 and 1 are the model's; 2 is only in the test set
        let set = PatchSet::new(clips(&[2, 2, 2, 2]), 1, 3).unwrap();
        let r = score("mlp", "x", &net, &set, &device).unwrap();
        assert_eq!(r.accuracy, 0.0);
        let preds = predict_clips(&net, &set, 1, &device).unwrap();
        assert!(preds.iter().all(|p| p.label < 2 && p.probs.len() == 2), "{:?}", preds.iter().map(|p| p.label).collect::<Vec<_>>());
    }

    /// NaN in the input scaling (or weights) is an error, never a NaN probability.
    #[test]
    fn non_finite_outputs_are_errors() {
        let device = reprise_nn::device("cpu").unwrap();
        let net = ModelConfig::named("mlp", 24, 1, 2).unwrap().init(&device).unwrap();
        let mut c = clips(&[0]);
        c[0].data[5] = f32::NAN;
        let set = PatchSet { clips: c, ..PatchSet::new(clips(&[0]), 1, 2).unwrap() };
        assert!(matches!(predict_clips(&net, &set, 1, &device), Err(Error::NonFiniteOutput)));
    }
}
