//! The training loop: Adam or AdamW on cross-entropy, class-balanced epochs, validation and
//! early stopping, an atomic checkpoint after every epoch, and resume.
//!
//! **Determinism.** Weights are initialised after seeding the device with the run's seed;
//! each epoch's windows depend only on `(seed, epoch)`; the device is reseeded before every
//! step with `(seed, epoch, step)`, so dropout masks do not depend on what ran before. A run
//! resumed from the checkpoint of epoch `e` therefore computes exactly what the uninterrupted
//! run computed from epoch `e` on (same thread count, same backend).

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use burn::module::Module;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::{AdamConfig, AdamWConfig, GradientsParams, ModuleOptimizer};
use burn::prelude::*;
use burn::tensor::activation::log_softmax;
use reprise_ml::metrics::ConfusionMatrix;
use serde::{Deserialize, Serialize};

use crate::checkpoint::{load_checkpoint, load_weights, save_checkpoint, save_weights, TrainState};
use crate::data::{background_batches, Batch, PatchSet, Window};
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

/// One finished epoch, as written to `metrics.jsonl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochMetrics {
    /// 1-based epoch.
    pub epoch: usize,
    /// Mean training cross-entropy.
    pub train_loss: f64,
    /// Training accuracy of the windows (with dropout active).
    pub train_acc: f64,
    /// Validation cross-entropy of the windows.
    pub val_loss: Option<f64>,
    /// Validation window accuracy.
    pub val_acc: Option<f64>,
    /// Validation mean per-class recall of the windows.
    pub val_balanced_acc: Option<f64>,
    /// Seconds the epoch took (training and validation).
    pub seconds: f64,
}

/// What the progress callback is told after each step.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    /// 0-based epoch.
    pub epoch: usize,
    /// Steps done in this epoch.
    pub step: usize,
    /// Steps per epoch.
    pub steps: usize,
    /// Running mean loss of the epoch.
    pub loss: f64,
    /// Running accuracy of the epoch.
    pub acc: f64,
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

/// Trains `model` on `train` (validating on `val` after each epoch) in the run folder
/// `run`. With `opts.resume`, continues from the run's checkpoint when there is one. Writes
/// `weights.bpk` (best epoch), `metrics.jsonl` and `checkpoint/`.
pub fn fit(
    model: &ModelConfig,
    cfg: &TrainConfig,
    run: &Path,
    train: Arc<PatchSet>,
    val: Option<&PatchSet>,
    device: &Device,
    opts: FitOptions<'_>,
) -> Result<FitReport> {
    let FitOptions { resume, progress, on_epoch } = opts;
    cfg.validate()?;
    model.validate()?;
    let (rows, frames) = model.input_shape();
    if train.rows() != rows || train.window != frames || train.n_classes != model.n_classes() {
        return Err(NnError::Data(format!(
            "the training set has {} rows, {}-frame windows and {} classes; the model wants {rows}, {frames} and {}",
            train.rows(),
            train.window,
            train.n_classes,
            model.n_classes()
        )));
    }
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
    let val_windows: Vec<Window> = val.map(|v| (0..v.clips.len()).flat_map(|c| v.windows_of(c, v.window.div_ceil(2))).collect()).unwrap_or_default();
    let loss_fn = CrossEntropyLossConfig::new().init(&device);
    let steps = cfg.epoch_size.div_ceil(cfg.batch_size);
    while state.epoch < cfg.epochs && !state.stopped {
        let epoch = state.epoch;
        let t0 = Instant::now();
        let windows = train.epoch_windows(cfg.epoch_size, cfg.seed, epoch);
        let (mut loss_sum, mut correct, mut seen) = (0f64, 0usize, 0usize);
        for (step, batch) in background_batches(train.clone(), windows, cfg.batch_size).into_iter().enumerate() {
            device.seed(step_seed(cfg.seed, epoch, step));
            let n = batch.y.len();
            let truth = batch.y.clone();
            let (x, y) = batch_tensors(batch, &device);
            let logits = net.forward(x);
            let loss = loss_fn.forward(logits.clone(), y);
            let l = loss.clone().into_scalar::<f32>() as f64;
            if !l.is_finite() {
                return Err(NnError::Data(format!(
                    "the training loss became {l} at epoch {} step {}; lower the learning rate (--lr) or check the features for extreme values",
                    epoch + 1,
                    step + 1
                )));
            }
            let pred: Vec<i64> = logits.argmax(1).into_data().convert::<i64>().try_into_vec::<i64>().expect("int argmax");
            correct += pred.iter().zip(&truth).filter(|(p, t)| **p as usize == **t).count();
            loss_sum += l * n as f64;
            seen += n;
            let grads = GradientsParams::from_grads(loss.backward(), &net);
            net = optim.step(cfg.lr, net, grads);
            progress(Progress { epoch, step: step + 1, steps, loss: loss_sum / seen as f64, acc: correct as f64 / seen as f64 });
        }
        let train_loss = loss_sum / seen.max(1) as f64;
        let (val_loss, val_acc, val_bal) = match val {
            Some(v) => {
                let lp = log_probs(&net, v, &val_windows, eval_batch(&device), &device);
                let truth: Vec<usize> = val_windows.iter().map(|w| v.clips[w.clip].label).collect();
                let (l, a, b) = window_scores(&lp, &truth, v.n_classes);
                (Some(l), Some(a), Some(b))
            }
            None => (None, None, None),
        };
        let m = EpochMetrics {
            epoch: epoch + 1,
            train_loss,
            train_acc: correct as f64 / seen.max(1) as f64,
            val_loss,
            val_acc,
            val_balanced_acc: val_bal,
            seconds: t0.elapsed().as_secs_f64(),
        };
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
