//! What the engine ([`crate::train::fit`]) can train a network for. Each objective brings
//! its sampler, its loss and its validation:
//!
//! - [`Classification`]: class-balanced windows of labelled clips, cross-entropy; measures
//!   `acc` (training and validation) and `balanced_acc` (validation: mean per-class recall).
//! - [`PairReconstruction`]: pairs of windows under a pitch or time shift
//!   ([`crate::data::Shifts`]), the Complex Autoencoder's phase-swapped reconstruction;
//!   measures `invariance` (validation: the mean distance between the amplitudes of a window
//!   and of its shifted partner, over the mean distance between unrelated windows' amplitudes;
//!   0 is perfectly invariant, about 1 not at all).

use std::sync::mpsc::Receiver;
use std::sync::Arc;

use burn::module::Module;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::prelude::*;

use crate::data::{background, background_batches, Batch, Pair, PatchSet, Shifts, Window};
use crate::models::{ModelConfig, Net};
use crate::train::{batch_tensors, eval_batch, log_probs, window_scores, Measures, Objective};
use crate::{NnError, Result};

/// Checks that `set`'s windows have the model's input shape.
fn check_shape(model: &ModelConfig, set: &PatchSet) -> Result<()> {
    let (rows, frames) = model.input_shape();
    if set.rows() != rows || set.window != frames {
        return Err(NnError::Data(format!(
            "the training set has {} rows and {}-frame windows; the model wants {rows} and {frames}",
            set.rows(),
            set.window
        )));
    }
    Ok(())
}

/// Classification: cross-entropy on class-balanced windows ([`PatchSet::epoch_windows`]),
/// validated on half-overlapping windows of every validation clip.
pub struct Classification<'a> {
    train: Arc<PatchSet>,
    val: Option<&'a PatchSet>,
    val_windows: Vec<Window>,
}

impl<'a> Classification<'a> {
    /// Training windows from `train`, validation on `val`.
    pub fn new(train: Arc<PatchSet>, val: Option<&'a PatchSet>) -> Self {
        let val_windows = val.map(|v| (0..v.clips.len()).flat_map(|c| v.windows_of(c, v.window.div_ceil(2))).collect()).unwrap_or_default();
        Classification { train, val, val_windows }
    }
}

impl Objective for Classification<'_> {
    fn loss_name(&self) -> String {
        "cross-entropy".into()
    }

    fn check(&self, model: &ModelConfig) -> Result<()> {
        check_shape(model, &self.train)?;
        match model.n_classes() {
            Some(k) if k == self.train.n_classes => Ok(()),
            Some(k) => Err(NnError::Data(format!("the training set has {} classes; the model has {k} outputs", self.train.n_classes))),
            None => Err(NnError::Config("this model is not a classifier: train it with its own objective".into())),
        }
    }

    fn batches(&self, n: usize, batch_size: usize, seed: u64, epoch: usize) -> Receiver<Batch> {
        background_batches(self.train.clone(), self.train.epoch_windows(n, seed, epoch), batch_size)
    }

    fn loss(&self, net: &Net, batch: Batch, device: &Device) -> Result<(Tensor<1>, Measures)> {
        let truth = batch.y.clone();
        let (x, y) = batch_tensors(batch, device);
        let logits = net.forward(x);
        let pred: Vec<i64> = logits.clone().argmax(1).into_data().convert::<i64>().try_into_vec::<i64>().expect("int argmax");
        let correct = pred.iter().zip(&truth).filter(|(p, t)| **p as usize == **t).count();
        let loss = CrossEntropyLossConfig::new().init(device).forward(logits, y);
        Ok((loss, vec![("acc", correct as f64)]))
    }

    fn validate(&self, net: &Net, device: &Device) -> Result<Option<(f64, Measures)>> {
        let Some(v) = self.val else { return Ok(None) };
        let lp = log_probs(net, v, &self.val_windows, eval_batch(device), device);
        let truth: Vec<usize> = self.val_windows.iter().map(|w| v.clips[w.clip].label).collect();
        let (l, a, b) = window_scores(&lp, &truth, v.n_classes);
        Ok(Some((l, vec![("acc", a), ("balanced_acc", b)])))
    }
}

/// The Complex Autoencoder's objective: pairs `(x, y)` of windows, `y` the window shifted in
/// pitch (rows, zero-padded) or time (frames, within the clip) as [`Shifts`] allow, drawn by
/// [`PatchSet::epoch_pairs`]; the loss is [`crate::models::Cae::pair_loss`]. Validation
/// scores fixed pairs of every validation clip ([`PatchSet::fixed_pairs`]).
pub struct PairReconstruction<'a> {
    train: Arc<PatchSet>,
    val: Option<&'a PatchSet>,
    shifts: Shifts,
    loss_power: f64,
    val_pairs: Vec<Pair>,
}

impl<'a> PairReconstruction<'a> {
    /// Pairs from `train` under `shifts`, validation on `val`; `loss_power` 1 (L1) or 2 (MSE).
    pub fn new(train: Arc<PatchSet>, val: Option<&'a PatchSet>, shifts: Shifts, loss_power: f64) -> Self {
        let val_pairs = val.map(|v| v.fixed_pairs(v.window.div_ceil(2), shifts)).unwrap_or_default();
        PairReconstruction { train, val, shifts, loss_power, val_pairs }
    }

    /// The objective of a CAE configuration (its shifts and loss power).
    pub fn for_model(model: &ModelConfig, train: Arc<PatchSet>, val: Option<&'a PatchSet>) -> Result<Self> {
        match model {
            ModelConfig::Cae(c) => Ok(PairReconstruction::new(train, val, c.shifts(), c.loss_power)),
            _ => Err(NnError::Config("pair reconstruction trains the Complex Autoencoder (cae) only".into())),
        }
    }
}

/// The two halves of a pair batch as `[n, rows · frames]` tensors.
fn pair_tensors(batch: Batch, device: &Device) -> Result<(Tensor<2>, Tensor<2>)> {
    let [n, rows, frames] = batch.shape;
    let target = batch.target.ok_or_else(|| NnError::Data("a pair batch without its second windows".into()))?;
    let x = Tensor::<2>::from_data(TensorData::new(batch.x, [n, rows * frames]), device);
    let y = Tensor::<2>::from_data(TensorData::new(target.data, [n, rows * frames]), device);
    Ok((x, y))
}

impl Objective for PairReconstruction<'_> {
    fn loss_name(&self) -> String {
        format!("{} pair reconstruction", if self.loss_power == 2.0 { "L2" } else { "L1" })
    }

    fn check(&self, model: &ModelConfig) -> Result<()> {
        check_shape(model, &self.train)?;
        match model {
            ModelConfig::Cae(_) => Ok(()),
            _ => Err(NnError::Config("pair reconstruction trains the Complex Autoencoder (cae) only".into())),
        }
    }

    fn batches(&self, n: usize, batch_size: usize, seed: u64, epoch: usize) -> Receiver<Batch> {
        let set = self.train.clone();
        background(self.train.epoch_pairs(n, self.shifts, seed, epoch), batch_size, move |chunk| set.pair_batch(chunk))
    }

    fn loss(&self, net: &Net, batch: Batch, device: &Device) -> Result<(Tensor<1>, Measures)> {
        let Net::Cae(cae) = net else { return Err(NnError::Config("pair reconstruction trains the Complex Autoencoder (cae) only".into())) };
        let (x, y) = pair_tensors(batch, device)?;
        Ok((cae.pair_loss(x, y, self.loss_power), Vec::new()))
    }

    fn validate(&self, net: &Net, device: &Device) -> Result<Option<(f64, Measures)>> {
        let (Some(v), Net::Cae(cae)) = (self.val, net) else { return Ok(None) };
        let cae = cae.valid();
        let device = device.clone().without_autodiff();
        let (mut loss, mut n) = (0f64, 0usize);
        let (mut near, mut far) = (0f64, 0f64);
        for chunk in self.val_pairs.chunks(256) {
            let (x, y) = pair_tensors(v.pair_batch(chunk), &device)?;
            let k = chunk.len();
            loss += cae.pair_loss(x.clone(), y.clone(), self.loss_power).into_scalar::<f32>() as f64 * k as f64;
            n += k;
            let (ax, _) = cae.encode(x);
            let (ay, _) = cae.encode(y);
            near += (ax.clone() - ay).powi_scalar(2).sum_dim(1).sqrt().sum().into_scalar::<f32>() as f64;
            // unrelated windows: each window against the next one of the chunk
            if k > 1 {
                let other = Tensor::cat(vec![ax.clone().narrow(0, 1, k - 1), ax.clone().narrow(0, 0, 1)], 0);
                far += (ax - other).powi_scalar(2).sum_dim(1).sqrt().sum().into_scalar::<f32>() as f64;
            }
        }
        let invariance = if far > 0.0 { near / far } else { f64::NAN };
        Ok(Some((loss / n.max(1) as f64, vec![("invariance", invariance)])))
    }
}
