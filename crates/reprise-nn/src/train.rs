//! The training loop: Adam or AdamW on any [`Objective`] (its sampler, loss and validation;
//! [`crate::objectives`]), early stopping on the validation loss, an atomic checkpoint after
//! every epoch, and resume.
//!
//! **Determinism.** Weights are initialised after seeding the device with the run's seed;
//! each epoch's windows depend only on `(seed, epoch)`; the device is reseeded before every
//! step with `(seed, epoch, step)`, so dropout masks do not depend on what ran before. A run
//! resumed from the checkpoint of epoch `e` therefore computes exactly what the uninterrupted
//! run computed from epoch `e` on (same thread count, same backend).

use std::collections::BTreeMap;
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::sync::mpsc::Receiver;
use std::time::Instant;

use burn::module::Module;
use burn::optim::{AdamConfig, AdamWConfig, GradientsParams, ModuleOptimizer};
use burn::prelude::*;
use burn::tensor::activation::log_softmax;
use reprise_ml::metrics::ConfusionMatrix;
use serde::{Deserialize, Serialize};

use crate::checkpoint::{load_checkpoint, load_weights, save_checkpoint, save_weights, TrainState};
use crate::data::{Batch, PatchSet, Window};
use crate::models::{ModelConfig, Net};
use crate::{NnError, Result};

/// The optimizer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Optimizer {
    /// Adam (Kingma & Ba), L2 weight decay added to the gradient.
    Adam,
    /// AdamW (decoupled weight decay).
    AdamW,
}

/// Training settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    /// Maximum epochs (20, as Lostanlen & Cella).
    pub epochs: usize,
    /// Windows drawn per epoch (8192, as Lostanlen & Cella).
    pub epoch_size: usize,
    /// Batch size (32).
    pub batch_size: usize,
    /// Adam or AdamW.
    pub optimizer: Optimizer,
    /// Learning rate (1e-3).
    pub lr: f64,
    /// Weight decay (0).
    pub weight_decay: f64,
    /// Stop after this many epochs without a lower validation loss (training loss when
    /// there is no validation set); 0 never stops early.
    pub patience: usize,
    /// Seed of the weights, the sampling and dropout.
    pub seed: u64,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig { epochs: 20, epoch_size: 8192, batch_size: 32, optimizer: Optimizer::Adam, lr: 1e-3, weight_decay: 0.0, patience: 3, seed: 0 }
    }
}

impl TrainConfig {
    /// Checks the settings.
    pub fn validate(&self) -> Result<()> {
        if self.epochs == 0 || self.epoch_size == 0 || self.batch_size == 0 {
            return Err(NnError::Config(format!(
                "epochs, epoch size and batch size must be positive (got {}, {}, {})",
                self.epochs, self.epoch_size, self.batch_size
            )));
        }
        if !(self.lr > 0.0 && self.lr.is_finite() && self.weight_decay >= 0.0 && self.weight_decay.is_finite()) {
            return Err(NnError::Config(format!(
                "the learning rate must be positive and the weight decay non-negative (got {}, {})",
                self.lr, self.weight_decay
            )));
        }
        Ok(())
    }

    fn optimizer(&self) -> ModuleOptimizer {
        let decay = (self.weight_decay > 0.0).then(|| burn::optim::decay::WeightDecayConfig::new(self.weight_decay as f32));
        match self.optimizer {
            Optimizer::Adam => AdamConfig::new().with_weight_decay(decay).init(),
            Optimizer::AdamW => AdamWConfig::new().with_weight_decay(self.weight_decay as f32).init(),
        }
    }
}

/// One finished epoch, as written to `metrics.jsonl`: the losses, the time, and the
/// objective's named measures (`train_acc`, `val_acc`, `val_balanced_acc` for
/// classification; `val_invariance` for pairs), flattened into the same JSON object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "EpochRecord")]
pub struct EpochMetrics {
    /// 1-based epoch.
    pub epoch: usize,
    /// Mean training loss.
    pub train_loss: f64,
    /// Validation loss.
    pub val_loss: Option<f64>,
    /// Seconds the epoch took (training and validation).
    pub seconds: f64,
    /// The objective's measures by name: `train_*` are means over the epoch's training
    /// windows, `val_*` are computed on the validation set.
    #[serde(flatten)]
    pub values: BTreeMap<String, f64>,
}

impl EpochMetrics {
    /// The measure named `name`, if the objective computes it.
    pub fn value(&self, name: &str) -> Option<f64> {
        self.values.get(name).copied()
    }
}

/// A `metrics.jsonl` line as read: measures may be `null` (lines written before measures
/// were named held `"val_acc": null` without validation).
#[derive(Deserialize)]
struct EpochRecord {
    epoch: usize,
    train_loss: f64,
    #[serde(default)]
    val_loss: Option<f64>,
    seconds: f64,
    #[serde(flatten)]
    values: BTreeMap<String, Option<f64>>,
}

impl From<EpochRecord> for EpochMetrics {
    fn from(r: EpochRecord) -> Self {
        let values = r.values.into_iter().filter_map(|(k, v)| v.map(|v| (k, v))).collect();
        EpochMetrics { epoch: r.epoch, train_loss: r.train_loss, val_loss: r.val_loss, seconds: r.seconds, values }
    }
}

/// What the progress callback is told after each step.
#[derive(Debug, Clone)]
pub struct Progress {
    /// 0-based epoch.
    pub epoch: usize,
    /// Steps done in this epoch.
    pub step: usize,
    /// Steps per epoch.
    pub steps: usize,
    /// Running mean loss of the epoch.
    pub loss: f64,
    /// Running means of the objective's per-window measures (`acc` for classification).
    pub values: Vec<(&'static str, f64)>,
}

/// The result of [`fit`].
#[derive(Debug, Clone)]
pub struct FitReport {
    /// Every finished epoch, including those of an interrupted run that this one resumed.
    pub epochs: Vec<EpochMetrics>,
    /// The epoch whose weights are in `weights.bpk`.
    pub best_epoch: usize,
    /// Whether this call resumed from a checkpoint.
    pub resumed_from: Option<usize>,
    /// Whether early stopping ended the run.
    pub stopped_early: bool,
}

/// Named measures of an objective (`("acc", 0.93)`).
pub type Measures = Vec<(&'static str, f64)>;

/// What a network is trained to do: its sampler (the batches of an epoch), its loss, and
/// its validation. The engine ([`fit`]) owns everything else: seeding, optimisation, early
/// stopping on the validation loss, checkpoints, resume, the metrics log.
/// [`crate::objectives`] has classification and pair reconstruction.
pub trait Objective {
    /// What the loss is, for reports and pictures (`cross-entropy`, `L1 pair reconstruction`).
    fn loss_name(&self) -> String;

    /// Checks that `model` fits the data and the objective (its outputs, its input shape).
    fn check(&self, model: &ModelConfig) -> Result<()>;

    /// The batches of one epoch: `n` windows, `batch_size` at a time. They must depend only on
    /// `(seed, epoch)`, so that a resumed run draws what the uninterrupted run drew.
    fn batches(&self, n: usize, batch_size: usize, seed: u64, epoch: usize) -> Receiver<Batch>;

    /// The loss of a batch (a scalar on `device`, which has autodiff), and per-window
    /// measures summed over the batch (`("acc", correct windows)`): the engine reports their
    /// epoch means as `train_<name>`.
    fn loss(&self, net: &Net, batch: Batch, device: &Device) -> Result<(Tensor<1>, Measures)>;

    /// The validation loss and measures (named without the `val_` prefix) of `net`, or `None`
    /// without a validation set.
    fn validate(&self, net: &Net, device: &Device) -> Result<Option<(f64, Measures)>>;
}

fn step_seed(seed: u64, epoch: usize, step: usize) -> u64 {
    let mut z = seed ^ (epoch as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (step as u64).wrapping_mul(0xD1B5_4A32_D192_ED03);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z ^ (z >> 31)
}

/// Inputs and labels of a batch as tensors on `device`.
pub fn batch_tensors(batch: Batch, device: &Device) -> (Tensor<3>, Tensor<1, Int>) {
    let n = batch.y.len();
    let x = Tensor::<3>::from_data(TensorData::new(batch.x, batch.shape), device);
    let y = Tensor::<1, Int>::from_data(TensorData::new(batch.y.iter().map(|&v| v as i64).collect::<Vec<_>>(), [n]), device);
    (x, y)
}

/// Windows per batch for [`log_probs`] on `device`: 8 on burn's CPU backend, 64 elsewhere.
/// On the CPU small batches are faster: their tensors stay small enough for the allocator to
/// reuse, where a batch of 64 maps fresh pages for each (a 3-minute pons prediction: 2.0–2.3 s
/// and 380 MB at 64, 1.6 s and 133 MB at 8; BENCHMARKS.md).
pub fn eval_batch(device: &Device) -> usize {
    if on_flex(device) {
        8
    } else {
        64
    }
}

/// Whether `device` is burn's CPU backend (with or without autodiff).
fn on_flex(device: &Device) -> bool {
    device.clone().without_autodiff() == Device::flex()
}

/// Log-probabilities `[windows][classes]` of `windows` under `net` (in evaluation mode).
pub fn log_probs(net: &Net, set: &PatchSet, windows: &[Window], batch_size: usize, device: &Device) -> Vec<Vec<f32>> {
    let eval = net.valid();
    let mut out = Vec::with_capacity(windows.len());
    if let (Net::SampleCnn(m), true) = (&eval, on_flex(device)) {
        // The folded CPU path: the same numbers as the forward pass, several times faster.
        let cpu = m.to_cpu();
        for chunk in windows.chunks(batch_size.max(1)) {
            out.extend(cpu.logits(&set.batch(chunk).x, set.window).into_iter().map(log_softmax_row));
        }
        return out;
    }
    let device = device.clone().without_autodiff();
    for chunk in windows.chunks(batch_size.max(1)) {
        let (x, _) = batch_tensors(set.batch(chunk), &device);
        let lp = log_softmax(eval.forward(x), 1);
        let [n, k] = lp.dims();
        let v: Vec<f32> = lp.into_data().try_into_vec::<f32>().expect("float32 logits");
        out.extend((0..n).map(|i| v[i * k..(i + 1) * k].to_vec()));
    }
    out
}

/// `log_softmax` of one row of logits.
fn log_softmax_row(mut v: Vec<f32>) -> Vec<f32> {
    let m = v.iter().fold(f32::NEG_INFINITY, |a, &b| a.max(b));
    let z = v.iter().map(|x| (x - m).exp()).sum::<f32>().ln() + m;
    v.iter_mut().for_each(|x| *x -= z);
    v
}

/// Mean cross-entropy, accuracy and mean per-class recall of windows' log-probabilities.
pub fn window_scores(lp: &[Vec<f32>], truth: &[usize], n_classes: usize) -> (f64, f64, f64) {
    let loss = lp.iter().zip(truth).map(|(p, &y)| -(p[y] as f64)).sum::<f64>() / lp.len().max(1) as f64;
    let pred: Vec<usize> = lp.iter().map(|p| argmax(p)).collect();
    let cm = ConfusionMatrix::new(truth, &pred, n_classes);
    (loss, cm.accuracy(), cm.balanced_accuracy())
}

/// Index of the largest value (the first on ties).
pub fn argmax(v: &[f32]) -> usize {
    v.iter().enumerate().fold(0, |b, (i, &x)| if x > v[b] { i } else { b })
}

/// How [`fit`] runs: continue from a checkpoint or start afresh, and whom to tell.
pub struct FitOptions<'a> {
    /// Continue from the run folder's checkpoint when there is one.
    pub resume: bool,
    /// Called after every step.
    pub progress: &'a mut dyn FnMut(Progress),
    /// Called after every finished epoch (once its checkpoint is on disk).
    pub on_epoch: &'a mut dyn FnMut(&EpochMetrics),
}

impl FitOptions<'_> {
    /// A fresh run that reports nothing.
    pub fn quiet() -> FitOptions<'static> {
        FitOptions { resume: false, progress: Box::leak(Box::new(|_: Progress| {})), on_epoch: Box::leak(Box::new(|_: &EpochMetrics| {})) }
    }
}

/// Trains `model` for `objective` in the run folder `run`, validating after each epoch.
/// With `opts.resume`, continues from the run's checkpoint when there is one. Writes
/// `weights.bpk` (the epoch of lowest validation loss, or training loss without validation),
/// `metrics.jsonl` and `checkpoint/`.
pub fn fit(
    model: &ModelConfig,
    cfg: &TrainConfig,
    run: &Path,
    objective: &dyn Objective,
    device: &Device,
    opts: FitOptions<'_>,
) -> Result<FitReport> {
    let FitOptions { resume, progress, on_epoch } = opts;
    cfg.validate()?;
    model.validate()?;
    objective.check(model)?;
    let plain_device = device.clone();
    let device = device.clone().autodiff();
    let metrics_path = run.join("metrics.jsonl");
    let weights_path = run.join("weights.bpk");
    let loaded = if resume { load_checkpoint(run, model, cfg.optimizer(), &device)? } else { None };
    if resume && loaded.is_none() && (weights_path.exists() || metrics_path.exists()) {
        // starting again would overwrite the run's weights and metrics
        return Err(NnError::file(
            run.join("checkpoint"),
            "missing, so the run cannot be resumed (its weights.bpk and metrics.jsonl are left as they are); train into a new folder to start again",
        ));
    }
    if let Some((_, _, st)) = &loaded {
        if st.epoch > cfg.epochs || st.best_epoch > st.epoch {
            return Err(NnError::file(
                run.join("checkpoint/state.json"),
                format!("damaged training state: epoch {} (best {}) of a run of {} epochs", st.epoch, st.best_epoch, cfg.epochs),
            ));
        }
    }
    let resumed_from = loaded.as_ref().map(|(_, _, s)| s.epoch);
    let (mut net, mut optim, mut state) = match loaded {
        Some(l) => l,
        None => {
            device.seed(cfg.seed);
            let net = model.init(&device)?;
            (net, cfg.optimizer(), TrainState { epoch: 0, best_loss: f64::INFINITY, best_epoch: 0, stale: 0, stopped: false })
        }
    };
    let mut epochs = read_metrics(&metrics_path, state.epoch)?;
    rewrite_metrics(&metrics_path, &epochs)?;
    if resumed_from.is_none() {
        let _ = fs::remove_file(&weights_path);
    }
    let steps = cfg.epoch_size.div_ceil(cfg.batch_size);
    while state.epoch < cfg.epochs && !state.stopped {
        let epoch = state.epoch;
        let t0 = Instant::now();
        let (mut loss_sum, mut seen) = (0f64, 0usize);
        let mut sums: Vec<(&'static str, f64)> = Vec::new();
        for (step, batch) in objective.batches(cfg.epoch_size, cfg.batch_size, cfg.seed, epoch).into_iter().enumerate() {
            device.seed(step_seed(cfg.seed, epoch, step));
            let n = batch.shape[0];
            let (loss, measures) = objective.loss(&net, batch, &device)?;
            let l = loss.clone().into_scalar::<f32>() as f64;
            if !l.is_finite() {
                return Err(NnError::Data(format!(
                    "the training loss became {l} at epoch {} step {}; lower the learning rate (--lr) or check the features for extreme values",
                    epoch + 1,
                    step + 1
                )));
            }
            for (name, v) in measures {
                match sums.iter_mut().find(|s| s.0 == name) {
                    Some(s) => s.1 += v,
                    None => sums.push((name, v)),
                }
            }
            loss_sum += l * n as f64;
            seen += n;
            let grads = GradientsParams::from_grads(loss.backward(), &net);
            net = optim.step(cfg.lr, net, grads);
            let values = sums.iter().map(|(k, v)| (*k, v / seen as f64)).collect();
            progress(Progress { epoch, step: step + 1, steps, loss: loss_sum / seen as f64, values });
        }
        let train_loss = loss_sum / seen.max(1) as f64;
        let mut values: BTreeMap<String, f64> = sums.iter().map(|(k, v)| (format!("train_{k}"), v / seen.max(1) as f64)).collect();
        let val_loss = match objective.validate(&net, &plain_device)? {
            Some((l, measures)) => {
                values.extend(measures.into_iter().map(|(k, v)| (format!("val_{k}"), v)));
                Some(l)
            }
            None => None,
        };
        let m = EpochMetrics { epoch: epoch + 1, train_loss, val_loss, seconds: t0.elapsed().as_secs_f64(), values };
        let monitored = val_loss.unwrap_or(train_loss);
        state.epoch += 1;
        if monitored < state.best_loss {
            state.best_loss = monitored;
            state.best_epoch = state.epoch;
            state.stale = 0;
            save_weights(&net, &weights_path)?;
        } else {
            state.stale += 1;
            state.stopped = cfg.patience > 0 && state.stale >= cfg.patience && state.epoch < cfg.epochs;
        }
        append_metrics(&metrics_path, &m)?;
        save_checkpoint(run, &net, &optim, &state)?;
        on_epoch(&m);
        epochs.push(m);
    }
    // a resumed run that had nothing left to do must still end with usable best weights
    if resumed_from.is_some() {
        if let Err(e) = load_weights(model, &weights_path, &plain_device) {
            if state.best_epoch == state.epoch {
                // the checkpoint holds the best epoch itself: restore the weights from it
                save_weights(&net, &weights_path)?;
            } else {
                return Err(NnError::file(
                    &weights_path,
                    format!(
                        "{e}; the checkpoint holds epoch {}, not the best epoch {}, so the best weights cannot be restored: retrain",
                        state.epoch, state.best_epoch
                    ),
                ));
            }
        }
    }
    Ok(FitReport { epochs, best_epoch: state.best_epoch, resumed_from, stopped_early: state.stopped })
}

fn read_metrics(path: &Path, keep: usize) -> Result<Vec<EpochMetrics>> {
    let Ok(text) = fs::read_to_string(path) else { return Ok(Vec::new()) };
    let mut out = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        match serde_json::from_str::<EpochMetrics>(line) {
            Ok(m) if m.epoch <= keep => out.push(m),
            Ok(_) => {}
            Err(e) => return Err(NnError::file(path, format!("damaged metrics line: {e}"))),
        }
    }
    Ok(out)
}

fn rewrite_metrics(path: &Path, epochs: &[EpochMetrics]) -> Result<()> {
    let mut text = String::new();
    for m in epochs {
        text += &serde_json::to_string(m).expect("plain struct");
        text.push('\n');
    }
    reprise_core::fs::write_atomic(path, |w| w.write_all(text.as_bytes())).map_err(|e| NnError::file(path, e))
}

fn append_metrics(path: &Path, m: &EpochMetrics) -> Result<()> {
    let mut f = OpenOptions::new().create(true).append(true).open(path).map_err(|e| NnError::file(path, e))?;
    writeln!(f, "{}", serde_json::to_string(m).expect("plain struct")).map_err(|e| NnError::file(path, e))
}
