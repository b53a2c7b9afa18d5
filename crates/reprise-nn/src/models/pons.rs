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
        PonsConfig { branches: vec![timbral(0.4), timbral(0.7), temporal(128), temporal(64), temporal(32)], rows, frames, n_classes, dense: 200, dropout: 0.5 }
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
        Ok(())
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
        let x: Tensor<4> = x.unsqueeze_dim(1);
        let averaged = self.temporal.iter().any(|&t| t).then(|| x.clone().mean_dim(2));
        let maps: Vec<Tensor<3>> = self
            .branches
            .iter()
            .zip(&self.norms)
            .zip(&self.temporal)
            .map(|((conv, norm), &temporal)| {
                let input = if temporal { averaged.clone().expect("computed when a branch is temporal") } else { x.clone() };
                let y = norm.forward(relu(conv.forward(input)));
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
