//! The sample-level CNN on raw waveforms (Lee, Park, Kim & Nam 2017, as Pons et al. 2018
//! use it): a strided conv 3/3 → batch norm → ReLU, then blocks of conv 3 ("same") → batch
//! norm → ReLU → max-pool 3, a max over what is left of time, dropout and a dense layer.
//! With the default nine blocks the input is 3^10 = 59049 samples (2.7 s at 22050 Hz).

use burn::nn::conv::{Conv1d, Conv1dConfig};
use burn::nn::pool::{MaxPool1d, MaxPool1dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, Dropout, DropoutConfig, Linear, LinearConfig, PaddingConfig1d};
use burn::prelude::*;
use burn::tensor::activation::relu;
use serde::{Deserialize, Serialize};

use crate::{NnError, Result};

/// Configuration of a [`SampleCnn`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SampleCnnConfig {
    /// Samples per input window.
    pub samples: usize,
    /// Channels of the strided first layer.
    pub first: usize,
    /// Channels of each block; each block divides the length by 3.
    pub blocks: Vec<usize>,
    /// Output classes.
    pub n_classes: usize,
    /// Dropout before the dense layer (0.5).
    pub dropout: f64,
}

impl SampleCnnConfig {
    /// 59049 samples, a 32-channel first layer and nine blocks of 32–128 channels.
    pub fn new(n_classes: usize) -> Self {
        SampleCnnConfig { samples: 59049, first: 32, blocks: vec![32, 32, 64, 64, 64, 64, 128, 128, 128], n_classes, dropout: 0.5 }
    }

    /// Checks the configuration.
    pub fn validate(&self) -> Result<()> {
        let mut len = self.samples / 3;
        for _ in &self.blocks {
            len /= 3;
        }
        if len == 0 || self.first == 0 || self.blocks.contains(&0) || self.n_classes < 2 || !(0.0..1.0).contains(&self.dropout) {
            return Err(NnError::Config(format!(
                "sample-cnn: {} samples are too few for a strided layer and {} blocks (need ≥ 3^{}), or a width/class count/dropout is out of range",
                self.samples,
                self.blocks.len(),
                self.blocks.len() + 1
            )));
        }
        Ok(())
    }

    /// Builds the network with fresh weights.
    pub fn init(&self, device: &Device) -> Result<SampleCnn> {
        self.validate()?;
        let mut c = self.first;
        let mut convs = vec![Conv1dConfig::new(1, c, 3).with_stride(3).init(device)];
        let mut norms = vec![BatchNormConfig::new(c).init(device)];
        for &o in &self.blocks {
            convs.push(Conv1dConfig::new(c, o, 3).with_padding(PaddingConfig1d::Explicit(1, 1)).init(device));
            norms.push(BatchNormConfig::new(o).init(device));
            c = o;
        }
        Ok(SampleCnn { convs, norms, pool: MaxPool1dConfig::new(3).init(), dropout: DropoutConfig::new(self.dropout).init(), out: LinearConfig::new(c, self.n_classes).init(device) })
    }
}

/// A sample-level waveform CNN; see the module documentation.
#[derive(Module, Debug)]
pub struct SampleCnn {
    convs: Vec<Conv1d>,
    norms: Vec<BatchNorm>,
    pool: MaxPool1d,
    dropout: Dropout,
    out: Linear,
}

impl SampleCnn {
    /// Logits `[batch, classes]` of waveforms `[batch, 1, samples]`.
    pub fn forward(&self, x: Tensor<3>) -> Tensor<2> {
        let mut y = x;
        for (i, (conv, norm)) in self.convs.iter().zip(&self.norms).enumerate() {
            y = relu(norm.forward(conv.forward(y)));
            if i > 0 {
                y = self.pool.forward(y);
            }
        }
        let y: Tensor<2> = y.max_dim(2).squeeze_dim(2);
        self.out.forward(self.dropout.forward(y))
    }
}
