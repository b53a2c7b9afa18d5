//! A trained Complex Autoencoder as a representation: the invariant magnitudes (and, on
//! request, the phases) of its complex bases, one column per CQT frame — what
//! `reprise features cae` writes and what `reprise structure --features cae` compares.
//!
//! A model is a folder with `model.json` (the run description of `reprise train --model
//! cae`) and its weights: a run folder's `weights.bpk`, or an exported
//! `weights.safetensors` (float16 or float32, [`export`]). Without a folder, the piano
//! model that ships inside Reprise is used ([`CaeModel::builtin`]): trained by
//! `scripts/train_cae.sh` on three hours of Bach chorales rendered through the FluidR3
//! SoundFont (MIT) only.
//!
//! **Frames.** The input is the CAE's CQT ([`crate::deep::cae_cqt_spec`]: 120 bins at 24 per
//! octave from 65.4 Hz, hop 1984 at 22050 Hz), each frame standardised over its bins. Column
//! `t` of the output encodes the window of `length` frames (32) centred on frame `t` —
//! frames `t − length/2 … t + length/2 − 1`, zeros (a frame's mean) past either end — so the
//! output has the CQT's frames and its time axis (the reference slides its windows from the
//! first frame instead, which shifts its frames by half a window).

use std::path::{Path, PathBuf};

use ndarray::Array2;
use reprise_nn::burn::module::Module;
use reprise_nn::burn::prelude::*;
use reprise_nn::checkpoint::{load_weights, write_json_atomic};
use reprise_nn::models::{Cae, CaeConfig, ModelConfig, Net};

use crate::deep::{DeepInput, RunInfo};
use crate::{Error, Result};

/// The name the shipped model goes by in sidecars and reports.
pub const BUILTIN_NAME: &str = "builtin:cae-piano";
const BUILTIN_MODEL: &str = include_str!("../models/cae-piano/model.json");
const BUILTIN_WEIGHTS: &[u8] = include_bytes!("../models/cae-piano/weights.safetensors");

/// Windows encoded at once (a block of `512 × 3840` inputs, 7.5 MiB).
const BLOCK: usize = 512;

/// A trained CAE, loaded on the CPU.
pub struct CaeModel {
    /// Where it came from: its folder, or [`BUILTIN_NAME`].
    pub source: String,
    /// Its description.
    pub info: RunInfo,
    config: CaeConfig,
    cae: Cae,
    device: Device,
}

/// The invariant magnitudes and, on request, the phases of a signal, `bases × frames`.
#[derive(Debug, Clone)]
pub struct Encoded {
    /// Amplitudes of the complex bases.
    pub magnitudes: Array2<f32>,
    /// Phases (radians, `atan2(re, im)` as the reference), when asked for.
    pub phases: Option<Array2<f32>>,
}

/// Reads `model.json` of a folder and checks it describes a CAE.
fn cae_info(dir: &Path, info: RunInfo) -> Result<(RunInfo, CaeConfig)> {
    let ModelConfig::Cae(config) = info.model.clone() else {
        return Err(Error::Clip {
            path: dir.join("model.json"),
            reason: format!("a {} model, not a Complex Autoencoder: give a run of `reprise train --model cae`", info.name),
        });
    };
    if !matches!(info.input, DeepInput::CaeCqt { .. }) {
        return Err(Error::Clip { path: dir.join("model.json"), reason: format!("a CAE on {} input; this build reads cae-cqt", info.input.name()) });
    }
    Ok((info, config))
}

impl CaeModel {
    /// The model of a folder (a run of `reprise train --model cae`, or an [`export`]), or
    /// the shipped one without a folder.
    pub fn open(dir: Option<&Path>) -> Result<Self> {
        match dir {
            Some(d) => CaeModel::load(d),
            None => CaeModel::builtin(),
        }
    }

    /// The model in `dir`: `model.json` with `weights.safetensors` when there is one, else
    /// `weights.bpk`. A model of another kind, or missing or damaged weights, is an error
    /// that names the file.
    pub fn load(dir: &Path) -> Result<Self> {
        let (info, config) = cae_info(dir, RunInfo::load(dir)?)?;
        let device = Device::flex();
        let exported = dir.join("weights.safetensors");
        let cae = if exported.is_file() {
            let bytes = std::fs::read(&exported).map_err(|e| Error::Clip { path: exported.clone(), reason: format!("cannot read: {e}") })?;
            config.from_safetensors(&bytes, &exported, &device)?
        } else {
            match load_weights(&info.model, &dir.join("weights.bpk"), &device)? {
                Net::Cae(c) => c,
                _ => unreachable!("a CAE configuration builds a CAE"),
            }
        };
        Ok(CaeModel { source: dir.display().to_string(), info, config, cae: cae.valid(), device })
    }

    /// The piano model that ships with Reprise (see the module documentation).
    pub fn builtin() -> Result<Self> {
        let path = PathBuf::from(BUILTIN_NAME);
        let info: RunInfo =
            serde_json::from_str(BUILTIN_MODEL).map_err(|e| Error::Clip { path: path.clone(), reason: format!("damaged model description: {e}") })?;
        let (info, config) = cae_info(&path, info)?;
        let device = Device::flex();
        let cae = config.from_safetensors(BUILTIN_WEIGHTS, &path, &device)?;
        Ok(CaeModel { source: BUILTIN_NAME.into(), info, config, cae: cae.valid(), device })
    }

    /// Its configuration.
    pub fn config(&self) -> &CaeConfig {
        &self.config
    }

    /// Seconds between frames.
    pub fn frame_s(&self) -> f64 {
        self.info.input.seconds_per_frame()
    }

    /// Encodes a standardised CQT (`n_bins × frames`, row-major): one column per frame (see
    /// the module documentation for the windows).
    pub fn encode(&self, x: &[f32], rows: usize, frames: usize, phases: bool) -> Result<Encoded> {
        let (bins, length, k) = (self.config.n_bins, self.config.length, self.config.n_bases);
        if rows != bins || x.len() != rows * frames {
            return Err(Error::Clip {
                path: PathBuf::from(&self.source),
                reason: format!("the model reads {bins} CQT bins; the input has {rows} rows of {frames} frames ({} values)", x.len()),
            });
        }
        let mut magnitudes = Array2::<f32>::zeros((k, frames));
        let mut phase = phases.then(|| Array2::<f32>::zeros((k, frames)));
        let half = length / 2;
        let mut window = vec![0f32; BLOCK.min(frames.max(1)) * bins * length];
        for first in (0..frames).step_by(BLOCK) {
            let n = BLOCK.min(frames - first);
            window[..n * bins * length].fill(0.0);
            for b in 0..n {
                let start = (first + b) as i64 - half as i64;
                for r in 0..bins {
                    let row = &x[r * frames..(r + 1) * frames];
                    let dst = &mut window[(b * bins + r) * length..(b * bins + r + 1) * length];
                    for (j, d) in dst.iter_mut().enumerate() {
                        let t = start + j as i64;
                        if t >= 0 && (t as usize) < frames {
                            *d = row[t as usize];
                        }
                    }
                }
            }
            let input = Tensor::<2>::from_data(TensorData::new(window[..n * bins * length].to_vec(), [n, bins * length]), &self.device);
            let (a, p) = self.cae.encode(input);
            let values = |t: Tensor<2>| -> Vec<f32> { t.into_data().convert::<f32>().try_into_vec::<f32>().expect("float32 outputs") };
            let a = values(a);
            if a.iter().any(|v| !v.is_finite()) {
                return Err(Error::Clip { path: PathBuf::from(&self.source), reason: Error::NonFiniteOutput.to_string() });
            }
            for b in 0..n {
                for (i, v) in a[b * k..(b + 1) * k].iter().enumerate() {
                    magnitudes[[i, first + b]] = *v;
                }
            }
            if let Some(ph) = phase.as_mut() {
                let p = values(p);
                for b in 0..n {
                    for (i, v) in p[b * k..(b + 1) * k].iter().enumerate() {
                        ph[[i, first + b]] = *v;
                    }
                }
            }
        }
        Ok(Encoded { magnitudes, phases: phase })
    }

    /// The standardised CQT of an audio file (`n_bins × frames`, row-major) as the model reads it.
    pub fn input_of(&self, audio: &Path) -> Result<(Vec<f32>, usize, usize)> {
        self.info.input.compute(audio)
    }

    /// Encodes an audio file (decoded at 22050 Hz).
    pub fn encode_file(&self, audio: &Path, phases: bool) -> Result<Encoded> {
        let (x, rows, frames) = self.input_of(audio)?;
        self.encode(&x, rows, frames, phases).map_err(|e| match e {
            Error::Clip { reason, .. } => Error::Clip { path: audio.to_owned(), reason },
            e => e,
        })
    }
}

/// Writes a run's best weights as a shippable model folder `out`: `model.json` (the run's)
/// and `weights.safetensors` (float16), each atomically. Returns the largest difference
/// between the float32 weights and their float16 copy.
pub fn export(run: &Path, out: &Path) -> Result<f32> {
    let model = CaeModel::load(run)?;
    std::fs::create_dir_all(out).map_err(|e| Error::Clip { path: out.to_owned(), reason: format!("cannot create: {e}") })?;
    let bytes = model.cae.to_safetensors_f16()?;
    let path = out.join("weights.safetensors");
    reprise_io::write_atomic(&path, |w| w.write_all(&bytes))?;
    write_json_atomic(&out.join("model.json"), &model.info)?;
    let back = model.config.from_safetensors(&bytes, &path, &model.device)?;
    Ok(model.cae.weights().iter().zip(back.weights()).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_model_loads_and_encodes_centred_windows() {
        let m = CaeModel::builtin().unwrap();
        let c = m.config().clone();
        assert_eq!((c.n_bins, c.length, c.n_bases), (120, 32, 256));
        assert!((m.frame_s() - 1984.0 / 22050.0).abs() < 1e-12);
        // a window is encoded from the frames around it: a frame far away changes nothing
        let frames = 100;
        let mut x: Vec<f32> = (0..120 * frames).map(|i| ((i * 37 % 101) as f32 / 50.0) - 1.0).collect();
        let a = m.encode(&x, 120, frames, true).unwrap();
        assert_eq!(a.magnitudes.dim(), (256, frames));
        assert_eq!(a.phases.as_ref().unwrap().dim(), (256, frames));
        for r in 0..120 {
            x[r * frames + 99] += 1.0;
        }
        let b = m.encode(&x, 120, frames, false).unwrap();
        assert_eq!(a.magnitudes.column(40), b.magnitudes.column(40), "frame 99 is outside the window of frame 40");
        assert_ne!(a.magnitudes.column(90), b.magnitudes.column(90), "frame 99 is inside the window of frame 90");
        // the wrong number of bins is an error naming the model
        let e = m.encode(&x[..60 * frames], 60, frames, false).err().unwrap().to_string();
        assert!(e.starts_with(BUILTIN_NAME) && e.contains("120 CQT bins"), "{e}");
    }

    #[test]
    fn a_folder_of_another_model_or_damaged_weights_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let e = CaeModel::load(dir.path()).err().unwrap().to_string();
        assert!(e.contains("model.json"), "{e}");
        // the shipped model exported to a folder, then damaged
        std::fs::write(dir.path().join("model.json"), BUILTIN_MODEL).unwrap();
        std::fs::write(dir.path().join("weights.safetensors"), &BUILTIN_WEIGHTS[..BUILTIN_WEIGHTS.len() / 2]).unwrap();
        let e = CaeModel::load(dir.path()).err().unwrap().to_string();
        assert!(e.contains("weights.safetensors") && e.contains("damaged"), "{e}");
        std::fs::write(dir.path().join("weights.safetensors"), BUILTIN_WEIGHTS).unwrap();
        CaeModel::load(dir.path()).unwrap();
        // a classifier's model.json
        let mut info: RunInfo = serde_json::from_str(BUILTIN_MODEL).unwrap();
        info.name = reprise_nn::models::ModelName::Mlp;
        info.model = ModelConfig::of(reprise_nn::models::ModelName::Mlp, 120, 1, 2).unwrap();
        info.labels = vec!["a".into(), "b".into()];
        info.standardizer.mean = vec![0.0; 120];
        info.standardizer.std = vec![1.0; 120];
        info.save(dir.path()).unwrap();
        let e = CaeModel::load(dir.path()).err().unwrap().to_string();
        assert!(e.contains("model.json") && e.contains("mlp model, not a Complex Autoencoder"), "{e}");
    }
}
