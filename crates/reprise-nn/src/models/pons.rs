//! Pons et al.: musically motivated filter shapes, with a multi-shape first layer as in
//! musicnn (Pons & Serra 2019). Each branch is one convolution over the spectrogram patch
//! `[rows, frames]`, followed by ReLU, batch norm and a max over the remaining rows, which
//! leaves `filters × frames` (time is padded "same", TensorFlow-style: the extra frame of
//! an even kernel goes at the end):
//!
//! - **timbral** `h×w`: rectangular filters spanning `h` rows (musicnn: 38 and 67 of 96 rows,
//!   7 frames);
//! - **frequency** `h×1`: pure spectral shapes (Pons 2016, "Frequency" network);
//! - **temporal** `1×w`: over the row-averaged patch, as musicnn does (128, 64 and 32 frames).
//!
//! The branches are concatenated along channels; the back end takes the mean and the max over
//! time, then batch norm → dropout 0.5 → dense 200 → ReLU → batch norm → dropout 0.5 → dense
//! `n_classes`, as musicnn's back end (without its mid-end).

use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, Dropout, DropoutConfig, Linear, LinearConfig, PaddingConfig2d};
use burn::prelude::*;
use burn::tensor::activation::relu;
use serde::{Deserialize, Serialize};

use crate::{NnError, Result};

/// A filter shape of the first layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "shape")]
pub enum PonsShape {
    /// `rows × frames` rectangular filters.
    Timbral {
        /// Rows spanned.
        rows: usize,
        /// Frames spanned.
        frames: usize,
    },
    /// `rows × 1` filters.
    Frequency {
        /// Rows spanned.
        rows: usize,
    },
    /// `1 × frames` filters over the row-averaged patch.
    Temporal {
        /// Frames spanned.
        frames: usize,
    },
}

/// One first-layer branch: a shape and how many filters have it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PonsBranch {
    /// The filter shape.
    #[serde(flatten)]
    pub shape: PonsShape,
    /// Filters of this shape.
    pub filters: usize,
}

/// Configuration of a [`PonsNet`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PonsConfig {
    /// First-layer branches.
    pub branches: Vec<PonsBranch>,
    /// Rows of the input patch.
    pub rows: usize,
    /// Frames of the input patch.
    pub frames: usize,
    /// Output classes.
    pub n_classes: usize,
    /// Width of the hidden dense layer (200).
    pub dense: usize,
    /// Dropout before each dense layer (0.5).
    pub dropout: f64,
}

impl PonsConfig {
    /// musicnn's shapes scaled to the input: timbral ⌊0.4·rows⌋×7 and ⌊0.7·rows⌋×7 with 48
    /// filters each, temporal 1×128, 1×64, 1×32 with 16 each (musicnn: 204 and 51).
    pub fn musicnn(rows: usize, frames: usize, n_classes: usize) -> Self {
        let timbral = |f: f64| PonsBranch { shape: PonsShape::Timbral { rows: ((rows as f64 * f) as usize).max(1), frames: 7 }, filters: 48 };
        let temporal = |w: usize| PonsBranch { shape: PonsShape::Temporal { frames: w }, filters: 16 };
        PonsConfig {
            branches: vec![timbral(0.4), timbral(0.7), temporal(128), temporal(64), temporal(32)],
            rows,
            frames,
            n_classes,
            dense: 200,
            dropout: 0.5,
        }
    }

    /// Checks the configuration against the input size.
    pub fn validate(&self) -> Result<()> {
        if self.branches.is_empty() || self.n_classes < 2 || self.dense == 0 || !(0.0..1.0).contains(&self.dropout) || self.frames == 0 {
            return Err(NnError::Config("pons: needs at least one branch, ≥ 2 classes, dense > 0, frames > 0 and dropout in [0, 1)".into()));
        }
        for b in &self.branches {
            let (h, w) = shape_of(b.shape);
            if b.filters == 0 || h == 0 || w == 0 || h > self.rows {
                return Err(NnError::Config(format!("pons: branch {:?} with {} filters does not fit a {}-row input", b.shape, b.filters, self.rows)));
            }
        }
        let conv: u128 = self
            .branches
            .iter()
            .map(|b| {
                let (h, w) = shape_of(b.shape);
                b.filters as u128 * (h as u128 * w as u128 + 1)
            })
            .sum();
        let channels: u128 = self.branches.iter().map(|b| b.filters as u128).sum();
        let (dense, classes) = (self.dense as u128, self.n_classes as u128);
        super::check_weights("pons", conv + 2 * channels * dense + dense * classes + 8 * (channels + dense))
    }

    /// Builds the network with fresh weights.
    pub fn init(&self, device: &Device) -> Result<PonsNet> {
        self.validate()?;
        let branches = self
            .branches
            .iter()
            .map(|b| {
                let (h, w) = shape_of(b.shape);
                let left = (w - 1) / 2;
                Conv2dConfig::new([1, b.filters], [h, w]).with_padding(PaddingConfig2d::Explicit(0, left, 0, w - 1 - left)).init(device)
            })
            .collect();
        let norms = self.branches.iter().map(|b| BatchNormConfig::new(b.filters).init(device)).collect();
        let channels: usize = self.branches.iter().map(|b| b.filters).sum();
        Ok(PonsNet {
            branches,
            norms,
            norm_pool: BatchNormConfig::new(2 * channels).init(device),
            hidden: LinearConfig::new(2 * channels, self.dense).init(device),
            norm_hidden: BatchNormConfig::new(self.dense).init(device),
            out: LinearConfig::new(self.dense, self.n_classes).init(device),
            dropout: DropoutConfig::new(self.dropout).init(),
            temporal: self.branches.iter().map(|b| matches!(b.shape, PonsShape::Temporal { .. })).collect(),
        })
    }
}

fn shape_of(s: PonsShape) -> (usize, usize) {
    match s {
        PonsShape::Timbral { rows, frames } => (rows, frames),
        PonsShape::Frequency { rows } => (rows, 1),
        PonsShape::Temporal { frames } => (1, frames),
    }
}

/// A Pons/musicnn-style network; see the module documentation.
#[derive(Module, Debug)]
pub struct PonsNet {
    branches: Vec<Conv2d>,
    norms: Vec<BatchNorm>,
    norm_pool: BatchNorm,
    hidden: Linear,
    norm_hidden: BatchNorm,
    out: Linear,
    dropout: Dropout,
    #[module(skip)]
    temporal: Vec<bool>,
}

impl PonsNet {
    /// Logits `[batch, classes]` of patches `[batch, rows, frames]`.
    pub fn forward(&self, x: Tensor<3>) -> Tensor<2> {
        let averaged = self.temporal.iter().any(|&t| t).then(|| x.clone().unsqueeze_dim::<4>(1).mean_dim(2));
        let maps: Vec<Tensor<3>> = self
            .branches
            .iter()
            .zip(&self.norms)
            .zip(&self.temporal)
            .map(|((conv, norm), &temporal)| {
                let y =
                    if temporal { conv.forward(averaged.clone().expect("computed when a branch is temporal")) } else { tall_conv(conv, x.clone()) };
                let y = norm.forward(relu(y));
                y.max_dim(2).squeeze_dim(2)
            })
            .collect();
        let h = Tensor::cat(maps, 1);
        let pooled = Tensor::cat(vec![h.clone().mean_dim(2), h.max_dim(2)], 1).squeeze_dim::<2>(2);
        let z = self.dropout.forward(self.norm_pool.forward(pooled));
        let z = self.norm_hidden.forward(relu(self.hidden.forward(z)));
        self.out.forward(self.dropout.forward(z))
    }
}

/// A first-layer branch `conv` (one input channel, an `h×w` kernel, time padded as in
/// [`PonsConfig::init`]) on patches `x: [batch, rows, frames]`, as `w` matrix products
/// instead of burn's convolution. Row `(b, y, t)` of the window matrix holds the `h` values
/// `x[b, y..y+h, t]` (time padding included, rows in order `b, y, t`), so the rows for
/// kernel column `dx` are the same matrix shifted by `dx` rows: a contiguous block, times
/// that kernel column `[h, filters]`. The window matrix holds each input value up to `h`
/// times, against `h·w` times in im2col (38×7 and 67×7 kernels on 96 rows), and the
/// products and their gradients are large matrix products. Output `[batch, filters, rows−h+1, frames]`, computed
/// [`TALL_CHUNK`] patches at a time.
fn tall_conv(conv: &Conv2d, x: Tensor<3>) -> Tensor<4> {
    let batch = x.dims()[0];
    if batch <= TALL_CHUNK {
        return tall_conv_chunk(conv, x);
    }
    let parts = (0..batch).step_by(TALL_CHUNK).map(|b| tall_conv_chunk(conv, x.clone().narrow(0, b, TALL_CHUNK.min(batch - b)))).collect();
    Tensor::cat(parts, 0)
}

/// Patches per [`tall_conv`] product: keeps its matrices to tens of megabytes.
const TALL_CHUNK: usize = 8;

fn tall_conv_chunk(conv: &Conv2d, x: Tensor<3>) -> Tensor<4> {
    let [batch, rows, frames] = x.dims();
    let weight = conv.weight.val();
    let [filters, _, h, w] = weight.dims();
    let device = x.device();
    let left = (w - 1) / 2;
    let padded = frames + w - 1;
    let out_rows = rows - h + 1;
    let x = if w > 1 {
        Tensor::cat(vec![Tensor::zeros([batch, rows, left], &device), x, Tensor::zeros([batch, rows, w - 1 - left], &device)], 2)
    } else {
        x
    };
    // one zero patch more, so that every shifted block is whole
    let x = if w > 1 { Tensor::cat(vec![x, Tensor::zeros([1, rows, padded], &device)], 0) } else { x };
    let n = batch * out_rows * padded;
    let windows_4: Tensor<4> = x.swap_dims(1, 2).unfold(2, h, 1); // [b, t, y, dy]
    let windows: Tensor<2> = windows_4.swap_dims(1, 2).reshape([-1, h as i32]); // [(b, y, t), dy]
    let sum = (0..w)
        .map(|dx| {
            let column: Tensor<2> = weight.clone().slice([0..filters, 0..1, 0..h, dx..dx + 1]).reshape([filters, h]).transpose();
            windows.clone().slice([dx..dx + n, 0..h]).matmul(column)
        })
        .reduce(|a, b| a + b)
        .expect("kernels have at least one column");
    // rows (b, y, t ≥ frames) are the time padding's: computed, then dropped
    let y = sum.reshape([batch, out_rows, padded, filters]).slice([0..batch, 0..out_rows, 0..frames, 0..filters]).permute([0, 3, 1, 2]);
    match &conv.bias {
        Some(b) => y + b.val().reshape([1, filters, 1, 1]),
        None => y,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::Distribution;

    /// [`tall_conv`] gives burn's convolution's outputs and the same gradients for the
    /// weights and bias, for a rectangular kernel with even and odd widths, a frequency
    /// kernel and a full-height one, on more patches than one chunk.
    #[test]
    fn tall_conv_equals_the_convolution_and_its_gradients() {
        let device = crate::device("cpu").unwrap().autodiff();
        for (h, w) in [(5, 7), (4, 4), (6, 1), (12, 3)] {
            let cfg = PonsConfig {
                branches: vec![PonsBranch { shape: PonsShape::Timbral { rows: h, frames: w }, filters: 3 }],
                ..PonsConfig::musicnn(12, 10, 2)
            };
            let net = cfg.init(&device).unwrap();
            let conv = &net.branches[0];
            let x: Tensor<3> = Tensor::random([TALL_CHUNK + 2, 12, 10], Distribution::Uniform(-1.0, 1.0), &device);
            let weights: Tensor<4> = Tensor::random([TALL_CHUNK + 2, 3, 12 - h + 1, 10], Distribution::Uniform(-1.0, 1.0), &device);
            let reference = conv.forward(x.clone().unsqueeze_dim(1));
            let ours = tall_conv(conv, x);
            assert_eq!(reference.dims(), ours.dims(), "{h}x{w}");
            let diff = (reference.clone() - ours.clone()).abs().max().into_scalar::<f32>();
            assert!(diff < 1e-5, "{h}x{w}: outputs differ by {diff}");
            let grads_ref = (reference * weights.clone()).sum().backward();
            let grads_ours = (ours * weights).sum().backward();
            let gw = |g| conv.weight.val().grad(g).expect("weight gradient");
            let gb = |g| conv.bias.as_ref().expect("bias").val().grad(g).expect("bias gradient");
            let dw = (gw(&grads_ref) - gw(&grads_ours)).abs().max().into_scalar::<f32>();
            let db = (gb(&grads_ref) - gb(&grads_ours)).abs().max().into_scalar::<f32>();
            assert!(dw < 1e-4 && db < 1e-4, "{h}x{w}: gradients differ by {dw} (weights), {db} (bias)");
        }
    }
}
