//! Lostanlen & Cella (ISMIR 2016): ConvNets on the constant-Q spectrogram and on the
//! pitch spiral. Three branches over a CQT patch (`rows` bins from A1 at `bins_per_octave`
//! bins per octave × `frames` frames), alone or concatenated before a two-layer head:
//!
//! - **2-d**: all bins; conv 32@5×5 → pool 3×5 → conv 32@5×5 → pool 3×5.
//! - **1-d**: the top three octaves; conv 32@(3 octaves)×5 → pool 1×5 → conv 32@1×5 "same" → pool 1×6.
//! - **spiral**: three half-overlapping two-octave bands (octaves 1–3, 2–4, 3–5 above the
//!   lowest bin), each with its own conv 32@3×5, summed (a 3-tap kernel along the octave axis
//!   of the pitch spiral) → pool 3×5 → conv 32@5×5 → pool (all rows)×5.
//!
//! Head: dropout 0.5 → dense 64 → dropout 0.5 → dense `n_classes`. LeakyReLU (0.3) after every
//! layer but the last; He-normal convolutions, LeCun-uniform dense layers, "valid" convolutions
//! and non-overlapping pooling, as in the authors' code (`DeepInstruments/learning.py`). With
//! 96 bins, 128 frames and 8 classes the parameter counts are the paper's: 93k, 20k, 36k, and
//! 147k for the three together.

use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{Dropout, DropoutConfig, Initializer, Linear, LinearConfig, PaddingConfig2d};
use burn::prelude::*;
use burn::tensor::activation::leaky_relu;
use serde::{Deserialize, Serialize};

use crate::{NnError, Result};

/// One branch of the Lostanlen–Cella network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LcBranch {
    /// All bins, 5×5 kernels.
    TwoD,
    /// The top three octaves, full-height kernels.
    OneD,
    /// Three octave bands summed along the pitch spiral.
    Spiral,
}

/// Configuration of an [`LcNet`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LcConfig {
    /// Branches, concatenated in this order before the head.
    pub branches: Vec<LcBranch>,
    /// Bins of the input patch.
    pub rows: usize,
    /// Frames of the input patch.
    pub frames: usize,
    /// Bins per octave of the input (12 in the paper).
    pub bins_per_octave: usize,
    /// Output classes.
    pub n_classes: usize,
    /// Kernels per convolution (32).
    pub kernels: usize,
    /// Width of the hidden dense layer (64).
    pub dense: usize,
    /// Dropout before each dense layer (0.5).
    pub dropout: f64,
    /// LeakyReLU slope (0.3).
    pub slope: f64,
}

impl LcConfig {
    /// The paper's settings for the given branches, input size and classes.
    pub fn new(branches: Vec<LcBranch>, rows: usize, frames: usize, n_classes: usize) -> Self {
        LcConfig { branches, rows, frames, bins_per_octave: 12, n_classes, kernels: 32, dense: 64, dropout: 0.5, slope: 0.3 }
    }

    fn conv(&self, c_in: usize, kernel: [usize; 2], padding: PaddingConfig2d, device: &Device) -> Conv2d {
        Conv2dConfig::new([c_in, self.kernels], kernel)
            .with_padding(padding)
            .with_initializer(Initializer::KaimingNormal { gain: std::f64::consts::SQRT_2, fan_out_only: false })
            .init(device)
    }

    /// Flattened output size of a branch, or why the input is too small for it.
    fn branch_size(&self, b: LcBranch) -> Result<usize> {
        let (r, t, bpo) = (self.rows, self.frames, self.bins_per_octave);
        let small =
            |what: &str| NnError::Config(format!("lc {b:?} branch: the input ({r} rows × {t} frames, {bpo} bins/octave) is too small for {what}"));
        let pooled = |n: usize, k: usize, p: usize| (n >= k).then(|| (n - k + 1) / p).filter(|&v| v > 0);
        match b {
            LcBranch::TwoD => {
                let h = pooled(r, 5, 3).and_then(|h| pooled(h, 5, 3)).ok_or_else(|| small("two 5-row convolutions and 3-row pools"))?;
                let w = pooled(t, 5, 5).and_then(|w| pooled(w, 5, 5)).ok_or_else(|| small("two 5-frame convolutions and 5-frame pools"))?;
                Ok(self.kernels.saturating_mul(h).saturating_mul(w))
            }
            LcBranch::OneD => {
                if r < bpo.saturating_mul(3) {
                    return Err(small("its top three octaves"));
                }
                let w = pooled(t, 5, 5).and_then(|w| (w / 6 > 0).then_some(w / 6)).ok_or_else(|| small("5-frame and 6-frame pools"))?;
                Ok(self.kernels.saturating_mul(w))
            }
            LcBranch::Spiral => {
                if r < bpo.saturating_mul(5) || bpo < 3 {
                    return Err(small("three two-octave bands starting one octave above the lowest bin"));
                }
                pooled(bpo.saturating_mul(2), 3, 3).filter(|&h| h >= 5).ok_or_else(|| small("a 5-row convolution after the band pooling"))?;
                let w = pooled(t, 5, 5).and_then(|w| pooled(w, 5, 5)).ok_or_else(|| small("two 5-frame convolutions and pools"))?;
                Ok(self.kernels.saturating_mul(w))
            }
        }
    }

    /// Checks the configuration against the input size.
    pub fn validate(&self) -> Result<()> {
        if self.branches.is_empty() {
            return Err(NnError::Config("lc: no branch given (use 2d, 1d and/or spiral)".into()));
        }
        if self.n_classes < 2 || self.kernels == 0 || self.dense == 0 || !(0.0..1.0).contains(&self.dropout) {
            return Err(NnError::Config(format!(
                "lc: needs ≥ 2 classes, kernels and dense > 0 and dropout in [0, 1) (got {}, {}, {}, {})",
                self.n_classes, self.kernels, self.dense, self.dropout
            )));
        }
        let mut flat = 0u128;
        for &b in &self.branches {
            flat += self.branch_size(b)? as u128;
        }
        // convolutions (at most a few kernels² × 25 each), the dense layer, the output
        let k = self.kernels as u128;
        let (dense, classes) = (self.dense as u128, self.n_classes as u128);
        super::check_weights("lc", 200 * k * k + 200 * k + flat * dense + dense * classes)
    }

    /// Builds the network with fresh weights.
    pub fn init(&self, device: &Device) -> Result<LcNet> {
        self.validate()?;
        let (k, bpo) = (self.kernels, self.bins_per_octave);
        let mut flat = 0;
        let (mut two_d, mut one_d, mut spiral) = (None, None, None);
        for &b in &self.branches {
            flat += self.branch_size(b)?;
            match b {
                LcBranch::TwoD => {
                    two_d = Some(TwoD {
                        conv1: self.conv(1, [5, 5], PaddingConfig2d::Valid, device),
                        conv2: self.conv(k, [5, 5], PaddingConfig2d::Valid, device),
                        pool: MaxPool2dConfig::new([3, 5]).init(),
                    })
                }
                LcBranch::OneD => {
                    one_d = Some(OneD {
                        conv1: self.conv(1, [3 * bpo, 5], PaddingConfig2d::Valid, device),
                        conv2: self.conv(k, [1, 5], PaddingConfig2d::Explicit(0, 2, 0, 2), device),
                        pool1: MaxPool2dConfig::new([1, 5]).init(),
                        pool2: MaxPool2dConfig::new([1, 6]).init(),
                        first_row: self.rows - 3 * bpo,
                    })
                }
                LcBranch::Spiral => {
                    let h = (2 * bpo - 2) / 3 - 4;
                    spiral = Some(Spiral {
                        bands: (0..3).map(|_| self.conv(1, [3, 5], PaddingConfig2d::Valid, device)).collect(),
                        conv2: self.conv(k, [5, 5], PaddingConfig2d::Valid, device),
                        pool1: MaxPool2dConfig::new([3, 5]).init(),
                        pool2: MaxPool2dConfig::new([h, 5]).init(),
                        bins_per_octave: bpo,
                    })
                }
            }
        }
        let dense = |i: usize, o: usize| {
            LinearConfig::new(i, o).with_initializer(Initializer::KaimingUniform { gain: 1.0, fan_out_only: false }).init(device)
        };
        Ok(LcNet {
            two_d,
            one_d,
            spiral,
            dropout: DropoutConfig::new(self.dropout).init(),
            hidden: dense(flat, self.dense),
            out: dense(self.dense, self.n_classes),
            order: self.branches.clone(),
            slope: self.slope,
        })
    }
}

/// The 2-d branch.
#[derive(Module, Debug)]
pub struct TwoD {
    conv1: Conv2d,
    conv2: Conv2d,
    pool: MaxPool2d,
}

/// The 1-d branch.
#[derive(Module, Debug)]
pub struct OneD {
    conv1: Conv2d,
    conv2: Conv2d,
    pool1: MaxPool2d,
    pool2: MaxPool2d,
    #[module(skip)]
    first_row: usize,
}

/// The spiral branch.
#[derive(Module, Debug)]
pub struct Spiral {
    bands: Vec<Conv2d>,
    conv2: Conv2d,
    pool1: MaxPool2d,
    pool2: MaxPool2d,
    #[module(skip)]
    bins_per_octave: usize,
}

/// A Lostanlen–Cella network; see the module documentation.
#[derive(Module, Debug)]
pub struct LcNet {
    two_d: Option<TwoD>,
    one_d: Option<OneD>,
    spiral: Option<Spiral>,
    dropout: Dropout,
    hidden: Linear,
    out: Linear,
    #[module(skip)]
    order: Vec<LcBranch>,
    #[module(skip)]
    slope: f64,
}

impl LcNet {
    /// Logits `[batch, classes]` of patches `[batch, rows, frames]`.
    pub fn forward(&self, x: Tensor<3>) -> Tensor<2> {
        let x: Tensor<4> = x.unsqueeze_dim(1);
        // LeakyReLU is strictly increasing, so it commutes with max pooling: applying it
        // after the pool gives the same values and gradients on 5–30× fewer elements.
        let act = |t: Tensor<4>| leaky_relu(t, self.slope);
        let flats: Vec<Tensor<2>> = self
            .order
            .iter()
            .map(|b| {
                let y = match b {
                    LcBranch::TwoD => {
                        let m = self.two_d.as_ref().expect("built with the branch");
                        let y = act(m.pool.forward(m.conv1.forward(x.clone())));
                        act(m.pool.forward(m.conv2.forward(y)))
                    }
                    LcBranch::OneD => {
                        let m = self.one_d.as_ref().expect("built with the branch");
                        let [_, _, rows, _] = x.dims();
                        let top = x.clone().narrow(2, m.first_row, rows - m.first_row);
                        let y = act(m.pool1.forward(m.conv1.forward(top)));
                        act(m.pool2.forward(m.conv2.forward(y)))
                    }
                    LcBranch::Spiral => {
                        let m = self.spiral.as_ref().expect("built with the branch");
                        let bpo = m.bins_per_octave;
                        let summed = m
                            .bands
                            .iter()
                            .enumerate()
                            .map(|(i, conv)| conv.forward(x.clone().narrow(2, (i + 1) * bpo, 2 * bpo)))
                            .reduce(|a, b| a + b)
                            .expect("three bands");
                        let y = act(m.pool1.forward(summed));
                        act(m.pool2.forward(m.conv2.forward(y)))
                    }
                };
                y.flatten(1, 3)
            })
            .collect();
        let h = Tensor::cat(flats, 1);
        let h = leaky_relu(self.hidden.forward(self.dropout.forward(h)), self.slope);
        self.out.forward(self.dropout.forward(h))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::Distribution;

    /// The forward applies LeakyReLU after each max pool instead of before: the same values
    /// as long as the pools take maxima (a strictly increasing function commutes with a max;
    /// an average pool or zero padding would break it). Checked on the built modules, with
    /// values of both signs and ties.
    #[test]
    fn leaky_relu_commutes_with_every_pool() {
        let device = crate::device("cpu").unwrap();
        let cfg = LcConfig::new(vec![LcBranch::TwoD, LcBranch::OneD, LcBranch::Spiral], 96, 128, 4);
        let net = cfg.init(&device).unwrap();
        let (two_d, one_d, spiral) = (net.two_d.unwrap(), net.one_d.unwrap(), net.spiral.unwrap());
        let pools = [two_d.pool, one_d.pool1, one_d.pool2, spiral.pool1, spiral.pool2];
        for pool in &pools {
            // rounded to a coarse grid so that windows hold ties
            let y: Tensor<4> = (Tensor::random([2, 3, 24, 60], Distribution::Uniform(-4.0, 4.0), &device) * 2.0).round() / 2.0;
            let a = pool.forward(leaky_relu(y.clone(), cfg.slope)).into_data();
            let b = leaky_relu(pool.forward(y), cfg.slope).into_data();
            assert_eq!(a, b, "{pool:?}");
        }
    }
}
