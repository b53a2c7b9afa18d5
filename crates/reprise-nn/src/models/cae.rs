//! The Complex Autoencoder (Lattner, Dörfler & Arzt, "Learning complex basis functions for
//! invariant representations of audio", ISMIR 2019): one bias-free linear map `W` from a
//! flattened CQT window `x` (`n_bins × length`, bin-major) to `n_bases` complex bases, whose
//! magnitudes become invariant to the transformations the training pairs differ by (pitch
//! or time shifts) while the phases carry them. The decoder reuses `W` (tied weights).
//!
//! Encoder: `h = dropout(x) · W`, `re = h[..k]`, `im = h[k..]`, amplitude `a = √(re² + im²)`,
//! phase `φ = atan2(re, im)` (the reference's argument order). Decoder: `x̂ = [a·sin φ;
//! a·cos φ] · Wᵀ`, which gives back `h · Wᵀ` when `(a, φ)` are `x`'s own. Training pairs
//! `(x, y = T(x))` swap phases: `ŷ = dec(a_x, φ_y)`, `x̂ = dec(a_y, φ_x)`, and the loss is
//! `mean|y − ŷ|^p + mean|x − x̂|^p` (p = 1 for the CQT).
//!
//! At `re = im = 0` (a silent window) `√` and `atan2` have no derivative: the amplitude is
//! computed from `max(re² + im², 1e-12)` and the phase from `atan2(re, im + 1e-6)` there,
//! so gradients stay finite (tested); elsewhere the values are the plain formulas.
//!
//! The engine trains it with [`crate::objectives::PairReconstruction`] on pairs that
//! [`CaeConfig::shifts`] describes; this module holds the model, its configuration and its loss.

use burn::nn::{Dropout, DropoutConfig, Linear, LinearConfig};
use burn::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{NnError, Result};

/// Configuration of a [`Cae`]; `Default` is the reference's CQT configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaeConfig {
    /// CQT bins of a frame (120: 5 octaves at 24 per octave from 65.4 Hz).
    pub n_bins: usize,
    /// Frames of a window (32, about 2.9 s at hop 1984).
    pub length: usize,
    /// Complex bases (256).
    pub n_bases: usize,
    /// Dropout on the input (0.5).
    pub dropout: f64,
    /// Exponent of the reconstruction error (1: L1, the reference's CQT setting; 2: MSE).
    pub loss_power: f64,
    /// Largest pitch shift of a training pair, in bins (24: an octave at 24 per octave).
    #[serde(default = "default_pitch_shift")]
    pub pitch_shift: usize,
    /// Largest time shift of a training pair, in frames (12).
    #[serde(default = "default_time_shift")]
    pub time_shift: usize,
}

fn default_pitch_shift() -> usize {
    24
}

fn default_time_shift() -> usize {
    12
}

impl Default for CaeConfig {
    fn default() -> Self {
        CaeConfig { n_bins: 120, length: 32, n_bases: 256, dropout: 0.5, loss_power: 1.0, pitch_shift: 24, time_shift: 12 }
    }
}

impl CaeConfig {
    /// Values of a flattened window (`n_bins × length`, 3840 by default).
    pub fn inputs(&self) -> usize {
        self.n_bins * self.length
    }

    /// The training pairs' shifts.
    pub fn shifts(&self) -> crate::data::Shifts {
        crate::data::Shifts { rows: self.pitch_shift, frames: self.time_shift }
    }

    /// Checks the configuration.
    pub fn validate(&self) -> Result<()> {
        if self.pitch_shift >= self.n_bins.max(1) || self.time_shift > 1 << 20 {
            return Err(NnError::Config(format!(
                "cae: the pitch shift ({}) must be below the bins ({}) and the time shift ({}) sensible",
                self.pitch_shift, self.n_bins, self.time_shift
            )));
        }
        if self.n_bins == 0
            || self.length == 0
            || self.n_bases == 0
            || !(0.0..1.0).contains(&self.dropout)
            || !(self.loss_power == 1.0 || self.loss_power == 2.0)
        {
            return Err(NnError::Config(format!(
                "cae: needs n_bins, length and n_bases > 0, dropout in [0, 1) and loss_power 1 or 2 (got {}, {}, {}, {}, {})",
                self.n_bins, self.length, self.n_bases, self.dropout, self.loss_power
            )));
        }
        super::check_weights("cae", self.n_bins as u128 * self.length as u128 * 2 * self.n_bases as u128)
    }

    /// Builds the model with fresh weights (burn's default initialisation of a linear map).
    pub fn init(&self, device: &Device) -> Result<Cae> {
        self.validate()?;
        Ok(Cae {
            map: LinearConfig::new(self.inputs(), 2 * self.n_bases).with_bias(false).init(device),
            dropout: DropoutConfig::new(self.dropout).init(),
        })
    }
}

impl CaeConfig {
    /// The model with the weights of a safetensors file (`bytes`, read from `path`, which
    /// names it in errors): [`WEIGHT_NAME`] shaped `[inputs, 2 · n_bases]`, float16 or
    /// float32. A file of another shape, type or a damaged one is an error; so are weights
    /// that are not finite.
    pub fn from_safetensors(&self, bytes: &[u8], path: &std::path::Path, device: &Device) -> Result<Cae> {
        let bad = |reason: String| NnError::file(path, reason);
        let file = safetensors::SafeTensors::deserialize(bytes)
            .map_err(|e| bad(format!("not a readable safetensors file ({e}); it may be truncated or damaged")))?;
        let t = file.tensor(WEIGHT_NAME).map_err(|_| bad(format!("holds no tensor `{WEIGHT_NAME}`: not the weights of a CAE")))?;
        let want = [self.inputs(), 2 * self.n_bases];
        if t.shape() != want {
            return Err(bad(format!("`{WEIGHT_NAME}` is {:?}; the model in model.json needs {want:?}", t.shape())));
        }
        let data = t.data();
        let values: Vec<f32> = match t.dtype() {
            safetensors::Dtype::F16 => data.chunks_exact(2).map(|b| half::f16::from_le_bytes([b[0], b[1]]).to_f32()).collect(),
            safetensors::Dtype::F32 => data.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect(),
            other => return Err(bad(format!("`{WEIGHT_NAME}` is {other:?}; expected F16 or F32"))),
        };
        if let Some(i) = values.iter().position(|v| !v.is_finite()) {
            return Err(bad(format!("weight {i} is {}: damaged weights", values[i])));
        }
        let mut cae = self.init(device)?;
        cae.map.weight = burn::module::Param::from_tensor(Tensor::<2>::from_data(TensorData::new(values, want), device));
        Ok(cae)
    }
}

/// The Complex Autoencoder; see the module documentation.
#[derive(Module, Debug)]
pub struct Cae {
    map: Linear,
    dropout: Dropout,
}

/// The tensor name of `W` in a [`Cae::to_safetensors_f16`] file.
pub const WEIGHT_NAME: &str = "map.weight";

/// Below this squared modulus a basis's response counts as zero (see the module documentation).
const TINY: f32 = 1e-12;

impl Cae {
    /// Complex bases.
    pub fn n_bases(&self) -> usize {
        self.map.weight.dims()[1] / 2
    }

    /// Input dropout, as burn's `Dropout` decides it (in training, on an autodiff device,
    /// with a probability above 0), but with the mask drawn here: one seed from the device's
    /// generator (which the engine seeds before every step, so resume stays exact), then 32
    /// random bits per value from SplitMix64, rows in parallel. burn's Bernoulli sampler
    /// spent about 160 ms a step on the two 1000 × 3840 masks of a batch (BENCHMARKS.md).
    fn drop_input(&self, x: Tensor<2>) -> Tensor<2> {
        let p = self.dropout.prob;
        let device = x.device();
        if !self.dropout.training.is_enabled() || !device.is_autodiff() || p <= 0.0 {
            return x;
        }
        let [rows, cols] = x.dims();
        let draws: Vec<f32> = Tensor::<1>::random([2], burn::tensor::Distribution::Uniform(0.0, 1.0), &device)
            .into_data()
            .convert::<f32>()
            .try_to_vec::<f32>()
            .expect("f32");
        let seed = ((draws[0] * 16_777_216.0) as u64) << 24 | (draws[1] * 16_777_216.0) as u64;
        let threshold = (p * 4_294_967_296.0).min(u32::MAX as f64) as u64;
        let scale = (1.0 / (1.0 - p)) as f32;
        let mut mask = vec![0f32; rows * cols];
        use rayon::prelude::*;
        mask.par_chunks_mut(cols.max(1)).enumerate().for_each(|(r, row)| {
            let mut state = seed ^ (r as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            let mut next = || {
                state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
                let mut z = state;
                z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
                z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
                z ^ (z >> 31)
            };
            for pair in row.chunks_mut(2) {
                let z = next();
                for (i, v) in pair.iter_mut().enumerate() {
                    *v = if (z >> (32 * i)) & 0xFFFF_FFFF >= threshold { scale } else { 0.0 };
                }
            }
        });
        x * Tensor::<2>::from_data(TensorData::new(mask, [rows, cols]), &device)
    }

    /// `W` as `[inputs][2 · n_bases]`, row-major, float32.
    pub fn weights(&self) -> Vec<f32> {
        self.map.weight.val().into_data().convert::<f32>().try_into_vec::<f32>().expect("float weights")
    }

    /// `W` rounded to float16 in a safetensors file (one tensor, [`WEIGHT_NAME`], shaped
    /// `[inputs, 2 · n_bases]`): half the size of float32, read back by
    /// [`CaeConfig::from_safetensors`].
    pub fn to_safetensors_f16(&self) -> Result<Vec<u8>> {
        let dims = self.map.weight.dims();
        let bytes: Vec<u8> = self.weights().iter().flat_map(|v| half::f16::from_f32(*v).to_le_bytes()).collect();
        let view = safetensors::tensor::TensorView::new(safetensors::Dtype::F16, dims.to_vec(), &bytes)
            .map_err(|e| NnError::Config(format!("cae weights: {e}")))?;
        safetensors::serialize([(WEIGHT_NAME, view)], None).map_err(|e| NnError::Config(format!("cae weights: {e}")))
    }

    /// The invariant amplitudes `[batch, n_bases]` of windows `[batch, n_bins, length]`
    /// (flattened bin-major, as they were trained).
    pub fn forward(&self, x: Tensor<3>) -> Tensor<2> {
        let [b, rows, frames] = x.dims();
        self.encode(x.reshape([b, rows * frames])).0
    }

    /// Amplitudes and phases `[batch, n_bases]` of windows `[batch, n_bins · length]`
    /// (dropout applies in training mode).
    pub fn encode(&self, x: Tensor<2>) -> (Tensor<2>, Tensor<2>) {
        let k = self.n_bases();
        let h = self.map.forward(self.drop_input(x));
        let re = h.clone().narrow(1, 0, k);
        let im = h.narrow(1, k, k);
        let r2 = re.clone().powi_scalar(2) + im.clone().powi_scalar(2);
        let zero = r2.clone().lower_elem(TINY).float();
        let amplitude = r2.clamp_min(TINY).sqrt();
        let phase = re.atan2(im + zero * 1e-6);
        (amplitude, phase)
    }

    /// Windows `[batch, n_bins · length]` from amplitudes and phases (tied weights).
    pub fn decode(&self, amplitude: Tensor<2>, phase: Tensor<2>) -> Tensor<2> {
        let real = amplitude.clone() * phase.clone().sin();
        let imag = amplitude * phase.cos();
        Tensor::cat(vec![real, imag], 1).matmul(self.map.weight.val().transpose())
    }

    /// The pair loss: each window rebuilt from its own amplitudes and the other's phases
    /// (`mean|y − dec(a_x, φ_y)|^p + mean|x − dec(a_y, φ_x)|^p`).
    pub fn pair_loss(&self, x: Tensor<2>, y: Tensor<2>, loss_power: f64) -> Tensor<1> {
        let (ax, px) = self.encode(x.clone());
        let (ay, py) = self.encode(y.clone());
        let y_hat = self.decode(ax, py);
        let x_hat = self.decode(ay, px);
        let err = |a: Tensor<2>, b: Tensor<2>| {
            let d = (a - b).abs();
            if loss_power == 2.0 {
                d.powi_scalar(2).mean()
            } else {
                d.mean()
            }
        };
        err(y, y_hat) + err(x, x_hat)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::module::Param;
    use burn::optim::{AdamConfig, GradientsParams};
    use burn::tensor::Distribution;

    /// burn's CPU generator is shared by the tests running at once: the tests of this module
    /// that draw from it take turns.
    static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

    fn serial() -> std::sync::MutexGuard<'static, ()> {
        SERIAL.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn tiny() -> CaeConfig {
        CaeConfig { n_bins: 3, length: 2, n_bases: 4, dropout: 0.0, loss_power: 1.0, pitch_shift: 1, time_shift: 1 }
    }

    fn values(t: Tensor<2>) -> Vec<f32> {
        t.into_data().convert::<f32>().try_to_vec::<f32>().expect("float data")
    }

    #[test]
    fn decoding_its_own_amplitudes_and_phases_is_the_linear_round_trip() {
        let _guard = serial();
        let device = crate::device("cpu").unwrap();
        let cae = CaeConfig { dropout: 0.0, ..tiny() }.init(&device).unwrap();
        let x: Tensor<2> = Tensor::random([5, 6], Distribution::Uniform(-1.0, 1.0), &device);
        let (a, p) = cae.encode(x.clone());
        let w = cae.map.weight.val();
        let direct = x.matmul(w.clone()).matmul(w.transpose());
        let back = cae.decode(a.clone(), p);
        let diff = (back - direct).abs().max().into_scalar::<f32>();
        assert!(diff < 1e-5, "{diff}");
        assert!(values(a).iter().all(|v| *v >= 0.0));
    }

    /// The loss's gradient with respect to `W`, autodiff against central differences, for
    /// L1 and L2, and finite at a silent (all-zero) window, where √ and atan2 have none.
    #[test]
    fn gradients_equal_finite_differences_and_stay_finite_at_zero() {
        let _guard = serial();
        let device = crate::device("cpu").unwrap().autodiff();
        for power in [1.0, 2.0] {
            let cfg = CaeConfig { loss_power: power, ..tiny() };
            // values from a local generator: burn's is shared by the tests running at once
            let mut rng = reprise_core::rng::Rng::new(17);
            let mut draw = |shape: [usize; 2]| -> Tensor<2> {
                let v: Vec<f32> = (0..shape[0] * shape[1]).map(|_| rng.range(-1.0, 1.0) as f32).collect();
                Tensor::from_data(TensorData::new(v, shape), &device)
            };
            let mut cae = cfg.init(&device).unwrap();
            cae.map.weight = Param::from_tensor(draw([6, 8]));
            let (x, y) = (draw([4, 6]), draw([4, 6]));
            let grads = cae.pair_loss(x.clone(), y.clone(), power).backward();
            let g = values(cae.map.weight.val().grad(&grads).expect("weight gradient"));
            let plain = cae.valid();
            let w0 = values(plain.map.weight.val());
            let (xp, yp) = (x.clone().inner(), y.clone().inner());
            let loss_at = |w: &[f32]| -> f64 {
                let mut m = plain.clone();
                m.map.weight = Param::from_tensor(Tensor::<2>::from_data(TensorData::new(w.to_vec(), [6, 8]), &device.clone().without_autodiff()));
                m.pair_loss(xp.clone(), yp.clone(), power).into_scalar::<f32>() as f64
            };
            let eps = 2e-3f32;
            let mut worst = 0.0f64;
            for i in 0..w0.len() {
                let (mut up, mut down) = (w0.clone(), w0.clone());
                up[i] += eps;
                down[i] -= eps;
                let numeric = (loss_at(&up) - loss_at(&down)) / (2.0 * eps as f64);
                worst = worst.max((numeric - g[i] as f64).abs() / (numeric.abs().max(g[i].abs() as f64).max(0.05)));
            }
            assert!(worst < 0.05, "loss power {power}: gradient relative error {worst}");
            // a silent window: finite loss and gradients
            let zero: Tensor<2> = Tensor::zeros([2, 6], &device);
            let grads = cae.pair_loss(zero.clone(), zero, power).backward();
            let g0 = values(cae.map.weight.val().grad(&grads).expect("weight gradient"));
            assert!(g0.iter().all(|v| v.is_finite()), "loss power {power}: {g0:?}");
        }
    }

    #[test]
    fn float16_weights_round_trip_and_damaged_files_are_named() {
        let _guard = serial();
        let device = crate::device("cpu").unwrap();
        let cfg = tiny();
        let cae = cfg.init(&device).unwrap();
        let bytes = cae.to_safetensors_f16().unwrap();
        let path = std::path::Path::new("w.safetensors");
        let back = cfg.from_safetensors(&bytes, path, &device).unwrap();
        let (a, b) = (cae.weights(), back.weights());
        assert!(a.iter().zip(&b).all(|(x, y)| (x - y).abs() <= 1e-3 * x.abs().max(1e-2)), "{a:?} {b:?}");
        for (damaged, what) in [(bytes[..bytes.len() / 2].to_vec(), "truncated"), (b"not safetensors at all".to_vec(), "not readable")] {
            let e = cfg.from_safetensors(&damaged, path, &device).err().unwrap().to_string();
            assert!(e.starts_with("w.safetensors: ") && e.contains("damaged"), "{what}: {e}");
        }
        let other = CaeConfig { n_bases: 5, ..cfg.clone() };
        let e = other.from_safetensors(&bytes, path, &device).err().unwrap().to_string();
        assert!(e.contains("needs [6, 10]"), "{e}");
    }

    /// The input dropout keeps about 1 − p of the values, scaled by 1 / (1 − p), draws the
    /// same mask after the same seed and another after another, and is off in evaluation.
    #[test]
    fn input_dropout_keeps_its_share_and_follows_the_seed() {
        let _guard = serial();
        let device = crate::device("cpu").unwrap().autodiff();
        let cae = CaeConfig { dropout: 0.3, ..tiny() }.init(&device).unwrap();
        let ones = || Tensor::<2>::ones([500, 40], &device);
        device.seed(9);
        let a = values(cae.drop_input(ones()).inner());
        device.seed(9);
        let b = values(cae.drop_input(ones()).inner());
        device.seed(10);
        let c = values(cae.drop_input(ones()).inner());
        assert_eq!(a, b);
        assert_ne!(a, c);
        let kept = a.iter().filter(|v| **v != 0.0).count() as f64 / a.len() as f64;
        assert!((kept - 0.7).abs() < 0.01, "kept {kept}");
        assert!(a.iter().all(|v| *v == 0.0 || (*v - 1.0 / 0.7).abs() < 1e-6));
        let plain = cae.valid();
        let x = Tensor::<2>::ones([3, 40], &crate::device("cpu").unwrap());
        assert!(values(plain.drop_input(x)).iter().all(|v| *v == 1.0));
    }

    /// A tiny run overfits: pitch-shift pairs of a handful of windows, Adam 1e-2.
    #[test]
    fn a_tiny_run_overfits_its_pairs() {
        let _guard = serial();
        let device = crate::device("cpu").unwrap().autodiff();
        device.seed(3);
        let cfg = CaeConfig { n_bins: 12, length: 4, n_bases: 16, dropout: 0.0, loss_power: 1.0, pitch_shift: 1, time_shift: 0 };
        let mut cae = cfg.init(&device).unwrap();
        // windows of random spectra and the same shifted up by one bin (zero-padded)
        let x: Tensor<3> = Tensor::random([8, 12, 4], Distribution::Uniform(0.0, 1.0), &device);
        let y = Tensor::cat(vec![Tensor::zeros([8, 1, 4], &device), x.clone().narrow(1, 0, 11)], 1);
        let (x, y): (Tensor<2>, Tensor<2>) = (x.reshape([8, 48]), y.reshape([8, 48]));
        let mut optim = AdamConfig::new().init();
        let loss = |m: &Cae| m.pair_loss(x.clone(), y.clone(), 1.0);
        let first = loss(&cae).into_scalar::<f32>();
        for _ in 0..400 {
            let grads = GradientsParams::from_grads(loss(&cae).backward(), &cae);
            cae = optim.step(1e-2, cae, grads);
        }
        let last = loss(&cae).into_scalar::<f32>();
        assert!(last < first / 4.0, "loss {first} → {last}");
    }
}
