//! The networks. Each is a serde configuration plus a constructor, so a trained model is
//! one configuration file and one weights file. All take a batch of patches
//! `[batch, rows, frames]` (a waveform is one row; a summary vector is one column); the
//! classifiers return logits `[batch, classes]`, the Complex Autoencoder its invariant
//! amplitudes `[batch, bases]`.

pub mod cae;
pub mod lc;
pub mod mlp;
pub mod pons;
pub mod samplecnn;

use burn::prelude::*;
use serde::{Deserialize, Serialize};

pub use cae::{Cae, CaeConfig};
pub use lc::{LcBranch, LcConfig, LcNet};
pub use mlp::{Mlp, MlpConfig};
pub use pons::{PonsBranch, PonsConfig, PonsNet, PonsShape};
pub use samplecnn::{SampleCnn, SampleCnnConfig};

use crate::{NnError, Result};

/// The networks of this crate by name, each with its default configuration
/// ([`ModelConfig::of`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ModelName {
    /// Lostanlen & Cella 2-d ConvNet.
    #[serde(rename = "lc-2d")]
    Lc2d,
    /// Lostanlen & Cella 1-d ConvNet.
    #[serde(rename = "lc-1d")]
    Lc1d,
    /// Lostanlen & Cella spiral ConvNet.
    #[serde(rename = "lc-spiral")]
    LcSpiral,
    /// The three Lostanlen & Cella branches concatenated.
    #[serde(rename = "lc-combined")]
    LcCombined,
    /// musicnn-style front end.
    #[serde(rename = "pons")]
    Pons,
    /// Sample-level waveform CNN.
    #[serde(rename = "sample-cnn")]
    SampleCnn,
    /// Multilayer perceptron.
    #[serde(rename = "mlp")]
    Mlp,
    /// Complex Autoencoder.
    #[serde(rename = "cae")]
    Cae,
}

impl ModelName {
    /// Every model, in the order of the documentation.
    pub const ALL: [ModelName; 8] = [
        ModelName::Lc2d,
        ModelName::Lc1d,
        ModelName::LcSpiral,
        ModelName::LcCombined,
        ModelName::Pons,
        ModelName::SampleCnn,
        ModelName::Mlp,
        ModelName::Cae,
    ];

    /// The command-line name (`lc-2d`, ...).
    pub fn name(self) -> &'static str {
        match self {
            ModelName::Lc2d => "lc-2d",
            ModelName::Lc1d => "lc-1d",
            ModelName::LcSpiral => "lc-spiral",
            ModelName::LcCombined => "lc-combined",
            ModelName::Pons => "pons",
            ModelName::SampleCnn => "sample-cnn",
            ModelName::Mlp => "mlp",
            ModelName::Cae => "cae",
        }
    }

    /// What the model is, in a line.
    pub fn description(self) -> &'static str {
        match self {
            ModelName::Lc2d => "Lostanlen & Cella 2-d ConvNet on the CQT (93k parameters at 96×128)",
            ModelName::Lc1d => "Lostanlen & Cella 1-d ConvNet over the top three octaves (20k)",
            ModelName::LcSpiral => "Lostanlen & Cella spiral ConvNet over octave-aligned bands (36k)",
            ModelName::LcCombined => "2-d + 1-d + spiral branches concatenated (147k)",
            ModelName::Pons => "musicnn-style multi-shape front end: timbral and temporal filters",
            ModelName::SampleCnn => "sample-level CNN on the raw waveform (59049 samples)",
            ModelName::Mlp => "multilayer perceptron on clip summary features",
            ModelName::Cae => "Complex Autoencoder (Lattner et al. 2019): pitch- and time-shift-invariant magnitudes, trained on pairs",
        }
    }

    /// Whether the model is a classifier (trained on labels; it has classes).
    pub fn is_classifier(self) -> bool {
        self != ModelName::Cae
    }
}

impl std::fmt::Display for ModelName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for ModelName {
    type Err = NnError;
    fn from_str(s: &str) -> Result<Self> {
        ModelName::ALL.into_iter().find(|m| m.name() == s).ok_or_else(|| {
            let names: Vec<_> = ModelName::ALL.iter().map(|m| m.name()).collect();
            NnError::Config(format!("unknown model '{s}'; choose one of {}", names.join(", ")))
        })
    }
}

/// What a network reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InputKind {
    /// Spectrogram patches, rows × frames.
    Patch,
    /// Raw audio windows (one row).
    Waveform,
    /// One summary vector per clip (one column).
    Vector,
}

/// Any network's configuration, tagged with its family.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "family", rename_all = "kebab-case")]
pub enum ModelConfig {
    /// Lostanlen & Cella ConvNets.
    Lc(LcConfig),
    /// Pons / musicnn front end.
    Pons(PonsConfig),
    /// Sample-level waveform CNN.
    SampleCnn(SampleCnnConfig),
    /// Multilayer perceptron.
    Mlp(MlpConfig),
    /// Complex Autoencoder.
    Cae(CaeConfig),
}

impl ModelConfig {
    /// The default configuration of a model given by its name ([`ModelName`]'s `FromStr`: the
    /// command line's edge); see [`ModelConfig::of`]. For inputs of
    /// `rows × frames` (samples for `sample-cnn`, the vector length for `mlp`).
    pub fn named(name: &str, rows: usize, frames: usize, n_classes: usize) -> Result<Self> {
        ModelConfig::of(name.parse()?, rows, frames, n_classes)
    }

    /// The default configuration of `model` for inputs of `rows × frames` (samples for
    /// `sample-cnn`, the vector length for `mlp`) and `n_classes` outputs.
    pub fn of(model: ModelName, rows: usize, frames: usize, n_classes: usize) -> Result<Self> {
        let lc = |b: Vec<LcBranch>| ModelConfig::Lc(LcConfig::new(b, rows, frames, n_classes));
        let c = match model {
            ModelName::Lc2d => lc(vec![LcBranch::TwoD]),
            ModelName::Lc1d => lc(vec![LcBranch::OneD]),
            ModelName::LcSpiral => lc(vec![LcBranch::Spiral]),
            ModelName::LcCombined => lc(vec![LcBranch::TwoD, LcBranch::OneD, LcBranch::Spiral]),
            ModelName::Pons => ModelConfig::Pons(PonsConfig::musicnn(rows, frames, n_classes)),
            ModelName::SampleCnn => ModelConfig::SampleCnn(SampleCnnConfig { samples: frames, ..SampleCnnConfig::new(n_classes) }),
            ModelName::Mlp => ModelConfig::Mlp(MlpConfig::new(rows * frames, n_classes)),
            ModelName::Cae => {
                // the reference's octave of pitch shifts, or less where the window has fewer rows
                let pitch_shift = CaeConfig::default().pitch_shift.min(rows.saturating_sub(1));
                ModelConfig::Cae(CaeConfig { n_bins: rows, length: frames, pitch_shift, ..CaeConfig::default() })
            }
        };
        c.validate()?;
        Ok(c)
    }

    /// What the network reads.
    pub fn input_kind(&self) -> InputKind {
        match self {
            ModelConfig::Lc(_) | ModelConfig::Pons(_) | ModelConfig::Cae(_) => InputKind::Patch,
            ModelConfig::SampleCnn(_) => InputKind::Waveform,
            ModelConfig::Mlp(_) => InputKind::Vector,
        }
    }

    /// `(rows, frames)` of one input.
    pub fn input_shape(&self) -> (usize, usize) {
        match self {
            ModelConfig::Lc(c) => (c.rows, c.frames),
            ModelConfig::Pons(c) => (c.rows, c.frames),
            ModelConfig::SampleCnn(c) => (1, c.samples),
            ModelConfig::Mlp(c) => (c.inputs, 1),
            ModelConfig::Cae(c) => (c.n_bins, c.length),
        }
    }

    /// Output classes of a classifier; `None` for the CAE.
    pub fn n_classes(&self) -> Option<usize> {
        match self {
            ModelConfig::Lc(c) => Some(c.n_classes),
            ModelConfig::Pons(c) => Some(c.n_classes),
            ModelConfig::SampleCnn(c) => Some(c.n_classes),
            ModelConfig::Mlp(c) => Some(c.n_classes),
            ModelConfig::Cae(_) => None,
        }
    }

    /// Batch-norm running means and variances: burn's `num_params` counts them, PyTorch's
    /// trainable count does not. `net.num_params() - running_stats()` is the trainable count.
    pub fn running_stats(&self) -> usize {
        match self {
            ModelConfig::Lc(_) | ModelConfig::Mlp(_) | ModelConfig::Cae(_) => 0,
            ModelConfig::Pons(c) => {
                let channels: usize = c.branches.iter().map(|b| b.filters).sum();
                2 * (channels + 2 * channels + c.dense)
            }
            ModelConfig::SampleCnn(c) => 2 * (c.first + c.blocks.iter().sum::<usize>()),
        }
    }

    /// Checks the configuration (including [`MAX_WEIGHTS`]).
    pub fn validate(&self) -> Result<()> {
        match self {
            ModelConfig::Lc(c) => c.validate(),
            ModelConfig::Pons(c) => c.validate(),
            ModelConfig::SampleCnn(c) => c.validate(),
            ModelConfig::Mlp(c) => c.validate(),
            ModelConfig::Cae(c) => c.validate(),
        }
    }

    /// Builds the network with fresh weights (seed the device first for reproducible weights).
    /// Parameters are numbered in module order instead of burn's random ids, so that two runs
    /// with one seed write byte-identical weight files (the ids are stored in them).
    pub fn init(&self, device: &Device) -> Result<Net> {
        let net = match self {
            ModelConfig::Lc(c) => Net::Lc(c.init(device)?),
            ModelConfig::Pons(c) => Net::Pons(c.init(device)?),
            ModelConfig::SampleCnn(c) => Net::SampleCnn(c.init(device)?),
            ModelConfig::Mlp(c) => Net::Mlp(c.init(device)?),
            ModelConfig::Cae(c) => Net::Cae(c.init(device)?),
        };
        Ok(net.map(&mut SequentialIds(0)))
    }
}

/// Most weights a configuration may ask for (2^28, 1 GiB of float32): networks here have
/// up to a few million, and a damaged `model.json` must get an error, not make `init`
/// allocate what it claims until the process aborts.
pub const MAX_WEIGHTS: u128 = 1 << 28;

/// Refuses a configuration whose weight count (`bound`, an upper estimate computed
/// without allocating) exceeds [`MAX_WEIGHTS`].
pub(crate) fn check_weights(model: &str, bound: u128) -> Result<()> {
    if bound > MAX_WEIGHTS {
        return Err(NnError::Config(format!("{model}: the sizes ask for about {bound} weights, above the limit of {MAX_WEIGHTS} (2^28); a damaged model.json, or sizes far beyond these networks'")));
    }
    Ok(())
}

/// `Σ a·b` over consecutive widths of `chain` (the weights of dense layers between them), in u128.
pub(crate) fn chain_weights(chain: &[usize]) -> u128 {
    chain.windows(2).map(|w| w[0] as u128 * w[1] as u128 + w[1] as u128).sum()
}

/// Renumbers a module's parameters 0, 1, 2… in traversal order.
struct SequentialIds(u64);

impl SequentialIds {
    fn next(&mut self) -> burn::module::ParamId {
        self.0 += 1;
        burn::module::ParamId::from(self.0 - 1)
    }
}

impl burn::module::ModuleMapper for SequentialIds {
    fn map_float<const D: usize>(&mut self, param: burn::module::Param<Tensor<D>>) -> burn::module::Param<Tensor<D>> {
        let (_, value, mapper) = param.consume();
        burn::module::Param::from_mapped_value(self.next(), value, mapper)
    }

    fn map_int<const D: usize>(&mut self, param: burn::module::Param<Tensor<D, Int>>) -> burn::module::Param<Tensor<D, Int>> {
        let (_, value, mapper) = param.consume();
        burn::module::Param::from_mapped_value(self.next(), value, mapper)
    }

    fn map_bool<const D: usize>(&mut self, param: burn::module::Param<Tensor<D, Bool>>) -> burn::module::Param<Tensor<D, Bool>> {
        let (_, value, mapper) = param.consume();
        burn::module::Param::from_mapped_value(self.next(), value, mapper)
    }
}

/// Any network. (The variants differ in size, but a program holds one or two networks.)
#[derive(Module, Debug)]
#[allow(clippy::large_enum_variant)]
pub enum Net {
    /// Lostanlen & Cella.
    Lc(LcNet),
    /// Pons / musicnn.
    Pons(PonsNet),
    /// Sample-level CNN.
    SampleCnn(SampleCnn),
    /// Multilayer perceptron.
    Mlp(Mlp),
    /// Complex Autoencoder.
    Cae(Cae),
}

impl Net {
    /// The outputs `[batch, n]` of inputs `[batch, rows, frames]`: a classifier's logits, the
    /// CAE's invariant amplitudes.
    pub fn forward(&self, x: Tensor<3>) -> Tensor<2> {
        match self {
            Net::Lc(m) => m.forward(x),
            Net::Pons(m) => m.forward(x),
            Net::SampleCnn(m) => m.forward(x),
            Net::Mlp(m) => m.forward(x),
            Net::Cae(m) => m.forward(x),
        }
    }
}
