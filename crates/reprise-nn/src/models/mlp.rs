//! A multilayer perceptron on clip summary vectors (the features of `reprise classify`):
//! dense → ReLU → dropout for each hidden layer, then a dense output layer.

use burn::nn::{Dropout, DropoutConfig, Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::activation::relu;
use serde::{Deserialize, Serialize};

use crate::{NnError, Result};

/// Configuration of an [`Mlp`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MlpConfig {
    /// Input dimension.
    pub inputs: usize,
    /// Hidden layer widths (256, 128).
    pub hidden: Vec<usize>,
    /// Output classes.
    pub n_classes: usize,
    /// Dropout after each hidden layer (0.5).
    pub dropout: f64,
}

impl MlpConfig {
    /// Two hidden layers of 256 and 128 units, dropout 0.5.
    pub fn new(inputs: usize, n_classes: usize) -> Self {
        MlpConfig { inputs, hidden: vec![256, 128], n_classes, dropout: 0.5 }
    }

    /// Checks the configuration.
    pub fn validate(&self) -> Result<()> {
        if self.inputs == 0 || self.hidden.contains(&0) || self.n_classes < 2 || !(0.0..1.0).contains(&self.dropout) {
            return Err(NnError::Config(format!(
                "mlp: needs inputs > 0, hidden widths > 0, ≥ 2 classes and dropout in [0, 1) (got {}, {:?}, {}, {})",
                self.inputs, self.hidden, self.n_classes, self.dropout
            )));
        }
        let chain: Vec<usize> = std::iter::once(self.inputs).chain(self.hidden.iter().copied()).chain([self.n_classes]).collect();
        super::check_weights("mlp", super::chain_weights(&chain))
    }

    /// Builds the network with fresh weights.
    pub fn init(&self, device: &Device) -> Result<Mlp> {
        self.validate()?;
        let mut layers = Vec::new();
        let mut d = self.inputs;
        for &h in &self.hidden {
            layers.push(LinearConfig::new(d, h).init(device));
            d = h;
        }
        Ok(Mlp { layers, out: LinearConfig::new(d, self.n_classes).init(device), dropout: DropoutConfig::new(self.dropout).init() })
    }
}

/// A multilayer perceptron; see the module documentation.
#[derive(Module, Debug)]
pub struct Mlp {
    layers: Vec<Linear>,
    out: Linear,
    dropout: Dropout,
}

impl Mlp {
    /// Logits `[batch, classes]` of vectors `[batch, 1, inputs]`.
    pub fn forward(&self, x: Tensor<3>) -> Tensor<2> {
        let mut y: Tensor<2> = x.flatten(1, 2);
        for l in &self.layers {
            y = self.dropout.forward(relu(l.forward(y)));
        }
        self.out.forward(y)
    }
}
