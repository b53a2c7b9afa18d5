//! The sample-level CNN on raw waveforms (Lee, Park, Kim & Nam 2017, as Pons et al. 2018
//! use it): a strided conv 3/3 → batch norm → ReLU, then blocks of conv 3 ("same") → batch
//! norm → ReLU → max-pool 3, a max over what is left of time, dropout and a dense layer.
//! With the default nine blocks the input is 3^10 = 59049 samples (2.7 s at 22050 Hz).

use burn::nn::conv::{Conv1d, Conv1dConfig};
use burn::nn::pool::{MaxPool1d, MaxPool1dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, Dropout, DropoutConfig, Linear, LinearConfig, PaddingConfig1d};
use burn::prelude::*;
use burn::tensor::activation::relu;
use rayon::prelude::*;
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
        // 3-tap convolutions between consecutive widths, then the output layer (over-counted ×3)
        let chain: Vec<usize> = [1, self.first].into_iter().chain(self.blocks.iter().copied()).chain([self.n_classes]).collect();
        super::check_weights("sample-cnn", 3 * super::chain_weights(&chain) + 8 * chain.iter().map(|&w| w as u128).sum::<u128>())
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
        Ok(SampleCnn {
            convs,
            norms,
            pool: MaxPool1dConfig::new(3).init(),
            dropout: DropoutConfig::new(self.dropout).init(),
            out: LinearConfig::new(c, self.n_classes).init(device),
        })
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

/// A trained [`SampleCnn`] made ready for CPU inference in evaluation mode (running
/// batch-norm statistics, no dropout), without burn.
///
/// burn's generic convolution spends most of a sample-cnn forward pass on its im2col copy and
/// on separate passes for batch norm, ReLU and pooling. Here:
/// - each batch norm is folded into the convolution before it;
/// - activations are channels-last (`[time, channels]`) with a zero row at each end, so the
///   window matrix of a kernel-3 "same" convolution is the activation buffer itself, read
///   with overlapping rows (row `t` starts at `t·channels` and is `3·channels` long): one
///   matrix product per layer (the `gemm` crate) and no copy;
/// - bias, ReLU and the max-pool run as one pass over the product;
/// - windows run in parallel on rayon's pool, each in buffers that stay in cache.
///
/// [`crate::train::log_probs`] uses it for sample-cnn on the CPU device; it is tested equal to
/// [`SampleCnn::forward`].
#[derive(Debug, Clone)]
pub struct SampleCnnCpu {
    /// The strided first layer, then one per block.
    layers: Vec<FoldedConv>,
    /// Dense weights `[channels, classes]` and biases.
    dense_w: Vec<f32>,
    dense_b: Vec<f32>,
}

/// A kernel-3 convolution with the batch norm after it folded in: weights
/// `[3·c_in, c_out]` (row `k·c_in + c` multiplies input channel `c` at tap `k`) and biases.
#[derive(Debug, Clone)]
struct FoldedConv {
    w: Vec<f32>,
    b: Vec<f32>,
    c_out: usize,
}

/// Per-thread activation buffers of [`SampleCnnCpu`].
#[derive(Default)]
struct Scratch {
    product: Vec<f32>,
    input: Vec<f32>,
    output: Vec<f32>,
}

fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().convert::<f32>().try_into_vec::<f32>().expect("float32 weights")
}

impl FoldedConv {
    fn new(conv: &Conv1d, norm: &BatchNorm) -> Self {
        let weight = conv.weight.val();
        let [c_out, c_in, taps] = weight.dims();
        assert_eq!(taps, 3, "sample-cnn convolutions have kernel 3");
        let w = values(weight);
        let bias = conv.bias.as_ref().map_or_else(|| vec![0.0; c_out], |b| values(b.val()));
        let (gamma, beta) = (values(norm.gamma.val()), values(norm.beta.val()));
        let (mean, var) = (values(norm.running_mean.value()), values(norm.running_var.value()));
        let scale: Vec<f64> = (0..c_out).map(|o| gamma[o] as f64 / (var[o] as f64 + norm.epsilon).sqrt()).collect();
        let mut folded = vec![0f32; taps * c_in * c_out];
        for o in 0..c_out {
            for c in 0..c_in {
                for k in 0..taps {
                    folded[(k * c_in + c) * c_out + o] = (w[(o * c_in + c) * taps + k] as f64 * scale[o]) as f32;
                }
            }
        }
        let b = (0..c_out).map(|o| ((bias[o] as f64 - mean[o] as f64) * scale[o] + beta[o] as f64) as f32).collect();
        FoldedConv { w: folded, b, c_out }
    }

    /// `dst[t] = lhs[t·step .. t·step + 3·c_in] · w` for `rows` rows: the convolution's
    /// output before its bias, `[rows, c_out]`.
    fn product(&self, dst: &mut Vec<f32>, rows: usize, lhs: &[f32], step: usize) {
        let depth = self.w.len() / self.c_out;
        assert!(rows == 0 || (rows - 1) * step + depth <= lhs.len(), "the window matrix reads inside its buffer");
        // Every element is written by the product (`read_dst` false): no need to zero them.
        dst.resize(rows * self.c_out, 0.0);
        // SAFETY: every pointer and stride describes memory inside `dst`, `lhs` and `self.w`
        // (checked above: the last row of lhs ends at (rows-1)·step + depth; dst and w are
        // exactly rows × c_out and depth × c_out, row-major).
        unsafe {
            gemm::gemm(
                rows,
                self.c_out,
                depth,
                dst.as_mut_ptr(),
                1,
                self.c_out as isize,
                false,
                lhs.as_ptr(),
                1,
                step as isize,
                self.w.as_ptr(),
                1,
                self.c_out as isize,
                0.0,
                1.0,
                false,
                false,
                false,
                gemm::Parallelism::None,
            );
        }
    }
}

impl SampleCnn {
    /// This network, folded for fast CPU inference (see [`SampleCnnCpu`]).
    pub fn to_cpu(&self) -> SampleCnnCpu {
        let layers = self.convs.iter().zip(&self.norms).map(|(c, n)| FoldedConv::new(c, n)).collect();
        let weight = self.out.weight.val();
        let [_, classes] = weight.dims();
        let dense_w = values(weight);
        let dense_b = self.out.bias.as_ref().map_or_else(|| vec![0.0; classes], |b| values(b.val()));
        SampleCnnCpu { layers, dense_w, dense_b }
    }
}

impl SampleCnnCpu {
    /// Output classes.
    pub fn n_classes(&self) -> usize {
        self.dense_b.len()
    }

    /// Logits `[windows][classes]` of waveforms laid end to end, `samples` each (the
    /// network's input length, or longer).
    pub fn logits(&self, x: &[f32], samples: usize) -> Vec<Vec<f32>> {
        assert!(samples > 0 && x.len() % samples == 0, "whole windows of {samples} samples");
        x.par_chunks(samples).map_init(Scratch::default, |s, w| self.window(w, s)).collect()
    }

    fn window(&self, x: &[f32], s: &mut Scratch) -> Vec<f32> {
        let first = &self.layers[0];
        let mut rows = x.len() / 3;
        // The strided first layer: row t of its window matrix is x[3t .. 3t + 3].
        first.product(&mut s.product, rows, x, 3);
        let c = first.c_out;
        s.input.clear();
        s.input.resize((rows + 2) * c, 0.0);
        for (out, row) in s.input[c..].chunks_exact_mut(c).zip(s.product.chunks_exact(c)) {
            for ((o, v), b) in out.iter_mut().zip(row).zip(&first.b) {
                *o = (v + b).max(0.0);
            }
        }
        let mut c_in = c;
        for layer in &self.layers[1..] {
            // "Same" convolution: the padded input read with overlapping rows of 3·c_in.
            layer.product(&mut s.product, rows, &s.input, c_in);
            let c = layer.c_out;
            rows /= 3;
            s.output.clear();
            s.output.resize((rows + 2) * c, 0.0);
            // ReLU(max + bias) = max of ReLU(value + bias): the pool, bias and ReLU in one pass.
            for (out, three) in s.output[c..].chunks_exact_mut(c).zip(s.product.chunks_exact(3 * c)) {
                let (r0, rest) = three.split_at(c);
                let (r1, r2) = rest.split_at(c);
                for ((((o, a), b), d), bias) in out.iter_mut().zip(r0).zip(r1).zip(r2).zip(&layer.b) {
                    *o = (a.max(*b).max(*d) + bias).max(0.0);
                }
            }
            std::mem::swap(&mut s.input, &mut s.output);
            c_in = c;
        }
        // The max over what is left of time, then the dense layer.
        let mut feature = vec![f32::NEG_INFINITY; c_in];
        for row in s.input[c_in..(rows + 1) * c_in].chunks_exact(c_in) {
            feature.iter_mut().zip(row).for_each(|(f, v)| *f = f.max(*v));
        }
        let classes = self.n_classes();
        let mut logits = self.dense_b.clone();
        for (f, w) in feature.iter().zip(self.dense_w.chunks_exact(classes)) {
            logits.iter_mut().zip(w).for_each(|(l, w)| *l += f * w);
        }
        logits
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::module::{Param, RunningState};
    use burn::tensor::Distribution;

    /// [`SampleCnnCpu`] gives burn's evaluation-mode forward pass, with batch norms far from
    /// their initial state (negative scales included), a first layer whose input is not a
    /// multiple of 3, and more than one frame left for the final max.
    #[test]
    fn cpu_inference_equals_the_forward_pass() {
        let device = Device::flex();
        device.seed(3);
        for (samples, first, blocks) in [(729, 8, vec![8, 16, 16, 16, 16]), (800, 6, vec![8, 12, 16])] {
            let cfg = SampleCnnConfig { samples, first, blocks, n_classes: 5, dropout: 0.5 };
            let mut net = cfg.init(&device).unwrap();
            for n in &mut net.norms {
                let c = n.gamma.val().dims()[0];
                let random = |d| Tensor::<1>::random([c], d, &device);
                n.gamma = Param::from_tensor(random(Distribution::Normal(0.0, 1.0)));
                n.beta = Param::from_tensor(random(Distribution::Normal(0.0, 0.5)));
                n.running_mean = RunningState::new(random(Distribution::Normal(0.0, 0.3)));
                n.running_var = RunningState::new(random(Distribution::Uniform(0.2, 3.0)));
            }
            let x = Tensor::<3>::random([7, 1, samples], Distribution::Normal(0.0, 1.0), &device);
            let want = values(net.forward(x.clone()));
            let got: Vec<f32> = net.to_cpu().logits(&values(x), samples).concat();
            assert_eq!(got.len(), want.len());
            let scale = want.iter().fold(0f32, |m, v| m.max(v.abs()));
            let err = got.iter().zip(&want).fold(0f32, |m, (a, b)| m.max((a - b).abs()));
            assert!(scale > 0.1 && err < 1e-5 * scale, "{samples} samples: error {err} of logits up to {scale}");
        }
    }
}
